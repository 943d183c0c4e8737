/*
 * crypto_int.h: helpers shared inside gateway/crypto only (never included
 * from another module). Algorithm names for OpenSSL, the HMAC context
 * constructor, and the key exchange backends behind ke.c.
 */
#ifndef PAL_CRYPTO_CRYPTO_INT_H
#define PAL_CRYPTO_CRYPTO_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct secret;

/* ---- alg.c: OpenSSL names for IKE transform IDs ---- */

/* Digest behind a PRF or an integrity transform, NULL if unsupported. */
const char *alg_prf_digest(uint16_t prf);
const char *alg_integ_digest(uint16_t integ);
/* EVP cipher name ("AES-128-CBC"), NULL if unsupported. */
const char *alg_encr_cipher(uint16_t encr, uint16_t keylen_bits);
/* The cipher of (encr, keylen), a reference the caller frees; NULL if
 * unknown or the provider has none. */
EVP_CIPHER *alg_encr_fetch(uint16_t encr, uint16_t keylen_bits);
/* Salt bytes at the end of SK_e (AEAD), ICV bytes of an AEAD. */
size_t alg_encr_salt_len(uint16_t encr);
size_t alg_encr_icv_len(uint16_t encr);

/* ---- prf.c ---- */

/* A keyed HMAC context (EVP_MAC "HMAC"); NULL on failure. Reset it for
 * the next message with EVP_MAC_init(ctx, NULL, 0, NULL). */
EVP_MAC_CTX *crypto_hmac_new(const char *digest, const uint8_t *key, size_t key_len);

/* ---- key exchange backends (ke_modp.c, ke_ec.c) ---- */

enum ke_kind {
	KE_KIND_MODP,
	KE_KIND_ECP,
	KE_KIND_XDH,
};

struct ke_group_info {
	uint16_t g_id;
	enum ke_kind g_kind;
	const char *g_name;  /* OpenSSL group or key type name (NULL: MODP
			      * group OpenSSL has no name for, see ke_modp.c) */
	size_t g_pub_len;    /* public value on the wire (3.4) */
	size_t g_shared_len; /* g^ir */
	size_t g_field_len;  /* ECP coordinate / XDH key / MODP prime bytes */
};

/*
 * One backend per family of groups. gen/from_priv make our key pair,
 * get_pub writes g_pub_len bytes, peer_import checks the peer's value and
 * makes it an EVP_PKEY (GW_E_PARSE for a bad length, GW_E_INVAL for a
 * value outside the group).
 */
struct ke_ops {
	int (*ko_gen)(const struct ke_group_info *g, EVP_PKEY **out);
	int (*ko_from_priv)(const struct ke_group_info *g, const uint8_t *priv, size_t len,
			    EVP_PKEY **out);
	int (*ko_get_pub)(const struct ke_group_info *g, EVP_PKEY *pkey, uint8_t *out);
	int (*ko_peer_import)(const struct ke_group_info *g, const uint8_t *peer, size_t len,
			      EVP_PKEY **out);
};

extern const struct ke_ops ke_modp_ops;
extern const struct ke_ops ke_ec_ops;  /* ECP groups 19-21 */
extern const struct ke_ops ke_xdh_ops; /* Curve25519, Curve448 */

/* The group's position in ke.c's table, < KE_GROUP_SLOTS. */
#define KE_GROUP_SLOTS 10
size_t ke_group_slot(const struct ke_group_info *g);

/* ---- ke_pool.c: prepared EVP_PKEY_CTXs per group, reused ---- */

enum ke_pool_op {
	KE_POOL_GEN,    /* after EVP_PKEY_keygen_init, group set */
	KE_POOL_IMPORT, /* after EVP_PKEY_fromdata_init */
};
#define KE_POOL_OPS 2

/* A context of the pool, or a new one from make() (NULL on failure).
 * Return it with ke_pool_put (after a failed call too: OpenSSL leaves
 * the context reusable), or free it if in doubt. */
EVP_PKEY_CTX *ke_pool_get(const struct ke_group_info *g, enum ke_pool_op op,
			  EVP_PKEY_CTX *(*make)(const struct ke_group_info *g));
void ke_pool_put(const struct ke_group_info *g, enum ke_pool_op op, EVP_PKEY_CTX *ctx);

#endif
