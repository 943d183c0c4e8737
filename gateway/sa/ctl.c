/*
 * The engine's control face (api/control.md 5): listings, stats,
 * initiate, terminate and reload. Called from the control thread: SAs are
 * read one at a time under checkout; what must wait for the network
 * answers later through a waiter on the SA.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datapath/userspace.h"
#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

/* Visit every SA, checked out in turn; stop when fn returns false. */
void each_sa(struct sa_engine *e, bool (*fn)(struct ike_sa *sa, void *arg), void *arg)
{
	uint64_t *spis;
	size_t n = sa_table_spis(e->e_table, &spis);

	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = sa_table_checkout(e->e_table, spis[i]);
		bool more;

		if (!sa)
			continue;
		more = sa->s_state == IKE_ST_DEAD || fn(sa, arg);
		ike_sa_checkin(e, sa);
		if (!more)
			break;
	}
	free(spis);
}

struct list_ctx {
	struct sa_engine *lc_e;
	const char *lc_conn;
	uint32_t lc_uid;
	json_t *lc_out;
};

static bool list_one(struct ike_sa *sa, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->lc_uid && sa->s_uid != lc->lc_uid)
		return true;
	if (lc->lc_conn && (!sa->s_conn || strcmp(sa->s_conn->sc_conn->c_name, lc->lc_conn)))
		return true;
	json_array_append_new(lc->lc_out, sa_json_ike(lc->lc_e, sa, true));
	return true;
}

static int by_uid(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "uid"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "uid"));

	return x < y ? -1 : x > y;
}

json_t *sa_engine_list_sas(struct sa_engine *e, const char *conn, uint32_t ike_uid)
{
	struct list_ctx lc = { e, conn, ike_uid, json_array() };
	size_t n, i;
	json_t **v, *sorted = json_array();

	each_sa(e, list_one, &lc);
	n = json_array_size(lc.lc_out);
	if ((v = malloc((n + 1) * sizeof(*v)))) {
		for (i = 0; i < n; i++)
			v[i] = json_array_get(lc.lc_out, i);
		qsort(v, n, sizeof(*v), by_uid);
		for (i = 0; i < n; i++)
			json_array_append(sorted, v[i]);
		free(v);
	}
	json_decref(lc.lc_out);
	return json_pack("{s:o}", "ike_sas", sorted);
}

static bool count_one(struct ike_sa *sa, void *arg)
{
	json_t *counts = arg;
	const char *name = sa->s_conn ? sa->s_conn->sc_conn->c_name : NULL;

	if (name)
		json_object_set_new(
			counts, name,
			json_integer(json_integer_value(json_object_get(counts, name)) + 1));
	return true;
}

json_t *sa_engine_list_conns(struct sa_engine *e, const char *conn)
{
	struct sa_config *cf = sa_engine_config(e);
	json_t *a = json_array(), *counts = json_object();

	each_sa(e, count_one, counts);
	for (size_t i = 0; i < cf->cf_n; i++) {
		const struct model_conn *c = cf->cf_conns[i].sc_conn;
		char *s;
		json_t *j;

		if (conn && strcmp(conn, c->c_name))
			continue;
		if (!(s = model_conn_to_json(c)) || !(j = json_loads(s, 0, NULL))) {
			free(s);
			continue;
		}
		free(s);
		json_object_set_new(
			j, "ike_sas",
			json_integer(json_integer_value(json_object_get(counts, c->c_name))));
		json_array_append_new(a, j);
	}
	sa_config_unref(cf);
	json_decref(counts);
	if (conn && json_array_size(a) == 0) {
		json_decref(a);
		return NULL;
	}
	return json_pack("{s:o}", "conns", a);
}

static json_t *by_key(const char *const *names, const _Atomic uint64_t *v, size_t n, uint64_t *sum)
{
	json_t *o = json_object();

	*sum = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = atomic_load(&v[i]);

		*sum += x;
		json_object_set_new(o, names[i], json_integer((json_int_t)x));
	}
	return o;
}

/* The data path's own packet counters (the userspace backend; the kernel
 * keeps XFRM's in /proc/net/xfrm_stat): what it carried and what it
 * dropped before an SA could count it, by cause. */
static json_t *datapath_stats(struct datapath *dp)
{
	struct dp_user_counters c;
	json_t *o = json_pack("{s:s}", "backend", dp ? dp_backend_name(dp_backend_of(dp)) : "none");
	uint64_t drop;

	if (!o || !dp || dp_user_counters(dp, &c) < 0)
		return o;
	drop = c.uc_no_sa + c.uc_malformed + c.uc_replay + c.uc_integrity + c.uc_expired +
	       c.uc_dummy + c.uc_policy + c.uc_no_policy + c.uc_no_sa_out + c.uc_io_errors;
	json_object_set_new(
		o, "packets",
		json_pack("{s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			  " s:I, s:I, s:I}}",
			  "rx", (json_int_t)c.uc_rx_esp, "delivered", (json_int_t)c.uc_rx_ok, "tx",
			  (json_int_t)c.uc_tx_esp, "dropped", (json_int_t)drop, "dropped_by_cause",
			  "unknown-spi", (json_int_t)c.uc_no_sa, "malformed",
			  (json_int_t)c.uc_malformed, "replay", (json_int_t)c.uc_replay,
			  "integrity", (json_int_t)c.uc_integrity, "expired",
			  (json_int_t)c.uc_expired, "dummy", (json_int_t)c.uc_dummy, "selectors",
			  (json_int_t)c.uc_policy, "no-policy", (json_int_t)c.uc_no_policy,
			  "no-sa-out", (json_int_t)c.uc_no_sa_out, "io-error",
			  (json_int_t)c.uc_io_errors));
	return o;
}

json_t *sa_engine_stats(struct sa_engine *e)
{
	static const char *const drops[SA_DROP_MAX] = {
		"malformed",  "unsupported",    "unknown-spi", "integrity",
		"message-id", "invalid-cookie", "queue-full",
	};
	const char *fails[SA_FAIL_MAX];
	struct sa_counters *k = &e->e_k;
	struct pool_stats ps = { 0 };
	uint64_t nfail, ndrop;
	json_t *fj, *dj;

	for (int i = 0; i < SA_FAIL_MAX; i++)
		fails[i] = sa_end_name((enum sa_end)i);
	fj = by_key(fails, k->k_fail, SA_FAIL_MAX, &nfail);
	dj = by_key(drops, k->k_drop, SA_DROP_MAX, &ndrop);
	if (e->e_pool)
		pool_get_stats(e->e_pool, &ps);
	return json_pack("{s:s, s:o, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I, s:o}, s:I,"
			 " s:{s:I, s:I, s:I, s:I, s:o}, s:o, s:{s:I, s:I, s:I, s:I, s:I}}",
			 "version", PACKAGE_VERSION, "started_at", sa_json_time(e->e_started),
			 "uptime", (json_int_t)((uint64_t)time(NULL) - e->e_started), "ike_sas",
			 "total", (json_int_t)sa_table_count(e->e_table), "established",
			 (json_int_t)atomic_load(&e->e_established), "half_open",
			 (json_int_t)atomic_load(&e->e_half_open), "child_sas", "total",
			 (json_int_t)atomic_load(&e->e_children), "installed",
			 (json_int_t)atomic_load(&e->e_children), "setups", "ok",
			 (json_int_t)atomic_load(&k->k_setups_ok), "failed", (json_int_t)nfail,
			 "failed_by_reason", fj, "cookies_sent",
			 (json_int_t)atomic_load(&k->k_cookies_sent), "packets", "rx",
			 (json_int_t)atomic_load(&k->k_rx), "tx", (json_int_t)atomic_load(&k->k_tx),
			 "retransmits", (json_int_t)atomic_load(&k->k_tx_retransmit), "dropped",
			 (json_int_t)ndrop, "dropped_by_cause", dj, "datapath",
			 datapath_stats(e->e_dp), "workers", "threads",
			 (json_int_t)(e->e_pool ? pool_workers(e->e_pool) : 0), "jobs",
			 (json_int_t)ps.ps_jobs, "timers", (json_int_t)ps.ps_timers, "dropped",
			 (json_int_t)ps.ps_dropped, "pending", (json_int_t)ps.ps_pending);
}

int sa_engine_initiate(struct sa_engine *e, const char *conn, const char *child, sa_done_fn done,
		       void *arg, uint32_t *uid, const char **code, char *why, size_t why_len)
{
	struct sa_config *cf = sa_engine_config(e);
	const struct sa_conn *sc = sa_config_find(cf, conn);
	const struct model_child *cc = NULL;
	struct sa_waiter w = { done, arg };
	int r = GW_E_NOTFOUND;

	*code = "not-found";
	if (!sc) {
		snprintf(why, why_len, "no connection '%s'", conn);
		goto out;
	}
	for (size_t i = 0; i < sc->sc_conn->c_n_children && !cc; i++)
		if (!child || !strcmp(sc->sc_conn->c_children[i].c_name, child))
			cc = &sc->sc_conn->c_children[i];
	if (child && !cc) {
		snprintf(why, why_len, "connection '%s' has no child '%s'", conn, child);
		goto out;
	}
	/* 5.4: an ESTABLISHED IKE SA of the connection is reused */
	if (!(r = ctl_initiate_existing(e, sc, child ? cc : NULL, done ? &w : NULL, uid)))
		goto out;
	if ((r = exch_init_start_prep(e, sc, cf, cc, done ? &w : NULL, uid,
				      child ? NULL : ctl_more_children, (void *)sc))) {
		*code = "ike-failed";
		snprintf(why, why_len, "cannot initiate '%s': %s", conn, gw_strerror(r));
	}
out:
	sa_config_unref(cf);
	return r;
}

/* ---- terminate: one reply for every SA it selected ---- */

struct term_all {
	pthread_mutex_t t_lock;
	unsigned t_left;
	json_t *t_ike, *t_child;
	sa_done_fn t_done;
	void *t_arg;
};

static void term_one(void *arg, const char *code, const char *msg, json_t *result)
{
	struct term_all *t = arg;
	bool last;

	(void)code;
	(void)msg;
	pthread_mutex_lock(&t->t_lock);
	if (result) {
		json_array_extend(t->t_ike, json_object_get(result, "ike_sas"));
		json_array_extend(t->t_child, json_object_get(result, "child_sas"));
		json_decref(result);
	}
	last = --t->t_left == 0;
	pthread_mutex_unlock(&t->t_lock);
	if (!last)
		return;
	if (t->t_done)
		t->t_done(t->t_arg, NULL, NULL,
			  json_pack("{s:o, s:o}", "ike_sas", t->t_ike, "child_sas", t->t_child));
	else {
		json_decref(t->t_ike);
		json_decref(t->t_child);
	}
	pthread_mutex_destroy(&t->t_lock);
	free(t);
}

struct term_ctx {
	uint32_t tc_uid;
	const char *tc_conn;
	uint64_t *tc_spis;
	size_t tc_n;
};

static bool term_pick(struct ike_sa *sa, void *arg)
{
	struct term_ctx *tc = arg;
	uint64_t *p;

	if ((tc->tc_uid && sa->s_uid != tc->tc_uid) ||
	    (tc->tc_conn && (!sa->s_conn || strcmp(sa->s_conn->sc_conn->c_name, tc->tc_conn))))
		return true;
	if ((p = realloc(tc->tc_spis, (tc->tc_n + 1) * sizeof(*p)))) {
		tc->tc_spis = p;
		p[tc->tc_n++] = ike_sa_our_spi(sa);
	}
	return tc->tc_uid == 0; /* a uid selects one */
}

int sa_engine_terminate(struct sa_engine *e, uint32_t ike_uid, const char *conn, sa_done_fn done,
			void *arg, const char **code, char *why, size_t why_len)
{
	struct term_ctx tc = { ike_uid, conn, NULL, 0 };
	struct term_all *t;

	each_sa(e, term_pick, &tc);
	if (!tc.tc_n || !(t = calloc(1, sizeof(*t)))) {
		*code = "not-found";
		if (ike_uid)
			snprintf(why, why_len, "no IKE SA with uid %u", ike_uid);
		else
			snprintf(why, why_len, "no IKE SA of '%s'", conn ? conn : "");
		free(tc.tc_spis);
		return GW_E_NOTFOUND;
	}
	pthread_mutex_init(&t->t_lock, NULL);
	t->t_left = (unsigned)tc.tc_n + 1; /* +1: held until every SA has its waiter */
	t->t_ike = json_array();
	t->t_child = json_array();
	t->t_done = done;
	t->t_arg = arg;
	for (size_t i = 0; i < tc.tc_n; i++) {
		struct ike_sa *sa = sa_table_checkout(e->e_table, tc.tc_spis[i]);

		if (!sa) { /* gone meanwhile: counts as terminated */
			term_one(t, NULL, NULL, NULL);
			continue;
		}
		/* a request still waiting for this SA learns that it ends */
		sa_waiter_fire(sa, "ike-failed", "terminated", NULL);
		sa->s_waiter = (struct sa_waiter){ term_one, t };
		if (sa->s_state == IKE_ST_ESTABLISHED && !sa->s_replaced) /* after what is out */
			sa_task_add(e, sa, SA_TASK_IKE_DELETE, 0, NULL, NULL);
		else
			exch_info_delete_ike(e, sa);
		ike_sa_checkin(e, sa);
	}
	free(tc.tc_spis);
	term_one(t, NULL, NULL, NULL);
	return 0;
}

/* ---- reload ---- */

/* The connection as a comparable string (its JSON and its PSK). */
static char *conn_fingerprint(const struct model_conn *c)
{
	char *s = model_conn_to_json(c), *f;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if ((f = malloc(n + c->c_psk_len + 1))) {
		memcpy(f, s, n);
		memcpy(f + n, c->c_psk, c->c_psk_len);
		f[n + c->c_psk_len] = '\0';
	}
	free(s);
	return f;
}

static void diff_conns(const struct sa_config *old, const struct sa_config *cf, json_t *res)
{
	json_t *added = json_object_get(res, "added"), *changed = json_object_get(res, "changed");
	json_t *removed = json_object_get(res, "removed");
	json_int_t same = 0;
	char path[MODEL_NAME_LEN + 16];

	for (size_t i = 0; i < cf->cf_n; i++) {
		const struct sa_conn *o = sa_config_find(old, cf->cf_conns[i].sc_conn->c_name);
		char *a, *b;

		snprintf(path, sizeof(path), "conns/%s.json", cf->cf_conns[i].sc_conn->c_name);
		if (!o) {
			json_array_append_new(added, json_string(path));
			continue;
		}
		a = conn_fingerprint(o->sc_conn);
		b = conn_fingerprint(cf->cf_conns[i].sc_conn);
		if (a && b && !strcmp(a, b))
			same++;
		else
			json_array_append_new(changed, json_string(path));
		if (a)
			crypto_wipe(a, strlen(a)), free(a);
		if (b)
			crypto_wipe(b, strlen(b)), free(b);
	}
	for (size_t i = 0; i < old->cf_n; i++) {
		if (sa_config_find(cf, old->cf_conns[i].sc_conn->c_name))
			continue;
		snprintf(path, sizeof(path), "conns/%s.json", old->cf_conns[i].sc_conn->c_name);
		json_array_append_new(removed, json_string(path));
	}
	json_object_set_new(res, "unchanged", json_integer(same));
}

json_t *sa_engine_reload(struct sa_engine *e, const char **code, char *why, size_t why_len)
{
	struct sa_config *cf, *old;
	json_t *res;

	pthread_mutex_lock(&e->e_cfg_lock);
	if (sa_config_load(e->e_config_dir, e->e_cfg_gen + 1, e->e_p11, &cf, why, why_len)) {
		pthread_mutex_unlock(&e->e_cfg_lock);
		*code = "invalid-argument";
		return NULL;
	}
	if (vip_set_pools(e->e_vip, cf->cf_pools)) {
		pthread_mutex_unlock(&e->e_cfg_lock);
		snprintf(why, why_len, "pools.json: cannot install the new pools");
		sa_config_unref(cf);
		*code = "internal-error";
		return NULL;
	}
	old = e->e_cfg;
	e->e_cfg = cf;
	e->e_cfg_gen++;
	atomic_store(&e->e_cookie_threshold, cf->cf_settings.gs_cookie_threshold);
	pthread_mutex_unlock(&e->e_cfg_lock);
	res = json_pack("{s:s, s:[], s:[], s:[], s:i, s:[]}", "what", "all", "added", "changed",
			"removed", "unchanged", 0, "errors");
	if (res)
		diff_conns(old, cf, res);
	/* SAs keep the snapshot they started with; it goes with the last of them */
	sa_config_unref(old);
	log_info(LOG_SUB_CFG, "configuration reloaded: %zu connection(s)", cf->cf_n);
	return res;
}

/* ---- virtual-IP leases (api/control.md list-leases) ---- */

static json_t *lease_json(const struct vip_lease_info *l)
{
	struct sa_ep ep = { .ep_family = (uint8_t)l->vl_addr.a_family };
	char id[4 * VIP_ID_MAX + 1];

	memcpy(ep.ep_addr, l->vl_addr.a_addr, 16);
	log_escape(id, sizeof(id), l->vl_identity, l->vl_id_len);
	return json_pack("{s:o, s:s, s:o, s:b}", "addr", sa_json_addr(&ep), "identity", id, "since",
			 sa_json_time(l->vl_since), "retired", l->vl_retired);
}

json_t *sa_engine_list_leases(struct sa_engine *e)
{
	struct vip_lease_info *leases = NULL;
	struct vip_usage *use = NULL;
	size_t nl = 0, nu = 0;
	json_t *pools = json_array(), *retired = json_array();

	if (vip_list(e->e_vip, &leases, &nl) || vip_usage(e->e_vip, &use, &nu)) {
		free(leases);
		json_decref(pools);
		json_decref(retired);
		return NULL;
	}
	for (size_t i = 0; i < nu; i++) {
		json_t *ls = json_array();

		for (size_t k = 0; k < nl; k++)
			if (!leases[k].vl_retired && !strcmp(leases[k].vl_pool, use[i].vu_pool))
				json_array_append_new(ls, lease_json(&leases[k]));
		json_array_append_new(pools,
				      json_pack("{s:s, s:i, s:I, s:I, s:o}", "name", use[i].vu_pool,
						"family", use[i].vu_family == AF_INET ? 4 : 6,
						"size", (json_int_t)use[i].vu_size, "leased",
						(json_int_t)use[i].vu_leased, "leases", ls));
	}
	for (size_t k = 0; k < nl; k++)
		if (leases[k].vl_retired)
			json_array_append_new(retired, lease_json(&leases[k]));
	free(leases);
	free(use);
	return json_pack("{s:o, s:o}", "pools", pools, "retired", retired);
}
