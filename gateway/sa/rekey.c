/*
 * IKE SA rekeying (RFC 7296 1.3.2, 2.8, 2.18): CREATE_CHILD_SA with an SA
 * payload of IKE proposals carrying the new SPI, a nonce and a fresh KE.
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); the new IKE SA is a
 * new object with its own table entry, the one who initiated the rekey is
 * its original initiator, and the CHILD SAs move to it unchanged; then the
 * rekey initiator deletes the old IKE SA. Simultaneous rekeys (2.8.2) keep
 * the SA whose exchange did not have the lowest nonce. Caller holds
 * checkout of the old SA; the new one is checked out only by us until we
 * check it in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

#define COLL_DELETE_DELAY_MS 3000

/* 2.8.2: the IKE SA the peer's rekey made while ours was out; not in the
 * table until we know which of the two stays. */
struct ike_coll {
	struct ike_sa *ic_sa;
	uint8_t *ic_n; /* that exchange's Ni | Nr */
	size_t ic_ni_len, ic_nr_len;
};

void ike_coll_free(struct sa_engine *e, struct ike_sa *sa)
{
	struct ike_coll *c = sa->s_coll;

	if (!c)
		return;
	ike_sa_free(e, c->ic_sa);
	if (c->ic_n)
		crypto_wipe(c->ic_n, c->ic_ni_len + c->ic_nr_len);
	free(c->ic_n);
	free(c);
	sa->s_coll = NULL;
}

static void spi8(uint64_t spi, uint8_t b[8])
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(spi >> (56 - 8 * i));
}

static uint64_t spi_of(const uint8_t b[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static uint64_t fresh_spi(void)
{
	uint64_t spi = 0;

	while (spi == 0)
		if (crypto_random_public(&spi, sizeof(spi)))
			return 0;
	return spi;
}

static void suite_of(const struct ike_proposal *p, struct ike_suite *s)
{
	memset(s, 0, sizeof(*s));
	s->s_encr = sa_proposal_get(p, IKE_XF_ENCR, &s->s_encr_keylen);
	s->s_integ = sa_proposal_get(p, IKE_XF_INTEG, NULL);
	s->s_prf = sa_proposal_get(p, IKE_XF_PRF, NULL);
	s->s_ke = sa_proposal_get(p, IKE_XF_KE, NULL);
}

/* What one exchange agreed, to build the new SA from. */
struct rk_keys {
	bool k_initiator; /* we initiated the rekey */
	uint64_t k_spi_i, k_spi_r;
	struct ike_suite k_suite;
	const struct secret *k_shared;
	const uint8_t *k_ni, *k_nr;
	size_t k_ni_len, k_nr_len;
};

/* The new IKE SA object (2.18), not in the table yet. */
static struct ike_sa *rekeyed_sa(struct sa_engine *e, const struct ike_sa *old,
				 const struct rk_keys *k)
{
	struct ike_sa *n = ike_sa_new(e, k->k_initiator);

	if (!n)
		return NULL;
	n->s_cfg = sa_config_ref(old->s_cfg);
	n->s_conn = old->s_conn;
	n->s_spi_i = k->k_spi_i;
	n->s_spi_r = k->k_spi_r;
	n->s_local = old->s_local;
	n->s_remote = old->s_remote;
	n->s_natt = old->s_natt;
	n->s_nat_local = old->s_nat_local;
	n->s_nat_remote = old->s_nat_remote;
	n->s_peer_frag = old->s_peer_frag;
	n->s_peer_hashes = old->s_peer_hashes;
	n->s_orig_initiator = old->s_orig_initiator;
	n->s_suite = k->k_suite;
	n->s_state = IKE_ST_ESTABLISHED;
	n->s_established = (uint64_t)time(NULL);
	/* struct sa_id ends in a flexible array: copy it with its data */

	if ((old->s_peer_id && !(n->s_peer_id = sa_id_dup(old->s_peer_id))) ||
	    keymat_ike_rekey(old->s_suite.s_prf, old->s_keys.k_d, &n->s_suite, k->k_shared, k->k_ni,
			     k->k_ni_len, k->k_nr, k->k_nr_len, k->k_spi_i, k->k_spi_r, &n->s_keys,
			     NULL) ||
	    ike_sa_ciphers(n)) {
		ike_sa_free(e, n);
		return NULL;
	}
	return n;
}

/* The new SA takes over: children, queued tasks, a waiting terminate;
 * the old one goes quietly. n is checked out by us (in the table). */
static void adopt(struct sa_engine *e, struct ike_sa *old, struct ike_sa *n)
{
	char pfx[96], pstr[128];
	struct ike_proposal p;

	n->s_children = old->s_children;
	old->s_children = NULL;
	for (struct child_sa *c = n->s_children; c; c = c->c_next) {
		sa_reqid_set(e, c->c_reqid, ike_sa_our_spi(n));
		child_timers_arm(e, n, c);
	}
	sa_tasks_move(old, n);
	n->s_ra = old->s_ra; /* EAP identity and virtual IP leases go along */
	old->s_ra = NULL;
	n->s_waiter = old->s_waiter;
	memset(&old->s_waiter, 0, sizeof(old->s_waiter));
	old->s_replaced = true;
	sa_suite_proposal(&n->s_suite, &p);
	log_info(LOG_SUB_IKE, "%s: IKE_SA %s rekeyed to ike[%u] (%s), SPIs %016llx_i %016llx_r",
		 ike_sa_prefix(old, pfx, sizeof(pfx)), n->s_conn->sc_conn->c_name, n->s_uid,
		 sa_proposal_str(&p, pstr, sizeof(pstr)), (unsigned long long)n->s_spi_i,
		 (unsigned long long)n->s_spi_r);
	sa_event_ike_rekeyed(e, old, n);
	sa_up(e, n);
}

/* The old SA is gone in a minute whatever the peer does. */
static void replaced_expired(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	(void)arg;
	if (sa->s_replaced)
		ike_sa_kill(e, sa, SA_END_TERMINATED, "replaced by a rekey");
}

/* After a collision we won: the old SA goes a little later. */
static void delete_replaced(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	(void)arg;
	if (sa->s_replaced && sa->s_state == IKE_ST_ESTABLISHED)
		exch_info_delete_ike(e, sa);
}

/* Put n in the table under our SPI; false if that fails (n freed). */
static bool insert(struct sa_engine *e, struct ike_sa *n)
{
	if (sa_table_insert(e->e_table, ike_sa_our_spi(n), n)) {
		ike_sa_free(e, n);
		return false;
	}
	return true;
}

/* ---- initiator ---- */

int ike_rekey_start(struct sa_engine *e, struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	struct ike_pld_sa *offer;
	struct ike_pld_ke ke;
	struct ike_pld_nonce ni;
	struct ike_builder b;
	struct writer wr;
	uint8_t spi[8];
	int r;

	if (!sa->s_ccs) { /* a retry after INVALID_KE_PAYLOAD keeps what it has */
		if ((r = ccs_req_new(e, sa, SA_TASK_IKE_REKEY, sa->s_suite.s_ke)))
			return r;
		if (!(sa->s_ccs->q_ike_spi = fresh_spi())) {
			ccs_req_free(e, sa);
			return GW_E_CRYPTO;
		}
	}
	if (!(offer = malloc(sizeof(*offer))))
		return GW_E_NOMEM;
	spi8(sa->s_ccs->q_ike_spi, spi);
	sa_offer_from_config(c->c_props, c->c_n_props, spi, 8, false, offer);
	ni = (struct ike_pld_nonce){ sa->s_ccs->q_ni, sizeof(sa->s_ccs->q_ni) };
	ke.ke_group = sa->s_ccs->q_group;
	ke.ke_data = ke_public(sa->s_ccs->q_ke, &ke.ke_len);
	sa_inner_begin(&b, &wr);
	ike_build_sa(&b, offer);
	ike_build_nonce(&b, &ni);
	ike_build_ke(&b, &ke);
	free(offer);
	if ((r = sa_send_request(e, sa, IKE_EXCH_CREATE_CHILD_SA, &b)))
		ccs_req_free(e, sa);
	return r;
}

static json_t *ike_pair_json(uint32_t old_uid, uint32_t uid)
{
	return json_pack("{s:[{s:I, s:o}], s:[]}", "ike_sas", "old_uid", (json_int_t)old_uid, "uid",
			 uid ? json_integer(uid) : json_null(), "child_sas");
}

/* 2.8.2: the peer's rekey won (or ours failed): its SA takes over. */
static void coll_adopt(struct sa_engine *e, struct ike_sa *sa)
{
	struct ike_sa *n = sa->s_coll->ic_sa;
	uint32_t uid = n->s_uid;

	sa->s_coll->ic_sa = NULL;
	ike_coll_free(e, sa);
	if (!insert(e, n))
		return;
	adopt(e, sa, n);
	ike_sa_checkin(e, n);
	sa_task_done(e, sa, NULL, NULL, ike_pair_json(sa->s_uid, uid));
	sa_timer(e, sa, 60000, replaced_expired, 0); /* the peer deletes it */
}

void ike_coll_settle(struct sa_engine *e, struct ike_sa *sa)
{
	char pfx[96];

	if (sa->s_coll && sa->s_coll->ic_sa && !sa->s_replaced) {
		log_info(LOG_SUB_IKE, "%s: both sides rekeyed, the peer's rekey stays",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		ccs_req_free(e, sa); /* our answer would come too late */
		coll_adopt(e, sa);
	}
}

static void rekey_failed(struct sa_engine *e, struct ike_sa *sa, const char *why)
{
	char pfx[96];

	ccs_req_free(e, sa);
	log_info(LOG_SUB_IKE, "%s: IKE_SA rekey failed: %s", ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 why);
	if (sa->s_coll) {
		coll_adopt(e, sa);
		return;
	}
	sa_task_retry(e, sa, "ike-failed", why);
}

/* Read the answer: chosen suite, SPIr, Nr, shared secret. */
static const char *read_answer(struct ike_sa *sa, const struct ike_msg *msg, struct rk_keys *k,
			       struct secret **shared)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	struct ike_pld_sa *ans = malloc(sizeof(*ans));
	struct ike_proposal chosen;
	struct ike_pld_nonce nr;
	struct ike_pld_ke ke;
	struct ike_err err;
	const struct ike_pld *p;
	const char *why = NULL;

	if (!ans || !(p = ike_msg_find(msg, IKE_PLD_SA)) || ike_pld_sa_parse(p, ans, &err) ||
	    !(p = ike_msg_find(msg, IKE_PLD_NONCE)) || ike_pld_nonce_parse(p, &nr, &err) ||
	    !(p = ike_msg_find(msg, IKE_PLD_KE)) || ike_pld_ke_parse(p, &ke, &err))
		why = "SA, Nonce or KE missing";
	else if (ans->sa_n != 1 || ans->sa_prop[0].pr_spi_len != 8 ||
		 sa_select_proposal(ans, c->c_props, c->c_n_props, IKE_PROTO_IKE, false, &chosen) ||
		 chosen.pr_n != ans->sa_prop[0].pr_n)
		why = "the chosen IKE proposal is not one we offered";
	else if (nr.n_len < 16 || nr.n_len > 256 || ke.ke_group != sa->s_ccs->q_group ||
		 sa_proposal_get(&chosen, IKE_XF_KE, NULL) != ke.ke_group)
		why = "nonce or KE group unusable";
	else if (ke_derive(sa->s_ccs->q_ke, ke.ke_data, ke.ke_len, shared))
		why = "the peer's KE value is invalid";
	if (!why) {
		suite_of(&chosen, &k->k_suite);
		k->k_spi_r = spi_of(ans->sa_prop[0].pr_spi);
		k->k_nr = nr.n_data;
		k->k_nr_len = nr.n_len;
	}
	free(ans);
	return why;
}

void ike_rekey_response_in(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ccs_req *q = sa->s_ccs;
	uint16_t nerr = sa_msg_error(msg);
	struct rk_keys k = { .k_initiator = true };
	struct secret *shared = NULL;
	struct ike_sa *n;
	const char *why;
	char buf[128];
	bool lost = false;
	uint32_t uid, delay = 0;

	if (nerr == IKE_N_INVALID_KE_PAYLOAD &&
	    ccs_follow_invalid_ke(e, sa, msg, sa->s_conn->sc_conn->c_props,
				  sa->s_conn->sc_conn->c_n_props))
		return;
	if (nerr) {
		snprintf(buf, sizeof(buf), "peer answered %s", ike_notify_name(nerr));
		rekey_failed(e, sa, buf);
		return;
	}
	k.k_spi_i = q->q_ike_spi;
	k.k_ni = q->q_ni;
	k.k_ni_len = sizeof(q->q_ni);
	if ((why = read_answer(sa, msg, &k, &shared))) {
		rekey_failed(e, sa, why);
		return;
	}
	k.k_shared = shared;
	if (sa->s_coll)
		lost = sa_nonce_lowest_in(k.k_ni, k.k_ni_len, k.k_nr, k.k_nr_len, sa->s_coll->ic_n,
					  sa->s_coll->ic_ni_len,
					  sa->s_coll->ic_n + sa->s_coll->ic_ni_len,
					  sa->s_coll->ic_nr_len);
	n = rekeyed_sa(e, sa, &k);
	secret_free(shared);
	ccs_req_free(e, sa);
	if (!n || !insert(e, n)) {
		rekey_failed(e, sa, "cannot set up the new IKE SA");
		return;
	}
	if (lost) { /* 2.8.2: ours is redundant: we delete it, the peer's stays */
		char pfx[96];

		log_info(LOG_SUB_IKE, "%s: both sides rekeyed, ours has the lowest nonce and goes",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		n->s_replaced = true;
		exch_info_delete_ike(e, n);
		ike_sa_checkin(e, n);
		coll_adopt(e, sa);
		return;
	}
	if (sa->s_coll) { /* the peer's is redundant: it deletes it */
		struct ike_sa *other = sa->s_coll->ic_sa;
		char pfx[96];

		log_info(LOG_SUB_IKE, "%s: both sides rekeyed, the peer's has the lowest nonce",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		sa->s_coll->ic_sa = NULL;
		other->s_replaced = true;
		if (insert(e, other)) {
			sa_timer(e, other, 60000, replaced_expired, 0);
			ike_sa_checkin(e, other);
		}
		ike_coll_free(e, sa);
		delay = COLL_DELETE_DELAY_MS;
	}
	uid = n->s_uid;
	adopt(e, sa, n);
	ike_sa_checkin(e, n);
	sa_task_done(e, sa, NULL, NULL, ike_pair_json(sa->s_uid, uid));
	/* 1.3.2: the initiator deletes the old one. After a collision, not at
	 * once: the peer may not have our answer to its rekey yet (it comes
	 * on the old SA), and it must learn the SA it made is redundant. */
	if (delay)
		sa_timer(e, sa, delay, delete_replaced, 0);
	else
		exch_info_delete_ike(e, sa);
}

/* ---- responder ---- */

/* Why the peer's IKE rekey cannot be served now (2.25.2), 0 if it can. */
static uint16_t ike_request_blocked(const struct ike_sa *sa)
{
	if (sa->s_state != IKE_ST_ESTABLISHED || sa->s_replaced || sa->s_coll)
		return IKE_N_TEMPORARY_FAILURE;
	if (sa->s_task && (sa->s_task->t_type == SA_TASK_CHILD_CREATE ||
			   sa->s_task->t_type == SA_TASK_CHILD_REKEY ||
			   sa->s_task->t_type == SA_TASK_CHILD_DELETE))
		return IKE_N_TEMPORARY_FAILURE; /* a CHILD exchange of ours is out */
	return 0;
}

struct rk_offer {
	struct ike_pld_sa o_sa;
	struct ike_pld_nonce o_n;
	struct ike_pld_ke o_ke;
	struct ike_proposal o_chosen;
	uint8_t o_nr[SA_NONCE_LEN];
	struct ke *o_ke_mine;
	uint64_t o_spi;
};

/* Choose and check; 0 or the notify to refuse with (data in g). */
static uint16_t ike_choose(const struct ike_sa *sa, const struct ike_msg *msg, struct rk_offer *o,
			   uint8_t g[2])
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	const struct ike_pld *p;
	struct ike_err err;
	uint16_t grp;

	if (!(p = ike_msg_find(msg, IKE_PLD_SA)) || ike_pld_sa_parse(p, &o->o_sa, &err) ||
	    !(p = ike_msg_find(msg, IKE_PLD_NONCE)) || ike_pld_nonce_parse(p, &o->o_n, &err) ||
	    !(p = ike_msg_find(msg, IKE_PLD_KE)) || ike_pld_ke_parse(p, &o->o_ke, &err) ||
	    o->o_n.n_len < 16 || o->o_n.n_len > 256)
		return IKE_N_INVALID_SYNTAX;
	if (sa_select_proposal_ke(&o->o_sa, c->c_props, c->c_n_props, IKE_PROTO_IKE, false,
				  o->o_ke.ke_group, &o->o_chosen) ||
	    o->o_chosen.pr_spi_len != 8)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	grp = sa_proposal_get(&o->o_chosen, IKE_XF_KE, NULL);
	if (grp != o->o_ke.ke_group) {
		g[0] = (uint8_t)(grp >> 8);
		g[1] = (uint8_t)grp;
		return IKE_N_INVALID_KE_PAYLOAD;
	}
	return 0;
}

static void ike_answer_send(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
			    struct rk_offer *o)
{
	struct ike_pld_sa *ans = calloc(1, sizeof(*ans));
	struct ike_pld_nonce nr = { o->o_nr, sizeof(o->o_nr) };
	struct ike_pld_ke ke = { .ke_group = o->o_ke.ke_group };
	struct ike_builder b;
	struct writer wr;

	if (!ans)
		return;
	ans->sa_n = 1;
	ans->sa_prop[0] = o->o_chosen;
	spi8(o->o_spi, ans->sa_prop[0].pr_spi);
	ke.ke_data = ke_public(o->o_ke_mine, &ke.ke_len);
	sa_inner_begin(&b, &wr);
	ike_build_sa(&b, ans);
	ike_build_nonce(&b, &nr);
	ike_build_ke(&b, &ke);
	free(ans);
	sa_send_response(e, sa, IKE_EXCH_CREATE_CHILD_SA, msg->m_hdr.h_msgid, &b);
}

/* 2.8.2: our rekey is out too: keep the peer's SA aside until ours is
 * answered and the nonces tell which one stays. */
static void coll_keep(struct ike_sa *sa, struct ike_sa *n, const struct rk_offer *o)
{
	struct ike_coll *c = calloc(1, sizeof(*c));

	if (!c || !(c->ic_n = malloc(o->o_n.n_len + sizeof(o->o_nr)))) {
		free(c);
		n->s_replaced = true; /* cannot track it: let it go */
		return;
	}
	memcpy(c->ic_n, o->o_n.n_data, o->o_n.n_len);
	memcpy(c->ic_n + o->o_n.n_len, o->o_nr, sizeof(o->o_nr));
	c->ic_ni_len = o->o_n.n_len;
	c->ic_nr_len = sizeof(o->o_nr);
	c->ic_sa = n;
	sa->s_coll = c;
}

/* What the peer offered and what the connection allows, for the admin. */
static void log_no_proposal(const struct ike_sa *sa, const struct ike_pld_sa *offer)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	char pfx[96], offered[400], allowed[400];
	size_t n = 0;

	sa_offer_str(offer, offered, sizeof(offered));
	allowed[0] = '\0';
	for (size_t k = 0; k < c->c_n_props && n + 2 < sizeof(allowed); k++) {
		int w = snprintf(allowed + n, sizeof(allowed) - n, "%s%s", n ? "," : "",
				 c->c_props[k].mp_str);

		if (w < 0 || (size_t)w >= sizeof(allowed) - n) {
			allowed[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
	log_info(LOG_SUB_IKE,
		 "%s: IKE_SA rekey refused: NO_PROPOSAL_CHOSEN (offered %s; allowed here: %s)",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), offered, allowed);
}

void ike_rekey_request_in(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	struct rk_offer *o = calloc(1, sizeof(*o));
	struct rk_keys k = { .k_initiator = false };
	struct secret *shared = NULL;
	struct ike_sa *n = NULL;
	uint16_t why;
	uint8_t g[2];
	char pfx[96];

	if (!o || (why = ike_request_blocked(sa)) || (why = ike_choose(sa, msg, o, g))) {
		why = o ? why : IKE_N_TEMPORARY_FAILURE;
		if (why == IKE_N_NO_PROPOSAL_CHOSEN)
			log_no_proposal(sa, &o->o_sa);
		else
			log_info(LOG_SUB_IKE, "%s: IKE_SA rekey refused: %s",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), ike_notify_name(why));
		sa_refuse_notify(e, sa, msg, why, why == IKE_N_INVALID_KE_PAYLOAD ? g : NULL,
				 why == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
		goto out;
	}
	suite_of(&o->o_chosen, &k.k_suite);
	k.k_spi_i = spi_of(o->o_chosen.pr_spi);
	k.k_ni = o->o_n.n_data;
	k.k_ni_len = o->o_n.n_len;
	k.k_nr = o->o_nr;
	k.k_nr_len = sizeof(o->o_nr);
	if (!(o->o_spi = k.k_spi_r = fresh_spi()) ||
	    crypto_random_public(o->o_nr, sizeof(o->o_nr)) ||
	    ke_new(o->o_ke.ke_group, &o->o_ke_mine) ||
	    ke_derive(o->o_ke_mine, o->o_ke.ke_data, o->o_ke.ke_len, &shared) ||
	    (k.k_shared = shared, !(n = rekeyed_sa(e, sa, &k)))) {
		sa_refuse_notify(e, sa, msg, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	ike_answer_send(e, sa, msg, o);
	if (sa->s_task && sa->s_task->t_type == SA_TASK_IKE_REKEY && sa->s_ccs) {
		coll_keep(sa, n, o);
		if (!n->s_replaced)
			goto out;
	}
	if (!insert(e, n))
		goto out;
	if (!n->s_replaced) {
		adopt(e, sa, n);
		sa_timer(e, sa, 60000, replaced_expired, 0); /* the peer deletes it */
	}
	ike_sa_checkin(e, n);
out:
	secret_free(shared);
	if (o) {
		ke_free(o->o_ke_mine);
		crypto_wipe(o->o_nr, sizeof(o->o_nr));
	}
	free(o);
}
