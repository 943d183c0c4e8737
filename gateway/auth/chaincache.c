/*
 * chaincache.c: chains that X509_verify_cert accepted, reused while their
 * inputs are the same. A returning client sends the same certificates at
 * every setup, and verifying the CA's signature on them again was a fifth
 * of the responder's CPU per ECDSA setup (strongSwan keeps such verdicts
 * in its cert_cache too).
 *
 * The verdict is a function of the end entity, the peer's other
 * certificates, the trust store and the time. The first three are exact
 * here: the certificates are the objects x509cache.c hands out (one per
 * DER), compared by identity and held by a reference while cached, so an
 * address cannot come back as another certificate; the trust store is the
 * generation of the credentials (a reload makes a new one). For the time,
 * a hit needs every certificate of the chain valid now, so it can only
 * agree with a fresh verification; anything else goes to X509_verify_cert,
 * which gives the reason. Only successes are kept, for CC_TTL seconds at
 * most. Bounded, least recently used out.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "auth/auth_int.h"

#define CC_SLOTS 64
#define CC_TTL   300

struct cc_entry {
	uint64_t ce_used; /* LRU clock; 0 = empty */
	uint64_t ce_gen;  /* credentials generation it was verified against */
	time_t ce_made;
	time_t ce_from, ce_until; /* every certificate valid: from <= now < until */
	X509 *ce_ee;
	size_t ce_nsent;
	X509 *ce_sent[AUTH_MAX_CERTS]; /* the peer's other certificates, in order */
	STACK_OF(X509) * ce_chain;     /* the verified chain, ee to the anchor */
};

static struct cc_entry cc_tab[CC_SLOTS];
static uint64_t cc_clock, cc_hits;
static pthread_mutex_t cc_lock = PTHREAD_MUTEX_INITIALIZER;

static void entry_free(struct cc_entry *e)
{
	X509_free(e->ce_ee);
	for (size_t i = 0; i < e->ce_nsent; i++)
		X509_free(e->ce_sent[i]);
	sk_X509_pop_free(e->ce_chain, X509_free);
	memset(e, 0, sizeof(*e));
}

static size_t count(STACK_OF(X509) * sk)
{
	int n = sk_X509_num(sk); /* -1 for NULL */

	return n > 0 ? (size_t)n : 0;
}

static bool same_input(const struct cc_entry *e, uint64_t gen, const X509 *ee,
		       STACK_OF(X509) * sent)
{
	size_t n = count(sent);

	if (!e->ce_used || e->ce_gen != gen || e->ce_ee != ee || e->ce_nsent != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (e->ce_sent[i] != sk_X509_value(sent, (int)i))
			return false;
	return true;
}

/* Older than CC_TTL, or made in what is now the future (clock set back). */
static bool stale(const struct cc_entry *e, time_t now)
{
	return now - e->ce_made > CC_TTL || now < e->ce_made;
}

STACK_OF(X509) * auth_chain_cache_get(uint64_t gen, X509 *ee, STACK_OF(X509) * sent, time_t now)
{
	STACK_OF(X509) *chain = NULL;

	pthread_mutex_lock(&cc_lock);
	for (size_t i = 0; i < CC_SLOTS; i++) {
		struct cc_entry *e = &cc_tab[i];

		if (!same_input(e, gen, ee, sent))
			continue;
		if (stale(e, now)) {
			entry_free(e);
			break;
		}
		if (now >= e->ce_from && now < e->ce_until) {
			e->ce_used = ++cc_clock;
			if ((chain = X509_chain_up_ref(e->ce_chain)))
				cc_hits++;
		}
		break;
	}
	pthread_mutex_unlock(&cc_lock);
	return chain;
}

/* t as seconds since the epoch; false when it cannot be read. */
static bool asn1_secs(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return false;
	*out = timegm(&tm);
	return true;
}

/* The span in which every certificate of chain is valid; false if none. */
static bool chain_span(STACK_OF(X509) * chain, time_t *from, time_t *until)
{
	*from = 0;
	*until = (time_t)INT64_MAX;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		time_t nb, na;

		if (!asn1_secs(X509_get0_notBefore(x), &nb) ||
		    !asn1_secs(X509_get0_notAfter(x), &na))
			return false;
		if (nb > *from)
			*from = nb;
		if (na < *until)
			*until = na;
	}
	return *from < *until;
}

static bool entry_fill(struct cc_entry *e, X509 *ee, STACK_OF(X509) * sent, STACK_OF(X509) * chain)
{
	size_t n = count(sent);

	if (n > AUTH_MAX_CERTS || !(e->ce_chain = X509_chain_up_ref(chain)))
		return false;
	if (!X509_up_ref(ee))
		return false;
	e->ce_ee = ee;
	for (size_t i = 0; i < n; i++) {
		if (!X509_up_ref(sk_X509_value(sent, (int)i)))
			return false;
		e->ce_sent[e->ce_nsent++] = sk_X509_value(sent, (int)i);
	}
	return true;
}

void auth_chain_cache_put(uint64_t gen, X509 *ee, STACK_OF(X509) * sent, STACK_OF(X509) * chain,
			  time_t now)
{
	struct cc_entry fresh = { 0 }, *victim = &cc_tab[0];

	if (!chain_span(chain, &fresh.ce_from, &fresh.ce_until) ||
	    !entry_fill(&fresh, ee, sent, chain)) {
		entry_free(&fresh);
		return;
	}
	fresh.ce_gen = gen;
	fresh.ce_made = now;
	pthread_mutex_lock(&cc_lock);
	for (size_t i = 0; i < CC_SLOTS; i++) /* past their time: free what they hold */
		if (cc_tab[i].ce_used && stale(&cc_tab[i], now))
			entry_free(&cc_tab[i]);
	for (size_t i = 1; i < CC_SLOTS && victim->ce_used; i++)
		if (cc_tab[i].ce_used < victim->ce_used)
			victim = &cc_tab[i];
	for (size_t i = 0; i < CC_SLOTS; i++) /* two threads verified it at once */
		if (same_input(&cc_tab[i], gen, ee, sent))
			victim = &cc_tab[i];
	entry_free(victim);
	fresh.ce_used = ++cc_clock;
	*victim = fresh;
	pthread_mutex_unlock(&cc_lock);
}

uint64_t auth_chain_cache_hits(void)
{
	uint64_t n;

	pthread_mutex_lock(&cc_lock);
	n = cc_hits;
	pthread_mutex_unlock(&cc_lock);
	return n;
}

void auth_chain_cache_clear(void)
{
	pthread_mutex_lock(&cc_lock);
	for (size_t i = 0; i < CC_SLOTS; i++)
		entry_free(&cc_tab[i]);
	pthread_mutex_unlock(&cc_lock);
}
