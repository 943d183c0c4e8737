/*
 * mschapv2_client.c: EAP-MSCHAPv2, peer side (draft-kamath-pppext-eap-
 * mschapv2, RFC 2759). We answer the Challenge with an NT-Response, and
 * accept the server only if its Success Request carries the authenticator
 * response we expect (mutual authentication: it proves the server knows
 * the password too). An MS-CHAPv2 Failure Request ends it on our side
 * without a Failure Response, as Windows and strongSwan do.
 */
#include <string.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#define MS_OP_CHALLENGE 1
#define MS_OP_RESPONSE  2
#define MS_OP_SUCCESS   3
#define MS_OP_FAILURE   4
#define MS_RESPONSE_LEN 49

/* OpCode (read by the caller) | MS-CHAPv2-ID | MS-Length, with MS-Length
 * checked against the EAP Length. */
static int ms_header(struct eap_client *c, struct eap_pkt *p, uint8_t *ms_id)
{
	uint16_t ms_len;

	*ms_id = rd_u8(&p->ep_data);
	ms_len = rd_u16(&p->ep_data);
	if (!rd_ok(&p->ep_data) || ms_len != p->ep_len - 5) {
		eap_why(c->c_why, sizeof(c->c_why),
			"malformed EAP-MSCHAPv2 request (%u bytes, MS-Length %u)", p->ep_len,
			ms_len);
		return GW_E_PARSE;
	}
	return 0;
}

/* Challenge: Value-Size (16) | Challenge | Name (the server's, unused). */
static int ms_challenge(struct eap_client *c, struct eap_pkt *p, struct eap_out *out)
{
	uint8_t ms_id, size, peer_ch[EAP_CHALLENGE_LEN], hash[EAP_NT_HASH_LEN];
	uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN];
	const uint8_t *auth_ch, *user;
	size_t user_len;
	struct eap_cred cred = { 0, c->c_password, c->c_nt_hash };
	struct writer wr;
	int rc;

	if ((rc = ms_header(c, p, &ms_id)) != 0)
		return rc;
	size = rd_u8(&p->ep_data);
	auth_ch = rd_bytes(&p->ep_data, EAP_CHALLENGE_LEN);
	if (!rd_ok(&p->ep_data) || size != EAP_CHALLENGE_LEN) {
		eap_why(c->c_why, sizeof(c->c_why),
			"malformed EAP-MSCHAPv2 challenge (value size %u)", size);
		return GW_E_PARSE;
	}
	mschap_user_name(c->c_identity, c->c_id_len, &user, &user_len);
	if ((rc = crypto_random(peer_ch, sizeof(peer_ch))) != 0 ||
	    (rc = eap_cred_nt_hash(c->c_ctx, &cred, hash)) != 0 ||
	    (rc = mschap_nt_response(c->c_ctx, auth_ch, peer_ch, user, user_len, hash, nt_resp)) !=
		    0 ||
	    (rc = mschap_auth_response(c->c_ctx, hash, nt_resp, peer_ch, auth_ch, user, user_len,
				       c->c_auth_resp)) != 0 ||
	    (rc = mschap_msk(c->c_ctx, hash, nt_resp, &c->c_msk_pending)) != 0)
		goto out;
	/* Response: Value-Size | Peer-Challenge | 8 reserved | NT-Response |
	 * Flags | Name (our whole identity; the hash used the user part). */
	eap_ms_begin(&wr, out, EAP_CODE_RESPONSE, p->ep_id, MS_OP_RESPONSE, ms_id);
	wr_u8(&wr, MS_RESPONSE_LEN);
	wr_bytes(&wr, peer_ch, sizeof(peer_ch));
	wr_zero(&wr, 8);
	wr_bytes(&wr, nt_resp, sizeof(nt_resp));
	wr_u8(&wr, 0);
	wr_bytes(&wr, c->c_identity, c->c_id_len);
	rc = eap_ms_end(&wr, out);
	c->c_state = CLI_MS_RESPONSE;
out:
	crypto_wipe(hash, sizeof(hash));
	return rc;
}

/* Success Request: "S=<40 hex>" first (either case; strongSwan sends a
 * trailing NUL after the message, which we never read). */
static int ms_success(struct eap_client *c, struct eap_pkt *p, struct eap_out *out,
		      enum eap_status *st)
{
	uint8_t ms_id, got[MSCHAP_AUTH_RESPONSE_LEN];
	const uint8_t *msg;
	struct writer wr;
	bool ok;

	if (ms_header(c, p, &ms_id))
		return GW_E_PARSE;
	msg = rd_bytes(&p->ep_data, 2 + 2 * MSCHAP_AUTH_RESPONSE_LEN);
	if (!msg || msg[0] != 'S' || msg[1] != '=' ||
	    util_hex_decode((const char *)msg + 2, MSCHAP_AUTH_RESPONSE_LEN, got)) {
		eap_why(c->c_why, sizeof(c->c_why),
			"malformed EAP-MSCHAPv2 success request (no S=<40 hex digits>)");
		return GW_E_PARSE;
	}
	ok = crypto_ct_equal(got, c->c_auth_resp, sizeof(got));
	if (!ok) {
		eap_why(c->c_why, sizeof(c->c_why),
			"EAP-MSCHAPv2: the server's authenticator response is wrong "
			"(it does not know our password)");
		*st = EAP_FAILURE;
		return 0;
	}
	/* Success Response: just the OpCode. */
	eap_msg_begin(&wr, out, EAP_CODE_RESPONSE, p->ep_id, EAP_TYPE_MSCHAPV2);
	wr_u8(&wr, MS_OP_SUCCESS);
	c->c_state = CLI_MS_VERIFIED;
	*st = EAP_CONTINUE;
	return eap_msg_end(&wr, out);
}

/* Failure Request: "E=eeeeeeeeee R=r C=... V=v M=<msg>"; quoted for the log. */
static void ms_failure(struct eap_client *c, struct eap_pkt *p)
{
	uint8_t ms_id;
	size_t n;
	const uint8_t *msg;
	char esc[96];

	if (ms_header(c, p, &ms_id))
		return;
	n = rd_left(&p->ep_data);
	msg = rd_bytes(&p->ep_data, n);
	log_escape(esc, sizeof(esc), msg, n);
	eap_why(c->c_why, sizeof(c->c_why), "EAP-MSCHAPv2 failure from the server: '%s'", esc);
}

int eap_ms_client_process(struct eap_client *c, struct eap_pkt *p, struct eap_out *out,
			  enum eap_status *st)
{
	uint8_t op = rd_u8(&p->ep_data);
	int rc;

	*st = EAP_FAILURE;
	if (op == MS_OP_CHALLENGE && c->c_state == CLI_IDLE) {
		if ((rc = ms_challenge(c, p, out)) == 0)
			*st = EAP_CONTINUE;
		return rc == GW_E_PARSE ? 0 : rc;
	}
	if (op == MS_OP_SUCCESS && c->c_state == CLI_MS_RESPONSE) {
		rc = ms_success(c, p, out, st);
		return rc == GW_E_PARSE ? 0 : rc;
	}
	if (op == MS_OP_FAILURE && rd_ok(&p->ep_data)) {
		ms_failure(c, p);
		return 0;
	}
	eap_why(c->c_why, sizeof(c->c_why), "EAP-MSCHAPv2 OpCode %u unexpected here", op);
	return 0;
}
