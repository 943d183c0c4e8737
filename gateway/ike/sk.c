/*
 * sk.c: the Encrypted and Authenticated payload (RFC 7296 3.14; RFC 5282
 * for AEAD ciphers). The codec lays the payload out and strips it; the
 * cipher itself is struct ike_sk_ops, supplied by crypto/.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Encrypted IKE Payloads                     ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <openssl/crypto.h>

#include "ike/ike_int.h"
#include "util/err.h"

#define MAX_BLOCK 256 /* the pad length is one octet */
#define MAX_IV    64
#define MAX_ICV   64

int ike_sk_ops_check(const struct ike_sk_ops *ops)
{
	if (!ops || !ops->sk_seal || !ops->sk_open || ops->sk_iv_len > MAX_IV ||
	    ops->sk_icv_len > MAX_ICV || ops->sk_block_len > MAX_BLOCK)
		return GW_E_INVAL;
	return 0;
}

static size_t block_len(const struct ike_sk_ops *ops)
{
	return ops->sk_block_len ? ops->sk_block_len : 1;
}

int ike_sk_seal_tail(struct ike_builder *b, size_t pld_off, const uint8_t *plain, size_t len,
		     const struct ike_sk_ops *ops, const uint8_t *iv)
{
	struct writer *wr = b->b_wr;
	size_t block = block_len(ops), pad, iv_off, ct_len;
	int rc;

	/* 3.14: (payloads + padding + pad length) fills whole blocks. The
	 * padding is zeros: any value is allowed, none is checked. */
	pad = (block - (len + 1) % block) % block;
	ct_len = len + pad + 1;
	iv_off = wr_len(wr);
	if (iv)
		wr_bytes(wr, iv, ops->sk_iv_len);
	else
		wr_zero(wr, ops->sk_iv_len);
	wr_bytes(wr, plain, len);
	wr_zero(wr, pad);
	wr_u8(wr, (uint8_t)pad);
	wr_zero(wr, ops->sk_icv_len);
	ike_build_pld_end(b, pld_off);
	if ((rc = ike_build_end(b)) != 0)
		return rc;
	rc = ops->sk_seal(ops->sk_ctx, wr_data(wr) + b->b_start, iv_off - b->b_start, ct_len,
			  iv == NULL);
	if (rc != 0)
		wr_truncate(wr, b->b_start); /* never leave plaintext to be sent */
	return rc;
}

int ike_build_sk(struct ike_builder *b, uint8_t inner_first, const uint8_t *inner, size_t inner_len,
		 const struct ike_sk_ops *ops, const uint8_t *iv)
{
	size_t off;

	/* An inner-chain builder has no header to finish. */
	if (ike_sk_ops_check(ops) != 0 || b->b_start == (size_t)-1)
		return GW_E_INVAL;
	off = ike_build_pld_begin(b, IKE_PLD_SK, false);
	/* The SK header's next-payload names the first inner payload. */
	wr_put_u8_at(b->b_wr, off, inner_first);
	return ike_sk_seal_tail(b, off, inner, inner_len, ops, iv);
}

/* The view must point into buf where its offset says: it is decrypted in
 * place through buf. */
static bool view_in_buf(const uint8_t *buf, size_t len, const struct ike_pld *p)
{
	size_t body = p->p_off + IKE_PLD_HDR_LEN;

	return body <= len && p->p_len <= len - body && p->p_body == buf + body;
}

int ike_sk_decrypt(uint8_t *buf, size_t len, const struct ike_pld *p, size_t skip,
		   const struct ike_sk_ops *ops, const uint8_t **plain, size_t *plain_len,
		   size_t *plain_off, struct ike_err *err)
{
	size_t iv_off = p->p_off + IKE_PLD_HDR_LEN + skip, data, ct_len;
	size_t block = block_len(ops);
	struct reader rd;
	uint8_t padlen;
	int rc;

	if (ike_sk_ops_check(ops) || !view_in_buf(buf, len, p) || skip > p->p_len)
		return ike_err_set(err, GW_E_INVAL, p->p_type, p->p_off, "bad arguments");
	data = p->p_len - skip;
	if (data < ops->sk_iv_len + ops->sk_icv_len + 1)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "%zu bytes cannot hold a %zu-byte IV and a %zu-byte ICV", data,
				   ops->sk_iv_len, ops->sk_icv_len);
	ct_len = data - ops->sk_iv_len - ops->sk_icv_len;
	if (ct_len % block)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "%zu encrypted bytes, not a multiple of %zu", ct_len, block);
	if ((rc = ops->sk_open(ops->sk_ctx, buf, iv_off, ct_len)) != 0)
		return ike_err_set(err, rc, p->p_type, p->p_off, "%s",
				   rc == GW_E_AUTH ? "integrity check failed" : "cannot decrypt");
	rd_init(&rd, buf, len);
	rd_skip(&rd, iv_off + ops->sk_iv_len);
	*plain_off = rd_offset(&rd);
	*plain = rd_bytes(&rd, ct_len - 1);
	padlen = rd_u8(&rd);
	if (!rd_ok(&rd) || padlen > ct_len - 1) {
		OPENSSL_cleanse(buf + iv_off + ops->sk_iv_len, ct_len);
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "pad length %u exceeds the %zu-byte plaintext", padlen,
				   ct_len - 1);
	}
	*plain_len = ct_len - 1 - padlen;
	return 0;
}

int ike_msg_open_sk(struct ike_msg *msg, uint8_t *buf, size_t len, const struct ike_sk_ops *ops,
		    struct ike_err *err)
{
	const struct ike_pld *sk;
	const uint8_t *plain = NULL;
	size_t plain_len = 0, plain_off = 0;
	int rc;

	if (msg->m_sk < 0 || (size_t)msg->m_sk >= msg->m_n ||
	    msg->m_pld[msg->m_sk].p_type != IKE_PLD_SK)
		return ike_err_set(err, GW_E_INVAL, 0, 0, "no SK payload to open");
	sk = &msg->m_pld[msg->m_sk];
	if ((rc = ike_sk_decrypt(buf, len, sk, 0, ops, &plain, &plain_len, &plain_off, err)) != 0)
		return rc;
	return ike_msg_parse_inner(msg, msg->m_sk_first, plain, plain_len, plain_off, err);
}
