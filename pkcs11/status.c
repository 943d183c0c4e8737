/*
 * status.c: what palisadectl shows of each token: present and logged in,
 * sessions open and in use, signatures made, failures, losses and
 * returns. Read from counters and the pool; never a call into the module
 * (the token may be the thing that hangs).
 */
#include <stdio.h>
#include <string.h>

#include "pkcs11/p11_int.h"

const char *p11_token_state_name(enum p11_token_state s)
{
	switch (s) {
	case P11_TOKEN_READY:
		return "ready";
	case P11_TOKEN_LOST:
		return "lost";
	case P11_TOKEN_REFUSED:
		return "pin-refused";
	}
	return "?";
}

static void token_status(struct p11_token *t, struct p11_token_status *ts)
{
	memset(ts, 0, sizeof(*ts));
	snprintf(ts->ts_label, sizeof(ts->ts_label), "%s", t->t_label);
	snprintf(ts->ts_serial, sizeof(ts->ts_serial), "%s", t->t_serial);
	snprintf(ts->ts_model, sizeof(ts->ts_model), "%s", t->t_model);
	snprintf(ts->ts_manufacturer, sizeof(ts->ts_manufacturer), "%s", t->t_manuf);
	ts->ts_slot = (unsigned long)atomic_load(&t->t_slot);
	ts->ts_state = (enum p11_token_state)atomic_load(&t->t_state);
	ts->ts_logged_in = atomic_load(&t->t_logged_in);
	p11_pool_counts(&t->t_pool, &ts->ts_sessions, &ts->ts_in_use);
	ts->ts_signatures = atomic_load(&t->t_signs);
	ts->ts_failures = atomic_load(&t->t_fails);
	ts->ts_losses = atomic_load(&t->t_losses);
	ts->ts_reopened = atomic_load(&t->t_reopened);
	pthread_mutex_lock(&t->t_lock);
	for (struct p11_key *k = t->t_keys; k != NULL; k = k->k_next)
		ts->ts_keys++;
	snprintf(ts->ts_last_error, sizeof(ts->ts_last_error), "%s", t->t_last_error);
	pthread_mutex_unlock(&t->t_lock);
}

size_t p11_status(struct p11 *p, struct p11_token_status *ts, size_t max)
{
	size_t n = 0;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->p_lock);
	for (struct p11_token *t = p->p_tokens; t != NULL && n < max; t = t->t_next)
		token_status(t, &ts[n++]);
	pthread_mutex_unlock(&p->p_lock);
	return n;
}
