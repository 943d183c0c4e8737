/* pld_vendor.c: the Vendor ID payload (RFC 7296 3.12). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        Vendor ID (VID)                        ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Opaque to us; an unrecognised VID is ignored (3.12), so any length is
 * accepted.
 */
int ike_pld_vendor_parse(const struct ike_pld *p, struct ike_pld_vendor *v, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_VENDOR, IKE_PLD_VENDOR, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	v->v_len = p->p_len;
	v->v_data = rd_bytes(&rd, v->v_len);
	return 0;
}

void ike_pld_vendor_write(struct writer *wr, const struct ike_pld_vendor *v)
{
	wr_bytes(wr, v->v_data, v->v_len);
}
