/*
 * test_msg.c: whole messages. Every sample exchange message is generated,
 * parsed (SK opened), checked against the rules, and generated again from
 * the decoded structs: the bytes must be identical. Also a message written
 * by hand from RFC 7296 diagrams, the find helpers and the names.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

/* Parse (and open) one sample; every payload re-encodes to its bytes. */
static void check_sample(size_t i, const struct ike_sk_ops *ops)
{
	size_t len, len2;
	uint8_t *msg = ut_msg_build(i, ops, &len), *copy = malloc(len), *again = NULL;
	struct ike_msg m;
	struct ike_err err;

	memcpy(copy, msg, len);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(copy, len, &m, &err), 0);
	CU_ASSERT_EQUAL(m.m_sk >= 0, ut_msgs[i].um_sk);
	if (m.m_sk >= 0)
		CU_ASSERT_EQUAL_FATAL(ike_msg_open_sk(&m, copy, len, ops, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_check_rules(&m, &err), 0);
	for (size_t j = 0; j < m.m_n; j++) {
		struct writer wr;

		if ((int)j == m.m_sk)
			continue;
		wr_init(&wr, UT_MSG_MAX);
		CU_ASSERT_EQUAL(ike_pld_reencode(&m.m_pld[j], &wr, &err), 0);
		CU_ASSERT_EQUAL(wr_len(&wr), m.m_pld[j].p_len);
		CU_ASSERT(m.m_pld[j].p_len == 0 ||
			  memcmp(wr_data(&wr), m.m_pld[j].p_body, m.m_pld[j].p_len) == 0);
		wr_free(&wr);
	}
	memcpy(copy, msg, len);
	CU_ASSERT_EQUAL_FATAL(ut_msg_regen(copy, len, ops, &again, &len2), 0);
	CU_ASSERT_EQUAL(len2, len);
	CU_ASSERT_EQUAL(memcmp(again, msg, len), 0);
	free(again);
	free(copy);
	free(msg);
}

static void test_samples_roundtrip(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;

	mock_gcm_init(&g, &ops, 1);
	for (size_t i = 0; i < ut_n_msgs; i++)
		check_sample(i, &ops);
}

/* The same with CBC-like 16-byte blocks (padding in every SK). */
static void test_samples_roundtrip_block16(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;

	mock_gcm_init(&g, &ops, 16);
	for (size_t i = 0; i < ut_n_msgs; i++)
		check_sample(i, &ops);
}

/* An IKE_SA_INIT request written byte by byte from the diagrams of 3.1-3.10:
 * SA (AES-CBC-128, HMAC-SHA2-256, SHA2-256-128, MODP-2048), KE, Ni and
 * N(NAT_DETECTION_SOURCE_IP). */
static const char sa_init_hex[] =
	/* header: SPIi, SPIr 0, next SA, 2.0, IKE_SA_INIT, I, msgid 0, len 148 */
	"5f 54 1b 4e 3a 2c 17 a1 00 00 00 00 00 00 00 00"
	"21 20 22 08 00 00 00 00 00 00 00 94"
	/* SA: next KE, length 48 */
	"22 00 00 30"
	"00 00 00 2c 01 01 00 04"
	"03 00 00 0c 01 00 00 0c 80 0e 00 80"
	"03 00 00 08 02 00 00 05"
	"03 00 00 08 03 00 00 0c"
	"00 00 00 08 04 00 00 0e"
	/* KE: next Nonce, length 24, group 14 (data shortened) */
	"28 00 00 18 00 0e 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10"
	/* Nonce: next N, length 20 */
	"29 00 00 14 a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af"
	/* N(NAT_DETECTION_SOURCE_IP): last, length 28 */
	"00 00 00 1c 00 00 40 04"
	"b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3";

static void test_hand_built_sa_init(void)
{
	uint8_t buf[256], *again = NULL;
	size_t len = ut_hex(sa_init_hex, buf, sizeof(buf)), len2;
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	struct ike_pld_ke ke;
	struct ike_pld_nonce n;
	struct ike_pld_notify nt;
	struct ike_msg m;
	struct ike_err err;
	struct ike_sk_ops ops;

	CU_ASSERT_EQUAL_FATAL(len, 148);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(buf, len, &m, &err), 0);
	CU_ASSERT_EQUAL(m.m_hdr.h_spi_i, 0x5f541b4e3a2c17a1ULL);
	CU_ASSERT_EQUAL(m.m_hdr.h_exch, IKE_EXCH_SA_INIT);
	CU_ASSERT_EQUAL(m.m_hdr.h_flags, IKE_FLAG_INITIATOR);
	CU_ASSERT_EQUAL_FATAL(m.m_n, 4);
	CU_ASSERT_EQUAL(m.m_sk, -1);
	CU_ASSERT_EQUAL(m.m_pld[0].p_off, 28);
	CU_ASSERT_EQUAL(m.m_pld[1].p_off, 76);
	CU_ASSERT_EQUAL(m.m_pld[2].p_off, 100);
	CU_ASSERT_EQUAL(m.m_pld[3].p_off, 120);
	CU_ASSERT_EQUAL(ike_msg_check_rules(&m, &err), 0);
	CU_ASSERT_EQUAL(ike_pld_sa_parse(&m.m_pld[0], sa, &err), 0);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[3].t_id, IKE_KE_MODP2048);
	CU_ASSERT_EQUAL(ike_pld_ke_parse(ike_msg_find(&m, IKE_PLD_KE), &ke, &err), 0);
	CU_ASSERT_EQUAL(ke.ke_group, 14);
	CU_ASSERT_EQUAL(ke.ke_len, 16);
	CU_ASSERT_EQUAL(ike_pld_nonce_parse(ike_msg_find(&m, IKE_PLD_NONCE), &n, &err), 0);
	CU_ASSERT_EQUAL(n.n_len, 16);
	CU_ASSERT_PTR_EQUAL(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP), &m.m_pld[3]);
	CU_ASSERT_EQUAL(ike_pld_notify_parse(&m.m_pld[3], &nt, &err), 0);
	CU_ASSERT_EQUAL(nt.n_len, 20);
	null_sk_ops(&ops);
	CU_ASSERT_EQUAL_FATAL(ut_msg_regen(buf, len, &ops, &again, &len2), 0);
	CU_ASSERT_EQUAL(len2, len);
	CU_ASSERT_EQUAL(memcmp(again, buf, len), 0);
	free(again);
	free(sa);
}

static void test_find(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_msg m;
	size_t len;
	uint8_t *msg;

	mock_gcm_init(&g, &ops, 1);
	msg = ut_msg_build(0, &ops, &len); /* sa_init_req: SA KE Ni N N N N V */
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.m_n, 8);
	CU_ASSERT_PTR_EQUAL(ike_msg_find(&m, IKE_PLD_SA), &m.m_pld[0]);
	CU_ASSERT_PTR_EQUAL(ike_msg_find_nth(&m, IKE_PLD_NOTIFY, 0), &m.m_pld[3]);
	CU_ASSERT_PTR_EQUAL(ike_msg_find_nth(&m, IKE_PLD_NOTIFY, 3), &m.m_pld[6]);
	CU_ASSERT_PTR_NULL(ike_msg_find_nth(&m, IKE_PLD_NOTIFY, 4));
	CU_ASSERT_PTR_NULL(ike_msg_find(&m, IKE_PLD_AUTH));
	CU_ASSERT_PTR_EQUAL(ike_msg_find_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS), &m.m_pld[6]);
	CU_ASSERT_PTR_EQUAL(ike_msg_find_notify(&m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED),
			    &m.m_pld[5]);
	CU_ASSERT_PTR_NULL(ike_msg_find_notify(&m, IKE_N_COOKIE));
	free(msg);
}

/* The inner builder records the first type; payloads chain as usual. */
static void test_inner_builder(void)
{
	struct ike_pld_nonce n = { ut_nonce, 16 };
	struct ike_builder ib;
	struct ike_msg m = { .m_n = 0, .m_sk = -1 };
	struct writer iw;

	wr_init(&iw, 1024);
	ike_build_inner_begin(&ib, &iw);
	CU_ASSERT_EQUAL(ib.b_first, IKE_PLD_NONE);
	ike_build_nonce(&ib, &n);
	ike_build_raw(&ib, IKE_PLD_VENDOR, false, ut_nonce, 3);
	CU_ASSERT_EQUAL(ike_build_end(&ib), 0);
	CU_ASSERT_EQUAL(ib.b_first, IKE_PLD_NONCE);
	CU_ASSERT_EQUAL(wr_len(&iw), 20 + 7);
	CU_ASSERT_EQUAL(ike_msg_parse_inner(&m, ib.b_first, wr_data(&iw), wr_len(&iw), 40, NULL),
			0);
	CU_ASSERT_EQUAL_FATAL(m.m_n, 2);
	CU_ASSERT_TRUE(m.m_pld[0].p_in_sk);
	CU_ASSERT_EQUAL(m.m_pld[0].p_off, 40);
	CU_ASSERT_EQUAL(m.m_pld[1].p_off, 60);
	CU_ASSERT_EQUAL(m.m_pld[1].p_len, 3);
	wr_free(&iw);
}

/* IKE_MSG_MAX itself is fine; one byte more cannot be built. */
static void test_largest_message(void)
{
	size_t body = IKE_MSG_MAX - IKE_HDR_LEN - IKE_PLD_HDR_LEN;
	uint8_t *big = calloc(1, body + 1);
	struct ike_builder b;
	struct ike_msg m;
	struct ike_hdr h;
	struct writer wr;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_INITIATOR, 0);
	wr_init(&wr, 2 * IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	ike_build_raw(&b, IKE_PLD_VENDOR, false, big, body);
	CU_ASSERT_EQUAL_FATAL(ike_build_end(&b), 0);
	CU_ASSERT_EQUAL(wr_len(&wr), IKE_MSG_MAX);
	CU_ASSERT_EQUAL(ike_msg_parse(wr_data(&wr), wr_len(&wr), &m, NULL), 0);
	wr_free(&wr);

	wr_init(&wr, 2 * IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	ike_build_raw(&b, IKE_PLD_VENDOR, false, big, body - 10);
	ike_build_raw(&b, IKE_PLD_VENDOR, false, big, 7);
	CU_ASSERT_EQUAL(ike_build_end(&b), GW_E_RANGE);
	wr_free(&wr);
	free(big);
}

static void test_names(void)
{
	struct ike_err err = { GW_E_PARSE, IKE_PLD_SA, 28, "proposal 1 is odd" };
	char buf[160];

	CU_ASSERT_STRING_EQUAL(ike_pld_name(IKE_PLD_SA), "SA");
	CU_ASSERT_STRING_EQUAL(ike_pld_name(IKE_PLD_TSR), "TSr");
	CU_ASSERT_STRING_EQUAL(ike_pld_name(IKE_PLD_SKF), "SKF");
	CU_ASSERT_STRING_EQUAL(ike_pld_name(49), "unknown");
	CU_ASSERT_STRING_EQUAL(ike_pld_name(255), "unknown");
	CU_ASSERT_STRING_EQUAL(ike_exch_name(IKE_EXCH_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	CU_ASSERT_STRING_EQUAL(ike_exch_name(99), "unknown");
	CU_ASSERT_STRING_EQUAL(ike_notify_name(IKE_N_COOKIE), "COOKIE");
	CU_ASSERT_STRING_EQUAL(ike_notify_name(IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD),
			       "UNSUPPORTED_CRITICAL_PAYLOAD");
	CU_ASSERT_STRING_EQUAL(ike_notify_name(IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED),
			       "INTERMEDIATE_EXCHANGE_SUPPORTED");
	CU_ASSERT_STRING_EQUAL(ike_notify_name(2), "unknown error");
	CU_ASSERT_STRING_EQUAL(ike_notify_name(50000), "unknown status");
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, buf, sizeof(buf)),
			       "SA payload at offset 28: proposal 1 is odd");
	err.e_pld = 0;
	err.e_off = 24;
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, buf, sizeof(buf)),
			       "message at offset 24: proposal 1 is odd");
	err.e_pld = 200;
	err.e_what[0] = 0;
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, buf, sizeof(buf)),
			       "payload type 200 at offset 24: malformed input");
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, buf, 8), "payload");
}

/* Seeds for tests/fuzz: every sample, sealed with the fuzz target's
 * identity cipher so the fuzzer sees the inner chains. */
static void test_dump_corpus(void)
{
	struct ike_sk_ops ops;
	struct writer iw;
	char name[64];
	uint8_t *msg, first;
	size_t len;

	null_sk_ops(&ops);
	for (size_t i = 0; i < ut_n_msgs; i++) {
		msg = ut_msg_build(i, &ops, &len);
		snprintf(name, sizeof(name), "%s.bin", ut_msgs[i].um_name);
		ut_dump(name, msg, len);
		free(msg);
	}
	/* an inner chain as the target's second mode reads it: type byte first */
	wr_init(&iw, UT_MSG_MAX);
	wr_u8(&iw, 0);
	first = ut_inner_auth_req(&iw);
	CU_ASSERT_TRUE_FATAL(wr_ok(&iw));
	wr_data(&iw)[0] = first;
	ut_dump("inner_auth_req.bin", wr_data(&iw), wr_len(&iw));
	wr_free(&iw);
}

static const struct ut_case cases[] = {
	{ "every sample message round trips", test_samples_roundtrip },
	{ "samples with 16-byte blocks", test_samples_roundtrip_block16 },
	{ "hand-built IKE_SA_INIT", test_hand_built_sa_init },
	{ "find helpers", test_find },
	{ "inner chain builder", test_inner_builder },
	{ "65535-byte message", test_largest_message },
	{ "names and error strings", test_names },
	{ "fuzz seeds", test_dump_corpus },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_msg = { "ike/messages", cases };
