/*
 * The initiator state machine of the load generator (RFC 7296 1.2, 1.4.1,
 * 2.1, 2.6, 2.23): IKE_SA_INIT (following COOKIE), key derivation,
 * IKE_AUTH with the first CHILD_SA, then Delete or hold; retransmission of
 * the outstanding request; empty answers to the responder's INFORMATIONAL
 * requests (liveness checks) and its Delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/ikeload.h"
#include "util/err.h"

static bool busy(uint8_t st)
{
	return st == LG_ST_INIT_SENT || st == LG_ST_AUTH_SENT || st == LG_ST_DEL_SENT;
}

/* The one place states change, so the gauges stay right. */
static void set_state(struct lg *g, struct lg_sa *sa, uint8_t st)
{
	g->g_inflight += (uint32_t)busy(st) - (uint32_t)busy(sa->s_state);
	g->g_up += (uint32_t)(st == LG_ST_UP) - (uint32_t)(sa->s_state == LG_ST_UP);
	sa->s_state = st;
}

static void free_bytes(uint8_t **p, size_t *len)
{
	if (*p) {
		crypto_wipe(*p, *len);
		free(*p);
	}
	*p = NULL;
	*len = 0;
}

static void ke_release(struct lg_ke *k)
{
	if (k && --k->k_refs == 0) {
		ke_free(k->k_ke);
		free(k);
	}
}

/* The key pair of a new setup: fresh, or the current reused one while it
 * has uses left (--ke-reuse). */
static int ke_take(struct lg *g, struct lg_sa *sa)
{
	uint16_t group = sa->s_suite.s_ke;
	struct lg_ke *k = g->g_ke;

	if (g->g_cfg->c_ke_reuse <= 1)
		return ke_new(group, &sa->s_ke);
	if (!k || k->k_group != group || k->k_uses >= g->g_cfg->c_ke_reuse) {
		ke_release(k); /* no longer the current one */
		g->g_ke = NULL;
		if (!(k = calloc(1, sizeof(*k))))
			return GW_E_NOMEM;
		if (ke_new(group, &k->k_ke)) {
			free(k);
			return GW_E_CRYPTO;
		}
		k->k_group = group;
		k->k_refs = 1;
		g->g_ke = k;
	}
	k->k_refs++;
	k->k_uses++;
	sa->s_ke_held = k;
	sa->s_ke = k->k_ke;
	return 0;
}

void lg_ke_end(struct lg *g)
{
	ke_release(g->g_ke);
	g->g_ke = NULL;
}

/* What only the setup needs. */
static void clear_setup(struct lg_sa *sa)
{
	if (sa->s_ke_held)
		ke_release(sa->s_ke_held);
	else
		ke_free(sa->s_ke);
	sa->s_ke = NULL;
	sa->s_ke_held = NULL;
	ike_keys_clear(&sa->s_keys);
	free_bytes(&sa->s_nr, &sa->s_nr_len);
	free_bytes(&sa->s_init_req, &sa->s_init_req_len);
	free_bytes(&sa->s_init_rsp, &sa->s_init_rsp_len);
	free_bytes(&sa->s_cookie, &sa->s_cookie_len);
}

void lg_sa_clear(struct lg_sa *sa)
{
	clear_setup(sa);
	free(sa->s_req);
	sa->s_req = NULL;
	sa->s_req_len = 0;
	sk_cipher_free(sa->s_c_out);
	sk_cipher_free(sa->s_c_in);
	sa->s_c_out = sa->s_c_in = NULL;
}

static void finish(struct lg *g, struct lg_sa *sa)
{
	sa->s_gen++;
	set_state(g, sa, LG_ST_DONE);
	lg_sa_clear(sa);
}

/* Keep req as the outstanding request and send it. */
static void request(struct lg *g, struct lg_sa *sa, uint8_t *req, size_t len, uint32_t msgid)
{
	free(sa->s_req);
	sa->s_req = req;
	sa->s_req_len = len;
	sa->s_msgid = msgid;
	sa->s_tries = 0;
	lg_send_req(g, sa);
	lg_timer_arm(g, sa, g->g_cfg->c_rto_ms);
}

/* A setup failed: an IKE SA the responder may hold is deleted. */
static void fail(struct lg *g, struct lg_sa *sa, enum lg_fail why, bool del)
{
	g->g_failed++;
	g->g_fail[why]++;
	if (del && sa->s_c_out) { /* not counted as ok; the delete takes it down */
		clear_setup(sa);
		set_state(g, sa, LG_ST_UP);
		lg_sa_delete(g, sa);
		return;
	}
	finish(g, sa);
}

void lg_sa_start(struct lg *g, uint32_t idx)
{
	struct lg_sa *sa = &g->g_sas[idx];
	uint8_t *req;
	size_t len;

	memset(sa, 0, sizeof(*sa));
	sa->s_idx = idx;
	/* the low half finds the SA again, the high half makes it unique */
	sa->s_spi_i = (lg_rand(g) << 32) | (uint64_t)(idx + 1);
	sa->s_sock = (uint8_t)(idx % g->g_cfg->c_nsock);
	sa->s_child_spi = (uint32_t)lg_rand(g) | 0x100u;
	sa->s_suite.s_ke = IKE_KE_CURVE25519;
	for (uint8_t k = 0; k < g->g_cfg->c_ike.p_n; k++)
		if (g->g_cfg->c_ike.p_xf[k].x_type == IKE_XF_KE)
			sa->s_suite.s_ke = g->g_cfg->c_ike.p_xf[k].x_id;
	g->g_started++;
	set_state(g, sa, LG_ST_INIT_SENT);
	sa->s_t0_ns = lg_now_ns();
	if (!g->g_t_first_ns)
		g->g_t_first_ns = sa->s_t0_ns;
	if (crypto_random(sa->s_ni, LG_NONCE_LEN) || ke_take(g, sa) ||
	    lg_build_init(g, sa, &req, &len)) {
		fail(g, sa, LG_FAIL_LOCAL, false);
		return;
	}
	if (!(sa->s_init_req = malloc(len))) {
		free(req);
		fail(g, sa, LG_FAIL_LOCAL, false);
		return;
	}
	memcpy(sa->s_init_req, req, len);
	sa->s_init_req_len = len;
	request(g, sa, req, len, 0);
}

/* ---- IKE_SA_INIT response ---- */

static uint16_t xf_get(const struct ike_proposal *p, uint8_t type, uint16_t *keylen)
{
	for (uint8_t i = 0; i < p->pr_n; i++) {
		if (p->pr_xf[i].t_type == type) {
			if (keylen)
				*keylen = p->pr_xf[i].t_keylen;
			return p->pr_xf[i].t_id;
		}
	}
	return 0;
}

static const struct ike_pld *first_error(const struct ike_msg *msg, uint16_t *type)
{
	for (size_t i = 0; i < msg->m_n; i++) {
		struct ike_pld_notify n;
		struct ike_err err;

		if (msg->m_pld[i].p_type == IKE_PLD_NOTIFY &&
		    !ike_pld_notify_parse(&msg->m_pld[i], &n, &err) &&
		    n.n_type < IKE_N_STATUS_MIN) {
			*type = n.n_type;
			return &msg->m_pld[i];
		}
	}
	return NULL;
}

/* 2.6: answer the cookie with the same request carrying it (once). */
static bool follow_cookie(struct lg *g, struct lg_sa *sa, const struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find_notify(msg, IKE_N_COOKIE);
	struct ike_pld_notify n;
	struct ike_err err;
	uint8_t *req;
	size_t len;

	if (!p || ike_pld_notify_parse(p, &n, &err) || n.n_len < 1 || n.n_len > 64 || sa->s_cookie)
		return false;
	if (!(sa->s_cookie = malloc(n.n_len)))
		return false;
	memcpy(sa->s_cookie, n.n_data, n.n_len);
	sa->s_cookie_len = n.n_len;
	free_bytes(&sa->s_init_req, &sa->s_init_req_len);
	if (lg_build_init(g, sa, &req, &len) || !(sa->s_init_req = malloc(len)))
		return false;
	memcpy(sa->s_init_req, req, len);
	sa->s_init_req_len = len;
	g->g_cookies++;
	request(g, sa, req, len, 0);
	return true;
}

/* 2.23: a NAT-D hash that does not match means a NAT on that side. */
static bool nat_seen(struct lg *g, const struct lg_sa *sa, const struct ike_msg *msg)
{
	uint8_t h_src[LG_NATD_LEN], h_dst[LG_NATD_LEN];
	bool src_seen = false, src_ok = false, dst_seen = false, dst_ok = false;

	if (lg_natd_hash(sa->s_spi_i, sa->s_spi_r, &g->g_cfg->c_target, h_src) ||
	    lg_natd_hash(sa->s_spi_i, sa->s_spi_r, &g->g_src[sa->s_sock], h_dst))
		return false;
	for (size_t i = 0; i < msg->m_n; i++) {
		struct ike_pld_notify n;
		struct ike_err err;

		if (msg->m_pld[i].p_type != IKE_PLD_NOTIFY ||
		    ike_pld_notify_parse(&msg->m_pld[i], &n, &err) || n.n_len != LG_NATD_LEN)
			continue;
		if (n.n_type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			src_ok |= !memcmp(n.n_data, h_src, LG_NATD_LEN);
		} else if (n.n_type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = true;
			dst_ok |= !memcmp(n.n_data, h_dst, LG_NATD_LEN);
		}
	}
	return (src_seen && !src_ok) || (dst_seen && !dst_ok);
}

/* The chosen proposal, KE and Nr; SKEYSEED and both SK ciphers (2.14). */
static int init_keys(struct lg_sa *sa, const struct ike_msg *msg)
{
	struct ike_pld_sa *chosen = malloc(sizeof(*chosen));
	struct ike_pld_ke ke;
	struct ike_pld_nonce nr;
	struct secret *shared = NULL;
	struct ike_err err;
	struct ike_suite *s = &sa->s_suite;
	int r = GW_E_PARSE;

	if (!chosen)
		return GW_E_NOMEM;
	if (ike_pld_sa_parse(ike_msg_find(msg, IKE_PLD_SA), chosen, &err) || chosen->sa_n != 1 ||
	    ike_pld_ke_parse(ike_msg_find(msg, IKE_PLD_KE), &ke, &err) ||
	    ike_pld_nonce_parse(ike_msg_find(msg, IKE_PLD_NONCE), &nr, &err) ||
	    ke.ke_group != s->s_ke || xf_get(&chosen->sa_prop[0], IKE_XF_KE, NULL) != s->s_ke)
		goto out;
	s->s_encr = xf_get(&chosen->sa_prop[0], IKE_XF_ENCR, &s->s_encr_keylen);
	s->s_integ = xf_get(&chosen->sa_prop[0], IKE_XF_INTEG, NULL);
	s->s_prf = xf_get(&chosen->sa_prop[0], IKE_XF_PRF, NULL);
	r = GW_E_NOMEM;
	if (!(sa->s_nr = malloc(nr.n_len)))
		goto out;
	memcpy(sa->s_nr, nr.n_data, nr.n_len);
	sa->s_nr_len = nr.n_len;
	if ((r = ke_derive(sa->s_ke, ke.ke_data, ke.ke_len, &shared)) ||
	    (r = keymat_ike_sa(s, shared, sa->s_ni, LG_NONCE_LEN, sa->s_nr, sa->s_nr_len,
			       sa->s_spi_i, sa->s_spi_r, &sa->s_keys, NULL)) ||
	    (r = sk_cipher_new(s->s_encr, s->s_encr_keylen, s->s_integ, sa->s_keys.k_ei,
			       sa->s_keys.k_ai, &sa->s_c_out)) ||
	    (r = sk_cipher_new(s->s_encr, s->s_encr_keylen, s->s_integ, sa->s_keys.k_er,
			       sa->s_keys.k_ar, &sa->s_c_in)))
		goto out;
	lg_ops_init(&sa->s_ops_out, sa->s_c_out);
	lg_ops_init(&sa->s_ops_in, sa->s_c_in);
out:
	secret_free(shared);
	free(chosen);
	return r;
}

static void init_response(struct lg *g, struct lg_sa *sa, const struct ike_msg *msg,
			  const uint8_t *buf, size_t len)
{
	const struct ike_pld *p;
	struct ike_pld_notify n;
	struct ike_err err;
	uint16_t etype;
	uint8_t *req;
	size_t rlen;

	if (ike_msg_check_rules(msg, &err))
		return; /* unauthenticated garbage: the real answer may still come */
	if (ike_msg_find_notify(msg, IKE_N_COOKIE)) {
		if (!follow_cookie(g, sa, msg))
			fail(g, sa, LG_FAIL_REFUSED, false);
		return;
	}
	if (first_error(msg, &etype) || msg->m_hdr.h_spi_r == 0) {
		fail(g, sa, LG_FAIL_REFUSED, false);
		return;
	}
	sa->s_spi_r = msg->m_hdr.h_spi_r;
	if ((p = ike_msg_find_notify(msg, IKE_N_SIGNATURE_HASH_ALGORITHMS)) &&
	    !ike_pld_notify_parse(p, &n, &err))
		sa->s_peer_hashes = auth_hash_set_parse(n.n_data, n.n_len);
	if (init_keys(sa, msg)) {
		fail(g, sa, LG_FAIL_PROTOCOL, false);
		return;
	}
	if (g->g_cfg->c_verify && (sa->s_init_rsp = malloc(len))) {
		memcpy(sa->s_init_rsp, buf, len);
		sa->s_init_rsp_len = len;
	}
	sa->s_natt = g->g_cfg->c_float && nat_seen(g, sa, msg);
	g->g_natt += sa->s_natt;
	if (lg_build_auth(g, sa, &req, &rlen)) {
		fail(g, sa, LG_FAIL_LOCAL, false);
		return;
	}
	set_state(g, sa, LG_ST_AUTH_SENT);
	request(g, sa, req, rlen, 1);
}

/* ---- IKE_AUTH response ---- */

static int read_id(const struct ike_msg *msg, uint8_t type, struct auth_id *id)
{
	const struct ike_pld *p = ike_msg_find(msg, type);
	struct ike_pld_id pid;
	struct ike_err err;

	if (!p || ike_pld_id_parse(p, &pid, &err))
		return GW_E_NOTFOUND;
	return auth_id_from_wire(pid.id_type, pid.id_data, pid.id_len, id);
}

/* 2.15: the responder signed its IKE_SA_INIT response, Ni and its ID. */
static int verify_peer(struct lg *g, struct lg_sa *sa, const struct ike_msg *msg,
		       const struct auth_id *idr, const struct ike_pld_auth *a)
{
	const struct lg_cfg *cf = g->g_cfg;
	struct auth_peer_certs certs = { 0 };
	struct auth_policy pol = { .ap_any_id = true };
	uint8_t *octets = NULL;
	char why[AUTH_WHY_LEN];
	size_t olen;
	int r;

	if (!sa->s_init_rsp)
		return GW_E_NOMEM;
	if ((r = auth_signed_octets(sa->s_suite.s_prf, sa->s_keys.k_pr, sa->s_init_rsp,
				    sa->s_init_rsp_len, sa->s_ni, LG_NONCE_LEN, idr, &octets,
				    &olen)))
		return r;
	if (cf->c_auth == LG_AUTH_PSK) {
		r = a->a_method != IKE_AUTH_PSK
			    ? GW_E_AUTH
			    : auth_psk_verify(sa->s_suite.s_prf, (const uint8_t *)cf->c_psk,
					      strlen(cf->c_psk), octets, olen, a->a_data, a->a_len);
	} else {
		for (size_t i = 0; i < msg->m_n && certs.pc_n < AUTH_MAX_CERTS; i++) {
			struct ike_pld_cert c;
			struct ike_err err;

			if (msg->m_pld[i].p_type == IKE_PLD_CERT &&
			    !ike_pld_cert_parse(&msg->m_pld[i], &c, &err) &&
			    c.c_enc == IKE_CERT_X509_SIG) {
				certs.pc_der[certs.pc_n] = c.c_data;
				certs.pc_len[certs.pc_n++] = c.c_len;
			}
		}
		r = auth_verify_pubkey(g->g_creds, &pol, &certs, idr, a->a_method, a->a_data,
				       a->a_len, octets, olen, why, sizeof(why));
		if (r && !g->g_fail[LG_FAIL_VERIFY]) /* the first reason only */
			fprintf(stderr, "ikeload: responder AUTH: %s\n", why);
	}
	free(octets);
	return r;
}

static void established(struct lg *g, struct lg_sa *sa)
{
	uint64_t now = lg_now_ns();

	g->g_lat_ms[g->g_ok++] = (double)(now - sa->s_t0_ns) / 1e6;
	g->g_t_last_ok_ns = now;
	clear_setup(sa);
	free(sa->s_req);
	sa->s_req = NULL;
	sa->s_req_len = 0;
	sa->s_gen++;
	set_state(g, sa, LG_ST_UP);
	if (!g->g_cfg->c_hold)
		lg_sa_delete(g, sa);
}

static void auth_response(struct lg *g, struct lg_sa *sa, struct ike_msg *msg)
{
	const struct ike_pld *ap = ike_msg_find(msg, IKE_PLD_AUTH);
	struct ike_pld_auth a;
	struct auth_id idr;
	struct ike_err err;
	uint16_t etype;

	if (ike_msg_check_rules(msg, &err)) {
		fail(g, sa, LG_FAIL_PROTOCOL, true);
		return;
	}
	/* An error notify refuses the IKE SA (no AUTH) or only the CHILD_SA
	 * (with AUTH): either way the setup the benchmark asks for failed. */
	if (first_error(msg, &etype)) {
		fail(g, sa, LG_FAIL_REFUSED, ap != NULL);
		return;
	}
	if (!ap || ike_pld_auth_parse(ap, &a, &err) || read_id(msg, IKE_PLD_IDR, &idr) ||
	    !ike_msg_find(msg, IKE_PLD_SA) || !ike_msg_find(msg, IKE_PLD_TSI) ||
	    !ike_msg_find(msg, IKE_PLD_TSR)) {
		fail(g, sa, LG_FAIL_PROTOCOL, true);
		return;
	}
	if (g->g_cfg->c_verify && verify_peer(g, sa, msg, &idr, &a)) {
		fail(g, sa, LG_FAIL_VERIFY, true);
		return;
	}
	established(g, sa);
}

/* ---- delete, timeouts, the responder's requests ---- */

void lg_sa_delete(struct lg *g, struct lg_sa *sa)
{
	uint8_t *req;
	size_t len;

	sa->s_msgid = 2; /* after IKE_SA_INIT (0) and IKE_AUTH (1) */
	if (lg_build_delete(g, sa, &req, &len)) {
		finish(g, sa);
		return;
	}
	set_state(g, sa, LG_ST_DEL_SENT);
	request(g, sa, req, len, 2);
}

void lg_sa_timeout(struct lg *g, struct lg_sa *sa)
{
	if (!busy(sa->s_state))
		return;
	if (sa->s_tries >= g->g_cfg->c_tries) {
		if (sa->s_state == LG_ST_DEL_SENT)
			finish(g, sa); /* the responder forgets it on its own */
		else
			fail(g, sa, LG_FAIL_TIMEOUT, false);
		return;
	}
	sa->s_tries++;
	g->g_retransmits++;
	lg_send_req(g, sa);
	lg_timer_arm(g, sa, g->g_cfg->c_rto_ms << (sa->s_tries < 6 ? sa->s_tries : 6));
}

/* 2.4: answer liveness checks; a Delete of the IKE SA ends it. */
static void peer_request(struct lg *g, struct lg_sa *sa, struct ike_msg *msg, uint8_t *buf,
			 size_t len)
{
	struct ike_err err;
	uint8_t *rsp;
	size_t rlen;
	bool gone;

	if (!sa->s_c_in || msg->m_hdr.h_exch != IKE_EXCH_INFORMATIONAL ||
	    msg->m_hdr.h_msgid > sa->s_rx_msgid ||
	    ike_msg_open_sk(msg, buf, len, &sa->s_ops_in, &err))
		return;
	gone = ike_msg_find(msg, IKE_PLD_DELETE) != NULL;
	if (!lg_build_empty_rsp(sa, IKE_EXCH_INFORMATIONAL, msg->m_hdr.h_msgid, &rsp, &rlen)) {
		lg_send(g, sa, rsp, rlen);
		free(rsp);
	}
	g->g_answered++;
	if (msg->m_hdr.h_msgid == sa->s_rx_msgid)
		sa->s_rx_msgid++;
	if (gone && (sa->s_state == LG_ST_UP || sa->s_state == LG_ST_DEL_SENT)) {
		g->g_peer_deleted++;
		finish(g, sa);
	}
}

void lg_sa_input(struct lg *g, uint8_t *buf, size_t len)
{
	struct ike_msg msg;
	struct ike_err err;
	struct lg_sa *sa;
	uint32_t idx;

	if (ike_msg_parse(buf, len, &msg, &err))
		return;
	idx = (uint32_t)msg.m_hdr.h_spi_i - 1;
	if (idx >= g->g_cfg->c_count || (sa = &g->g_sas[idx])->s_spi_i != msg.m_hdr.h_spi_i)
		return;
	if (!(msg.m_hdr.h_flags & IKE_FLAG_RESPONSE)) {
		if (msg.m_hdr.h_spi_r == sa->s_spi_r)
			peer_request(g, sa, &msg, buf, len);
		return;
	}
	if (!busy(sa->s_state) || msg.m_hdr.h_msgid != sa->s_msgid)
		return; /* late or duplicate */
	if (sa->s_state == LG_ST_INIT_SENT) {
		if (msg.m_hdr.h_exch == IKE_EXCH_SA_INIT)
			init_response(g, sa, &msg, buf, len);
		return;
	}
	if (msg.m_hdr.h_spi_r != sa->s_spi_r ||
	    ike_msg_open_sk(&msg, buf, len, &sa->s_ops_in, &err))
		return; /* 2.21.2: what fails integrity changes nothing */
	if (sa->s_state == LG_ST_AUTH_SENT && msg.m_hdr.h_exch == IKE_EXCH_AUTH)
		auth_response(g, sa, &msg);
	else if (sa->s_state == LG_ST_DEL_SENT && msg.m_hdr.h_exch == IKE_EXCH_INFORMATIONAL) {
		g->g_deleted++;
		finish(g, sa);
	}
}
