/*
 * recover.c: a token that went away (unplugged, its HSM unreachable, its
 * SoftHSM2 directory moved) comes back without a restart. One thread per
 * module waits for a loss, then tries with exponential back-off: restart
 * the module (C_Finalize and C_Initialize under the exclusive module lock:
 * SoftHSM2 and many network HSM modules only see a returned token after
 * that, and it throws away every session, so every token of the module is
 * reopened), find each token again by its label, serial, model and
 * manufacturer (the slot id may change), log in, refill its sessions and
 * find its keys again. Meanwhile signatures fail at once; a refused PIN
 * stops the retries for that token (tokens lock).
 */
#include <signal.h>
#include <time.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

void p11_recover_kick(struct p11 *p)
{
	pthread_mutex_lock(&p->p_lock);
	p->p_recover = true;
	pthread_cond_broadcast(&p->p_cond);
	pthread_mutex_unlock(&p->p_lock);
}

/* Find the token's keys again; one that is gone stays unusable. */
static void keys_refind(struct p11_token *t)
{
	struct p11_sess s;
	struct p11_key *k;

	if (p11_pool_get(&t->t_pool, t->t_p11->p_wait_ms, &s) != 0)
		return;
	pthread_mutex_lock(&t->t_lock);
	for (k = t->t_keys; k != NULL; k = k->k_next) {
		if (p11_key_refind(k, s.ss_h) != 0) {
			atomic_store(&k->k_handle, CK_INVALID_HANDLE);
			log_warn(LOG_SUB_P11, "pkcs11: key %s is no longer on token '%s'", k->k_uri,
				 t->t_label);
		} else {
			p11_key_lib_find(k);
		}
	}
	pthread_mutex_unlock(&t->t_lock);
	p11_pool_put(&t->t_pool, &s);
}

/* Back into service after the module restart; false if still missing. */
static bool token_reopen(struct p11_token *t, bool was_lost)
{
	char why[P11_WHY_LEN];

	if (atomic_load(&t->t_state) == P11_TOKEN_REFUSED)
		return true; /* nothing to do, ever */
	if (p11_token_find_slot(t) != 0) {
		p11_token_set_error(t, "not present");
		return false;
	}
	if (p11_token_open(t, why, sizeof(why)) != 0) {
		/* not READY: still lost, or refused for good */
		p11_pool_reset(&t->t_pool, NULL, NULL);
		p11_token_set_error(t, "%s", why);
		log_warn(LOG_SUB_P11, "pkcs11: %s", why);
		return atomic_load(&t->t_state) == P11_TOKEN_REFUSED;
	}
	keys_refind(t);
	atomic_store(&t->t_state, P11_TOKEN_READY);
	if (was_lost) {
		atomic_fetch_add(&t->t_reopened, 1);
		log_msg(LOG_SUB_P11, LOG_NOTICE,
			"pkcs11: token '%s' is back (slot %lu): signing again", t->t_label,
			(unsigned long)atomic_load(&t->t_slot));
	}
	return true;
}

/* Every token out of service before the module restarts under them. */
static unsigned tokens_down(struct p11 *p, struct p11_token **list, bool *lost, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&p->p_lock);
	for (struct p11_token *t = p->p_tokens; t != NULL && n < max; t = t->t_next) {
		int ready = P11_TOKEN_READY;

		lost[n] = !atomic_compare_exchange_strong(&t->t_state, &ready, P11_TOKEN_LOST);
		if (!lost[n]) {
			atomic_store(&t->t_logged_in, false);
			p11_pool_reset(&t->t_pool, NULL, NULL);
		}
		list[n++] = t;
	}
	pthread_mutex_unlock(&p->p_lock);
	return n;
}

/* One attempt; true when no token is left to wait for. */
static bool recover_once(struct p11 *p)
{
	struct p11_token *list[P11_SLOTS_MAX];
	bool lost[P11_SLOTS_MAX], done = true;
	char why[P11_WHY_LEN];
	unsigned n;
	int r;

	pthread_mutex_lock(&p->p_open_lock);
	n = tokens_down(p, list, lost, P11_SLOTS_MAX);
	pthread_rwlock_wrlock(&p->p_mod_lock);
	/* libp11's key objects die with its slots: no signer holds one now */
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_lock(&list[i]->t_lock);
		for (struct p11_key *k = list[i]->t_keys; k != NULL; k = k->k_next)
			p11_key_lib_drop(k);
		pthread_mutex_unlock(&list[i]->t_lock);
	}
	p11_module_fini(p);
	r = p11_module_init(p, why, sizeof(why));
	pthread_rwlock_unlock(&p->p_mod_lock);
	if (r != 0) {
		log_warn(LOG_SUB_P11, "pkcs11: %s", why);
		pthread_mutex_unlock(&p->p_open_lock);
		return false;
	}
	p11_call_lock(p);
	for (unsigned i = 0; i < n; i++)
		done &= token_reopen(list[i], lost[i]);
	p11_call_unlock(p);
	pthread_mutex_unlock(&p->p_open_lock);
	return done;
}

static void wait_ms(struct p11 *p, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!p->p_stop && pthread_cond_timedwait(&p->p_cond, &p->p_lock, &ts) == 0)
		;
}

static void *recover_main(void *arg)
{
	struct p11 *p = arg;
	unsigned delay = p->p_retry_ms;

	pthread_mutex_lock(&p->p_lock);
	while (!p->p_stop) {
		if (!p->p_recover) {
			delay = p->p_retry_ms;
			pthread_cond_wait(&p->p_cond, &p->p_lock);
			continue;
		}
		/* let a flapping token settle, and the signers on it finish */
		wait_ms(p, delay);
		if (p->p_stop)
			break;
		pthread_mutex_unlock(&p->p_lock);
		bool done = recover_once(p);
		pthread_mutex_lock(&p->p_lock);
		p->p_recover = !done;
		if (!done) {
			delay = delay * 2 > p->p_retry_max_ms ? p->p_retry_max_ms : delay * 2;
			log_info(LOG_SUB_P11, "pkcs11: a token is still missing; next try in %u ms",
				 delay);
		}
	}
	pthread_mutex_unlock(&p->p_lock);
	return NULL;
}

int p11_recover_start(struct p11 *p)
{
	sigset_t all, old;
	int r;

	/* signals belong to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->p_thread, NULL, recover_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return GW_E_NOMEM;
	p->p_thread_started = true;
	return 0;
}

void p11_recover_stop(struct p11 *p)
{
	if (!p->p_thread_started)
		return;
	pthread_mutex_lock(&p->p_lock);
	p->p_stop = true;
	pthread_cond_broadcast(&p->p_cond);
	pthread_mutex_unlock(&p->p_lock);
	pthread_join(p->p_thread, NULL);
	p->p_thread_started = false;
}
