/*
 * client.c: the EAP peer of one IKE SA, for palisade-gatewayd as an
 * initiator (RFC 7296 2.16, RFC 3748): answers Identity and Notification,
 * runs EAP-MD5 or EAP-MSCHAPv2, Naks a method it does not accept (RFC 3748
 * 5.3.1), and accepts EAP-Success only once its method completed.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"

int eap_client_new(const struct eap_client_cfg *cfg, struct eap_client **out)
{
	struct eap_client *c;

	*out = NULL;
	if (!cfg || !cfg->cc_ctx || !eap_identity_ok(cfg->cc_identity, cfg->cc_identity_len) ||
	    (cfg->cc_nt_hash && cfg->cc_nt_hash->len != EAP_NT_HASH_LEN))
		return GW_E_INVAL;
	if (!(c = calloc(1, sizeof(*c))))
		return GW_E_NOMEM;
	c->c_ctx = cfg->cc_ctx;
	memcpy(c->c_identity, cfg->cc_identity, cfg->cc_identity_len);
	c->c_id_len = cfg->cc_identity_len;
	if ((cfg->cc_password &&
	     !(c->c_password = secret_dup(cfg->cc_password->data, cfg->cc_password->len))) ||
	    (cfg->cc_nt_hash &&
	     !(c->c_nt_hash = secret_dup(cfg->cc_nt_hash->data, cfg->cc_nt_hash->len)))) {
		eap_client_free(c);
		return GW_E_NOMEM;
	}
	/* What we can run: EAP-MD5 needs the password itself. */
	c->c_methods = cfg->cc_methods & eap_ctx_methods(cfg->cc_ctx);
	if (!c->c_password)
		c->c_methods &= ~(unsigned)EAP_M_MD5;
	if (!c->c_password && !c->c_nt_hash)
		c->c_methods = 0;
	*out = c;
	return 0;
}

void eap_client_free(struct eap_client *c)
{
	if (!c)
		return;
	secret_free(c->c_password);
	secret_free(c->c_nt_hash);
	secret_free(c->c_msk_pending);
	secret_free(c->c_msk);
	crypto_wipe(c, sizeof(*c));
	free(c);
}

const char *eap_client_why(const struct eap_client *c)
{
	return c->c_why;
}

uint8_t eap_client_method(const struct eap_client *c)
{
	return c->c_method;
}

const struct secret *eap_client_msk(const struct eap_client *c)
{
	return c->c_state == CLI_DONE && !c->c_why[0] ? c->c_msk : NULL;
}

static int cli_end(struct eap_client *c, struct eap_out *out, enum eap_status *st,
		   enum eap_status end)
{
	out->o_len = 0;
	*st = end;
	c->c_state = CLI_DONE;
	if (end == EAP_SUCCESS) {
		c->c_why[0] = '\0';
		c->c_msk = c->c_msk_pending;
		c->c_msk_pending = NULL;
	} else if (!c->c_why[0]) {
		eap_why(c->c_why, sizeof(c->c_why), "EAP failed");
	}
	return 0;
}

/* RFC 3748 4.2: Success counts only after our method finished; for
 * MS-CHAPv2 after we checked the server's authenticator response. */
static int cli_success(struct eap_client *c, struct eap_out *out, enum eap_status *st)
{
	if ((c->c_method == EAP_TYPE_MD5 && c->c_state == CLI_MD5_SENT) ||
	    (c->c_method == EAP_TYPE_MSCHAPV2 && c->c_state == CLI_MS_VERIFIED))
		return cli_end(c, out, st, EAP_SUCCESS);
	eap_why(c->c_why, sizeof(c->c_why), "EAP-Success before %s finished",
		c->c_method ? eap_type_name(c->c_method) : "any method ran");
	return cli_end(c, out, st, EAP_FAILURE);
}

/* A method request: run it if we accept it and none ran yet; Nak it if it
 * is the first method request and we do not accept it. */
static int cli_method(struct eap_client *c, struct eap_pkt *p, struct eap_out *out,
		      enum eap_status *st)
{
	unsigned bit = eap_type_bit(p->ep_type);
	int rc;

	if (c->c_method && p->ep_type != c->c_method) {
		eap_why(c->c_why, sizeof(c->c_why), "EAP server switched from %s to type %u",
			eap_type_name(c->c_method), p->ep_type);
		return cli_end(c, out, st, EAP_FAILURE);
	}
	if (!c->c_method && !(bit & c->c_methods)) {
		*st = EAP_CONTINUE;
		return eap_msg_nak(out, p->ep_id, c->c_methods);
	}
	c->c_method = p->ep_type;
	if (p->ep_type == EAP_TYPE_MSCHAPV2) {
		if ((rc = eap_ms_client_process(c, p, out, st)) != 0 || *st == EAP_FAILURE)
			cli_end(c, out, st, EAP_FAILURE);
		return rc;
	}
	if (c->c_state != CLI_IDLE) {
		eap_why(c->c_why, sizeof(c->c_why), "second EAP-MD5 challenge");
		return cli_end(c, out, st, EAP_FAILURE);
	}
	if ((rc = eap_md5_client_respond(c, p, out)) != 0) {
		cli_end(c, out, st, EAP_FAILURE);
		return rc == GW_E_PARSE ? 0 : rc;
	}
	c->c_state = CLI_MD5_SENT;
	*st = EAP_CONTINUE;
	return 0;
}

static int cli_request(struct eap_client *c, struct eap_pkt *p, struct eap_out *out,
		       enum eap_status *st)
{
	struct writer wr;

	switch (p->ep_type) {
	case EAP_TYPE_IDENTITY:
		/* RFC 3748 5.1: the request's text is a prompt we ignore. */
		eap_msg_begin(&wr, out, EAP_CODE_RESPONSE, p->ep_id, EAP_TYPE_IDENTITY);
		wr_bytes(&wr, c->c_identity, c->c_id_len);
		*st = EAP_CONTINUE;
		return eap_msg_end(&wr, out);
	case EAP_TYPE_NOTIFICATION:
		/* RFC 3748 5.2: acknowledged with an empty Notification. */
		eap_msg_begin(&wr, out, EAP_CODE_RESPONSE, p->ep_id, EAP_TYPE_NOTIFICATION);
		*st = EAP_CONTINUE;
		return eap_msg_end(&wr, out);
	case EAP_TYPE_NAK:
		eap_why(c->c_why, sizeof(c->c_why), "EAP Nak in a request");
		return cli_end(c, out, st, EAP_FAILURE);
	case EAP_TYPE_MD5:
	case EAP_TYPE_MSCHAPV2:
		return cli_method(c, p, out, st);
	}
	if (c->c_method) {
		eap_why(c->c_why, sizeof(c->c_why), "EAP request of type %u during %s", p->ep_type,
			eap_type_name(c->c_method));
		return cli_end(c, out, st, EAP_FAILURE);
	}
	*st = EAP_CONTINUE;
	return eap_msg_nak(out, p->ep_id, c->c_methods);
}

int eap_client_process(struct eap_client *c, const uint8_t *pkt, size_t len, struct eap_out *out,
		       enum eap_status *st)
{
	struct eap_pkt p;
	char why[128];

	out->o_len = 0;
	*st = EAP_FAILURE;
	if (c->c_state == CLI_DONE)
		return GW_E_STATE;
	if (eap_pkt_parse(pkt, len, &p, why, sizeof(why))) {
		eap_why(c->c_why, sizeof(c->c_why), "malformed EAP packet: %s", why);
		return cli_end(c, out, st, EAP_FAILURE);
	}
	switch (p.ep_code) {
	case EAP_CODE_SUCCESS:
		return cli_success(c, out, st);
	case EAP_CODE_FAILURE:
		eap_why(c->c_why, sizeof(c->c_why), "EAP-Failure from the server%s",
			c->c_method ? " (wrong password or unknown identity?)" : "");
		return cli_end(c, out, st, EAP_FAILURE);
	case EAP_CODE_REQUEST:
		return cli_request(c, &p, out, st);
	}
	eap_why(c->c_why, sizeof(c->c_why), "EAP response sent to the client");
	return cli_end(c, out, st, EAP_FAILURE);
}
