/*
 * mschapv2.c: EAP-MSCHAPv2, server side (draft-kamath-pppext-eap-mschapv2,
 * RFC 2759). Challenge -> Response (NT-Response checked) -> Success
 * Request with the authenticator response "S=<40 hex>" -> the client's
 * Success Response -> EAP-Success, and the MSK for IKEv2 AUTH. A wrong
 * NT-Response ends with EAP-Failure at once: no MS-CHAPv2 retry, since in
 * IKEv2 a retry is a new IKE SA (and goes through the rate limiter).
 *
 * Every MS-CHAPv2 packet but the peer's Success/Failure Response opens with
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    OpCode     | MS-CHAPv2-ID  |           MS-Length           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * after the EAP Type; MS-Length is the EAP Length minus 5.
 */
#include <string.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"

#define MS_OP_CHALLENGE 1
#define MS_OP_RESPONSE  2
#define MS_OP_SUCCESS   3
#define MS_OP_FAILURE   4
#define MS_RESPONSE_LEN 49 /* Value-Size of a Response */
#define MS_MS_LEN_OFF   7  /* offset of MS-Length in the EAP packet */

static const char ms_welcome[] = " M=Welcome to Palisade";

void eap_ms_begin(struct writer *wr, struct eap_out *out, uint8_t code, uint8_t id, uint8_t opcode,
		  uint8_t ms_id)
{
	eap_msg_begin(wr, out, code, id, EAP_TYPE_MSCHAPV2);
	wr_u8(wr, opcode);
	wr_u8(wr, ms_id);
	wr_u16(wr, 0); /* MS-Length, patched by eap_ms_end */
}

int eap_ms_end(struct writer *wr, struct eap_out *out)
{
	wr_put_u16_at(wr, MS_MS_LEN_OFF, (uint16_t)(wr_len(wr) - 5));
	return eap_msg_end(wr, out);
}

int eap_cred_nt_hash(const struct eap_ctx *ctx, const struct eap_cred *cred,
		     uint8_t hash[EAP_NT_HASH_LEN])
{
	if (cred->cr_nt_hash && cred->cr_nt_hash->len == EAP_NT_HASH_LEN) {
		memcpy(hash, cred->cr_nt_hash->data, EAP_NT_HASH_LEN);
		return 0;
	}
	if (cred->cr_password)
		return mschap_nt_hash(ctx, cred->cr_password->data, cred->cr_password->len, hash);
	return GW_E_STATE;
}

/*
 * Challenge: Value-Size (16) | Challenge | Name (ours, at least one octet).
 * The MS-CHAPv2-ID follows the EAP Identifier, as Windows and strongSwan do.
 */
int eap_ms_server_request(struct eap_server *s, struct eap_out *out)
{
	struct writer wr;
	int rc;

	if ((rc = crypto_random(s->s_challenge, sizeof(s->s_challenge))) != 0)
		return rc;
	s->s_ms_id = s->s_id;
	eap_ms_begin(&wr, out, EAP_CODE_REQUEST, s->s_id, MS_OP_CHALLENGE, s->s_ms_id);
	wr_u8(&wr, EAP_CHALLENGE_LEN);
	wr_bytes(&wr, s->s_challenge, EAP_CHALLENGE_LEN);
	wr_bytes(&wr, s->s_name, strlen(s->s_name));
	return eap_ms_end(&wr, out);
}

/* The response's fields, borrowed from the packet. */
struct ms_response {
	const uint8_t *mr_peer_ch; /* 16 */
	const uint8_t *mr_nt_resp; /* 24 */
	const uint8_t *mr_name;
	size_t mr_name_len;
};

/*
 * Response: Value-Size (49) | Peer-Challenge (16) | Reserved (8) |
 * NT-Response (24) | Flags (1) | Name. Reserved and Flags are ignored as
 * RFC 2759 4 says; the Name is the user name the hash was made with.
 */
static int ms_parse_response(struct eap_server *s, struct eap_pkt *p, struct ms_response *r)
{
	struct reader *rd = &p->ep_data;
	uint8_t ms_id = rd_u8(rd), size;
	uint16_t ms_len = rd_u16(rd);

	size = rd_u8(rd);
	r->mr_peer_ch = rd_bytes(rd, EAP_CHALLENGE_LEN);
	rd_skip(rd, 8);
	r->mr_nt_resp = rd_bytes(rd, MSCHAP_NT_RESPONSE_LEN);
	rd_skip(rd, 1);
	r->mr_name_len = rd_left(rd);
	r->mr_name = rd_bytes(rd, r->mr_name_len);
	if (!rd_ok(rd) || size != MS_RESPONSE_LEN || ms_len != p->ep_len - 5 ||
	    r->mr_name_len > EAP_IDENTITY_MAX) {
		eap_why(s->s_why, sizeof(s->s_why),
			"malformed EAP-MSCHAPv2 response (%u bytes, value size %u, MS-Length %u)",
			p->ep_len, size, ms_len);
		return GW_E_PARSE;
	}
	if (ms_id != s->s_ms_id) {
		eap_why(s->s_why, sizeof(s->s_why),
			"EAP-MSCHAPv2 response for MS-CHAPv2-ID %u, not %u", ms_id, s->s_ms_id);
		return GW_E_PARSE;
	}
	return 0;
}

/* Success Request: "S=<authenticator response, 40 upper-case hex> M=<text>". */
static int ms_success_request(struct eap_server *s, struct eap_out *out)
{
	char hex[2 * MSCHAP_AUTH_RESPONSE_LEN + 1];
	struct writer wr;

	eap_hex_upper(s->s_auth_resp, sizeof(s->s_auth_resp), hex);
	s->s_id++;
	eap_ms_begin(&wr, out, EAP_CODE_REQUEST, s->s_id, MS_OP_SUCCESS, s->s_ms_id);
	wr_bytes(&wr, "S=", 2);
	wr_bytes(&wr, hex, 2 * MSCHAP_AUTH_RESPONSE_LEN);
	wr_bytes(&wr, ms_welcome, sizeof(ms_welcome) - 1);
	s->s_state = SRV_MS_SUCCESS;
	return eap_ms_end(&wr, out);
}

static int ms_check_response(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
			     enum eap_verdict *v)
{
	uint8_t hash[EAP_NT_HASH_LEN], want[MSCHAP_NT_RESPONSE_LEN];
	struct ms_response r;
	const uint8_t *user;
	size_t user_len;
	int rc;

	if (ms_parse_response(s, p, &r)) {
		*v = EV_MALFORMED;
		return 0;
	}
	mschap_user_name(r.mr_name, r.mr_name_len, &user, &user_len);
	if ((rc = eap_cred_nt_hash(s->s_ctx, &s->s_cred, hash)) != 0 ||
	    (rc = mschap_nt_response(s->s_ctx, s->s_challenge, r.mr_peer_ch, user, user_len, hash,
				     want)) != 0)
		goto out;
	if (!crypto_ct_equal(want, r.mr_nt_resp, sizeof(want)) || s->s_phantom) {
		*v = EV_WRONG;
		goto out;
	}
	if ((rc = mschap_auth_response(s->s_ctx, hash, r.mr_nt_resp, r.mr_peer_ch, s->s_challenge,
				       user, user_len, s->s_auth_resp)) != 0 ||
	    (rc = mschap_msk(s->s_ctx, hash, r.mr_nt_resp, &s->s_msk_pending)) != 0 ||
	    (rc = ms_success_request(s, out)) != 0)
		goto out;
	*v = EV_CONTINUE;
out:
	crypto_wipe(hash, sizeof(hash));
	crypto_wipe(want, sizeof(want));
	return rc;
}

int eap_ms_server_process(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
			  enum eap_verdict *v)
{
	uint8_t op = rd_u8(&p->ep_data);

	*v = EV_MALFORMED;
	if (!rd_ok(&p->ep_data)) {
		eap_why(s->s_why, sizeof(s->s_why), "EAP-MSCHAPv2 response without an OpCode");
		return 0;
	}
	if (s->s_state == SRV_METHOD && op == MS_OP_RESPONSE)
		return ms_check_response(s, p, out, v);
	if (s->s_state == SRV_MS_SUCCESS && op == MS_OP_SUCCESS) {
		*v = EV_SUCCESS;
		return 0;
	}
	if (s->s_state == SRV_MS_SUCCESS && op == MS_OP_FAILURE) {
		eap_why(s->s_why, sizeof(s->s_why),
			"EAP-MSCHAPv2 client refused our authenticator response");
		*v = EV_CLIENT_FAILED;
		return 0;
	}
	eap_why(s->s_why, sizeof(s->s_why), "EAP-MSCHAPv2 OpCode %u unexpected here", op);
	return 0;
}
