/*
 * mock_gcm.c: a test-only struct ike_sk_ops: AES-128-GCM per RFC 5282
 * (nonce = 4-byte salt | 8-byte IV, AAD = everything before the IV, 16-byte
 * ICV), straight on OpenSSL EVP so these tests do not wait for crypto/.
 * open() checks the tag before any plaintext reaches the message buffer.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_test.h"

#define IV_LEN  8
#define ICV_LEN 16

static int gcm_run(struct mock_gcm *g, bool enc, const uint8_t *aad, size_t aad_len,
		   const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n, rc = GW_E_CRYPTO;

	memcpy(nonce, g->mg_salt, 4);
	memcpy(nonce + 4, iv, IV_LEN);
	if (!c || !EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, g->mg_key, nonce, enc) ||
	    !EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) ||
	    (len && !EVP_CipherUpdate(c, out, &n, in, (int)len)))
		goto out;
	if (enc) {
		if (EVP_CipherFinal_ex(c, out + len, &n) &&
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ICV_LEN, tag))
			rc = 0;
	} else {
		if (!EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ICV_LEN, tag))
			goto out;
		rc = EVP_CipherFinal_ex(c, out + len, &n) ? 0 : GW_E_AUTH;
	}
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static int gcm_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	struct mock_gcm *g = ctx;
	uint8_t *iv = msg + iv_off, *ct = iv + IV_LEN;

	if (gen_iv) {
		uint64_t seq = g->mg_seq++;

		for (int i = IV_LEN - 1; i >= 0; i--, seq >>= 8)
			iv[i] = (uint8_t)seq;
	}
	return gcm_run(g, true, msg, iv_off, iv, ct, ct, ct_len, ct + ct_len);
}

static int gcm_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	struct mock_gcm *g = ctx;
	uint8_t *iv = msg + iv_off, *ct = iv + IV_LEN;
	uint8_t *tmp = malloc(ct_len + 16);
	int rc;

	if (!tmp)
		return GW_E_NOMEM;
	g->mg_opens++;
	rc = gcm_run(g, false, msg, iv_off, iv, ct, tmp, ct_len, ct + ct_len);
	if (rc == 0)
		memcpy(ct, tmp, ct_len);
	OPENSSL_cleanse(tmp, ct_len + 16);
	free(tmp);
	return rc;
}

void mock_gcm_init(struct mock_gcm *g, struct ike_sk_ops *ops, size_t block_len)
{
	for (int i = 0; i < 16; i++)
		g->mg_key[i] = (uint8_t)(0xa0 + i);
	memcpy(g->mg_salt, "\x01\x02\x03\x04", 4);
	g->mg_seq = 1;
	g->mg_opens = 0;
	ops->sk_iv_len = IV_LEN;
	ops->sk_icv_len = ICV_LEN;
	ops->sk_block_len = block_len;
	ops->sk_seal = gcm_seal;
	ops->sk_open = gcm_open;
	ops->sk_ctx = g;
}

static int null_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	if (gen_iv)
		memset(msg + iv_off, 0x11, IV_LEN);
	return 0;
}

static int null_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	return 0;
}

void null_sk_ops(struct ike_sk_ops *ops)
{
	ops->sk_iv_len = IV_LEN;
	ops->sk_icv_len = ICV_LEN;
	ops->sk_block_len = 1;
	ops->sk_seal = null_seal;
	ops->sk_open = null_open;
	ops->sk_ctx = NULL;
}
