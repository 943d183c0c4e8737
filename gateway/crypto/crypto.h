/*
 * crypto.h: the gateway's cryptography, on OpenSSL 3 EVP (no primitive of
 * our own). Key exchange groups, PRF and prf+, SKEYSEED/KEYMAT derivation
 * (RFC 7296 2.13, 2.14, 2.17, 2.18), SK payload protection (AES-CBC or
 * 3DES-CBC + HMAC, AES-GCM, ChaCha20-Poly1305), proposal strings, random bytes.
 * Key material lives in struct secret, wiped on free. Objects are used by
 * one thread at a time; the functions are thread-safe.
 */
#ifndef PAL_CRYPTO_CRYPTO_H
#define PAL_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/iana.h"

/* ---- secrets (secret.c) ---- */

/* Key material. Never logged (there is no formatter for it). */
struct secret {
	size_t len;
	uint8_t data[];
};

struct secret *secret_new(size_t len); /* zero-filled; NULL on ENOMEM */
struct secret *secret_dup(const void *p, size_t len);
/* a || b, either may be NULL (empty) */
struct secret *secret_concat(const struct secret *a, const struct secret *b);
void secret_free(struct secret *s); /* wipes; NULL is fine */
/* Constant-time comparison (MACs, PSKs, cookies). */
bool crypto_ct_equal(const void *a, const void *b, size_t len);
/* Wipe memory the compiler may not optimise away. */
void crypto_wipe(void *p, size_t len);
int crypto_random(void *buf, size_t len);
/* Random bytes that are not secret (nonces, SPIs, IV masks, jitter):
 * cheaper, from a per-thread buffer of DRBG output. Never for keys. */
int crypto_random_public(void *buf, size_t len);

/* ---- key exchange (ke.c): MODP 2/5/14/15/16, ECP 19/20/21, 25519, 448 ---- */

struct ke;
bool ke_group_supported(uint16_t group);
/* Length of the public value on the wire (3.4), 0 if unsupported. */
size_t ke_public_len(uint16_t group);
/* A fresh ephemeral key pair. */
int ke_new(uint16_t group, struct ke **out);
/* A key pair from a known private value (test vectors only). */
int ke_new_private(uint16_t group, const uint8_t *priv, size_t len, struct ke **out);
uint16_t ke_group(const struct ke *ke);
/* Public value as carried in the KE payload (borrowed; valid until ke_free). */
const uint8_t *ke_public(const struct ke *ke, size_t *len);
/*
 * Check the peer's public value (length, range 1 < y < p-1 for MODP,
 * point on the curve for ECP, non-zero result for X25519/X448) and derive
 * the shared secret g^ir, in the group's fixed length.
 */
int ke_derive(struct ke *ke, const uint8_t *peer, size_t len, struct secret **shared);
void ke_free(struct ke *ke);

/* ---- PRF and prf+ (prf.c) ---- */

bool prf_supported(uint16_t prf);
size_t prf_len(uint16_t prf); /* output length, 0 if unsupported */
/* out gets prf_len(prf) bytes. */
int prf_compute(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *data,
		size_t data_len, uint8_t *out);
/* prf+ (2.13): len bytes of T1 | T2 | ...; len <= 255 * prf_len. */
int prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *seed, size_t seed_len,
	     size_t len, struct secret **out);

/* ---- algorithm sizes (alg.c) ---- */

/* Encryption key bytes for ENCR id + Key Length attribute (bits, 0 = the
 * algorithm's fixed size), including the salt/nonce for AEAD (RFC 5282: 4
 * bytes for GCM, RFC 7634: 4 for ChaCha20-Poly1305). 0 if unsupported. */
size_t encr_key_len(uint16_t encr, uint16_t keylen_bits);
bool encr_is_aead(uint16_t encr);
bool encr_supported(uint16_t encr, uint16_t keylen_bits);
size_t integ_key_len(uint16_t integ); /* 0 if unsupported */
size_t integ_icv_len(uint16_t integ);
bool integ_supported(uint16_t integ);

/* ---- IKE SA and CHILD SA keys (keymat.c) ---- */

/* The negotiated IKE SA transforms. */
struct ike_suite {
	uint16_t s_encr;
	uint16_t s_encr_keylen; /* bits, 0 = fixed */
	uint16_t s_integ;       /* IKE_INTEG_NONE with AEAD */
	uint16_t s_prf;
	uint16_t s_ke;
};

struct ike_keys {
	struct secret *k_d, *k_ai, *k_ar, *k_ei, *k_er, *k_pi, *k_pr;
};

/*
 * 2.14: SKEYSEED = prf(Ni | Nr, g^ir), then {SK_d, SK_ai, SK_ar, SK_ei,
 * SK_er, SK_pi, SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * SPIs in host order. skeyseed (optional) receives SKEYSEED.
 */
int keymat_ike_sa(const struct ike_suite *s, const struct secret *shared, const uint8_t *ni,
		  size_t ni_len, const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
		  struct ike_keys *out, struct secret **skeyseed);
/*
 * 2.18: rekeyed IKE SA, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
 * with the old SA's PRF; the new keys with the new suite's PRF.
 */
int keymat_ike_rekey(uint16_t old_prf, const struct secret *old_sk_d, const struct ike_suite *s,
		     const struct secret *shared, const uint8_t *ni, size_t ni_len,
		     const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
		     struct ike_keys *out, struct secret **skeyseed);
void ike_keys_clear(struct ike_keys *k);
/*
 * 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), len bytes; shared is
 * NULL without PFS. Taken in order: encr_i | integ_i | encr_r | integ_r.
 */
int keymat_child(uint16_t prf, const struct secret *sk_d, const struct secret *shared,
		 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len, size_t len,
		 struct secret **out);

/* ---- SK payload protection (sk.c) ---- */

/*
 * One direction's cipher for SK payloads: AES-CBC-128/192/256 or 3DES-CBC with
 * HMAC-SHA1-96 or HMAC-SHA2-256-128/384-192/512-256, AES-GCM-16 (128/256,
 * RFC 5282: key | 4-byte salt, 8-byte IV) or ChaCha20-Poly1305 (RFC 7634).
 * ek/ak are SK_ei/SK_ai or SK_er/SK_ar for this direction (ak NULL for AEAD).
 * Matches struct ike_sk_ops in ike/ike.h (sa/ builds the ops from these).
 */
struct sk_cipher;
int sk_cipher_new(uint16_t encr, uint16_t keylen_bits, uint16_t integ, const struct secret *ek,
		  const struct secret *ak, struct sk_cipher **out);
void sk_cipher_free(struct sk_cipher *c);
size_t sk_cipher_iv_len(const struct sk_cipher *c);
size_t sk_cipher_icv_len(const struct sk_cipher *c);
size_t sk_cipher_block_len(const struct sk_cipher *c);
int sk_cipher_seal(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv);
int sk_cipher_open(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len);

/* ---- proposal strings (proposal.c), as strongSwan writes them ---- */

#define PROPOSAL_MAX_XF 32

struct proposal_xf {
	uint8_t x_type; /* enum ike_xf_type */
	uint16_t x_id;
	uint16_t x_keylen; /* bits, 0 = none */
};

struct proposal {
	uint8_t p_proto; /* IKE_PROTO_IKE or IKE_PROTO_ESP */
	uint8_t p_n;
	struct proposal_xf p_xf[PROPOSAL_MAX_XF];
};

/*
 * "aes256gcm16-prfsha384-x25519", "aes128-sha256-modp2048" (IKE: PRF from
 * the integrity algorithm when none is named), ESP "aes256gcm16",
 * "aes128-sha256-modp2048-esn". Errors name the bad token in errbuf.
 */
int proposal_parse(const char *str, uint8_t proto, struct proposal *out, char *errbuf,
		   size_t errlen);
/* Canonical string form; returns 0 or GW_E_RANGE if buf is too small. */
int proposal_format(const struct proposal *p, char *buf, size_t len);

#endif
