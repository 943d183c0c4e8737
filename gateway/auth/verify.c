/*
 * verify.c: a peer's public-key authentication (RFC 7296 2.15, 3.6, 3.8;
 * RFC 7427; RFC 4754), in the order that gives the admin the most useful
 * reason: the certificates decode; the chain is trusted (chain.c); the
 * end entity may sign (keyUsage); the identity the peer claims is the one
 * configured and is bound to the certificate; and last the AUTH payload
 * is a valid signature over the octets, with a method that fits the key.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "auth/auth_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/reader.h"

#define TXT_LEN 96

static int certs_parse(const struct auth_peer_certs *pc, X509 **ee, STACK_OF(X509) * *rest,
		       char *why, size_t why_len)
{
	if (pc == NULL || pc->pc_n == 0) {
		auth_why(why, why_len, "no certificate received from the peer");
		return GW_E_AUTH;
	}
	if (pc->pc_n > AUTH_MAX_CERTS) {
		auth_why(why, why_len, "too many certificates from the peer (%zu, at most %d)",
			 pc->pc_n, AUTH_MAX_CERTS);
		return GW_E_AUTH;
	}
	if ((*rest = sk_X509_new_null()) == NULL)
		return GW_E_NOMEM;
	for (size_t i = 0; i < pc->pc_n; i++) {
		X509 *x = NULL;

		if (auth_x509_parse(pc->pc_der[i], pc->pc_len[i], &x) < 0) {
			auth_why(why, why_len,
				 "certificate %zu from the peer is not valid X.509 DER", i + 1);
			return GW_E_AUTH;
		}
		if (i == 0) {
			*ee = x;
		} else if (!sk_X509_push(*rest, x)) {
			X509_free(x);
			return GW_E_NOMEM;
		}
	}
	return 0;
}

static int ee_usage(X509 *ee, char *why, size_t why_len)
{
	uint32_t flags = X509_get_extension_flags(ee);
	char subj[TXT_LEN];

	if (flags & EXFLAG_INVALID) {
		auth_why(why, why_len, "certificate '%s' has malformed extensions",
			 auth_cert_subject(ee, subj, sizeof(subj)));
		return GW_E_AUTH;
	}
	/* RFC 4945 5.1.3.2: digitalSignature or nonRepudiation. */
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(ee) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		auth_why(why, why_len, "certificate '%s' keyUsage does not allow digitalSignature",
			 auth_cert_subject(ee, subj, sizeof(subj)));
		return GW_E_AUTH;
	}
	return 0;
}

static int id_check(const struct auth_policy *pol, X509 *ee, const struct auth_id *peer_id,
		    char *why, size_t why_len)
{
	char id[TXT_LEN], want[TXT_LEN], have[AUTH_WHY_LEN];

	if (peer_id == NULL || (!pol->ap_any_id && pol->ap_id == NULL)) {
		auth_why(why, why_len, "no identity to check");
		return GW_E_INVAL;
	}
	auth_id_str(peer_id, id, sizeof(id));
	if (!pol->ap_any_id && !auth_id_equal(peer_id, pol->ap_id)) {
		auth_why(why, why_len, "identity '%s' is not the configured remote id '%s'", id,
			 auth_id_str(pol->ap_id, want, sizeof(want)));
		return GW_E_AUTH;
	}
	if (peer_id->id_type == IKE_ID_KEY_ID) {
		/* A KEY_ID is opaque: only a pinned certificate can vouch for it. */
		if (pol->ap_pinned)
			return 0;
		auth_why(why, why_len, "KEY_ID identity '%s' needs a pinned certificate", id);
		return GW_E_AUTH;
	}
	if (auth_cert_has_id(ee, peer_id))
		return 0;
	if (peer_id->id_type == IKE_ID_DER_ASN1_DN)
		auth_why(why, why_len, "identity '%s' is not the certificate subject '%s'", id,
			 auth_cert_subject(ee, have, sizeof(have)));
	else
		auth_why(why, why_len, "identity '%s' not in certificate (subjectAltName: %s)", id,
			 auth_cert_sans(ee, have, sizeof(have)));
	return GW_E_AUTH;
}

static const char *method_name(uint8_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		return "RSA signature (1)";
	case IKE_AUTH_ECDSA_256:
		return "ECDSA P-256 (9)";
	case IKE_AUTH_ECDSA_384:
		return "ECDSA P-384 (10)";
	case IKE_AUTH_ECDSA_521:
		return "ECDSA P-521 (11)";
	default:
		return "digital signature (14)";
	}
}

/* What the AUTH payload claims: scheme, hash and the signature bytes. */
static int auth_data_parse(uint8_t method, const uint8_t *auth, size_t auth_len,
			   struct auth_sigalg *sa, const uint8_t **sig, size_t *sig_len, char *why,
			   size_t why_len)
{
	static const uint8_t ec_hash[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384,
					   IKE_HASH_SHA2_512 };
	struct reader rd;
	const uint8_t *alg;
	uint8_t alen;

	memset(sa, 0, sizeof(*sa));
	*sig = auth;
	*sig_len = auth_len;
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		sa->sa_scheme = AUTH_SCHEME_PKCS1;
		sa->sa_hash = IKE_HASH_SHA1;
		return 0;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521:
		sa->sa_scheme = AUTH_SCHEME_ECDSA;
		sa->sa_hash = ec_hash[method - IKE_AUTH_ECDSA_256];
		sa->sa_raw = true;
		return 0;
	case IKE_AUTH_DIGITAL_SIG:
		/* RFC 7427 3: ASN.1 Length | AlgorithmIdentifier | Signature Value */
		rd_init(&rd, auth, auth_len);
		alen = rd_u8(&rd);
		alg = rd_bytes(&rd, alen);
		if (!rd_ok(&rd) || alen == 0 || rd_left(&rd) == 0) {
			auth_why(why, why_len, "malformed AUTH payload (method 14)");
			return GW_E_AUTH;
		}
		*sig_len = rd_left(&rd);
		*sig = rd_bytes(&rd, *sig_len);
		return auth_sigalg_parse(alg, alen, sa, why, why_len);
	default:
		auth_why(why, why_len, "AUTH method %u is not a signature method", method);
		return GW_E_AUTH;
	}
}

static int sig_check(X509 *ee, uint8_t method, const uint8_t *auth, size_t auth_len,
		     const uint8_t *octets, size_t octets_len, char *why, size_t why_len)
{
	EVP_PKEY *key = X509_get0_pubkey(ee);
	enum auth_key_kind kind = auth_key_kind(key);
	char kdesc[40], adesc[64], subj[TXT_LEN];
	struct auth_sigalg sa;
	const uint8_t *sig;
	size_t sig_len;
	int rc;

	auth_key_desc(key, kdesc, sizeof(kdesc));
	if (kind == AUTH_KEY_NONE) {
		auth_why(why, why_len, "certificate '%s' has an unsupported %s key",
			 auth_cert_subject(ee, subj, sizeof(subj)), kdesc);
		return GW_E_AUTH;
	}
	if ((kind == AUTH_KEY_RSA || kind == AUTH_KEY_RSA_PSS) &&
	    EVP_PKEY_get_bits(key) < AUTH_RSA_MIN) {
		auth_why(why, why_len, "certificate '%s' has an %s key, below %d bits",
			 auth_cert_subject(ee, subj, sizeof(subj)), kdesc, AUTH_RSA_MIN);
		return GW_E_AUTH;
	}
	if (auth == NULL || auth_len == 0 || auth_len > AUTH_SIG_MAX) {
		auth_why(why, why_len, "AUTH payload of %zu bytes", auth_len);
		return GW_E_AUTH;
	}
	rc = auth_data_parse(method, auth, auth_len, &sa, &sig, &sig_len, why, why_len);
	if (rc != 0)
		return rc;
	auth_sigalg_desc(&sa, adesc, sizeof(adesc));
	if (!auth_sigalg_fits(&sa, kind)) {
		auth_why(why, why_len, "%s (%s) does not fit the certificate's %s key",
			 method_name(method), adesc, kdesc);
		return GW_E_AUTH;
	}
	if (auth_sig_check(key, &sa, octets, octets_len, sig, sig_len) != 0) {
		auth_why(why, why_len, "signature invalid (%s)", adesc);
		return GW_E_AUTH;
	}
	/* the scheme the peer chose: what interop problems come down to */
	log_debug(LOG_SUB_AUTH, "%s signature (%s) by a %s key verified", method_name(method),
		  adesc, kdesc);
	return 0;
}

int auth_verify_pubkey(const struct auth_creds *c, const struct auth_policy *pol,
		       const struct auth_peer_certs *certs, const struct auth_id *peer_id,
		       uint8_t method, const uint8_t *auth, size_t auth_len, const uint8_t *octets,
		       size_t octets_len, char *why, size_t why_len)
{
	STACK_OF(X509) *rest = NULL;
	X509 *ee = NULL;
	int rc;

	auth_why(why, why_len, "%s", "");
	if (c == NULL || pol == NULL || (octets == NULL && octets_len)) {
		auth_why(why, why_len, "invalid arguments");
		return GW_E_INVAL;
	}
	rc = certs_parse(certs, &ee, &rest, why, why_len);
	if (rc == 0)
		rc = auth_chain_check(c, pol, ee, rest, why, why_len);
	if (rc == 0)
		rc = ee_usage(ee, why, why_len);
	if (rc == 0)
		rc = id_check(pol, ee, peer_id, why, why_len);
	if (rc == 0)
		rc = sig_check(ee, method, auth, auth_len, octets, octets_len, why, why_len);
	X509_free(ee);
	sk_X509_pop_free(rest, X509_free);
	ERR_clear_error();
	return rc;
}
