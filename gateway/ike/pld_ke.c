/* pld_ke.c: the Key Exchange payload (RFC 7296 3.4). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Diffie-Hellman Group Num    |           RESERVED            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Key Exchange Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Whether the data length fits the group is for crypto/ to check.
 */
int ike_pld_ke_parse(const struct ike_pld *p, struct ike_pld_ke *ke, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_KE, IKE_PLD_KE, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	ke->ke_group = rd_u16(&rd);
	rd_skip(&rd, 2);
	ke->ke_len = rd_left(&rd);
	ke->ke_data = rd_bytes(&rd, ke->ke_len);
	if (ke->ke_len == 0)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no key exchange data");
	return 0;
}

void ike_pld_ke_write(struct writer *wr, const struct ike_pld_ke *ke)
{
	wr_u16(wr, ke->ke_group);
	wr_u16(wr, 0);
	wr_bytes(wr, ke->ke_data, ke->ke_len);
}
