/*
 * secret.c: struct secret (key material wiped on free), constant-time
 * comparison, wiping and random bytes, all on OpenSSL (CRYPTO_memcmp,
 * OPENSSL_cleanse, RAND_bytes from the default DRBG).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "util/err.h"

/* Larger than any key, SKEYSEED or KEYMAT we derive; refuses absurd sizes. */
#define SECRET_MAX (1u << 20)

struct secret *secret_new(size_t len)
{
	struct secret *s;

	if (len > SECRET_MAX)
		return NULL;
	if ((s = calloc(1, sizeof(*s) + len)) == NULL)
		return NULL;
	s->len = len;
	return s;
}

struct secret *secret_dup(const void *p, size_t len)
{
	struct secret *s;

	if (p == NULL && len != 0)
		return NULL;
	if ((s = secret_new(len)) == NULL)
		return NULL;
	if (len)
		memcpy(s->data, p, len);
	return s;
}

struct secret *secret_concat(const struct secret *a, const struct secret *b)
{
	size_t alen = a ? a->len : 0, blen = b ? b->len : 0;
	struct secret *s;

	if (alen > SECRET_MAX || blen > SECRET_MAX - alen)
		return NULL;
	if ((s = secret_new(alen + blen)) == NULL)
		return NULL;
	if (alen)
		memcpy(s->data, a->data, alen);
	if (blen)
		memcpy(s->data + alen, b->data, blen);
	return s;
}

void secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s->data, s->len);
	free(s);
}

bool crypto_ct_equal(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return true;
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	if (p != NULL && len != 0)
		OPENSSL_cleanse(p, len);
}

int crypto_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	/* RAND_bytes takes an int: feed it in chunks. */
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return GW_E_CRYPTO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
