/*
 * p11local.c: our side of a connection when the private key is in a
 * PKCS#11 token. The key is opened through pkcs11/ (which checks the URI,
 * the token, the PIN and the key itself); its certificate is certs/NAME.pem
 * when the connection names one, else the file of certs/ holding its
 * public key (with the intermediates kept there), else the certificate
 * stored with the key on the token. The public keys must be the same, and
 * a test signature verified with the certificate's key proves it even
 * where the token does not show the public key.
 */
#include <string.h>

#include <openssl/err.h>

#include "auth/auth_int.h"
#include "pkcs11/pkcs11.h"
#include "util/err.h"

/* certs/ file whose end entity holds pub; NULL if none. */
static const struct auth_cert_file *cert_by_key(const struct auth_creds *c, EVP_PKEY *pub)
{
	for (size_t i = 0; pub != NULL && i < c->cr_ncerts; i++)
		if (EVP_PKEY_eq(X509_get0_pubkey(c->cr_certs[i].cf_cert), pub) == 1)
			return &c->cr_certs[i];
	ERR_clear_error();
	return NULL;
}

static int p11_cert(const struct auth_creds *c, const char *cert_name, struct p11_key *k,
		    const struct auth_cert_file **cf, X509 **cert, char *what, size_t what_len,
		    char *why, size_t why_len)
{
	*cf = cert_name[0] ? auth_creds_find_cert(c, cert_name) : cert_by_key(c, p11_key_public(k));
	if (*cf != NULL) {
		*cert = (*cf)->cf_cert;
		snprintf(what, what_len, "certs/%s.pem", (*cf)->cf_name);
		return 0;
	}
	if (cert_name[0]) {
		auth_why(why, why_len, "no certs/%s.pem loaded", cert_name);
		return GW_E_NOTFOUND;
	}
	if ((*cert = p11_key_cert(k)) == NULL) {
		auth_why(why, why_len,
			 "%s: no certificate for the key: none in certs/ with its public key, none "
			 "stored with it on the token (name one in local.cert)",
			 p11_key_uri(k));
		return GW_E_NOTFOUND;
	}
	snprintf(what, what_len, "the token's certificate");
	return 0;
}

/* Sign a fixed message and verify it with the certificate's key. */
static int p11_proof(const struct auth_local *l, const char *what, char *why, size_t why_len)
{
	static const uint8_t msg[] = "palisade: does this key belong to this certificate?";
	enum auth_key_kind kind = auth_key_kind(l->lo_key);
	struct auth_sigalg sa = { AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_256, 32, false };
	uint8_t sig[AUTH_SIG_MAX];
	size_t len = sizeof(sig);
	int rc;

	if (kind == AUTH_KEY_RSA || kind == AUTH_KEY_RSA_PSS)
		sa.sa_scheme =
			kind == AUTH_KEY_RSA_PSS || l->lo_pss ? AUTH_SCHEME_PSS : AUTH_SCHEME_PKCS1;
	if ((rc = auth_local_sig_make(l, &sa, msg, sizeof(msg), sig, &len)) != 0) {
		auth_why(why, why_len, "%s: a test signature failed: %s", p11_key_uri(l->lo_p11),
			 gw_strerror(rc));
		return rc;
	}
	if (auth_sig_check(l->lo_key, &sa, msg, sizeof(msg), sig, len) != 0) {
		auth_why(why, why_len,
			 "%s does not match the key %s (its signature does not verify)", what,
			 p11_key_uri(l->lo_p11));
		return GW_E_INVAL;
	}
	return 0;
}

int auth_local_p11(const struct auth_creds *c, const char *cert_name, const char *uri,
		   struct auth_local *l, char *why, size_t why_len)
{
	const struct auth_cert_file *cf = NULL;
	char what[AUTH_NAME_MAX + 32];
	X509 *cert = NULL;
	int rc;

	if (c->cr_p11 == NULL) {
		auth_why(why, why_len,
			 "a pkcs11: key needs the pkcs11 section of gateway.json "
			 "(module, pin_file)");
		return GW_E_INVAL;
	}
	if ((rc = p11_key_open(c->cr_p11, uri, &l->lo_p11, why, why_len)) != 0)
		return rc;
	if ((rc = p11_cert(c, cert_name, l->lo_p11, &cf, &cert, what, sizeof(what), why,
			   why_len)) != 0)
		return rc;
	if (p11_key_public(l->lo_p11) != NULL &&
	    EVP_PKEY_eq(X509_get0_pubkey(cert), p11_key_public(l->lo_p11)) != 1) {
		ERR_clear_error();
		auth_why(why, why_len, "%s does not match the key %s (other public key)", what,
			 p11_key_uri(l->lo_p11));
		return GW_E_INVAL;
	}
	if (!X509_up_ref(cert))
		return GW_E_CRYPTO;
	l->lo_cert = cert;
	if ((l->lo_key = X509_get_pubkey(cert)) == NULL)
		return GW_E_CRYPTO;
	l->lo_pss = p11_key_rsa_pss(l->lo_p11) && auth_key_kind(l->lo_key) == AUTH_KEY_RSA;
	if ((rc = p11_proof(l, what, why, why_len)) != 0)
		return rc;
	return auth_local_encode(l, cf ? cf->cf_chain : NULL, what, why, why_len);
}
