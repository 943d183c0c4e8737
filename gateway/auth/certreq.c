/*
 * certreq.c: the Certification Authority data of a CERTREQ payload (RFC
 * 7296 section 3.7): concatenated SHA-1 hashes of the DER
 * SubjectPublicKeyInfo of CAs we trust. We list every CA certificate of
 * the cas/ file(s) (trust anchors and the intermediates kept with them),
 * since a peer matches the hash against whichever CA issued its own
 * certificate. SHA-1 here is the RFC's fixed choice, not a signature.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define CERTREQ_HASH_LEN 20

static int spki_sha1(X509 *x, uint8_t out[CERTREQ_HASH_LEN])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der), rc = GW_E_CRYPTO;

	if (n > 0 && EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha1(), NULL) == 1 &&
	    mdlen == CERTREQ_HASH_LEN)
		rc = 0;
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

static bool already(const uint8_t *out, size_t len, const uint8_t *h)
{
	for (size_t off = 0; off + CERTREQ_HASH_LEN <= len; off += CERTREQ_HASH_LEN)
		if (memcmp(out + off, h, CERTREQ_HASH_LEN) == 0)
			return true;
	return false;
}

static int add_file(const struct auth_ca_file *f, uint8_t *out, size_t max, size_t *len)
{
	uint8_t h[CERTREQ_HASH_LEN];
	int rc;

	for (int i = 0; i < sk_X509_num(f->caf_certs); i++) {
		if ((rc = spki_sha1(sk_X509_value(f->caf_certs, i), h)) != 0)
			return rc;
		if (already(out, *len, h))
			continue;
		if (max - *len < CERTREQ_HASH_LEN)
			return GW_E_RANGE;
		memcpy(out + *len, h, CERTREQ_HASH_LEN);
		*len += CERTREQ_HASH_LEN;
	}
	return 0;
}

int auth_certreq(const struct auth_creds *c, const char *ca_name, uint8_t *out, size_t max,
		 size_t *len)
{
	const struct auth_ca_file *f;
	int rc = 0;

	if (c == NULL || out == NULL || len == NULL)
		return GW_E_INVAL;
	*len = 0;
	if (ca_name && ca_name[0]) {
		if ((f = auth_creds_find_ca(c, ca_name)) == NULL)
			return GW_E_NOTFOUND;
		return add_file(f, out, max, len);
	}
	for (size_t i = 0; rc == 0 && i < c->cr_ncas; i++)
		rc = add_file(&c->cr_cas[i], out, max, len);
	return rc;
}
