/*
 * CHILD SAs (RFC 7296 1.3, 2.9, 2.17): the offer the initiator puts in
 * IKE_AUTH, the responder's choice (ESP proposal, narrowed selectors,
 * transport mode), KEYMAT and the installation of both SAs and their
 * policies in the data path; and their removal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

/* How long the inbound SA of a replaced child still takes packets
 * (strongSwan's delete_rekeyed_delay idea: packets already in flight). */
#define CHILD_LINGER_MS 2000

/* What the initiator offered, kept until the answer (sa->s_pending). */
struct child_offer {
	const struct model_child *co_cfg;
	uint32_t co_spi; /* our inbound SPI */
	bool co_transport;
	struct ike_pld_ts co_tsi, co_tsr;
};

static void dp_addr_of(const struct sa_ep *ep, struct dp_addr *a)
{
	a->a_family = ep->ep_family;
	memcpy(a->a_addr, ep->ep_addr, 16);
}

static int alloc_spi(struct sa_engine *e, struct ike_sa *sa, uint32_t *spi)
{
	struct dp_addr src, dst;

	if (!e->e_dp) /* no data path (fuzzing): no CHILD SAs */
		return GW_E_STATE;
	dp_addr_of(&sa->s_remote, &src);
	dp_addr_of(&sa->s_local, &dst);
	return dp_spi_alloc(e->e_dp, &src, &dst, spi);
}

static void spi_bytes(uint32_t spi, uint8_t b[4])
{
	b[0] = (uint8_t)(spi >> 24);
	b[1] = (uint8_t)(spi >> 16);
	b[2] = (uint8_t)(spi >> 8);
	b[3] = (uint8_t)spi;
}

static void ts_any(int family, struct ike_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->ts_type = family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	memset(ts->ts_addr_end, 0xff, family == AF_INET ? 4 : 16);
	ts->ts_port_end = 65535;
}

/*
 * Selectors of one side from the config. "dynamic" is the side's address:
 * its virtual IPs when it has some (the responder leased them to the
 * peer, or the gateway gave them to us), "any" of each family while we
 * still ask for one (2.9, 3.15), else its IKE address.
 */
static void ts_list_side(const struct ike_sa *sa, const struct model_ts *m, size_t n, bool local,
			 struct ike_pld_ts *out)
{
	const struct model_end *le = &sa->s_conn->sc_conn->c_local;
	struct sa_ep vips[2];
	size_t nv = (local == sa->s_orig_initiator) ? cp_vips(sa, vips, 2) : 0;

	out->ts_n = 0;
	for (size_t i = 0; i < n && out->ts_n < IKE_MAX_TS; i++) {
		if (!m[i].t_dynamic) {
			sa_ts_from_model(&m[i], &sa->s_local, &out->ts[out->ts_n++]);
		} else if (nv) {
			for (size_t k = 0; k < nv && out->ts_n < IKE_MAX_TS; k++)
				sa_ts_from_model(&m[i], &vips[k], &out->ts[out->ts_n++]);
		} else if (local && sa->s_orig_initiator && le->e_n_vips) {
			for (size_t k = 0; k < le->e_n_vips && out->ts_n < IKE_MAX_TS; k++)
				ts_any(le->e_vip_family[k], &out->ts[out->ts_n++]);
		} else {
			sa_ts_from_model(&m[i], local ? &sa->s_local : &sa->s_remote,
					 &out->ts[out->ts_n++]);
		}
	}
}

/* Initiator: SA, TSi, TSr (and USE_TRANSPORT_MODE) for the first child. */
int child_offer(struct sa_engine *e, struct ike_sa *sa, const struct model_child *cc,
		struct ike_builder *b)
{
	struct child_offer *o = calloc(1, sizeof(*o));
	struct ike_pld_sa offer;
	uint8_t spi[4];
	int r;

	if (!o)
		return GW_E_NOMEM;
	if ((r = alloc_spi(e, sa, &o->co_spi))) {
		free(o);
		return r;
	}
	o->co_cfg = cc;
	o->co_transport = cc->c_mode == MODEL_MODE_TRANSPORT;
	spi_bytes(o->co_spi, spi);
	sa_offer_from_config(cc->c_props, cc->c_n_props, spi, 4, true, &offer);
	ts_list_side(sa, cc->c_local_ts, cc->c_n_local_ts, true, &o->co_tsi);
	ts_list_side(sa, cc->c_remote_ts, cc->c_n_remote_ts, false, &o->co_tsr);
	if (o->co_transport) {
		struct ike_pld_notify n = { .n_type = IKE_N_USE_TRANSPORT_MODE };

		ike_build_notify(b, &n);
	}
	ike_build_sa(b, &offer);
	ike_build_ts(b, IKE_PLD_TSI, &o->co_tsi);
	ike_build_ts(b, IKE_PLD_TSR, &o->co_tsr);
	free(sa->s_pending);
	sa->s_pending = o;
	return 0;
}

/* ---- installation ---- */

static void sa_common(const struct ike_sa *sa, const struct child_sa *c, struct dp_sa *d)
{
	memset(d, 0, sizeof(*d));
	d->sa_mode = c->c_mode;
	d->sa_encr = c->c_encr;
	d->sa_encr_keylen = c->c_encr_keylen;
	d->sa_integ = c->c_integ;
	d->sa_esn = c->c_esn;
	d->sa_reqid = c->c_reqid;
	d->sa_replay_window = c->c_cfg->c_replay_window ? c->c_cfg->c_replay_window
							: sa->s_cfg->cf_settings.gs_replay_window;
	d->sa_lt.l_bytes_soft = c->c_cfg->c_rekey_bytes;
	d->sa_lt.l_bytes_hard = c->c_cfg->c_life_bytes;
	d->sa_lt.l_packets_soft = c->c_cfg->c_rekey_packets;
	d->sa_lt.l_packets_hard = c->c_cfg->c_life_packets;
	d->sa_lt.l_time_soft = c->c_cfg->c_rekey_time;
	d->sa_lt.l_time_hard = c->c_cfg->c_life_time;
}

/* 2.17: KEYMAT = encr_i | integ_i | encr_r | integ_r. The outbound SA
 * waits while c_out_pending (a rekey responder, until the old SA goes). */
static int install_dir(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c, bool want_in,
		       bool want_out);

static int install_sas(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c)
{
	return install_dir(e, sa, c, true, !c->c_out_pending && !c->c_out_removed);
}

static int install_dir(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c, bool want_in,
		       bool want_out)
{
	size_t ek = encr_key_len(c->c_encr, c->c_encr_keylen), ak = integ_key_len(c->c_integ);
	const uint8_t *mine, *theirs;
	struct secret *km;
	struct dp_sa in, out;
	int r;

	/* kept with the child: a peer that moves needs its SAs installed again */
	if (!c->c_km &&
	    (r = keymat_child(sa->s_suite.s_prf, sa->s_keys.k_d, NULL, sa->s_ni, sa->s_ni_len,
			      sa->s_nr, sa->s_nr_len, 2 * (ek + ak), &c->c_km)))
		return r;
	km = c->c_km;
	/* i and r of the exchange that made the child, not of the IKE SA */
	mine = km->data + (c->c_initiator ? 0 : ek + ak);
	theirs = km->data + (c->c_initiator ? ek + ak : 0);
	sa_common(sa, c, &in);
	sa_common(sa, c, &out);
	in.sa_spi = c->c_spi_in;
	in.sa_inbound = true;
	dp_addr_of(&sa->s_remote, &in.sa_src);
	dp_addr_of(&sa->s_local, &in.sa_dst);
	in.sa_enc_key = theirs;
	in.sa_enc_key_len = ek;
	in.sa_int_key = theirs + ek;
	in.sa_int_key_len = ak;
	out.sa_spi = c->c_spi_out;
	dp_addr_of(&sa->s_local, &out.sa_src);
	dp_addr_of(&sa->s_remote, &out.sa_dst);
	out.sa_enc_key = mine;
	out.sa_enc_key_len = ek;
	out.sa_int_key = mine + ek;
	out.sa_int_key_len = ak;
	if (c->c_encap) {
		in.sa_encap_sport = out.sa_encap_dport = sa->s_remote.ep_port;
		in.sa_encap_dport = out.sa_encap_sport = sa->s_local.ep_port;
	}
	if (want_in && (r = dp_sa_add(e->e_dp, &in)))
		return r;
	if (want_out && (r = dp_sa_add(e->e_dp, &out)) && want_in)
		dp_sa_del(e->e_dp, in.sa_spi, &in.sa_dst);
	return want_out ? r : 0;
}

#define MAX_PREFIXES 16

/* Policies for one (local, remote) selector pair in all directions;
 * del removes them instead; with probe, only the reqid an identical
 * outbound policy has now (0: none) is looked up. */
static int policy_pair(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c,
		       const struct ike_ts *l, const struct ike_ts *r, bool del, uint32_t *probe)
{
	uint8_t la[MAX_PREFIXES][16], ra[MAX_PREFIXES][16], lp[MAX_PREFIXES], rp[MAX_PREFIXES];
	size_t n = l->ts_type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
	int nl = sa_range_prefixes(l->ts_addr_start, l->ts_addr_end, n, la, lp, MAX_PREFIXES);
	int nr = sa_range_prefixes(r->ts_addr_start, r->ts_addr_end, n, ra, rp, MAX_PREFIXES);
	struct dp_policy p;
	int rc = 0;

	if (l->ts_type != r->ts_type)
		return 0; /* IPv4 with IPv6: nothing can match both */
	if (nl < 0 || nr < 0)
		return GW_E_RANGE;
	for (int i = 0; i < nl && !rc; i++) {
		for (int k = 0; k < nr && !rc; k++) {
			memset(&p, 0, sizeof(p));
			p.p_sel.s_family = n == 4 ? AF_INET : AF_INET6;
			p.p_sel.s_proto = l->ts_proto ? l->ts_proto : r->ts_proto;
			p.p_mode = c->c_mode;
			p.p_reqid = c->c_reqid;
			p.p_priority = (uint32_t)(2000 - lp[i] - rp[k]); /* narrower first */
			for (int dir = DP_DIR_IN; dir <= DP_DIR_FWD && !rc; dir++) {
				bool out = dir == DP_DIR_OUT;

				if (dir == DP_DIR_FWD && c->c_mode != DP_MODE_TUNNEL)
					continue;
				p.p_dir = (enum dp_dir)dir;
				p.p_sel.s_src.a_family = p.p_sel.s_dst.a_family = p.p_sel.s_family;
				memcpy(p.p_sel.s_src.a_addr, out ? la[i] : ra[k], 16);
				memcpy(p.p_sel.s_dst.a_addr, out ? ra[k] : la[i], 16);
				p.p_sel.s_src_plen = out ? lp[i] : rp[k];
				p.p_sel.s_dst_plen = out ? rp[k] : lp[i];
				dp_addr_of(out ? &sa->s_local : &sa->s_remote, &p.p_tmpl_src);
				dp_addr_of(out ? &sa->s_remote : &sa->s_local, &p.p_tmpl_dst);
				if (probe) {
					if (out)
						return (int)(*probe = sa_policy_reqid(e, &p)) | 1;
				} else if (del) /* remove as much as we can */
					sa_policy_release(e, &p, c->c_uid);
				else
					rc = sa_policy_hold(e, &p, c->c_uid);
			}
		}
	}
	return rc;
}

static int policies(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c, bool del)
{
	int r = 0;

	for (uint8_t i = 0; i < c->c_n_ts_l && !r; i++)
		for (uint8_t k = 0; k < c->c_n_ts_r && !r; k++)
			r = policy_pair(e, sa, c, &c->c_ts_l[i], &c->c_ts_r[k], del, NULL);
	return r;
}

/* A new CHILD SA for traffic that another one (of an IKE SA this one
 * replaces: reauthentication, a peer that connects again) carries now
 * takes its reqid: the policies stay as they are, the data path moves to
 * the newest SA, and no packet meets a moment without a policy. */
static uint32_t reqid_in_use(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c)
{
	uint32_t reqid = 0;

	if (c->c_n_ts_l && c->c_n_ts_r)
		policy_pair(e, sa, c, &c->c_ts_l[0], &c->c_ts_r[0], false, &reqid);
	return reqid;
}

static void child_free(struct child_sa *c)
{
	if (!c)
		return;
	free(c->c_ts_l);
	free(c->c_ts_r);
	secret_free(c->c_km);
	if (c->c_coll_n)
		crypto_wipe(c->c_coll_n, c->c_coll_ni_len + c->c_coll_nr_len);
	free(c->c_coll_n);
	free(c);
}

/* An inbound SA that outlives its CHILD SA for ESP still in flight. */
struct in_linger {
	struct datapath *l_dp;
	uint32_t l_spi;
	struct dp_addr l_dst;
};

static void linger_end(void *arg)
{
	struct in_linger *l = arg;

	dp_sa_del(l->l_dp, l->l_spi, &l->l_dst);
	free(l);
}

/* Hands the removal of c's inbound SA to a timer: at c's own linger end
 * if it has one, else in CHILD_LINGER_MS. False when it cannot. */
static bool linger_in(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c,
		      const struct dp_addr *local)
{
	uint64_t now = pool_now_ms(), ms = CHILD_LINGER_MS;
	struct in_linger *l;

	if (c->c_out_removed)
		ms = c->c_linger_ms > now ? c->c_linger_ms - now : 0;
	if (!ms || !e->e_dp || !(l = malloc(sizeof(*l))))
		return false;
	*l = (struct in_linger){ e->e_dp, c->c_spi_in, *local };
	/* the pool stopping runs linger_end at once: before the data path goes */
	if (pool_timer(e->e_pool, ike_sa_our_spi(sa), (uint32_t)ms, linger_end, linger_end, l)) {
		free(l);
		return false;
	}
	return true;
}

/* keep_in: the inbound SA lingers a moment longer (linger_in). */
static void child_uninstall(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c,
			    bool keep_in)
{
	struct dp_addr local, remote;

	dp_addr_of(&sa->s_local, &local);
	dp_addr_of(&sa->s_remote, &remote);
	if (!c->c_out_removed)
		policies(e, sa, c, true);
	if (!keep_in || !linger_in(e, sa, c, &local))
		dp_sa_del(e->e_dp, c->c_spi_in, &local);
	if (!c->c_out_pending && !c->c_out_removed)
		dp_sa_del(e->e_dp, c->c_spi_out, &remote);
}

static struct ike_ts *ts_dup(const struct ike_pld_ts *t)
{
	struct ike_ts *p = malloc(t->ts_n * sizeof(*p) + 1);

	if (p)
		memcpy(p, t->ts, t->ts_n * sizeof(*p));
	return p;
}

/* Build, install and link a CHILD SA from what both sides agreed. */
struct child_sa *child_sa_establish(struct sa_engine *e, struct ike_sa *sa,
				    const struct child_params *p)
{
	struct child_sa *c = calloc(1, sizeof(*c));
	const struct ike_proposal *chosen = p->cp_chosen;
	char pfx[96], pstr[128];

	if (!c || !(c->c_ts_l = ts_dup(p->cp_ts_l)) || !(c->c_ts_r = ts_dup(p->cp_ts_r))) {
		secret_free(p->cp_km);
		child_free(c);
		return NULL;
	}
	c->c_uid = atomic_fetch_add(&e->e_next_uid, 1) + 1;
	c->c_cfg = p->cp_cfg;
	c->c_mode = p->cp_transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	c->c_encap = sa->s_natt;
	c->c_spi_in = p->cp_spi_in;
	c->c_spi_out = (uint32_t)chosen->pr_spi[0] << 24 | (uint32_t)chosen->pr_spi[1] << 16 |
		       (uint32_t)chosen->pr_spi[2] << 8 | chosen->pr_spi[3];
	c->c_n_ts_l = p->cp_ts_l->ts_n;
	c->c_n_ts_r = p->cp_ts_r->ts_n;
	/* a rekeyed child keeps its reqid: the kernel's inbound policy check
	 * then accepts both the old and the new SA (make-before-break) */
	if (!(c->c_reqid = p->cp_reqid) && !(c->c_reqid = reqid_in_use(e, sa, c)))
		c->c_reqid = atomic_fetch_add(&e->e_next_reqid, 1) + 1;
	c->c_encr = sa_proposal_get(chosen, IKE_XF_ENCR, &c->c_encr_keylen);
	c->c_integ = sa_proposal_get(chosen, IKE_XF_INTEG, NULL);
	c->c_esn = sa_proposal_get(chosen, IKE_XF_ESN, NULL) == IKE_ESN_YES;
	c->c_pfs = p->cp_pfs;
	c->c_km = p->cp_km;
	c->c_out_pending = p->cp_defer_out;
	c->c_rekey_of = p->cp_rekey_of;
	c->c_initiator = p->cp_initiator;
	c->c_installed = (uint64_t)time(NULL);
	if (install_sas(e, sa, c) || policies(e, sa, c, false)) {
		child_uninstall(e, sa, c, false);
		child_free(c);
		return NULL;
	}
	c->c_next = sa->s_children;
	sa->s_children = c;
	sa_reqid_set(e, c->c_reqid, ike_sa_our_spi(sa));
	atomic_fetch_add(&e->e_k.k_child_ok, 1);
	log_info(LOG_SUB_CHILD, "%s: CHILD_SA %s{%u} established, %s, SPIs %08x_i %08x_o, %s%s%s",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), c->c_cfg->c_name, c->c_uid,
		 sa_proposal_str(chosen, pstr, sizeof(pstr)), c->c_spi_in, c->c_spi_out,
		 p->cp_transport ? "transport" : "tunnel", c->c_encap ? " in UDP" : "",
		 c->c_out_pending ? ", outbound held back" : "");
	atomic_fetch_add(&e->e_children, 1);
	child_timers_arm(e, sa, c);
	return c;
}

static int child_establish(struct sa_engine *e, struct ike_sa *sa, const struct model_child *cc,
			   const struct ike_proposal *chosen, uint32_t spi_in, bool transport,
			   const struct ike_pld_ts *ts_l, const struct ike_pld_ts *ts_r)
{
	struct child_params p = { .cp_cfg = cc,
				  .cp_chosen = chosen,
				  .cp_spi_in = spi_in,
				  .cp_transport = transport,
				  .cp_ts_l = ts_l,
				  .cp_ts_r = ts_r,
				  .cp_initiator = sa->s_initiator /* IKE_AUTH */ };
	struct child_sa *c = child_sa_establish(e, sa, &p);

	if (!c)
		return GW_E_NOMEM;
	c->c_announced = true;
	sa_event_child(e, sa, c, true, NULL);
	return 0;
}

void child_sa_delete_all(struct sa_engine *e, struct ike_sa *sa)
{
	while (sa->s_children) {
		struct child_sa *c = sa->s_children;

		sa->s_children = c->c_next;
		if (c->c_state != CHILD_ST_REKEYED && c->c_announced) /* replaced: told */
			sa_event_child(e, sa, c, false, "ike-down");
		/* reauthenticated (its successor holds the reqid): ESP the peer
		 * sent before it switched may still be on its way */
		child_uninstall(e, sa, c, sa_reqid_del(e, c->c_reqid, ike_sa_our_spi(sa)));
		atomic_fetch_sub(&e->e_children, 1);
		child_free(c);
	}
}

/* The peer moved (NAT mapping changed): its SAs follow (2.23). */
void child_sa_update_peer(struct sa_engine *e, struct ike_sa *sa, const struct sa_ep *to)
{
	for (struct child_sa *c = sa->s_children; c; c = c->c_next)
		child_uninstall(e, sa, c, false);
	sa->s_remote = *to;
	for (struct child_sa *c = sa->s_children; c; c = c->c_next) {
		c->c_encap = sa->s_natt; /* the peer may just have floated to 4500 */
		if (install_sas(e, sa, c) || policies(e, sa, c, false))
			log_warn(LOG_SUB_CHILD,
				 "CHILD_SA {%u}: cannot move to the peer's new address", c->c_uid);
	}
}

/* The SA, TSi and TSr payloads of a message; false when one is missing. */
static bool read_child(const struct ike_msg *msg, struct ike_pld_sa *sap, struct ike_pld_ts *tsi,
		       struct ike_pld_ts *tsr)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_SA),
			     *pi = ike_msg_find(msg, IKE_PLD_TSI),
			     *pr = ike_msg_find(msg, IKE_PLD_TSR);
	struct ike_err err;

	return p && pi && pr && !ike_pld_sa_parse(p, sap, &err) &&
	       !ike_pld_ts_parse(pi, tsi, &err) && !ike_pld_ts_parse(pr, tsr, &err);
}

static void notify(struct ike_builder *b, uint16_t type)
{
	struct ike_pld_notify n = { .n_type = type };

	ike_build_notify(b, &n);
}

struct child_pick {
	const struct model_child *cp_cfg;
	struct ike_proposal cp_chosen;
	struct ike_pld_ts cp_l, cp_r; /* our side (TSr), their side (TSi) */
};

/* 2.9: the first child config (or only cfg) whose selectors and
 * proposals both meet the request. Returns 0 or the notify to answer. */
uint16_t child_pick_cfg(const struct ike_sa *sa, const struct model_child *cfg,
			const struct ike_pld_sa *offer, const struct ike_pld_ts *tsi,
			const struct ike_pld_ts *tsr, bool strip_ke, const struct model_child **out,
			struct ike_proposal *chosen, struct ike_pld_ts *ts_l,
			struct ike_pld_ts *ts_r)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	uint16_t why = IKE_N_TS_UNACCEPTABLE;

	for (size_t i = 0; i < c->c_n_children; i++) {
		const struct model_child *cc = &c->c_children[i];
		struct ike_pld_ts ours_l, ours_r;

		if (cfg && cc != cfg)
			continue;
		ts_list_side(sa, cc->c_local_ts, cc->c_n_local_ts, true, &ours_l);
		ts_list_side(sa, cc->c_remote_ts, cc->c_n_remote_ts, false, &ours_r);
		if (sa_ts_narrow(tsr, &ours_l, ts_l) || sa_ts_narrow(tsi, &ours_r, ts_r))
			continue;
		why = IKE_N_NO_PROPOSAL_CHOSEN;
		if (sa_select_proposal(offer, cc->c_props, cc->c_n_props, IKE_PROTO_ESP, strip_ke,
				       chosen))
			continue;
		*out = cc;
		return 0;
	}
	return why;
}

void child_log_refusal(const struct ike_sa *sa, const char *what, uint16_t why,
		       const struct ike_pld_sa *offer)
{
	char pfx[96], offered[400], allowed[400];

	if (why != IKE_N_NO_PROPOSAL_CHOSEN || !offer) {
		log_info(LOG_SUB_CHILD, "%s: %s: %s%s", ike_sa_prefix(sa, pfx, sizeof(pfx)), what,
			 ike_notify_name(why),
			 why == IKE_N_TS_UNACCEPTABLE
				 ? " (the proposed traffic selectors fit no child)"
				 : "");
		return;
	}
	/* what a "policy match error" on the client needs: both sides' lists */
	sa_offer_str(offer, offered, sizeof(offered));
	sa_child_allowed_str(sa->s_conn->sc_conn, allowed, sizeof(allowed));
	log_info(
		LOG_SUB_CHILD,
		"%s: %s: NO_PROPOSAL_CHOSEN (no common ESP proposal: offered %s; allowed here: %s)",
		ike_sa_prefix(sa, pfx, sizeof(pfx)), what, offered, allowed);
}

static uint16_t pick_child(const struct ike_sa *sa, const struct ike_pld_sa *offer,
			   const struct ike_pld_ts *tsi, const struct ike_pld_ts *tsr,
			   struct child_pick *pk)
{
	return child_pick_cfg(sa, NULL, offer, tsi, tsr, true, &pk->cp_cfg, &pk->cp_chosen,
			      &pk->cp_l, &pk->cp_r);
}

void child_respond(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		   struct ike_builder *b)
{
	struct ike_pld_sa *offer = malloc(sizeof(*offer)), answer = { .sa_n = 1 };
	struct ike_pld_ts tsi, tsr;
	struct child_pick pk;
	bool transport = false;
	uint32_t spi = 0;
	uint16_t why;

	if (!offer || !ike_msg_find(msg, IKE_PLD_SA))
		goto out; /* childless (RFC 6023) or out of memory */
	if (!read_child(msg, offer, &tsi, &tsr)) {
		why = IKE_N_TS_UNACCEPTABLE;
	} else if (!(why = pick_child(sa, offer, &tsi, &tsr, &pk))) {
		transport = ike_msg_find_notify(msg, IKE_N_USE_TRANSPORT_MODE) &&
			    pk.cp_cfg->c_mode == MODEL_MODE_TRANSPORT;
		if (alloc_spi(e, sa, &spi) || child_establish(e, sa, pk.cp_cfg, &pk.cp_chosen, spi,
							      transport, &pk.cp_l, &pk.cp_r))
			why = IKE_N_NO_PROPOSAL_CHOSEN;
	}
	if (why) {
		atomic_fetch_add(&e->e_k.k_child_fail, 1);
		child_log_refusal(sa, "no CHILD_SA", why, offer);
		notify(b, why);
		goto out;
	}
	if (transport)
		notify(b, IKE_N_USE_TRANSPORT_MODE);
	answer.sa_prop[0] = pk.cp_chosen;
	spi_bytes(spi, answer.sa_prop[0].pr_spi);
	answer.sa_prop[0].pr_spi_len = 4;
	ike_build_sa(b, &answer);
	ike_build_ts(b, IKE_PLD_TSI, &pk.cp_r);
	ike_build_ts(b, IKE_PLD_TSR, &pk.cp_l);
out:
	free(offer);
}

/* Initiator: the responder's answer to our child offer. Returns the
 * reason it failed, NULL when the child is up (or none was offered). */
const char *child_complete(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	struct child_offer *o = sa->s_pending;
	struct ike_pld_sa *answer = malloc(sizeof(*answer));
	struct ike_proposal chosen;
	struct ike_pld_ts tsi, tsr;
	const char *why = NULL;
	uint16_t nerr = sa_msg_error(msg);
	bool transport;
	char pfx[96];

	if (!o)
		goto out;
	transport = o->co_transport && ike_msg_find_notify(msg, IKE_N_USE_TRANSPORT_MODE);
	if (!answer || !read_child(msg, answer, &tsi, &tsr))
		why = nerr ? ike_notify_name(nerr) : "no SA, TSi or TSr in the answer";
	else if (answer->sa_n != 1 ||
		 sa_select_proposal(answer, o->co_cfg->c_props, o->co_cfg->c_n_props, IKE_PROTO_ESP,
				    true, &chosen) ||
		 chosen.pr_n != answer->sa_prop[0].pr_n || answer->sa_prop[0].pr_spi_len != 4)
		why = "the chosen ESP proposal is not one we offered";
	else if (!sa_ts_within(&tsi, &o->co_tsi) || !sa_ts_within(&tsr, &o->co_tsr))
		why = "the narrowed traffic selectors are not within ours";
	else if (o->co_transport && !transport)
		why = "we asked for transport mode, the peer answered tunnel";
	else if (child_establish(e, sa, o->co_cfg, &chosen, o->co_spi, transport, &tsi, &tsr))
		why = "installing the SAs in the data path failed";
	if (why) {
		struct dp_addr local;

		dp_addr_of(&sa->s_local, &local);
		dp_sa_del(e->e_dp, o->co_spi, &local); /* the SPI we allocated */
		atomic_fetch_add(&e->e_k.k_child_fail, 1);
		log_info(LOG_SUB_CHILD, "%s: CHILD_SA %s failed: %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), o->co_cfg->c_name, why);
	}
	free(sa->s_pending);
	sa->s_pending = NULL;
out:
	free(answer);
	return why;
}

/* The installed child that replaces old_uid (a rekey we answered). */
static struct child_sa *successor(struct ike_sa *sa, uint32_t old_uid)
{
	for (struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_rekey_of == old_uid && c->c_state == CHILD_ST_INSTALLED)
			return c;
	return NULL;
}

bool child_sa_delete_by_out(struct sa_engine *e, struct ike_sa *sa, uint32_t spi_out,
			    uint32_t *spi_in)
{
	struct child_sa *c = child_sa_find_out(sa, spi_out), *next;
	uint32_t uid;

	if (!c)
		return false;
	*spi_in = c->c_spi_in;
	uid = c->c_uid;
	next = successor(sa, uid);
	if (c->c_state != CHILD_ST_REKEYED && !(c->c_state == CHILD_ST_REKEYING && next)) {
		child_sa_remove(e, sa, c, "peer-deleted");
		return true;
	}
	if (c->c_state == CHILD_ST_REKEYING) { /* 2.8.1: the peer's rekey of it won */
		next->c_announced = true;
		sa_event_child_rekeyed(e, sa, uid, next);
	}
	/* 1.3.3, 2.8: the rekey initiator deletes the old SA once the new one
	 * is up. The replacement sends from now on (installed before the old
	 * outbound SA goes: no gap); the old inbound SA lingers for what the
	 * peer sent on it before its Delete, which may still be queued here:
	 * ESP and IKE do not share a socket or a thread. */
	child_sa_promote(e, sa, uid);
	child_sa_retire(e, sa, c);
	return true;
}

/* The SA died with our child offer unanswered: free the SPI we reserved. */
void child_offer_abort(struct sa_engine *e, struct ike_sa *sa)
{
	struct child_offer *o = sa->s_pending;
	struct dp_addr local;

	dp_addr_of(&sa->s_local, &local);
	dp_sa_del(e->e_dp, o->co_spi, &local);
	free(o);
	sa->s_pending = NULL;
}

/* ---- what rekeying needs ---- */

void child_sa_ts_list(const struct ike_sa *sa, const struct model_child *cc, bool local,
		      struct ike_pld_ts *out)
{
	if (local)
		ts_list_side(sa, cc->c_local_ts, cc->c_n_local_ts, true, out);
	else
		ts_list_side(sa, cc->c_remote_ts, cc->c_n_remote_ts, false, out);
}

int child_sa_alloc_spi(struct sa_engine *e, struct ike_sa *sa, uint32_t *spi)
{
	return alloc_spi(e, sa, spi);
}

void child_sa_free_spi(struct sa_engine *e, struct ike_sa *sa, uint32_t spi)
{
	struct dp_addr local;

	if (!e->e_dp || !spi)
		return;
	dp_addr_of(&sa->s_local, &local);
	dp_sa_del(e->e_dp, spi, &local);
}

static bool child_sa_find_reqid(const struct ike_sa *sa, uint32_t reqid)
{
	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_reqid == reqid)
			return true;
	return false;
}

struct child_sa *child_sa_find(struct ike_sa *sa, uint32_t uid)
{
	for (struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_uid == uid)
			return c;
	return NULL;
}

struct child_sa *child_sa_find_out(struct ike_sa *sa, uint32_t spi_out)
{
	for (struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_spi_out == spi_out)
			return c;
	return NULL;
}

int child_sa_install_out(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c)
{
	int r;

	if (!c->c_out_pending)
		return 0;
	c->c_out_pending = false;
	if ((r = install_dir(e, sa, c, false, true)))
		c->c_out_pending = true;
	return r;
}

void child_sa_retire(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c)
{
	struct dp_addr remote;

	c->c_state = CHILD_ST_REKEYED;
	if (c->c_out_removed)
		return;
	dp_addr_of(&sa->s_remote, &remote);
	/* the replacement holds the same policies (policy.c keeps them) */
	policies(e, sa, c, true);
	if (!c->c_out_pending)
		dp_sa_del(e->e_dp, c->c_spi_out, &remote);
	c->c_out_pending = false;
	c->c_out_removed = true;
	c->c_linger_ms = pool_now_ms() + CHILD_LINGER_MS;
	child_timers_arm(e, sa, c);
}

void child_sa_remove(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c, const char *reason)
{
	for (struct child_sa **pp = &sa->s_children; *pp; pp = &(*pp)->c_next) {
		if (*pp != c)
			continue;
		*pp = c->c_next;
		if (reason && c->c_announced) /* not a collision's redundant one */
			sa_event_child(e, sa, c, false, reason);
		child_uninstall(e, sa, c, false);
		atomic_fetch_sub(&e->e_children, 1);
		if (!child_sa_find_reqid(sa, c->c_reqid))
			sa_reqid_del(e, c->c_reqid, ike_sa_our_spi(sa));
		child_free(c);
		return;
	}
}

void child_sa_promote(struct sa_engine *e, struct ike_sa *sa, uint32_t old_uid)
{
	char pfx[96];

	for (struct child_sa *c = sa->s_children; c; c = c->c_next) {
		if (c->c_rekey_of != old_uid || !c->c_out_pending ||
		    c->c_state != CHILD_ST_INSTALLED)
			continue;
		if (child_sa_install_out(e, sa, c))
			log_warn(LOG_SUB_CHILD, "%s: CHILD_SA {%u}: outbound SA install failed",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), c->c_uid);
	}
}
