/*
 * ts.c: traffic selectors as admins write them, kept as the address and
 * port ranges a TS payload carries (RFC 7296 section 3.13.1), and printed
 * back in one canonical form (a prefix when the range is one, else "a-b").
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"

#define TS_MAX_LEN 128

static const struct mc_word ts_protos[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 }, { "sctp", 132 },
};

static int why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return GW_E_INVAL;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* One numeric address; the text is len bytes of s. */
static int parse_ip(const char *s, size_t len, int *family, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return GW_E_INVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out) == 1)
		*family = AF_INET6;
	else
		return GW_E_INVAL;
	return 0;
}

/* A decimal number of at most digits digits, no sign, value <= max. */
static int parse_num(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return GW_E_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return GW_E_INVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return GW_E_INVAL;
	*out = v;
	return 0;
}

/* "a/len": the bits past the prefix must be zero, or the admin meant
 * another network than the one the range would cover. */
static int parse_cidr(const char *s, const char *slash, int *family, uint8_t *start, uint8_t *end,
		      char *why, size_t len, const char *esc)
{
	unsigned plen;
	size_t alen;
	bool host_bits = false;

	if (parse_ip(s, (size_t)(slash - s), family, start))
		return why_set(why, len, "not an IP address or CIDR: '%s'", esc);
	alen = addr_len(*family);
	if (parse_num(slash + 1, strlen(slash + 1), (unsigned)alen * 8, &plen))
		return why_set(why, len, "prefix length must be 0-%zu: '%s'", alen * 8, esc);
	memcpy(end, start, 16);
	for (size_t bit = plen; bit < alen * 8; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		host_bits |= (start[bit / 8] & m) != 0;
		start[bit / 8] &= (uint8_t)~m;
		end[bit / 8] |= m;
	}
	if (host_bits) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(*family, start, net, sizeof(net));
		return why_set(why, len,
			       "host bits set past the /%u prefix (network is %s/%u): '%s'", plen,
			       net, plen, esc);
	}
	return 0;
}

static int parse_range(const char *s, const char *dash, int *family, uint8_t *start, uint8_t *end,
		       char *why, size_t len, const char *esc)
{
	int fam2;

	if (parse_ip(s, (size_t)(dash - s), family, start) ||
	    parse_ip(dash + 1, strlen(dash + 1), &fam2, end))
		return why_set(why, len, "not an address range a-b: '%s'", esc);
	if (*family != fam2)
		return why_set(why, len, "range mixes IPv4 and IPv6: '%s'", esc);
	if (memcmp(start, end, addr_len(*family)) > 0)
		return why_set(why, len, "range start is above its end: '%s'", esc);
	return 0;
}

int mc_addr_range(const char *s, int *family, uint8_t *start, uint8_t *end, char *why, size_t len)
{
	const char *slash = strchr(s, '/'), *dash = strchr(s, '-');
	char esc[80];

	log_escape(esc, sizeof(esc), s, strlen(s));
	memset(start, 0, 16);
	memset(end, 0, 16);
	if (slash && dash)
		return why_set(why, len, "not an address, CIDR or range: '%s'", esc);
	if (slash)
		return parse_cidr(s, slash, family, start, end, why, len, esc);
	if (dash)
		return parse_range(s, dash, family, start, end, why, len, esc);
	if (parse_ip(s, strlen(s), family, start))
		return why_set(why, len, "not an IP address: '%s'", esc);
	memcpy(end, start, 16);
	return 0;
}

static int parse_proto(const char *s, size_t n, uint8_t *proto)
{
	unsigned v;

	for (size_t i = 0; i < sizeof(ts_protos) / sizeof(ts_protos[0]); i++) {
		if (strlen(ts_protos[i].w_name) == n && !strncmp(s, ts_protos[i].w_name, n)) {
			*proto = (uint8_t)ts_protos[i].w_value;
			return 0;
		}
	}
	if (parse_num(s, n, 255, &v))
		return GW_E_INVAL;
	*proto = (uint8_t)v;
	return 0;
}

static int parse_ports(const char *s, struct model_ts *ts)
{
	const char *dash = strchr(s, '-');
	unsigned lo, hi;

	if (dash) {
		if (parse_num(s, (size_t)(dash - s), 65535, &lo) ||
		    parse_num(dash + 1, strlen(dash + 1), 65535, &hi))
			return GW_E_INVAL;
	} else {
		if (parse_num(s, strlen(s), 65535, &lo))
			return GW_E_INVAL;
		hi = lo;
	}
	if (lo > hi)
		return GW_E_INVAL;
	ts->t_port_start = (uint16_t)lo;
	ts->t_port_end = (uint16_t)hi;
	return 0;
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/* "proto" or "proto/port" or "proto/lo-hi", between the brackets. */
static int parse_suffix(const char *s, struct model_ts *ts, char *why, size_t len, const char *esc)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (parse_proto(s, n, &ts->t_proto))
		return why_set(why, len,
			       "protocol must be tcp, udp, icmp, ipv6-icmp, sctp or 0-255: '%s'",
			       esc);
	if (!slash)
		return 0;
	if (!proto_has_ports(ts->t_proto))
		return why_set(why, len, "ports need tcp, udp or sctp: '%s'", esc);
	if (parse_ports(slash + 1, ts))
		return why_set(why, len, "ports must be N or N-M within 0-65535, N <= M: '%s'",
			       esc);
	return 0;
}

/* ICMP types mean different things per family (RFC 792 vs RFC 4443). */
static int check_icmp_family(const struct model_ts *ts, char *why, size_t len, const char *esc)
{
	if (ts->t_proto == 1 && ts->t_family == AF_INET6)
		return why_set(why, len, "icmp on IPv6 addresses (use ipv6-icmp): '%s'", esc);
	if (ts->t_proto == 58 && ts->t_family == AF_INET)
		return why_set(why, len, "ipv6-icmp on IPv4 addresses (use icmp): '%s'", esc);
	return 0;
}

int model_ts_parse(const char *s, struct model_ts *ts, char *errbuf, size_t errlen)
{
	char buf[TS_MAX_LEN + 1], esc[80];
	char *open;
	size_t n = strlen(s);
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->t_port_end = 65535;
	log_escape(esc, sizeof(esc), s, n);
	if (n == 0 || n > TS_MAX_LEN)
		return why_set(errbuf, errlen, "traffic selector must be 1-%d characters: '%s'",
			       TS_MAX_LEN, esc);
	memcpy(buf, s, n + 1);
	if ((open = strchr(buf, '[')) != NULL) {
		if (buf[n - 1] != ']' || strchr(open + 1, '[') ||
		    strchr(open + 1, ']') != buf + n - 1)
			return why_set(errbuf, errlen,
				       "protocol/port suffix must be [..] at the end: '%s'", esc);
		buf[n - 1] = '\0';
		*open = '\0';
		if ((rc = parse_suffix(open + 1, ts, errbuf, errlen, esc)) != 0)
			goto out;
	}
	/* "[udp]" alone restricts the dynamic selector. */
	if (buf[0] == '\0' || !strcmp(buf, "dynamic")) {
		ts->t_dynamic = true;
		rc = 0;
		goto out;
	}
	if ((rc = mc_addr_range(buf, &ts->t_family, ts->t_start, ts->t_end, errbuf, errlen)) != 0)
		goto out;
	rc = check_icmp_family(ts, errbuf, errlen, esc);
out:
	if (rc) {
		memset(ts, 0, sizeof(*ts));
		ts->t_port_end = 65535;
	}
	return rc;
}

/* The prefix length when [start, end] is exactly one prefix, else -1. */
static int range_prefix(const uint8_t *start, const uint8_t *end, size_t alen)
{
	size_t bits = alen * 8, plen = 0;

	while (plen < bits && ((start[plen / 8] ^ end[plen / 8]) & (0x80 >> (plen % 8))) == 0)
		plen++;
	for (size_t bit = plen; bit < bits; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		if ((start[bit / 8] & m) || !(end[bit / 8] & m))
			return -1;
	}
	return (int)plen;
}

static int format_addrs(const struct model_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t alen;
	int plen, n;

	if (ts->t_dynamic)
		return snprintf(buf, len, "dynamic");
	if (ts->t_family != AF_INET && ts->t_family != AF_INET6)
		return -1;
	alen = addr_len(ts->t_family);
	if (memcmp(ts->t_start, ts->t_end, alen) > 0)
		return -1;
	inet_ntop(ts->t_family, ts->t_start, a, sizeof(a));
	plen = range_prefix(ts->t_start, ts->t_end, alen);
	if (plen >= 0)
		return snprintf(buf, len, "%s/%d", a, plen);
	inet_ntop(ts->t_family, ts->t_end, b, sizeof(b));
	n = snprintf(buf, len, "%s-%s", a, b);
	return n;
}

static const char *proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(ts_protos) / sizeof(ts_protos[0]); i++)
		if (ts_protos[i].w_value == proto)
			return ts_protos[i].w_name;
	return NULL;
}

static int format_suffix(const struct model_ts *ts, char *buf, size_t len)
{
	const char *name = proto_name(ts->t_proto);
	char p[8];
	bool any_port = ts->t_port_start == 0 && ts->t_port_end == 65535;

	if (ts->t_port_start > ts->t_port_end || (!any_port && !proto_has_ports(ts->t_proto)))
		return -1;
	if (ts->t_proto == 0)
		return snprintf(buf, len, "%s", "");
	if (!name) {
		snprintf(p, sizeof(p), "%u", ts->t_proto);
		name = p;
	}
	if (any_port)
		return snprintf(buf, len, "[%s]", name);
	if (ts->t_port_start == ts->t_port_end)
		return snprintf(buf, len, "[%s/%u]", name, ts->t_port_start);
	return snprintf(buf, len, "[%s/%u-%u]", name, ts->t_port_start, ts->t_port_end);
}

int model_ts_format(const struct model_ts *ts, char *buf, size_t len)
{
	int n, m;

	if (!buf || len == 0)
		return GW_E_RANGE;
	buf[0] = '\0';
	if ((n = format_addrs(ts, buf, len)) < 0)
		return GW_E_INVAL;
	if ((size_t)n >= len) {
		buf[0] = '\0';
		return GW_E_RANGE;
	}
	if ((m = format_suffix(ts, buf + n, len - (size_t)n)) < 0) {
		buf[0] = '\0';
		return GW_E_INVAL;
	}
	if ((size_t)m >= len - (size_t)n) {
		buf[0] = '\0';
		return GW_E_RANGE;
	}
	return 0;
}
