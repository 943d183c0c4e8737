/*
 * Unit tests for the pure parts of gateway/sa: proposal selection, traffic
 * selector narrowing and range splitting, NAT-D hashes, cookies, and the
 * SA table's checkout.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "runner.h"
#include "sa/cookie.h"
#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"

static void prop(const char *s, uint8_t proto, struct model_proposal *mp)
{
	char err[128];

	snprintf(mp->mp_str, sizeof(mp->mp_str), "%s", s);
	CU_ASSERT_EQUAL_FATAL(proposal_parse(s, proto, &mp->mp_prop, err, sizeof(err)), 0);
}

/* The peer's SA payload from proposal strings (one proposal each). */
static void offer(const char *const *strs, size_t n, uint8_t proto, struct ike_pld_sa *sa)
{
	struct model_proposal mp[8];

	for (size_t i = 0; i < n; i++)
		prop(strs[i], proto, &mp[i]);
	sa_offer_from_config(mp, n, proto == IKE_PROTO_ESP ? (const uint8_t *)"\1\2\3\4" : NULL,
			     proto == IKE_PROTO_ESP ? 4 : 0, false, sa);
}

static void test_select_ike(void)
{
	static const char *const theirs[] = { "aes128-sha256-modp2048",
					      "aes256gcm16-prfsha384-x25519-ecp256" };
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	struct model_proposal ours[2];
	struct ike_proposal chosen;
	char buf[128];

	offer(theirs, 2, IKE_PROTO_IKE, sa);
	/* our order wins: our first proposal that they offer too */
	prop("aes256gcm16-prfsha384-ecp256", IKE_PROTO_IKE, &ours[0]);
	prop("aes128-sha256-modp2048", IKE_PROTO_IKE, &ours[1]);
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 2, IKE_PROTO_IKE, false, &chosen), 0);
	CU_ASSERT_EQUAL(chosen.pr_num, 2);
	CU_ASSERT_STRING_EQUAL(sa_proposal_str(&chosen, buf, sizeof(buf)),
			       "aes256gcm16-prfsha384-ecp256");
	CU_ASSERT_EQUAL(sa_proposal_get(&chosen, IKE_XF_KE, NULL), IKE_KE_ECP256);
	/* nothing in common */
	prop("aes256-sha512-modp4096", IKE_PROTO_IKE, &ours[0]);
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 1, IKE_PROTO_IKE, false, &chosen),
			GW_E_NOTFOUND);
	/* a key length that differs is a different transform */
	prop("aes256-sha256-modp2048", IKE_PROTO_IKE, &ours[0]);
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 1, IKE_PROTO_IKE, false, &chosen),
			GW_E_NOTFOUND);
	free(sa);
}

static void test_select_esp(void)
{
	static const char *const theirs[] = { "aes128gcm16-modp2048", "aes128-sha256" };
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	struct model_proposal ours[1];
	struct ike_proposal chosen;

	offer(theirs, 2, IKE_PROTO_ESP, sa);
	prop("aes128gcm16", IKE_PROTO_ESP, &ours[0]);
	/* in IKE_AUTH the KE transforms do not count (1.2) */
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 1, IKE_PROTO_ESP, true, &chosen), 0);
	CU_ASSERT_EQUAL(chosen.pr_spi_len, 4);
	CU_ASSERT_EQUAL(memcmp(chosen.pr_spi, "\1\2\3\4", 4), 0);
	CU_ASSERT_EQUAL(sa_proposal_get(&chosen, IKE_XF_KE, NULL), 0);
	/* without stripping, their PFS group must be ours too */
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 1, IKE_PROTO_ESP, false, &chosen),
			GW_E_NOTFOUND);
	/* an IKE proposal never matches ESP */
	CU_ASSERT_EQUAL(sa_select_proposal(sa, ours, 1, IKE_PROTO_IKE, true, &chosen),
			GW_E_NOTFOUND);
	free(sa);
}

static void ts_of(const char *s, struct ike_ts *ts)
{
	struct model_ts m;
	struct sa_ep none = { 0 };
	char err[64];

	CU_ASSERT_EQUAL_FATAL(model_ts_parse(s, &m, err, sizeof(err)), 0);
	sa_ts_from_model(&m, &none, ts);
}

static void test_narrow(void)
{
	struct ike_pld_ts theirs = { .ts_n = 2 }, ours = { .ts_n = 1 }, out;
	char buf[64];
	struct model_ts m;

	ts_of("10.0.0.0/8", &theirs.ts[0]);
	ts_of("2001:db8::/32", &theirs.ts[1]);
	ts_of("10.1.0.0/16[tcp/443]", &ours.ts[0]);
	CU_ASSERT_EQUAL_FATAL(sa_ts_narrow(&theirs, &ours, &out), 0);
	CU_ASSERT_EQUAL_FATAL(out.ts_n, 1);
	m = (struct model_ts){ .t_family = AF_INET,
			       .t_proto = out.ts[0].ts_proto,
			       .t_port_start = out.ts[0].ts_port_start,
			       .t_port_end = out.ts[0].ts_port_end };
	memcpy(m.t_start, out.ts[0].ts_addr_start, 16);
	memcpy(m.t_end, out.ts[0].ts_addr_end, 16);
	CU_ASSERT_EQUAL(model_ts_format(&m, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "10.1.0.0/16[tcp/443]");
	CU_ASSERT_TRUE(sa_ts_within(&out, &theirs));
	CU_ASSERT_FALSE(sa_ts_within(&theirs, &out));
	/* disjoint: TS_UNACCEPTABLE */
	ts_of("192.168.0.0/16", &ours.ts[0]);
	CU_ASSERT_EQUAL(sa_ts_narrow(&theirs, &ours, &out), GW_E_NOTFOUND);
	/* protocol mismatch */
	ts_of("10.0.0.0/8[udp]", &theirs.ts[0]);
	ts_of("10.0.0.0/8[tcp]", &ours.ts[0]);
	theirs.ts_n = 1;
	CU_ASSERT_EQUAL(sa_ts_narrow(&theirs, &ours, &out), GW_E_NOTFOUND);
}

static void test_prefixes(void)
{
	uint8_t start[16] = { 10, 0, 0, 1 }, end[16] = { 10, 0, 0, 9 }, addr[16][16], plen[16];
	uint8_t all0[16] = { 0 }, all1[16];
	uint16_t port[16], mask[16];
	int n;

	/* 10.0.0.1-10.0.0.9 = .1/32 .2/31 .4/30 .8/31 */
	n = sa_range_prefixes(start, end, 4, addr, plen, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(plen[0], 32);
	CU_ASSERT_EQUAL(addr[1][3], 2);
	CU_ASSERT_EQUAL(plen[1], 31);
	CU_ASSERT_EQUAL(plen[2], 30);
	CU_ASSERT_EQUAL(addr[3][3], 8);
	CU_ASSERT_EQUAL(plen[3], 31);
	memset(all1, 0xff, sizeof(all1));
	CU_ASSERT_EQUAL(sa_range_prefixes(all0, all1, 16, addr, plen, 16), 1);
	CU_ASSERT_EQUAL(plen[0], 0);
	CU_ASSERT_EQUAL(sa_range_prefixes(start, all1, 4, addr, plen, 4), -1); /* too many */
	CU_ASSERT_EQUAL(sa_port_blocks(0, 65535, port, mask, 16), 1);
	CU_ASSERT_EQUAL(mask[0], 0);
	CU_ASSERT_EQUAL(sa_port_blocks(443, 443, port, mask, 16), 1);
	CU_ASSERT_EQUAL(mask[0], 0xffff);
	n = sa_port_blocks(8000, 8003, port, mask, 16);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(mask[0], 0xfffc);
}

static void ep4(struct sa_ep *ep, const char *a, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->ep_family = AF_INET;
	ep->ep_port = port;
	inet_pton(AF_INET, a, ep->ep_addr);
}

/* RFC 7296 2.23 by hand: SHA-1(SPIi | SPIr | IP | port). */
static void test_natd(void)
{
	struct sa_ep ep;
	uint8_t h[20],
		in[22] = { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1, 1, 244 };
	uint8_t want[20];
	unsigned int len;

	ep4(&ep, "192.0.2.1", 500);
	CU_ASSERT_EQUAL(sa_natd_hash(0x0102030405060708ULL, 0, &ep, h), 0);
	EVP_Digest(in, sizeof(in), want, &len, EVP_sha1(), NULL);
	CU_ASSERT_EQUAL(memcmp(h, want, 20), 0);
	ep.ep_port = 4500;
	CU_ASSERT_EQUAL(sa_natd_hash(0x0102030405060708ULL, 0, &ep, h), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(h, want, 20), 0);
}

/* An IKE_SA_INIT request, with a cookie first when given. */
static size_t init_msg(uint8_t *buf, size_t max, uint64_t spi_i, const uint8_t *nonce,
		       const uint8_t *cookie, size_t clen)
{
	static const uint8_t pub[32] = { 9 };
	struct ike_hdr h = { .h_spi_i = spi_i,
			     .h_version = IKE_VERSION_2,
			     .h_exch = IKE_EXCH_SA_INIT,
			     .h_flags = IKE_FLAG_INITIATOR };
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, pub, sizeof(pub) };
	struct ike_pld_nonce n = { nonce, 32 };
	struct model_proposal mp;
	struct ike_builder b;
	struct writer wr;

	prop("aes256gcm16-prfsha256-x25519", IKE_PROTO_IKE, &mp);
	sa_offer_from_config(&mp, 1, NULL, 0, false, sa);
	wr_init_fixed(&wr, buf, max);
	ike_build_begin(&b, &wr, &h);
	if (cookie) {
		struct ike_pld_notify c = { .n_type = IKE_N_COOKIE,
					    .n_data = cookie,
					    .n_len = clen };

		ike_build_notify(&b, &c);
	}
	ike_build_sa(&b, sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &n);
	CU_ASSERT_EQUAL(ike_build_end(&b), 0);
	free(sa);
	return wr_len(&wr);
}

static void test_cookies(void)
{
	struct sa_cookie *ck = sa_cookie_new();
	uint8_t nonce[32] = { 1, 2, 3 }, msg[1024], cookie[SA_COOKIE_MAX], c2[SA_COOKIE_MAX];
	size_t len, clen, c2len;
	struct sa_ep src, other;

	ep4(&src, "192.0.2.7", 500);
	ep4(&other, "192.0.2.8", 500);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
	len = init_msg(msg, sizeof(msg), 42, nonce, NULL, 0);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, cookie, &clen), SA_COOKIE_NONE);
	CU_ASSERT_EQUAL(clen, SA_COOKIE_LEN);
	len = init_msg(msg, sizeof(msg), 42, nonce, cookie, clen);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, c2, &c2len), SA_COOKIE_OK);
	/* bound to the address, the SPI and the nonce */
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &other, c2, &c2len), SA_COOKIE_BAD);
	len = init_msg(msg, sizeof(msg), 43, nonce, cookie, clen);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, c2, &c2len), SA_COOKIE_BAD);
	nonce[0] ^= 1;
	len = init_msg(msg, sizeof(msg), 42, nonce, cookie, clen);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, c2, &c2len), SA_COOKIE_BAD);
	nonce[0] ^= 1;
	/* one rotation: still good; two: expired */
	sa_cookie_rotate(ck);
	len = init_msg(msg, sizeof(msg), 42, nonce, cookie, clen);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, c2, &c2len), SA_COOKIE_OK);
	sa_cookie_rotate(ck);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, len, &src, c2, &c2len), SA_COOKIE_BAD);
	CU_ASSERT_EQUAL(sa_cookie_check(ck, msg, 20, &src, c2, &c2len), SA_COOKIE_INVALID);
	sa_cookie_free(ck);
}

struct waiter {
	struct sa_table *w_t;
	struct ike_sa *w_got;
};

static void *checkout_thread(void *arg)
{
	struct waiter *w = arg;

	w->w_got = sa_table_checkout(w->w_t, 77);
	if (w->w_got)
		sa_table_checkin(w->w_t, 77);
	return NULL;
}

static void test_table(void)
{
	struct sa_table *t = sa_table_new();
	struct ike_sa a = { 0 }, b = { 0 };
	struct waiter w = { t, NULL };
	struct sa_ep peer;
	pthread_t th;
	uint64_t spi;

	ep4(&peer, "198.51.100.1", 500);
	CU_ASSERT_EQUAL(sa_table_insert(t, 77, &a), 0);
	CU_ASSERT_EQUAL(sa_table_insert(t, 77, &b), GW_E_EXISTS);
	CU_ASSERT_EQUAL(sa_table_insert(t, 0, &b), GW_E_EXISTS);
	/* checked out by us: the other thread waits until checkin */
	pthread_create(&th, NULL, checkout_thread, &w);
	usleep(50000);
	CU_ASSERT_PTR_NULL(w.w_got);
	sa_table_checkin(t, 77);
	pthread_join(th, NULL);
	CU_ASSERT_PTR_EQUAL(w.w_got, &a);
	/* removal while another waits: the waiter gets NULL */
	CU_ASSERT_PTR_EQUAL(sa_table_checkout(t, 77), &a);
	w.w_got = &b;
	pthread_create(&th, NULL, checkout_thread, &w);
	usleep(50000);
	sa_table_remove(t, 77);
	pthread_join(th, NULL);
	CU_ASSERT_PTR_NULL(w.w_got);
	CU_ASSERT_EQUAL(sa_table_count(t), 0);
	CU_ASSERT_PTR_NULL(sa_table_checkout(t, 77));
	/* half-open index */
	CU_ASSERT_EQUAL(sa_table_halfopen_add(t, 1234, &peer, 99), 0);
	CU_ASSERT_EQUAL(sa_table_halfopen_find(t, 1234, &peer, &spi), 0);
	CU_ASSERT_EQUAL(spi, 99);
	peer.ep_port = 4500;
	CU_ASSERT_EQUAL(sa_table_halfopen_find(t, 1234, &peer, &spi), GW_E_NOTFOUND);
	peer.ep_port = 500;
	CU_ASSERT_EQUAL(sa_table_halfopen_count(t), 1);
	sa_table_halfopen_del(t, 1234, &peer);
	CU_ASSERT_EQUAL(sa_table_halfopen_count(t), 0);
	sa_table_free(t, NULL);
}

static const struct ut_case cases[] = {
	{ "IKE proposal selection", test_select_ike },
	{ "ESP proposal selection", test_select_esp },
	{ "traffic selector narrowing", test_narrow },
	{ "ranges to prefixes and port masks", test_prefixes },
	{ "NAT-D hash", test_natd },
	{ "cookies", test_cookies },
	{ "SA table checkout", test_table },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "sa", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}
