/*
 * md5.c: EAP-MD5-Challenge (RFC 3748 5.4), the CHAP construction of
 * RFC 1994 4.1 carried in EAP. It authenticates the client only and yields
 * no MSK, so IKEv2 then keys AUTH with SK_pi/SK_pr (RFC 7296 2.16).
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Value-Size   |  Value ...    |  Name ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Our request has no Name: strongSwan's client hashes everything after
 * Value-Size as the challenge, so a Name would break it.
 */
#include <string.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"

int eap_md5_server_request(struct eap_server *s, struct eap_out *out)
{
	struct writer wr;
	int rc;

	if ((rc = crypto_random(s->s_challenge, sizeof(s->s_challenge))) != 0)
		return rc;
	eap_msg_begin(&wr, out, EAP_CODE_REQUEST, s->s_id, EAP_TYPE_MD5);
	wr_u8(&wr, EAP_CHALLENGE_LEN);
	wr_bytes(&wr, s->s_challenge, EAP_CHALLENGE_LEN);
	return eap_msg_end(&wr, out);
}

/* The response's Value must be MD5(Identifier | password | challenge),
 * 16 bytes; the Name that may follow is ignored (the identity came from
 * EAP-Identity). */
int eap_md5_server_verify(struct eap_server *s, struct eap_pkt *p, enum eap_verdict *v)
{
	const struct secret *pw = s->s_cred.cr_password;
	uint8_t want[16];
	const uint8_t *got;
	uint8_t size;
	int rc;

	size = rd_u8(&p->ep_data);
	got = rd_bytes(&p->ep_data, 16);
	if (!rd_ok(&p->ep_data) || size != 16) {
		eap_why(s->s_why, sizeof(s->s_why), "malformed EAP-MD5 response (value size %u)",
			size);
		*v = EV_MALFORMED;
		return 0;
	}
	if (!pw)
		return GW_E_STATE;
	if ((rc = eap_md5_digest(s->s_ctx, p->ep_id, pw->data, pw->len, s->s_challenge,
				 EAP_CHALLENGE_LEN, want)) != 0)
		return rc;
	*v = crypto_ct_equal(want, got, sizeof(want)) ? EV_SUCCESS : EV_WRONG;
	crypto_wipe(want, sizeof(want));
	return 0;
}

/* The value size comes from the request; RFC 1994 allows any non-zero
 * length, and the Name after the value is not hashed. */
int eap_md5_client_respond(struct eap_client *c, struct eap_pkt *p, struct eap_out *out)
{
	uint8_t size = rd_u8(&p->ep_data), digest[16];
	const uint8_t *challenge = rd_bytes(&p->ep_data, size);
	struct writer wr;
	int rc;

	if (!rd_ok(&p->ep_data) || size == 0) {
		eap_why(c->c_why, sizeof(c->c_why), "malformed EAP-MD5 request (value size %u)",
			size);
		return GW_E_PARSE;
	}
	if ((rc = eap_md5_digest(c->c_ctx, p->ep_id, c->c_password->data, c->c_password->len,
				 challenge, size, digest)) != 0)
		return rc;
	eap_msg_begin(&wr, out, EAP_CODE_RESPONSE, p->ep_id, EAP_TYPE_MD5);
	wr_u8(&wr, sizeof(digest));
	wr_bytes(&wr, digest, sizeof(digest));
	crypto_wipe(digest, sizeof(digest));
	return eap_msg_end(&wr, out);
}
