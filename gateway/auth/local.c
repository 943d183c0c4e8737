/*
 * local.c: our side of a connection: the end-entity certificate of
 * certs/NAME.pem, the intermediates to send after it (RFC 7296 3.6: the
 * first CERT payload holds the certificate for the signing key), and the
 * private key, checked to match: a keys/ file here, a key in a PKCS#11
 * token in p11local.c. The object holds its own references, so it
 * outlives a reload of the credentials that built it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "auth/auth_int.h"
#include "pkcs11/pkcs11.h"
#include "util/err.h"

#define PKCS11_PREFIX "pkcs11:"

static int local_der(X509 *x, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n = i2d_X509(x, &buf);

	if (n <= 0)
		return GW_E_CRYPTO;
	*der = buf;
	*len = (size_t)n;
	return 0;
}

/* Intermediates of certs/NAME.pem, without self-signed roots (the peer
 * must already have the anchor; sending it only costs fragments). */
static int local_chain(struct auth_local *l, STACK_OF(X509) * chain)
{
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		int rc;

		if (X509_get_extension_flags(x) & EXFLAG_SS)
			continue;
		if (l->lo_nchain >= AUTH_MAX_CERTS - 1)
			break;
		rc = local_der(x, &l->lo_chain_der[l->lo_nchain], &l->lo_chain_len[l->lo_nchain]);
		if (rc != 0)
			return rc;
		l->lo_nchain++;
	}
	return 0;
}

static int local_find(const struct auth_creds *c, const char *cert_name, const char *key_ref,
		      const struct auth_cert_file **cf, const struct auth_key_file **kf, char *why,
		      size_t why_len)
{
	char name[AUTH_NAME_MAX];
	struct sbuf sb;

	if ((*cf = auth_creds_find_cert(c, cert_name)) == NULL) {
		sb_init(&sb, name, sizeof(name));
		sb_escape(&sb, (const uint8_t *)cert_name, strlen(cert_name));
		auth_why(why, why_len, "no certs/%s.pem loaded", name);
		return GW_E_NOTFOUND;
	}
	if ((*kf = auth_creds_find_key(c, key_ref)) == NULL) {
		sb_init(&sb, name, sizeof(name));
		sb_escape(&sb, (const uint8_t *)key_ref, strlen(key_ref));
		auth_why(why, why_len, "no keys/%s.pem loaded", name);
		return GW_E_NOTFOUND;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey((*cf)->cf_cert), (*kf)->kf_key) != 1) {
		ERR_clear_error();
		auth_why(why, why_len, "keys/%s.pem does not match the public key of certs/%s.pem",
			 (*kf)->kf_name, (*cf)->cf_name);
		return GW_E_INVAL;
	}
	return 0;
}

int auth_local_encode(struct auth_local *l, STACK_OF(X509) * chain, const char *what, char *why,
		      size_t why_len)
{
	int rc;

	if ((rc = local_der(l->lo_cert, &l->lo_der, &l->lo_der_len)) != 0 ||
	    (rc = local_chain(l, chain)) != 0)
		auth_why(why, why_len, "%s: cannot encode the certificates", what);
	return rc;
}

int auth_local_new(const struct auth_creds *c, const char *cert_name, const char *key_ref,
		   struct auth_local **out, char *why, size_t why_len)
{
	const struct auth_cert_file *cf = NULL;
	const struct auth_key_file *kf = NULL;
	struct auth_local *l = NULL;
	char what[AUTH_NAME_MAX + 16];
	int rc;

	auth_why(why, why_len, "%s", "");
	if (c == NULL || key_ref == NULL || out == NULL)
		return GW_E_INVAL;
	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return GW_E_NOMEM;
	if (strncmp(key_ref, PKCS11_PREFIX, strlen(PKCS11_PREFIX)) == 0) {
		rc = auth_local_p11(c, cert_name ? cert_name : "", key_ref, l, why, why_len);
		goto out;
	}
	rc = cert_name == NULL ? GW_E_INVAL
			       : local_find(c, cert_name, key_ref, &cf, &kf, why, why_len);
	if (rc != 0)
		goto out;
	if (!X509_up_ref(cf->cf_cert) || !EVP_PKEY_up_ref(kf->kf_key)) {
		rc = GW_E_CRYPTO;
		goto out;
	}
	l->lo_cert = cf->cf_cert;
	l->lo_key = kf->kf_key;
	snprintf(what, sizeof(what), "certs/%s.pem", cf->cf_name);
	rc = auth_local_encode(l, cf->cf_chain, what, why, why_len);
out:
	if (rc != 0) {
		auth_local_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void auth_local_free(struct auth_local *l)
{
	if (l == NULL)
		return;
	X509_free(l->lo_cert);
	EVP_PKEY_free(l->lo_key);
	p11_key_free(l->lo_p11);
	OPENSSL_free(l->lo_der);
	for (size_t i = 0; i < l->lo_nchain; i++)
		OPENSSL_free(l->lo_chain_der[i]);
	free(l);
}

const uint8_t *auth_local_cert(const struct auth_local *l, size_t *len)
{
	*len = l->lo_der_len;
	return l->lo_der;
}

const uint8_t *auth_local_chain(const struct auth_local *l, size_t n, size_t *len)
{
	if (n >= l->lo_nchain) {
		*len = 0;
		return NULL;
	}
	*len = l->lo_chain_len[n];
	return l->lo_chain_der[n];
}

int auth_local_subject_id(const struct auth_local *l, struct auth_id *id)
{
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(l->lo_cert), &der), rc;

	if (n <= 0)
		return GW_E_CRYPTO;
	rc = auth_id_from_wire(IKE_ID_DER_ASN1_DN, der, (size_t)n, id);
	OPENSSL_free(der);
	return rc;
}

bool auth_local_has_id(const struct auth_local *l, const struct auth_id *id)
{
	return auth_cert_has_id(l->lo_cert, id);
}
