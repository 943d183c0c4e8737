/*
 * ke.c: ephemeral key exchange for IKEv2 (RFC 7296 sections 1.2 and 3.4):
 * the group table and the parts common to every group. The families live
 * behind struct ke_ops: ke_modp.c (RFC 2409 group 2, RFC 3526 groups 5 and
 * 14-16), ke_ec.c (RFC 5903 groups 19-21, RFC 8031 groups 31-32).
 * Everything ends in EVP_PKEY_derive.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/dh.h>
#include <openssl/err.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

#define KE_PUB_MAX 512 /* MODP 4096 */

/* Wire lengths: MODP = prime length (3.4), ECP = x | y (RFC 5903 section
 * 7), X25519/X448 = raw u-coordinate (RFC 8031 section 2). */
static const struct ke_group_info ke_groups[] = {
	/* Group 2 has no OpenSSL name: ke_modp.c passes its p and g. */
	{ IKE_KE_MODP1024, KE_KIND_MODP, NULL, 128, 128, 128 },
	{ IKE_KE_MODP1536, KE_KIND_MODP, "modp_1536", 192, 192, 192 },
	{ IKE_KE_MODP2048, KE_KIND_MODP, "modp_2048", 256, 256, 256 },
	{ IKE_KE_MODP3072, KE_KIND_MODP, "modp_3072", 384, 384, 384 },
	{ IKE_KE_MODP4096, KE_KIND_MODP, "modp_4096", 512, 512, 512 },
	{ IKE_KE_ECP256, KE_KIND_ECP, "P-256", 64, 32, 32 },
	{ IKE_KE_ECP384, KE_KIND_ECP, "P-384", 96, 48, 48 },
	{ IKE_KE_ECP521, KE_KIND_ECP, "P-521", 132, 66, 66 },
	{ IKE_KE_CURVE25519, KE_KIND_XDH, "X25519", 32, 32, 32 },
	{ IKE_KE_CURVE448, KE_KIND_XDH, "X448", 56, 56, 56 },
};

_Static_assert(sizeof(ke_groups) / sizeof(ke_groups[0]) <= KE_GROUP_SLOTS,
	       "KE_GROUP_SLOTS too small for ke_groups");

size_t ke_group_slot(const struct ke_group_info *g)
{
	return (size_t)(g - ke_groups);
}

struct ke {
	const struct ke_group_info *ke_info;
	const struct ke_ops *ke_ops;
	EVP_PKEY *ke_pkey;
	uint8_t ke_pub[KE_PUB_MAX];
};

static const struct ke_group_info *group_find(uint16_t group)
{
	for (size_t i = 0; i < sizeof(ke_groups) / sizeof(ke_groups[0]); i++)
		if (ke_groups[i].g_id == group)
			return &ke_groups[i];
	return NULL;
}

static const struct ke_ops *group_ops(const struct ke_group_info *g)
{
	switch (g->g_kind) {
	case KE_KIND_MODP:
		return &ke_modp_ops;
	case KE_KIND_ECP:
		return &ke_ec_ops;
	case KE_KIND_XDH:
		return &ke_xdh_ops;
	}
	return NULL;
}

bool ke_group_supported(uint16_t group)
{
	return group_find(group) != NULL;
}

size_t ke_public_len(uint16_t group)
{
	const struct ke_group_info *g = group_find(group);

	return g ? g->g_pub_len : 0;
}

/* Shared tail of ke_new and ke_new_private: takes pkey, fills the public
 * value. */
static int ke_take_pkey(const struct ke_group_info *g, EVP_PKEY *pkey, struct ke **out)
{
	struct ke *ke;
	int rc;

	if ((ke = calloc(1, sizeof(*ke))) == NULL) {
		EVP_PKEY_free(pkey);
		return GW_E_NOMEM;
	}
	ke->ke_info = g;
	ke->ke_ops = group_ops(g);
	ke->ke_pkey = pkey;
	if ((rc = ke->ke_ops->ko_get_pub(g, pkey, ke->ke_pub)) != 0) {
		ke_free(ke);
		return rc;
	}
	*out = ke;
	return 0;
}

int ke_new(uint16_t group, struct ke **out)
{
	const struct ke_group_info *g = group_find(group);
	EVP_PKEY *pkey = NULL;
	int rc;

	*out = NULL;
	if (g == NULL)
		return GW_E_UNSUP;
	if ((rc = group_ops(g)->ko_gen(g, &pkey)) != 0)
		return rc;
	return ke_take_pkey(g, pkey, out);
}

int ke_new_private(uint16_t group, const uint8_t *priv, size_t len, struct ke **out)
{
	const struct ke_group_info *g = group_find(group);
	EVP_PKEY *pkey = NULL;
	int rc;

	*out = NULL;
	if (g == NULL)
		return GW_E_UNSUP;
	if (priv == NULL || len == 0)
		return GW_E_INVAL;
	if ((rc = group_ops(g)->ko_from_priv(g, priv, len, &pkey)) != 0)
		return rc;
	return ke_take_pkey(g, pkey, out);
}

uint16_t ke_group(const struct ke *ke)
{
	return ke->ke_info->g_id;
}

const uint8_t *ke_public(const struct ke *ke, size_t *len)
{
	*len = ke->ke_info->g_pub_len;
	return ke->ke_pub;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * EVP_PKEY_derive with the peer already checked by the backend, so
 * OpenSSL's own full peer validation (a second scalar multiplication or
 * modular exponentiation) is skipped. MODP output is padded to the prime
 * length (3.4: g^ir has the prime's length, leading zeros kept).
 */
static int derive(const struct ke *ke, EVP_PKEY *peer, struct secret *s)
{
	EVP_PKEY_CTX *ctx;
	size_t outl = s->len;
	int rc = GW_E_CRYPTO;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ke->ke_pkey, NULL)) == NULL)
		return GW_E_NOMEM;
	if (EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	if (ke->ke_info->g_kind == KE_KIND_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
		goto out;
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1)
		goto out;
	if (EVP_PKEY_derive(ctx, s->data, &outl) != 1) {
		/* X25519/X448 fail here on an all-zero result (low-order
		 * peer point): the peer's value is bad, not our library. */
		if (ke->ke_info->g_kind == KE_KIND_XDH)
			rc = GW_E_INVAL;
		goto out;
	}
	if (outl != s->len)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int ke_derive(struct ke *ke, const uint8_t *peer, size_t len, struct secret **shared)
{
	const struct ke_group_info *g = ke->ke_info;
	EVP_PKEY *pk = NULL;
	struct secret *s = NULL;
	int rc;

	*shared = NULL;
	if (peer == NULL || len != g->g_pub_len)
		return GW_E_PARSE;
	if ((rc = ke->ke_ops->ko_peer_import(g, peer, len, &pk)) != 0)
		goto out;
	if ((s = secret_new(g->g_shared_len)) == NULL) {
		rc = GW_E_NOMEM;
		goto out;
	}
	if ((rc = derive(ke, pk, s)) != 0)
		goto out;
	/* RFC 7748 section 6.1/6.2: refuse the all-zero output of a
	 * low-order point, whatever the library did. */
	if (g->g_kind == KE_KIND_XDH && all_zero(s->data, s->len)) {
		rc = GW_E_INVAL;
		goto out;
	}
	*shared = s;
	s = NULL;
out:
	/* A peer's bad value must not leave errors queued on this thread. */
	if (rc)
		ERR_clear_error();
	secret_free(s);
	EVP_PKEY_free(pk);
	return rc;
}

void ke_free(struct ke *ke)
{
	if (ke == NULL)
		return;
	EVP_PKEY_free(ke->ke_pkey); /* OpenSSL cleanses the private key */
	free(ke);
}
