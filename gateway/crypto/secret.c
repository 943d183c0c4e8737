/*
 * secret.c: struct secret (key material wiped on free), constant-time
 * comparison, wiping and random bytes, all on OpenSSL (CRYPTO_memcmp,
 * OPENSSL_cleanse, RAND_bytes from the default DRBG).
 */
#include <limits.h>
#include <pthread.h>
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

/*
 * Public random values (nonces, SPIs, IV masks, timer jitter) are served
 * from a per-thread buffer of DRBG output: each RAND_bytes call costs a
 * lock, a getpid() for OpenSSL's fork check and the DRBG's own setup, and
 * an IKE SA setup needs several small values. The buffer only ever holds
 * bytes that will be sent or are otherwise not secret; a forked child
 * drops its copy so that parent and child never hand out the same bytes.
 */
#define PUBLIC_RND_BUF 512

static _Thread_local struct {
	uint8_t r_buf[PUBLIC_RND_BUF];
	size_t r_left; /* bytes not handed out yet, at the end of r_buf */
} public_rnd;
static pthread_once_t public_rnd_once = PTHREAD_ONCE_INIT;

static void public_rnd_forked(void)
{
	crypto_wipe(&public_rnd, sizeof(public_rnd));
}

static void public_rnd_init(void)
{
	pthread_atfork(NULL, NULL, public_rnd_forked);
}

int crypto_random_public(void *buf, size_t len)
{
	uint8_t *p;

	if (len > PUBLIC_RND_BUF / 4)
		return crypto_random(buf, len);
	pthread_once(&public_rnd_once, public_rnd_init);
	if (public_rnd.r_left < len) {
		if (RAND_bytes(public_rnd.r_buf, PUBLIC_RND_BUF) != 1)
			return GW_E_CRYPTO;
		public_rnd.r_left = PUBLIC_RND_BUF;
	}
	p = public_rnd.r_buf + PUBLIC_RND_BUF - public_rnd.r_left;
	memcpy(buf, p, len);
	/* Handed out once: wipe so the bytes cannot be given again. */
	crypto_wipe(p, len);
	public_rnd.r_left -= len;
	return 0;
}
