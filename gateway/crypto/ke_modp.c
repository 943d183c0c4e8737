/*
 * ke_modp.c: the MODP groups for ke.c: 14, 15 and 16 (RFC 3526: safe
 * primes, generator 2), which OpenSSL knows as the named DH groups
 * "modp_2048", "modp_3072" and "modp_4096"; group 5 ("modp_1536", RFC 3526
 * section 2); and group 2 (RFC 2409 section 6.2, 1024 bits, also a safe
 * prime with generator 2), which OpenSSL has no name for: its p and g go
 * in explicitly. Groups 2 and 5 are weak (RFC 8247 section 2.4: MUST NOT
 * and SHOULD NOT); they exist for clients that offer nothing better.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

static BIGNUM *modp_prime(const struct ke_group_info *g)
{
	switch (g->g_id) {
	case IKE_KE_MODP1024:
		return BN_get_rfc2409_prime_1024(NULL);
	case IKE_KE_MODP1536:
		return BN_get_rfc3526_prime_1536(NULL);
	case IKE_KE_MODP2048:
		return BN_get_rfc3526_prime_2048(NULL);
	case IKE_KE_MODP3072:
		return BN_get_rfc3526_prime_3072(NULL);
	case IKE_KE_MODP4096:
		return BN_get_rfc3526_prime_4096(NULL);
	}
	return NULL;
}

/* The group's domain parameters into bld: its OpenSSL name, or p and
 * g = 2. bld refers to *p and *gen until OSSL_PARAM_BLD_to_param. */
static int push_group(OSSL_PARAM_BLD *bld, const struct ke_group_info *g, BIGNUM **p, BIGNUM **gen)
{
	if (g->g_name)
		return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->g_name,
						       0) == 1
			       ? 0
			       : GW_E_CRYPTO;
	if ((*p = modp_prime(g)) == NULL || (*gen = BN_new()) == NULL)
		return GW_E_NOMEM;
	if (BN_set_word(*gen, 2) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, *p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, *gen) != 1)
		return GW_E_CRYPTO;
	return 0;
}

/* A DH key of group g from y (and x, for our own key pair); with neither,
 * the group's domain parameters only (the template for key generation). */
static int modp_fromdata(const struct ke_group_info *g, const BIGNUM *x, const BIGNUM *y,
			 EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL, *priv;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *p = NULL, *gen = NULL;
	int rc, sel = x ? EVP_PKEY_KEYPAIR : y ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return GW_E_NOMEM;
	if ((rc = push_group(bld, g, &p, &gen)) != 0)
		goto out;
	rc = GW_E_CRYPTO;
	if ((y && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) != 1) ||
	    (x && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) != 1) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, out, sel, params) != 1)
		goto out;
	rc = 0;
out:
	if (params && (priv = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY)) != NULL)
		crypto_wipe(priv->data, priv->data_size);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(p);
	BN_free(gen);
	return rc;
}

/* A fresh key pair, generated from the group's parameters as template. */
static int modp_gen(const struct ke_group_info *g, EVP_PKEY **out)
{
	EVP_PKEY *tmpl = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc;

	if ((rc = modp_fromdata(g, NULL, NULL, &tmpl)) != 0)
		return rc;
	rc = GW_E_CRYPTO;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, tmpl, NULL)) == NULL)
		rc = GW_E_NOMEM;
	else if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_generate(ctx, out) == 1)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(tmpl);
	return rc;
}

/* 1 < v < p-1: RFC 6989 section 2.2 (enough for safe primes, whose only
 * small subgroup is {1, p-1}). */
static bool modp_in_range(const BIGNUM *v, const BIGNUM *p)
{
	BIGNUM *pm1 = BN_dup(p);
	bool ok;

	if (pm1 == NULL || BN_sub_word(pm1, 1) != 1) {
		BN_free(pm1);
		return false;
	}
	ok = BN_cmp(v, BN_value_one()) > 0 && BN_cmp(v, pm1) < 0;
	BN_free(pm1);
	return ok;
}

/* Test vectors only: y = 2^x mod p, computed in constant time. */
static int modp_from_priv(const struct ke_group_info *g, const uint8_t *priv, size_t len,
			  EVP_PKEY **out)
{
	BIGNUM *p = modp_prime(g), *x = NULL, *y = BN_new(), *two = BN_new();
	BN_CTX *bnctx = BN_CTX_new();
	int rc = GW_E_NOMEM;

	if (p == NULL || y == NULL || two == NULL || bnctx == NULL)
		goto out;
	rc = GW_E_INVAL;
	if (len > g->g_field_len || (x = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, (int)len, x) == NULL || !modp_in_range(x, p))
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	rc = GW_E_CRYPTO;
	if (BN_set_word(two, 2) != 1 || BN_mod_exp_mont_consttime(y, two, x, p, bnctx, NULL) != 1)
		goto out;
	rc = modp_fromdata(g, x, y, out);
out:
	BN_clear_free(x);
	BN_free(y);
	BN_free(two);
	BN_free(p);
	BN_CTX_free(bnctx);
	return rc;
}

static int modp_get_pub(const struct ke_group_info *g, EVP_PKEY *pkey, uint8_t *out)
{
	BIGNUM *y = NULL;
	int rc = GW_E_CRYPTO;

	/* 3.4: the public value is padded with zeros to the prime length. */
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
	    BN_bn2binpad(y, out, (int)g->g_pub_len) == (int)g->g_pub_len)
		rc = 0;
	BN_free(y);
	return rc;
}

static int modp_peer_import(const struct ke_group_info *g, const uint8_t *peer, size_t len,
			    EVP_PKEY **out)
{
	BIGNUM *p = modp_prime(g), *y = BN_bin2bn(peer, (int)len, NULL);
	int rc = GW_E_NOMEM;

	if (p == NULL || y == NULL)
		goto out;
	/* RFC 7296 section 5 / RFC 6989: refuse 0, 1, p-1 and >= p. */
	rc = GW_E_INVAL;
	if (len != g->g_pub_len || !modp_in_range(y, p))
		goto out;
	rc = modp_fromdata(g, NULL, y, out);
out:
	BN_free(y);
	BN_free(p);
	return rc;
}

const struct ke_ops ke_modp_ops = {
	.ko_gen = modp_gen,
	.ko_from_priv = modp_from_priv,
	.ko_get_pub = modp_get_pub,
	.ko_peer_import = modp_peer_import,
};
