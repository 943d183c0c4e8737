/*
 * frag.c: IKE message fragmentation (RFC 7383): split an inner chain into
 * SKF messages, each a complete message with its own IV and ICV, and open
 * one received fragment. Reassembly is in reasm.c.
 */
#include <stdlib.h>

#include "ike/ike_int.h"
#include "util/err.h"

#define SKF_FIELDS_LEN 4 /* Fragment Number, Total Fragments */

/* One fragment message: header | SKF(num, total) | IV | chunk | pad | ICV.
 * 2.5: only fragment 1 names the first inner payload. */
static int frag_build_one(const struct ike_hdr *hdr, uint16_t num, uint16_t total, uint8_t first,
			  const uint8_t *chunk, size_t len, size_t frag_max,
			  const struct ike_sk_ops *ops, uint8_t **out, size_t *out_len)
{
	struct ike_builder b;
	struct writer wr;
	size_t off;
	int rc;

	wr_init(&wr, frag_max);
	ike_build_begin(&b, &wr, hdr);
	off = ike_build_pld_begin(&b, IKE_PLD_SKF, false);
	wr_put_u8_at(&wr, off, num == 1 ? first : IKE_PLD_NONE);
	wr_u16(&wr, num);
	wr_u16(&wr, total);
	if ((rc = ike_sk_seal_tail(&b, off, chunk, len, ops, NULL)) != 0)
		goto out;
	if (!(*out = wr_take(&wr, out_len)))
		rc = GW_E_NOMEM;
out:
	wr_free(&wr);
	return rc;
}

/* Plaintext bytes per fragment so that a full fragment is frag_max bytes
 * at most once padded to the block size; 0 if frag_max is too small. */
static size_t frag_chunk_len(size_t frag_max, const struct ike_sk_ops *ops)
{
	size_t block = ops->sk_block_len ? ops->sk_block_len : 1;
	size_t overhead =
		IKE_HDR_LEN + IKE_PLD_HDR_LEN + SKF_FIELDS_LEN + ops->sk_iv_len + ops->sk_icv_len;
	size_t room;

	if (frag_max > IKE_MSG_MAX)
		frag_max = IKE_MSG_MAX;
	if (frag_max <= overhead)
		return 0;
	room = frag_max - overhead;
	room -= room % block;
	return room >= 2 ? room - 1 : 0; /* one byte for the pad length */
}

int ike_build_fragments(const struct ike_hdr *hdr, uint8_t inner_first, const uint8_t *inner,
			size_t inner_len, size_t frag_max, const struct ike_sk_ops *ops,
			uint8_t **frags, size_t *lens, size_t max, size_t *n)
{
	size_t chunk, total, i;
	int rc = 0;

	*n = 0;
	if (ike_sk_ops_check(ops) != 0 || inner_len == 0)
		return GW_E_INVAL;
	if (!(chunk = frag_chunk_len(frag_max, ops)))
		return GW_E_RANGE;
	total = (inner_len + chunk - 1) / chunk;
	if (total > max || total > UINT16_MAX)
		return GW_E_RANGE;
	for (i = 0; i < total; i++) {
		size_t len = i + 1 < total ? chunk : inner_len - i * chunk;

		rc = frag_build_one(hdr, (uint16_t)(i + 1), (uint16_t)total, inner_first,
				    inner + i * chunk, len, frag_max, ops, &frags[i], &lens[i]);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		while (i-- > 0) {
			free(frags[i]);
			frags[i] = NULL;
		}
		return rc;
	}
	*n = total;
	return 0;
}

int ike_msg_open_skf(struct ike_msg *msg, uint8_t *buf, size_t len, const struct ike_sk_ops *ops,
		     struct ike_pld_skf *f, const uint8_t **plain, size_t *plain_len,
		     struct ike_err *err)
{
	const struct ike_pld *p;
	size_t plain_off = 0;
	int rc;

	if (msg->m_sk < 0 || (size_t)msg->m_sk >= msg->m_n ||
	    msg->m_pld[msg->m_sk].p_type != IKE_PLD_SKF)
		return ike_err_set(err, GW_E_INVAL, 0, 0, "no SKF payload to open");
	p = &msg->m_pld[msg->m_sk];
	if ((rc = ike_pld_skf_parse(p, f, err)) != 0)
		return rc;
	/* 2.5.3: the AAD runs up to the IV, Fragment Number and Total
	 * Fragments included. */
	return ike_sk_decrypt(buf, len, p, SKF_FIELDS_LEN, ops, plain, plain_len, &plain_off, err);
}
