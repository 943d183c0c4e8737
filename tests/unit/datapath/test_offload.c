/*
 * Unit tests for gateway/datapath/offload.c: the checksum, finishing a
 * partial checksum, cutting TCP super-packets (TSO) and merging runs of
 * segments back (GRO), including the cases GRO must leave alone.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "runner.h"
#include "datapath/offload.h"
#include "util/err.h"

/* RFC 1071, the obvious way: big-endian 16-bit words. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1u)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TCP/UDP checksum of an IP packet verifies (sums to 0xffff). */
static bool l4_ok(const uint8_t *ip, size_t len, bool v4)
{
	size_t l3 = v4 ? 20 : 40, l4 = len - l3;
	uint8_t ph[40];
	size_t pl;

	if (v4) {
		memcpy(ph, ip + 12, 8);
		pl = 8;
	} else {
		memcpy(ph, ip + 8, 32);
		pl = 32;
	}
	ph[pl++] = 0;
	ph[pl++] = ip[v4 ? 9 : 6];
	ph[pl++] = (uint8_t)(l4 >> 8);
	ph[pl++] = (uint8_t)l4;
	return ref_sum(ip + l3, l4, ref_sum(ph, pl, 0)) == 0xffff;
}

static void test_csum(void)
{
	uint8_t buf[301];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(buf); n++)
		CU_ASSERT_EQUAL(offload_csum_fold(offload_csum_add(0, buf, n)), ref_sum(buf, n, 0));
	/* Pieces: only the last may be odd. */
	CU_ASSERT_EQUAL(
		offload_csum_fold(offload_csum_add(offload_csum_add(0, buf, 100), buf + 100, 201)),
		ref_sum(buf, 301, 0));
}

/* A TCP packet: IP header, 20 + optlen bytes of TCP header, n payload
 * bytes; sequence 1000, ACK 5000. */
static size_t tcp_pkt(uint8_t *p, bool v4, size_t optlen, size_t n, uint8_t flags)
{
	size_t l3 = v4 ? 20 : 40, thl = 20 + optlen, len = l3 + thl + n;
	uint8_t *th = p + l3;

	memset(p, 0, len);
	if (v4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[4] = 0x12;
		p[5] = 0x34;
		p[6] = 0x40;
		p[8] = 64;
		p[9] = IPPROTO_TCP;
		memcpy(p + 12, "\x0a\x01\x00\x01\x0a\x02\x00\x01", 8);
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = IPPROTO_TCP;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	th[0] = 0x04;
	th[1] = 0xd2;
	th[2] = 0x16;
	th[3] = 0x2e;
	th[6] = 0x03;
	th[7] = 0xe8; /* seq 1000 */
	th[10] = 0x13;
	th[11] = 0x88; /* ack 5000 */
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	th[14] = 0x80;
	for (size_t i = 0; i < optlen; i++)
		th[20 + i] = i == 0 ? 1 : (uint8_t)(0x40 + i); /* NOP, then anything */
	for (size_t i = 0; i < n; i++)
		th[thl + i] = (uint8_t)(i * 7 + 1);
	return len;
}

static void vh_tso(struct virtio_net_hdr *vh, bool v4, size_t mss)
{
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = htole16((uint16_t)mss);
	vh->csum_start = htole16(v4 ? 20 : 40);
	vh->csum_offset = htole16(16);
}

/* Cut, check every segment, then merge back and compare. */
static void tso_gro_roundtrip(bool v4, size_t optlen, size_t payload, size_t mss)
{
	size_t l3 = v4 ? 20 : 40, hl = l3 + 20 + optlen, nseg = (payload + mss - 1) / mss, n, k = 0;
	uint8_t *big = malloc(65536), (*seg)[2048] = malloc(64 * 2048);
	struct virtio_net_hdr vh;
	struct tso t;

	tcp_pkt(big, v4, optlen, payload, 0x10 | 0x08 | 0x01 | 0x80); /* ACK PSH FIN CWR */
	vh_tso(&vh, v4, mss);
	CU_ASSERT_FATAL(offload_tso_init(&t, &vh, big, hl + payload) == 0);
	while (offload_tso_next(&t, seg[k], sizeof(seg[k]), &n)) {
		const uint8_t *th = seg[k] + l3;
		bool last = k == nseg - 1;

		CU_ASSERT_EQUAL(n, hl + (last ? payload - mss * (nseg - 1) : mss));
		CU_ASSERT_EQUAL(get32(th + 4), 1000 + k * mss);
		CU_ASSERT_EQUAL(!!(th[13] & 0x01), last);
		CU_ASSERT_EQUAL(!!(th[13] & 0x08), last);
		CU_ASSERT_EQUAL(!!(th[13] & 0x80), k == 0);
		CU_ASSERT_TRUE(l4_ok(seg[k], n, v4));
		if (v4) {
			CU_ASSERT_EQUAL(get16(seg[k] + 2), n);
			CU_ASSERT_EQUAL(get16(seg[k] + 4), 0x1234 + k);
			CU_ASSERT_EQUAL(ref_sum(seg[k], 20, 0), 0xffff);
		} else {
			CU_ASSERT_EQUAL(get16(seg[k] + 4), n - 40);
		}
		CU_ASSERT_EQUAL(memcmp(seg[k] + hl, big + hl + k * mss, n - hl), 0);
		k++;
	}
	CU_ASSERT_EQUAL(k, nseg);
	free(big);
	free(seg);
}

static void test_tso(void)
{
	tso_gro_roundtrip(true, 12, 5000, 1000);
	tso_gro_roundtrip(true, 0, 1360 * 48, 1360);
	tso_gro_roundtrip(false, 12, 2500, 1000);
	tso_gro_roundtrip(false, 0, 1, 1340);
}

static void test_tso_refused(void)
{
	uint8_t p[2048], out[2048];
	struct virtio_net_hdr vh;
	struct tso t;
	size_t len, n;

	len = tcp_pkt(p, true, 0, 100, 0x10);
	vh_tso(&vh, true, 50);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), GW_E_UNSUP);
	vh_tso(&vh, true, 50);
	vh.csum_start = htole16(24); /* not the IHL */
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), GW_E_PARSE);
	vh_tso(&vh, true, 0);
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), GW_E_PARSE);
	vh_tso(&vh, true, 50);
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, 30), GW_E_PARSE); /* TCP header cut */
	p[32] = 0xf0;                                                  /* 60-byte TCP header */
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, 70), GW_E_PARSE);
	len = tcp_pkt(p, false, 0, 100, 0x10);
	vh_tso(&vh, false, 50);
	p[6] = 0; /* hop-by-hop header */
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), GW_E_UNSUP);
	/* No payload: one packet. Too small an output: none. */
	len = tcp_pkt(p, true, 0, 0, 0x10);
	vh_tso(&vh, true, 50);
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), 0);
	CU_ASSERT_TRUE(offload_tso_next(&t, out, sizeof(out), &n));
	CU_ASSERT_EQUAL(n, 40);
	CU_ASSERT_FALSE(offload_tso_next(&t, out, sizeof(out), &n));
	len = tcp_pkt(p, true, 0, 100, 0x10);
	CU_ASSERT_EQUAL(offload_tso_init(&t, &vh, p, len), 0);
	CU_ASSERT_FALSE(offload_tso_next(&t, out, 60, &n));
}

static void test_csum_finish(void)
{
	uint8_t p[128];
	size_t len = tcp_pkt(p, true, 0, 33, 0x10);
	uint8_t ph[12] = { 10, 1, 0, 1, 10, 2, 0, 1, 0, IPPROTO_TCP, 0, (uint8_t)(len - 20) };
	uint16_t partial = ref_sum(ph, 12, 0);

	p[36] = (uint8_t)(partial >> 8);
	p[37] = (uint8_t)partial;
	CU_ASSERT_EQUAL(offload_csum_finish(p, len, 20, 16), 0);
	CU_ASSERT_TRUE(l4_ok(p, len, true));
	CU_ASSERT_EQUAL(offload_csum_finish(p, len, 20, len - 21), GW_E_PARSE);
	CU_ASSERT_EQUAL(offload_csum_finish(p, len, len + 1, 0), GW_E_PARSE);
}

/* What gro_flush wrote: each run's bytes, concatenated. */
struct capture {
	int c_writes;
	unsigned c_pkts[GRO_MAX];
	struct virtio_net_hdr c_vh[GRO_MAX];
	uint8_t c_buf[GRO_MAX][65536 + 64];
	size_t c_len[GRO_MAX];
};

static int capture_write(void *arg, struct iovec *iov, int n, unsigned npkts)
{
	struct capture *c = arg;
	int w = c->c_writes++;

	memcpy(&c->c_vh[w], iov[0].iov_base, sizeof(c->c_vh[w]));
	c->c_pkts[w] = npkts;
	c->c_len[w] = 0;
	for (int i = 1; i < n; i++) {
		memcpy(c->c_buf[w] + c->c_len[w], iov[i].iov_base, iov[i].iov_len);
		c->c_len[w] += iov[i].iov_len;
	}
	return 0;
}

static size_t seg_of(uint8_t *out, bool v4, uint32_t seq, size_t n, uint8_t flags, uint8_t opt)
{
	size_t len = tcp_pkt(out, v4, 12, n, flags);
	size_t l3 = v4 ? 20 : 40;

	out[l3 + 4] = (uint8_t)(seq >> 24);
	out[l3 + 5] = (uint8_t)(seq >> 16);
	out[l3 + 6] = (uint8_t)(seq >> 8);
	out[l3 + 7] = (uint8_t)seq;
	out[l3 + 31] = opt;
	return len;
}

static void test_gro_merge(void)
{
	for (int v = 0; v < 2; v++) {
		bool v4 = v == 0;
		size_t l3 = v4 ? 20 : 40, hl = l3 + 32;
		struct capture *c = calloc(1, sizeof(*c));
		uint8_t(*p)[2048] = malloc(8 * 2048);
		struct gro g;

		gro_init(&g);
		for (int i = 0; i < 5; i++) {
			size_t len = seg_of(p[i], v4, 1000 + 1000 * (uint32_t)i,
					    i == 4 ? 300 : 1000, i == 4 ? 0x18 : 0x10, 0);

			gro_add(&g, p[i], len);
		}
		gro_flush(&g, capture_write, c);
		CU_ASSERT_EQUAL_FATAL(c->c_writes, 1);
		CU_ASSERT_EQUAL(c->c_pkts[0], 5);
		CU_ASSERT_EQUAL(c->c_len[0], hl + 4300);
		CU_ASSERT_EQUAL(c->c_vh[0].gso_type,
				v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
		CU_ASSERT_EQUAL(le16toh(c->c_vh[0].gso_size), 1000);
		CU_ASSERT_EQUAL(le16toh(c->c_vh[0].csum_start), l3);
		CU_ASSERT_EQUAL(le16toh(c->c_vh[0].hdr_len), hl);
		CU_ASSERT_EQUAL(c->c_buf[0][l3 + 13], 0x18); /* the last segment's PSH */
		if (v4) {
			CU_ASSERT_EQUAL(get16(c->c_buf[0] + 2), hl + 4300);
			CU_ASSERT_EQUAL(ref_sum(c->c_buf[0], 20, 0), 0xffff);
		} else {
			CU_ASSERT_EQUAL(get16(c->c_buf[0] + 4), hl - 40 + 4300);
		}
		/* Partial checksum: finishing it gives a valid packet. */
		CU_ASSERT_EQUAL(offload_csum_finish(c->c_buf[0], c->c_len[0], l3, 16), 0);
		CU_ASSERT_TRUE(l4_ok(c->c_buf[0], c->c_len[0], v4));
		free(c);
		free(p);
	}
}

/* Runs split exactly where the kernel would not merge. */
static void test_gro_split(void)
{
	struct capture *c = calloc(1, sizeof(*c));
	uint8_t(*p)[2048] = malloc(16 * 2048);
	static const unsigned want[] = { 2, 1, 1, 1, 1, 1, 1, 1 };
	struct gro g;
	size_t len[16];
	int k = 0;

	gro_init(&g);
	len[k] = seg_of(p[k], true, 1000, 500, 0x10, 0); /* run 1: 1000, 1500 */
	k++;
	len[k] = seg_of(p[k], true, 1500, 500, 0x10, 0);
	k++;
	len[k] = seg_of(p[k], true, 2500, 500, 0x10, 0); /* gap: run 2 */
	k++;
	len[k] = seg_of(p[k], true, 3000, 500, 0x10, 7); /* other options: run 3 */
	k++;
	len[k] = tcp_pkt(p[k], false, 12, 500, 0x10); /* IPv6, same ports: run 4 */
	k++;
	len[k] = seg_of(p[k], true, 3500, 500, 0x11, 7); /* FIN: run 5 */
	k++;
	len[k] = tcp_pkt(p[k], false, 12, 500, 0x10); /* a repeated sequence number: run 6 */
	k++;
	len[k] = seg_of(p[k], true, 4000, 200, 0x10, 7); /* behind IPv6's run: run 7 */
	k++;
	p[k][0] = 0x45; /* not TCP: run 8 */
	len[k] = 40;
	memset(p[k] + 1, 0, 39);
	p[k][3] = 40;
	p[k][9] = IPPROTO_UDP;
	k++;
	for (int i = 0; i < k; i++)
		gro_add(&g, p[i], len[i]);
	gro_flush(&g, capture_write, c);
	CU_ASSERT_EQUAL_FATAL(c->c_writes, 8);
	for (int w = 0; w < 8; w++)
		CU_ASSERT_EQUAL(c->c_pkts[w], want[w]);
	/* Lone packets go out untouched, with an empty header. */
	CU_ASSERT_EQUAL(c->c_vh[1].gso_type, VIRTIO_NET_HDR_GSO_NONE);
	CU_ASSERT_EQUAL(c->c_len[1], len[2]);
	CU_ASSERT_EQUAL(memcmp(c->c_buf[1], p[2], len[2]), 0);
	CU_ASSERT_EQUAL(g.g_n, 0);
	free(c);
	free(p);
}

/* A 64-packet batch is full; a run never passes 64 KiB. */
static void test_gro_limits(void)
{
	struct capture *c = calloc(1, sizeof(*c));
	uint8_t(*p)[2048] = malloc(GRO_MAX * 2048);
	struct gro g;
	unsigned total = 0;

	gro_init(&g);
	for (int i = 0; i < GRO_MAX; i++) {
		size_t len = seg_of(p[i], true, 1000 + 1400 * (uint32_t)i, 1400, 0x10, 0);

		CU_ASSERT_FALSE(gro_full(&g));
		gro_add(&g, p[i], len);
	}
	CU_ASSERT_TRUE(gro_full(&g));
	gro_flush(&g, capture_write, c);
	for (int w = 0; w < c->c_writes; w++) {
		CU_ASSERT(c->c_len[w] <= 65535);
		total += c->c_pkts[w];
	}
	CU_ASSERT_EQUAL(total, GRO_MAX);
	CU_ASSERT_EQUAL(c->c_writes, 2); /* 46 x 1400 + 52 bytes of headers fit */
	free(c);
	free(p);
}

static const struct ut_case offload_cases[] = {
	{ "checksum", test_csum },
	{ "partial checksum finished", test_csum_finish },
	{ "TSO segments", test_tso },
	{ "TSO refusals", test_tso_refused },
	{ "GRO merges a run", test_gro_merge },
	{ "GRO splits", test_gro_split },
	{ "GRO limits", test_gro_limits },
	{ NULL, NULL },
};

const struct ut_suite suite_offload = { "offload", offload_cases };
