/*
 * Unit tests for gateway/datapath/esp.c and esp_crypto.c: round trips of
 * every algorithm in both modes and families, ESN across 2^32, tampering,
 * wrong SPI, padding and trailer errors, truncation at every length, dummy
 * packets, lifetimes, and the RFC 7634 appendix A packet.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "dp_test.h"
#include "datapath/esp.h"
#include "datapath/esp_crypto.h"
#include "util/err.h"
#include "util/iana.h"

#define BUF 2048

static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 13, 14, 15, 16, 17, 31, 32, 33, 100, 1372 };

/* One packet through out and in; checks the payload that comes back. */
static void roundtrip_one(struct dpt_pair *p, enum dp_mode mode, int family, size_t n, uint8_t seed)
{
	uint8_t orig[BUF], wire[BUF];
	size_t len, wl, hl = family == AF_INET ? 20 : 40;
	struct esp_pkt res;
	uint8_t proto = IPPROTO_UDP;

	len = family == AF_INET ? dpt_ip4(orig, proto, n, seed) : dpt_ip6(orig, proto, n, seed);
	wl = dpt_encap(p->p_out, orig, len, wire);
	CU_ASSERT_FATAL(wl > 0);
	CU_ASSERT_EQUAL(esp_decap(p->p_in, 0, wire, wl, 1000, &res), 0);
	if (mode == DP_MODE_TUNNEL) {
		CU_ASSERT_EQUAL(res.ep_nh, family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6);
		CU_ASSERT_EQUAL(res.ep_len, len);
		CU_ASSERT_EQUAL(memcmp(wire + res.ep_off, orig, len), 0);
	} else {
		CU_ASSERT_EQUAL(res.ep_nh, proto);
		CU_ASSERT_EQUAL(res.ep_len, len - hl);
		CU_ASSERT_EQUAL(memcmp(wire + res.ep_off, orig + hl, len - hl), 0);
	}
}

static void roundtrip(enum dp_mode mode, int family, bool esn)
{
	for (size_t a = 0; a < dpt_nalgs; a++) {
		struct dp_sa_stats so, si;
		struct dpt_pair p;
		uint64_t bytes = 0;
		size_t hl = mode == DP_MODE_TUNNEL ? 0 : (family == AF_INET ? 20 : 40);

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[a], mode, family, esn, 0) == 0);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			roundtrip_one(&p, mode, family, sizes[i], (uint8_t)i);
			bytes += (family == AF_INET ? 28 : 48) + sizes[i] - hl;
		}
		/* Counters: every packet, payload data bytes. */
		esp_sa_get_stats(p.p_out, &so);
		esp_sa_get_stats(p.p_in, &si);
		CU_ASSERT_EQUAL(so.st_packets, sizeof(sizes) / sizeof(sizes[0]));
		CU_ASSERT_EQUAL(si.st_packets, so.st_packets);
		CU_ASSERT_EQUAL(so.st_bytes, bytes);
		CU_ASSERT_EQUAL(si.st_bytes, bytes);
		CU_ASSERT_EQUAL(si.st_replay_errors + si.st_integrity_failures, 0);
		CU_ASSERT_EQUAL(si.st_last_use, 1000);
		dpt_pair_free(&p);
	}
}

static void test_tunnel_ip4(void)
{
	roundtrip(DP_MODE_TUNNEL, AF_INET, false);
}

static void test_tunnel_ip6(void)
{
	roundtrip(DP_MODE_TUNNEL, AF_INET6, false);
}

static void test_transport_ip4(void)
{
	roundtrip(DP_MODE_TRANSPORT, AF_INET, false);
}

static void test_transport_ip6(void)
{
	roundtrip(DP_MODE_TRANSPORT, AF_INET6, false);
}

static void test_esn_roundtrip(void)
{
	roundtrip(DP_MODE_TUNNEL, AF_INET, true);
	roundtrip(DP_MODE_TRANSPORT, AF_INET6, true);
}

/* The packet format: header fields, IV = sequence number for AEAD,
 * padding to the block, the right length. */
static void test_wire_format(void)
{
	uint8_t buf[BUF], wire[BUF];
	struct dpt_pair p;
	size_t len, wl;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[0], DP_MODE_TUNNEL, AF_INET, false, 0) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 10, 1); /* 38 bytes */
	wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
	/* 8 header + 8 IV + 38 + 0 pad + 2 (40, 4-aligned) + 16 ICV */
	CU_ASSERT_EQUAL(wl, 8 + 8 + 40 + 16);
	CU_ASSERT_EQUAL(memcmp(wire, "\x11\x22\x33\x44\x00\x00\x00\x01", 8), 0);
	CU_ASSERT_EQUAL(memcmp(wire + 8, "\0\0\0\0\0\0\0\x01", 8), 0);
	wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
	CU_ASSERT_EQUAL(memcmp(wire + 4, "\x00\x00\x00\x02", 4), 0);
	dpt_pair_free(&p);

	/* CBC: 16-byte IV, payload + 2 padded to 16: 38 + 8 pad + 2 = 48. */
	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[4], DP_MODE_TUNNEL, AF_INET, false, 0) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 10, 1);
	wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
	CU_ASSERT_EQUAL(wl, 8 + 16 + 48 + 16);
	dpt_pair_free(&p);
}

/* RFC 3602 section 2.3: CBC IVs are random, never repeated; they come
 * from a pool refilled every 256 packets. */
static void test_cbc_iv(void)
{
	static uint8_t ivs[600][16];
	uint8_t pkt[BUF], wire[BUF];
	struct dpt_pair p;
	size_t len;
	int dups = 0;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[4], DP_MODE_TUNNEL, AF_INET, false, 0) == 0);
	len = dpt_ip4(pkt, IPPROTO_UDP, 10, 1);
	for (int i = 0; i < 600; i++) {
		CU_ASSERT_FATAL(dpt_encap(p.p_out, pkt, len, wire) > 0);
		memcpy(ivs[i], wire + 8, 16);
	}
	for (int i = 0; i < 600; i++)
		for (int j = 0; j < i; j++)
			dups += memcmp(ivs[i], ivs[j], 16) == 0;
	CU_ASSERT_EQUAL(dups, 0);
	dpt_pair_free(&p);
}

/* RFC 4303 appendix A: sequence numbers across 2^32 with ESN; the high
 * half is in the AAD/ICV only. */
static void test_esn_boundary(void)
{
	for (size_t a = 0; a < dpt_nalgs; a++) {
		uint8_t buf[BUF], wire[BUF];
		struct dpt_pair p;
		struct esp_pkt res;

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[a], DP_MODE_TUNNEL, AF_INET, true, 64) ==
				0);
		esp_sa_set_seq(p.p_out, 0xfffffff0u);
		esp_sa_set_seq(p.p_in, 0xffffffe0u);
		for (int i = 0; i < 40; i++) {
			size_t len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, (uint8_t)i);
			size_t wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
			uint64_t seq = 0xfffffff1ull + (uint64_t)i;

			CU_ASSERT_FATAL(wl > 0);
			CU_ASSERT_EQUAL((uint32_t)wire[4] << 24 | (uint32_t)wire[5] << 16 |
						(uint32_t)wire[6] << 8 | wire[7],
					(uint32_t)seq);
			CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), 0);
			CU_ASSERT_EQUAL(res.ep_seq, seq);
		}
		dpt_pair_free(&p);
	}
}

/* A receiver that guesses the wrong epoch fails the ICV: the high half
 * really is authenticated. */
static void test_esn_high_bits_authenticated(void)
{
	for (size_t a = 0; a < dpt_nalgs; a++) {
		uint8_t buf[BUF], wire[BUF];
		struct dp_sa_stats st;
		struct dpt_pair p;
		struct esp_pkt res;
		size_t len, wl;

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[a], DP_MODE_TUNNEL, AF_INET, true, 0) ==
				0);
		esp_sa_set_seq(p.p_out, (1ull << 32) + 10);
		esp_sa_set_seq(p.p_in, 5); /* the receiver is in epoch 0 */
		len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, 1);
		wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
		CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), GW_E_AUTH);
		esp_sa_get_stats(p.p_in, &st);
		CU_ASSERT_EQUAL(st.st_integrity_failures, 1);
		dpt_pair_free(&p);
	}
}

/* Without ESN the counter stops at 2^32 - 1 (RFC 4303 section 3.3.3). */
static void test_seq_exhausted(void)
{
	struct esp_opts o = { .eo_nctx = 1, .eo_now = 1000 };
	struct dpt_events ev = { 0 };
	uint8_t buf[BUF], wire[BUF];
	struct esp_sa *out;
	struct dpt_keys k;
	struct dp_sa d;
	size_t len;

	o.eo_event = dpt_event_record;
	o.eo_event_arg = &ev;
	dpt_keys_fill(&k, 1);
	dpt_sa(&d, &dpt_algs[0], &k, 0x500, false, DP_MODE_TUNNEL, AF_INET, false);
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &out) == 0);
	esp_sa_set_seq(out, 0xfffffffeu);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, 1);
	CU_ASSERT(dpt_encap(out, buf + ESP_HEADROOM, len, wire) > 0); /* 2^32 - 1 */
	CU_ASSERT_EQUAL(dpt_encap(out, buf + ESP_HEADROOM, len, wire), 0);
	CU_ASSERT_EQUAL(ev.e_n, 1);
	CU_ASSERT_EQUAL(ev.e_type[0], DP_EV_HARD_EXPIRE);
	CU_ASSERT_TRUE(esp_sa_dead(out));
	esp_sa_free(out);
}

/* Flipping any bit after the SPI fails the ICV (or, in the sequence
 * number, the replay check); nothing is counted as received. */
static void test_tamper(void)
{
	for (size_t a = 0; a < dpt_nalgs; a++) {
		uint8_t buf[BUF], wire[BUF], t[BUF];
		struct dp_sa_stats st;
		struct esp_pkt res;
		struct dpt_pair p;
		size_t len, wl;
		uint64_t fails = 0;

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[a], DP_MODE_TUNNEL, AF_INET, false, 0) ==
				0);
		len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 40, 9);
		wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
		for (size_t i = 4; i < wl; i++) {
			memcpy(t, wire, wl);
			t[i] ^= (uint8_t)(1u << (i % 8));
			CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, t, wl, 1000, &res), GW_E_AUTH);
			fails++;
		}
		esp_sa_get_stats(p.p_in, &st);
		CU_ASSERT_EQUAL(st.st_integrity_failures, fails);
		CU_ASSERT_EQUAL(st.st_packets, 0);
		CU_ASSERT_EQUAL(st.st_replay_errors, 0);
		/* The window did not move: the genuine packet still goes in. */
		CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), 0);
		dpt_pair_free(&p);
	}
}

static void test_wrong_spi(void)
{
	uint8_t buf[BUF], wire[BUF];
	struct dp_sa_stats st;
	struct esp_pkt res;
	struct dpt_pair p;
	size_t len, wl;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[0], DP_MODE_TUNNEL, AF_INET, false, 0) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 40, 9);
	wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
	wire[3] ^= 1;
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), GW_E_NOTFOUND);
	esp_sa_get_stats(p.p_in, &st);
	CU_ASSERT_EQUAL(st.st_packets + st.st_integrity_failures + st.st_replay_errors, 0);
	/* The outbound SA never decapsulates. */
	wire[3] ^= 1;
	CU_ASSERT_EQUAL(esp_decap(p.p_out, 0, wire, wl, 1000, &res), GW_E_PARSE);
	dpt_pair_free(&p);
}

/* Duplicates and old packets are refused and counted; the window moves
 * only for packets whose ICV verified. */
static void test_replay(void)
{
	uint8_t buf[BUF], wire[70][256], t[256];
	size_t wl[70], len;
	struct dp_sa_stats st;
	struct esp_pkt res;
	struct dpt_pair p;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[2], DP_MODE_TUNNEL, AF_INET, false, 32) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 10, 1);
	for (int i = 0; i < 70; i++)
		wl[i] = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire[i]);
	/* seq 1, then 1 again. */
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire[0], wl[0], 1000, &res), 0);
	memcpy(t, wire[0], wl[0]);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, t, wl[0], 1000, &res), GW_E_EXISTS);
	/* seq 40: seq 9 (31 behind) still fits a window of 32, seq 8 not. */
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire[39], wl[39], 1000, &res), 0);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire[8], wl[8], 1000, &res), 0);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire[7], wl[7], 1000, &res), GW_E_EXISTS);
	/* A forged seq 70 must not move the window. */
	memcpy(t, wire[69], wl[69]);
	t[wl[69] - 1] ^= 0x80;
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, t, wl[69], 1000, &res), GW_E_AUTH);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire[10], wl[10], 1000, &res), 0);
	esp_sa_get_stats(p.p_in, &st);
	CU_ASSERT_EQUAL(st.st_replay_errors, 2);
	CU_ASSERT_EQUAL(st.st_integrity_failures, 1);
	CU_ASSERT_EQUAL(st.st_packets, 4);
	dpt_pair_free(&p);
}

/* A hand-made ESP packet: plaintext pt as given (trailer included). */
static size_t seal_raw(const struct dpt_alg *a, uint32_t spi, uint32_t seq, const uint8_t *pt,
		       size_t n, uint8_t *out)
{
	struct esp_suite su;
	struct esp_cctx cc;
	struct dpt_keys k;
	struct dp_sa d;
	size_t iv;

	dpt_keys_fill(&k, 0x42);
	dpt_sa(&d, a, &k, spi, false, DP_MODE_TUNNEL, AF_INET, false);
	if (esp_suite_init(&su, &d) < 0)
		return 0;
	if (esp_cctx_init(&cc, &su, &d, true) < 0) {
		esp_suite_fini(&su);
		return 0;
	}
	iv = su.su_iv_len;
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
	out[4] = (uint8_t)(seq >> 24);
	out[5] = (uint8_t)(seq >> 16);
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	memcpy(out + 8 + iv, pt, n);
	n = esp_crypto_seal(&su, &cc, out, n, false, seq) == 0 ? 8 + iv + n + su.su_icv_len : 0;
	esp_cctx_fini(&cc);
	esp_suite_fini(&su);
	return n;
}

/* Bad trailers: padding bytes not 1, 2, 3, ...; pad length past the
 * payload; tunnel-mode next headers that are not IP; inner packets that
 * do not fit. All authentic, all refused (after the window moved). */
static void test_bad_trailer(void)
{
	static const struct {
		const char *name;
		const char *tail; /* after a 20-byte IPv4 header (or the raw bytes) */
		int want;
	} cases[] = {
		{ "pad 1 2 4", "010204 03 04", GW_E_PARSE },
		{ "pad length too big", "0000 ff 04", GW_E_PARSE },
		{ "next header TCP in tunnel", "0102 02 06", GW_E_PARSE },
		{ "next header IPv6 for IPv4", "0102 02 29", GW_E_PARSE },
		{ "dummy", "0102 02 3b", 0 },
		{ "good", "0102 02 04", 0 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint8_t pt[256], wire[512], ip[64];
		struct esp_pkt res;
		struct dpt_pair p;
		struct dp_sa_stats st;
		size_t n, wl;

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[0], DP_MODE_TUNNEL, AF_INET, false, 0) ==
				0);
		n = dpt_ip4(ip, IPPROTO_UDP, 0, 0); /* 28 bytes */
		memcpy(pt, ip, n);
		n += ut_hex(cases[c].tail, pt + n, sizeof(pt) - n);
		wl = seal_raw(&dpt_algs[0], 0x11223344, 1, pt, n, wire);
		CU_ASSERT_FATAL(wl > 0);
		CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), cases[c].want);
		if (cases[c].want == 0)
			CU_ASSERT_EQUAL(res.ep_nh, c == 4 ? ESP_NH_NONE : IPPROTO_IPIP);
		esp_sa_get_stats(p.p_in, &st);
		/* Dummy packets are not counted as traffic. */
		CU_ASSERT_EQUAL(st.st_packets, c == 5 ? 1 : 0);
		/* Authentic: the sequence number is spent either way. */
		CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), GW_E_EXISTS);
		dpt_pair_free(&p);
	}
}

/* Inner packets: truncated (total length past the payload) refused; TFC
 * padding after the packet (RFC 4303 section 2.7) cut off. */
static void test_inner_length(void)
{
	uint8_t pt[256], wire[512];
	struct esp_pkt res;
	struct dpt_pair p;
	size_t n, wl;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[0], DP_MODE_TUNNEL, AF_INET, false, 0) == 0);
	n = dpt_ip4(pt, IPPROTO_UDP, 4, 0); /* 32 bytes */
	memset(pt + n, 0xee, 8);            /* TFC padding */
	n += 8;
	n += ut_hex("0102 02 04", pt + n, 4);
	wl = seal_raw(&dpt_algs[0], 0x11223344, 1, pt, n, wire);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), 0);
	CU_ASSERT_EQUAL(res.ep_len, 32);

	n = dpt_ip4(pt, IPPROTO_UDP, 4, 0);
	pt[3] = 40; /* says 40, carries 32 */
	n += ut_hex("0102 02 04", pt + n, 4);
	wl = seal_raw(&dpt_algs[0], 0x11223344, 2, pt, n, wire);
	CU_ASSERT_EQUAL(esp_decap(p.p_in, 0, wire, wl, 1000, &res), GW_E_PARSE);
	dpt_pair_free(&p);
}

/* Every prefix of a valid packet, and garbage of every length up to it:
 * a defined error, never a crash or an over-read (ASan builds). */
static void test_truncated(void)
{
	for (size_t a = 0; a < dpt_nalgs; a++) {
		uint8_t buf[BUF], wire[BUF], *t;
		struct esp_pkt res;
		struct dpt_pair p;
		size_t len, wl;

		CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[a], DP_MODE_TUNNEL, AF_INET, false, 0) ==
				0);
		len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 30, 3);
		wl = dpt_encap(p.p_out, buf + ESP_HEADROOM, len, wire);
		for (size_t n = 0; n < wl; n++) {
			int r;

			/* Exactly n bytes on the heap, so ASan sees any over-read. */
			t = malloc(n ? n : 1);
			memcpy(t, wire, n);
			r = esp_decap(p.p_in, 0, t, n, 1000, &res);
			CU_ASSERT(r == GW_E_PARSE || r == GW_E_AUTH || r == GW_E_NOTFOUND);
			for (size_t i = 0; i < n; i++)
				t[i] = (uint8_t)(i * 37 + n);
			r = esp_decap(p.p_in, 0, t, n, 1000, &res);
			CU_ASSERT(r < 0);
			free(t);
		}
		dpt_pair_free(&p);
	}
}

/* Packet and byte lifetimes (checked before each packet, as XFRM) and
 * time lifetimes (esp_sa_tick): soft once, then hard once. */
static void test_lifetime_packets(void)
{
	struct esp_opts o = { .eo_nctx = 1, .eo_now = 1000, .eo_event = dpt_event_record };
	struct dpt_events ev = { 0 };
	uint8_t buf[BUF], wire[BUF];
	struct esp_sa *out;
	struct dpt_keys k;
	struct dp_sa d;
	size_t len;
	int ok = 0;

	o.eo_event_arg = &ev;
	dpt_keys_fill(&k, 1);
	dpt_sa(&d, &dpt_algs[1], &k, 0x600, false, DP_MODE_TUNNEL, AF_INET, false);
	d.sa_lt.l_packets_soft = 3;
	d.sa_lt.l_packets_hard = 5;
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &out) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, 1);
	for (int i = 0; i < 8; i++) {
		if (dpt_encap(out, buf + ESP_HEADROOM, len, wire) > 0)
			ok++;
		if (i == 2)
			CU_ASSERT_EQUAL(ev.e_n, 0);
		if (i == 3) {
			CU_ASSERT_EQUAL(ev.e_n, 1);
			CU_ASSERT_EQUAL(ev.e_type[0], DP_EV_SOFT_EXPIRE);
		}
	}
	CU_ASSERT_EQUAL(ok, 5);
	CU_ASSERT_EQUAL(ev.e_n, 2);
	CU_ASSERT_EQUAL(ev.e_type[1], DP_EV_HARD_EXPIRE);
	CU_ASSERT_EQUAL(ev.e_spi[1], 0x600);
	CU_ASSERT_TRUE(esp_sa_dead(out));
	esp_sa_free(out);
}

static void test_lifetime_bytes_inbound(void)
{
	struct esp_opts o = { .eo_nctx = 1, .eo_now = 1000, .eo_event = dpt_event_record };
	struct dpt_events ev = { 0 };
	uint8_t buf[BUF], wire[BUF];
	struct esp_sa *out, *in;
	struct esp_pkt res;
	struct dpt_keys k;
	struct dp_sa d;
	size_t len, wl;
	int ok = 0;

	o.eo_event_arg = &ev;
	dpt_keys_fill(&k, 0x42);
	dpt_sa(&d, &dpt_algs[4], &k, 0x700, false, DP_MODE_TUNNEL, AF_INET, false);
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &out) == 0);
	d.sa_inbound = true;
	d.sa_lt.l_bytes_soft = 100; /* 48-byte packets: soft before the 4th */
	d.sa_lt.l_bytes_hard = 200; /* hard before the 6th */
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &in) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, 1);
	for (int i = 0; i < 8; i++) {
		wl = dpt_encap(out, buf + ESP_HEADROOM, len, wire);
		if (esp_decap(in, 0, wire, wl, 1000, &res) == 0)
			ok++;
	}
	CU_ASSERT_EQUAL(ok, 5);
	CU_ASSERT_EQUAL(ev.e_n, 2);
	CU_ASSERT_EQUAL(ev.e_type[0], DP_EV_SOFT_EXPIRE);
	CU_ASSERT_EQUAL(ev.e_type[1], DP_EV_HARD_EXPIRE);
	esp_sa_free(out);
	esp_sa_free(in);
}

static void test_lifetime_time(void)
{
	struct esp_opts o = { .eo_nctx = 1, .eo_now = 1000, .eo_event = dpt_event_record };
	struct dp_lifetime lt = { 0 };
	struct dpt_events ev = { 0 };
	struct esp_sa *sa;
	struct dpt_keys k;
	struct dp_sa d;

	o.eo_event_arg = &ev;
	dpt_keys_fill(&k, 1);
	dpt_sa(&d, &dpt_algs[2], &k, 0x800, true, DP_MODE_TUNNEL, AF_INET6, false);
	d.sa_lt.l_time_soft = 10;
	d.sa_lt.l_time_hard = 20;
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &sa) == 0);
	CU_ASSERT_FALSE(esp_sa_tick(sa, 1009));
	CU_ASSERT_EQUAL(ev.e_n, 0);
	CU_ASSERT_FALSE(esp_sa_tick(sa, 1010));
	CU_ASSERT_FALSE(esp_sa_tick(sa, 1015));
	CU_ASSERT_EQUAL(ev.e_n, 1);
	CU_ASSERT_EQUAL(ev.e_type[0], DP_EV_SOFT_EXPIRE);
	/* dp_sa_update() may push the hard limit out. */
	lt.l_time_soft = 10;
	lt.l_time_hard = 40;
	esp_sa_set_lifetime(sa, &lt);
	CU_ASSERT_FALSE(esp_sa_tick(sa, 1030));
	CU_ASSERT_TRUE(esp_sa_tick(sa, 1040));
	CU_ASSERT_TRUE(esp_sa_tick(sa, 1050));
	CU_ASSERT_EQUAL(ev.e_n, 2);
	CU_ASSERT_EQUAL(ev.e_type[1], DP_EV_HARD_EXPIRE);
	esp_sa_free(sa);
}

/* Algorithms outside our set, and keys of the wrong size. */
static void test_bad_params(void)
{
	struct esp_opts o = { .eo_nctx = 1 };
	struct dpt_keys k;
	struct esp_sa *sa;
	struct dp_sa d;

	dpt_keys_fill(&k, 1);
	dpt_sa(&d, &dpt_algs[0], &k, 0x900, true, DP_MODE_TUNNEL, AF_INET, false);
	d.sa_encr = IKE_ENCR_AES_CCM_16;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_UNSUP);
	CU_ASSERT_PTR_NULL(sa);
	d.sa_encr = IKE_ENCR_AES_GCM_16;
	d.sa_enc_key_len = 19;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_INVAL);
	d.sa_enc_key_len = 20;
	d.sa_encr_keylen = 256;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_INVAL);
	d.sa_encr_keylen = 0; /* from the key's size */
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), 0);
	esp_sa_free(sa);
	d.sa_integ = IKE_INTEG_HMAC_SHA2_256_128; /* AEAD with integrity */
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_UNSUP);
	dpt_sa(&d, &dpt_algs[4], &k, 0x900, true, DP_MODE_TUNNEL, AF_INET, false);
	d.sa_int_key_len = 20;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_INVAL);
	d.sa_int_key_len = 32;
	d.sa_integ = IKE_INTEG_HMAC_MD5_96;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_UNSUP);
	d.sa_integ = IKE_INTEG_HMAC_SHA2_256_128;
	d.sa_replay_window = 1u << 20;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_RANGE);
	o.eo_nctx = 0;
	CU_ASSERT_EQUAL(esp_sa_new(&d, &o, &sa), GW_E_INVAL);
}

/* Transport mode cannot carry an IPv4 fragment; non-IP is refused. */
static void test_encap_refusals(void)
{
	uint8_t buf[BUF], wire[BUF];
	struct dpt_pair p;
	struct esp_pkt res;
	size_t len;

	CU_ASSERT_FATAL(dpt_pair_new(&p, &dpt_algs[0], DP_MODE_TRANSPORT, AF_INET, false, 0) == 0);
	len = dpt_ip4(buf + ESP_HEADROOM, IPPROTO_UDP, 20, 1);
	buf[ESP_HEADROOM + 6] = 0x20; /* MF */
	CU_ASSERT_EQUAL(esp_encap(p.p_out, 0, buf, sizeof(buf), ESP_HEADROOM, len, 1, &res),
			GW_E_UNSUP);
	buf[ESP_HEADROOM] = 0x55;
	CU_ASSERT_EQUAL(esp_encap(p.p_out, 0, buf, sizeof(buf), ESP_HEADROOM, len, 1, &res),
			GW_E_PARSE);
	/* No room for the header or the trailer. */
	CU_ASSERT_EQUAL(esp_encap(p.p_out, 0, buf, sizeof(buf), 8, len, 1, &res), GW_E_INVAL);
	CU_ASSERT_EQUAL(
		esp_encap(p.p_out, 0, buf, ESP_HEADROOM + len + 10, ESP_HEADROOM, len, 1, &res),
		GW_E_INVAL);
	CU_ASSERT_EQUAL(dpt_encap(p.p_in, buf + ESP_HEADROOM, len, wire), 0);
	dpt_pair_free(&p);
}

/*
 * Known answer: RFC 7634 appendix A, the tunnel-mode ESP packet (SPI
 * 0x01020304, sequence number 5, IV 1011121314151617) carrying an ICMP
 * echo request from 198.51.100.5 to 192.0.2.5, decapsulates to the
 * RFC's plaintext under its KEYMAT (key 80..9f, salt a0a1a2a3).
 */
static void test_rfc7634_appendix_a(void)
{
	static const char keymat[] = "808182838485868788898a8b8c8d8e8f"
				     "909192939495969798999a9b9c9d9e9f a0a1a2a3";
	static const char packet[] =
		"01020304 00000005 1011121314151617"
		"24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
		"14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
		"cbec163fac469b502773f6fb94e664da9165b82829f641e0"
		"76aaa8266b7fb0f7b11b369907e1ad43";
	static const char plain[] =
		"45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
		"0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f3031323334353637";
	struct esp_opts o = { .eo_nctx = 1 };
	uint8_t key[36], pkt[256], want[128];
	size_t kl, pl, wl;
	struct esp_pkt res;
	struct esp_sa *sa;
	struct dp_sa d;

	kl = ut_hex(keymat, key, sizeof(key));
	pl = ut_hex(packet, pkt, sizeof(pkt));
	wl = ut_hex(plain, want, sizeof(want));
	memset(&d, 0, sizeof(d));
	d.sa_spi = 0x01020304;
	d.sa_inbound = true;
	d.sa_dst.a_family = d.sa_src.a_family = AF_INET;
	d.sa_mode = DP_MODE_TUNNEL;
	d.sa_encr = IKE_ENCR_CHACHA20_POLY1305;
	d.sa_enc_key = key;
	d.sa_enc_key_len = kl;
	CU_ASSERT_FATAL(esp_sa_new(&d, &o, &sa) == 0);
	CU_ASSERT_EQUAL(esp_decap(sa, 0, pkt, pl, 1, &res), 0);
	CU_ASSERT_EQUAL(res.ep_seq, 5);
	CU_ASSERT_EQUAL(res.ep_nh, IPPROTO_IPIP);
	CU_ASSERT_EQUAL(res.ep_len, wl);
	CU_ASSERT_EQUAL(memcmp(pkt + res.ep_off, want, wl), 0);
	esp_sa_free(sa);
}

static const struct ut_case esp_cases[] = {
	{ "tunnel IPv4, every algorithm", test_tunnel_ip4 },
	{ "tunnel IPv6, every algorithm", test_tunnel_ip6 },
	{ "transport IPv4, every algorithm", test_transport_ip4 },
	{ "transport IPv6, every algorithm", test_transport_ip6 },
	{ "ESN round trips", test_esn_roundtrip },
	{ "wire format", test_wire_format },
	{ "CBC IVs never repeat", test_cbc_iv },
	{ "ESN across 2^32", test_esn_boundary },
	{ "ESN high bits are authenticated", test_esn_high_bits_authenticated },
	{ "32-bit sequence numbers run out", test_seq_exhausted },
	{ "tampering fails the ICV", test_tamper },
	{ "wrong SPI", test_wrong_spi },
	{ "replay, old, forged", test_replay },
	{ "bad trailers, dummy packets", test_bad_trailer },
	{ "inner packet length", test_inner_length },
	{ "truncated and garbage packets", test_truncated },
	{ "packet lifetimes", test_lifetime_packets },
	{ "byte lifetimes inbound", test_lifetime_bytes_inbound },
	{ "time lifetimes", test_lifetime_time },
	{ "bad parameters", test_bad_params },
	{ "encapsulation refusals", test_encap_refusals },
	{ "RFC 7634 appendix A", test_rfc7634_appendix_a },
	{ NULL, NULL },
};

const struct ut_suite suite_esp = { "esp", esp_cases };
