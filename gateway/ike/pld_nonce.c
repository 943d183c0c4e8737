/* pld_nonce.c: the Nonce payload Ni/Nr (RFC 7296 3.9). */
#include "ike/ike_int.h"
#include "util/err.h"

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                            Nonce Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * 3.9: between 16 and 256 octets; 2.10: at least half the PRF key size,
 * which the caller checks once the PRF is known.
 */
int ike_pld_nonce_parse(const struct ike_pld *p, struct ike_pld_nonce *n, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_NONCE, IKE_PLD_NONCE, err)) != 0)
		return rc;
	if (p->p_len < IKE_NONCE_MIN || p->p_len > IKE_NONCE_MAX)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "nonce of %zu bytes, not %d to %d", p->p_len, IKE_NONCE_MIN,
				   IKE_NONCE_MAX);
	ike_pld_reader(p, &rd);
	n->n_len = p->p_len;
	n->n_data = rd_bytes(&rd, n->n_len);
	return 0;
}

void ike_pld_nonce_write(struct writer *wr, const struct ike_pld_nonce *n)
{
	wr_bytes(wr, n->n_data, n->n_len);
}
