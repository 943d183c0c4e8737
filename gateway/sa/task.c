/*
 * The per-SA task queue (strongSwan's task manager idea, small). With a
 * window size of 1 (RFC 7296 2.3) only one of our requests is out at a
 * time: new CHILD SAs, rekeys, deletes and liveness checks queue here and
 * start one after another, each when the previous exchange ended. Tasks
 * of an SA that died are dropped, their waiters told. Caller holds
 * checkout for everything but the pure queue functions.
 */
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

#define MAX_TRIES 5 /* retries of a refused task (TEMPORARY_FAILURE, 2.25) */

void sa_task_push(struct sa_task **q, struct sa_task *t)
{
	while (*q)
		q = &(*q)->t_next;
	t->t_next = NULL;
	*q = t;
}

struct sa_task *sa_task_pop(struct sa_task **q)
{
	struct sa_task *t = *q;

	if (t) {
		*q = t->t_next;
		t->t_next = NULL;
	}
	return t;
}

bool sa_task_find(const struct sa_task *q, uint8_t type, uint32_t child)
{
	for (; q; q = q->t_next)
		if (q->t_type == type && q->t_child == child)
			return true;
	return false;
}

/* 2.25: "retry with back-off": 1, 2, 4, 8 s (capped at 16 s), each with
 * up to half of it at random so that two peers do not retry in step. */
uint32_t sa_task_backoff_ms(unsigned tries, uint32_t rnd)
{
	uint32_t base = 1000u << (tries > 5 ? 4 : (tries ? tries - 1 : 0));

	return base + rnd % (base / 2 + 1);
}

/* 2.8.1: "the timing of rekeying requests SHOULD be jittered": rekey
 * after secs less a random part of up to a tenth of it. */
uint64_t sa_rekey_delay_ms(uint32_t secs, uint32_t rnd)
{
	uint64_t ms = (uint64_t)secs * 1000, jitter = ms / 10;

	return ms - (jitter ? rnd % (jitter + 1) : 0);
}

/* Octet by octet; when one nonce is a prefix of the other, it is lower. */
static int nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

static const uint8_t *lower(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *len)
{
	if (nonce_cmp(a, al, b, bl) <= 0) {
		*len = al;
		return a;
	}
	*len = bl;
	return b;
}

/* 2.8.1: "the SA created with the lowest of the four nonces used in the
 * two exchanges SHOULD be closed by the endpoint that created it". */
bool sa_nonce_lowest_in(const uint8_t *a_i, size_t a_i_len, const uint8_t *a_r, size_t a_r_len,
			const uint8_t *b_i, size_t b_i_len, const uint8_t *b_r, size_t b_r_len)
{
	size_t al, bl;
	const uint8_t *a = lower(a_i, a_i_len, a_r, a_r_len, &al);
	const uint8_t *b = lower(b_i, b_i_len, b_r, b_r_len, &bl);

	return nonce_cmp(a, al, b, bl) < 0;
}

static void task_free(struct sa_task *t, const char *code, const char *msg, json_t *result)
{
	if (t->t_waiter.w_fn)
		t->t_waiter.w_fn(t->t_waiter.w_arg, code, msg, result);
	else
		json_decref(result);
	free(t);
}

void sa_task_add(struct sa_engine *e, struct ike_sa *sa, uint8_t type, uint32_t child,
		 const struct model_child *cfg, const struct sa_waiter *w)
{
	struct sa_task *t;

	/* one of each is enough, unless somebody waits for it */
	if (!w && type != SA_TASK_CHILD_CREATE &&
	    (sa_task_find(sa->s_tasks, type, child) || sa_task_find(sa->s_delayed, type, child) ||
	     (sa->s_task && sa->s_task->t_type == type && sa->s_task->t_child == child)))
		return;
	if (!(t = calloc(1, sizeof(*t)))) {
		if (w && w->w_fn)
			w->w_fn(w->w_arg, "internal-error", "out of memory", NULL);
		return;
	}
	t->t_type = type;
	t->t_child = child;
	t->t_cfg = cfg;
	if (w)
		t->t_waiter = *w;
	sa_task_push(&sa->s_tasks, t);
	sa_task_run(e, sa);
}

static int task_start(struct sa_engine *e, struct ike_sa *sa, struct sa_task *t)
{
	switch (t->t_type) {
	case SA_TASK_CHILD_CREATE:
	case SA_TASK_CHILD_REKEY:
		return exch_child_start(e, sa, t);
	case SA_TASK_CHILD_DELETE:
		return exch_info_delete_child(e, sa, t);
	case SA_TASK_IKE_REKEY:
		return ike_rekey_start(e, sa);
	case SA_TASK_IKE_DELETE:
		exch_info_delete_ike(e, sa);
		return 0;
	case SA_TASK_DPD:
		exch_info_dpd(e, sa);
		return 0;
	default:
		return GW_E_INVAL;
	}
}

void sa_task_run(struct sa_engine *e, struct ike_sa *sa)
{
	struct sa_task *t;
	int r;

	while (!sa->s_task && !sa->s_req.w_n && sa->s_state == IKE_ST_ESTABLISHED &&
	       !sa->s_replaced && (t = sa_task_pop(&sa->s_tasks))) {
		sa->s_task = t;
		if ((r = task_start(e, sa, t)) == 0 && sa->s_state != IKE_ST_DEAD)
			continue;      /* its request is out (or it finished at once) */
		if (sa->s_task == t) { /* nothing to do (GW_E_NOTFOUND) or failed */
			sa->s_task = NULL;
			task_free(t, r == GW_E_NOTFOUND ? "not-found" : "bad-state",
				  r == GW_E_NOTFOUND ? "the SA is gone" : gw_strerror(r), NULL);
		}
	}
}

void sa_task_done(struct sa_engine *e, struct ike_sa *sa, const char *code, const char *msg,
		  json_t *result)
{
	struct sa_task *t = sa->s_task;

	sa->s_task = NULL;
	if (t)
		task_free(t, code, msg, result);
	else
		json_decref(result);
	sa_task_run(e, sa);
}

static void delayed_due(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	uint64_t now = pool_now_ms();

	(void)arg;
	for (struct sa_task **pp = &sa->s_delayed; *pp;) {
		struct sa_task *t = *pp;

		if (t->t_due_ms > now) {
			pp = &t->t_next;
			continue;
		}
		*pp = t->t_next;
		sa_task_push(&sa->s_tasks, t);
	}
	sa_task_run(e, sa);
}

bool sa_task_retry(struct sa_engine *e, struct ike_sa *sa, const char *code, const char *msg)
{
	struct sa_task *t = sa->s_task;
	uint32_t rnd = 0, ms;
	char pfx[96];

	if (!t)
		return false;
	if (++t->t_tries > MAX_TRIES) {
		sa_task_done(e, sa, code, msg, NULL);
		return false;
	}
	sa->s_task = NULL;
	crypto_random_public(&rnd, sizeof(rnd));
	ms = sa_task_backoff_ms(t->t_tries, rnd);
	t->t_due_ms = pool_now_ms() + ms;
	sa_task_push(&sa->s_delayed, t);
	log_info(LOG_SUB_IKE, "%s: %s, retrying in %u ms", ike_sa_prefix(sa, pfx, sizeof(pfx)), msg,
		 ms);
	sa_timer(e, sa, ms, delayed_due, 0);
	sa_task_run(e, sa);
	return true;
}

static void flush_list(struct sa_task **q)
{
	struct sa_task *t;

	while ((t = sa_task_pop(q))) {
		bool gone = t->t_type == SA_TASK_CHILD_DELETE || t->t_type == SA_TASK_IKE_DELETE;

		/* a delete whose SA went anyway did its job */
		task_free(t, gone ? NULL : "ike-failed", gone ? NULL : "the IKE SA went down",
			  gone ? json_pack("{s:[], s:[I]}", "ike_sas", "child_sas",
					   (json_int_t)t->t_child)
			       : NULL);
	}
}

void sa_tasks_flush(struct ike_sa *sa)
{
	flush_list(&sa->s_task);
	flush_list(&sa->s_tasks);
	flush_list(&sa->s_delayed);
}

void sa_tasks_move(struct ike_sa *from, struct ike_sa *to)
{
	struct sa_task *t;

	while ((t = sa_task_pop(&from->s_tasks)))
		sa_task_push(&to->s_tasks, t);
	while ((t = sa_task_pop(&from->s_delayed))) {
		t->t_due_ms = 0; /* retried at once on the new SA */
		sa_task_push(&to->s_tasks, t);
	}
}
