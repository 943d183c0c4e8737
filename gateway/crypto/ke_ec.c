/*
 * ke_ec.c: elliptic-curve groups for ke.c. ECP groups 19, 20, 21 (RFC
 * 5903: NIST P-256/384/521, public value x | y, shared secret x) and
 * Curve25519/Curve448 (RFC 8031 / RFC 7748: raw 32/56-byte u values).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

#define EC_POINT_MAX (1 + 2 * 66) /* 0x04 | x | y for P-521 */

/* ---- contexts from ke_pool.c (shared by ECP and XDH) ---- */

static const char *ec_keytype(const struct ke_group_info *g)
{
	return g->g_kind == KE_KIND_ECP ? "EC" : g->g_name;
}

static EVP_PKEY_CTX *ec_make_gen(const struct ke_group_info *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, ec_keytype(g), NULL);

	if (ctx != NULL &&
	    (EVP_PKEY_keygen_init(ctx) != 1 ||
	     (g->g_kind == KE_KIND_ECP && EVP_PKEY_CTX_set_group_name(ctx, g->g_name) != 1))) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static EVP_PKEY_CTX *ec_make_import(const struct ke_group_info *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, ec_keytype(g), NULL);

	if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) != 1) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* A fresh key pair of the group (a new random private key each call). */
static int ec_pool_gen(const struct ke_group_info *g, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = ke_pool_get(g, KE_POOL_GEN, ec_make_gen);

	*out = NULL;
	if (ctx == NULL)
		return GW_E_NOMEM;
	if (EVP_PKEY_generate(ctx, out) != 1) {
		EVP_PKEY_CTX_free(ctx); /* not back into the pool */
		*out = NULL;
		return GW_E_CRYPTO;
	}
	ke_pool_put(g, KE_POOL_GEN, ctx);
	return 0;
}

/* EVP_PKEY_fromdata through a pooled context; GW_E_INVAL if refused. */
static int ec_pool_fromdata(const struct ke_group_info *g, int selection, OSSL_PARAM *params,
			    EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = ke_pool_get(g, KE_POOL_IMPORT, ec_make_import);

	*out = NULL;
	if (ctx == NULL)
		return GW_E_NOMEM;
	if (EVP_PKEY_fromdata(ctx, out, selection, params) != 1) {
		EVP_PKEY_CTX_free(ctx);
		*out = NULL;
		return GW_E_INVAL;
	}
	ke_pool_put(g, KE_POOL_IMPORT, ctx);
	return 0;
}

/* ---- ECP (RFC 5903) ---- */

static int ec_gen(const struct ke_group_info *g, EVP_PKEY **out)
{
	return ec_pool_gen(g, out);
}

/*
 * An EC key from an uncompressed point (and d for our own pair). The
 * import decodes the point with EC_POINT_oct2point, which refuses
 * coordinates >= p and points not on the curve.
 */
static int ec_fromdata(const struct ke_group_info *g, const BIGNUM *d, const uint8_t *pt,
		       size_t pt_len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL, *priv;
	int rc = GW_E_NOMEM;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return GW_E_NOMEM;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->g_name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, pt_len) != 1 ||
	    (d && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	rc = ec_pool_fromdata(g, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params, out);
out:
	if (params && (priv = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY)) != NULL)
		crypto_wipe(priv->data, priv->data_size);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* Q = d * G for a known d in [1, n-1] (test vectors only). */
static int ec_point_of(const struct ke_group_info *g, const BIGNUM *d, uint8_t *pt, size_t *len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, EC_curve_nist2nid(g->g_name));
	BN_CTX *bnctx = BN_CTX_new();
	EC_POINT *q = NULL;
	int rc = GW_E_NOMEM;

	if (grp == NULL || bnctx == NULL || (q = EC_POINT_new(grp)) == NULL)
		goto out;
	rc = GW_E_INVAL;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	rc = GW_E_CRYPTO;
	if (EC_POINT_mul(grp, q, d, NULL, NULL, bnctx) != 1)
		goto out;
	*len = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pt, EC_POINT_MAX, bnctx);
	if (*len != 1 + 2 * g->g_field_len)
		goto out;
	rc = 0;
out:
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	BN_CTX_free(bnctx);
	return rc;
}

static int ec_from_priv(const struct ke_group_info *g, const uint8_t *priv, size_t len,
			EVP_PKEY **out)
{
	uint8_t pt[EC_POINT_MAX];
	size_t pt_len = 0;
	BIGNUM *d;
	int rc;

	if (len != g->g_field_len)
		return GW_E_INVAL;
	if ((d = BN_secure_new()) == NULL)
		return GW_E_NOMEM;
	if (BN_bin2bn(priv, (int)len, d) == NULL) {
		BN_clear_free(d);
		return GW_E_NOMEM;
	}
	if ((rc = ec_point_of(g, d, pt, &pt_len)) == 0)
		rc = ec_fromdata(g, d, pt, pt_len, out);
	BN_clear_free(d);
	return rc;
}

/* RFC 5903 section 7: x | y, each padded to the field size. */
static int ec_get_pub(const struct ke_group_info *g, EVP_PKEY *pkey, uint8_t *out)
{
	BIGNUM *x = NULL, *y = NULL;
	int n = (int)g->g_field_len, rc = GW_E_CRYPTO;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    BN_bn2binpad(x, out, n) == n && BN_bn2binpad(y, out + n, n) == n)
		rc = 0;
	BN_free(x);
	BN_free(y);
	return rc;
}

static int ec_peer_import(const struct ke_group_info *g, const uint8_t *peer, size_t len,
			  EVP_PKEY **out)
{
	uint8_t pt[EC_POINT_MAX];
	EVP_PKEY_CTX *ctx;
	int rc;

	if (len != 2 * g->g_field_len)
		return GW_E_PARSE;
	/* No 0x04 on the wire (RFC 5903 section 7); the point at infinity
	 * has no x | y encoding, so it cannot be sent at all. */
	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pt + 1, peer, len);
	if ((rc = ec_fromdata(g, NULL, pt, len + 1, out)) != 0)
		return rc;
	/*
	 * Quick check, on top of the import: not at infinity, coordinates
	 * in [0, p-1], on the curve. These curves have cofactor 1, so a
	 * point on the curve is in the prime-order group and no n*Q check
	 * is needed (RFC 6989 section 2.3).
	 */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL)
		rc = GW_E_NOMEM;
	else if (EVP_PKEY_public_check_quick(ctx) != 1)
		rc = GW_E_INVAL;
	EVP_PKEY_CTX_free(ctx);
	if (rc) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return rc;
}

const struct ke_ops ke_ec_ops = {
	.ko_gen = ec_gen,
	.ko_from_priv = ec_from_priv,
	.ko_get_pub = ec_get_pub,
	.ko_peer_import = ec_peer_import,
};

/* ---- X25519 / X448 (RFC 7748, RFC 8031) ---- */

static int xdh_gen(const struct ke_group_info *g, EVP_PKEY **out)
{
	return ec_pool_gen(g, out);
}

static int xdh_from_priv(const struct ke_group_info *g, const uint8_t *priv, size_t len,
			 EVP_PKEY **out)
{
	if (len != g->g_field_len)
		return GW_E_INVAL;
	*out = EVP_PKEY_new_raw_private_key_ex(NULL, g->g_name, NULL, priv, len);
	return *out ? 0 : GW_E_CRYPTO;
}

static int xdh_get_pub(const struct ke_group_info *g, EVP_PKEY *pkey, uint8_t *out)
{
	size_t len = g->g_pub_len;

	if (EVP_PKEY_get_raw_public_key(pkey, out, &len) != 1 || len != g->g_pub_len)
		return GW_E_CRYPTO;
	return 0;
}

/*
 * Any 32/56 bytes are a valid u-coordinate (RFC 7748 section 5: mask the
 * top bit of X25519, accept non-canonical values); low-order points are
 * caught after the derivation by their all-zero result (section 6).
 */
static int xdh_peer_import(const struct ke_group_info *g, const uint8_t *peer, size_t len,
			   EVP_PKEY **out)
{
	/* What EVP_PKEY_new_raw_public_key_ex does, with a pooled context;
	 * OpenSSL only reads the value. */
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, len),
		OSSL_PARAM_construct_end(),
	};

	if (len != g->g_pub_len)
		return GW_E_PARSE;
	return ec_pool_fromdata(g, EVP_PKEY_PUBLIC_KEY, params, out);
}

const struct ke_ops ke_xdh_ops = {
	.ko_gen = xdh_gen,
	.ko_from_priv = xdh_from_priv,
	.ko_get_pub = xdh_get_pub,
	.ko_peer_import = xdh_peer_import,
};
