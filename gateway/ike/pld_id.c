/* pld_id.c: the Identification payloads IDi and IDr (RFC 7296 3.5). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ID Type     |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Identification Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * The AUTH computation (2.15) signs the body as received, RESERVED bytes
 * included, so callers hash p_body rather than re-encoding this struct.
 */
int ike_pld_id_parse(const struct ike_pld *p, struct ike_pld_id *id, struct ike_err *err)
{
	struct reader rd;
	size_t want = 0;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_IDI, IKE_PLD_IDR, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	id->id_type = rd_u8(&rd);
	rd_skip(&rd, 3);
	id->id_len = rd_left(&rd);
	id->id_data = rd_bytes(&rd, id->id_len);
	if (id->id_len == 0)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no identification data");
	if (id->id_type == IKE_ID_IPV4_ADDR)
		want = 4;
	else if (id->id_type == IKE_ID_IPV6_ADDR)
		want = 16;
	if (want && id->id_len != want)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "ID type %u with %zu bytes, needs %zu", id->id_type, id->id_len,
				   want);
	return 0;
}

void ike_pld_id_write(struct writer *wr, const struct ike_pld_id *id)
{
	wr_u8(wr, id->id_type);
	wr_zero(wr, 3);
	wr_bytes(wr, id->id_data, id->id_len);
}
