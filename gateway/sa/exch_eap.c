/*
 * EAP inside IKE_AUTH (RFC 7296 2.16). The responder proves itself with
 * its signature first, runs EAP (gateway/auth/eap) over as many IKE_AUTH
 * exchanges as the method needs, then both sides send an AUTH keyed by the
 * MSK (SK_pi/SK_pr for methods without one, EAP-MD5), and only then are
 * the virtual IP and the first CHILD SA of the first request answered.
 * Caller holds checkout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

void sa_ra_free(struct sa_engine *e, struct ike_sa *sa)
{
	struct sa_ra *ra = sa->s_ra;

	(void)e;
	if (!ra)
		return;
	eap_server_free(ra->r_srv);
	eap_client_free(ra->r_cli);
	secret_free(ra->r_msk);
	if (ra->r_first)
		crypto_wipe(ra->r_first, ra->r_first_len);
	free(ra->r_first);
	crypto_wipe(ra, sizeof(*ra));
	free(ra);
	sa->s_ra = NULL;
}

bool sa_is_eap_client(const struct ike_sa *sa)
{
	return sa->s_initiator && sa->s_conn &&
	       sa->s_conn->sc_conn->c_local.e_auth == MODEL_AUTH_EAP;
}

static unsigned methods_of(enum model_auth a)
{
	return a == MODEL_AUTH_EAP_MD5        ? EAP_M_MD5
	       : a == MODEL_AUTH_EAP_MSCHAPV2 ? EAP_M_MSCHAPV2
					      : EAP_M_ALL;
}

static void build_eap(struct ike_builder *b, const struct eap_out *o)
{
	if (o->o_len)
		ike_build_raw(b, IKE_PLD_EAP, false, o->o_buf, o->o_len);
}

/*
 * 2.16: AUTH = prf(prf(key, "Key Pad for IKEv2"), <SignedOctets>) with the
 * MSK as key, or SK_pi / SK_pr when the method made none. mine: the octets
 * of our side (else the peer's, to verify).
 */
static int eap_octets(struct ike_sa *sa, bool mine, const struct auth_id *id, uint8_t **oct,
		      size_t *len, const uint8_t **key, size_t *key_len)
{
	bool init_side = mine == sa->s_initiator;
	const struct secret *skp = init_side ? sa->s_keys.k_pi : sa->s_keys.k_pr;
	const struct secret *k = sa->s_ra->r_msk ? sa->s_ra->r_msk : skp;

	*key = k->data;
	*key_len = k->len;
	return auth_signed_octets(sa->s_suite.s_prf, skp, init_side ? sa->s_init_i : sa->s_init_r,
				  init_side ? sa->s_init_i_len : sa->s_init_r_len,
				  init_side ? sa->s_nr : sa->s_ni,
				  init_side ? sa->s_nr_len : sa->s_ni_len, id, oct, len);
}

static int build_msk_auth(struct ike_builder *b, struct ike_sa *sa, const struct auth_id *mine)
{
	struct ike_pld_auth a = { .a_method = IKE_AUTH_PSK };
	uint8_t mac[64], *oct = NULL;
	const uint8_t *key;
	size_t len, key_len, mac_len = sizeof(mac);
	int r;

	if ((r = eap_octets(sa, true, mine, &oct, &len, &key, &key_len)) ||
	    (r = auth_psk_compute(sa->s_suite.s_prf, key, key_len, oct, len, mac, &mac_len)))
		goto out;
	a.a_data = mac;
	a.a_len = mac_len;
	ike_build_auth(b, &a);
out:
	free(oct);
	crypto_wipe(mac, sizeof(mac));
	return r;
}

static int verify_msk_auth(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_AUTH);
	struct ike_pld_auth a;
	struct ike_err err;
	uint8_t *oct = NULL;
	const uint8_t *key;
	size_t len, key_len;
	int r;

	if (!p || ike_pld_auth_parse(p, &a, &err) || a.a_method != IKE_AUTH_PSK || !sa->s_peer_id)
		return GW_E_AUTH;
	if (!(r = eap_octets(sa, false, sa->s_peer_id, &oct, &len, &key, &key_len)))
		r = auth_psk_verify(sa->s_suite.s_prf, key, key_len, oct, len, a.a_data, a.a_len);
	free(oct);
	return r ? GW_E_AUTH : 0;
}

/* ---- responder ---- */

/* Keep the first request's SA, TSi, TSr, CP and USE_TRANSPORT_MODE: they
 * are answered after EAP, in the last IKE_AUTH response. */
static int keep_first(struct sa_ra *ra, const struct ike_msg *msg)
{
	struct ike_builder b;
	struct writer wr;
	size_t len;

	wr_init(&wr, IKE_MSG_MAX);
	ike_build_inner_begin(&b, &wr);
	for (size_t i = 0; i < msg->m_n; i++) {
		const struct ike_pld *p = &msg->m_pld[i];
		struct ike_pld_notify n;
		struct ike_err err;

		if (!p->p_in_sk)
			continue;
		if (p->p_type == IKE_PLD_SA || p->p_type == IKE_PLD_TSI ||
		    p->p_type == IKE_PLD_TSR || p->p_type == IKE_PLD_CP ||
		    (p->p_type == IKE_PLD_NOTIFY && !ike_pld_notify_parse(p, &n, &err) &&
		     n.n_type == IKE_N_USE_TRANSPORT_MODE))
			ike_build_raw(&b, p->p_type, p->p_critical, p->p_body, p->p_len);
	}
	ra->r_first_type = b.b_first;
	if (!(ra->r_first = wr_take(&wr, &len)))
		return GW_E_NOMEM;
	ra->r_first_len = len;
	return 0;
}

void exch_eap_begin(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
		    const struct auth_id *peer, const struct auth_id *idr)
{
	struct eap_server_cfg cfg = { .sc_ctx = e->e_eap_ctx,
				      .sc_lookup = eap_cred_from_users,
				      .sc_lookup_arg = sa->s_cfg->cf_eap_users,
				      .sc_rl = e->e_eap_rl };
	const struct sa_conn *sc = sa_auth_match_conn(sa, peer, idr, 0);
	struct eap_out *out = NULL;
	struct ike_builder b;
	struct writer wr;
	struct auth_id mine;
	struct sa_ra *ra;
	char ids[300];

	auth_id_str(peer, ids, sizeof(ids));
	if (!sc) {
		sa_auth_refuse(e, sa, msg, ids, "no connection for this identity with EAP",
			       SA_END_NO_CONN, NULL, NULL);
		return;
	}
	sa->s_conn = sc;
	cfg.sc_methods = methods_of(sc->sc_conn->c_remote.e_auth) &
			 (e->e_eap_ctx ? eap_ctx_methods(e->e_eap_ctx) : 0);
	if (!cfg.sc_methods || !(ra = sa_ra_get(sa)) || !(out = malloc(sizeof(*out))) ||
	    keep_first(ra, msg) || eap_server_new(&cfg, &ra->r_srv) ||
	    eap_server_start(ra->r_srv, out) ||
	    (!sa->s_peer_id && !(sa->s_peer_id = malloc(sizeof(*peer))))) {
		sa_auth_refuse(e, sa, msg, ids, "EAP unavailable here (see the start-up log)",
			       SA_END_LOCAL_ERROR, NULL, NULL);
		goto out;
	}
	*sa->s_peer_id = *peer;
	sa_local_id(sa, sc, &mine);
	sa_inner_begin(&b, &wr);
	sa_auth_build_id(&b, IKE_PLD_IDR, &mine);
	sa_auth_build_certs(&b, sc);
	if (sa_auth_build_auth(&b, sa, sc, &mine)) {
		wr_free(&wr);
		sa_auth_refuse(e, sa, msg, ids, "internal error: cannot sign with our key",
			       SA_END_LOCAL_ERROR, NULL, NULL);
		goto out;
	}
	build_eap(&b, out);
	sa->s_state = IKE_ST_EAP;
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
out:
	free(out);
}

/* EAP done and the peer's AUTH good: the answer to everything the first
 * request asked (virtual IP, CHILD SA). */
static void finish_responder(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct ike_msg *first = calloc(1, sizeof(*first));
	struct sa_ra *ra = sa->s_ra;
	struct ike_builder b;
	struct writer wr;
	struct auth_id mine, peer = *sa->s_peer_id;
	struct ike_err err;
	uint16_t cp_err;

	sa_local_id(sa, sa->s_conn, &mine);
	sa_inner_begin(&b, &wr);
	if (!first || build_msk_auth(&b, sa, &mine) ||
	    ike_msg_parse_inner(first, ra->r_first_type, ra->r_first, ra->r_first_len, 0, &err)) {
		wr_free(&wr);
		free(first);
		sa_auth_refuse(e, sa, msg, "the client", "internal error finishing EAP",
			       SA_END_LOCAL_ERROR, NULL, NULL);
		return;
	}
	sa_auth_established(e, sa, sa->s_conn, &peer);
	if ((cp_err = cp_respond(e, sa, first, &b))) {
		struct ike_pld_notify n = { .n_type = cp_err };

		ike_build_notify(&b, &n); /* no address: no CHILD SA either */
	} else {
		child_respond(e, sa, first, &b);
	}
	sa_auth_free_init(sa);
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
	free(first);
}

static void eap_failed(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		       const struct eap_out *out, const char *why)
{
	struct ike_pld_notify n = { .n_type = IKE_N_AUTHENTICATION_FAILED };
	const char *method = sa_auth_name(sa->s_conn->sc_conn->c_remote.e_auth);
	struct ike_builder b;
	struct writer wr;
	char who[2 * EAP_IDENTITY_MAX + 4] = "the client", pfx[96];
	size_t idlen;
	const uint8_t *id = eap_server_identity(sa->s_ra->r_srv, &idlen);

	if (id)
		log_escape(who, sizeof(who), id, idlen);
	log_info(LOG_SUB_AUTH, "%s: EAP authentication of '%s' failed: %s",
		 ike_sa_prefix(sa, pfx, sizeof(pfx)), who, why);
	sa_inner_begin(&b, &wr);
	build_eap(&b, out);
	ike_build_notify(&b, &n);
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
	sa_event_auth_failed(e, sa, true, method, "eap-failure");
	ike_sa_kill(e, sa, SA_END_AUTH, why);
}

static void eap_round(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_EAP);
	struct sa_ra *ra = sa->s_ra;
	struct eap_out *out = calloc(1, sizeof(*out));
	enum eap_status st = EAP_FAILURE;
	const struct secret *msk;
	const uint8_t *id;
	struct ike_builder b;
	struct writer wr;
	size_t idlen;

	if (!out || !p ||
	    (eap_server_process(ra->r_srv, p->p_body, p->p_len, out, &st) < 0 && !out->o_len) ||
	    st == EAP_FAILURE) {
		eap_failed(e, sa, msg, out ? out : &(struct eap_out){ 0 },
			   !p ? "no EAP payload in the request" : eap_server_why(ra->r_srv));
		goto out;
	}
	if (st == EAP_SUCCESS) {
		if ((msk = eap_server_msk(ra->r_srv)) &&
		    !(ra->r_msk = secret_dup(msk->data, msk->len)))
			goto out;
		if ((id = eap_server_identity(ra->r_srv, &idlen)) &&
		    idlen <= sizeof(ra->r_eap_id)) {
			memcpy(ra->r_eap_id, id, idlen);
			ra->r_eap_id_len = idlen;
		}
		sa->s_state = IKE_ST_EAP_AUTH;
	}
	sa_inner_begin(&b, &wr);
	build_eap(&b, out);
	sa_send_response(e, sa, IKE_EXCH_AUTH, msg->m_hdr.h_msgid, &b);
out:
	free(out);
}

void exch_eap_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	if (sa->s_state == IKE_ST_EAP) {
		eap_round(e, sa, msg);
	} else if (verify_msk_auth(sa, msg)) {
		sa_auth_refuse(e, sa, msg, "the client",
			       "AUTH after EAP does not verify (the MSK or its octets differ)",
			       SA_END_AUTH, sa_auth_name(sa->s_conn->sc_conn->c_remote.e_auth),
			       "eap-failure");
	} else {
		finish_responder(e, sa, msg);
	}
}

/* ---- initiator (we are the EAP client) ---- */

static int client_new(struct sa_engine *e, struct ike_sa *sa, struct sa_ra *ra)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	struct eap_client_cfg cfg = { .cc_ctx = e->e_eap_ctx, .cc_methods = EAP_M_ALL };
	struct secret *pw = secret_dup(c->c_psk, c->c_psk_len);
	char idbuf[300];
	struct auth_id mine;
	int r;

	if (c->c_local.e_eap_id[0]) {
		cfg.cc_identity = (const uint8_t *)c->c_local.e_eap_id;
		cfg.cc_identity_len = strlen(c->c_local.e_eap_id);
	} else { /* RFC 7296 2.16: the IKE identity serves when none is set */
		sa_local_id(sa, sa->s_conn, &mine);
		auth_id_str(&mine, idbuf, sizeof(idbuf));
		cfg.cc_identity = (const uint8_t *)idbuf;
		cfg.cc_identity_len = strlen(idbuf);
	}
	cfg.cc_password = pw;
	r = pw && e->e_eap_ctx ? eap_client_new(&cfg, &ra->r_cli) : GW_E_STATE;
	secret_free(pw);
	return r;
}

static void client_failed(struct sa_engine *e, struct ike_sa *sa, const char *why)
{
	char pfx[96];

	log_info(LOG_SUB_AUTH, "%s: EAP failed: %s", ike_sa_prefix(sa, pfx, sizeof(pfx)), why);
	sa_event_auth_failed(e, sa, false, "eap", "eap-failure");
	ike_sa_kill(e, sa, SA_END_AUTH, why);
}

/* One EAP request from the gateway: our response, or our AUTH once done. */
static void client_round(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_EAP);
	struct eap_out *out = calloc(1, sizeof(*out));
	struct sa_ra *ra = sa->s_ra;
	enum eap_status st = EAP_FAILURE;
	const struct secret *msk;
	struct ike_builder b;
	struct writer wr;
	struct auth_id mine;

	if (!out || !p || eap_client_process(ra->r_cli, p->p_body, p->p_len, out, &st) < 0 ||
	    st == EAP_FAILURE) {
		uint16_t nerr = sa_msg_error(msg);

		client_failed(
			e, sa,
			!p ? (nerr ? ike_notify_name(nerr) : "no EAP payload from the gateway")
			   : eap_client_why(ra->r_cli));
		goto out;
	}
	sa_inner_begin(&b, &wr);
	if (st == EAP_SUCCESS) {
		if ((msk = eap_client_msk(ra->r_cli)) &&
		    !(ra->r_msk = secret_dup(msk->data, msk->len))) {
			wr_free(&wr);
			goto out;
		}
		sa_local_id(sa, sa->s_conn, &mine);
		if (build_msk_auth(&b, sa, &mine)) {
			wr_free(&wr);
			client_failed(e, sa, "cannot compute our AUTH after EAP");
			goto out;
		}
		sa->s_state = IKE_ST_EAP_AUTH;
	} else {
		build_eap(&b, out);
		sa->s_state = IKE_ST_EAP;
	}
	sa_send_request(e, sa, IKE_EXCH_AUTH, &b);
out:
	free(out);
}

void exch_eap_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct auth_id peer;
	struct sa_ra *ra;

	switch (sa->s_state) {
	case IKE_ST_AUTH_SENT: /* the gateway's signature and its first EAP request */
		if (!sa_auth_responder_ok(e, sa, msg, &peer))
			return;
		if (!(ra = sa_ra_get(sa)) ||
		    (!sa->s_peer_id && !(sa->s_peer_id = malloc(sizeof(peer)))) ||
		    client_new(e, sa, ra)) {
			client_failed(e, sa, "EAP client unavailable (see the start-up log)");
			return;
		}
		*sa->s_peer_id = peer;
		client_round(e, sa, msg);
		return;
	case IKE_ST_EAP:
		client_round(e, sa, msg);
		return;
	case IKE_ST_EAP_AUTH: /* the gateway's AUTH keyed by the MSK */
		if (verify_msk_auth(sa, msg)) {
			uint16_t nerr = sa_msg_error(msg);

			client_failed(e, sa,
				      nerr ? ike_notify_name(nerr)
					   : "the gateway's AUTH after EAP does not verify");
			return;
		}
		peer = *sa->s_peer_id;
		sa_auth_initiator_done(e, sa, msg, &peer);
		return;
	default:
		return;
	}
}
