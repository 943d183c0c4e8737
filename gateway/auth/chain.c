/*
 * chain.c: trust in the peer's certificate. Either a chain from the end
 * entity through intermediates (the peer's CERT payloads, or cas/) to a
 * self-signed trust anchor of cas/, checked by X509_verify_cert (RFC 5280
 * section 6: signatures, validity dates, basicConstraints of the CAs), or
 * a certificate pinned in the connection (certs/NAME.pem), trusted as it
 * is once its dates are good. A configured ca must appear in the chain:
 * any certificate of cas/NAME.pem above the end entity, as strongSwan's
 * remote.cacerts does. Failures explain themselves for the admin.
 */
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define SUBJ_LEN 96

static void chain_why(X509_STORE_CTX *ctx, const char *ca, char *why, size_t why_len)
{
	int err = X509_STORE_CTX_get_error(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char subj[SUBJ_LEN] = "?", other[SUBJ_LEN] = "?", when[40];

	if (cur) {
		auth_cert_subject(cur, subj, sizeof(subj));
		auth_dn_str(X509_get_issuer_name(cur), other, sizeof(other));
	}
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		auth_why(why, why_len, "certificate '%s' expired on %s", subj,
			 cur ? auth_time_str(X509_get0_notAfter(cur), when, sizeof(when)) : "?");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		auth_why(why, why_len, "certificate '%s' is not valid before %s", subj,
			 cur ? auth_time_str(X509_get0_notBefore(cur), when, sizeof(when)) : "?");
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		auth_why(why, why_len,
			 "unable to get issuer certificate '%s' of '%s': not sent by the peer and "
			 "not in cas/%s%s",
			 other, subj, ca ? ca : "", ca ? ".pem" : "");
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		auth_why(why, why_len,
			 "chain ends in untrusted self-signed certificate '%s' (not in cas/)",
			 subj);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		auth_why(why, why_len, "signature on certificate '%s' is invalid", subj);
		break;
	default:
		auth_why(why, why_len, "certificate '%s': %s", subj,
			 X509_verify_cert_error_string(err));
		break;
	}
}

static bool chain_has_ca(STACK_OF(X509) * chain, const struct auth_ca_file *ca)
{
	for (int i = 1; i < sk_X509_num(chain); i++)
		for (int j = 0; j < sk_X509_num(ca->caf_certs); j++)
			if (X509_cmp(sk_X509_value(chain, i), sk_X509_value(ca->caf_certs, j)) == 0)
				return true;
	return false;
}

/* A configured ca must be in the verified chain. */
static int chain_ca_check(STACK_OF(X509) * chain, X509 *ee, const struct auth_ca_file *ca,
			  char *why, size_t why_len)
{
	char subj[SUBJ_LEN], anchor[SUBJ_LEN];

	if (!ca || chain_has_ca(chain, ca))
		return 0;
	auth_why(why, why_len, "chain of '%s' does not lead to cas/%s.pem (trust anchor '%s')",
		 auth_cert_subject(ee, subj, sizeof(subj)), ca->caf_name,
		 auth_cert_subject(sk_X509_value(chain, sk_X509_num(chain) - 1), anchor,
				   sizeof(anchor)));
	return GW_E_AUTH;
}

static int chain_verify(const struct auth_creds *c, const struct auth_policy *pol, X509 *ee,
			STACK_OF(X509) * untrusted, const struct auth_ca_file *ca, char *why,
			size_t why_len)
{
	time_t now = pol->ap_now ? (time_t)pol->ap_now : time(NULL);
	STACK_OF(X509) *chain = auth_chain_cache_get(c->cr_gen, ee, untrusted, now);
	X509_STORE_CTX *ctx;
	int rc = GW_E_AUTH;

	if (chain) { /* verified before, every certificate still in its dates */
		rc = chain_ca_check(chain, ee, ca, why, why_len);
		sk_X509_pop_free(chain, X509_free);
		return rc;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, c->cr_store, ee, untrusted)) {
		auth_why(why, why_len, "out of memory verifying the certificate chain");
		rc = GW_E_NOMEM;
		goto out;
	}
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx), AUTH_CHAIN_MAX);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), now);
	if (X509_verify_cert(ctx) != 1) {
		chain_why(ctx, ca ? ca->caf_name : NULL, why, why_len);
		goto out;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	auth_chain_cache_put(c->cr_gen, ee, untrusted, chain, now);
	rc = chain_ca_check(chain, ee, ca, why, why_len);
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* Dates of a pinned certificate, which X509_verify_cert does not see. */
static int pinned_dates(X509 *x, const struct auth_policy *pol, char *why, size_t why_len)
{
	time_t now = pol->ap_now ? (time_t)pol->ap_now : time(NULL);
	char subj[SUBJ_LEN], when[40];
	int nb = X509_cmp_time(X509_get0_notBefore(x), &now);
	int na = X509_cmp_time(X509_get0_notAfter(x), &now);

	auth_cert_subject(x, subj, sizeof(subj));
	if (nb == 0 || na == 0) {
		auth_why(why, why_len, "certificate '%s' has unreadable validity dates", subj);
		return GW_E_AUTH;
	}
	if (nb > 0) {
		auth_why(why, why_len, "certificate '%s' is not valid before %s", subj,
			 auth_time_str(X509_get0_notBefore(x), when, sizeof(when)));
		return GW_E_AUTH;
	}
	if (na < 0) {
		auth_why(why, why_len, "certificate '%s' expired on %s", subj,
			 auth_time_str(X509_get0_notAfter(x), when, sizeof(when)));
		return GW_E_AUTH;
	}
	return 0;
}

int auth_chain_check(const struct auth_creds *c, const struct auth_policy *pol, X509 *ee,
		     STACK_OF(X509) * untrusted, char *why, size_t why_len)
{
	const struct auth_ca_file *ca = NULL;
	const struct auth_cert_file *pin;
	char subj[SUBJ_LEN];
	int rc;

	if (pol->ap_ca && pol->ap_ca[0] && (ca = auth_creds_find_ca(c, pol->ap_ca)) == NULL) {
		auth_why(why, why_len, "the connection's ca is not loaded (no such file in cas/)");
		return GW_E_AUTH;
	}
	if (pol->ap_pinned == NULL)
		return chain_verify(c, pol, ee, untrusted, ca, why, why_len);
	if ((pin = auth_creds_find_cert(c, pol->ap_pinned)) == NULL) {
		auth_why(why, why_len,
			 "the connection's pinned certificate is not loaded (certs/)");
		return GW_E_AUTH;
	}
	if (X509_cmp(ee, pin->cf_cert) != 0) {
		auth_why(why, why_len, "certificate '%s' is not the pinned certs/%s.pem",
			 auth_cert_subject(ee, subj, sizeof(subj)), pin->cf_name);
		return GW_E_AUTH;
	}
	if ((rc = pinned_dates(ee, pol, why, why_len)) != 0)
		return rc;
	return ca ? chain_verify(c, pol, ee, untrusted, ca, why, why_len) : 0;
}
