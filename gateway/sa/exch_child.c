/*
 * CREATE_CHILD_SA for CHILD SAs (RFC 7296 1.3.1, 1.3.3, 2.8, 2.17): a new
 * CHILD SA on an established IKE SA, and the rekey of one (N(REKEY_SA)
 * with the old SA's SPI, optionally a fresh key exchange for PFS), in
 * both roles. Make-before-break: the rekey initiator installs the new
 * pair and then deletes the old one; the responder installs the new
 * inbound SA at once and the outbound one when the old pair is deleted,
 * so nothing arrives on an SPI the other side does not know yet.
 * Collisions (2.8.1, 2.25.1) follow the lowest-nonce rule. IKE SA rekeys
 * are in rekey.c. Caller holds checkout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

#define MAX_KE_RETRIES 2

static void spi_bytes(uint32_t spi, uint8_t b[4])
{
	b[0] = (uint8_t)(spi >> 24);
	b[1] = (uint8_t)(spi >> 16);
	b[2] = (uint8_t)(spi >> 8);
	b[3] = (uint8_t)spi;
}

/* The first KE group of the ESP proposals: PFS (1.3.1), 0 without. */
static uint16_t pfs_group(const struct model_proposal *props, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (uint8_t k = 0; k < props[i].mp_prop.p_n; k++)
			if (props[i].mp_prop.p_xf[k].x_type == IKE_XF_KE &&
			    props[i].mp_prop.p_xf[k].x_id != IKE_KE_NONE)
				return props[i].mp_prop.p_xf[k].x_id;
	return 0;
}

static bool props_have_group(const struct model_proposal *props, size_t n, uint16_t g)
{
	for (size_t i = 0; i < n; i++)
		for (uint8_t k = 0; k < props[i].mp_prop.p_n; k++)
			if (props[i].mp_prop.p_xf[k].x_type == IKE_XF_KE &&
			    props[i].mp_prop.p_xf[k].x_id == g)
				return true;
	return false;
}

void ccs_req_free(struct sa_engine *e, struct ike_sa *sa)
{
	struct ccs_req *q = sa->s_ccs;

	if (!q)
		return;
	if (q->q_spi)
		child_sa_free_spi(e, sa, q->q_spi);
	ke_free(q->q_ke);
	crypto_wipe(q->q_ni, sizeof(q->q_ni));
	free(q);
	sa->s_ccs = NULL;
}

int ccs_req_new(struct sa_engine *e, struct ike_sa *sa, uint8_t kind, uint16_t group)
{
	struct ccs_req *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return GW_E_NOMEM;
	ccs_req_free(e, sa);
	sa->s_ccs = q;
	q->q_kind = kind;
	q->q_group = group;
	if ((r = crypto_random_public(q->q_ni, sizeof(q->q_ni))) ||
	    (group && (r = ke_new(group, &q->q_ke))) ||
	    (kind != SA_TASK_IKE_REKEY && (r = child_sa_alloc_spi(e, sa, &q->q_spi))))
		ccs_req_free(e, sa);
	return r;
}

static void build_ke(struct ike_builder *b, const struct ke *ke, uint16_t group)
{
	struct ike_pld_ke kp = { .ke_group = group };

	kp.ke_data = ke_public(ke, &kp.ke_len);
	ike_build_ke(b, &kp);
}

/* 1.3.1 / 1.3.3: [N(REKEY_SA)], [N(USE_TRANSPORT_MODE)], SA, Ni, [KEi],
 * TSi, TSr. */
static int child_request_send(struct sa_engine *e, struct ike_sa *sa)
{
	struct ccs_req *q = sa->s_ccs;
	const struct model_child *cc = q->q_cfg;
	struct ike_pld_sa *offer = malloc(sizeof(*offer));
	struct ike_pld_nonce ni = { q->q_ni, sizeof(q->q_ni) };
	struct child_sa *old = q->q_old ? child_sa_find(sa, q->q_old) : NULL;
	struct ike_builder b;
	struct writer wr;
	uint8_t spi[4], ospi[4];
	int r;

	if (!offer)
		return GW_E_NOMEM;
	sa_inner_begin(&b, &wr);
	if (old) { /* the SPI we expect in its inbound packets (1.3.3) */
		struct ike_pld_notify n = { .n_proto = IKE_PROTO_ESP,
					    .n_spi_len = 4,
					    .n_spi = ospi,
					    .n_type = IKE_N_REKEY_SA };

		spi_bytes(old->c_spi_in, ospi);
		ike_build_notify(&b, &n);
	}
	if (q->q_transport) {
		struct ike_pld_notify n = { .n_type = IKE_N_USE_TRANSPORT_MODE };

		ike_build_notify(&b, &n);
	}
	spi_bytes(q->q_spi, spi);
	sa_offer_from_config(cc->c_props, cc->c_n_props, spi, 4, false, offer);
	ike_build_sa(&b, offer);
	ike_build_nonce(&b, &ni);
	if (q->q_ke)
		build_ke(&b, q->q_ke, q->q_group);
	ike_build_ts(&b, IKE_PLD_TSI, &q->q_tsi);
	ike_build_ts(&b, IKE_PLD_TSR, &q->q_tsr);
	free(offer);
	r = sa_send_request(e, sa, IKE_EXCH_CREATE_CHILD_SA, &b);
	return r;
}

/* The selectors to ask for: the old child's (a rekey keeps them), else
 * the configuration's. */
static void request_ts(struct ike_sa *sa, const struct child_sa *old, struct ccs_req *q)
{
	const struct model_child *cc = q->q_cfg;

	if (old) {
		q->q_tsi.ts_n = old->c_n_ts_l;
		memcpy(q->q_tsi.ts, old->c_ts_l, old->c_n_ts_l * sizeof(*old->c_ts_l));
		q->q_tsr.ts_n = old->c_n_ts_r;
		memcpy(q->q_tsr.ts, old->c_ts_r, old->c_n_ts_r * sizeof(*old->c_ts_r));
		return;
	}
	child_sa_ts_list(sa, cc, true, &q->q_tsi);
	child_sa_ts_list(sa, cc, false, &q->q_tsr);
}

int exch_child_start(struct sa_engine *e, struct ike_sa *sa, struct sa_task *t)
{
	struct child_sa *old = NULL;
	const struct model_child *cc = t->t_cfg;
	uint16_t group;
	char pfx[96];
	int r;

	if (t->t_type == SA_TASK_CHILD_REKEY) {
		if (!(old = child_sa_find(sa, t->t_child)) || old->c_state != CHILD_ST_INSTALLED ||
		    old->c_out_pending)
			return GW_E_NOTFOUND; /* gone, or already being replaced */
		cc = old->c_cfg;
	}
	group = old && old->c_pfs ? old->c_pfs : pfs_group(cc->c_props, cc->c_n_props);
	if ((r = ccs_req_new(e, sa, t->t_type, group)))
		return r;
	sa->s_ccs->q_old = old ? old->c_uid : 0;
	sa->s_ccs->q_cfg = cc;
	sa->s_ccs->q_transport =
		old ? old->c_mode == DP_MODE_TRANSPORT : cc->c_mode == MODEL_MODE_TRANSPORT;
	request_ts(sa, old, sa->s_ccs);
	if ((r = child_request_send(e, sa))) {
		ccs_req_free(e, sa);
		return r;
	}
	if (old) {
		old->c_state = CHILD_ST_REKEYING;
		log_info(LOG_SUB_CHILD, "%s: rekeying CHILD_SA %s{%u}%s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), cc->c_name, old->c_uid,
			 group ? " with PFS" : "");
	} else {
		log_info(LOG_SUB_CHILD, "%s: creating CHILD_SA %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), cc->c_name);
	}
	return 0;
}

/* 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr). */
static int child_keymat(const struct ike_sa *sa, const struct ike_proposal *chosen,
			const struct secret *shared, const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, struct secret **km)
{
	uint16_t keylen, encr = sa_proposal_get(chosen, IKE_XF_ENCR, &keylen);
	size_t ek = encr_key_len(encr, keylen),
	       ak = integ_key_len(sa_proposal_get(chosen, IKE_XF_INTEG, NULL));

	return keymat_child(sa->s_suite.s_prf, sa->s_keys.k_d, shared, ni, ni_len, nr, nr_len,
			    2 * (ek + ak), km);
}

/* The pieces of a CREATE_CHILD_SA message for a CHILD SA. */
struct ccs_msg {
	struct ike_pld_sa m_sa;
	struct ike_pld_nonce m_n;
	struct ike_pld_ke m_ke;
	bool m_has_ke;
	struct ike_pld_ts m_tsi, m_tsr;
	bool m_transport;
	bool m_rekey;
	uint32_t m_rekey_spi;
};

static int read_ccs(const struct ike_msg *msg, struct ccs_msg *m, bool need_ts)
{
	const struct ike_pld *p;
	struct ike_pld_notify n;
	struct ike_err err;

	memset(m, 0, sizeof(*m));
	if (!(p = ike_msg_find(msg, IKE_PLD_SA)) || ike_pld_sa_parse(p, &m->m_sa, &err) ||
	    !(p = ike_msg_find(msg, IKE_PLD_NONCE)) || ike_pld_nonce_parse(p, &m->m_n, &err) ||
	    m->m_n.n_len < 16 || m->m_n.n_len > 256) /* 2.10 */
		return GW_E_PARSE;
	if ((p = ike_msg_find(msg, IKE_PLD_KE))) {
		if (ike_pld_ke_parse(p, &m->m_ke, &err))
			return GW_E_PARSE;
		m->m_has_ke = true;
	}
	if (need_ts &&
	    (!(p = ike_msg_find(msg, IKE_PLD_TSI)) || ike_pld_ts_parse(p, &m->m_tsi, &err) ||
	     !(p = ike_msg_find(msg, IKE_PLD_TSR)) || ike_pld_ts_parse(p, &m->m_tsr, &err)))
		return GW_E_PARSE;
	m->m_transport = ike_msg_find_notify(msg, IKE_N_USE_TRANSPORT_MODE) != NULL;
	if ((p = ike_msg_find_notify(msg, IKE_N_REKEY_SA)) && !ike_pld_notify_parse(p, &n, &err)) {
		if (n.n_proto != IKE_PROTO_ESP || n.n_spi_len != 4)
			return GW_E_PARSE;
		m->m_rekey = true;
		m->m_rekey_spi = (uint32_t)n.n_spi[0] << 24 | (uint32_t)n.n_spi[1] << 16 |
				 (uint32_t)n.n_spi[2] << 8 | n.n_spi[3];
	}
	return 0;
}

/* The shared secret of the exchange's key exchange, when the chosen
 * proposal has one; GW_E_INVAL when the KE payload is missing or of
 * another group (the responder then answers INVALID_KE_PAYLOAD). */
static int pfs_shared(struct ke *mine, const struct ccs_msg *m, uint16_t group,
		      struct secret **shared)
{
	*shared = NULL;
	if (!group)
		return 0;
	if (!m->m_has_ke || m->m_ke.ke_group != group || !mine)
		return GW_E_INVAL;
	return ke_derive(mine, m->m_ke.ke_data, m->m_ke.ke_len, shared);
}

void sa_refuse_notify(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		      uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_pld_notify n = { .n_type = type, .n_data = data, .n_len = len };
	struct ike_builder b;
	struct writer wr;

	sa_inner_begin(&b, &wr);
	ike_build_notify(&b, &n);
	sa_send_response(e, sa, msg->m_hdr.h_exch, msg->m_hdr.h_msgid, &b);
}

/* child-rekeyed for c (6.1); from then on its end is a child-down. */
static void announce_rekeyed(struct sa_engine *e, struct ike_sa *sa, uint32_t old_uid,
			     struct child_sa *c)
{
	if (!c)
		return;
	c->c_announced = true;
	sa_event_child_rekeyed(e, sa, old_uid, c);
}

/* ---- responder ---- */

struct ccs_answer {
	const struct model_child *a_cfg;
	struct ike_proposal a_chosen;
	struct ike_pld_ts a_l, a_r;
	uint8_t a_nr[SA_NONCE_LEN];
	struct ke *a_ke;
	uint16_t a_group;
	uint32_t a_spi;
};

static void answer_send(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
			struct ccs_answer *a, bool transport)
{
	struct ike_pld_sa *ans = calloc(1, sizeof(*ans));
	struct ike_pld_nonce nr = { a->a_nr, sizeof(a->a_nr) };
	struct ike_builder b;
	struct writer wr;

	if (!ans)
		return;
	sa_inner_begin(&b, &wr);
	if (transport) {
		struct ike_pld_notify n = { .n_type = IKE_N_USE_TRANSPORT_MODE };

		ike_build_notify(&b, &n);
	}
	ans->sa_n = 1;
	ans->sa_prop[0] = a->a_chosen;
	spi_bytes(a->a_spi, ans->sa_prop[0].pr_spi);
	ans->sa_prop[0].pr_spi_len = 4;
	ike_build_sa(&b, ans);
	ike_build_nonce(&b, &nr);
	if (a->a_ke)
		build_ke(&b, a->a_ke, a->a_group);
	ike_build_ts(&b, IKE_PLD_TSI, &a->a_r);
	ike_build_ts(&b, IKE_PLD_TSR, &a->a_l);
	free(ans);
	sa_send_response(e, sa, IKE_EXCH_CREATE_CHILD_SA, msg->m_hdr.h_msgid, &b);
}

/* Why a CHILD request cannot be served now, 0 when it can (2.25). */
static uint16_t child_request_blocked(struct ike_sa *sa, const struct ccs_msg *m,
				      struct child_sa **old)
{
	*old = NULL;
	if (sa->s_state != IKE_ST_ESTABLISHED || sa->s_replaced ||
	    (sa->s_task && sa->s_task->t_type == SA_TASK_IKE_REKEY))
		return IKE_N_TEMPORARY_FAILURE; /* 2.25.2 */
	if (!m->m_rekey)
		return 0;
	if (!(*old = child_sa_find_out(sa, m->m_rekey_spi)))
		return IKE_N_CHILD_SA_NOT_FOUND;
	if ((*old)->c_state == CHILD_ST_DELETING || (*old)->c_state == CHILD_ST_REKEYED)
		return IKE_N_TEMPORARY_FAILURE; /* 2.25.1: we are closing it */
	return 0;
}

static void log_refused(struct ike_sa *sa, const char *what, uint16_t why,
			const struct ike_pld_sa *offer)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "CREATE_CHILD_SA (%s) refused", what);
	child_log_refusal(sa, buf, why, offer);
}

/* Choose, key and install; 0 or the notify to refuse with. */
static uint16_t child_accept(struct sa_engine *e, struct ike_sa *sa, const struct ccs_msg *m,
			     struct child_sa *old, struct ccs_answer *a, uint32_t *new_uid)
{
	struct child_params p = { 0 };
	struct secret *shared = NULL, *km = NULL;
	struct child_sa *c;
	uint16_t why;

	why = child_pick_cfg(sa, old ? old->c_cfg : NULL, &m->m_sa, &m->m_tsi, &m->m_tsr, false,
			     &a->a_cfg, &a->a_chosen, &a->a_l, &a->a_r);
	if (why)
		return why;
	if ((a->a_group = sa_proposal_get(&a->a_chosen, IKE_XF_KE, NULL)) == IKE_KE_NONE)
		a->a_group = 0;
	if (a->a_group && (!m->m_has_ke || m->m_ke.ke_group != a->a_group))
		return IKE_N_INVALID_KE_PAYLOAD;
	if (crypto_random_public(a->a_nr, sizeof(a->a_nr)) ||
	    (a->a_group && ke_new(a->a_group, &a->a_ke)) ||
	    (a->a_group && ke_derive(a->a_ke, m->m_ke.ke_data, m->m_ke.ke_len, &shared)))
		return a->a_group && a->a_ke ? IKE_N_INVALID_KE_PAYLOAD : IKE_N_NO_PROPOSAL_CHOSEN;
	why = child_keymat(sa, &a->a_chosen, shared, m->m_n.n_data, m->m_n.n_len, a->a_nr,
			   sizeof(a->a_nr), &km) ||
			      child_sa_alloc_spi(e, sa, &a->a_spi)
		      ? IKE_N_NO_PROPOSAL_CHOSEN
		      : 0;
	secret_free(shared);
	if (why) {
		secret_free(km);
		return why;
	}
	p.cp_cfg = a->a_cfg;
	p.cp_chosen = &a->a_chosen;
	p.cp_spi_in = a->a_spi;
	p.cp_transport = m->m_transport && a->a_cfg->c_mode == MODEL_MODE_TRANSPORT;
	p.cp_ts_l = &a->a_l;
	p.cp_ts_r = &a->a_r;
	p.cp_reqid = old ? old->c_reqid : 0;
	p.cp_km = km;
	p.cp_pfs = a->a_group;
	p.cp_defer_out = old != NULL; /* until the initiator deletes the old pair */
	p.cp_rekey_of = old ? old->c_uid : 0;
	if (!(c = child_sa_establish(e, sa, &p))) {
		child_sa_free_spi(e, sa, a->a_spi);
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	*new_uid = c->c_uid;
	return 0;
}

/* 2.8.1: our own rekey of old is out too; remember the peer's exchange
 * (its Ni, our Nr) to find the redundant SA when ours completes. */
static void note_collision(struct child_sa *old, uint32_t uid, const struct ccs_msg *m,
			   const uint8_t *nr, size_t nr_len)
{
	uint8_t *n = malloc(m->m_n.n_len + nr_len);

	if (!n)
		return;
	memcpy(n, m->m_n.n_data, m->m_n.n_len);
	memcpy(n + m->m_n.n_len, nr, nr_len);
	free(old->c_coll_n);
	old->c_coll_n = n;
	old->c_coll_ni_len = m->m_n.n_len;
	old->c_coll_nr_len = nr_len;
	old->c_collision = uid;
}

static void child_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct ccs_answer *a = calloc(1, sizeof(*a));
	struct ccs_msg *m = malloc(sizeof(*m));
	struct child_sa *old, *c;
	uint32_t uid = 0, old_uid;
	uint16_t why;
	uint8_t g[2];

	bool read_failed = !a || !m || read_ccs(msg, m, true);

	if (read_failed) {
		why = !a || !m ? IKE_N_TEMPORARY_FAILURE : IKE_N_INVALID_SYNTAX;
	} else if (!(why = child_request_blocked(sa, m, &old))) {
		why = child_accept(e, sa, m, old, a, &uid);
	}
	if (why) {
		log_refused(sa, m && m->m_rekey ? "CHILD rekey" : "new CHILD", why,
			    m && !read_failed ? &m->m_sa : NULL);
		g[0] = (uint8_t)(a ? a->a_group >> 8 : 0);
		g[1] = (uint8_t)(a ? a->a_group : 0);
		sa_refuse_notify(e, sa, msg, why, why == IKE_N_INVALID_KE_PAYLOAD ? g : NULL,
				 why == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
		if (why != IKE_N_TEMPORARY_FAILURE)
			atomic_fetch_add(&e->e_k.k_child_fail, 1);
		goto out;
	}
	answer_send(e, sa, msg, a, m->m_transport && a->a_cfg->c_mode == MODEL_MODE_TRANSPORT);
	c = child_sa_find(sa, uid);
	if (!old) {
		c->c_announced = true;
		sa_event_child(e, sa, c, true, NULL);
		goto out;
	}
	old_uid = old->c_uid;
	if (old->c_state == CHILD_ST_REKEYING) {
		note_collision(old, uid, m, a->a_nr, sizeof(a->a_nr));
	} else {
		old->c_state = CHILD_ST_REKEYED;
		announce_rekeyed(e, sa, old_uid, c);
	}
out:
	if (a) {
		ke_free(a->a_ke);
		crypto_wipe(a->a_nr, sizeof(a->a_nr));
	}
	free(a);
	free(m);
}

void exch_child_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_SA);
	struct ike_pld_sa *sap = malloc(sizeof(*sap));
	struct ike_err err;
	bool ike = false;

	/* 1.3.2: an SA payload of IKE proposals rekeys the IKE SA */
	if (sap && p && !ike_pld_sa_parse(p, sap, &err))
		ike = sap->sa_n && sap->sa_prop[0].pr_proto == IKE_PROTO_IKE;
	free(sap);
	if (ike)
		ike_rekey_request_in(e, sa, msg);
	else
		child_request_in(e, sa, msg);
}

/* ---- initiator: the answer ---- */

bool ccs_follow_invalid_ke(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
			   const struct model_proposal *props, size_t n_props)
{
	struct ccs_req *q = sa->s_ccs;
	const struct ike_pld *p = ike_msg_find_notify(msg, IKE_N_INVALID_KE_PAYLOAD);
	struct ike_pld_notify n;
	struct ike_err err;
	uint16_t g;

	if (!p || ike_pld_notify_parse(p, &n, &err) || n.n_len != 2 ||
	    ++q->q_ke_retries > MAX_KE_RETRIES)
		return false;
	g = (uint16_t)(n.n_data[0] << 8 | n.n_data[1]);
	if (g == q->q_group || !props_have_group(props, n_props, g))
		return false;
	ke_free(q->q_ke);
	q->q_ke = NULL;
	q->q_group = g;
	if (ke_new(g, &q->q_ke))
		return false;
	return q->q_kind == SA_TASK_IKE_REKEY ? !ike_rekey_start(e, sa)
					      : !child_request_send(e, sa);
}

static json_t *pair_json(uint32_t old_uid, uint32_t uid)
{
	return json_pack("{s:[], s:[{s:I, s:o}]}", "ike_sas", "child_sas", "old_uid",
			 (json_int_t)old_uid, "uid", uid ? json_integer(uid) : json_null());
}

static json_t *created_json(const struct ike_sa *sa, const struct child_sa *c)
{
	return json_pack("{s:I, s:s, s:s, s:[{s:s, s:I, s:s}]}", "ike_uid", (json_int_t)sa->s_uid,
			 "conn", sa->s_conn->sc_conn->c_name, "state", "ESTABLISHED", "children",
			 "name", c->c_cfg->c_name, "uid", (json_int_t)c->c_uid, "state",
			 "INSTALLED");
}

/* The child our request rekeys; NULL when the peer deleted it meanwhile
 * (2.25.1; it may linger a moment for ESP in flight, child.c). */
static struct child_sa *rekey_old(struct ike_sa *sa, const struct ccs_req *q)
{
	struct child_sa *old = q->q_old ? child_sa_find(sa, q->q_old) : NULL;

	return old && !old->c_out_removed ? old : NULL;
}

/* The answer is refused: what becomes of the task. */
static void child_refused(struct sa_engine *e, struct ike_sa *sa, uint16_t nerr)
{
	struct ccs_req *q = sa->s_ccs;
	struct child_sa *old = rekey_old(sa, q);
	const struct model_child *cfg = q->q_cfg;
	char msg[128];

	snprintf(msg, sizeof(msg), "peer refused CREATE_CHILD_SA: %s",
		 nerr ? ike_notify_name(nerr) : "unusable answer");
	ccs_req_free(e, sa);
	if (old && old->c_state == CHILD_ST_REKEYING && old->c_collision &&
	    child_sa_find(sa, old->c_collision)) {
		/* 2.8.1: the peer's rekey of it went through: that one stays */
		old->c_state = CHILD_ST_REKEYED;
		announce_rekeyed(e, sa, old->c_uid, child_sa_find(sa, old->c_collision));
		sa_task_done(e, sa, NULL, NULL, pair_json(old->c_uid, old->c_collision));
		return;
	}
	if (old && old->c_state == CHILD_ST_REKEYING)
		old->c_state = CHILD_ST_INSTALLED;
	if (old && nerr == IKE_N_CHILD_SA_NOT_FOUND) {
		/* the peer lost it: ours goes, a fresh one replaces it */
		child_sa_remove(e, sa, old, "peer-deleted");
		sa_task_done(e, sa, "child-failed", msg, NULL);
		sa_task_add(e, sa, SA_TASK_CHILD_CREATE, 0, cfg, NULL);
		return;
	}
	if (nerr == IKE_N_TEMPORARY_FAILURE ||
	    (old && nerr != IKE_N_NO_PROPOSAL_CHOSEN && nerr != IKE_N_TS_UNACCEPTABLE)) {
		sa_task_retry(e, sa, "child-failed", msg);
		return;
	}
	atomic_fetch_add(&e->e_k.k_child_fail, 1);
	sa_task_done(e, sa, "child-failed", msg, NULL);
}

/* Check the responder's choice against our request; NULL when fine. */
static const char *check_answer(const struct ccs_req *q, const struct ccs_msg *m,
				struct ike_proposal *chosen)
{
	const struct model_child *cc = q->q_cfg;

	if (m->m_sa.sa_n != 1 ||
	    sa_select_proposal(&m->m_sa, cc->c_props, cc->c_n_props, IKE_PROTO_ESP, false,
			       chosen) ||
	    chosen->pr_n != m->m_sa.sa_prop[0].pr_n || m->m_sa.sa_prop[0].pr_spi_len != 4)
		return "the chosen ESP proposal is not one we offered";
	if (!sa_ts_within(&m->m_tsi, &q->q_tsi) || !sa_ts_within(&m->m_tsr, &q->q_tsr))
		return "the narrowed traffic selectors are not within ours";
	if (q->q_transport && !m->m_transport)
		return "we asked for transport mode, the peer answered tunnel";
	return NULL;
}

/* Key and install what the answer agreed; the new child or NULL. */
static struct child_sa *answer_install(struct sa_engine *e, struct ike_sa *sa,
				       const struct ccs_msg *m, const struct ike_proposal *chosen,
				       bool defer_out, uint32_t rekey_of, const char **why)
{
	struct ccs_req *q = sa->s_ccs;
	struct child_sa *old = q->q_old ? child_sa_find(sa, q->q_old) : NULL;
	struct child_params p = { 0 };
	struct secret *shared = NULL, *km = NULL;
	uint16_t group = sa_proposal_get(chosen, IKE_XF_KE, NULL);
	struct child_sa *c;

	if (pfs_shared(q->q_ke, m, group, &shared)) {
		*why = "the KE payload does not fit the chosen group";
		return NULL;
	}
	if (child_keymat(sa, chosen, shared, q->q_ni, sizeof(q->q_ni), m->m_n.n_data, m->m_n.n_len,
			 &km)) {
		secret_free(shared);
		*why = "key derivation failed";
		return NULL;
	}
	secret_free(shared);
	p.cp_cfg = q->q_cfg;
	p.cp_chosen = chosen;
	p.cp_spi_in = q->q_spi;
	p.cp_transport = q->q_transport;
	p.cp_ts_l = &m->m_tsi;
	p.cp_ts_r = &m->m_tsr;
	p.cp_reqid = old ? old->c_reqid : 0;
	p.cp_km = km;
	p.cp_pfs = group;
	p.cp_defer_out = defer_out;
	p.cp_rekey_of = rekey_of;
	p.cp_initiator = true;
	if (!(c = child_sa_establish(e, sa, &p))) {
		*why = "installing the SAs in the data path failed";
		return NULL;
	}
	q->q_spi = 0; /* the child owns it now */
	return c;
}

/* Our rekey of old completed with child c: make-before-break, or (2.8.1)
 * give way to the peer's simultaneous rekey. */
static void rekey_finish(struct sa_engine *e, struct ike_sa *sa, struct child_sa *old,
			 struct child_sa *c, bool lost)
{
	uint32_t old_uid = old->c_uid, keep = lost ? old->c_collision : c->c_uid;
	char pfx[96];

	if (lost) {
		log_info(LOG_SUB_CHILD,
			 "%s: CHILD_SA {%u}: both sides rekeyed, ours {%u} has the lowest nonce "
			 "and goes (2.8.1)",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), old_uid, c->c_uid);
		old->c_state = CHILD_ST_REKEYED; /* the peer deletes it */
		c->c_state = CHILD_ST_REKEYED;
		sa_task_add(e, sa, SA_TASK_CHILD_DELETE, c->c_uid, NULL, NULL);
	} else {
		if (old->c_collision)
			log_info(LOG_SUB_CHILD,
				 "%s: CHILD_SA {%u}: both sides rekeyed, the peer's {%u} has the "
				 "lowest nonce",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), old_uid, old->c_collision);
		child_sa_retire(e, sa, old);
		sa_task_add(e, sa, SA_TASK_CHILD_DELETE, old_uid, NULL, NULL);
	}
	announce_rekeyed(e, sa, old_uid, child_sa_find(sa, keep));
}

void exch_child_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct ccs_req *q = sa->s_ccs;
	struct ccs_msg *m = malloc(sizeof(*m));
	struct ike_proposal chosen;
	struct child_sa *old, *c;
	uint16_t nerr = sa_msg_error(msg);
	const char *why = NULL;
	bool lost = false;
	char pfx[96];

	if (!q || !m)
		goto out;
	if (q->q_kind == SA_TASK_IKE_REKEY) {
		ike_rekey_response_in(e, sa, msg);
		goto out;
	}
	if (nerr == IKE_N_INVALID_KE_PAYLOAD &&
	    ccs_follow_invalid_ke(e, sa, msg, q->q_cfg->c_props, q->q_cfg->c_n_props))
		goto out;
	if (nerr || read_ccs(msg, m, true) || (why = check_answer(q, m, &chosen))) {
		log_info(LOG_SUB_CHILD, "%s: CREATE_CHILD_SA for %s failed: %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), q->q_cfg->c_name,
			 why    ? why
			 : nerr ? ike_notify_name(nerr)
				: "malformed answer");
		child_refused(e, sa, nerr);
		goto out;
	}
	old = rekey_old(sa, q);
	if (old && old->c_collision && child_sa_find(sa, old->c_collision) && old->c_coll_n)
		lost = sa_nonce_lowest_in(q->q_ni, sizeof(q->q_ni), m->m_n.n_data, m->m_n.n_len,
					  old->c_coll_n, old->c_coll_ni_len,
					  old->c_coll_n + old->c_coll_ni_len, old->c_coll_nr_len);
	/* a child that goes again at once (we lost, or the peer deleted the
	 * old one meanwhile, 2.25.1) never carries our traffic */
	if (!(c = answer_install(e, sa, m, &chosen, lost || (q->q_old && !old), lost ? 0 : q->q_old,
				 &why))) {
		log_info(LOG_SUB_CHILD, "%s: CHILD_SA %s failed: %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), q->q_cfg->c_name, why);
		child_refused(e, sa, 0);
		goto out;
	}
	ccs_req_free(e, sa);
	if (q == NULL || !old) {
		if (!c->c_rekey_of && !lost &&
		    !(sa->s_task && sa->s_task->t_type == SA_TASK_CHILD_REKEY)) {
			c->c_announced = true;
			sa_event_child(e, sa, c, true, NULL);
			sa_task_done(e, sa, NULL, NULL, created_json(sa, c));
			goto out;
		}
		/* 2.25.1: the peer deleted what we rekeyed meanwhile: the new
		 * one goes too */
		c->c_state = CHILD_ST_REKEYED;
		sa_task_done(e, sa, NULL, NULL, pair_json(c->c_rekey_of, 0));
		sa_task_add(e, sa, SA_TASK_CHILD_DELETE, c->c_uid, NULL, NULL);
		goto out;
	}
	rekey_finish(e, sa, old, c, lost);
	sa_task_done(e, sa, NULL, NULL, pair_json(old->c_uid, lost ? old->c_collision : c->c_uid));
out:
	free(m);
}
