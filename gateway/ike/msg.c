/*
 * msg.c: the IKE header and the payload chains (RFC 7296 3.1, 3.2): split a
 * datagram into payload views, parse the decrypted inner chain, and find
 * payloads in a parsed message.
 */
#include <string.h>

#include "ike/ike_int.h"
#include "util/err.h"

void ike_pld_reader(const struct ike_pld *p, struct reader *rd)
{
	rd_init_at(rd, p->p_body, p->p_len, p->p_off + IKE_PLD_HDR_LEN);
}

int ike_pld_expect(const struct ike_pld *p, uint8_t t1, uint8_t t2, struct ike_err *err)
{
	if (p->p_type == t1 || p->p_type == t2)
		return 0;
	return ike_err_set(err, GW_E_INVAL, p->p_type, p->p_off, "not a %s payload",
			   ike_pld_name(t1));
}

/*
 * 3.1 The IKE header
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Responder's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Message ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * The header is filled in even when the version is wrong, so that the
 * caller can answer INVALID_MAJOR_VERSION (2.5) with the peer's SPIs.
 */
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *hdr, struct ike_err *err)
{
	struct reader rd;

	memset(hdr, 0, sizeof(*hdr));
	if (len > IKE_MSG_MAX)
		return ike_err_set(err, GW_E_RANGE, 0, 0, "%zu bytes exceed the %u-byte limit", len,
				   IKE_MSG_MAX);
	rd_init(&rd, buf, len);
	hdr->h_spi_i = rd_u64(&rd);
	hdr->h_spi_r = rd_u64(&rd);
	hdr->h_next = rd_u8(&rd);
	hdr->h_version = rd_u8(&rd);
	hdr->h_exch = rd_u8(&rd);
	hdr->h_flags = rd_u8(&rd);
	hdr->h_msgid = rd_u32(&rd);
	hdr->h_length = rd_u32(&rd);
	if (!rd_ok(&rd)) {
		memset(hdr, 0, sizeof(*hdr));
		return ike_err_set(err, GW_E_PARSE, 0, 0,
				   "%zu bytes, shorter than the %u-byte header", len, IKE_HDR_LEN);
	}
	if (hdr->h_version >> 4 != IKE_VERSION_2 >> 4)
		return ike_err_set(err, GW_E_UNSUP, 0, 17, "major version %u, not 2",
				   hdr->h_version >> 4);
	if (hdr->h_length != len)
		return ike_err_set(err, GW_E_PARSE, 0, 24,
				   "length field %u, but %zu bytes received", hdr->h_length, len);
	return 0;
}

void ike_hdr_write(struct writer *wr, const struct ike_hdr *hdr)
{
	wr_u64(wr, hdr->h_spi_i);
	wr_u64(wr, hdr->h_spi_r);
	wr_u8(wr, hdr->h_next);
	wr_u8(wr, hdr->h_version);
	wr_u8(wr, hdr->h_exch);
	wr_u8(wr, hdr->h_flags);
	wr_u32(wr, hdr->h_msgid);
	wr_u32(wr, hdr->h_length);
}

/*
 * 3.2 Generic payload header
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Reads one payload of type `type` into the next view; *next gets the
 * type of the payload after it.
 */
static int chain_one(struct ike_msg *msg, struct reader *rd, uint8_t type, bool in_sk,
		     uint8_t *next, struct ike_err *err)
{
	size_t off = rd_offset(rd), left = rd_left(rd);
	struct ike_pld *p;
	uint16_t plen;
	uint8_t flags;

	if (msg->m_n >= IKE_MAX_PAYLOADS)
		return ike_err_set(err, GW_E_RANGE, type, off, "more than %d payloads",
				   IKE_MAX_PAYLOADS);
	if (left < IKE_PLD_HDR_LEN)
		return ike_err_set(err, GW_E_PARSE, type, off, "header needs 4 bytes, %zu left",
				   left);
	*next = rd_u8(rd);
	flags = rd_u8(rd);
	plen = rd_u16(rd);
	if (plen < IKE_PLD_HDR_LEN)
		return ike_err_set(err, GW_E_PARSE, type, off, "length %u is less than 4", plen);
	if (plen > left)
		return ike_err_set(err, GW_E_PARSE, type, off,
				   "length %u exceeds the %zu bytes left", plen, left);
	/* 2.5: an unknown payload with the critical bit set rejects the
	 * whole message; without it, the payload is skipped. */
	if (!ike_pld_known(type) && (flags & IKE_CRITICAL))
		return ike_err_set(err, GW_E_CRITICAL, type, off,
				   "unknown payload type %u marked critical", type);
	p = &msg->m_pld[msg->m_n++];
	p->p_type = type;
	p->p_critical = (flags & IKE_CRITICAL) != 0;
	p->p_in_sk = in_sk;
	p->p_off = off;
	p->p_len = plen - IKE_PLD_HDR_LEN;
	p->p_body = rd_bytes(rd, p->p_len);
	return 0;
}

/* Walk a chain to its end. 3.14: SK (and RFC 7383 SKF) must be the last
 * payload; its next-payload field names the first inner payload. */
static int chain_parse(struct ike_msg *msg, struct reader *rd, uint8_t first, bool in_sk,
		       struct ike_err *err)
{
	uint8_t type = first, next = IKE_PLD_NONE;
	int rc;

	while (type != IKE_PLD_NONE) {
		size_t off = rd_offset(rd);

		if ((rc = chain_one(msg, rd, type, in_sk, &next, err)) != 0)
			return rc;
		if (type == IKE_PLD_SK || type == IKE_PLD_SKF) {
			if (in_sk)
				return ike_err_set(err, GW_E_PARSE, type, off,
						   "encrypted payload inside SK");
			if (rd_left(rd))
				return ike_err_set(err, GW_E_PARSE, type, off,
						   "not the last payload: %zu bytes follow",
						   rd_left(rd));
			msg->m_sk = (int)(msg->m_n - 1);
			msg->m_sk_first = next;
			return 0;
		}
		type = next;
	}
	if (rd_left(rd))
		return ike_err_set(err, GW_E_PARSE, 0, rd_offset(rd),
				   "%zu bytes after the last payload", rd_left(rd));
	return 0;
}

int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *msg, struct ike_err *err)
{
	struct reader rd;
	int rc;

	msg->m_n = 0;
	msg->m_sk = -1;
	msg->m_sk_first = IKE_PLD_NONE;
	if ((rc = ike_hdr_parse(buf, len, &msg->m_hdr, err)) != 0)
		return rc;
	rd_init(&rd, buf, len);
	rd_skip(&rd, IKE_HDR_LEN);
	return chain_parse(msg, &rd, msg->m_hdr.h_next, false, err);
}

int ike_msg_parse_inner(struct ike_msg *msg, uint8_t first, const uint8_t *buf, size_t len,
			size_t base_off, struct ike_err *err)
{
	struct reader rd;

	rd_init_at(&rd, buf, len, base_off);
	return chain_parse(msg, &rd, first, true, err);
}

const struct ike_pld *ike_msg_find_nth(const struct ike_msg *msg, uint8_t type, size_t n)
{
	for (size_t i = 0; i < msg->m_n; i++)
		if (msg->m_pld[i].p_type == type && n-- == 0)
			return &msg->m_pld[i];
	return NULL;
}

const struct ike_pld *ike_msg_find(const struct ike_msg *msg, uint8_t type)
{
	return ike_msg_find_nth(msg, type, 0);
}

/* Malformed notifies are skipped: the caller decodes what it finds. */
const struct ike_pld *ike_msg_find_notify(const struct ike_msg *msg, uint16_t ntype)
{
	const struct ike_pld *p;
	struct ike_pld_notify n;

	for (size_t i = 0; (p = ike_msg_find_nth(msg, IKE_PLD_NOTIFY, i)) != NULL; i++)
		if (ike_pld_notify_parse(p, &n, NULL) == 0 && n.n_type == ntype)
			return p;
	return NULL;
}
