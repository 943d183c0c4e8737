/* pld_eap.c: the EAP payload (RFC 7296 3.16), one EAP packet (RFC 3748 4). */
#include "ike/ike_int.h"
#include "util/err.h"

#define EAP_HDR_LEN 4

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Code      | Identifier    |           Length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      | Type_Data...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * The EAP Length must equal the payload body: a packet that claims more or
 * less than IKE carries is refused rather than truncated. Success and
 * Failure have no Type (RFC 3748 4.2).
 */
int ike_pld_eap_parse(const struct ike_pld *p, struct ike_pld_eap *eap, struct ike_err *err)
{
	struct reader rd;
	uint16_t len;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_EAP, IKE_PLD_EAP, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < EAP_HDR_LEN)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	eap->e_code = rd_u8(&rd);
	eap->e_id = rd_u8(&rd);
	len = rd_u16(&rd);
	if (len != p->p_len)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "EAP length %u, but the payload carries %zu bytes", len,
				   p->p_len);
	switch (eap->e_code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		if (len <= EAP_HDR_LEN)
			return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
					   "EAP code %u without a type", eap->e_code);
		eap->e_type = rd_u8(&rd);
		break;
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE:
		if (len != EAP_HDR_LEN)
			return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
					   "EAP code %u with length %u, not 4", eap->e_code, len);
		eap->e_type = 0;
		break;
	default:
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "unknown EAP code %u",
				   eap->e_code);
	}
	eap->e_len = rd_left(&rd);
	eap->e_data = rd_bytes(&rd, eap->e_len);
	return 0;
}

void ike_pld_eap_write(struct writer *wr, const struct ike_pld_eap *eap)
{
	bool typed = eap->e_code == EAP_CODE_REQUEST || eap->e_code == EAP_CODE_RESPONSE;
	size_t len = typed ? EAP_HDR_LEN + 1 + eap->e_len : EAP_HDR_LEN;

	if (len > UINT16_MAX) {
		ike_wr_fail(wr, GW_E_RANGE);
		return;
	}
	wr_u8(wr, eap->e_code);
	wr_u8(wr, eap->e_id);
	wr_u16(wr, (uint16_t)len);
	if (typed) {
		wr_u8(wr, eap->e_type);
		wr_bytes(wr, eap->e_data, eap->e_len);
	}
}
