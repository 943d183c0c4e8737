/*
 * build.c: message generation. The builder appends the header and payloads
 * to a writer and chains each payload's type into the previous next-payload
 * field (3.2); lengths are back-patched when a payload or message ends.
 */
#include "ike/ike_int.h"
#include "util/err.h"

#define HDR_NEXT_OFF 16 /* next-payload byte in the IKE header */
#define HDR_LEN_OFF  24 /* length field in the IKE header */
#define NO_OFF       ((size_t)-1)

void ike_wr_fail(struct writer *wr, int code)
{
	if (wr->wr_err == 0)
		wr->wr_err = code;
}

void ike_wr_patch_len(struct writer *wr, size_t off, size_t at)
{
	size_t len = wr_len(wr) - off;

	if (!wr_ok(wr))
		return;
	if (len > UINT16_MAX) {
		ike_wr_fail(wr, GW_E_RANGE);
		return;
	}
	wr_put_u16_at(wr, off + at, (uint16_t)len);
}

void ike_build_begin(struct ike_builder *b, struct writer *wr, const struct ike_hdr *hdr)
{
	struct ike_hdr h = *hdr;

	h.h_next = IKE_PLD_NONE;
	h.h_length = 0;
	b->b_wr = wr;
	b->b_start = wr_len(wr);
	b->b_np_off = b->b_start + HDR_NEXT_OFF;
	b->b_first = IKE_PLD_NONE;
	ike_hdr_write(wr, &h);
}

void ike_build_inner_begin(struct ike_builder *b, struct writer *wr)
{
	b->b_wr = wr;
	b->b_start = NO_OFF;
	b->b_np_off = NO_OFF;
	b->b_first = IKE_PLD_NONE;
}

size_t ike_build_pld_begin(struct ike_builder *b, uint8_t type, bool critical)
{
	size_t off = wr_len(b->b_wr);

	if (b->b_np_off == NO_OFF)
		b->b_first = type;
	else
		wr_put_u8_at(b->b_wr, b->b_np_off, type);
	wr_u8(b->b_wr, IKE_PLD_NONE);
	wr_u8(b->b_wr, critical ? IKE_CRITICAL : 0);
	wr_u16(b->b_wr, 0); /* length, patched by ike_build_pld_end */
	b->b_np_off = off;
	return off;
}

void ike_build_pld_end(struct ike_builder *b, size_t pld_off)
{
	ike_wr_patch_len(b->b_wr, pld_off, 2);
}

int ike_build_end(struct ike_builder *b)
{
	struct writer *wr = b->b_wr;

	if (b->b_start != NO_OFF && wr_ok(wr)) {
		size_t len = wr_len(wr) - b->b_start;

		if (len > IKE_MSG_MAX)
			ike_wr_fail(wr, GW_E_RANGE);
		else
			wr_put_u32_at(wr, b->b_start + HDR_LEN_OFF, (uint32_t)len);
	}
	return wr->wr_err;
}

void ike_build_sa(struct ike_builder *b, const struct ike_pld_sa *sa)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_SA, false);

	ike_pld_sa_write(b->b_wr, sa);
	ike_build_pld_end(b, off);
}

void ike_build_ke(struct ike_builder *b, const struct ike_pld_ke *ke)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_KE, false);

	ike_pld_ke_write(b->b_wr, ke);
	ike_build_pld_end(b, off);
}

void ike_build_id(struct ike_builder *b, uint8_t type, const struct ike_pld_id *id)
{
	size_t off = ike_build_pld_begin(b, type, false);

	ike_pld_id_write(b->b_wr, id);
	ike_build_pld_end(b, off);
}

void ike_build_cert(struct ike_builder *b, uint8_t type, const struct ike_pld_cert *c)
{
	size_t off = ike_build_pld_begin(b, type, false);

	ike_pld_cert_write(b->b_wr, c);
	ike_build_pld_end(b, off);
}

void ike_build_auth(struct ike_builder *b, const struct ike_pld_auth *a)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_AUTH, false);

	ike_pld_auth_write(b->b_wr, a);
	ike_build_pld_end(b, off);
}

void ike_build_nonce(struct ike_builder *b, const struct ike_pld_nonce *n)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_NONCE, false);

	ike_pld_nonce_write(b->b_wr, n);
	ike_build_pld_end(b, off);
}

void ike_build_notify(struct ike_builder *b, const struct ike_pld_notify *n)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_NOTIFY, false);

	ike_pld_notify_write(b->b_wr, n);
	ike_build_pld_end(b, off);
}

void ike_build_delete(struct ike_builder *b, const struct ike_pld_delete *d)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_DELETE, false);

	ike_pld_delete_write(b->b_wr, d);
	ike_build_pld_end(b, off);
}

void ike_build_vendor(struct ike_builder *b, const struct ike_pld_vendor *v)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_VENDOR, false);

	ike_pld_vendor_write(b->b_wr, v);
	ike_build_pld_end(b, off);
}

void ike_build_ts(struct ike_builder *b, uint8_t type, const struct ike_pld_ts *ts)
{
	size_t off = ike_build_pld_begin(b, type, false);

	ike_pld_ts_write(b->b_wr, ts);
	ike_build_pld_end(b, off);
}

void ike_build_cp(struct ike_builder *b, const struct ike_pld_cp *cp)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_CP, false);

	ike_pld_cp_write(b->b_wr, cp);
	ike_build_pld_end(b, off);
}

void ike_build_eap(struct ike_builder *b, const struct ike_pld_eap *eap)
{
	size_t off = ike_build_pld_begin(b, IKE_PLD_EAP, false);

	ike_pld_eap_write(b->b_wr, eap);
	ike_build_pld_end(b, off);
}

void ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const uint8_t *body,
		   size_t len)
{
	size_t off = ike_build_pld_begin(b, type, critical);

	wr_bytes(b->b_wr, body, len);
	ike_build_pld_end(b, off);
}
