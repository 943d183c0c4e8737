/*
 * When things happen to an established IKE SA: rekey and reauthentication
 * times with jitter (RFC 7296 2.8, 2.8.1), the over_time hard limit, CHILD
 * SA rekey times and the linger of replaced inbound SAs, liveness checks
 * (2.4) with dpd_delay / dpd_timeout, NAT keepalives (RFC 3948 2.3), and
 * dpd_action restart. Timers run on the SA's worker with it checked out
 * and check that what they were set for still holds (pool.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

#define REAUTH_RETRY_MS  30000
#define RESTART_DELAY_MS 2000

enum { T_REKEY = 1, T_REAUTH, T_HARD };

static uint32_t rnd32(void)
{
	uint32_t r = 0;

	crypto_random_public(&r, sizeof(r));
	return r;
}

static uint32_t until(uint64_t due, uint64_t now)
{
	return due > now ? (uint32_t)(due - now) : 0;
}

static void reauth_start(struct sa_engine *e, struct ike_sa *sa)
{
	sa_reauth_start(e, sa, NULL);
}

static void ike_timer(struct sa_engine *e, struct ike_sa *sa, uint32_t kind)
{
	uint64_t now = pool_now_ms() + 20; /* timers may fire a hair early */
	char pfx[96];

	if (sa->s_state != IKE_ST_ESTABLISHED || sa->s_replaced || sa->s_reauthed)
		return;
	if (kind == T_REKEY && sa->s_rekey_ms && now >= sa->s_rekey_ms) {
		sa->s_rekey_ms = 0;
		log_info(LOG_SUB_IKE, "%s: rekey time reached",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		sa_task_add(e, sa, SA_TASK_IKE_REKEY, 0, NULL, NULL);
	} else if (kind == T_REAUTH && sa->s_reauth_ms && now >= sa->s_reauth_ms) {
		sa->s_reauth_ms = 0;
		reauth_start(e, sa);
	} else if (kind == T_HARD && sa->s_hard_ms && now >= sa->s_hard_ms) {
		log_info(LOG_SUB_IKE, "%s: over_time reached without a rekey",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		exch_info_delete_ike(e, sa); /* best effort */
		ike_sa_kill(e, sa, SA_END_EXPIRED, "hard lifetime reached");
	}
}

static void child_timer(struct sa_engine *e, struct ike_sa *sa, uint32_t uid)
{
	struct child_sa *c = child_sa_find(sa, uid);
	uint64_t now = pool_now_ms() + 20;

	if (!c || sa->s_replaced)
		return;
	if (c->c_out_removed) {
		if (c->c_linger_ms && now >= c->c_linger_ms)
			child_sa_remove(e, sa, c, NULL);
		return;
	}
	if (c->c_state != CHILD_ST_INSTALLED || !c->c_rekey_ms || now < c->c_rekey_ms)
		return;
	if (c->c_out_pending) { /* still waiting for the old one's Delete */
		sa_timer(e, sa, 1000, child_timer, uid);
		return;
	}
	c->c_rekey_ms = 0;
	sa_task_add(e, sa, SA_TASK_CHILD_REKEY, uid, NULL, NULL);
}

void child_timers_arm(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c)
{
	uint64_t now = pool_now_ms();

	if (!e->e_pool)
		return;
	if (c->c_state == CHILD_ST_INSTALLED && !c->c_rekey_ms && c->c_cfg->c_rekey_time)
		c->c_rekey_ms = now + sa_rekey_delay_ms(c->c_cfg->c_rekey_time, rnd32());
	if (c->c_state == CHILD_ST_INSTALLED && c->c_rekey_ms)
		sa_timer(e, sa, until(c->c_rekey_ms, now), child_timer, c->c_uid);
	if (c->c_out_removed && c->c_linger_ms)
		sa_timer(e, sa, until(c->c_linger_ms, now), child_timer, c->c_uid);
}

/* ---- liveness (2.4) and NAT keepalives (RFC 3948 2.3) ---- */

static void dpd_check(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	uint64_t now = pool_now_ms(), idle = now - sa->s_last_rx_ms,
		 delay = (uint64_t)c->c_dpd_delay * 1000;

	(void)arg;
	if (sa->s_state != IKE_ST_ESTABLISHED || !c->c_dpd_delay || sa->s_replaced)
		return;
	/* any exchange of ours under way checks liveness as well */
	if (idle >= delay && !sa->s_task && !sa->s_tasks && !sa->s_req.w_n)
		sa_task_add(e, sa, SA_TASK_DPD, 0, NULL, NULL);
	sa_timer(e, sa, (uint32_t)(idle >= delay ? delay : delay - idle), dpd_check, 0);
}

static void keepalive(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	unsigned every = sa->s_cfg->cf_settings.gs_nat_keepalive;
	struct sockaddr_storage l, r;

	(void)arg;
	if (sa->s_state != IKE_ST_ESTABLISHED || !every || sa->s_replaced)
		return;
	sa_ep_to_sockaddr(&sa->s_local, &l);
	sa_ep_to_sockaddr(&sa->s_remote, &r);
	net_send_keepalive(e->e_net, &l, &r);
	sa_timer(e, sa, every * 1000, keepalive, 0);
}

/* ---- reauthentication: a new IKE SA, then the old one goes ---- */

struct reauth_job {
	struct sa_engine *rj_e;
	uint64_t rj_spi;
};

static void reauth_replace(void *arg)
{
	struct reauth_job *j = arg;
	struct ike_sa *old = sa_table_checkout(j->rj_e->e_table, j->rj_spi);
	char pfx[96];

	if (old) {
		if (old->s_state == IKE_ST_ESTABLISHED && !old->s_replaced && !old->s_reauthed) {
			log_info(LOG_SUB_IKE, "%s: reauthenticated, deleting the old IKE SA",
				 ike_sa_prefix(old, pfx, sizeof(pfx)));
			old->s_reauthed = true;
			sa_task_add(j->rj_e, old, SA_TASK_IKE_DELETE, 0, NULL, NULL);
		}
		ike_sa_checkin(j->rj_e, old);
	}
	free(j);
}

/* The conn's children as bits of their index. */
static uint32_t child_bit(const struct model_conn *mc, const struct model_child *cc)
{
	for (size_t i = 0; i < mc->c_n_children && i < 32; i++)
		if (&mc->c_children[i] == cc)
			return 1u << i;
	return 0;
}

static const struct model_child *first_child(const struct model_conn *mc, uint32_t *mask)
{
	for (size_t i = 0; i < mc->c_n_children && i < 32; i++)
		if (*mask & (1u << i)) {
			*mask &= ~(1u << i);
			return &mc->c_children[i];
		}
	return NULL;
}

struct init_prep {
	uint64_t ip_reauth_of;
	uint32_t ip_more;
	bool ip_restart;
	unsigned ip_restarts;
	const struct sa_ra *ip_vips; /* reauth: the virtual IPs we have */
};

static void prep(struct ike_sa *sa, void *arg)
{
	const struct init_prep *p = arg;
	const struct sa_ra *old = p->ip_vips;
	struct sa_ra *ra;

	if (old && old->r_n_vips && (ra = sa_ra_get(sa))) {
		ra->r_n_want = old->r_n_vips < 2 ? old->r_n_vips : 2;
		memcpy(ra->r_want, old->r_vips, ra->r_n_want * sizeof(ra->r_want[0]));
	}
	sa->s_reauth_of = p->ip_reauth_of;
	sa->s_more_children = p->ip_more;
	sa->s_restart = p->ip_restart;
	sa->s_restarts = p->ip_restarts;
}

/* Break-before-make (2.8.3): delete the SA first; sa_restart_maybe()
 * sets it up again, with the same children, once it is gone. Only when
 * we can initiate, else the peer would be left without either SA. */
static int reauth_bbm(struct sa_engine *e, struct ike_sa *sa, uint32_t mask,
		      const struct sa_waiter *w)
{
	char pfx[96];

	if (!exch_init_can_reach(sa->s_conn->sc_conn)) {
		log_info(LOG_SUB_IKE, "%s: cannot reauthenticate (no single remote address)",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		sa->s_reauth_ms = pool_now_ms() + REAUTH_RETRY_MS;
		sa_timer(e, sa, REAUTH_RETRY_MS, ike_timer, T_REAUTH);
		return GW_E_NOTFOUND;
	}
	log_info(LOG_SUB_IKE, "%s: reauthenticating (break-before-make): deleting the IKE SA first",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)));
	sa->s_reauthed = true;
	sa->s_reauth_bbm = true;
	sa->s_bbm_mask = mask;
	if (w)
		sa->s_bbm_waiter = *w;
	sa_task_add(e, sa, SA_TASK_IKE_DELETE, 0, NULL, NULL);
	return 0;
}

int sa_reauth_start(struct sa_engine *e, struct ike_sa *sa, const struct sa_waiter *w)
{
	const struct model_conn *mc = sa->s_conn->sc_conn;
	struct init_prep p = { .ip_reauth_of = ike_sa_our_spi(sa) };
	const struct model_child *first;
	uint32_t mask = 0;
	char pfx[96];
	int r;

	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_state == CHILD_ST_INSTALLED || c->c_state == CHILD_ST_REKEYING)
			mask |= child_bit(mc, c->c_cfg);
	if (mc->c_reauth_bbm)
		return reauth_bbm(e, sa, mask, w);
	first = first_child(mc, &mask);
	p.ip_more = mask;
	if (sa->s_orig_initiator) /* our virtual IPs, to keep */
		p.ip_vips = sa->s_ra;
	log_info(LOG_SUB_IKE, "%s: reauthenticating (make-before-break)",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)));
	if ((r = exch_init_start_prep(e, sa->s_conn, sa->s_cfg, first, w, NULL, prep, &p))) {
		log_info(LOG_SUB_IKE, "%s: cannot reauthenticate (no single remote address?)",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		sa->s_reauth_ms = pool_now_ms() + REAUTH_RETRY_MS;
		sa_timer(e, sa, REAUTH_RETRY_MS, ike_timer, T_REAUTH);
	}
	return r;
}

/* ---- the SA is up ---- */

static void arm(struct sa_engine *e, struct ike_sa *sa, uint64_t *due, uint32_t secs, uint32_t kind)
{
	if (!secs)
		return;
	*due = pool_now_ms() + sa_rekey_delay_ms(secs, rnd32());
	sa_timer(e, sa, until(*due, pool_now_ms()), ike_timer, kind);
}

void sa_up(struct sa_engine *e, struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	uint32_t longest = c->c_rekey_time > c->c_reauth_time ? c->c_rekey_time : c->c_reauth_time;
	uint32_t mask = sa->s_more_children;
	const struct model_child *cc;

	if (!e->e_pool)
		return;
	if (c->c_dpd_delay)
		sa_timer(e, sa, c->c_dpd_delay * 1000, dpd_check, 0);
	if (sa->s_nat_local && sa->s_cfg->cf_settings.gs_nat_keepalive)
		sa_timer(e, sa, sa->s_cfg->cf_settings.gs_nat_keepalive * 1000, keepalive, 0);
	arm(e, sa, &sa->s_rekey_ms, c->c_rekey_time, T_REKEY);
	arm(e, sa, &sa->s_reauth_ms, c->c_reauth_time, T_REAUTH);
	if (longest && c->c_over_time) {
		sa->s_hard_ms = pool_now_ms() + ((uint64_t)longest + c->c_over_time) * 1000;
		sa_timer(e, sa, (longest + c->c_over_time) * 1000, ike_timer, T_HARD);
	}
	sa->s_restarts = 0;
	sa->s_more_children = 0;
	while ((cc = first_child(c, &mask)))
		sa_task_add(e, sa, SA_TASK_CHILD_CREATE, 0, cc, NULL);
	if (sa->s_reauth_of) {
		struct reauth_job *j = malloc(sizeof(*j));

		if (j) {
			*j = (struct reauth_job){ e, sa->s_reauth_of };
			if (pool_submit(e->e_pool, j->rj_spi, reauth_replace, j))
				free(j);
		}
		sa->s_reauth_of = 0;
	}
	sa_task_run(e, sa);
}

int64_t sa_ike_rekey_in(const struct ike_sa *sa, bool reauth)
{
	uint64_t due = reauth ? sa->s_reauth_ms : sa->s_rekey_ms, now = pool_now_ms();

	if (!due || sa->s_state != IKE_ST_ESTABLISHED)
		return -1;
	return due > now ? (int64_t)((due - now + 999) / 1000) : 0;
}

/* ---- dpd_action restart (and keyingtries for its attempts) ---- */

struct restart_job {
	struct sa_engine *rs_e;
	struct sa_config *rs_cfg;
	const struct sa_conn *rs_conn;
	uint32_t rs_mask;
	unsigned rs_attempt;
	struct sa_waiter rs_waiter; /* break-before-make reauth: its control request */
};

static void waiter_fail(struct sa_waiter *w, const char *why)
{
	if (w && w->w_fn)
		w->w_fn(w->w_arg, "ike-failed", why, NULL);
	if (w)
		memset(w, 0, sizeof(*w));
}

static void restart_free(void *arg)
{
	struct restart_job *j = arg;

	waiter_fail(&j->rs_waiter, "cannot set the IKE SA up again");
	sa_config_unref(j->rs_cfg);
	free(j);
}

static void restart_run(void *arg);

/* Initiate again after a delay growing with the attempts; keyingtries
 * (0 = forever) bounds them. */
static void restart_schedule(struct sa_engine *e, struct sa_config *cf, const struct sa_conn *sc,
			     uint32_t mask, unsigned attempt, uint64_t key, struct sa_waiter *w)
{
	struct restart_job *j;
	uint32_t ms = RESTART_DELAY_MS * (attempt < 8 ? attempt : 8);
	unsigned tries = sc->sc_conn->c_keyingtries;

	if ((tries && attempt > tries) || !(j = malloc(sizeof(*j)))) {
		waiter_fail(w, "cannot set the IKE SA up again");
		return;
	}
	*j = (struct restart_job){ e, sa_config_ref(cf), sc, mask, attempt, { NULL, NULL } };
	if (w) { /* the job owns it now */
		j->rs_waiter = *w;
		memset(w, 0, sizeof(*w));
	}
	if (pool_timer(e->e_pool, key, ms, restart_run, restart_free, j))
		restart_free(j);
}

static void restart_run(void *arg)
{
	struct restart_job *j = arg;
	struct init_prep p = { .ip_restart = true, .ip_restarts = j->rs_attempt };
	uint32_t mask = j->rs_mask;
	const struct model_child *first = first_child(j->rs_conn->sc_conn, &mask);

	p.ip_more = mask;
	log_info(LOG_SUB_IKE, "%s: %s (attempt %u)", j->rs_conn->sc_conn->c_name,
		 j->rs_waiter.w_fn || !j->rs_attempt ? "setting up again" : "restarting",
		 j->rs_attempt);
	if (exch_init_start_prep(j->rs_e, j->rs_conn, j->rs_cfg, first,
				 j->rs_waiter.w_fn ? &j->rs_waiter : NULL, NULL, prep, &p))
		restart_schedule(j->rs_e, j->rs_cfg, j->rs_conn, j->rs_mask, j->rs_attempt + 1,
				 j->rs_attempt, &j->rs_waiter);
	else
		memset(&j->rs_waiter, 0, sizeof(j->rs_waiter)); /* the new SA has it */
	restart_free(j);
}

static void restart_later(struct sa_engine *e, struct ike_sa *sa, uint32_t mask, unsigned attempt)
{
	restart_schedule(e, sa->s_cfg, sa->s_conn, mask, attempt, ike_sa_our_spi(sa), NULL);
}

/* A break-before-make reauthentication: the old SA is gone (deleted, or
 * its Delete unanswered); set it up again at once, retried like a restart
 * (keyingtries). Not after a terminate or at shutdown. */
static void reauth_bbm_again(struct sa_engine *e, struct ike_sa *sa, enum sa_end why)
{
	sa->s_reauth_bbm = false;
	if (!e->e_pool || why == SA_END_TERMINATED || why == SA_END_SHUTDOWN) {
		waiter_fail(&sa->s_bbm_waiter, "the IKE SA was terminated");
		return;
	}
	restart_schedule(e, sa->s_cfg, sa->s_conn, sa->s_bbm_mask, 0, ike_sa_our_spi(sa),
			 &sa->s_bbm_waiter);
}

void sa_restart_maybe(struct sa_engine *e, struct ike_sa *sa, enum sa_end why)
{
	const struct model_conn *mc = sa->s_conn ? sa->s_conn->sc_conn : NULL;
	uint32_t mask = 0;

	if (sa->s_reauth_bbm && mc) {
		reauth_bbm_again(e, sa, why);
		return;
	}
	if (!mc || !e->e_pool || sa->s_reauthed || sa->s_replaced || why == SA_END_TERMINATED ||
	    why == SA_END_SHUTDOWN || why == SA_END_PEER_DELETED)
		return;
	if (why == SA_END_DPD) { /* children whose dpd_action is restart */
		for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
			if (c->c_cfg->c_dpd_action == MODEL_ACTION_START)
				mask |= child_bit(mc, c->c_cfg);
		if (mask)
			restart_later(e, sa, mask, 1);
		return;
	}
	if (why < SA_FAIL_MAX && sa->s_restart) {
		mask = sa->s_more_children;
		if (sa->s_first_child)
			mask |= child_bit(mc, sa->s_first_child);
		restart_later(e, sa, mask, sa->s_restarts + 1);
	}
}
