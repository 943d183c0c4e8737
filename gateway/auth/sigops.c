/*
 * sigops.c: signing and verifying octets with an EVP_PKEY under one
 * scheme (RSASSA-PKCS1-v1_5, RSASSA-PSS with MGF1 and the message hash,
 * ECDSA), all through EVP_DigestSign/Verify. ECDSA signatures of the
 * classic methods 9/10/11 are the fixed-length r | s of RFC 4754 section 7
 * (each integer left-padded to the curve's size); OpenSSL speaks DER
 * (RFC 3279 Ecdsa-Sig-Value), so we convert at this boundary.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "auth/auth_int.h"
#include "util/err.h"

static int sig_ctx_setup(EVP_PKEY_CTX *pctx, const struct auth_sigalg *sa)
{
	const char *md = auth_hash_md(sa->sa_hash);

	switch (sa->sa_scheme) {
	case AUTH_SCHEME_PSS:
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sa->sa_salt) <= 0)
			return GW_E_CRYPTO;
		return 0;
	case AUTH_SCHEME_PKCS1:
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 ? 0 : GW_E_CRYPTO;
	default:
		return 0;
	}
}

static int ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t n, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	int rc = GW_E_CRYPTO;

	if (es == NULL)
		return GW_E_CRYPTO;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)n) == (int)n && BN_bn2binpad(s, out + n, (int)n) == (int)n)
		rc = 0;
	ECDSA_SIG_free(es);
	return rc;
}

/* r | s (n bytes each) as DER; *der from OPENSSL_malloc. */
static int ecdsa_raw_to_der(const uint8_t *raw, size_t n, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)n, NULL), *s = BN_bin2bn(raw + n, (int)n, NULL);
	unsigned char *buf = NULL;
	int len, rc = GW_E_NOMEM;

	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	/* es owns r and s now */
	if ((len = i2d_ECDSA_SIG(es, &buf)) <= 0)
		goto out;
	*der = buf;
	*der_len = (size_t)len;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	return rc;
}

int auth_sig_make(EVP_PKEY *key, const struct auth_sigalg *sa, const uint8_t *data, size_t data_len,
		  uint8_t *sig, size_t *sig_len)
{
	const char *md = auth_hash_md(sa->sa_hash);
	size_t n = auth_key_ecdsa_len(auth_key_kind(key)), tlen;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t *tmp = NULL;
	int rc = GW_E_CRYPTO, max = EVP_PKEY_get_size(key);

	if (md == NULL)
		return GW_E_UNSUP;
	if (max <= 0 || (tmp = malloc((size_t)max)) == NULL)
		return max <= 0 ? GW_E_CRYPTO : GW_E_NOMEM;
	tlen = (size_t)max;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, key, NULL) != 1 ||
	    sig_ctx_setup(pctx, sa) != 0 || EVP_DigestSign(mctx, tmp, &tlen, data, data_len) != 1)
		goto out;
	if (sa->sa_raw) {
		if (n == 0 || 2 * n > *sig_len) {
			rc = n == 0 ? GW_E_INVAL : GW_E_RANGE;
			goto out;
		}
		if ((rc = ecdsa_der_to_raw(tmp, tlen, n, sig)) != 0)
			goto out;
		*sig_len = 2 * n;
	} else {
		if (tlen > *sig_len) {
			rc = GW_E_RANGE;
			goto out;
		}
		memcpy(sig, tmp, tlen);
		*sig_len = tlen;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	free(tmp);
	ERR_clear_error();
	return rc;
}

int auth_sig_check(EVP_PKEY *key, const struct auth_sigalg *sa, const uint8_t *data,
		   size_t data_len, const uint8_t *sig, size_t sig_len)
{
	const char *md = auth_hash_md(sa->sa_hash);
	size_t n = auth_key_ecdsa_len(auth_key_kind(key));
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t *der = NULL;
	int rc = GW_E_AUTH;

	if (md == NULL)
		return GW_E_AUTH;
	if (sa->sa_raw) {
		if (n == 0 || sig_len != 2 * n)
			return GW_E_AUTH;
		if ((rc = ecdsa_raw_to_der(sig, n, &der, &sig_len)) != 0)
			return rc;
		sig = der;
		rc = GW_E_AUTH;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL) {
		rc = GW_E_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, key, NULL) != 1 ||
	    sig_ctx_setup(pctx, sa) != 0)
		goto out;
	if (EVP_DigestVerify(mctx, sig, sig_len, data, data_len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}
