/*
 * server.c: the EAP server of one IKE SA (RFC 7296 2.16, RFC 3748): asks
 * for the identity, picks the method the connection and the user allow,
 * honours one Nak (RFC 3748 5.3.1), hands the method's responses to md5.c
 * or mschapv2.c, and ends with EAP-Success or EAP-Failure. Every failure
 * the client causes ends the conversation: in IKEv2 the client starts a new
 * IKE SA to try again, which is where the rate limiter counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"
#include "util/log.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int eap_server_new(const struct eap_server_cfg *cfg, struct eap_server **out)
{
	struct eap_server *s;

	*out = NULL;
	if (!cfg || !cfg->sc_ctx || !cfg->sc_lookup)
		return GW_E_INVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return GW_E_NOMEM;
	s->s_ctx = cfg->sc_ctx;
	s->s_cfg_methods = cfg->sc_methods & eap_ctx_methods(cfg->sc_ctx);
	snprintf(s->s_name, sizeof(s->s_name), "%s",
		 cfg->sc_name && cfg->sc_name[0] ? cfg->sc_name : "palisade");
	s->s_lookup = cfg->sc_lookup;
	s->s_lookup_arg = cfg->sc_lookup_arg;
	s->s_rl = cfg->sc_rl;
	s->s_now_ms = cfg->sc_now_ms ? cfg->sc_now_ms : mono_ms;
	s->s_state = SRV_INIT;
	*out = s;
	return 0;
}

void eap_server_free(struct eap_server *s)
{
	if (!s)
		return;
	eap_cred_clear(&s->s_cred);
	secret_free(s->s_msk_pending);
	secret_free(s->s_msk);
	crypto_wipe(s, sizeof(*s));
	free(s);
}

const char *eap_server_why(const struct eap_server *s)
{
	return s->s_why;
}

const uint8_t *eap_server_identity(const struct eap_server *s, size_t *len)
{
	*len = s->s_id_len;
	return s->s_id_len ? s->s_identity : NULL;
}

uint8_t eap_server_method(const struct eap_server *s)
{
	return s->s_method;
}

const struct secret *eap_server_msk(const struct eap_server *s)
{
	return s->s_state == SRV_DONE && !s->s_why[0] ? s->s_msk : NULL;
}

/* The escaped identity, for messages. */
static const char *id_esc(const struct eap_server *s, char *buf, size_t len)
{
	return log_escape(buf, len, s->s_identity, s->s_id_len);
}

/* End with EAP-Failure; id is the Identifier of the response we answer
 * (RFC 3748 4.2). Counts towards the rate limit when it was the
 * credential that failed. */
static int srv_fail(struct eap_server *s, struct eap_out *out, enum eap_status *st, bool count,
		    int rc)
{
	eap_msg_short(out, EAP_CODE_FAILURE, s->s_id);
	*st = EAP_FAILURE;
	s->s_state = SRV_DONE;
	secret_free(s->s_msk_pending);
	s->s_msk_pending = NULL;
	eap_cred_clear(&s->s_cred);
	if (count && s->s_rl && s->s_id_len)
		eap_rl_failed(s->s_rl, s->s_identity, s->s_id_len, s->s_now_ms());
	if (!s->s_why[0])
		eap_why(s->s_why, sizeof(s->s_why), "EAP failed");
	return rc;
}

int eap_server_start(struct eap_server *s, struct eap_out *out)
{
	struct writer wr;

	if (s->s_state != SRV_INIT)
		return GW_E_STATE;
	if (crypto_random(&s->s_id, 1))
		return GW_E_CRYPTO;
	/* RFC 3748 5.1: a Request/Identity may carry a displayable message;
	 * ours is empty. */
	eap_msg_begin(&wr, out, EAP_CODE_REQUEST, s->s_id, EAP_TYPE_IDENTITY);
	s->s_state = SRV_IDENTITY;
	return eap_msg_end(&wr, out);
}

/* The method's first request, with a fresh Identifier. */
static int srv_request_method(struct eap_server *s, uint8_t type, struct eap_out *out)
{
	s->s_method = type;
	s->s_id++;
	s->s_state = SRV_METHOD;
	return type == EAP_TYPE_MD5 ? eap_md5_server_request(s, out)
				    : eap_ms_server_request(s, out);
}

/* What this user may run here: the connection's methods, the user's, and
 * what the stored credential can do (EAP-MD5 needs the password). An
 * unknown identity is offered the connection's first method, like a user
 * who may use them all; a user restricted to another method shows that
 * restriction by the method offered, which is configuration, not a secret. */
static unsigned user_methods(const struct eap_server *s)
{
	unsigned m = s->s_cfg_methods;

	if (s->s_phantom)
		return m;
	m &= s->s_cred.cr_methods;
	if (!s->s_cred.cr_password)
		m &= ~(unsigned)EAP_M_MD5;
	if (!s->s_cred.cr_password && !s->s_cred.cr_nt_hash)
		m = 0;
	return m;
}

/* An unknown identity gets a random credential (hex text, so that it is
 * a valid password for either method), so the method runs and costs the
 * same as for a real one; it always fails at the end. */
static int srv_phantom(struct eap_server *s)
{
	uint8_t rnd[16];
	char pw[2 * sizeof(rnd) + 1];
	int rc;

	s->s_phantom = true;
	eap_cred_clear(&s->s_cred);
	if ((rc = crypto_random(rnd, sizeof(rnd))) != 0)
		return rc;
	eap_hex_upper(rnd, sizeof(rnd), pw);
	s->s_cred.cr_methods = EAP_M_ALL;
	s->s_cred.cr_password = secret_dup(pw, 2 * sizeof(rnd));
	crypto_wipe(rnd, sizeof(rnd));
	crypto_wipe(pw, sizeof(pw));
	return s->s_cred.cr_password ? 0 : GW_E_NOMEM;
}

static int srv_lookup(struct eap_server *s)
{
	int rc;

	memset(&s->s_cred, 0, sizeof(s->s_cred));
	rc = s->s_lookup(s->s_lookup_arg, s->s_identity, s->s_id_len, &s->s_cred);
	if (rc == GW_E_NOTFOUND)
		return srv_phantom(s);
	if (rc == 0 && s->s_cred.cr_nt_hash && s->s_cred.cr_nt_hash->len != EAP_NT_HASH_LEN)
		rc = GW_E_INVAL;
	if (rc)
		eap_cred_clear(&s->s_cred);
	return rc;
}

static const char *methods_str(unsigned m)
{
	switch (m & EAP_M_ALL) {
	case EAP_M_MD5:
		return "eap-md5";
	case EAP_M_MSCHAPV2:
		return "eap-mschapv2";
	case EAP_M_ALL:
		return "eap-mschapv2, eap-md5";
	}
	return "none";
}

/* RFC 3748 5.1: Response/Identity. Checked against the rate limit before
 * anything is looked up. */
static int srv_identity(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
			enum eap_status *st)
{
	size_t n = rd_left(&p->ep_data);
	const uint8_t *id = rd_bytes(&p->ep_data, n);
	unsigned retry = 0, user;
	char esc[128];
	int rc;

	if (!eap_identity_ok(id, n)) {
		eap_why(s->s_why, sizeof(s->s_why),
			"EAP identity refused: %zu bytes (1-%d, no NUL)", n, EAP_IDENTITY_MAX);
		return srv_fail(s, out, st, false, 0);
	}
	memcpy(s->s_identity, id, n);
	s->s_id_len = n;
	if (s->s_rl && eap_rl_check(s->s_rl, id, n, s->s_now_ms(), &retry) == GW_E_AGAIN) {
		eap_why(s->s_why, sizeof(s->s_why),
			"EAP identity '%s' refused for %u s more after repeated failures",
			id_esc(s, esc, sizeof(esc)), retry);
		return srv_fail(s, out, st, false, 0);
	}
	if ((rc = srv_lookup(s)) != 0) {
		eap_why(s->s_why, sizeof(s->s_why), "EAP credential lookup for '%s' failed: %s",
			id_esc(s, esc, sizeof(esc)), gw_strerror(rc));
		return srv_fail(s, out, st, false, rc);
	}
	user = s->s_phantom ? EAP_M_ALL : s->s_cred.cr_methods;
	if (!(s->s_allowed = user_methods(s))) {
		eap_why(s->s_why, sizeof(s->s_why),
			"no EAP method for '%s': the connection allows %s, the user %s%s",
			id_esc(s, esc, sizeof(esc)), methods_str(s->s_cfg_methods),
			methods_str(user),
			s->s_cred.cr_password ? "" : " (no password stored: not eap-md5)");
		return srv_fail(s, out, st, false, 0);
	}
	rc = srv_request_method(s, s->s_allowed & EAP_M_MSCHAPV2 ? EAP_TYPE_MSCHAPV2 : EAP_TYPE_MD5,
				out);
	if (rc)
		return srv_fail(s, out, st, false, rc);
	*st = EAP_CONTINUE;
	return 0;
}

/* RFC 3748 5.3.1: a Nak to the method's first request names the types
 * the client wants, best first. We switch once, to the first one this
 * user may use; a second Nak, or nothing usable, ends it. */
static int srv_nak(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
		   enum eap_status *st)
{
	size_t n = rd_left(&p->ep_data);
	const uint8_t *types = rd_bytes(&p->ep_data, n);
	char esc[128], list[64] = "";
	size_t used = 0;
	int rc;

	if (s->s_nak_seen || n == 0) {
		eap_why(s->s_why, sizeof(s->s_why), "EAP %s from '%s'",
			n ? "second Nak" : "empty Nak", id_esc(s, esc, sizeof(esc)));
		return srv_fail(s, out, st, false, 0);
	}
	s->s_nak_seen = true;
	for (size_t i = 0; i < n; i++) {
		if (types[i] != s->s_method && (eap_type_bit(types[i]) & s->s_allowed)) {
			if ((rc = srv_request_method(s, types[i], out)) != 0)
				return srv_fail(s, out, st, false, rc);
			*st = EAP_CONTINUE;
			return 0;
		}
		if (i < 8 && used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
						 i ? "," : "", types[i]);
	}
	eap_why(s->s_why, sizeof(s->s_why),
		"EAP client '%s' refused %s and proposed only types [%s]; allowed: %s",
		id_esc(s, esc, sizeof(esc)), eap_type_name(s->s_method), list,
		methods_str(s->s_allowed));
	return srv_fail(s, out, st, false, 0);
}

/* RFC 3748 4.2: EAP-Success carries the Identifier of the response it answers. */
static int srv_succeed(struct eap_server *s, struct eap_out *out, enum eap_status *st)
{
	eap_msg_short(out, EAP_CODE_SUCCESS, s->s_id);
	*st = EAP_SUCCESS;
	s->s_state = SRV_DONE;
	s->s_why[0] = '\0';
	s->s_msk = s->s_msk_pending;
	s->s_msk_pending = NULL;
	eap_cred_clear(&s->s_cred);
	if (s->s_rl)
		eap_rl_succeeded(s->s_rl, s->s_identity, s->s_id_len);
	return 0;
}

static int srv_method(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
		      enum eap_status *st)
{
	enum eap_verdict v = EV_MALFORMED;
	char esc[128];
	int rc;

	if (s->s_method == EAP_TYPE_MD5)
		rc = eap_md5_server_verify(s, p, &v);
	else
		rc = eap_ms_server_process(s, p, out, &v);
	if (rc)
		return srv_fail(s, out, st, false, rc);
	if (v == EV_SUCCESS && s->s_phantom)
		v = EV_WRONG;
	switch (v) {
	case EV_CONTINUE:
		*st = EAP_CONTINUE;
		return 0;
	case EV_SUCCESS:
		return srv_succeed(s, out, st);
	case EV_WRONG:
		eap_why(s->s_why, sizeof(s->s_why), "%s: %s '%s'", eap_type_name(s->s_method),
			s->s_phantom ? "unknown identity" : "wrong password for",
			id_esc(s, esc, sizeof(esc)));
		return srv_fail(s, out, st, true, 0);
	case EV_MALFORMED:
	case EV_CLIENT_FAILED:
		break;
	}
	return srv_fail(s, out, st, false, 0);
}

int eap_server_process(struct eap_server *s, const uint8_t *pkt, size_t len, struct eap_out *out,
		       enum eap_status *st)
{
	struct eap_pkt p;
	char why[128];

	out->o_len = 0;
	*st = EAP_FAILURE;
	if (s->s_state == SRV_INIT || s->s_state == SRV_DONE)
		return GW_E_STATE;
	if (eap_pkt_parse(pkt, len, &p, why, sizeof(why))) {
		eap_why(s->s_why, sizeof(s->s_why), "malformed EAP packet: %s", why);
		return srv_fail(s, out, st, false, 0);
	}
	if (p.ep_code != EAP_CODE_RESPONSE) {
		eap_why(s->s_why, sizeof(s->s_why), "EAP code %u from the client, not a response",
			p.ep_code);
		return srv_fail(s, out, st, false, 0);
	}
	/* RFC 3748 4.1: a response must echo the request's Identifier. In IKE a
	 * retransmission is answered below EAP, so a mismatch is an error. */
	if (p.ep_id != s->s_id) {
		eap_why(s->s_why, sizeof(s->s_why), "EAP identifier %u, expected %u", p.ep_id,
			s->s_id);
		return srv_fail(s, out, st, false, 0);
	}
	if (s->s_state == SRV_IDENTITY && p.ep_type == EAP_TYPE_IDENTITY)
		return srv_identity(s, &p, out, st);
	if (s->s_state == SRV_METHOD && p.ep_type == EAP_TYPE_NAK)
		return srv_nak(s, &p, out, st);
	if (s->s_state != SRV_IDENTITY && p.ep_type == s->s_method)
		return srv_method(s, &p, out, st);
	eap_why(s->s_why, sizeof(s->s_why), "EAP response of type %u (%s), expected %s", p.ep_type,
		eap_type_name(p.ep_type),
		s->s_state == SRV_IDENTITY ? "Identity" : eap_type_name(s->s_method));
	return srv_fail(s, out, st, false, 0);
}
