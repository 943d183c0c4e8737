/*
 * esp_crypto.c: ESP's transforms over OpenSSL 3 EVP. Every per-packet call
 * reuses keyed contexts (only the IV changes), so the hot path does not
 * fetch algorithms or expand keys.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "datapath/esp_crypto.h"
#include "util/err.h"
#include "util/iana.h"

#define ESP_HDR_LEN 8

struct integ_alg {
	uint16_t ia_id;
	const char *ia_digest;
	uint8_t ia_key_len; /* RFC 2404, RFC 4868 section 2.1.1: key = hash output */
	uint8_t ia_icv_len; /* truncated to half the output (SHA-1: 96 bits) */
};

static const struct integ_alg integ_algs[] = {
	{ IKE_INTEG_HMAC_SHA1_96, "SHA1", 20, 12 },
	{ IKE_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16 },
	{ IKE_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24 },
	{ IKE_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32 },
};

/* Key bytes of an AES key given in bits, or from the key's size when 0. */
static int aes_key_bytes(const struct dp_sa *sa, size_t have, size_t *bytes)
{
	size_t b = sa->sa_encr_keylen ? sa->sa_encr_keylen / 8u : have;

	if (sa->sa_encr_keylen % 8u || (b != 16 && b != 24 && b != 32))
		return GW_E_INVAL;
	if (have != b)
		return GW_E_INVAL;
	*bytes = b;
	return 0;
}

static int suite_aead(struct esp_suite *su, const struct dp_sa *sa)
{
	static const char *const gcm[] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };
	const char *name;
	size_t kb;
	int r;

	if (sa->sa_integ != IKE_INTEG_NONE || sa->sa_enc_key_len < ESP_SALT_LEN)
		return sa->sa_integ != IKE_INTEG_NONE ? GW_E_UNSUP : GW_E_INVAL;
	kb = sa->sa_enc_key_len - ESP_SALT_LEN;
	if (sa->sa_encr == IKE_ENCR_AES_GCM_16) {
		if ((r = aes_key_bytes(sa, kb, &kb)) < 0)
			return r;
		name = gcm[(kb - 16) / 8];
	} else {
		/* RFC 7634 section 2: 256-bit key plus 32-bit salt. */
		if ((sa->sa_encr_keylen && sa->sa_encr_keylen != 256) || kb != 32)
			return GW_E_INVAL;
		name = "ChaCha20-Poly1305";
	}
	su->su_kind = ESP_KIND_AEAD;
	su->su_iv_len = 8;
	su->su_icv_len = 16;
	su->su_block = 4;
	su->su_name = name;
	su->su_cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	return su->su_cipher ? 0 : GW_E_CRYPTO;
}

/*
 * The CBC cipher: AES (RFC 3602: 16-byte block and IV) or 3DES (RFC 2451:
 * a 192-bit key of three DES keys with their parity bits, no Key Length
 * attribute, 8-byte block and IV, section 2.1). 3DES is weak (64-bit
 * block) and here only for clients that offer nothing better.
 */
static int cbc_cipher(const struct dp_sa *sa, const char **name, uint8_t *block)
{
	static const char *const aes[] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
	size_t kb;
	int r;

	if (sa->sa_encr == IKE_ENCR_3DES) {
		if ((sa->sa_encr_keylen && sa->sa_encr_keylen != 192) || sa->sa_enc_key_len != 24)
			return GW_E_INVAL;
		*name = "DES-EDE3-CBC";
		*block = 8;
		return 0;
	}
	if ((r = aes_key_bytes(sa, sa->sa_enc_key_len, &kb)) < 0)
		return r;
	*name = aes[(kb - 16) / 8];
	*block = 16;
	return 0;
}

static int suite_cbc(struct esp_suite *su, const struct dp_sa *sa)
{
	const struct integ_alg *ia = NULL;
	int r;

	for (size_t i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++)
		if (integ_algs[i].ia_id == sa->sa_integ)
			ia = &integ_algs[i];
	if (!ia)
		return GW_E_UNSUP;
	if (sa->sa_int_key_len != ia->ia_key_len || !sa->sa_int_key)
		return GW_E_INVAL;
	if ((r = cbc_cipher(sa, &su->su_name, &su->su_block)) < 0)
		return r;
	su->su_kind = ESP_KIND_CBC_HMAC;
	su->su_iv_len = su->su_block; /* RFC 3602 2.1, RFC 2451 2.1: IV = one block */
	su->su_icv_len = ia->ia_icv_len;
	su->su_digest = ia->ia_digest;
	su->su_cipher = EVP_CIPHER_fetch(NULL, su->su_name, NULL);
	su->su_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return su->su_cipher && su->su_mac ? 0 : GW_E_CRYPTO;
}

int esp_suite_init(struct esp_suite *su, const struct dp_sa *sa)
{
	int r;

	memset(su, 0, sizeof(*su));
	if (!sa->sa_enc_key)
		return GW_E_INVAL;
	switch (sa->sa_encr) {
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_CHACHA20_POLY1305:
		r = suite_aead(su, sa);
		break;
	case IKE_ENCR_AES_CBC:
	case IKE_ENCR_3DES:
		r = suite_cbc(su, sa);
		break;
	default:
		r = GW_E_UNSUP;
	}
	if (r < 0)
		esp_suite_fini(su);
	return r;
}

void esp_suite_fini(struct esp_suite *su)
{
	EVP_CIPHER_free(su->su_cipher);
	EVP_MAC_free(su->su_mac);
	su->su_cipher = NULL;
	su->su_mac = NULL;
}

int esp_cctx_init(struct esp_cctx *cc, const struct esp_suite *su, const struct dp_sa *sa, bool enc)
{
	OSSL_PARAM mp[2];

	memset(cc, 0, sizeof(*cc));
	/* RFC 4106 section 8.1, RFC 7634 section 2: the salt is the last four
	 * bytes of the key material (esp_suite_init checked there are more) */
	if (su->su_kind == ESP_KIND_AEAD)
		memcpy(cc->cc_salt, sa->sa_enc_key + sa->sa_enc_key_len - ESP_SALT_LEN,
		       ESP_SALT_LEN);
	if (!(cc->cc_cipher = EVP_CIPHER_CTX_new()))
		return GW_E_NOMEM;
	if (!EVP_CipherInit_ex2(cc->cc_cipher, su->su_cipher, sa->sa_enc_key, NULL, enc, NULL))
		goto fail;
	if (su->su_kind == ESP_KIND_AEAD)
		return 0;
	if (!EVP_CIPHER_CTX_set_padding(cc->cc_cipher, 0))
		goto fail;
	if (!(cc->cc_mac = EVP_MAC_CTX_new(su->su_mac)))
		goto fail;
	cc->cc_ivpos = ESP_IV_POOL; /* empty: allocated and filled on first use */
	mp[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)su->su_digest, 0);
	mp[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(cc->cc_mac, sa->sa_int_key, sa->sa_int_key_len, mp))
		goto fail;
	return 0;
fail:
	esp_cctx_fini(cc);
	return GW_E_CRYPTO;
}

void esp_cctx_fini(struct esp_cctx *cc)
{
	EVP_CIPHER_CTX_free(cc->cc_cipher);
	EVP_MAC_CTX_free(cc->cc_mac);
	/* Unused IVs are not secret, but nobody should learn them early. */
	OPENSSL_clear_free(cc->cc_ivpool, ESP_IV_POOL);
	OPENSSL_cleanse(cc->cc_salt, sizeof(cc->cc_salt));
	cc->cc_cipher = NULL;
	cc->cc_mac = NULL;
	cc->cc_ivpool = NULL;
}

/* RFC 3602 section 2.3: a CBC IV must be unpredictable. Random bytes are
 * drawn a pool at a time and each byte is used once. */
static int iv_take(struct esp_cctx *cc, uint8_t *iv, size_t n)
{
	if (!cc->cc_ivpool && !(cc->cc_ivpool = OPENSSL_malloc(ESP_IV_POOL)))
		return GW_E_NOMEM;
	if (cc->cc_ivpos + n > ESP_IV_POOL) {
		if (RAND_bytes(cc->cc_ivpool, ESP_IV_POOL) != 1)
			return GW_E_CRYPTO;
		cc->cc_ivpos = 0;
	}
	memcpy(iv, cc->cc_ivpool + cc->cc_ivpos, n);
	cc->cc_ivpos += n;
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RFC 4106 section 5 / RFC 7634 section 2.1: AAD is SPI | seq (8 bytes) or
 * SPI | seq_hi | seq_lo (12 bytes) with ESN. */
static int aead_run(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq, bool enc)
{
	uint8_t nonce[ESP_SALT_LEN + 8], aad[12], tag[16];
	uint8_t *data = hdr + ESP_HDR_LEN + su->su_iv_len;
	size_t aad_len = 8;
	int l1, l2, ok;

	memcpy(nonce, cc->cc_salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, hdr + ESP_HDR_LEN, 8);
	memcpy(aad, hdr, 4);
	if (esn) {
		put_be32(aad + 4, (uint32_t)(seq >> 32));
		memcpy(aad + 8, hdr + 4, 4);
		aad_len = 12;
	} else {
		memcpy(aad + 4, hdr + 4, 4);
	}
	ok = EVP_CipherInit_ex2(cc->cc_cipher, NULL, NULL, nonce, enc, NULL) &&
	     EVP_CipherUpdate(cc->cc_cipher, NULL, &l1, aad, (int)aad_len) &&
	     EVP_CipherUpdate(cc->cc_cipher, data, &l1, data, (int)n);
	if (ok && !enc) {
		memcpy(tag, data + n, sizeof(tag));
		ok = EVP_CIPHER_CTX_ctrl(cc->cc_cipher, EVP_CTRL_AEAD_SET_TAG, sizeof(tag), tag);
	}
	/* For decryption the final call compares the tag in constant time. */
	ok = ok && EVP_CipherFinal_ex(cc->cc_cipher, data + l1, &l2) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(cc->cc_cipher, EVP_CTRL_AEAD_GET_TAG, 16, data + n) > 0;
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (!ok)
		return enc ? GW_E_CRYPTO : GW_E_AUTH;
	return 0;
}

/* RFC 4303 section 2.2.1: the ICV covers header, IV and ciphertext, then
 * the ESN's high half, which is not sent. */
static int hmac_icv(const struct esp_suite *su, struct esp_cctx *cc, const uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq, uint8_t *out)
{
	uint8_t hi[4];
	size_t l;

	put_be32(hi, (uint32_t)(seq >> 32));
	if (!EVP_MAC_init(cc->cc_mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(cc->cc_mac, hdr, ESP_HDR_LEN + su->su_iv_len + n) ||
	    (esn && !EVP_MAC_update(cc->cc_mac, hi, sizeof(hi))) ||
	    !EVP_MAC_final(cc->cc_mac, out, &l, EVP_MAX_MD_SIZE) || l < su->su_icv_len)
		return GW_E_CRYPTO;
	return 0;
}

static int cbc_run(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		   bool enc)
{
	uint8_t *iv = hdr + ESP_HDR_LEN, *data = iv + su->su_iv_len;
	int l;

	if (!EVP_CipherInit_ex2(cc->cc_cipher, NULL, NULL, iv, enc, NULL) ||
	    !EVP_CipherUpdate(cc->cc_cipher, data, &l, data, (int)n) || (size_t)l != n)
		return GW_E_CRYPTO;
	return 0;
}

int esp_crypto_seal(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	uint8_t *iv = hdr + ESP_HDR_LEN;
	int r;

	if (n > INT_MAX / 2 || (su->su_kind == ESP_KIND_CBC_HMAC && n % su->su_block))
		return GW_E_RANGE;
	if (su->su_kind == ESP_KIND_AEAD) {
		for (int i = 0; i < 8; i++)
			iv[i] = (uint8_t)(seq >> (56 - 8 * i));
		return aead_run(su, cc, hdr, n, esn, seq, true);
	}
	if ((r = iv_take(cc, iv, su->su_iv_len)) < 0)
		return r;
	if ((r = cbc_run(su, cc, hdr, n, true)) < 0 ||
	    (r = hmac_icv(su, cc, hdr, n, esn, seq, mac)) < 0)
		return r;
	memcpy(iv + su->su_iv_len + n, mac, su->su_icv_len);
	return 0;
}

int esp_crypto_open(const struct esp_suite *su, struct esp_cctx *cc, uint8_t *hdr, size_t n,
		    bool esn, uint64_t seq)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	const uint8_t *icv = hdr + ESP_HDR_LEN + su->su_iv_len + n;
	int r;

	/* Only CBC needs whole blocks; an AEAD's 4-byte alignment is the
	 * sender's duty (RFC 4303 section 2.4), not checked, as Linux does. */
	if (n > INT_MAX / 2 || (su->su_kind == ESP_KIND_CBC_HMAC && n % su->su_block))
		return GW_E_PARSE;
	if (su->su_kind == ESP_KIND_AEAD)
		return aead_run(su, cc, hdr, n, esn, seq, false);
	if ((r = hmac_icv(su, cc, hdr, n, esn, seq, mac)) < 0)
		return r;
	/* Verify before decrypting: CBC plaintext of a forged packet is never
	 * looked at (RFC 4303 section 3.4.4.1, encrypt-then-MAC). */
	if (CRYPTO_memcmp(mac, icv, su->su_icv_len) != 0)
		return GW_E_AUTH;
	return cbc_run(su, cc, hdr, n, false);
}
