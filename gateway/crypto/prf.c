/*
 * prf.c: the IKEv2 PRFs (HMAC-SHA1, RFC 2104; HMAC-SHA2-256/384/512,
 * RFC 4868 section 2.1.2) through EVP_MAC "HMAC", and prf+ (RFC 7296
 * section 2.13).
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

#define PRF_MAX_LEN 64 /* SHA-512 */

struct prf_info {
	uint16_t p_id;
	size_t p_len;
	const char *p_digest;
};

static const struct prf_info prf_tab[] = {
	{ IKE_PRF_HMAC_SHA1, 20, "SHA1" },
	{ IKE_PRF_HMAC_SHA2_256, 32, "SHA256" },
	{ IKE_PRF_HMAC_SHA2_384, 48, "SHA384" },
	{ IKE_PRF_HMAC_SHA2_512, 64, "SHA512" },
};

static const struct prf_info *prf_find(uint16_t prf)
{
	for (size_t i = 0; i < sizeof(prf_tab) / sizeof(prf_tab[0]); i++)
		if (prf_tab[i].p_id == prf)
			return &prf_tab[i];
	return NULL;
}

bool prf_supported(uint16_t prf)
{
	return prf_find(prf) != NULL;
}

size_t prf_len(uint16_t prf)
{
	const struct prf_info *p = prf_find(prf);

	return p ? p->p_len : 0;
}

const char *alg_prf_digest(uint16_t prf)
{
	const struct prf_info *p = prf_find(prf);

	return p ? p->p_digest : NULL;
}

/* One unkeyed HMAC context per PRF digest, made once and only read
 * afterwards: a PRF call duplicates it instead of fetching the HMAC
 * implementation and setting its digest again (each PRF call did, several
 * per IKE SA setup; EVP_MAC_fetch takes OpenSSL's method store lock). */
static EVP_MAC_CTX *hmac_tmpl[sizeof(prf_tab) / sizeof(prf_tab[0])];
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static EVP_MAC_CTX *hmac_fresh(const char *digest)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void hmac_tmpl_init(void)
{
	for (size_t i = 0; i < sizeof(prf_tab) / sizeof(prf_tab[0]); i++)
		hmac_tmpl[i] = hmac_fresh(prf_tab[i].p_digest); /* NULL: fetched per call */
}

static EVP_MAC_CTX *hmac_unkeyed(const char *digest)
{
	pthread_once(&hmac_once, hmac_tmpl_init);
	for (size_t i = 0; i < sizeof(prf_tab) / sizeof(prf_tab[0]); i++)
		if (hmac_tmpl[i] && !strcmp(prf_tab[i].p_digest, digest))
			return EVP_MAC_CTX_dup(hmac_tmpl[i]);
	return hmac_fresh(digest);
}

EVP_MAC_CTX *crypto_hmac_new(const char *digest, const uint8_t *key, size_t key_len)
{
	/* A non-NULL key pointer even for an empty key: NULL means "keep the
	 * previous key" to EVP_MAC_init. */
	static const uint8_t empty[1];
	EVP_MAC_CTX *ctx;

	if ((ctx = hmac_unkeyed(digest)) == NULL)
		return NULL;
	if (EVP_MAC_init(ctx, key_len ? key : empty, key_len, NULL) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int prf_compute(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *data,
		size_t data_len, uint8_t *out)
{
	const struct prf_info *p = prf_find(prf);
	EVP_MAC_CTX *ctx;
	size_t outl = 0;
	int rc = GW_E_CRYPTO;

	if (p == NULL)
		return GW_E_UNSUP;
	if ((key == NULL && key_len) || (data == NULL && data_len) || out == NULL)
		return GW_E_INVAL;
	if ((ctx = crypto_hmac_new(p->p_digest, key, key_len)) == NULL)
		return GW_E_CRYPTO;
	if (data_len && EVP_MAC_update(ctx, data, data_len) != 1)
		goto out;
	if (EVP_MAC_final(ctx, out, &outl, p->p_len) != 1 || outl != p->p_len)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx); /* cleanses the key schedule */
	return rc;
}

/*
 * 2.13: prf+ (K,S) = T1 | T2 | T3 | ...
 *   T1 = prf (K, S | 0x01)
 *   Tn = prf (K, Tn-1 | S | n)
 * The counter is one octet, so at most 255 blocks.
 */
int prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *seed, size_t seed_len,
	     size_t len, struct secret **out)
{
	const struct prf_info *p = prf_find(prf);
	uint8_t t[PRF_MAX_LEN];
	struct secret *res = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t done = 0, outl;
	int rc = GW_E_CRYPTO;

	*out = NULL;
	if (p == NULL)
		return GW_E_UNSUP;
	if ((key == NULL && key_len) || (seed == NULL && seed_len))
		return GW_E_INVAL;
	if (len > 255 * p->p_len)
		return GW_E_RANGE;
	if ((res = secret_new(len)) == NULL)
		return GW_E_NOMEM;
	if ((ctx = crypto_hmac_new(p->p_digest, key, key_len)) == NULL)
		goto out;
	for (unsigned n = 1; done < len; n++) {
		uint8_t ctr = (uint8_t)n;
		size_t take = len - done < p->p_len ? len - done : p->p_len;

		if (n > 1 && (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
			      EVP_MAC_update(ctx, t, p->p_len) != 1))
			goto out;
		if ((seed_len && EVP_MAC_update(ctx, seed, seed_len) != 1) ||
		    EVP_MAC_update(ctx, &ctr, 1) != 1 ||
		    EVP_MAC_final(ctx, t, &outl, sizeof(t)) != 1 || outl != p->p_len)
			goto out;
		memcpy(res->data + done, t, take);
		done += take;
	}
	*out = res;
	res = NULL;
	rc = 0;
out:
	crypto_wipe(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	secret_free(res);
	return rc;
}
