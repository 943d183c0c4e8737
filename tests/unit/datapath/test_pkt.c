/*
 * Unit tests for gateway/datapath/pkt.c: flows of IPv4 and IPv6 packets
 * (ports, ICMP, fragments, extension headers), truncation, selectors, the
 * rebuilt transport header and the recomputed checksum.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "dp_test.h"
#include "datapath/pkt.h"
#include "util/err.h"

/* RFC 1071 sum over a buffer (folded, not inverted). */
static uint16_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1u)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_parse_ip4(void)
{
	uint8_t p[128];
	struct pkt_flow f;
	size_t n = dpt_ip4(p, IPPROTO_UDP, 10, 0);

	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_EQUAL(f.pf_family, AF_INET);
	CU_ASSERT_EQUAL(f.pf_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.pf_sport, 1234);
	CU_ASSERT_EQUAL(f.pf_dport, 5678);
	CU_ASSERT_EQUAL(f.pf_hdr_len, 20);
	CU_ASSERT_EQUAL(f.pf_tot_len, n);
	CU_ASSERT_TRUE(f.pf_ports);
	CU_ASSERT_EQUAL(memcmp(f.pf_src, "\x0a\x01\x00\x01", 4), 0);
	/* ICMP: type and code in the port fields, as XFRM selectors. */
	n = dpt_ip4(p, IPPROTO_ICMP, 4, 0);
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_EQUAL(f.pf_sport, 8);
	CU_ASSERT_EQUAL(f.pf_dport, 0);
	/* A later fragment has no ports; the first one has. */
	n = dpt_ip4(p, IPPROTO_UDP, 10, 0);
	p[6] = 0x00;
	p[7] = 0x10;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_TRUE(f.pf_frag);
	CU_ASSERT_FALSE(f.pf_ports);
	p[6] = 0x20;
	p[7] = 0;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_TRUE(f.pf_frag);
	CU_ASSERT_TRUE(f.pf_ports);
	/* Bad: IHL < 5, total length past the buffer or below IHL, version. */
	p[6] = 0;
	p[0] = 0x44;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), GW_E_PARSE);
	p[0] = 0x46; /* options: 24 bytes, fine */
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_EQUAL(f.pf_hdr_len, 24);
	p[0] = 0x45;
	p[3] = (uint8_t)(n + 1);
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), GW_E_PARSE);
	p[3] = 19;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), GW_E_PARSE);
	p[0] = 0x75;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), GW_E_PARSE);
}

static void test_parse_ip6(void)
{
	uint8_t p[256];
	struct pkt_flow f;
	size_t n = dpt_ip6(p, IPPROTO_UDP, 10, 0);

	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_EQUAL(f.pf_family, AF_INET6);
	CU_ASSERT_EQUAL(f.pf_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(f.pf_dport, 5678);
	CU_ASSERT_EQUAL(f.pf_tot_len, n);
	/* Hop-by-hop (8 bytes) then a first fragment, then UDP. */
	memmove(p + 56, p + 40, n - 40);
	p[6] = IPPROTO_HOPOPTS;
	memset(p + 40, 0, 16);
	p[40] = IPPROTO_FRAGMENT;
	p[48] = IPPROTO_UDP;
	p[5] = (uint8_t)(p[5] + 16);
	n += 16;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_EQUAL(f.pf_nh, IPPROTO_HOPOPTS);
	CU_ASSERT_EQUAL(f.pf_proto, IPPROTO_UDP);
	CU_ASSERT_TRUE(f.pf_frag);
	CU_ASSERT_TRUE(f.pf_ports);
	CU_ASSERT_EQUAL(f.pf_sport, 1234);
	/* A later fragment. */
	p[51] = 0x08;
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), 0);
	CU_ASSERT_FALSE(f.pf_ports);
	CU_ASSERT_EQUAL(f.pf_proto, IPPROTO_UDP);
	/* Payload length past the buffer. */
	p[5] = (uint8_t)(p[5] + 1);
	CU_ASSERT_EQUAL(pkt_parse(p, n, &f), GW_E_PARSE);
}

/* Every prefix, from heap buffers of exactly that size. */
static void test_parse_truncated(void)
{
	uint8_t p4[128], p6[128];
	size_t n4 = dpt_ip4(p4, IPPROTO_TCP, 30, 1), n6 = dpt_ip6(p6, IPPROTO_TCP, 30, 1);

	for (size_t n = 0; n < n6; n++) {
		uint8_t *t = malloc(n ? n : 1);
		struct pkt_flow f;

		memcpy(t, p4, n < n4 ? n : n4);
		CU_ASSERT(pkt_parse(t, n < n4 ? n : n4, &f) == (n >= n4 ? 0 : GW_E_PARSE));
		memcpy(t, p6, n);
		CU_ASSERT_EQUAL(pkt_parse(t, n, &f), GW_E_PARSE);
		free(t);
	}
}

static void sel4(struct dp_selector *s, const char *src, unsigned sp, const char *dst, unsigned dp)
{
	memset(s, 0, sizeof(*s));
	s->s_family = AF_INET;
	s->s_src.a_family = s->s_dst.a_family = AF_INET;
	ut_hex(src, s->s_src.a_addr, 4);
	ut_hex(dst, s->s_dst.a_addr, 4);
	s->s_src_plen = (uint8_t)sp;
	s->s_dst_plen = (uint8_t)dp;
}

static void test_selectors(void)
{
	uint8_t p[128];
	struct dp_selector s;
	struct pkt_flow f;

	pkt_parse(p, dpt_ip4(p, IPPROTO_UDP, 4, 0), &f); /* 10.1.0.1:1234 -> 10.2.0.1:5678 */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_TRUE(pkt_sel_is_any(&s));
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	sel4(&s, "0a010000", 16, "0a020000", 24);
	CU_ASSERT_FALSE(pkt_sel_is_any(&s));
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	sel4(&s, "0a010000", 32, "0a020000", 24);
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
	sel4(&s, "0a010001", 32, "0a0200ff", 31);
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
	sel4(&s, "0a010001", 32, "0a0200fe", 23);
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	sel4(&s, "00000000", 0, "0b000000", 7); /* 10/7 covers 10 and 11 */
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	sel4(&s, "00000000", 0, "0c000000", 7);
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
	/* Protocol and ports with masks. */
	sel4(&s, "00000000", 0, "00000000", 0);
	s.s_proto = IPPROTO_TCP;
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
	s.s_proto = IPPROTO_UDP;
	s.s_dport = 5678;
	s.s_dport_mask = 0xffff;
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	s.s_sport = 1235;
	s.s_sport_mask = 0xffff;
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
	s.s_sport_mask = 0xfff0; /* 1234 and 1235 share the top 12 bits */
	CU_ASSERT_TRUE(pkt_sel_match(&s, &f));
	/* Family. */
	s.s_family = AF_INET6;
	CU_ASSERT_FALSE(pkt_sel_match(&s, &f));
}

/* A rebuilt IPv4 header checks out; a recomputed UDP/TCP checksum sums
 * to 0xffff with its pseudo-header for both families. */
static void test_hdr_and_csum(void)
{
	static const uint8_t a4[4] = { 192, 0, 2, 1 }, b4[4] = { 198, 51, 100, 7 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 9, [15] = 2 };
	uint8_t hdr[40], p[128], pseudo[40];
	size_t n;

	CU_ASSERT_EQUAL(pkt_build_hdr(hdr, AF_INET, a4, b4, IPPROTO_UDP, 100), 20);
	CU_ASSERT_EQUAL(sum16(hdr, 20, 0), 0xffff);
	CU_ASSERT_EQUAL(hdr[2] << 8 | hdr[3], 120);
	CU_ASSERT_EQUAL(pkt_build_hdr(hdr, AF_INET6, a6, b6, IPPROTO_TCP, 100), 40);
	CU_ASSERT_EQUAL(hdr[0], 0x60);
	CU_ASSERT_EQUAL(hdr[6], IPPROTO_TCP);
	CU_ASSERT_EQUAL(pkt_build_hdr(hdr, AF_INET, a4, b4, IPPROTO_UDP, 0xfff0), 0);
	CU_ASSERT_EQUAL(pkt_build_hdr(hdr, AF_UNIX, a4, b4, IPPROTO_UDP, 10), 0);

	for (int fam = 0; fam < 2; fam++) {
		const uint8_t *s = fam ? a6 : a4, *d = fam ? b6 : b4;
		size_t al = fam ? 16 : 4;

		for (int tcp = 0; tcp < 2; tcp++) {
			uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;

			n = 20 + 33; /* odd length on purpose */
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t)(i * 7 + 3);
			if (!tcp) {
				p[4] = 0;
				p[5] = (uint8_t)n;
			}
			pkt_fix_l4_csum(fam ? AF_INET6 : AF_INET, s, d, proto, p, n);
			memcpy(pseudo, s, al);
			memcpy(pseudo + al, d, al);
			pseudo[2 * al] = 0;
			pseudo[2 * al + 1] = proto;
			CU_ASSERT_EQUAL(sum16(p, n, sum16(pseudo, 2 * al + 2, (uint32_t)n)),
					0xffff);
		}
	}
	/* UDP over IPv4 without a checksum stays without one. */
	memset(p, 0, 8);
	pkt_fix_l4_csum(AF_INET, a4, b4, IPPROTO_UDP, p, 8);
	CU_ASSERT_EQUAL(p[6] | p[7], 0);
	/* Too short for its header: left alone. */
	p[0] = 0xaa;
	pkt_fix_l4_csum(AF_INET, a4, b4, IPPROTO_TCP, p, 10);
	CU_ASSERT_EQUAL(p[0], 0xaa);
}

static void test_flow_l4(void)
{
	static const uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	uint8_t l4[8] = { 0x04, 0xd2, 0x16, 0x2e };
	struct pkt_flow f;

	pkt_flow_l4(&f, AF_INET, a, b, IPPROTO_TCP, l4, sizeof(l4));
	CU_ASSERT_EQUAL(f.pf_sport, 1234);
	CU_ASSERT_EQUAL(f.pf_dport, 5678);
	CU_ASSERT_EQUAL(memcmp(f.pf_dst, b, 4), 0);
	pkt_flow_l4(&f, AF_INET, a, b, IPPROTO_TCP, l4, 3);
	CU_ASSERT_FALSE(f.pf_ports);
}

static const struct ut_case pkt_cases[] = {
	{ "IPv4 flows", test_parse_ip4 },
	{ "IPv6 flows and extension headers", test_parse_ip6 },
	{ "truncated headers", test_parse_truncated },
	{ "selectors", test_selectors },
	{ "rebuilt header, checksums", test_hdr_and_csum },
	{ "transport payload flows", test_flow_l4 },
	{ NULL, NULL },
};

const struct ut_suite suite_pkt = { "pkt", pkt_cases };
