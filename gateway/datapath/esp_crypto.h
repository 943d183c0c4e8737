/*
 * esp_crypto.h: the ESP transforms through OpenSSL EVP, internal to
 * datapath/: AES-GCM with a 16-byte ICV (RFC 4106), ChaCha20-Poly1305
 * (RFC 7634) and AES-CBC (RFC 3602) or 3DES-CBC (RFC 2451) with
 * HMAC-SHA1-96 (RFC 2404) or HMAC-SHA2 (RFC 4868). A suite is immutable once built; a context holds
 * keyed EVP state and is used by one thread at a time (esp.c locks it).
 */
#ifndef PAL_DATAPATH_ESP_CRYPTO_H
#define PAL_DATAPATH_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "datapath/datapath.h"

#define ESP_IV_MAX    16
#define ESP_ICV_MAX   32
#define ESP_BLOCK_MAX 16
#define ESP_SALT_LEN  4

enum esp_kind {
	ESP_KIND_AEAD,     /* GCM, ChaCha20-Poly1305: IV = 8 bytes, nonce = salt | IV */
	ESP_KIND_CBC_HMAC, /* encrypt-then-MAC, random IV of one block (16 or 8) */
};

/* An algorithm, keyless: SAs of the same one may share it (esp.c does).
 * The AEAD salt is key material and lives in each context. */
struct esp_suite {
	enum esp_kind su_kind;
	uint8_t su_iv_len;
	uint8_t su_icv_len;
	uint8_t su_block;      /* the payload is padded to this (4 for AEAD) */
	EVP_CIPHER *su_cipher; /* fetched once per suite */
	EVP_MAC *su_mac;       /* HMAC, CBC only */
	const char *su_digest; /* HMAC's digest name */
	const char *su_name;   /* for logs */
};

#define ESP_IV_POOL 4096 /* random bytes fetched at once for CBC IVs */

struct esp_cctx {
	EVP_CIPHER_CTX *cc_cipher;
	EVP_MAC_CTX *cc_mac;
	uint8_t cc_salt[ESP_SALT_LEN]; /* AEAD: the nonce's first part (RFC 4106 section 4) */
	/* CBC: IVs come from here, refilled by one RAND_bytes() per 256
	 * packets (one call per packet cost as much as the AES). */
	uint8_t *cc_ivpool;
	size_t cc_ivpos;
};

/* Checks the algorithm and key sizes of sa (GW_E_UNSUP for an algorithm we
 * do not offer, GW_E_INVAL for keys of the wrong size) and fetches them. */
int esp_suite_init(struct esp_suite *su, const struct dp_sa *sa);
void esp_suite_fini(struct esp_suite *su);

/* Keys a context for one direction (enc: outbound). */
int esp_cctx_init(struct esp_cctx *cc, const struct esp_suite *su, const struct dp_sa *sa,
		  bool enc);
void esp_cctx_fini(struct esp_cctx *cc);

/*
 * The packet is laid out as ESP header (8 bytes) | IV | data (n bytes) and
 * the ICV follows data. seal writes the IV (AEAD: the 64-bit sequence
 * number, unique per key as RFC 4106 section 3.1 requires; CBC: random,
 * RFC 3602 section 2.3), encrypts data in place and writes the ICV. open
 * checks the ICV in constant time (GW_E_AUTH on mismatch) and decrypts in
 * place. seq is the full sequence number: with esn its unsent high half
 * enters the AAD (RFC 4106 section 5) or the ICV (RFC 4303 section 2.2.1).
 */
int esp_crypto_seal(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq);
int esp_crypto_open(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq);

#endif
