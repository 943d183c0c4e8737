/*
 * Traffic selectors (RFC 7296 2.9, 3.13): "dynamic" resolved to an
 * address, narrowing by intersection (the responder keeps what both sides
 * allow), the initiator's check that the answer lies within its offer, and
 * ranges cut into the prefix/port-mask selectors the kernel keeps.
 */
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"

static size_t alen(uint8_t type)
{
	return type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

/* A config selector as IKE carries it; dynamic becomes the host ep. */
void sa_ts_from_model(const struct model_ts *m, const struct sa_ep *host, struct ike_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	if (m->t_dynamic) {
		ts->ts_type = host->ep_family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE
							 : IKE_TS_IPV6_ADDR_RANGE;
		memcpy(ts->ts_addr_start, host->ep_addr, 16);
		memcpy(ts->ts_addr_end, host->ep_addr, 16);
		ts->ts_port_end = 65535;
		return;
	}
	ts->ts_type = m->t_family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	ts->ts_proto = m->t_proto;
	ts->ts_port_start = m->t_port_start;
	ts->ts_port_end = m->t_port_end;
	memcpy(ts->ts_addr_start, m->t_start, 16);
	memcpy(ts->ts_addr_end, m->t_end, 16);
}

void sa_ts_list(const struct model_ts *m, size_t n, const struct sa_ep *host,
		struct ike_pld_ts *out)
{
	out->ts_n = 0;
	for (size_t i = 0; i < n && out->ts_n < IKE_MAX_TS; i++)
		sa_ts_from_model(&m[i], host, &out->ts[out->ts_n++]);
}

/* a ∩ b into out; false when empty (2.9: protocol 0 is any). */
static bool intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	size_t n = alen(a->ts_type);

	if (a->ts_type != b->ts_type || (a->ts_proto && b->ts_proto && a->ts_proto != b->ts_proto))
		return false;
	*out = *a;
	out->ts_proto = a->ts_proto ? a->ts_proto : b->ts_proto;
	out->ts_port_start =
		a->ts_port_start > b->ts_port_start ? a->ts_port_start : b->ts_port_start;
	out->ts_port_end = a->ts_port_end < b->ts_port_end ? a->ts_port_end : b->ts_port_end;
	if (memcmp(b->ts_addr_start, a->ts_addr_start, n) > 0)
		memcpy(out->ts_addr_start, b->ts_addr_start, n);
	if (memcmp(b->ts_addr_end, a->ts_addr_end, n) < 0)
		memcpy(out->ts_addr_end, b->ts_addr_end, n);
	/* an OPAQUE port range (start 65535, end 0) only meets itself */
	if (out->ts_port_start > out->ts_port_end)
		return false;
	return memcmp(out->ts_addr_start, out->ts_addr_end, n) <= 0;
}

static bool contains(const struct ike_ts *outer, const struct ike_ts *in)
{
	size_t n = alen(in->ts_type);

	return outer->ts_type == in->ts_type &&
	       (!outer->ts_proto || outer->ts_proto == in->ts_proto) &&
	       outer->ts_port_start <= in->ts_port_start && outer->ts_port_end >= in->ts_port_end &&
	       memcmp(outer->ts_addr_start, in->ts_addr_start, n) <= 0 &&
	       memcmp(outer->ts_addr_end, in->ts_addr_end, n) >= 0;
}

static bool duplicate(const struct ike_pld_ts *out, const struct ike_ts *t)
{
	for (uint8_t i = 0; i < out->ts_n; i++)
		if (!memcmp(&out->ts[i], t, sizeof(*t)))
			return true;
	return false;
}

/* Responder narrowing: every non-empty intersection of theirs with ours.
 * GW_E_NOTFOUND when nothing is left (TS_UNACCEPTABLE). */
int sa_ts_narrow(const struct ike_pld_ts *theirs, const struct ike_pld_ts *ours,
		 struct ike_pld_ts *out)
{
	out->ts_n = 0;
	for (uint8_t i = 0; i < theirs->ts_n; i++) {
		for (uint8_t k = 0; k < ours->ts_n && out->ts_n < IKE_MAX_TS; k++) {
			struct ike_ts t;

			if (intersect(&theirs->ts[i], &ours->ts[k], &t) && !duplicate(out, &t))
				out->ts[out->ts_n++] = t;
		}
	}
	return out->ts_n ? 0 : GW_E_NOTFOUND;
}

/* Initiator: is every selector of the answer inside what we offered? */
bool sa_ts_within(const struct ike_pld_ts *answer, const struct ike_pld_ts *offer)
{
	if (!answer->ts_n)
		return false;
	for (uint8_t i = 0; i < answer->ts_n; i++) {
		bool ok = false;

		for (uint8_t k = 0; k < offer->ts_n && !ok; k++)
			ok = contains(&offer->ts[k], &answer->ts[i]);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- ranges to kernel selectors ---- */

static int bit(const uint8_t *a, unsigned i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

/* Largest prefix at start that stays within [start, end]. */
static unsigned block(const uint8_t *start, const uint8_t *end, size_t n)
{
	unsigned bits = (unsigned)n * 8, p = bits;

	/* shorten while the low bits of start are zero and the block fits */
	while (p > 0 && !bit(start, p - 1)) {
		uint8_t last[16];

		memcpy(last, start, n);
		for (unsigned i = p - 1; i < bits; i++)
			last[i / 8] |= (uint8_t)(1 << (7 - i % 8));
		if (memcmp(last, end, n) > 0)
			break;
		p--;
	}
	return p;
}

static void add_prefix(uint8_t *a, unsigned plen, size_t n, bool *wrapped)
{
	unsigned i = plen;

	/* a += 2^(bits - plen) */
	while (i > 0) {
		i--;
		if (!bit(a, i)) {
			a[i / 8] |= (uint8_t)(1 << (7 - i % 8));
			return;
		}
		a[i / 8] &= (uint8_t) ~(1 << (7 - i % 8));
	}
	*wrapped = true;
	(void)n;
}

/* Address range -> prefixes (at most max); returns the count or -1. */
int sa_range_prefixes(const uint8_t *start, const uint8_t *end, size_t n, uint8_t (*addr)[16],
		      uint8_t *plen, int max)
{
	uint8_t cur[16] = { 0 };
	int k = 0;
	bool wrapped = false;

	memcpy(cur, start, n);
	while (!wrapped && memcmp(cur, end, n) <= 0) {
		unsigned p = block(cur, end, n);

		if (k == max)
			return -1;
		memset(addr[k], 0, 16);
		memcpy(addr[k], cur, n);
		plen[k++] = (uint8_t)p;
		if (p == 0)
			break;
		add_prefix(cur, p, n, &wrapped);
	}
	return k;
}

/* Port range -> (port, mask) blocks; returns the count or -1. */
int sa_port_blocks(uint16_t lo, uint16_t hi, uint16_t *port, uint16_t *mask, int max)
{
	uint32_t cur = lo;
	int k = 0;

	if (lo == 0 && hi == 65535) {
		port[0] = mask[0] = 0;
		return 1;
	}
	while (cur <= hi) {
		uint32_t size = 1;

		while ((cur & (size * 2 - 1)) == 0 && cur + size * 2 - 1 <= hi && size < 65536)
			size *= 2;
		if (k == max)
			return -1;
		port[k] = (uint16_t)cur;
		mask[k++] = (uint16_t)(0xffff & ~(size - 1));
		cur += size;
	}
	return k;
}
