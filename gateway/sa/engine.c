/*
 * The engine: from a datagram on the receiver thread to an exchange on a
 * worker. The receiver only checks the header and, under load, the cookie
 * (RFC 7296 2.6: no state, no key exchange for a flood); everything else
 * runs on the worker that owns the IKE SA's SPI, with the SA checked out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datapath/datapath.h"
#include "sa/cookie.h"
#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

int sa_engine_new(const char *config_dir, struct p11 *p11, struct sa_engine **out, char *why,
		  size_t why_len)
{
	struct sa_engine *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return GW_E_NOMEM;
	pthread_mutex_init(&e->e_cfg_lock, NULL);
	e->e_rl_refused.rl_burst = 10;
	e->e_config_dir = config_dir;
	e->e_p11 = p11;
	e->e_started = (uint64_t)time(NULL);
	if ((r = sa_config_load(config_dir, ++e->e_cfg_gen, p11, &e->e_cfg, why, why_len)))
		goto fail;
	atomic_store(&e->e_cookie_threshold, e->e_cfg->cf_settings.gs_cookie_threshold);
	if (!(e->e_table = sa_table_new()) || !(e->e_cookie = sa_cookie_new()) ||
	    !(e->e_policies = sa_policies_new()) || vip_new(&e->e_vip) ||
	    eap_rl_new(NULL, &e->e_eap_rl) || !(e->e_reqids = sa_reqids_new())) {
		r = GW_E_NOMEM;
		goto fail;
	}
	if ((r = vip_set_pools(e->e_vip, e->e_cfg->cf_pools))) {
		snprintf(why, why_len, "pools.json: cannot install the pools: %s", gw_strerror(r));
		goto fail;
	}
	if (eap_ctx_new(&e->e_eap_ctx, why, why_len)) /* EAP-MD5 still works without it */
		log_warn(LOG_SUB_AUTH, "EAP unavailable: %s", why);
	else if (!(eap_ctx_methods(e->e_eap_ctx) & EAP_M_MSCHAPV2))
		log_warn(LOG_SUB_AUTH, "EAP-MSCHAPv2 unavailable: %s", why);
	*out = e;
	return 0;
fail:
	sa_engine_free(e);
	return r;
}

void sa_engine_set_net(struct sa_engine *e, struct net *net)
{
	e->e_net = net;
}

void sa_engine_set_pool(struct sa_engine *e, struct pool *pool)
{
	e->e_pool = pool;
}

void sa_engine_set_datapath(struct sa_engine *e, struct datapath *dp)
{
	e->e_dp = dp;
}

void sa_engine_set_events(struct sa_engine *e, sa_event_fn fn, void *arg)
{
	e->e_event = fn;
	e->e_event_arg = arg;
}

void sa_engine_set_event_want(struct sa_engine *e, sa_event_want_fn want)
{
	e->e_event_want = want;
}

const struct gw_settings *sa_engine_settings(struct sa_engine *e)
{
	return &e->e_cfg->cf_settings;
}

struct sa_config *sa_engine_config(struct sa_engine *e)
{
	struct sa_config *c;

	pthread_mutex_lock(&e->e_cfg_lock);
	c = sa_config_ref(e->e_cfg);
	pthread_mutex_unlock(&e->e_cfg_lock);
	return c;
}

void sa_fail_count(struct sa_engine *e, enum sa_end why)
{
	if (why < SA_FAIL_MAX)
		atomic_fetch_add(&e->e_k.k_fail[why], 1);
}

void sa_drop_count(struct sa_engine *e, enum sa_drop why)
{
	atomic_fetch_add(&e->e_k.k_drop[why], 1);
}

/* ---- timers ---- */

struct sa_timer_arg {
	struct sa_engine *ta_e;
	uint64_t ta_spi;
	void (*ta_fn)(struct sa_engine *e, struct ike_sa *sa, uint32_t arg);
	uint32_t ta_arg;
};

static void timer_run(void *arg)
{
	struct sa_timer_arg *t = arg;
	struct ike_sa *sa = sa_table_checkout(t->ta_e->e_table, t->ta_spi);

	if (sa) {
		if (sa->s_state != IKE_ST_DEAD)
			t->ta_fn(t->ta_e, sa, t->ta_arg);
		ike_sa_checkin(t->ta_e, sa);
	}
	free(t);
}

int sa_timer(struct sa_engine *e, struct ike_sa *sa, uint32_t ms,
	     void (*fn)(struct sa_engine *e, struct ike_sa *sa, uint32_t arg), uint32_t arg)
{
	struct sa_timer_arg *t = malloc(sizeof(*t));
	uint64_t spi = ike_sa_our_spi(sa);
	int r;

	if (!t)
		return GW_E_NOMEM;
	*t = (struct sa_timer_arg){ e, spi, fn, arg };
	if ((r = pool_timer(e->e_pool, spi, ms, timer_run, free, t)))
		free(t);
	return r;
}

/* ---- the receive path ---- */

static uint64_t halfopen_key(const struct ike_hdr *h, const struct sa_ep *src)
{
	uint64_t k = h->h_spi_i ^ ((uint64_t)src->ep_port << 32);

	for (int i = 0; i < 16; i++)
		k = (k ^ src->ep_addr[i]) * 0x100000001b3ULL;
	return k;
}

/*
 * 2.6: over the threshold of half-open SAs, an IKE_SA_INIT request must
 * carry a valid cookie; if not, the answer is N(COOKIE), from here, with
 * nothing stored. Returns true when the request may go on.
 */
static bool cookie_gate(struct sa_engine *e, struct net_dgram *d, const struct ike_hdr *h,
			const struct sa_ep *src, const struct sa_ep *dst)
{
	unsigned threshold = atomic_load(&e->e_cookie_threshold);
	uint8_t cookie[SA_COOKIE_MAX];
	size_t len;

	/* the requests queued for the workers become half-open SAs too: a
	 * burst must not slip past the gate before the workers count them */
	if (threshold == 0 ||
	    atomic_load(&e->e_half_open) + atomic_load(&e->e_init_queued) < (int64_t)threshold)
		return true;
	switch (sa_cookie_check(e->e_cookie, d->d_data, d->d_len, src, cookie, &len)) {
	case SA_COOKIE_OK:
		return true;
	case SA_COOKIE_BAD:  /* stale or forged: a fresh one */
	case SA_COOKIE_NONE: /* the first try under load */
		sa_drop_count(e, SA_DROP_COOKIE);
		atomic_fetch_add(&e->e_k.k_cookies_sent, 1);
		sa_send_notify_plain(e, h, src, dst, IKE_N_COOKIE, cookie, len);
		return false;
	default:
		sa_drop_count(e, SA_DROP_MALFORMED);
		return false;
	}
}

static void process(void *arg);

static bool is_init_request(const struct ike_hdr *h)
{
	return h->h_exch == IKE_EXCH_SA_INIT && !(h->h_flags & IKE_FLAG_RESPONSE) &&
	       h->h_spi_r == 0;
}

/* admit() counted this job in e_init_queued (it leaves once it has run,
 * and made its half-open SA or not, or when it could not be queued). */
static bool job_counted(const struct sa_job *j)
{
	struct ike_hdr h;
	struct ike_err err;

	return !ike_hdr_parse(j->j_data, j->j_len, &h, &err) && is_init_request(&h);
}

/* Header check and, under load, the cookie gate, on the receiver thread;
 * the job for a worker, or NULL when the datagram ends here. */
static struct sa_job *admit(struct sa_engine *e, struct net_dgram *d, uint64_t *key)
{
	struct sa_ep src, dst;
	struct ike_err err;
	struct ike_hdr h;
	struct sa_job *j;

	atomic_fetch_add(&e->e_k.k_rx, 1);
	sa_ep_from_sockaddr(&src, &d->d_src);
	sa_ep_from_sockaddr(&dst, &d->d_dst);
	if (ike_hdr_parse(d->d_data, d->d_len, &h, &err)) {
		sa_drop_count(e,
			      err.e_code == GW_E_UNSUP ? SA_DROP_UNSUPPORTED : SA_DROP_MALFORMED);
		sa_log_refused(e, &src, d->d_len, &err);
		return NULL;
	}
	if (is_init_request(&h)) {
		if (!cookie_gate(e, d, &h, &src, &dst))
			return NULL;
		*key = halfopen_key(&h, &src);
	} else {
		*key = (h.h_flags & IKE_FLAG_INITIATOR) ? h.h_spi_r : h.h_spi_i;
	}
	if (!(j = malloc(sizeof(*j) + d->d_len))) {
		sa_drop_count(e, SA_DROP_QUEUE_FULL);
		return NULL;
	}
	*j = (struct sa_job){ e, src, dst, d->d_natt, d->d_len };
	memcpy(j->j_data, d->d_data, d->d_len);
	if (is_init_request(&h))
		atomic_fetch_add(&e->e_init_queued, 1);
	return j;
}

void sa_engine_input(void *arg, struct net_dgram *d)
{
	struct sa_engine *e = arg;
	struct sa_job *j;
	uint64_t key;

	if (!(j = admit(e, d, &key)))
		return;
	if (pool_submit(e->e_pool, key, process, j)) {
		sa_drop_count(e, SA_DROP_QUEUE_FULL);
		if (job_counted(j))
			atomic_fetch_sub(&e->e_init_queued, 1);
		free(j);
	}
}

void sa_engine_input_sync(struct sa_engine *e, struct net_dgram *d)
{
	struct sa_job *j;
	uint64_t key;

	if ((j = admit(e, d, &key)))
		process(j);
}

void sa_engine_esp_input(void *arg, struct net_dgram *d)
{
	struct sa_engine *e = arg;
	struct sa_ep src, dst;
	struct dp_addr s, t;

	if (!e->e_dp)
		return;
	sa_ep_from_sockaddr(&src, &d->d_src);
	sa_ep_from_sockaddr(&dst, &d->d_dst);
	s.a_family = src.ep_family;
	memcpy(s.a_addr, src.ep_addr, 16);
	t.a_family = dst.ep_family;
	memcpy(t.a_addr, dst.ep_addr, 16);
	dp_esp_input_udp(e->e_dp, d->d_data, d->d_len, &s, src.ep_port, &t, dst.ep_port);
}

/* 2.5: an unknown critical payload in a request is answered with
 * UNSUPPORTED_CRITICAL_PAYLOAD naming its type; only IKE_SA_INIT can be
 * answered unprotected like this. */
static void refuse_critical(struct sa_engine *e, struct sa_job *j, const struct ike_err *err)
{
	struct ike_hdr h;
	struct ike_err e2;
	uint8_t type = err->e_pld;

	if (ike_hdr_parse(j->j_data, j->j_len, &h, &e2) || h.h_exch != IKE_EXCH_SA_INIT ||
	    (h.h_flags & IKE_FLAG_RESPONSE))
		return;
	sa_send_notify_plain(e, &h, &j->j_src, &j->j_dst, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &type,
			     1);
}

/* Anybody can send garbage at any rate: the log line is rate-limited. */
void sa_log_refused(struct sa_engine *e, const struct sa_ep *from, size_t len,
		    const struct ike_err *err)
{
	char addr[64], ebuf[160];
	unsigned missed;

	if (!log_rl_allow(&e->e_rl_refused, &missed))
		return;
	log_info(LOG_SUB_IKE, "%s: refused %zu bytes: %s%s", sa_ep_str(from, addr, sizeof(addr)),
		 len, ike_err_str(err, ebuf, sizeof(ebuf)),
		 missed ? " (more refusals not logged)" : "");
}

static void process_job(struct sa_job *j);

static void process(void *arg)
{
	struct sa_job *j = arg;
	struct sa_engine *e = j->j_e;
	bool counted = job_counted(j);

	process_job(j); /* frees j */
	if (counted)
		atomic_fetch_sub(&e->e_init_queued, 1);
}

static void process_job(struct sa_job *j)
{
	struct sa_engine *e = j->j_e;
	struct ike_msg msg;
	struct ike_err err;
	struct ike_sa *sa;
	uint64_t ours;

	if (ike_msg_parse(j->j_data, j->j_len, &msg, &err)) {
		sa_drop_count(e,
			      err.e_code == GW_E_UNSUP ? SA_DROP_UNSUPPORTED : SA_DROP_MALFORMED);
		sa_log_refused(e, &j->j_src, j->j_len, &err);
		if (err.e_code == GW_E_CRITICAL)
			refuse_critical(e, j, &err);
		goto out;
	}
	if (msg.m_hdr.h_exch == IKE_EXCH_SA_INIT && !(msg.m_hdr.h_flags & IKE_FLAG_RESPONSE) &&
	    msg.m_hdr.h_spi_r == 0) {
		exch_init_request_in(e, j, &msg);
		goto out;
	}
	ours = (msg.m_hdr.h_flags & IKE_FLAG_INITIATOR) ? msg.m_hdr.h_spi_r : msg.m_hdr.h_spi_i;
	if (!(sa = sa_table_checkout(e->e_table, ours))) {
		char from[64];

		log_debug(LOG_SUB_IKE, "%s: no IKE SA with SPI %016llx, %s dropped",
			  sa_ep_str(&j->j_src, from, sizeof(from)), (unsigned long long)ours,
			  ike_exch_name(msg.m_hdr.h_exch));
		sa_drop_count(e, SA_DROP_UNKNOWN_SPI);
		goto out;
	}
	if (sa->s_state != IKE_ST_DEAD)
		sa_input(e, sa, j, &msg);
	ike_sa_checkin(e, sa);
out:
	free(j);
}

int sa_engine_start(struct sa_engine *e)
{
	struct sa_config *cf = sa_engine_config(e);

	for (size_t i = 0; i < cf->cf_n; i++) {
		const struct model_conn *c = cf->cf_conns[i].sc_conn;

		for (size_t k = 0; k < c->c_n_children; k++) {
			if (c->c_children[k].c_start_action == MODEL_ACTION_START) {
				exch_init_start(e, &cf->cf_conns[i], cf, &c->c_children[k], NULL,
						NULL);
				break;
			}
		}
	}
	sa_config_unref(cf);
	return 0;
}

/* Tell every peer we go (best effort: no waiting for answers) and remove
 * every SA from the data path. Net and pool must still run. */
void sa_engine_shutdown(struct sa_engine *e)
{
	uint64_t *spis;
	size_t n = sa_table_spis(e->e_table, &spis);

	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = sa_table_checkout(e->e_table, spis[i]);

		if (!sa)
			continue;
		if (sa->s_state == IKE_ST_ESTABLISHED)
			exch_info_delete_ike(e, sa);
		ike_sa_kill(e, sa, SA_END_SHUTDOWN, "shutting down");
		ike_sa_checkin(e, sa);
	}
	free(spis);
}

void sa_engine_free(struct sa_engine *e)
{
	if (!e)
		return;
	sa_table_free(e->e_table, NULL);
	sa_cookie_free(e->e_cookie);
	sa_policies_free(e->e_policies);
	sa_reqids_free(e->e_reqids);
	eap_ctx_free(e->e_eap_ctx);
	eap_rl_free(e->e_eap_rl);
	vip_free(e->e_vip);
	sa_config_unref(e->e_cfg);
	pthread_mutex_destroy(&e->e_cfg_lock);
	free(e);
}
