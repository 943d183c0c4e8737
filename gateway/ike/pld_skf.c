/* pld_skf.c: the Encrypted Fragment payload header (RFC 7383 2.5). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Fragment Number        |        Total Fragments        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Encrypted content                        ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * 2.5: numbers start at 1 and never exceed the total.
 */
int ike_pld_skf_parse(const struct ike_pld *p, struct ike_pld_skf *f, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_SKF, IKE_PLD_SKF, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	f->f_num = rd_u16(&rd);
	f->f_total = rd_u16(&rd);
	if (f->f_num == 0 || f->f_num > f->f_total)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "fragment %u of %u",
				   f->f_num, f->f_total);
	f->f_len = rd_left(&rd);
	f->f_data = rd_bytes(&rd, f->f_len);
	return 0;
}
