/*
 * IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.7, 2.10, 2.23): the responder chooses
 * a proposal, checks the KE group (INVALID_KE_PAYLOAD otherwise), answers
 * with its KE, nonce and NAT-D, and derives the keys; the initiator sends
 * the request, follows COOKIE and INVALID_KE_PAYLOAD, and derives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

#define NONCE_LEN            32
#define HALF_OPEN_TIMEOUT_MS 30000

/* What the request offered that the reply depends on. */
struct init_offer {
	struct ike_pld_sa io_sa;
	struct ike_pld_ke io_ke;
	struct ike_pld_nonce io_ni;
	bool io_frag;
	auth_hash_set io_hashes;
};

static int read_offer(const struct ike_msg *msg, struct init_offer *o, struct ike_err *err)
{
	const struct ike_pld *p;
	int r;

	memset(o, 0, sizeof(*o));
	/* the rules let an error notify stand in for these: not in a request */
	if (!ike_msg_find(msg, IKE_PLD_SA) || !ike_msg_find(msg, IKE_PLD_KE) ||
	    !ike_msg_find(msg, IKE_PLD_NONCE)) {
		err->e_code = GW_E_PARSE;
		err->e_pld = 0;
		err->e_off = 0;
		snprintf(err->e_what, sizeof(err->e_what), "SA, KE or Nonce payload missing");
		return GW_E_PARSE;
	}
	if ((r = ike_pld_sa_parse(ike_msg_find(msg, IKE_PLD_SA), &o->io_sa, err)) ||
	    (r = ike_pld_ke_parse(ike_msg_find(msg, IKE_PLD_KE), &o->io_ke, err)) ||
	    (r = ike_pld_nonce_parse(ike_msg_find(msg, IKE_PLD_NONCE), &o->io_ni, err)))
		return r;
	o->io_frag = ike_msg_find_notify(msg, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if ((p = ike_msg_find_notify(msg, IKE_N_SIGNATURE_HASH_ALGORITHMS))) {
		struct ike_pld_notify n;

		if (!ike_pld_notify_parse(p, &n, err))
			o->io_hashes = auth_hash_set_parse(n.n_data, n.n_len);
	}
	return 0;
}

/* The first connection (in name order) whose addresses fit and whose IKE
 * proposals meet the offer. Connections are final only at IKE_AUTH, when
 * identities are known; this one fixes the IKE proposal. */
static const struct sa_conn *choose_conn(const struct sa_config *cf, const struct sa_job *j,
					 const struct ike_pld_sa *offer, uint16_t sent_ke,
					 struct ike_proposal *chosen)
{
	for (size_t i = 0; i < cf->cf_n; i++) {
		const struct model_conn *c = cf->cf_conns[i].sc_conn;

		if (!sa_end_addrs_match(&c->c_local, &j->j_dst) ||
		    !sa_end_addrs_match(&c->c_remote, &j->j_src))
			continue;
		if (!sa_select_proposal_ke(offer, c->c_props, c->c_n_props, IKE_PROTO_IKE, false,
					   sent_ke, chosen))
			return &cf->cf_conns[i];
	}
	return NULL;
}

static void suite_from(const struct ike_proposal *p, struct ike_suite *s)
{
	s->s_encr = sa_proposal_get(p, IKE_XF_ENCR, &s->s_encr_keylen);
	s->s_integ = sa_proposal_get(p, IKE_XF_INTEG, NULL);
	s->s_prf = sa_proposal_get(p, IKE_XF_PRF, NULL);
	s->s_ke = sa_proposal_get(p, IKE_XF_KE, NULL);
}

static void log_refusal(const struct sa_job *j, const char *what)
{
	char from[64];

	log_info(LOG_SUB_IKE, "%s: IKE_SA_INIT refused: %s",
		 sa_ep_str(&j->j_src, from, sizeof(from)), what);
}

/* The IKE proposals of the connections this peer could have used, for
 * the admin reading why nothing matched ("none" if no address fits). */
static void allowed_str(const struct sa_config *cf, const struct sa_job *j, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cf->cf_n && n + 2 < len; i++) {
		const struct model_conn *c = cf->cf_conns[i].sc_conn;

		if (!sa_end_addrs_match(&c->c_local, &j->j_dst) ||
		    !sa_end_addrs_match(&c->c_remote, &j->j_src))
			continue;
		for (size_t k = 0; k < c->c_n_props && n + 2 < len; k++) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					 c->c_props[k].mp_str);

			if (w < 0 || (size_t)w >= len - n)
				break;
			n += (size_t)w;
		}
	}
	if (!n)
		snprintf(buf, len, "none (no connection for this address)");
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

static uint64_t new_spi(void)
{
	uint64_t spi = 0;

	while (spi == 0)
		if (crypto_random_public(&spi, sizeof(spi)))
			return 0;
	return spi;
}

/* The notifies both sides put in IKE_SA_INIT. */
static void build_common(struct ike_builder *b, struct ike_sa *sa, uint64_t spi_r, bool frag)
{
	uint8_t hashes[16];
	struct ike_pld_notify n = { .n_type = IKE_N_SIGNATURE_HASH_ALGORITHMS };
	const struct model_conn *c = sa->s_conn->sc_conn;

	sa_natd_build(b, sa, spi_r, c->c_encap);
	if (frag) {
		n.n_type = IKE_N_IKEV2_FRAGMENTATION_SUPPORTED;
		ike_build_notify(b, &n);
	}
	n.n_type = IKE_N_SIGNATURE_HASH_ALGORITHMS;
	n.n_len = auth_hash_set_ours(hashes, sizeof(hashes));
	n.n_data = hashes;
	ike_build_notify(b, &n);
}

/* CERTREQ for the CAs the connection trusts (3.7), when it wants certs. */
static void build_certreq(struct ike_builder *b, struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	struct ike_pld_cert creq = { .c_enc = IKE_CERT_X509_SIG };
	uint8_t hashes[20 * 32];

	if (c->c_remote.e_auth != MODEL_AUTH_PUBKEY ||
	    auth_certreq(sa->s_cfg->cf_creds, c->c_remote.e_ca, hashes, sizeof(hashes),
			 &creq.c_len) ||
	    creq.c_len == 0)
		return;
	creq.c_data = hashes;
	ike_build_cert(b, IKE_PLD_CERTREQ, &creq);
}

static int respond(struct sa_engine *e, struct ike_sa *sa, const struct ike_proposal *chosen,
		   uint8_t **out, size_t *out_len)
{
	struct ike_pld_sa sa_pld = { .sa_n = 1 };
	struct ike_pld_nonce nr = { sa->s_nr, sa->s_nr_len };
	struct ike_pld_ke ke = { .ke_group = sa->s_suite.s_ke };
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;
	int r;

	sa_pld.sa_prop[0] = *chosen;
	ke.ke_data = ke_public(sa->s_ke, &ke.ke_len);
	sa_hdr_init(sa, &h, IKE_EXCH_SA_INIT, 0, true);
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	ike_build_sa(&b, &sa_pld);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &nr);
	build_common(&b, sa, sa->s_spi_r, sa->s_peer_frag);
	build_certreq(&b, sa);
	if ((r = ike_build_end(&b)) || !(*out = wr_take(&wr, out_len))) {
		wr_free(&wr);
		return r ? r : GW_E_NOMEM;
	}
	(void)e;
	return 0;
}

/* Key exchange and keys for the new responder SA. */
static int responder_keys(struct ike_sa *sa, const struct init_offer *o)
{
	struct secret *shared = NULL;
	int r;

	sa->s_ni = dup_bytes(o->io_ni.n_data, o->io_ni.n_len);
	sa->s_ni_len = o->io_ni.n_len;
	sa->s_nr_len = NONCE_LEN;
	if (!sa->s_ni || !(sa->s_nr = malloc(NONCE_LEN)))
		return GW_E_NOMEM;
	if ((r = crypto_random_public(sa->s_nr, NONCE_LEN)) ||
	    (r = ke_new(sa->s_suite.s_ke, &sa->s_ke)) ||
	    (r = ke_derive(sa->s_ke, o->io_ke.ke_data, o->io_ke.ke_len, &shared)))
		return r;
	r = ike_sa_derive(sa, shared);
	secret_free(shared);
	return r;
}

static void half_open_expired(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	(void)arg;
	if (sa->s_state == IKE_ST_INIT_DONE)
		ike_sa_kill(e, sa, SA_END_TIMEOUT, "half-open: no IKE_AUTH within 30 s");
}

/* A new responder SA in the table (checked out), counted half-open. */
static struct ike_sa *responder_sa(struct sa_engine *e, struct sa_job *j, const struct ike_msg *m,
				   struct sa_config *cf, const struct sa_conn *sc)
{
	struct ike_sa *sa = ike_sa_new(e, false);

	if (!sa)
		return NULL;
	sa->s_cfg = sa_config_ref(cf);
	sa->s_conn = sc;
	sa->s_spi_i = m->m_hdr.h_spi_i;
	sa->s_local = j->j_dst;
	sa->s_remote = j->j_src;
	sa->s_natt = j->j_natt;
	sa->s_state = IKE_ST_INIT_DONE;
	sa->s_msgid_in = 1;
	do {
		sa->s_spi_r = new_spi();
	} while (sa->s_spi_r && sa_table_insert(e->e_table, sa->s_spi_r, sa));
	if (!sa->s_spi_r) {
		ike_sa_free(e, sa);
		return NULL;
	}
	sa->s_half_open = true;
	atomic_fetch_add(&e->e_half_open, 1);
	sa_table_halfopen_add(e->e_table, sa->s_spi_i, &sa->s_remote, sa->s_spi_r);
	return sa;
}

static void refuse(struct sa_engine *e, struct sa_job *j, const struct ike_msg *msg,
		   enum sa_end why, uint16_t type, const uint8_t *data, size_t len,
		   const char *reason)
{
	log_refusal(j, reason);
	sa_fail_count(e, why);
	sa_send_notify_plain(e, &msg->m_hdr, &j->j_src, &j->j_dst, type, data, len);
}

/* A retransmitted IKE_SA_INIT gets the same answer (2.1); true if it was one. */
static bool retransmitted(struct sa_engine *e, struct sa_job *j, const struct ike_msg *msg)
{
	struct ike_sa *sa;
	uint64_t spi;

	if (sa_table_halfopen_find(e->e_table, msg->m_hdr.h_spi_i, &j->j_src, &spi))
		return false;
	if ((sa = sa_table_checkout(e->e_table, spi))) {
		if (sa->s_state == IKE_ST_INIT_DONE && sa->s_rsp.w_n)
			sa_resend_response(e, sa);
		ike_sa_checkin(e, sa);
	}
	return true;
}

static void accept_init(struct sa_engine *e, struct sa_job *j, const struct ike_msg *msg,
			struct sa_config *cf, const struct sa_conn *sc,
			const struct ike_proposal *chosen, const struct init_offer *o)
{
	struct ike_sa *sa = responder_sa(e, j, msg, cf, sc);
	char pfx[96], pstr[128];
	uint8_t *rsp;
	size_t len;

	if (!sa)
		return;
	suite_from(chosen, &sa->s_suite);
	sa->s_peer_frag = o->io_frag && sc->sc_conn->c_fragmentation;
	sa->s_peer_hashes = o->io_hashes;
	sa_natd_check(sa, msg, 0);
	if (responder_keys(sa, o) || respond(e, sa, chosen, &rsp, &len) ||
	    !(sa->s_init_i = dup_bytes(j->j_data, j->j_len)) ||
	    !(sa->s_init_r = dup_bytes(rsp, len))) {
		ike_sa_kill(e, sa, SA_END_LOCAL_ERROR,
			    "IKE_SA_INIT: out of memory or crypto failure");
		ike_sa_checkin(e, sa);
		return;
	}
	sa->s_init_i_len = j->j_len;
	sa->s_init_r_len = len;
	/* The key pair is in the response now, and a retransmitted request
	 * gets that response again (2.1): its ~900 bytes of EVP_PKEY need not
	 * stay with the SA. */
	ke_free(sa->s_ke);
	sa->s_ke = NULL;
	sa_keep_response(e, sa, rsp, len, 0);
	sa_timer(e, sa, HALF_OPEN_TIMEOUT_MS, half_open_expired, 0);
	log_info(LOG_SUB_IKE, "%s: IKE_SA_INIT answered (%s)%s%s",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), sa_proposal_str(chosen, pstr, sizeof(pstr)),
		 sa->s_nat_remote ? ", peer behind NAT" : "",
		 sa->s_nat_local ? ", we are behind NAT" : "");
	ike_sa_checkin(e, sa);
}

void exch_init_request_in(struct sa_engine *e, struct sa_job *j, struct ike_msg *msg)
{
	struct ike_proposal chosen;
	struct init_offer o;
	struct ike_err err;
	struct sa_config *cf;
	const struct sa_conn *sc;
	char ebuf[160], why[700], offered[200], allowed[300];
	struct ike_suite s;

	if (retransmitted(e, j, msg))
		return;
	if (ike_msg_check_rules(msg, &err) || read_offer(msg, &o, &err)) {
		refuse(e, j, msg, SA_END_PEER_ERROR, IKE_N_INVALID_SYNTAX, NULL, 0,
		       ike_err_str(&err, ebuf, sizeof(ebuf)));
		return;
	}
	cf = sa_engine_config(e);
	if (!(sc = choose_conn(cf, j, &o.io_sa, o.io_ke.ke_group, &chosen))) {
		sa_offer_str(&o.io_sa, offered, sizeof(offered));
		allowed_str(cf, j, allowed, sizeof(allowed));
		snprintf(why, sizeof(why),
			 "no connection accepts the offered proposals (%s); allowed here: %s",
			 offered, allowed);
		refuse(e, j, msg, SA_END_NO_PROPOSAL, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, why);
	} else if (suite_from(&chosen, &s), o.io_ke.ke_group != s.s_ke) {
		/* 1.2: tell the initiator which group we want; no state kept */
		uint8_t g[2] = { (uint8_t)(s.s_ke >> 8), (uint8_t)s.s_ke };

		snprintf(why, sizeof(why),
			 "KE group %u sent, group %u selected: INVALID_KE_PAYLOAD",
			 o.io_ke.ke_group, s.s_ke);
		refuse(e, j, msg, SA_END_INVALID_KE, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g), why);
	} else {
		accept_init(e, j, msg, cf, sc, &chosen, &o);
	}
	sa_config_unref(cf);
}

/* ---- initiator ---- */

/* Which of our addresses the kernel would send from to reach remote. */
static int route_source(const struct sa_ep *remote, uint16_t port, struct sa_ep *local)
{
	struct sockaddr_storage r, l;
	socklen_t len = sizeof(l);
	int fd = socket(remote->ep_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = GW_E_IO;

	sa_ep_to_sockaddr(remote, &r);
	if (fd >= 0 &&
	    !connect(fd, (struct sockaddr *)&r,
		     remote->ep_family == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6)) &&
	    !getsockname(fd, (struct sockaddr *)&l, &len)) {
		sa_ep_from_sockaddr(local, &l);
		local->ep_port = port;
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The peer to initiate to: the first remote address that is one host. */
static int resolve_remote(const struct model_end *end, struct sa_ep *ep)
{
	for (size_t i = 0; i < end->e_n_addrs; i++) {
		struct model_ts ts;
		char err[64];
		size_t n;

		if (model_ts_parse(end->e_addrs[i], &ts, err, sizeof(err)) || ts.t_dynamic)
			continue;
		n = ts.t_family == AF_INET ? 4 : 16;
		if (memcmp(ts.t_start, ts.t_end, n))
			continue; /* a range or subnet: not something to dial */
		memset(ep, 0, sizeof(*ep));
		ep->ep_family = (uint8_t)ts.t_family;
		memcpy(ep->ep_addr, ts.t_start, n);
		ep->ep_port = end->e_port ? end->e_port : 500;
		return 0;
	}
	return GW_E_NOTFOUND;
}

bool exch_init_can_reach(const struct model_conn *c)
{
	struct sa_ep ep;

	return resolve_remote(&c->c_remote, &ep) == 0;
}

static int init_request_send(struct sa_engine *e, struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	struct ike_pld_nonce ni = { sa->s_ni, sa->s_ni_len };
	struct ike_pld_ke ke = { .ke_group = sa->s_suite.s_ke };
	struct ike_pld_sa offer;
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;
	uint8_t *buf;
	size_t len;
	int r;

	sa_offer_from_config(c->c_props, c->c_n_props, NULL, 0, false, &offer);
	ke.ke_data = ke_public(sa->s_ke, &ke.ke_len);
	sa_hdr_init(sa, &h, IKE_EXCH_SA_INIT, 0, false);
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	if (sa->s_cookie) { /* 2.6: the cookie goes first */
		struct ike_pld_notify n = { .n_type = IKE_N_COOKIE,
					    .n_data = sa->s_cookie,
					    .n_len = sa->s_cookie_len };

		ike_build_notify(&b, &n);
	}
	ike_build_sa(&b, &offer);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &ni);
	build_common(&b, sa, 0, c->c_fragmentation);
	if ((r = ike_build_end(&b)) || !(buf = wr_take(&wr, &len))) {
		wr_free(&wr);
		return r ? r : GW_E_NOMEM;
	}
	free(sa->s_init_i);
	if (!(sa->s_init_i = dup_bytes(buf, len))) {
		free(buf);
		return GW_E_NOMEM;
	}
	sa->s_init_i_len = len;
	sa->s_msgid_out = 1;
	sa_keep_request(e, sa, buf, len, 0);
	return 0;
}

/* Our first KE group guess: the first group of our first proposal. */
static uint16_t first_group(const struct model_conn *c)
{
	for (size_t i = 0; i < c->c_n_props; i++)
		for (uint8_t k = 0; k < c->c_props[i].mp_prop.p_n; k++)
			if (c->c_props[i].mp_prop.p_xf[k].x_type == IKE_XF_KE)
				return c->c_props[i].mp_prop.p_xf[k].x_id;
	return 0;
}

int exch_init_start(struct sa_engine *e, const struct sa_conn *sc, struct sa_config *cf,
		    const struct model_child *child, const struct sa_waiter *w, uint32_t *uid)
{
	return exch_init_start_prep(e, sc, cf, child, w, uid, NULL, NULL);
}

int exch_init_start_prep(struct sa_engine *e, const struct sa_conn *sc, struct sa_config *cf,
			 const struct model_child *child, const struct sa_waiter *w, uint32_t *uid,
			 void (*prep)(struct ike_sa *sa, void *arg), void *prep_arg)
{
	const struct model_conn *c = sc->sc_conn;
	struct ike_sa *sa;
	char pfx[96];
	int r;

	if (!(sa = ike_sa_new(e, true)))
		return GW_E_NOMEM;
	sa->s_cfg = sa_config_ref(cf);
	sa->s_conn = sc;
	sa->s_state = IKE_ST_INIT_SENT;
	sa->s_first_child = child;
	sa->s_suite.s_ke = first_group(c);
	if (prep) /* what a reauthentication or restart adds */
		prep(sa, prep_arg);
	if ((r = resolve_remote(&c->c_remote, &sa->s_remote)) ||
	    (r = route_source(&sa->s_remote, cf->cf_settings.gs_ike_port, &sa->s_local))) {
		log_warn(LOG_SUB_IKE, "%s: cannot initiate: no single remote address to reach",
			 c->c_name);
		ike_sa_free(e, sa);
		return r;
	}
	sa->s_ni_len = NONCE_LEN;
	do {
		sa->s_spi_i = new_spi();
	} while (sa->s_spi_i && sa_table_insert(e->e_table, sa->s_spi_i, sa));
	if (!sa->s_spi_i || !(sa->s_ni = malloc(NONCE_LEN))) {
		ike_sa_free(e, sa);
		return GW_E_NOMEM;
	}
	if ((r = crypto_random_public(sa->s_ni, NONCE_LEN)) ||
	    (r = ke_new(sa->s_suite.s_ke, &sa->s_ke)) || (r = init_request_send(e, sa))) {
		ike_sa_kill(e, sa, SA_END_LOCAL_ERROR, "cannot build IKE_SA_INIT");
		ike_sa_checkin(e, sa);
		return r;
	}
	log_info(LOG_SUB_IKE, "%s: initiating '%s'", ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 c->c_name);
	if (w)
		sa->s_waiter = *w;
	if (uid)
		*uid = sa->s_uid;
	ike_sa_checkin(e, sa);
	return 0;
}

#define MAX_INIT_RETRIES 3 /* COOKIE or INVALID_KE_PAYLOAD round trips */

/* 2.6 and 1.2: retry with the peer's cookie, or with the group it wants
 * (only one we offered). Returns true when a new request went out. */
static bool follow_error(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	const struct ike_pld *p;
	struct ike_pld_notify n;
	struct ike_err err;
	char pfx[96];

	if (++sa->s_init_retries > MAX_INIT_RETRIES)
		return false;
	if ((p = ike_msg_find_notify(msg, IKE_N_COOKIE)) && !ike_pld_notify_parse(p, &n, &err) &&
	    n.n_len >= 1 && n.n_len <= 64) {
		free(sa->s_cookie);
		if (!(sa->s_cookie = dup_bytes(n.n_data, n.n_len)))
			return false;
		sa->s_cookie_len = n.n_len;
		log_info(LOG_SUB_IKE, "%s: responder asks for a cookie, retrying",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		return !init_request_send(e, sa);
	}
	if ((p = ike_msg_find_notify(msg, IKE_N_INVALID_KE_PAYLOAD)) &&
	    !ike_pld_notify_parse(p, &n, &err) && n.n_len == 2) {
		uint16_t g = (uint16_t)(n.n_data[0] << 8 | n.n_data[1]);
		bool ours = false;

		for (size_t i = 0; i < c->c_n_props && !ours; i++)
			for (uint8_t k = 0; k < c->c_props[i].mp_prop.p_n; k++)
				ours |= c->c_props[i].mp_prop.p_xf[k].x_type == IKE_XF_KE &&
					c->c_props[i].mp_prop.p_xf[k].x_id == g;
		if (!ours || g == sa->s_suite.s_ke)
			return false;
		log_info(LOG_SUB_IKE, "%s: responder wants KE group %u instead of %u, retrying",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), g, sa->s_suite.s_ke);
		ke_free(sa->s_ke);
		sa->s_ke = NULL;
		sa->s_suite.s_ke = g;
		return !ke_new(g, &sa->s_ke) && !init_request_send(e, sa);
	}
	return false;
}

/* The first error notify of a message, 0 if none. */
uint16_t sa_msg_error(const struct ike_msg *msg)
{
	for (size_t i = 0; i < msg->m_n; i++) {
		struct ike_pld_notify n;
		struct ike_err err;

		if (msg->m_pld[i].p_type == IKE_PLD_NOTIFY &&
		    !ike_pld_notify_parse(&msg->m_pld[i], &n, &err) && n.n_type < IKE_N_STATUS_MIN)
			return n.n_type;
	}
	return 0;
}

/* The responder's choice must be one proposal made of what we offered. */
static int check_choice(const struct ike_sa *sa, const struct init_offer *o,
			struct ike_proposal *chosen)
{
	const struct model_conn *c = sa->s_conn->sc_conn;

	if (o->io_sa.sa_n != 1 ||
	    sa_select_proposal(&o->io_sa, c->c_props, c->c_n_props, IKE_PROTO_IKE, false, chosen) ||
	    chosen->pr_n != o->io_sa.sa_prop[0].pr_n)
		return GW_E_INVAL;
	return 0;
}

static int initiator_keys(struct ike_sa *sa, const struct init_offer *o)
{
	struct secret *shared = NULL;
	int r;

	if (o->io_ke.ke_group != sa->s_suite.s_ke)
		return GW_E_INVAL;
	if (!(sa->s_nr = dup_bytes(o->io_ni.n_data, o->io_ni.n_len)))
		return GW_E_NOMEM;
	sa->s_nr_len = o->io_ni.n_len;
	if ((r = ke_derive(sa->s_ke, o->io_ke.ke_data, o->io_ke.ke_len, &shared)))
		return r;
	ke_free(sa->s_ke);
	sa->s_ke = NULL;
	r = ike_sa_derive(sa, shared);
	secret_free(shared);
	return r;
}

/* 2.23: after NAT detection (or with encap forced), IKE moves to 4500. */
static void float_ports(struct ike_sa *sa)
{
	char pfx[96];

	if (!sa->s_nat_local && !sa->s_nat_remote && !sa->s_conn->sc_conn->c_encap)
		return;
	log_info(LOG_SUB_IKE, "%s: %s, moving to the NAT-T port",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 sa->s_nat_local    ? "NAT detected: we are behind a NAT"
		 : sa->s_nat_remote ? "NAT detected: the peer is behind a NAT"
				    : "UDP encapsulation forced");
	sa->s_natt = true;
	sa->s_local.ep_port = sa->s_cfg->cf_settings.gs_natt_port;
	if (sa->s_remote.ep_port == 500)
		sa->s_remote.ep_port = 4500;
}

void exch_init_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			   struct sa_job *j)
{
	struct ike_proposal chosen;
	struct init_offer o;
	struct ike_err err;
	uint16_t nerr = sa_msg_error(msg);
	char why[160];

	if (ike_msg_check_rules(msg, &err))
		return; /* unauthenticated garbage: wait for the real answer */
	if (nerr || ike_msg_find_notify(msg, IKE_N_COOKIE)) {
		if (follow_error(e, sa, msg))
			return;
		snprintf(why, sizeof(why), "responder refused IKE_SA_INIT: %s",
			 nerr ? ike_notify_name(nerr) : "cookie loop");
		ike_sa_kill(e, sa,
			    nerr == IKE_N_NO_PROPOSAL_CHOSEN ? SA_END_NO_PROPOSAL
							     : SA_END_PEER_ERROR,
			    why);
		return;
	}
	if (read_offer(msg, &o, &err) || check_choice(sa, &o, &chosen) || msg->m_hdr.h_spi_r == 0) {
		ike_sa_kill(e, sa, SA_END_PEER_ERROR,
			    "IKE_SA_INIT response unusable (proposal, KE or SPI)");
		return;
	}
	sa->s_spi_r = msg->m_hdr.h_spi_r;
	suite_from(&chosen, &sa->s_suite);
	sa->s_peer_frag = o.io_frag && sa->s_conn->sc_conn->c_fragmentation;
	sa->s_peer_hashes = o.io_hashes;
	sa_natd_check(sa, msg, msg->m_hdr.h_spi_r);
	if (initiator_keys(sa, &o) || !(sa->s_init_r = dup_bytes(j->j_data, j->j_len))) {
		ike_sa_kill(e, sa, SA_END_LOCAL_ERROR, "key derivation failed");
		return;
	}
	sa->s_init_r_len = j->j_len;
	sa_wire_clear(&sa->s_req);
	float_ports(sa);
	if (exch_auth_start(e, sa))
		ike_sa_kill(e, sa, SA_END_LOCAL_ERROR, "cannot build IKE_AUTH");
}
