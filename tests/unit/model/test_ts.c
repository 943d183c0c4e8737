/* Unit tests for api/model traffic selectors: parse, canonical format. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api/model/model.h"
#include "gateway/util/err.h"
#include "test_conn.h"

struct good_ts {
	const char *in;
	const char *canon;
	int family;
	const char *start, *end; /* NULL with dynamic */
	uint8_t proto;
	uint16_t port_lo, port_hi;
};

static const struct good_ts good[] = {
	{ "10.1.0.0/16", "10.1.0.0/16", AF_INET, "10.1.0.0", "10.1.255.255", 0, 0, 65535 },
	{ "192.0.2.7", "192.0.2.7/32", AF_INET, "192.0.2.7", "192.0.2.7", 0, 0, 65535 },
	{ "10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9", AF_INET, "10.0.0.1", "10.0.0.9", 0, 0, 65535 },
	{ "10.0.0.0-10.0.0.255", "10.0.0.0/24", AF_INET, "10.0.0.0", "10.0.0.255", 0, 0, 65535 },
	{ "10.0.0.5-10.0.0.5", "10.0.0.5/32", AF_INET, "10.0.0.5", "10.0.0.5", 0, 0, 65535 },
	{ "0.0.0.0/0", "0.0.0.0/0", AF_INET, "0.0.0.0", "255.255.255.255", 0, 0, 65535 },
	{ "255.255.255.255/32", "255.255.255.255/32", AF_INET, "255.255.255.255", "255.255.255.255",
	  0, 0, 65535 },
	{ "2001:db8::/32", "2001:db8::/32", AF_INET6,
	  "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535 },
	{ "::/0", "::/0", AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535 },
	{ "2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff", AF_INET6, "2001:db8::1",
	  "2001:db8::ff", 0, 0, 65535 },
	{ "2001:DB8::1", "2001:db8::1/128", AF_INET6, "2001:db8::1", "2001:db8::1", 0, 0, 65535 },
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.1/128", AF_INET6, "::ffff:10.0.0.1", "::ffff:10.0.0.1",
	  0, 0, 65535 },
	{ "10.0.0.0/8[tcp/443]", "10.0.0.0/8[tcp/443]", AF_INET, "10.0.0.0", "10.255.255.255", 6,
	  443, 443 },
	{ "10.0.0.0/8[udp/1000-2000]", "10.0.0.0/8[udp/1000-2000]", AF_INET, "10.0.0.0",
	  "10.255.255.255", 17, 1000, 2000 },
	{ "10.0.0.0/8[6/80]", "10.0.0.0/8[tcp/80]", AF_INET, "10.0.0.0", "10.255.255.255", 6, 80,
	  80 },
	{ "10.0.0.0/8[0]", "10.0.0.0/8", AF_INET, "10.0.0.0", "10.255.255.255", 0, 0, 65535 },
	{ "10.0.0.0/8[tcp/0-65535]", "10.0.0.0/8[tcp]", AF_INET, "10.0.0.0", "10.255.255.255", 6, 0,
	  65535 },
	{ "10.0.0.0/8[sctp/5000]", "10.0.0.0/8[sctp/5000]", AF_INET, "10.0.0.0", "10.255.255.255",
	  132, 5000, 5000 },
	{ "192.0.2.1[47]", "192.0.2.1/32[47]", AF_INET, "192.0.2.1", "192.0.2.1", 47, 0, 65535 },
	{ "0.0.0.0/0[icmp]", "0.0.0.0/0[icmp]", AF_INET, "0.0.0.0", "255.255.255.255", 1, 0,
	  65535 },
	{ "fe80::/10[ipv6-icmp]", "fe80::/10[ipv6-icmp]", AF_INET6,
	  "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0, 65535 },
	{ "dynamic", "dynamic", 0, NULL, NULL, 0, 0, 65535 },
	{ "dynamic[tcp/22]", "dynamic[tcp/22]", 0, NULL, NULL, 6, 22, 22 },
	{ "[udp]", "dynamic[udp]", 0, NULL, NULL, 17, 0, 65535 },
	{ "[icmp]", "dynamic[icmp]", 0, NULL, NULL, 1, 0, 65535 },
	{ "[17/500]", "dynamic[udp/500]", 0, NULL, NULL, 17, 500, 500 },
};

static void addr_is(int family, const uint8_t *got, const char *want)
{
	uint8_t buf[16] = { 0 };

	CU_ASSERT_EQUAL_FATAL(inet_pton(family, want, buf), 1);
	CU_ASSERT_EQUAL(memcmp(got, buf, 16), 0);
}

static void test_ts_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_ts *g = &good[i];
		struct model_ts ts, again;
		char buf[128], why[256];

		if (model_ts_parse(g->in, &ts, why, sizeof(why))) {
			fprintf(stderr, "'%s' refused: %s\n", g->in, why);
			CU_FAIL("good selector refused");
			continue;
		}
		CU_ASSERT_EQUAL(ts.t_dynamic, g->start == NULL);
		CU_ASSERT_EQUAL(ts.t_family, g->family);
		if (g->start) {
			addr_is(g->family, ts.t_start, g->start);
			addr_is(g->family, ts.t_end, g->end);
		}
		CU_ASSERT_EQUAL(ts.t_proto, g->proto);
		CU_ASSERT_EQUAL(ts.t_port_start, g->port_lo);
		CU_ASSERT_EQUAL(ts.t_port_end, g->port_hi);
		CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), 0);
		if (strcmp(buf, g->canon)) {
			fprintf(stderr, "'%s' formats as '%s', want '%s'\n", g->in, buf, g->canon);
			CU_FAIL("canonical form");
		}
		/* the canonical form is a fixed point */
		CU_ASSERT_EQUAL(model_ts_parse(buf, &again, why, sizeof(why)), 0);
		CU_ASSERT_EQUAL(memcmp(&ts, &again, sizeof(ts)), 0);
	}
}

struct bad_ts {
	const char *in;
	const char *msg_part;
};

static const struct bad_ts bad[] = {
	{ "", "1-128 characters" },
	{ "10.1.2.3/16", "host bits set past the /16 prefix (network is 10.1.0.0/16)" },
	{ "2001:db8::1/32", "network is 2001:db8::/32" },
	{ "10.0.0.0/33", "prefix length must be 0-32" },
	{ "2001:db8::/129", "prefix length must be 0-128" },
	{ "10.0.0.0/", "prefix length" },
	{ "10.0.0.0/-1", "not an address, CIDR or range" },
	{ "10.0.0.0/+8", "prefix length" },
	{ "10.0.0.9-10.0.0.1", "start is above its end" },
	{ "10.0.0.1-2001:db8::1", "mixes IPv4 and IPv6" },
	{ "10.0.0.1-", "not an address range" },
	{ "-10.0.0.1", "not an address range" },
	{ "10.0.0.256", "not an IP address: '10.0.0.256'" },
	{ "10.0.0", "not an IP address" },
	{ "010.0.0.1", "not an IP address" },
	{ "vpn.example.com", "not an IP address" },
	{ "fe80::1%eth0", "not an IP address" },
	{ "10.0.0.0/8 ", "prefix length" },
	{ "Dynamic", "not an IP address" },
	{ "dynamic/24", "not an IP address or CIDR" },
	{ "10.0.0.0/8[tcp", "suffix must be [..] at the end" },
	{ "10.0.0.0/8[tcp]x", "suffix must be [..] at the end" },
	{ "10.0.0.0/8[[tcp]]", "suffix must be [..] at the end" },
	{ "10.0.0.0/8[]", "protocol must be" },
	{ "10.0.0.0/8[gre]", "protocol must be tcp, udp, icmp, ipv6-icmp, sctp or 0-255" },
	{ "10.0.0.0/8[256]", "protocol must be" },
	{ "10.0.0.0/8[TCP]", "protocol must be" },
	{ "10.0.0.0/8[icmp/8]", "ports need tcp, udp or sctp" },
	{ "10.0.0.0/8[47/1]", "ports need tcp, udp or sctp" },
	{ "10.0.0.0/8[tcp/70000]", "ports must be" },
	{ "10.0.0.0/8[tcp/2000-1000]", "ports must be" },
	{ "10.0.0.0/8[tcp/]", "ports must be" },
	{ "10.0.0.0/8[tcp/https]", "ports must be" },
	{ "2001:db8::/32[icmp]", "use ipv6-icmp" },
	{ "10.0.0.0/8[ipv6-icmp]", "use icmp" },
	{ "10.0.0.1/32-10.0.0.5", "not an address, CIDR or range" },
	{ "10.0.0.0/8\x1b[31m", "\\x1b" },
	{ "1234567890123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901",
	  "1-128 characters" },
};

static void test_ts_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct model_ts ts;
		char why[256] = "";

		memset(&ts, 0x5a, sizeof(ts));
		CU_ASSERT_EQUAL(model_ts_parse(bad[i].in, &ts, why, sizeof(why)), GW_E_INVAL);
		if (!strstr(why, bad[i].msg_part)) {
			fprintf(stderr, "'%s': '%s' lacks '%s'\n", bad[i].in, why, bad[i].msg_part);
			CU_FAIL("message does not name the problem");
		}
		/* no half-parsed selector left behind */
		CU_ASSERT_FALSE(ts.t_dynamic);
		CU_ASSERT_EQUAL(ts.t_family, 0);
		CU_ASSERT_EQUAL(ts.t_proto, 0);
		CU_ASSERT_PTR_NULL(strchr(why, 0x1b));
	}
	/* a NULL errbuf is fine */
	{
		struct model_ts ts;

		CU_ASSERT_EQUAL(model_ts_parse("10.1.2.3/16", &ts, NULL, 0), GW_E_INVAL);
	}
}

/* Every prefix length prints as that prefix and parses back. */
static void test_ts_prefixes(void)
{
	static const char *const bases[] = { "0.0.0.0", "::" };
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		size_t bits = fams[f] == AF_INET ? 32 : 128;

		for (size_t plen = 0; plen <= bits; plen++) {
			struct model_ts ts, again;
			char in[128], want[64], buf[128];

			memset(&ts, 0, sizeof(ts));
			ts.t_family = fams[f];
			ts.t_port_end = 65535;
			/* start 0, end with the low bits set: exactly the /plen at :: */
			for (size_t b = plen; b < bits; b++)
				ts.t_end[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			snprintf(want, sizeof(want), "%s/%zu", bases[f], plen);
			CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), 0);
			CU_ASSERT_STRING_EQUAL(buf, want);
			snprintf(in, sizeof(in), "%s", buf);
			CU_ASSERT_EQUAL(model_ts_parse(in, &again, NULL, 0), 0);
			CU_ASSERT_EQUAL(memcmp(&ts, &again, sizeof(ts)), 0);
		}
	}
}

static void test_ts_format_errors(void)
{
	struct model_ts ts;
	char buf[128];

	CU_ASSERT_EQUAL(model_ts_parse("2001:db8::1-2001:db8::ff[tcp/1000-2000]", &ts, NULL, 0), 0);
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, 10), GW_E_RANGE);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, 26), GW_E_RANGE); /* suffix does not fit */
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, 0), GW_E_RANGE);
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::1-2001:db8::ff[tcp/1000-2000]");
	/* structs no selector string can produce */
	ts.t_proto = 0;
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), GW_E_INVAL);
	ts.t_proto = 1;
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), GW_E_INVAL);
	ts.t_proto = 6;
	ts.t_port_start = 3000;
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), GW_E_INVAL);
	CU_ASSERT_EQUAL(model_ts_parse("10.0.0.1-10.0.0.9", &ts, NULL, 0), 0);
	ts.t_start[3] = 10;
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), GW_E_INVAL);
	ts.t_family = 0;
	CU_ASSERT_EQUAL(model_ts_format(&ts, buf, sizeof(buf)), GW_E_INVAL);
}

static const struct ut_case ts_cases[] = {
	{ "good selectors and canonical form", test_ts_good },
	{ "bad selectors", test_ts_bad },
	{ "every prefix length", test_ts_prefixes },
	{ "format errors", test_ts_format_errors },
	{ NULL, NULL },
};

const struct ut_suite ts_suite = { "model/traffic selectors", ts_cases };
