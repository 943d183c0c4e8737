/*
 * pool.c: a token's sessions. A PKCS#11 session runs one operation at a
 * time (v2.40 section 5.6: C_SignInit on a busy session is
 * CKR_OPERATION_ACTIVE), so each signer checks one out, uses it without
 * any lock held, and gives it back. The lock covers a few instructions;
 * a slow token delays only the signer using that session. A loss throws
 * every session away at once: the generation goes up, and sessions of an
 * older generation coming back are dropped instead of reused.
 */
#include <errno.h>
#include <time.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

void p11_pool_init(struct p11_pool *pl)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&pl->pl_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pl->pl_cond, &ca);
	pthread_condattr_destroy(&ca);
	pl->pl_nfree = pl->pl_open = pl->pl_in_use = 0;
	pl->pl_gen = 1;
	pl->pl_down = true; /* until the token is open */
}

void p11_pool_destroy(struct p11_pool *pl)
{
	pthread_mutex_destroy(&pl->pl_lock);
	pthread_cond_destroy(&pl->pl_cond);
}

static void deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int p11_pool_get(struct p11_pool *pl, unsigned wait_ms, struct p11_sess *s)
{
	struct timespec until;
	int r = 0;

	deadline(&until, wait_ms);
	pthread_mutex_lock(&pl->pl_lock);
	while (!pl->pl_down && pl->pl_nfree == 0) {
		if (pthread_cond_timedwait(&pl->pl_cond, &pl->pl_lock, &until) == ETIMEDOUT) {
			r = GW_E_AGAIN;
			break;
		}
	}
	if (r == 0 && pl->pl_down)
		r = GW_E_STATE;
	if (r == 0) {
		s->ss_h = pl->pl_free[--pl->pl_nfree];
		s->ss_gen = pl->pl_gen;
		pl->pl_in_use++;
	}
	pthread_mutex_unlock(&pl->pl_lock);
	return r;
}

void p11_pool_put(struct p11_pool *pl, const struct p11_sess *s)
{
	pthread_mutex_lock(&pl->pl_lock);
	if (s->ss_gen == pl->pl_gen) {
		pl->pl_in_use--;
		if (pl->pl_nfree < P11_SESSIONS_MAX)
			pl->pl_free[pl->pl_nfree++] = s->ss_h;
		pthread_cond_signal(&pl->pl_cond);
	}
	pthread_mutex_unlock(&pl->pl_lock);
}

void p11_pool_drop(struct p11_pool *pl, const struct p11_sess *s)
{
	pthread_mutex_lock(&pl->pl_lock);
	if (s->ss_gen == pl->pl_gen) {
		pl->pl_in_use--;
		pl->pl_open--;
	}
	pthread_mutex_unlock(&pl->pl_lock);
}

bool p11_pool_add(struct p11_pool *pl, CK_SESSION_HANDLE h, uint32_t gen)
{
	bool ok;

	pthread_mutex_lock(&pl->pl_lock);
	ok = gen == pl->pl_gen && pl->pl_nfree < P11_SESSIONS_MAX;
	if (ok) {
		pl->pl_free[pl->pl_nfree++] = h;
		pl->pl_open++;
		pthread_cond_signal(&pl->pl_cond);
	}
	pthread_mutex_unlock(&pl->pl_lock);
	return ok;
}

uint32_t p11_pool_reset(struct p11_pool *pl, CK_SESSION_HANDLE *closeme, unsigned *nclose)
{
	uint32_t gen;

	pthread_mutex_lock(&pl->pl_lock);
	if (closeme != NULL && nclose != NULL) {
		*nclose = pl->pl_nfree;
		for (unsigned i = 0; i < pl->pl_nfree; i++)
			closeme[i] = pl->pl_free[i];
	}
	pl->pl_down = true;
	pl->pl_nfree = pl->pl_open = pl->pl_in_use = 0;
	gen = ++pl->pl_gen;
	pthread_cond_broadcast(&pl->pl_cond);
	pthread_mutex_unlock(&pl->pl_lock);
	return gen;
}

void p11_pool_up(struct p11_pool *pl)
{
	pthread_mutex_lock(&pl->pl_lock);
	pl->pl_down = false;
	pthread_cond_broadcast(&pl->pl_cond);
	pthread_mutex_unlock(&pl->pl_lock);
}

void p11_pool_counts(struct p11_pool *pl, unsigned *open, unsigned *in_use)
{
	pthread_mutex_lock(&pl->pl_lock);
	*open = pl->pl_open;
	*in_use = pl->pl_in_use;
	pthread_mutex_unlock(&pl->pl_lock);
}
