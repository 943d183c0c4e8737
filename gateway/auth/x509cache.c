/*
 * Parsed peer certificates, by their DER bytes. A returning client sends
 * the same certificate at every setup, and parsing it (d2i_X509: OpenSSL
 * 3 builds a decoder context for the public key each time) took about a
 * third of the responder's CPU per ECDSA setup. Only the parse is cached:
 * the chain, dates, usage and identity are checked at every setup as
 * before, so an expired certificate or a removed CA takes effect at once.
 * A hit is an exact match of the DER (not only of a hash of it). Bounded
 * (least recently used out); X509 objects are reference counted and
 * OpenSSL locks their lazily cached extensions, so threads share them.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define XC_SLOTS   64
#define XC_DER_MAX 65535

struct xc_entry {
	uint64_t xe_hash;
	uint64_t xe_used; /* LRU clock; 0 = empty */
	uint8_t *xe_der;
	size_t xe_len;
	X509 *xe_x;
};

static struct xc_entry xc_tab[XC_SLOTS];
static uint64_t xc_clock;
static pthread_mutex_t xc_lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a: picks the candidates; the DER comparison decides. */
static uint64_t der_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static X509 *xc_lookup(uint64_t h, const uint8_t *der, size_t len)
{
	X509 *x = NULL;

	pthread_mutex_lock(&xc_lock);
	for (size_t i = 0; i < XC_SLOTS; i++) {
		struct xc_entry *e = &xc_tab[i];

		if (e->xe_used && e->xe_hash == h && e->xe_len == len &&
		    !memcmp(e->xe_der, der, len) && X509_up_ref(e->xe_x)) {
			e->xe_used = ++xc_clock;
			x = e->xe_x;
			break;
		}
	}
	pthread_mutex_unlock(&xc_lock);
	return x;
}

static void xc_insert(uint64_t h, const uint8_t *der, size_t len, X509 *x)
{
	struct xc_entry *victim = &xc_tab[0];
	uint8_t *copy = malloc(len);

	if (!copy || !X509_up_ref(x)) {
		free(copy);
		return;
	}
	memcpy(copy, der, len);
	pthread_mutex_lock(&xc_lock);
	for (size_t i = 1; i < XC_SLOTS && victim->xe_used; i++)
		if (xc_tab[i].xe_used < victim->xe_used)
			victim = &xc_tab[i];
	free(victim->xe_der);
	X509_free(victim->xe_x);
	*victim = (struct xc_entry){ h, ++xc_clock, copy, len, x };
	pthread_mutex_unlock(&xc_lock);
}

int auth_x509_parse(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	uint64_t h;
	X509 *x;

	*out = NULL;
	if (der == NULL || len == 0 || len > XC_DER_MAX)
		return GW_E_INVAL;
	h = der_hash(der, len);
	if ((x = xc_lookup(h, der, len)) != NULL) {
		*out = x;
		return 0;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) { /* exactly one certificate */
		X509_free(x);
		return GW_E_INVAL;
	}
	xc_insert(h, der, len, x);
	*out = x;
	return 0;
}

void auth_x509_cache_clear(void)
{
	pthread_mutex_lock(&xc_lock);
	for (size_t i = 0; i < XC_SLOTS; i++) {
		free(xc_tab[i].xe_der);
		X509_free(xc_tab[i].xe_x);
		memset(&xc_tab[i], 0, sizeof(xc_tab[i]));
	}
	pthread_mutex_unlock(&xc_lock);
}
