/* pld_ts.c: the Traffic Selector payloads TSi and TSr (RFC 7296 3.13). */
#include <string.h>

#include "ike/ike_int.h"
#include "util/err.h"

#define TS_HDR_LEN 8 /* type, protocol, length, ports */

/* 3.13.1: the selector length is fixed by the type. 0 if unknown. */
static size_t ts_addr_len(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		return 4;
	case IKE_TS_IPV6_ADDR_RANGE:
		return 16;
	}
	return 0;
}

/*
 * 3.13.1 Traffic Selector
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   TS Type     |IP Protocol ID*|       Selector Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Start Port*         |           End Port*           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Starting Address*                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Ending Address*                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Other selector types (RFC 4595 FC, RFC 9478 security labels) are not
 * supported: GW_E_UNSUP, so the engine can answer TS_UNACCEPTABLE.
 */
static int selector_parse(const struct ike_pld *p, struct reader *rd, unsigned i, struct ike_ts *ts,
			  struct ike_err *err)
{
	size_t left = rd_left(rd), alen;
	uint16_t slen;

	if (left < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "selector %u needs 4 bytes, %zu left", i, left);
	memset(ts, 0, sizeof(*ts));
	ts->ts_type = rd_u8(rd);
	ts->ts_proto = rd_u8(rd);
	slen = rd_u16(rd);
	if (slen > left)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "selector %u length %u exceeds the %zu bytes left", i, slen,
				   left);
	if (!(alen = ts_addr_len(ts->ts_type)))
		return ike_err_set(err, GW_E_UNSUP, p->p_type, p->p_off,
				   "selector %u: unsupported type %u", i, ts->ts_type);
	if (slen != TS_HDR_LEN + 2 * alen)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "selector %u: length %u, type %u needs %zu", i, slen,
				   ts->ts_type, TS_HDR_LEN + 2 * alen);
	ts->ts_port_start = rd_u16(rd);
	ts->ts_port_end = rd_u16(rd);
	rd_copy(rd, ts->ts_addr_start, alen);
	rd_copy(rd, ts->ts_addr_end, alen);
	return 0;
}

/*
 * 3.13 Traffic Selector payload
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Number of TSs |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       <Traffic Selectors>                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int ike_pld_ts_parse(const struct ike_pld *p, struct ike_pld_ts *ts, struct ike_err *err)
{
	struct reader rd;
	uint8_t n;
	int rc;

	ts->ts_n = 0;
	if ((rc = ike_pld_expect(p, IKE_PLD_TSI, IKE_PLD_TSR, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	n = rd_u8(&rd);
	rd_skip(&rd, 3);
	if (n == 0)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off, "no traffic selectors");
	if (n > IKE_MAX_TS)
		return ike_err_set(err, GW_E_RANGE, p->p_type, p->p_off, "%u selectors exceed %d",
				   n, IKE_MAX_TS);
	for (unsigned i = 0; i < n; i++)
		if ((rc = selector_parse(p, &rd, i + 1, &ts->ts[i], err)) != 0)
			return rc;
	if (rd_left(&rd))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "%zu bytes after selector %u", rd_left(&rd), n);
	ts->ts_n = n;
	return 0;
}

void ike_pld_ts_write(struct writer *wr, const struct ike_pld_ts *ts)
{
	if (ts->ts_n == 0 || ts->ts_n > IKE_MAX_TS) {
		ike_wr_fail(wr, GW_E_INVAL);
		return;
	}
	wr_u8(wr, ts->ts_n);
	wr_zero(wr, 3);
	for (unsigned i = 0; i < ts->ts_n; i++) {
		const struct ike_ts *t = &ts->ts[i];
		size_t alen = ts_addr_len(t->ts_type);

		if (!alen) {
			ike_wr_fail(wr, GW_E_INVAL);
			return;
		}
		wr_u8(wr, t->ts_type);
		wr_u8(wr, t->ts_proto);
		wr_u16(wr, (uint16_t)(TS_HDR_LEN + 2 * alen));
		wr_u16(wr, t->ts_port_start);
		wr_u16(wr, t->ts_port_end);
		wr_bytes(wr, t->ts_addr_start, alen);
		wr_bytes(wr, t->ts_addr_end, alen);
	}
}
