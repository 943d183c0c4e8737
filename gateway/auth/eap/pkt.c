/*
 * pkt.c: the EAP packet (RFC 3748 4) read through util/reader and built
 * through util/writer, plus the small helpers every method shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"

void eap_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Code      |  Identifier   |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |  Type-Data ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * RFC 3748 4.1: octets past Length are link-layer padding and ignored; a
 * Length beyond the octets received is refused. Success and Failure
 * (4.2) are exactly four octets. Request and Response need a Type.
 */
int eap_pkt_parse(const uint8_t *buf, size_t len, struct eap_pkt *p, char *why, size_t why_len)
{
	struct reader rd;

	memset(p, 0, sizeof(*p));
	if (len > EAP_MSG_MAX) {
		eap_why(why, why_len, "EAP packet of %zu bytes (at most %d)", len, EAP_MSG_MAX);
		return GW_E_PARSE;
	}
	rd_init(&rd, buf, len);
	p->ep_code = rd_u8(&rd);
	p->ep_id = rd_u8(&rd);
	p->ep_len = rd_u16(&rd);
	if (!rd_ok(&rd) || p->ep_len < EAP_HDR_LEN || p->ep_len > len) {
		eap_why(why, why_len, "truncated EAP packet (%zu bytes, length field %u)", len,
			p->ep_len);
		return GW_E_PARSE;
	}
	rd_init(&rd, buf + EAP_HDR_LEN, p->ep_len - EAP_HDR_LEN);
	switch (p->ep_code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		if (rd_left(&rd) < 1) {
			eap_why(why, why_len, "EAP %s without a type",
				p->ep_code == EAP_CODE_REQUEST ? "request" : "response");
			return GW_E_PARSE;
		}
		p->ep_type = rd_u8(&rd);
		break;
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE:
		if (rd_left(&rd) != 0) {
			eap_why(why, why_len, "EAP %s of length %u, not 4",
				p->ep_code == EAP_CODE_SUCCESS ? "success" : "failure", p->ep_len);
			return GW_E_PARSE;
		}
		break;
	default:
		eap_why(why, why_len, "unknown EAP code %u", p->ep_code);
		return GW_E_PARSE;
	}
	p->ep_data = rd;
	return 0;
}

void eap_msg_begin(struct writer *wr, struct eap_out *out, uint8_t code, uint8_t id, uint8_t type)
{
	out->o_len = 0;
	wr_init_fixed(wr, out->o_buf, sizeof(out->o_buf));
	wr_u8(wr, code);
	wr_u8(wr, id);
	wr_u16(wr, 0); /* patched by eap_msg_end */
	wr_u8(wr, type);
}

int eap_msg_end(struct writer *wr, struct eap_out *out)
{
	wr_put_u16_at(wr, 2, (uint16_t)wr_len(wr));
	if (!wr_ok(wr)) {
		out->o_len = 0;
		return GW_E_RANGE;
	}
	out->o_len = wr_len(wr);
	return 0;
}

void eap_msg_short(struct eap_out *out, uint8_t code, uint8_t id)
{
	out->o_buf[0] = code;
	out->o_buf[1] = id;
	out->o_buf[2] = 0;
	out->o_buf[3] = EAP_HDR_LEN;
	out->o_len = EAP_HDR_LEN;
}

/* RFC 3748 5.3.1: one octet per desired type, best first, or a single 0. */
int eap_msg_nak(struct eap_out *out, uint8_t id, unsigned set)
{
	struct writer wr;

	eap_msg_begin(&wr, out, EAP_CODE_RESPONSE, id, EAP_TYPE_NAK);
	if (set & EAP_M_MSCHAPV2)
		wr_u8(&wr, EAP_TYPE_MSCHAPV2);
	if (set & EAP_M_MD5)
		wr_u8(&wr, EAP_TYPE_MD5);
	if (!(set & EAP_M_ALL))
		wr_u8(&wr, 0);
	return eap_msg_end(&wr, out);
}

unsigned eap_type_bit(uint8_t type)
{
	switch (type) {
	case EAP_TYPE_MD5:
		return EAP_M_MD5;
	case EAP_TYPE_MSCHAPV2:
		return EAP_M_MSCHAPV2;
	}
	return 0;
}

const char *eap_type_name(uint8_t type)
{
	switch (type) {
	case EAP_TYPE_IDENTITY:
		return "Identity";
	case EAP_TYPE_NOTIFICATION:
		return "Notification";
	case EAP_TYPE_NAK:
		return "Nak";
	case EAP_TYPE_MD5:
		return "EAP-MD5";
	case EAP_TYPE_MSCHAPV2:
		return "EAP-MSCHAPv2";
	case 254:
		return "Expanded";
	}
	return "unknown type";
}

/* RFC 3748 5.1: the identity is not NUL-terminated, and we refuse NUL
 * anywhere so it can be used as a C string key and logged escaped. */
bool eap_identity_ok(const uint8_t *id, size_t len)
{
	if (!id || len == 0 || len > EAP_IDENTITY_MAX)
		return false;
	return memchr(id, 0, len) == NULL;
}

void eap_cred_clear(struct eap_cred *c)
{
	if (!c)
		return;
	secret_free(c->cr_password);
	secret_free(c->cr_nt_hash);
	memset(c, 0, sizeof(*c));
}

void eap_hex_upper(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}
