/*
 * Control for rekeying (api/control.md 5.4-5.6): rekey of IKE and CHILD
 * SAs, reauthentication, terminate of single CHILD SAs, and initiate on
 * an IKE SA that is already up. Each selected SA gets a task (task.c);
 * one reply gathers what every task reported.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

/* ---- one reply for many tasks ---- */

struct agg {
	pthread_mutex_t a_lock;
	unsigned a_left, a_ok;
	json_t *a_ike, *a_child;
	const char *a_code;
	char a_msg[256];
	sa_done_fn a_done;
	void *a_arg;
};

struct agg_one {
	struct agg *o_agg;
	uint32_t o_old; /* reauth: the uid of the SA it replaces */
};

static void agg_end(struct agg *a)
{
	if (!a->a_done) {
		json_decref(a->a_ike);
		json_decref(a->a_child);
	} else if (!a->a_ok && a->a_code) {
		a->a_done(a->a_arg, a->a_code, a->a_msg, NULL);
		json_decref(a->a_ike);
		json_decref(a->a_child);
	} else {
		a->a_done(a->a_arg, NULL, NULL,
			  json_pack("{s:o, s:o}", "ike_sas", a->a_ike, "child_sas", a->a_child));
	}
	pthread_mutex_destroy(&a->a_lock);
	free(a);
}

static void agg_done(void *arg, const char *code, const char *msg, json_t *result)
{
	struct agg_one *o = arg;
	struct agg *a = o->o_agg;
	json_t *uid;
	bool last;

	pthread_mutex_lock(&a->a_lock);
	if (code && !a->a_code) {
		a->a_code = code; /* static strings (task.c, the exchanges) */
		snprintf(a->a_msg, sizeof(a->a_msg), "%s", msg ? msg : code);
	}
	if (result && (uid = json_object_get(result, "ike_uid")) && o->o_old) {
		json_array_append_new(a->a_ike, json_pack("{s:I, s:O}", "old_uid",
							  (json_int_t)o->o_old, "uid", uid));
	} else if (result) {
		json_array_extend(a->a_ike, json_object_get(result, "ike_sas"));
		json_array_extend(a->a_child, json_object_get(result, "child_sas"));
	}
	a->a_ok += !code;
	last = --a->a_left == 0;
	pthread_mutex_unlock(&a->a_lock);
	json_decref(result);
	free(o);
	if (last)
		agg_end(a);
}

static struct agg *agg_new(sa_done_fn done, void *arg)
{
	struct agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	pthread_mutex_init(&a->a_lock, NULL);
	a->a_left = 1; /* held until every task has its waiter */
	a->a_ike = json_array();
	a->a_child = json_array();
	a->a_done = done;
	a->a_arg = arg;
	return a;
}

/* A waiter for one more task, or false (out of memory). */
static bool agg_waiter(struct agg *a, uint32_t old, struct sa_waiter *w)
{
	struct agg_one *o = malloc(sizeof(*o));

	if (!o)
		return false;
	*o = (struct agg_one){ a, old };
	pthread_mutex_lock(&a->a_lock);
	a->a_left++;
	pthread_mutex_unlock(&a->a_lock);
	*w = (struct sa_waiter){ agg_done, o };
	return true;
}

/* Drop the hold agg_new() took; the reply goes when the tasks are done. */
static void agg_release(struct agg *a)
{
	bool last;

	pthread_mutex_lock(&a->a_lock);
	last = --a->a_left == 0;
	pthread_mutex_unlock(&a->a_lock);
	if (last)
		agg_end(a);
}

/* ---- selection ---- */

enum pick_kind { PICK_IKE, PICK_CHILD };

struct pick {
	enum pick_kind p_kind;
	uint32_t p_ike_uid, p_child_uid;
	const char *p_conn, *p_child;
	uint64_t *p_spis;
	uint32_t *p_uids; /* child uids (PICK_CHILD) or IKE uids */
	size_t p_n;
	bool p_bad_state;
};

static bool conn_is(const struct ike_sa *sa, const char *conn)
{
	return !conn || (sa->s_conn && !strcmp(sa->s_conn->sc_conn->c_name, conn));
}

static void pick_add(struct pick *p, uint64_t spi, uint32_t uid)
{
	uint64_t *s = realloc(p->p_spis, (p->p_n + 1) * sizeof(*s));
	uint32_t *u;

	if (!s)
		return;
	p->p_spis = s;
	if (!(u = realloc(p->p_uids, (p->p_n + 1) * sizeof(*u))))
		return;
	p->p_uids = u;
	s[p->p_n] = spi;
	u[p->p_n++] = uid;
}

static bool pick_one(struct ike_sa *sa, void *arg)
{
	struct pick *p = arg;
	bool up = sa->s_state == IKE_ST_ESTABLISHED && !sa->s_replaced;

	if (p->p_kind == PICK_IKE) {
		if ((p->p_ike_uid && sa->s_uid != p->p_ike_uid) || !conn_is(sa, p->p_conn))
			return true;
		if (up)
			pick_add(p, ike_sa_our_spi(sa), sa->s_uid);
		else
			p->p_bad_state = true;
		return p->p_ike_uid == 0;
	}
	if (!conn_is(sa, p->p_conn))
		return true;
	for (const struct child_sa *c = sa->s_children; c; c = c->c_next) {
		if ((p->p_child_uid && c->c_uid != p->p_child_uid) ||
		    (p->p_child && strcmp(c->c_cfg->c_name, p->p_child)))
			continue;
		if (up && c->c_state == CHILD_ST_INSTALLED)
			pick_add(p, ike_sa_our_spi(sa), c->c_uid);
		else if (c->c_state != CHILD_ST_REKEYED)
			p->p_bad_state = true;
	}
	return true;
}

static int pick_run(struct sa_engine *e, struct pick *p, const char **code, char *why,
		    size_t why_len)
{
	each_sa(e, pick_one, p);
	if (p->p_n)
		return 0;
	*code = p->p_bad_state ? "bad-state" : "not-found";
	snprintf(why, why_len, "%s",
		 p->p_bad_state ? "the SA is not ESTABLISHED/INSTALLED (rekeying or deleting?)"
				: "no such SA");
	return p->p_bad_state ? GW_E_STATE : GW_E_NOTFOUND;
}

/* The answer without wait (5.6): what was queued, no replacements yet. */
static json_t *queued_json(const struct pick *p)
{
	json_t *l = json_array();

	for (size_t i = 0; i < p->p_n; i++)
		json_array_append_new(
			l, json_pack("{s:I, s:n}", "old_uid", (json_int_t)p->p_uids[i], "uid"));
	return p->p_kind == PICK_IKE ? json_pack("{s:o, s:[]}", "ike_sas", l, "child_sas")
				     : json_pack("{s:[], s:o}", "ike_sas", "child_sas", l);
}

/* Queue type on every picked SA; reauth starts a new IKE SA instead. */
static void queue_all(struct sa_engine *e, struct pick *p, uint8_t type, bool reauth, struct agg *a)
{
	for (size_t i = 0; i < p->p_n; i++) {
		struct ike_sa *sa = sa_table_checkout(e->e_table, p->p_spis[i]);
		struct child_sa *c;
		struct sa_waiter w = { 0 };

		if (!sa)
			continue;
		if (sa->s_state == IKE_ST_DEAD || !agg_waiter(a, p->p_uids[i], &w)) {
			ike_sa_checkin(e, sa);
			continue;
		}
		if (reauth) {
			if (sa_reauth_start(e, sa, &w))
				agg_done(w.w_arg, "ike-failed", "cannot reauthenticate", NULL);
		} else if (p->p_kind == PICK_IKE) {
			sa_task_add(e, sa, type, 0, NULL, &w);
		} else {
			if (type == SA_TASK_CHILD_DELETE && (c = child_sa_find(sa, p->p_uids[i])))
				c->c_end_why = "terminated";
			sa_task_add(e, sa, type, p->p_uids[i], NULL, &w);
		}
		ike_sa_checkin(e, sa);
	}
}

int sa_engine_rekey(struct sa_engine *e, uint32_t ike_uid, const char *conn, uint32_t child_uid,
		    const char *child, bool reauth, sa_done_fn done, void *arg, json_t **queued,
		    const char **code, char *why, size_t why_len)
{
	struct pick p = { .p_kind = child_uid || child ? PICK_CHILD : PICK_IKE,
			  .p_ike_uid = ike_uid,
			  .p_child_uid = child_uid,
			  .p_conn = conn,
			  .p_child = child };
	struct agg *a;
	int r;

	if ((r = pick_run(e, &p, code, why, why_len)))
		goto out;
	if (!(a = agg_new(done, arg))) {
		*code = "internal-error";
		snprintf(why, why_len, "out of memory");
		r = GW_E_NOMEM;
		goto out;
	}
	if (queued)
		*queued = queued_json(&p);
	queue_all(e, &p, p.p_kind == PICK_IKE ? SA_TASK_IKE_REKEY : SA_TASK_CHILD_REKEY, reauth, a);
	agg_release(a);
out:
	free(p.p_spis);
	free(p.p_uids);
	return r;
}

int sa_engine_terminate_child(struct sa_engine *e, uint32_t child_uid, const char *conn,
			      const char *child, sa_done_fn done, void *arg, const char **code,
			      char *why, size_t why_len)
{
	struct pick p = {
		.p_kind = PICK_CHILD, .p_child_uid = child_uid, .p_conn = conn, .p_child = child
	};
	struct agg *a;
	int r;

	if ((r = pick_run(e, &p, code, why, why_len)))
		goto out;
	if (!(a = agg_new(done, arg))) {
		*code = "internal-error";
		snprintf(why, why_len, "out of memory");
		r = GW_E_NOMEM;
		goto out;
	}
	queue_all(e, &p, SA_TASK_CHILD_DELETE, false, a);
	agg_release(a);
out:
	free(p.p_spis);
	free(p.p_uids);
	return r;
}

/* ---- initiate on an IKE SA that is up ---- */

void ctl_more_children(struct ike_sa *sa, void *arg)
{
	const struct model_conn *mc = ((const struct sa_conn *)arg)->sc_conn;

	for (size_t i = 1; i < mc->c_n_children && i < 32; i++)
		sa->s_more_children |= 1u << i;
}

struct find_up {
	const struct sa_conn *f_sc;
	uint64_t f_spi;
};

static bool find_up(struct ike_sa *sa, void *arg)
{
	struct find_up *f = arg;

	if (sa->s_state != IKE_ST_ESTABLISHED || sa->s_replaced || sa->s_reauthed || !sa->s_conn ||
	    strcmp(sa->s_conn->sc_conn->c_name, f->f_sc->sc_conn->c_name))
		return true;
	f->f_spi = ike_sa_our_spi(sa);
	return false;
}

static bool installed(const struct ike_sa *sa, const char *name)
{
	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (!strcmp(c->c_cfg->c_name, name) && c->c_state != CHILD_ST_DELETING &&
		    c->c_state != CHILD_ST_REKEYED)
			return true;
	return false;
}

int ctl_initiate_existing(struct sa_engine *e, const struct sa_conn *sc,
			  const struct model_child *cc, const struct sa_waiter *w, uint32_t *uid)
{
	struct find_up f = { sc, 0 };
	const struct model_conn *mc;
	const struct model_child *last = NULL;
	struct ike_sa *sa;

	each_sa(e, find_up, &f);
	if (!f.f_spi || !(sa = sa_table_checkout(e->e_table, f.f_spi)))
		return GW_E_NOTFOUND;
	if (sa->s_state != IKE_ST_ESTABLISHED) {
		ike_sa_checkin(e, sa);
		return GW_E_NOTFOUND;
	}
	/* the children of sa->s_cfg, which may be an older snapshot */
	mc = sa->s_conn->sc_conn;
	for (size_t i = 0; i < mc->c_n_children; i++) {
		const struct model_child *k = &mc->c_children[i];

		if ((cc && strcmp(k->c_name, cc->c_name)) || installed(sa, k->c_name))
			continue;
		if (last)
			sa_task_add(e, sa, SA_TASK_CHILD_CREATE, 0, last, NULL);
		last = k;
	}
	if (uid)
		*uid = sa->s_uid;
	if (last)
		sa_task_add(e, sa, SA_TASK_CHILD_CREATE, 0, last, w);
	else if (w && w->w_fn) /* everything asked for is up already */
		w->w_fn(w->w_arg, NULL, NULL, sa_initiated_json(sa));
	ike_sa_checkin(e, sa);
	return 0;
}
