/*
 * IKE_AUTH (RFC 7296 1.2, 2.15, 2.16): identities, certificates, the AUTH
 * payload with PSK or signatures, and the first CHILD SA. The responder
 * settles on a connection only here, where the identities are known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

void sa_auth_build_id(struct ike_builder *b, uint8_t type, const struct auth_id *id)
{
	struct ike_pld_id p = { id->id_type, id->id_data, id->id_len };

	ike_build_id(b, type, &p);
}

void sa_auth_build_certs(struct ike_builder *b, const struct sa_conn *sc)
{
	struct ike_pld_cert c = { .c_enc = IKE_CERT_X509_SIG };
	const uint8_t *der;
	size_t len;

	if (!sc->sc_local)
		return;
	c.c_data = auth_local_cert(sc->sc_local, &c.c_len);
	ike_build_cert(b, IKE_PLD_CERT, &c);
	for (size_t i = 0; (der = auth_local_chain(sc->sc_local, i, &len)); i++) {
		c.c_data = der;
		c.c_len = len;
		ike_build_cert(b, IKE_PLD_CERT, &c);
	}
}

/*
 * Our AUTH payload (2.15): the octets are our first message, the peer's
 * nonce and prf(SK_p, our ID); PSK or a signature by our key.
 */
int sa_auth_build_auth(struct ike_builder *b, struct ike_sa *sa, const struct sa_conn *sc,
		       const struct auth_id *id)
{
	const struct model_conn *c = sc->sc_conn;
	struct ike_pld_auth a = { 0 };
	uint8_t *octets = NULL, sig[AUTH_SIG_MAX];
	size_t olen, slen = sizeof(sig);
	int r;

	r = auth_signed_octets(sa->s_suite.s_prf,
			       sa->s_initiator ? sa->s_keys.k_pi : sa->s_keys.k_pr,
			       sa->s_initiator ? sa->s_init_i : sa->s_init_r,
			       sa->s_initiator ? sa->s_init_i_len : sa->s_init_r_len,
			       sa->s_initiator ? sa->s_nr : sa->s_ni,
			       sa->s_initiator ? sa->s_nr_len : sa->s_ni_len, id, &octets, &olen);
	if (r)
		return r;
	if (c->c_local.e_auth == MODEL_AUTH_PSK) {
		a.a_method = IKE_AUTH_PSK;
		r = auth_psk_compute(sa->s_suite.s_prf, c->c_psk, c->c_psk_len, octets, olen, sig,
				     &slen);
	} else if (sc->sc_local) {
		r = auth_sign(sc->sc_local, sa->s_peer_hashes, octets, olen, &a.a_method, sig,
			      &slen);
	} else {
		r = GW_E_UNSUP; /* EAP client: the remote-access milestone */
	}
	free(octets);
	if (r)
		return r;
	a.a_data = sig;
	a.a_len = slen;
	ike_build_auth(b, &a);
	crypto_wipe(sig, sizeof(sig));
	return 0;
}

int exch_auth_start(struct sa_engine *e, struct ike_sa *sa)
{
	const struct sa_conn *sc = sa->s_conn;
	const struct model_conn *c = sc->sc_conn;
	struct ike_builder b;
	struct writer wr;
	struct auth_id id;
	int r;

	sa_local_id(sa, sc, &id);
	sa_inner_begin(&b, &wr);
	sa_auth_build_id(&b, IKE_PLD_IDI, &id);
	sa_auth_build_certs(&b, sc);
	if (c->c_remote.e_auth == MODEL_AUTH_PUBKEY) {
		struct ike_pld_cert creq = { .c_enc = IKE_CERT_X509_SIG };
		uint8_t hashes[20 * 32];

		if (!auth_certreq(sa->s_cfg->cf_creds, c->c_remote.e_ca, hashes, sizeof(hashes),
				  &creq.c_len) &&
		    creq.c_len) {
			creq.c_data = hashes;
			ike_build_cert(&b, IKE_PLD_CERTREQ, &creq);
		}
	}
	if (!sc->sc_remote_any)
		sa_auth_build_id(&b, IKE_PLD_IDR, &sc->sc_remote_id);
	/* 2.16: an EAP client sends no AUTH in its first IKE_AUTH */
	if (c->c_local.e_auth != MODEL_AUTH_EAP && (r = sa_auth_build_auth(&b, sa, sc, &id)))
		goto fail;
	cp_request(sa, &b);
	if (sa->s_first_child && (r = child_offer(e, sa, sa->s_first_child, &b)))
		goto fail;
	sa->s_state = IKE_ST_AUTH_SENT;
	return sa_send_request(e, sa, IKE_EXCH_AUTH, &b);
fail:
	wr_free(&wr);
	return r;
}

/* The AUTH method fits the configured remote authentication (class). */
bool sa_auth_class_ok(enum model_auth want, uint8_t method)
{
	if (want == MODEL_AUTH_PSK)
		return method == IKE_AUTH_PSK;
	if (want == MODEL_AUTH_PUBKEY)
		return method == IKE_AUTH_RSA_SIG || method == IKE_AUTH_ECDSA_256 ||
		       method == IKE_AUTH_ECDSA_384 || method == IKE_AUTH_ECDSA_521 ||
		       method == IKE_AUTH_DIGITAL_SIG;
	/* EAP: no AUTH payload in the first IKE_AUTH request (method 0) */
	return method == 0 && (want == MODEL_AUTH_EAP || want == MODEL_AUTH_EAP_MD5 ||
			       want == MODEL_AUTH_EAP_MSCHAPV2);
}

/* The suite negotiated in IKE_SA_INIT is one this connection accepts. */
static bool suite_ok(const struct ike_sa *sa, const struct model_conn *c)
{
	struct ike_pld_sa one = { .sa_n = 1 };
	struct ike_proposal chosen;

	sa_suite_proposal(&sa->s_suite, &one.sa_prop[0]);
	return !sa_select_proposal(&one, c->c_props, c->c_n_props, IKE_PROTO_IKE, false, &chosen);
}

/*
 * The responder's connection (2.15): addresses, suite, the peer's identity
 * and auth method, and IDr if the initiator named us. Exact identities win
 * over %any.
 */
const struct sa_conn *sa_auth_match_conn(const struct ike_sa *sa, const struct auth_id *peer,
					 const struct auth_id *idr, uint8_t method)
{
	const struct sa_config *cf = sa->s_cfg;

	for (int any_pass = 0; any_pass < 2; any_pass++) {
		for (size_t i = 0; i < cf->cf_n; i++) {
			const struct sa_conn *sc = &cf->cf_conns[i];
			const struct model_conn *c = sc->sc_conn;

			if (sc->sc_remote_any != (bool)any_pass ||
			    (!sc->sc_remote_any && !auth_id_equal(&sc->sc_remote_id, peer)) ||
			    !sa_auth_class_ok(c->c_remote.e_auth, method) ||
			    !sa_end_addrs_match(&c->c_local, &sa->s_local) ||
			    !sa_end_addrs_match(&c->c_remote, &sa->s_remote) || !suite_ok(sa, c))
				continue;
			if (idr && sc->sc_local_id_set && !auth_id_equal(&sc->sc_local_id, idr))
				continue;
			return sc;
		}
	}
	return NULL;
}

/* Verify the peer's AUTH (and certificates) for connection sc. */
int sa_auth_verify_peer(struct ike_sa *sa, const struct sa_conn *sc, const struct ike_msg *msg,
			const struct auth_id *peer, const struct ike_pld_auth *a, char *why,
			size_t why_len)
{
	const struct model_conn *c = sc->sc_conn;
	struct auth_peer_certs certs = { 0 };
	uint8_t *octets = NULL;
	size_t olen;
	int r;

	/* the peer signed its first message, our nonce and its ID */
	r = auth_signed_octets(sa->s_suite.s_prf,
			       sa->s_initiator ? sa->s_keys.k_pr : sa->s_keys.k_pi,
			       sa->s_initiator ? sa->s_init_r : sa->s_init_i,
			       sa->s_initiator ? sa->s_init_r_len : sa->s_init_i_len,
			       sa->s_initiator ? sa->s_ni : sa->s_nr,
			       sa->s_initiator ? sa->s_ni_len : sa->s_nr_len, peer, &octets, &olen);
	if (r) {
		snprintf(why, why_len, "internal error computing the signed octets");
		return r;
	}
	if (c->c_remote.e_auth == MODEL_AUTH_PSK) {
		r = a->a_method != IKE_AUTH_PSK ||
				    auth_psk_verify(sa->s_suite.s_prf, c->c_psk, c->c_psk_len,
						    octets, olen, a->a_data, a->a_len)
			    ? GW_E_AUTH
			    : 0;
		if (r)
			snprintf(why, why_len, "pre-shared key AUTH does not verify (wrong PSK?)");
	} else {
		struct auth_policy pol = { .ap_ca = c->c_remote.e_ca,
					   .ap_pinned = c->c_remote.e_cert[0] ? c->c_remote.e_cert
									      : NULL,
					   .ap_any_id = sc->sc_remote_any,
					   .ap_id = sc->sc_remote_any ? NULL : &sc->sc_remote_id };

		for (size_t i = 0; i < msg->m_n && certs.pc_n < AUTH_MAX_CERTS; i++) {
			struct ike_pld_cert cp;
			struct ike_err err;

			if (msg->m_pld[i].p_type == IKE_PLD_CERT &&
			    !ike_pld_cert_parse(&msg->m_pld[i], &cp, &err) &&
			    cp.c_enc == IKE_CERT_X509_SIG) {
				certs.pc_der[certs.pc_n] = cp.c_data;
				certs.pc_len[certs.pc_n++] = cp.c_len;
			}
		}
		r = auth_verify_pubkey(sa->s_cfg->cf_creds, &pol, &certs, peer, a->a_method,
				       a->a_data, a->a_len, octets, olen, why, why_len);
	}
	free(octets);
	return r;
}

int sa_auth_read_id(const struct ike_msg *msg, uint8_t type, struct auth_id *id)
{
	const struct ike_pld *p = ike_msg_find(msg, type);
	struct ike_pld_id pid;
	struct ike_err err;

	if (!p || ike_pld_id_parse(p, &pid, &err))
		return GW_E_NOTFOUND;
	return auth_id_from_wire(pid.id_type, pid.id_data, pid.id_len, id);
}

static void dpd_check(struct sa_engine *e, struct ike_sa *sa, uint32_t arg);
static void keepalive(struct sa_engine *e, struct ike_sa *sa, uint32_t arg);

/* The IKE SA is up: counters, events, timers; the INIT messages go. */
void sa_auth_established(struct sa_engine *e, struct ike_sa *sa, const struct sa_conn *sc,
			 const struct auth_id *peer)
{
	const struct model_conn *c = sc->sc_conn;
	char pfx[96], ids[300], pstr[128];
	struct ike_proposal p;

	sa->s_conn = sc;
	sa->s_state = IKE_ST_ESTABLISHED;
	sa->s_established = (uint64_t)time(NULL);
	if (sa->s_peer_id || (sa->s_peer_id = malloc(sizeof(*peer))))
		*sa->s_peer_id = *peer;
	if (sa->s_half_open) {
		sa->s_half_open = false;
		atomic_fetch_sub(&e->e_half_open, 1);
		sa_table_halfopen_del(e->e_table, sa->s_spi_i, &sa->s_remote);
	}
	atomic_fetch_add(&e->e_k.k_setups_ok, 1);
	sa_suite_proposal(&sa->s_suite, &p);
	log_info(LOG_SUB_IKE, "%s: IKE_SA %s established with '%s' (%s)%s",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), c->c_name,
		 auth_id_str(peer, ids, sizeof(ids)), sa_proposal_str(&p, pstr, sizeof(pstr)),
		 sa->s_natt ? ", NAT-T" : "");
	atomic_fetch_add(&e->e_established, 1);
	sa_event_ike_up(e, sa);
	if (c->c_dpd_delay)
		sa_timer(e, sa, c->c_dpd_delay * 1000, dpd_check, 0);
	if (sa->s_nat_local && sa->s_cfg->cf_settings.gs_nat_keepalive)
		sa_timer(e, sa, sa->s_cfg->cf_settings.gs_nat_keepalive * 1000, keepalive, 0);
}

void sa_auth_free_init(struct ike_sa *sa)
{
	free(sa->s_init_i);
	free(sa->s_init_r);
	sa->s_init_i = sa->s_init_r = NULL;
	sa->s_init_i_len = sa->s_init_r_len = 0;
}

/* The auth-failed reason key (api/control.md 6.1) for a failure text. */
static const char *auth_reason(const char *why, enum model_auth how)
{
	if (how == MODEL_AUTH_PSK)
		return "psk-mismatch";
	if (strstr(why, "expired") || strstr(why, "not yet valid"))
		return "cert-expired";
	if (strstr(why, "identity") || strstr(why, "subjectAltName"))
		return "id-mismatch";
	if (strstr(why, "issuer") || strstr(why, "trust") || strstr(why, "certificate"))
		return "cert-untrusted";
	return "bad-signature";
}

/* 2.21.2: the responder answers a failed IKE_AUTH with
 * AUTHENTICATION_FAILED and forgets the SA. */
void sa_auth_refuse(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		    const char *who, const char *why, enum sa_end end, const char *method,
		    const char *reason)
{
	struct ike_pld_notify n = { .n_type = IKE_N_AUTHENTICATION_FAILED };
	struct ike_builder b;
	struct writer wr;
	char pfx[96];

	log_info(LOG_SUB_AUTH, "%s: authentication of %s failed: %s",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), who, why);
	sa_inner_begin(&b, &wr);
	ike_build_notify(&b, &n);
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
	if (end == SA_END_AUTH)
		sa_event_auth_failed(e, sa, true, method, reason);
	ike_sa_kill(e, sa, end, why);
}

void exch_auth_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct auth_id peer, idr, mine;
	const struct ike_pld *ap = ike_msg_find(msg, IKE_PLD_AUTH);
	const struct sa_conn *sc;
	struct ike_pld_auth a;
	struct ike_builder b;
	struct writer wr;
	struct ike_err err;
	bool has_idr;
	uint16_t cp_err;
	char ids[300], why[AUTH_WHY_LEN];

	if (sa->s_state == IKE_ST_EAP || sa->s_state == IKE_ST_EAP_AUTH) {
		exch_eap_request_in(e, sa, msg);
		return;
	}
	if (sa->s_state != IKE_ST_INIT_DONE)
		return;
	if (sa_auth_read_id(msg, IKE_PLD_IDI, &peer)) {
		sa_auth_refuse(e, sa, msg, "the initiator", "no usable IDi payload", SA_END_AUTH,
			       NULL, "no-credentials");
		return;
	}
	auth_id_str(&peer, ids, sizeof(ids));
	has_idr = !sa_auth_read_id(msg, IKE_PLD_IDR, &idr);
	if (!ap) { /* 2.16: no AUTH, the initiator wants EAP */
		exch_eap_begin(e, sa, msg, &peer, has_idr ? &idr : NULL);
		return;
	}
	if (ike_pld_auth_parse(ap, &a, &err)) {
		sa_auth_refuse(e, sa, msg, ids, "unparsable AUTH payload", SA_END_AUTH, NULL,
			       "no-credentials");
		return;
	}
	if (!(sc = sa_auth_match_conn(sa, &peer, has_idr ? &idr : NULL, a.a_method))) {
		snprintf(why, sizeof(why), "no connection for this identity with auth method %u%s",
			 a.a_method, has_idr ? " and the IDr it asked for" : "");
		sa_auth_refuse(e, sa, msg, ids, why, SA_END_NO_CONN, NULL, NULL);
		return;
	}
	if (sa_auth_verify_peer(sa, sc, msg, &peer, &a, why, sizeof(why))) {
		sa->s_conn = sc;
		sa_auth_refuse(e, sa, msg, ids, why, SA_END_AUTH,
			       sa_auth_name(sc->sc_conn->c_remote.e_auth),
			       auth_reason(why, sc->sc_conn->c_remote.e_auth));
		return;
	}
	sa->s_conn = sc;
	sa_local_id(sa, sc, &mine);
	sa_inner_begin(&b, &wr);
	sa_auth_build_id(&b, IKE_PLD_IDR, &mine);
	sa_auth_build_certs(&b, sc);
	if (sa_auth_build_auth(&b, sa, sc, &mine)) {
		wr_free(&wr);
		sa_auth_refuse(e, sa, msg, ids, "internal error: cannot sign with our key",
			       SA_END_LOCAL_ERROR, NULL, NULL);
		return;
	}
	sa_auth_established(e, sa, sc, &peer);
	if ((cp_err = cp_respond(e, sa, msg, &b))) {
		struct ike_pld_notify n = { .n_type = cp_err };

		ike_build_notify(&b, &n); /* no address: no CHILD SA either */
	} else {
		child_respond(e, sa, msg, &b);
	}
	sa_auth_free_init(sa);
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
}

/*
 * Initiator: the responder's IDr, AUTH and certificates (2.15). False, and
 * the SA killed with events and a log line, when it fails or refused us.
 */
bool sa_auth_responder_ok(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			  struct auth_id *peer)
{
	const struct ike_pld *ap = ike_msg_find(msg, IKE_PLD_AUTH);
	const struct sa_conn *sc = sa->s_conn;
	uint16_t nerr = sa_msg_error(msg);
	struct ike_pld_auth a;
	struct ike_err err;
	char ids[300], why[AUTH_WHY_LEN + 64];

	if (!ap || ike_pld_auth_parse(ap, &a, &err) || sa_auth_read_id(msg, IKE_PLD_IDR, peer)) {
		snprintf(why, sizeof(why), "responder refused IKE_AUTH: %s",
			 nerr ? ike_notify_name(nerr) : "no AUTH or IDr payload");
		if (nerr == IKE_N_AUTHENTICATION_FAILED)
			sa_event_auth_failed(e, sa, false,
					     sa_auth_name(sc->sc_conn->c_local.e_auth),
					     "peer-refused");
		ike_sa_kill(e, sa,
			    nerr == IKE_N_AUTHENTICATION_FAILED ? SA_END_AUTH : SA_END_PEER_ERROR,
			    why);
		return false;
	}
	auth_id_str(peer, ids, sizeof(ids));
	if (!sc->sc_remote_any && !auth_id_equal(&sc->sc_remote_id, peer))
		snprintf(why, sizeof(why), "responder identity is not the configured '%s'",
			 sc->sc_conn->c_remote.e_id);
	else if (!sa_auth_class_ok(sc->sc_conn->c_remote.e_auth, a.a_method))
		snprintf(why, sizeof(why), "responder used auth method %u, we expect %s",
			 a.a_method,
			 sc->sc_conn->c_remote.e_auth == MODEL_AUTH_PSK ? "psk" : "pubkey");
	else if (!sa_auth_verify_peer(sa, sc, msg, peer, &a, why, sizeof(why)))
		why[0] = '\0';
	if (!why[0])
		return true;
	log_info(LOG_SUB_AUTH, "authentication of responder %s failed: %s", ids, why);
	sa_event_auth_failed(e, sa, true, sa_auth_name(sc->sc_conn->c_remote.e_auth),
			     auth_reason(why, sc->sc_conn->c_remote.e_auth));
	ike_sa_kill(e, sa, SA_END_AUTH, why);
	return false;
}

/* Initiator: the SA is authenticated; the address we got, then the child. */
void sa_auth_initiator_done(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			    const struct auth_id *peer)
{
	const char *cwhy;

	sa_auth_established(e, sa, sa->s_conn, peer);
	sa_auth_free_init(sa);
	if (cp_apply(e, sa, msg))
		log_warn(LOG_SUB_IKE, "virtual IP from the CFG_REPLY not installed");
	if ((cwhy = child_complete(e, sa, msg)))
		sa_waiter_fire(sa, "child-failed", cwhy, NULL);
	else
		sa_waiter_fire(sa, NULL, NULL, sa_initiated_json(sa));
}

void exch_auth_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct auth_id peer;

	if (sa_is_eap_client(sa)) {
		exch_eap_response_in(e, sa, msg);
		return;
	}
	if (sa->s_state != IKE_ST_AUTH_SENT || !sa_auth_responder_ok(e, sa, msg, &peer))
		return;
	sa_auth_initiator_done(e, sa, msg, &peer);
}

/* ---- liveness (2.4) and NAT keepalives (RFC 3948 2.3) ---- */

static void dpd_check(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	uint64_t idle = pool_now_ms() - sa->s_last_rx_ms;

	(void)arg;
	if (sa->s_state != IKE_ST_ESTABLISHED || !c->c_dpd_delay)
		return;
	if (idle >= (uint64_t)c->c_dpd_delay * 1000 && !sa->s_req.w_n)
		exch_info_dpd(e, sa);
	sa_timer(e, sa, c->c_dpd_delay * 1000, dpd_check, 0);
}

static void keepalive(struct sa_engine *e, struct ike_sa *sa, uint32_t arg)
{
	unsigned every = sa->s_cfg->cf_settings.gs_nat_keepalive;
	struct sockaddr_storage l, r;

	(void)arg;
	if (sa->s_state != IKE_ST_ESTABLISHED || !every)
		return;
	sa_ep_to_sockaddr(&sa->s_local, &l);
	sa_ep_to_sockaddr(&sa->s_remote, &r);
	net_send_keepalive(e->e_net, &l, &r);
	sa_timer(e, sa, every * 1000, keepalive, 0);
}
