/* pld_auth.c: the Authentication payload (RFC 7296 3.8). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Auth Method   |                RESERVED                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Authentication Data                      ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int ike_pld_auth_parse(const struct ike_pld *p, struct ike_pld_auth *a, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_AUTH, IKE_PLD_AUTH, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	a->a_method = rd_u8(&rd);
	rd_skip(&rd, 3);
	a->a_len = rd_left(&rd);
	a->a_data = rd_bytes(&rd, a->a_len);
	if (a->a_len == 0)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no authentication data");
	return 0;
}

void ike_pld_auth_write(struct writer *wr, const struct ike_pld_auth *a)
{
	wr_u8(wr, a->a_method);
	wr_zero(wr, 3);
	wr_bytes(wr, a->a_data, a->a_len);
}
