/* pld_cert.c: the Certificate and Certificate Request payloads (RFC 7296
 * 3.6, 3.7). */
#include "ike/ike_int.h"
#include "util/err.h"

#define SHA1_LEN 20

/*
 * 3.6 CERT and 3.7 CERTREQ share one layout:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Cert Encoding |                                               |
 * +-+-+-+-+-+-+-+-+                                               |
 * ~       Certificate Data / Certification Authority              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * A CERT must carry data. A CERTREQ for X.509 carries a list of SHA-1
 * hashes of CA public keys (3.7), possibly empty ("any CA").
 */
int ike_pld_cert_parse(const struct ike_pld *p, struct ike_pld_cert *c, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_CERT, IKE_PLD_CERTREQ, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 1)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no encoding field");
	c->c_enc = rd_u8(&rd);
	c->c_len = rd_left(&rd);
	c->c_data = rd_bytes(&rd, c->c_len);
	if (p->p_type == IKE_PLD_CERT && c->c_len == 0)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no certificate data");
	if (p->p_type == IKE_PLD_CERTREQ && c->c_enc == IKE_CERT_X509_SIG && c->c_len % SHA1_LEN)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "%zu bytes of CA hashes, not a multiple of 20", c->c_len);
	return 0;
}

void ike_pld_cert_write(struct writer *wr, const struct ike_pld_cert *c)
{
	wr_u8(wr, c->c_enc);
	wr_bytes(wr, c->c_data, c->c_len);
}
