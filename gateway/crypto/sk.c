/*
 * sk.c: protection of the Encrypted payload (RFC 7296 section 3.14) for one
 * direction's keys. Layout, as struct ike_sk_ops in ike/ike.h describes:
 * msg[0, iv_off) authenticated only, IV, ct_len bytes encrypted in place,
 * ICV. AES-CBC or 3DES-CBC + HMAC (encrypt-then-MAC over the whole
 * message, 3.14), AES-GCM (RFC 5282) and ChaCha20-Poly1305 (RFC 7634). Contexts are keyed
 * once in sk_cipher_new; sealing and opening allocate nothing.
 * One thread at a time per sk_cipher (caller holds the SA checkout).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

#define SK_SALT_LEN 4         /* RFC 5282 section 7.1, RFC 7634 section 2 */
#define SK_AEAD_IV  8         /* explicit IV on the wire */
#define SK_CBC_MAX  16        /* AES; 3DES has 8 (RFC 2451 section 2.1) */
#define SK_MAX_LEN  (1 << 24) /* far above IKE_MSG_MAX; keeps int casts safe */
#define SK_MAC_MAX  64

struct sk_cipher {
	bool c_aead;
	size_t c_iv_len;
	size_t c_icv_len;
	size_t c_block_len;
	EVP_CIPHER *c_cipher;
	/* AEAD: one context for both directions (CTR-based, same key
	 * schedule). CBC: AES decryption needs its own key schedule, so
	 * each direction keeps a context keyed once. */
	EVP_CIPHER_CTX *c_enc;
	EVP_CIPHER_CTX *c_dec;
	EVP_MAC_CTX *c_mac; /* CBC only */
	uint8_t c_salt[SK_SALT_LEN];
	/* AEAD IVs must never repeat under one key (RFC 5282 section 3.1,
	 * RFC 7634 section 2): a counter, masked so it does not show how
	 * many messages were sent. */
	uint64_t c_iv_next;
	uint64_t c_iv_mask;
};

static int cipher_ctx_new(EVP_CIPHER *cipher, const uint8_t *key, int enc, EVP_CIPHER_CTX **out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	*out = ctx;
	if (ctx == NULL)
		return GW_E_NOMEM;
	if (EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL) != 1)
		return GW_E_CRYPTO;
	return 0;
}

static int aead_setup(struct sk_cipher *c, const struct secret *ek)
{
	size_t klen = ek->len - SK_SALT_LEN;
	int rc;

	/* SK_e = key | salt; the nonce is salt | IV (RFC 5282 section 7.1). */
	memcpy(c->c_salt, ek->data + klen, SK_SALT_LEN);
	if ((rc = cipher_ctx_new(c->c_cipher, ek->data, 1, &c->c_enc)) != 0)
		return rc;
	if (EVP_CIPHER_CTX_ctrl(c->c_enc, EVP_CTRL_AEAD_SET_IVLEN, SK_SALT_LEN + SK_AEAD_IV,
				NULL) != 1)
		return GW_E_CRYPTO;
	return crypto_random_public(&c->c_iv_mask, sizeof(c->c_iv_mask));
}

static int cbc_setup(struct sk_cipher *c, uint16_t integ, const struct secret *ek,
		     const struct secret *ak)
{
	int rc;

	if ((rc = cipher_ctx_new(c->c_cipher, ek->data, 1, &c->c_enc)) != 0 ||
	    (rc = cipher_ctx_new(c->c_cipher, ek->data, 0, &c->c_dec)) != 0)
		return rc;
	/* 3.14: the payload is padded by IKE itself, never by the cipher. */
	if (EVP_CIPHER_CTX_set_padding(c->c_enc, 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c->c_dec, 0) != 1)
		return GW_E_CRYPTO;
	if ((c->c_mac = crypto_hmac_new(alg_integ_digest(integ), ak->data, ak->len)) == NULL)
		return GW_E_CRYPTO;
	return 0;
}

static int check_keys(uint16_t encr, uint16_t keylen_bits, uint16_t integ, const struct secret *ek,
		      const struct secret *ak)
{
	if (alg_encr_cipher(encr, keylen_bits) == NULL)
		return GW_E_UNSUP;
	if (ek == NULL || ek->len != encr_key_len(encr, keylen_bits))
		return GW_E_INVAL;
	if (encr_is_aead(encr))
		return integ == IKE_INTEG_NONE && (ak == NULL || ak->len == 0) ? 0 : GW_E_INVAL;
	if (!integ_supported(integ))
		return GW_E_UNSUP;
	return ak != NULL && ak->len == integ_key_len(integ) ? 0 : GW_E_INVAL;
}

int sk_cipher_new(uint16_t encr, uint16_t keylen_bits, uint16_t integ, const struct secret *ek,
		  const struct secret *ak, struct sk_cipher **out)
{
	struct sk_cipher *c;
	int rc;

	*out = NULL;
	if ((rc = check_keys(encr, keylen_bits, integ, ek, ak)) != 0)
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return GW_E_NOMEM;
	c->c_aead = encr_is_aead(encr);
	c->c_cipher = alg_encr_fetch(encr, keylen_bits);
	if (c->c_cipher == NULL) {
		rc = GW_E_UNSUP;
		goto out;
	}
	if (c->c_aead) {
		c->c_iv_len = SK_AEAD_IV;
		c->c_icv_len = alg_encr_icv_len(encr);
		c->c_block_len = 1; /* stream modes: no padding needed */
		rc = aead_setup(c, ek);
	} else {
		rc = cbc_setup(c, integ, ek, ak);
		/* 3.14: the IV is one cipher block (16 for AES, 8 for
		 * 3DES), and the payloads are padded to whole blocks. */
		c->c_block_len = (size_t)EVP_CIPHER_get_block_size(c->c_cipher);
		c->c_iv_len = c->c_block_len;
		c->c_icv_len = integ_icv_len(integ);
		if (rc == 0 && (c->c_block_len < 8 || c->c_block_len > SK_CBC_MAX ||
				(size_t)EVP_CIPHER_get_iv_length(c->c_cipher) != c->c_block_len))
			rc = GW_E_UNSUP;
	}
out:
	if (rc) {
		sk_cipher_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void sk_cipher_free(struct sk_cipher *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->c_enc); /* cleanses the key schedules */
	EVP_CIPHER_CTX_free(c->c_dec);
	EVP_MAC_CTX_free(c->c_mac);
	EVP_CIPHER_free(c->c_cipher);
	crypto_wipe(c, sizeof(*c));
	free(c);
}

size_t sk_cipher_iv_len(const struct sk_cipher *c)
{
	return c->c_iv_len;
}

size_t sk_cipher_icv_len(const struct sk_cipher *c)
{
	return c->c_icv_len;
}

size_t sk_cipher_block_len(const struct sk_cipher *c)
{
	return c->c_block_len;
}

/* ---- AES-CBC + HMAC (3.14) ---- */

/* Truncated HMAC over msg[0, len) (RFC 2404, RFC 4868 section 2.3). */
static int cbc_icv(struct sk_cipher *c, const uint8_t *msg, size_t len, uint8_t *icv)
{
	uint8_t full[SK_MAC_MAX];
	size_t outl = 0;
	int rc = GW_E_CRYPTO;

	if (EVP_MAC_init(c->c_mac, NULL, 0, NULL) == 1 && EVP_MAC_update(c->c_mac, msg, len) == 1 &&
	    EVP_MAC_final(c->c_mac, full, &outl, sizeof(full)) == 1 && outl >= c->c_icv_len) {
		memcpy(icv, full, c->c_icv_len);
		rc = 0;
	}
	crypto_wipe(full, sizeof(full));
	return rc;
}

/* In place over n bytes (a multiple of the block: nothing is buffered). */
static int cbc_run(EVP_CIPHER_CTX *ctx, const uint8_t *iv, int enc, uint8_t *p, size_t n)
{
	int outl = 0;

	if (EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, NULL) != 1)
		return GW_E_CRYPTO;
	if (n && (EVP_CipherUpdate(ctx, p, &outl, p, (int)n) != 1 || (size_t)outl != n))
		return GW_E_CRYPTO;
	return 0;
}

static int cbc_seal(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	uint8_t *iv = msg + iv_off, *ct = iv + c->c_iv_len;
	int rc;

	if (ct_len % c->c_block_len)
		return GW_E_INVAL;
	/* 3.14: the IV must be unpredictable for CBC: random. */
	if (gen_iv && (rc = crypto_random_public(iv, c->c_iv_len)) != 0)
		return rc;
	if ((rc = cbc_run(c->c_enc, iv, 1, ct, ct_len)) != 0)
		return rc;
	return cbc_icv(c, msg, iv_off + c->c_iv_len + ct_len, ct + ct_len);
}

static int cbc_open(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	uint8_t *iv = msg + iv_off, *ct = iv + c->c_iv_len, icv[SK_MAC_MAX];
	int rc;

	if (ct_len % c->c_block_len)
		return GW_E_PARSE;
	/* Verify first (constant time), decrypt only an authentic message. */
	if ((rc = cbc_icv(c, msg, iv_off + c->c_iv_len + ct_len, icv)) != 0)
		return rc;
	rc = crypto_ct_equal(icv, ct + ct_len, c->c_icv_len) ? 0 : GW_E_AUTH;
	crypto_wipe(icv, sizeof(icv));
	if (rc)
		return rc;
	return cbc_run(c->c_dec, iv, 0, ct, ct_len);
}

/* ---- AEAD: AES-GCM (RFC 5282), ChaCha20-Poly1305 (RFC 7634) ---- */

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int aead_next_iv(struct sk_cipher *c, uint8_t *iv)
{
	/* Refuse to wrap: a repeated nonce would expose the key stream. */
	if (c->c_iv_next == UINT64_MAX)
		return GW_E_RANGE;
	put_be64(iv, c->c_iv_next++ ^ c->c_iv_mask);
	return 0;
}

/*
 * Nonce = salt | IV; AAD = msg[0, iv_off), i.e. the IKE header through the
 * Encrypted payload's generic header (RFC 5282 section 5.1, RFC 7634
 * section 4); then the payloads in place.
 */
static int aead_run(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len, int enc)
{
	uint8_t nonce[SK_SALT_LEN + SK_AEAD_IV], *ct = msg + iv_off + c->c_iv_len;
	int outl = 0, rc = GW_E_CRYPTO;

	memcpy(nonce, c->c_salt, SK_SALT_LEN);
	memcpy(nonce + SK_SALT_LEN, msg + iv_off, SK_AEAD_IV);
	if (EVP_CipherInit_ex2(c->c_enc, NULL, NULL, nonce, enc, NULL) != 1)
		goto out;
	if (iv_off && EVP_CipherUpdate(c->c_enc, NULL, &outl, msg, (int)iv_off) != 1)
		goto out;
	if (ct_len &&
	    (EVP_CipherUpdate(c->c_enc, ct, &outl, ct, (int)ct_len) != 1 || (size_t)outl != ct_len))
		goto out;
	rc = 0;
out:
	crypto_wipe(nonce, sizeof(nonce));
	return rc;
}

static int aead_seal(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	uint8_t *icv = msg + iv_off + c->c_iv_len + ct_len, fin[16];
	int outl = 0, rc;

	if (gen_iv && (rc = aead_next_iv(c, msg + iv_off)) != 0)
		return rc;
	if ((rc = aead_run(c, msg, iv_off, ct_len, 1)) != 0)
		return rc;
	if (EVP_CipherFinal_ex(c->c_enc, fin, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->c_enc, EVP_CTRL_AEAD_GET_TAG, (int)c->c_icv_len, icv) != 1)
		return GW_E_CRYPTO;
	return 0;
}

static int aead_open(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	uint8_t *icv = msg + iv_off + c->c_iv_len + ct_len, fin[16];
	int outl = 0, rc;

	if ((rc = aead_run(c, msg, iv_off, ct_len, 0)) != 0)
		return rc;
	if (EVP_CIPHER_CTX_ctrl(c->c_enc, EVP_CTRL_AEAD_SET_TAG, (int)c->c_icv_len, icv) != 1)
		rc = GW_E_CRYPTO;
	else if (EVP_CipherFinal_ex(c->c_enc, fin, &outl) != 1) /* tag check */
		rc = GW_E_AUTH;
	if (rc == 0)
		return 0;
	/*
	 * The decryption ran before the tag was known to be bad. Encrypting
	 * again with the same nonce restores the peer's ciphertext, so no
	 * unauthenticated plaintext is left behind and msg is unchanged.
	 */
	if (aead_run(c, msg, iv_off, ct_len, 1) != 0)
		crypto_wipe(msg + iv_off + c->c_iv_len, ct_len);
	return rc;
}

static int sk_check(const struct sk_cipher *c, const uint8_t *msg, size_t iv_off, size_t ct_len)
{
	if (c == NULL || msg == NULL)
		return GW_E_INVAL;
	if (iv_off > SK_MAX_LEN || ct_len > SK_MAX_LEN)
		return GW_E_RANGE;
	return 0;
}

int sk_cipher_seal(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	int rc;

	if ((rc = sk_check(c, msg, iv_off, ct_len)) != 0)
		return rc;
	return c->c_aead ? aead_seal(c, msg, iv_off, ct_len, gen_iv)
			 : cbc_seal(c, msg, iv_off, ct_len, gen_iv);
}

int sk_cipher_open(struct sk_cipher *c, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	int rc;

	if ((rc = sk_check(c, msg, iv_off, ct_len)) != 0)
		return rc;
	rc = c->c_aead ? aead_open(c, msg, iv_off, ct_len) : cbc_open(c, msg, iv_off, ct_len);
	if (rc)
		ERR_clear_error(); /* forged messages leave nothing queued */
	return rc;
}
