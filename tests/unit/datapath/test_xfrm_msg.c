/*
 * Unit tests for the xfrm backend's messages (gateway/datapath/xfrm_msg.c,
 * xfrm_parse.c) and event filter (xfrm_events.c), without a kernel: each
 * message is built, then taken apart with libnl's parser and every
 * attribute compared with what the kernel's xfrm_user expects.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/udp.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "runner.h"
#include "datapath/xfrm_be.h"
#include "datapath/xfrm_msg.h"
#include "util/err.h"
#include "util/iana.h"

static uint8_t enc_key[36], int_key[64];

static struct dp_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct dp_addr x = { .a_family = AF_INET, .a_addr = { a, b, c, d } };

	return x;
}

static struct dp_addr v6(uint8_t last)
{
	struct dp_addr x = { .a_family = AF_INET6, .a_addr = { 0x20, 0x01, 0x0d, 0xb8 } };

	x.a_addr[15] = last;
	return x;
}

static void base_sa(struct dp_sa *sa, uint16_t encr, uint16_t keylen, uint16_t integ)
{
	struct xfrm_alg e = { 0 }, i = { 0 };
	size_t k;

	for (k = 0; k < sizeof(enc_key); k++)
		enc_key[k] = (uint8_t)(0xa0 + k);
	for (k = 0; k < sizeof(int_key); k++)
		int_key[k] = (uint8_t)(0x10 + k);
	memset(sa, 0, sizeof(*sa));
	sa->sa_spi = 0xc1020304;
	sa->sa_src = v4(192, 0, 2, 1);
	sa->sa_dst = v4(192, 0, 2, 2);
	sa->sa_mode = DP_MODE_TUNNEL;
	sa->sa_encr = encr;
	sa->sa_encr_keylen = keylen;
	sa->sa_integ = integ;
	xfrm_msg_alg_encr(encr, keylen, &e);
	xfrm_msg_alg_integ(integ, &i);
	sa->sa_enc_key = enc_key;
	sa->sa_enc_key_len = e.xa_key_bits / 8;
	sa->sa_int_key = integ ? int_key : NULL;
	sa->sa_int_key_len = i.xa_key_bits / 8;
	sa->sa_reqid = 7;
}

/* Parse msg as the kernel would: fixed header hdrlen, then attributes. */
static int take_apart(struct nl_msg *msg, size_t hdrlen, struct nlattr **tb)
{
	return nlmsg_parse(nlmsg_hdr(msg), (int)hdrlen, tb, XFRMA_MAX, NULL);
}

static void test_alg_tables(void)
{
	struct xfrm_alg a;

	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_GCM_16, 256, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "rfc4106(gcm(aes))");
	CU_ASSERT_EQUAL(a.xa_key_bits, 288);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 128);
	CU_ASSERT_TRUE(a.xa_aead);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_GCM_8, 128, &a), 0);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 64);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_GCM_12, 192, &a), 0);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 96);
	CU_ASSERT_EQUAL(a.xa_key_bits, 224);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_CHACHA20_POLY1305, 0, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "rfc7539esp(chacha20,poly1305)");
	CU_ASSERT_EQUAL(a.xa_key_bits, 288);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 128);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_CHACHA20_POLY1305, 128, &a), GW_E_INVAL);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_CBC, 192, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "cbc(aes)");
	CU_ASSERT_EQUAL(a.xa_key_bits, 192);
	CU_ASSERT_FALSE(a.xa_aead);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_CBC, 0, &a), GW_E_INVAL);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_AES_CBC, 100, &a), GW_E_INVAL);
	/* RFC 2451: 3DES has a fixed 192-bit key, no Key Length attribute */
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_3DES, 0, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "cbc(des3_ede)");
	CU_ASSERT_EQUAL(a.xa_key_bits, 192);
	CU_ASSERT_FALSE(a.xa_aead);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_3DES, 192, &a), 0);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(IKE_ENCR_3DES, 128, &a), GW_E_INVAL);
	CU_ASSERT_EQUAL(xfrm_msg_alg_encr(2 /* ENCR_DES */, 0, &a), GW_E_UNSUP);

	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_HMAC_SHA1_96, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "hmac(sha1)");
	CU_ASSERT_EQUAL(a.xa_key_bits, 160);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 96);
	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_HMAC_SHA2_256_128, &a), 0);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 128);
	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_HMAC_SHA2_384_192, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.xa_name, "hmac(sha384)");
	CU_ASSERT_EQUAL(a.xa_key_bits, 384);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 192);
	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_HMAC_SHA2_512_256, &a), 0);
	CU_ASSERT_EQUAL(a.xa_key_bits, 512);
	CU_ASSERT_EQUAL(a.xa_icv_bits, 256);
	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_HMAC_MD5_96, &a), GW_E_UNSUP);
	CU_ASSERT_EQUAL(xfrm_msg_alg_integ(IKE_INTEG_NONE, &a), GW_E_UNSUP);
}

/* Checks the usersa_info and the replay attribute shared by every SA. */
static void check_sa_common(struct nl_msg *msg, struct nlattr **tb, uint32_t window)
{
	const struct xfrm_usersa_info *p = nlmsg_data(nlmsg_hdr(msg));
	const struct xfrm_replay_state_esn *rs;

	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_NEWSA);
	CU_ASSERT_EQUAL(p->id.spi, htonl(0xc1020304));
	CU_ASSERT_EQUAL(p->id.proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(p->family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(&p->id.daddr, "\xc0\x00\x02\x02", 4), 0);
	CU_ASSERT_EQUAL(memcmp(&p->saddr, "\xc0\x00\x02\x01", 4), 0);
	CU_ASSERT_EQUAL(p->reqid, 7);
	CU_ASSERT_EQUAL(p->seq, XFRM_TAG | 5);
	CU_ASSERT_EQUAL(p->replay_window, 0);
	if (p->lft.soft_add_expires_seconds == 0) { /* no limits set: none sent */
		CU_ASSERT_EQUAL(p->lft.hard_byte_limit, XFRM_INF);
		CU_ASSERT_EQUAL(p->lft.soft_packet_limit, XFRM_INF);
		CU_ASSERT_EQUAL(p->lft.hard_add_expires_seconds, 0);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_REPLAY_ESN_VAL]);
	rs = nla_data(tb[XFRMA_REPLAY_ESN_VAL]);
	CU_ASSERT_EQUAL(rs->replay_window, window);
	CU_ASSERT_EQUAL(rs->bmp_len, (window + 31) / 32);
	CU_ASSERT_EQUAL(nla_len(tb[XFRMA_REPLAY_ESN_VAL]), sizeof(*rs) + rs->bmp_len * 4);
	CU_ASSERT_EQUAL(rs->oseq, 0);
	CU_ASSERT_EQUAL(rs->seq, 0);
}

static void check_aead(uint16_t encr, uint16_t keylen, const char *name, unsigned icv)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_algo_aead *a;
	struct nl_msg *msg;
	struct dp_sa sa;

	base_sa(&sa, encr, keylen, IKE_INTEG_NONE);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, XFRM_TAG | 5, NULL, &msg), 0);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(struct xfrm_usersa_info), tb), 0);
	check_sa_common(msg, tb, XFRM_WINDOW_DEF);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ALG_CRYPT]);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ALG_AUTH_TRUNC]);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ALG_AUTH]);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ENCAP]);
	CU_ASSERT_PTR_NULL(tb[XFRMA_MARK]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_ALG_AEAD]);
	a = nla_data(tb[XFRMA_ALG_AEAD]);
	CU_ASSERT_STRING_EQUAL(a->alg_name, name);
	CU_ASSERT_EQUAL(a->alg_key_len, (keylen ? keylen : 256) + 32);
	CU_ASSERT_EQUAL(a->alg_icv_len, icv);
	CU_ASSERT_EQUAL(nla_len(tb[XFRMA_ALG_AEAD]), sizeof(*a) + sa.sa_enc_key_len);
	CU_ASSERT_EQUAL(memcmp(a->alg_key, enc_key, sa.sa_enc_key_len), 0);
	xfrm_msg_free(msg);
}

static void test_sa_aead(void)
{
	static const uint16_t lens[] = { 128, 192, 256 };
	size_t i;

	for (i = 0; i < 3; i++) {
		check_aead(IKE_ENCR_AES_GCM_16, lens[i], "rfc4106(gcm(aes))", 128);
		check_aead(IKE_ENCR_AES_GCM_12, lens[i], "rfc4106(gcm(aes))", 96);
		check_aead(IKE_ENCR_AES_GCM_8, lens[i], "rfc4106(gcm(aes))", 64);
	}
	check_aead(IKE_ENCR_CHACHA20_POLY1305, 0, "rfc7539esp(chacha20,poly1305)", 128);
	check_aead(IKE_ENCR_CHACHA20_POLY1305, 256, "rfc7539esp(chacha20,poly1305)", 128);
}

/* encr: AES-CBC with keylen bits, or 3DES (keylen 0: 192-bit key) */
static void check_cbc(uint16_t encr, uint16_t keylen, uint16_t integ, const char *hmac,
		      unsigned kbits, unsigned trunc)
{
	const char *name = encr == IKE_ENCR_3DES ? "cbc(des3_ede)" : "cbc(aes)";
	unsigned ebits = encr == IKE_ENCR_3DES ? 192 : keylen;
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_algo *c;
	const struct xfrm_algo_auth *a;
	struct nl_msg *msg;
	struct dp_sa sa;

	base_sa(&sa, encr, keylen, integ);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, XFRM_TAG | 5, NULL, &msg), 0);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(struct xfrm_usersa_info), tb), 0);
	check_sa_common(msg, tb, XFRM_WINDOW_DEF);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ALG_AEAD]);
	CU_ASSERT_PTR_NULL(tb[XFRMA_ALG_AUTH]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_ALG_CRYPT]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_ALG_AUTH_TRUNC]);
	c = nla_data(tb[XFRMA_ALG_CRYPT]);
	CU_ASSERT_STRING_EQUAL(c->alg_name, name);
	CU_ASSERT_EQUAL(c->alg_key_len, ebits);
	CU_ASSERT_EQUAL(nla_len(tb[XFRMA_ALG_CRYPT]), sizeof(*c) + ebits / 8);
	CU_ASSERT_EQUAL(memcmp(c->alg_key, enc_key, ebits / 8), 0);
	a = nla_data(tb[XFRMA_ALG_AUTH_TRUNC]);
	CU_ASSERT_STRING_EQUAL(a->alg_name, hmac);
	CU_ASSERT_EQUAL(a->alg_key_len, kbits);
	CU_ASSERT_EQUAL(a->alg_trunc_len, trunc);
	CU_ASSERT_EQUAL(nla_len(tb[XFRMA_ALG_AUTH_TRUNC]), sizeof(*a) + kbits / 8);
	CU_ASSERT_EQUAL(memcmp(a->alg_key, int_key, kbits / 8), 0);
	xfrm_msg_free(msg);
}

static void test_sa_cbc_hmac(void)
{
	static const uint16_t lens[] = { 128, 192, 256 };
	size_t i;

	for (i = 0; i < 3; i++) {
		check_cbc(IKE_ENCR_AES_CBC, lens[i], IKE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 160, 96);
		check_cbc(IKE_ENCR_AES_CBC, lens[i], IKE_INTEG_HMAC_SHA2_256_128, "hmac(sha256)",
			  256, 128);
		check_cbc(IKE_ENCR_AES_CBC, lens[i], IKE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)",
			  384, 192);
		check_cbc(IKE_ENCR_AES_CBC, lens[i], IKE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)",
			  512, 256);
	}
	/* what Windows and older Apple clients offer (RFC 2451 + RFC 2404) */
	check_cbc(IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 160, 96);
	check_cbc(IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 256, 128);
}

static void test_sa_options(void)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *p;
	const struct xfrm_encap_tmpl *et;
	const struct xfrm_mark *m;
	struct nl_msg *msg;
	struct dp_sa sa;

	base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	sa.sa_esn = true;
	sa.sa_replay_window = 64;
	sa.sa_encap_sport = 4500;
	sa.sa_encap_dport = 31337;
	sa.sa_mark = 0x42;
	sa.sa_mark_mask = 0xff;
	sa.sa_lt.l_bytes_soft = 1000;
	sa.sa_lt.l_bytes_hard = 2000;
	sa.sa_lt.l_packets_hard = 30;
	sa.sa_lt.l_time_soft = 60;
	sa.sa_lt.l_time_hard = 90;
	sa.sa_mode = DP_MODE_TRANSPORT;
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 512, XFRM_TAG | 5, NULL, &msg), 0);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(*p), tb), 0);
	check_sa_common(msg, tb, 64); /* the SA's window wins over the default */
	p = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(p->flags, XFRM_STATE_ESN); /* transport: no AF_UNSPEC */
	CU_ASSERT_EQUAL(p->mode, XFRM_MODE_TRANSPORT);
	CU_ASSERT_EQUAL(p->lft.soft_byte_limit, 1000);
	CU_ASSERT_EQUAL(p->lft.hard_byte_limit, 2000);
	CU_ASSERT_EQUAL(p->lft.soft_packet_limit, XFRM_INF);
	CU_ASSERT_EQUAL(p->lft.hard_packet_limit, 30);
	CU_ASSERT_EQUAL(p->lft.soft_add_expires_seconds, 60);
	CU_ASSERT_EQUAL(p->lft.hard_add_expires_seconds, 90);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_ENCAP]);
	et = nla_data(tb[XFRMA_ENCAP]);
	CU_ASSERT_EQUAL(et->encap_type, UDP_ENCAP_ESPINUDP);
	CU_ASSERT_EQUAL(et->encap_sport, htons(4500));
	CU_ASSERT_EQUAL(et->encap_dport, htons(31337));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_MARK]);
	m = nla_data(tb[XFRMA_MARK]);
	CU_ASSERT_EQUAL(m->v, 0x42);
	CU_ASSERT_EQUAL(m->m, 0xff);
	xfrm_msg_free(msg);

	/* tunnel mode, any selector: AF_UNSPEC; backend default window */
	base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_UPDSA, &sa, 96, XFRM_TAG | 5, NULL, &msg), 0);
	p = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_UPDSA);
	CU_ASSERT_EQUAL(p->flags, XFRM_STATE_AF_UNSPEC);
	CU_ASSERT_EQUAL(p->mode, XFRM_MODE_TUNNEL);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(*p), tb), 0);
	CU_ASSERT_EQUAL(
		((struct xfrm_replay_state_esn *)nla_data(tb[XFRMA_REPLAY_ESN_VAL]))->replay_window,
		96);
	xfrm_msg_free(msg);
}

static void test_sa_selector_v6(void)
{
	const struct xfrm_usersa_info *p;
	struct nl_msg *msg;
	struct dp_sa sa;

	base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	sa.sa_src = v6(1);
	sa.sa_dst = v6(2);
	sa.sa_sel.s_family = AF_INET6;
	sa.sa_sel.s_src = v6(0x11);
	sa.sa_sel.s_dst = v6(0x22);
	sa.sa_sel.s_src_plen = 64;
	sa.sa_sel.s_dst_plen = 128;
	sa.sa_sel.s_proto = IPPROTO_UDP;
	sa.sa_sel.s_dport = 53;
	sa.sa_sel.s_dport_mask = 0xffff;
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, 1, NULL, &msg), 0);
	p = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(p->family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(&p->id.daddr, sa.sa_dst.a_addr, 16), 0);
	CU_ASSERT_EQUAL(p->sel.family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(&p->sel.saddr, sa.sa_sel.s_src.a_addr, 16), 0);
	CU_ASSERT_EQUAL(p->sel.prefixlen_s, 64);
	CU_ASSERT_EQUAL(p->sel.prefixlen_d, 128);
	CU_ASSERT_EQUAL(p->sel.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p->sel.dport, htons(53));
	CU_ASSERT_EQUAL(p->sel.dport_mask, 0xffff);
	CU_ASSERT_EQUAL(p->flags, 0); /* a real selector: no AF_UNSPEC */
	xfrm_msg_free(msg);
}

static void test_sa_bad(void)
{
	struct nl_msg *msg = (struct nl_msg *)1;
	struct dp_sa sa;

#define BAD(expr, want)                                                                    \
	do {                                                                               \
		base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);                    \
		expr;                                                                      \
		CU_ASSERT_EQUAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, 1, NULL, &msg), want); \
		CU_ASSERT_PTR_NULL(msg);                                                   \
	} while (0)
	BAD(sa.sa_enc_key_len = 16, GW_E_INVAL); /* salt missing */
	BAD(sa.sa_enc_key = NULL, GW_E_INVAL);
	BAD(sa.sa_integ = IKE_INTEG_HMAC_SHA2_256_128, GW_E_INVAL); /* AEAD + integ */
	BAD(sa.sa_spi = 0, GW_E_INVAL);
	BAD(sa.sa_src = v6(1), GW_E_INVAL);
	BAD(sa.sa_dst.a_family = 99; sa.sa_src.a_family = 99, GW_E_INVAL);
	BAD(sa.sa_replay_window = XFRM_WINDOW_MAX + 1, GW_E_RANGE);
	BAD(sa.sa_encap_sport = 4500, GW_E_INVAL);
	BAD(sa.sa_mark = 5, GW_E_INVAL);
	BAD(sa.sa_mode = 7, GW_E_INVAL);
	BAD(sa.sa_sel.s_family = AF_INET; sa.sa_sel.s_src_plen = 33, GW_E_INVAL);
	BAD(sa.sa_sel.s_dst_plen = 8, GW_E_INVAL); /* prefix without a family */
	BAD(sa.sa_encr = 2 /* ENCR_DES */, GW_E_UNSUP);
	BAD(sa.sa_encr = IKE_ENCR_3DES; sa.sa_encr_keylen = 0; sa.sa_enc_key_len = 16;
	    sa.sa_integ = IKE_INTEG_HMAC_SHA1_96; sa.sa_int_key = int_key;
	    sa.sa_int_key_len = 20, GW_E_INVAL); /* 3DES needs 24 key bytes */
	BAD(sa.sa_encr = IKE_ENCR_AES_CBC; sa.sa_enc_key_len = 16, GW_E_INVAL); /* no integ */
	BAD(sa.sa_encr = IKE_ENCR_AES_CBC; sa.sa_enc_key_len = 16;
	    sa.sa_integ = IKE_INTEG_HMAC_SHA2_256_128; sa.sa_int_key = int_key;
	    sa.sa_int_key_len = 20, GW_E_INVAL);
	BAD(sa.sa_encr = IKE_ENCR_AES_CBC; sa.sa_enc_key_len = 16;
	    sa.sa_integ = IKE_INTEG_AES_XCBC_96; sa.sa_int_key = int_key;
	    sa.sa_int_key_len = 16, GW_E_UNSUP);
#undef BAD
	base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	CU_ASSERT_EQUAL(xfrm_msg_sa(XFRM_MSG_DELSA, &sa, 0, 1, NULL, &msg), GW_E_INVAL);
	sa.sa_replay_window = XFRM_WINDOW_MAX;
	CU_ASSERT_EQUAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, 1, NULL, &msg), 0);
	xfrm_msg_free(msg);
}

static void test_sa_id_allocspi(void)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_id *id;
	const struct xfrm_userspi_info *u;
	struct dp_addr src = v4(10, 0, 0, 1), dst = v4(10, 0, 0, 2);
	struct nl_msg *msg;

	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa_id(XFRM_MSG_DELSA, 0x1234, &dst, 3, 0xf, &msg), 0);
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_DELSA);
	id = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(id->spi, htonl(0x1234));
	CU_ASSERT_EQUAL(id->family, AF_INET);
	CU_ASSERT_EQUAL(id->proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(memcmp(&id->daddr, dst.a_addr, 4), 0);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(*id), tb), 0);
	CU_ASSERT_PTR_NOT_NULL(tb[XFRMA_MARK]);
	xfrm_msg_free(msg);
	CU_ASSERT_EQUAL(xfrm_msg_sa_id(XFRM_MSG_NEWSA, 1, &dst, 0, 0, &msg), GW_E_INVAL);

	CU_ASSERT_EQUAL_FATAL(xfrm_msg_allocspi(&src, &dst, XFRM_TAG | 9, 0x1000, 0x2000, &msg), 0);
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_ALLOCSPI);
	u = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(u->min, 0x1000);
	CU_ASSERT_EQUAL(u->max, 0x2000);
	CU_ASSERT_EQUAL(u->info.reqid, XFRM_TAG | 9);
	CU_ASSERT_EQUAL(u->info.seq, 0);
	CU_ASSERT_EQUAL(u->info.id.proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(u->info.family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(&u->info.saddr, src.a_addr, 4), 0);
	xfrm_msg_free(msg);
	CU_ASSERT_EQUAL(xfrm_msg_allocspi(&src, &dst, 1, 0x2000, 0x1000, &msg), GW_E_INVAL);
	dst = v6(1);
	CU_ASSERT_EQUAL(xfrm_msg_allocspi(&src, &dst, 1, 1, 2, &msg), GW_E_INVAL);
}

static void tunnel_policy(struct dp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->p_sel.s_family = AF_INET;
	p->p_sel.s_src = v4(10, 1, 0, 0);
	p->p_sel.s_src_plen = 16;
	p->p_sel.s_dst = v4(10, 2, 0, 0);
	p->p_sel.s_dst_plen = 24;
	p->p_dir = DP_DIR_FWD;
	p->p_priority = 1000;
	p->p_mode = DP_MODE_TUNNEL;
	p->p_tmpl_src = v4(192, 0, 2, 1);
	p->p_tmpl_dst = v4(192, 0, 2, 2);
	p->p_reqid = 77;
}

static void test_policy(void)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_userpolicy_info *pi;
	const struct xfrm_user_tmpl *t;
	uint32_t index = XFRM_TAG | 3 << 3 | XFRM_POLICY_FWD;
	struct nl_msg *msg;
	struct dp_policy p;

	tunnel_policy(&p);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy(&p, index, &msg), 0);
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_NEWPOLICY);
	pi = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(pi->dir, XFRM_POLICY_FWD);
	CU_ASSERT_EQUAL(pi->index, index);
	CU_ASSERT_EQUAL(pi->priority, 1000);
	CU_ASSERT_EQUAL(pi->action, XFRM_POLICY_ALLOW);
	CU_ASSERT_EQUAL(pi->sel.family, AF_INET);
	CU_ASSERT_EQUAL(pi->sel.prefixlen_s, 16);
	CU_ASSERT_EQUAL(pi->sel.prefixlen_d, 24);
	CU_ASSERT_EQUAL(memcmp(&pi->sel.daddr, "\x0a\x02\x00\x00", 4), 0);
	CU_ASSERT_EQUAL(pi->lft.hard_byte_limit, XFRM_INF);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(*pi), tb), 0);
	CU_ASSERT_PTR_NULL(tb[XFRMA_MARK]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb[XFRMA_TMPL]);
	CU_ASSERT_EQUAL(nla_len(tb[XFRMA_TMPL]), sizeof(*t));
	t = nla_data(tb[XFRMA_TMPL]);
	CU_ASSERT_EQUAL(t->id.proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(t->id.spi, 0);
	CU_ASSERT_EQUAL(t->mode, XFRM_MODE_TUNNEL);
	CU_ASSERT_EQUAL(t->reqid, 77);
	CU_ASSERT_EQUAL(t->family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(&t->id.daddr, "\xc0\x00\x02\x02", 4), 0);
	CU_ASSERT_EQUAL(memcmp(&t->saddr, "\xc0\x00\x02\x01", 4), 0);
	CU_ASSERT_EQUAL(t->ealgos, ~0u);
	xfrm_msg_free(msg);

	/* transport: template without addresses, family of the selector */
	p.p_mode = DP_MODE_TRANSPORT;
	p.p_dir = DP_DIR_OUT;
	p.p_mark = 9;
	p.p_mark_mask = 0xffffffff;
	index = XFRM_TAG | 4 << 3 | XFRM_POLICY_OUT;
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy(&p, index, &msg), 0);
	CU_ASSERT_EQUAL_FATAL(take_apart(msg, sizeof(*pi), tb), 0);
	t = nla_data(tb[XFRMA_TMPL]);
	CU_ASSERT_EQUAL(t->mode, XFRM_MODE_TRANSPORT);
	CU_ASSERT_EQUAL(t->family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(&t->id.daddr, "\0\0\0\0", 4), 0);
	CU_ASSERT_PTR_NOT_NULL(tb[XFRMA_MARK]);
	xfrm_msg_free(msg);

	CU_ASSERT_EQUAL(xfrm_msg_policy(&p, index + 1, &msg), GW_E_INVAL); /* dir bits */
	p.p_sel.s_family = 0;
	p.p_sel.s_src_plen = p.p_sel.s_dst_plen = 0;
	CU_ASSERT_EQUAL(xfrm_msg_policy(&p, index, &msg), GW_E_INVAL); /* transport, any */
	tunnel_policy(&p);
	p.p_tmpl_dst = v6(1);
	CU_ASSERT_EQUAL(xfrm_msg_policy(&p, XFRM_TAG | 2, &msg), GW_E_INVAL);
	tunnel_policy(&p);
	p.p_dir = 9;
	CU_ASSERT_EQUAL(xfrm_msg_policy(&p, XFRM_TAG | 2, &msg), GW_E_INVAL);
}

static void test_policy_del_dump(void)
{
	const struct xfrm_userpolicy_id *id;
	struct dp_policy p;
	struct nl_msg *msg;

	tunnel_policy(&p);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy_del(&p.p_sel, DP_DIR_IN, 0, 0, 0, &msg), 0);
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_DELPOLICY);
	id = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(id->dir, XFRM_POLICY_IN);
	CU_ASSERT_EQUAL(id->index, 0);
	CU_ASSERT_EQUAL(id->sel.prefixlen_s, 16);
	xfrm_msg_free(msg);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy_del(NULL, DP_DIR_OUT, XFRM_TAG | 9, 0, 0, &msg), 0);
	id = nlmsg_data(nlmsg_hdr(msg));
	CU_ASSERT_EQUAL(id->index, XFRM_TAG | 9);
	CU_ASSERT_EQUAL(id->sel.family, 0);
	xfrm_msg_free(msg);
	CU_ASSERT_EQUAL(xfrm_msg_policy_del(NULL, DP_DIR_OUT, 0, 0, 0, &msg), GW_E_INVAL);

	CU_ASSERT_EQUAL_FATAL(xfrm_msg_dump(XFRM_MSG_GETSA, &msg), 0);
	CU_ASSERT_EQUAL(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	CU_ASSERT_EQUAL(nlmsg_datalen(nlmsg_hdr(msg)), 0);
	xfrm_msg_free(msg);
	CU_ASSERT_EQUAL(xfrm_msg_dump(XFRM_MSG_NEWSA, &msg), GW_E_INVAL);
}

/* A GETSA reply: our own NEWSA message with counters filled in. */
static void test_parse_sa(void)
{
	struct xfrm_usersa_info *p;
	struct xfrm_replay_carry carry;
	struct xfrm_sa_info si;
	struct nl_msg *msg;
	struct dp_sa sa;

	base_sa(&sa, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	sa.sa_mark = 1;
	sa.sa_mark_mask = 3;
	sa.sa_replay_window = 64;
	memset(&carry, 0, sizeof(carry));
	carry.rc_oseq = 1000;
	carry.rc_seq = 990;
	carry.rc_bmp_len = 2;
	carry.rc_bmp[0] = 0xfffffffe;
	carry.rc_bmp[1] = 0x1;
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 0, XFRM_TAG | 4, &carry, &msg), 0);
	p = nlmsg_data(nlmsg_hdr(msg));
	p->curlft.bytes = 12345;
	p->curlft.packets = 67;
	p->curlft.add_time = 1700000000;
	p->curlft.use_time = 1700000001;
	p->stats.replay = 2;
	p->stats.replay_window = 3;
	p->stats.integrity_failed = 4;
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_parse_sa(nlmsg_hdr(msg), &si), 0);
	CU_ASSERT_EQUAL(si.si_spi, 0xc1020304);
	CU_ASSERT_TRUE(xfrm_addr_equal(&si.si_dst, &sa.sa_dst));
	CU_ASSERT_EQUAL(si.si_proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(si.si_seq, XFRM_TAG | 4);
	CU_ASSERT_EQUAL(si.si_reqid, 7);
	CU_ASSERT_EQUAL(si.si_mark, 1);
	CU_ASSERT_EQUAL(si.si_mark_mask, 3);
	CU_ASSERT_EQUAL(si.si_stats.st_bytes, 12345);
	CU_ASSERT_EQUAL(si.si_stats.st_packets, 67);
	CU_ASSERT_EQUAL(si.si_stats.st_add_time, 1700000000);
	CU_ASSERT_EQUAL(si.si_stats.st_last_use, 1700000001);
	CU_ASSERT_EQUAL(si.si_stats.st_replay_errors, 5);
	CU_ASSERT_EQUAL(si.si_stats.st_integrity_failures, 4);
	CU_ASSERT_TRUE(si.si_has_replay);
	CU_ASSERT_EQUAL(si.si_replay.rc_oseq, 1000);
	CU_ASSERT_EQUAL(si.si_replay.rc_seq, 990);
	CU_ASSERT_EQUAL(si.si_replay.rc_bmp_len, 2);
	CU_ASSERT_EQUAL(si.si_replay.rc_bmp[0], 0xfffffffe);
	CU_ASSERT_EQUAL(si.si_replay.rc_bmp[1], 1);

	/* truncated: shorter than struct xfrm_usersa_info */
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_LENGTH(sizeof(*p) - 1);
	CU_ASSERT_EQUAL(xfrm_msg_parse_sa(nlmsg_hdr(msg), &si), GW_E_PARSE);
	xfrm_msg_free(msg);
}

static struct nl_msg *expire_msg(uint8_t hard, uint32_t spi, uint32_t mark)
{
	struct xfrm_user_expire ue;
	struct xfrm_mark m = { .v = mark, .m = mark ? 0xffffffff : 0 };
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_EXPIRE, 0);

	memset(&ue, 0, sizeof(ue));
	ue.state.id.spi = htonl(spi);
	ue.state.id.proto = IPPROTO_ESP;
	memcpy(&ue.state.id.daddr, "\xc0\x00\x02\x02", 4);
	ue.state.family = AF_INET;
	ue.state.reqid = 11;
	ue.hard = hard;
	nlmsg_append(msg, &ue, sizeof(ue), NLMSG_ALIGNTO);
	if (mark)
		nla_put(msg, XFRMA_MARK, sizeof(m), &m);
	return msg;
}

static struct nl_msg *acquire_msg(uint32_t index)
{
	struct xfrm_user_acquire ua;
	struct xfrm_user_tmpl t;
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_ACQUIRE, 0);

	memset(&ua, 0, sizeof(ua));
	memset(&t, 0, sizeof(t));
	memcpy(&ua.id.daddr, "\xc0\x00\x02\x02", 4);
	ua.id.proto = IPPROTO_ESP;
	ua.sel.family = AF_INET;
	memcpy(&ua.sel.saddr, "\x0a\x01\x00\x05", 4);
	memcpy(&ua.sel.daddr, "\x0a\x02\x00\x07", 4);
	ua.sel.prefixlen_s = ua.sel.prefixlen_d = 32;
	ua.sel.proto = IPPROTO_UDP;
	ua.sel.dport = htons(53);
	ua.sel.dport_mask = 0xffff;
	ua.policy.index = index;
	ua.policy.dir = XFRM_POLICY_OUT;
	t.family = AF_INET;
	t.reqid = 42;
	t.mode = XFRM_MODE_TUNNEL;
	nlmsg_append(msg, &ua, sizeof(ua), NLMSG_ALIGNTO);
	nla_put(msg, XFRMA_TMPL, sizeof(t), &t);
	return msg;
}

static void test_parse_notice(void)
{
	struct xfrm_notice n;
	struct nl_msg *msg;

	msg = expire_msg(0, 0xabc, 5);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_parse_notice(nlmsg_hdr(msg), &n), 0);
	CU_ASSERT_EQUAL(n.xn_ev.ev_type, DP_EV_SOFT_EXPIRE);
	CU_ASSERT_EQUAL(n.xn_ev.ev_spi, 0xabc);
	CU_ASSERT_EQUAL(n.xn_ev.ev_reqid, 11);
	CU_ASSERT_EQUAL(n.xn_ev.ev_dst.a_family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(n.xn_ev.ev_dst.a_addr, "\xc0\x00\x02\x02", 4), 0);
	CU_ASSERT_EQUAL(n.xn_mark, 5);
	nlmsg_free(msg);
	msg = expire_msg(1, 0xabc, 0);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_parse_notice(nlmsg_hdr(msg), &n), 0);
	CU_ASSERT_EQUAL(n.xn_ev.ev_type, DP_EV_HARD_EXPIRE);
	CU_ASSERT_EQUAL(n.xn_mark, 0);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_LENGTH(100);
	CU_ASSERT_EQUAL(xfrm_msg_parse_notice(nlmsg_hdr(msg), &n), GW_E_PARSE);
	nlmsg_free(msg);

	msg = acquire_msg(XFRM_TAG | 8 | 1);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_parse_notice(nlmsg_hdr(msg), &n), 0);
	CU_ASSERT_EQUAL(n.xn_ev.ev_type, DP_EV_ACQUIRE);
	CU_ASSERT_EQUAL(n.xn_ev.ev_reqid, 42);
	CU_ASSERT_EQUAL(n.xn_pol_index, XFRM_TAG | 9);
	CU_ASSERT_EQUAL(n.xn_ev.ev_sel.s_family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(n.xn_ev.ev_sel.s_src.a_addr, "\x0a\x01\x00\x05", 4), 0);
	CU_ASSERT_EQUAL(memcmp(n.xn_ev.ev_sel.s_dst.a_addr, "\x0a\x02\x00\x07", 4), 0);
	CU_ASSERT_EQUAL(n.xn_ev.ev_sel.s_dst_plen, 32);
	CU_ASSERT_EQUAL(n.xn_ev.ev_sel.s_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(n.xn_ev.ev_sel.s_dport, 53);
	CU_ASSERT_EQUAL(n.xn_ev.ev_sel.s_dport_mask, 0xffff);
	nlmsg_hdr(msg)->nlmsg_type = XFRM_MSG_NEWAE;
	CU_ASSERT_EQUAL(xfrm_msg_parse_notice(nlmsg_hdr(msg), &n), GW_E_NOTFOUND);
	nlmsg_free(msg);
}

struct seen {
	int s_count;
	struct dp_event s_last;
};

static void on_event(void *arg, const struct dp_event *ev)
{
	struct seen *s = arg;

	s->s_count++;
	s->s_last = *ev;
}

/* The event filter: only our SAs (with their mark) and trap policies. */
static void test_event_filter(void)
{
	struct seen seen = { 0 };
	struct xfrm_be xb;
	struct xfrm_own_sa os = { .os_spi = 0xabc,
				  .os_dst = v4(192, 0, 2, 2),
				  .os_mark = 5,
				  .os_mark_mask = 0xffffffff };
	struct xfrm_own_pol trap = { .op_index = XFRM_TAG | 8 | 1, .op_trap = true };
	struct xfrm_own_pol plain = { .op_index = XFRM_TAG | 16 | 1 };
	struct nl_msg *msg;

	memset(&xb, 0, sizeof(xb));
	pthread_mutex_init(&xb.xb_own_lock, NULL);
	xb.xb_event = on_event;
	xb.xb_event_arg = &seen;
	CU_ASSERT_EQUAL(xfrm_own_sa_put(&xb, &os), 0);
	CU_ASSERT_EQUAL(xfrm_own_pol_put(&xb, &trap), 0);
	CU_ASSERT_EQUAL(xfrm_own_pol_put(&xb, &plain), 0);

	msg = expire_msg(0, 0xabc, 5); /* ours: reported */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 1);
	CU_ASSERT_EQUAL(seen.s_last.ev_type, DP_EV_SOFT_EXPIRE);
	msg = expire_msg(0, 0xabd, 5); /* another SPI: not ours */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	msg = expire_msg(0, 0xabc, 6); /* same SPI, other mark: not ours */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 1);
	msg = expire_msg(1, 0xabc, 5); /* hard: reported and forgotten */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 2);
	CU_ASSERT_EQUAL(seen.s_last.ev_type, DP_EV_HARD_EXPIRE);
	CU_ASSERT_FALSE(xfrm_own_sa_get(&xb, 0xabc, &os.os_dst, NULL));

	msg = acquire_msg(XFRM_TAG | 8 | 1); /* our trap policy */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 3);
	CU_ASSERT_EQUAL(seen.s_last.ev_type, DP_EV_ACQUIRE);
	CU_ASSERT_EQUAL(seen.s_last.ev_reqid, 42);
	msg = acquire_msg(XFRM_TAG | 16 | 1); /* ours, not a trap */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	msg = acquire_msg(8 | 1); /* someone else's policy */
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 3);

	/* a larval (ALLOCSPI) state timing out is not an event */
	os.os_larval = true;
	os.os_mark = 0;
	os.os_mark_mask = 0;
	CU_ASSERT_EQUAL(xfrm_own_sa_put(&xb, &os), 0);
	msg = expire_msg(1, 0xabc, 0);
	xfrm_events_handle(&xb, nlmsg_hdr(msg));
	nlmsg_free(msg);
	CU_ASSERT_EQUAL(seen.s_count, 3);
	CU_ASSERT_FALSE(xfrm_own_sa_get(&xb, 0xabc, &os.os_dst, NULL));
	xfrm_own_clear(&xb);
	pthread_mutex_destroy(&xb.xb_own_lock);
}

static void test_own_index(void)
{
	struct xfrm_be xb;
	struct xfrm_own_pol op = { 0 };
	uint32_t a, b;

	memset(&xb, 0, sizeof(xb));
	pthread_mutex_init(&xb.xb_own_lock, NULL);
	a = xfrm_own_next_index(&xb, XFRM_POLICY_FWD);
	CU_ASSERT_TRUE(xfrm_tagged(a));
	CU_ASSERT_EQUAL(a & 7, XFRM_POLICY_FWD);
	op.op_index = a + 8; /* the next one is taken: skipped */
	CU_ASSERT_EQUAL(xfrm_own_pol_put(&xb, &op), 0);
	b = xfrm_own_next_index(&xb, XFRM_POLICY_FWD);
	CU_ASSERT_EQUAL(b, a + 16);
	CU_ASSERT_TRUE(xfrm_tagged(xfrm_own_next_seq(&xb)));
	CU_ASSERT_FALSE(xfrm_tagged(8 | 1));
	xfrm_own_clear(&xb);
	pthread_mutex_destroy(&xb.xb_own_lock);
}

static const struct ut_case msg_cases[] = {
	{ "algorithm tables", test_alg_tables },
	{ "SA: every AEAD", test_sa_aead },
	{ "SA: AES-CBC with every HMAC", test_sa_cbc_hmac },
	{ "SA: ESN, window, encap, mark, lifetimes", test_sa_options },
	{ "SA: IPv6 selector", test_sa_selector_v6 },
	{ "SA: bad input", test_sa_bad },
	{ "SA id and ALLOCSPI", test_sa_id_allocspi },
	{ "policy", test_policy },
	{ "policy delete and dumps", test_policy_del_dump },
	{ NULL, NULL },
};

static const struct ut_case parse_cases[] = {
	{ "SA reply", test_parse_sa },
	{ "expire and acquire", test_parse_notice },
	{ "event filter", test_event_filter },
	{ "owner tags", test_own_index },
	{ NULL, NULL },
};

static const struct ut_suite msg_suite = { "datapath/xfrm_msg", msg_cases };
static const struct ut_suite parse_suite = { "datapath/xfrm_parse", parse_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &msg_suite, &parse_suite, NULL };

	return ut_main(suites);
}
