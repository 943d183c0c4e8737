/*
 * test_sk.c: SK payload seal and open (RFC 7296 3.14, RFC 5282) with the
 * mock AES-128-GCM cipher: layout, padding to the block size, tampering,
 * bad padding and size checks.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

#define SK_OFF   IKE_HDR_LEN /* the SK payload right after the header */
#define IV_OFF   (SK_OFF + IKE_PLD_HDR_LEN)
#define INNER_AT (IV_OFF + 8)

/* An IKE_AUTH request sealed with ops; heap buffer. */
static uint8_t *sealed_auth(const struct ike_sk_ops *ops, size_t *len, size_t *inner_len)
{
	struct ike_builder b;
	struct writer wr, iw;
	struct ike_hdr h;
	uint8_t first, *msg;

	wr_init(&iw, UT_MSG_MAX);
	first = ut_inner_auth_req(&iw);
	*inner_len = wr_len(&iw);
	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	wr_init(&wr, UT_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	CU_ASSERT_EQUAL_FATAL(ike_build_sk(&b, first, wr_data(&iw), wr_len(&iw), ops, NULL), 0);
	msg = wr_take(&wr, len);
	wr_free(&iw);
	return msg;
}

static void test_seal_open(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_msg m;
	struct ike_err err;
	struct ike_pld_id id;
	size_t len, inner_len;
	uint8_t *msg;

	mock_gcm_init(&g, &ops, 1);
	msg = sealed_auth(&ops, &len, &inner_len);
	CU_ASSERT_EQUAL(len, IV_OFF + 8 + inner_len + 1 + 16);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, &err), 0);
	CU_ASSERT_EQUAL(m.m_n, 1);
	CU_ASSERT_EQUAL(m.m_sk, 0);
	CU_ASSERT_EQUAL(m.m_sk_first, IKE_PLD_IDI);
	/* the inner chain is not readable before opening */
	CU_ASSERT_PTR_NULL(memmem(msg, len, "client.example.org", 18));
	CU_ASSERT_EQUAL_FATAL(ike_msg_open_sk(&m, msg, len, &ops, &err), 0);
	CU_ASSERT_EQUAL(g.mg_opens, 1);
	CU_ASSERT_EQUAL(m.m_n, 1 + 11);
	CU_ASSERT_TRUE(m.m_pld[1].p_in_sk);
	CU_ASSERT_EQUAL(m.m_pld[1].p_type, IKE_PLD_IDI);
	CU_ASSERT_EQUAL(m.m_pld[1].p_off, INNER_AT);
	CU_ASSERT_EQUAL_FATAL(ike_pld_id_parse(&m.m_pld[1], &id, &err), 0);
	CU_ASSERT_EQUAL(id.id_len, 18);
	CU_ASSERT_EQUAL(memcmp(id.id_data, "client.example.org", 18), 0);
	CU_ASSERT_EQUAL(ike_msg_check_rules(&m, &err), 0);
	free(msg);
}

/* 3.14: (inner + padding + pad length) is a multiple of the block size,
 * with the least padding that does it. */
static void test_block_padding(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;

	mock_gcm_init(&g, &ops, 16);
	for (size_t k = 0; k <= 40; k++) {
		struct ike_builder b, ib;
		struct writer wr, iw;
		struct ike_msg m;
		struct ike_hdr h;
		size_t inner, ct, pad = 0;

		wr_init(&iw, 1024);
		ike_build_inner_begin(&ib, &iw);
		ike_build_raw(&ib, IKE_PLD_VENDOR, false, ut_cert, k);
		inner = wr_len(&iw);
		ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, (uint32_t)k);
		wr_init(&wr, 2048);
		ike_build_begin(&b, &wr, &h);
		CU_ASSERT_EQUAL_FATAL(ike_build_sk(&b, ib.b_first, wr_data(&iw), inner, &ops, NULL),
				      0);
		ct = wr_len(&wr) - INNER_AT - 16;
		CU_ASSERT_EQUAL(ct % 16, 0);
		CU_ASSERT_TRUE(ct >= inner + 1 && ct < inner + 1 + 16);
		CU_ASSERT_EQUAL_FATAL(ike_msg_parse(wr_data(&wr), wr_len(&wr), &m, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(ike_msg_open_sk(&m, wr_data(&wr), wr_len(&wr), &ops, NULL),
				      0);
		pad = wr_data(&wr)[INNER_AT + ct - 1];
		CU_ASSERT_EQUAL(pad, (16 - (inner + 1) % 16) % 16);
		CU_ASSERT_EQUAL(m.m_n, 2);
		CU_ASSERT_EQUAL(m.m_pld[1].p_len, k);
		CU_ASSERT_EQUAL(memcmp(m.m_pld[1].p_body, ut_cert, k), 0);
		wr_free(&wr);
		wr_free(&iw);
	}
}

/* Any byte under the ICV changed: GW_E_AUTH. Skipped: the bytes that make
 * the message unparseable first (next payload, lengths). */
static void test_tamper(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	size_t len, inner_len, tried = 0;
	uint8_t *msg, *copy;

	mock_gcm_init(&g, &ops, 1);
	msg = sealed_auth(&ops, &len, &inner_len);
	copy = malloc(len);
	for (size_t i = 0; i < len; i++) {
		struct ike_msg m;
		struct ike_err err;

		if (i == 16 || (i >= 24 && i < 28) || i == SK_OFF + 2 || i == SK_OFF + 3)
			continue;
		memcpy(copy, msg, len);
		copy[i] ^= 0x01;
		CU_ASSERT_EQUAL_FATAL(ike_msg_parse(copy, len, &m, &err), 0);
		CU_ASSERT_EQUAL(ike_msg_open_sk(&m, copy, len, &ops, &err), GW_E_AUTH);
		CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
		CU_ASSERT_EQUAL(err.e_off, SK_OFF);
		CU_ASSERT_EQUAL(m.m_n, 1); /* nothing parsed from it */
		tried++;
	}
	CU_ASSERT_EQUAL(tried, len - 7);
	memcpy(copy, msg, len);
	{
		struct ike_msg m;

		CU_ASSERT_EQUAL(ike_msg_parse(copy, len, &m, NULL), 0);
		CU_ASSERT_EQUAL(ike_msg_open_sk(&m, copy, len, &ops, NULL), 0);
	}
	free(copy);
	free(msg);
}

/* Seal a hand-made plaintext (pad length byte included) as an SK payload. */
static uint8_t *seal_raw(struct ike_sk_ops *ops, const uint8_t *plain, size_t len, size_t *out_len)
{
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;
	size_t off, iv_off;
	uint8_t *msg;

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 2);
	wr_init(&wr, 1024);
	ike_build_begin(&b, &wr, &h);
	off = ike_build_pld_begin(&b, IKE_PLD_SK, false);
	iv_off = wr_len(&wr);
	wr_zero(&wr, ops->sk_iv_len);
	wr_bytes(&wr, plain, len);
	wr_zero(&wr, ops->sk_icv_len);
	ike_build_pld_end(&b, off);
	CU_ASSERT_EQUAL_FATAL(ike_build_end(&b), 0);
	CU_ASSERT_EQUAL_FATAL(ops->sk_seal(ops->sk_ctx, wr_data(&wr), iv_off, len, true), 0);
	msg = wr_take(&wr, out_len);
	return msg;
}

static void test_bad_pad_length(void)
{
	uint8_t plain[16] = { 0 };
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_msg m;
	struct ike_err err;
	size_t len;
	uint8_t *msg;

	mock_gcm_init(&g, &ops, 1);
	plain[15] = 16; /* 16 bytes of padding in 15 */
	msg = seal_raw(&ops, plain, sizeof(plain), &len);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, msg, len, &ops, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
	CU_ASSERT_EQUAL(err.e_off, SK_OFF);
	free(msg);

	plain[15] = 15; /* all padding: an empty inner chain */
	msg = seal_raw(&ops, plain, sizeof(plain), &len);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, msg, len, &ops, &err), 0);
	CU_ASSERT_EQUAL(m.m_n, 1);
	free(msg);

	plain[15] = 255;
	msg = seal_raw(&ops, plain + 15, 1, &len); /* ct of one byte: the pad length */
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, msg, len, &ops, &err), GW_E_PARSE);
	free(msg);
}

/* Inner chain errors point into the message, after the IV. */
static void test_inner_error_offset(void)
{
	uint8_t plain[] = { 0, 0, 0, 9, 0xaa, 0 };
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_msg m;
	struct ike_err err;
	size_t len;
	uint8_t *msg;

	mock_gcm_init(&g, &ops, 1);
	msg = seal_raw(&ops, plain, sizeof(plain), &len);
	msg[SK_OFF] = IKE_PLD_VENDOR; /* the SK header's next payload */
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, msg, len, &ops, &err), GW_E_AUTH); /* AAD changed */
	free(msg);
	/* rebuild with the right type in the AAD */
	{
		struct ike_builder b;
		struct writer wr;
		struct ike_hdr h;

		ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 2);
		wr_init(&wr, 1024);
		ike_build_begin(&b, &wr, &h);
		CU_ASSERT_EQUAL_FATAL(ike_build_sk(&b, IKE_PLD_VENDOR, plain, 5, &ops, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(ike_msg_parse(wr_data(&wr), wr_len(&wr), &m, &err), 0);
		CU_ASSERT_EQUAL(ike_msg_open_sk(&m, wr_data(&wr), wr_len(&wr), &ops, &err),
				GW_E_PARSE);
		CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_VENDOR);
		CU_ASSERT_EQUAL(err.e_off, INNER_AT);
		wr_free(&wr);
	}
}

static void test_sizes(void)
{
	uint8_t buf[512];
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_msg m;
	struct ike_err err;

	mock_gcm_init(&g, &ops, 16);
	/* 8 IV + 16 ICV leaves no room for the pad length */
	CU_ASSERT_EQUAL_FATAL(
		ut_parse_chain_hex(IKE_PLD_SK,
				   "00 00 00 1c 000000000000000000000000000000000000000000000000",
				   buf, sizeof(buf), &m, &err),
		0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, buf, IKE_HDR_LEN + 28, &ops, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
	CU_ASSERT_EQUAL(g.mg_opens, 0);
	/* 5 encrypted bytes: not a multiple of 16 */
	CU_ASSERT_EQUAL_FATAL(
		ut_parse_chain_hex(IKE_PLD_SK,
				   "00 00 00 21 000000000000000000000000000000000000000000000000"
				   "0000000000",
				   buf, sizeof(buf), &m, &err),
		0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, buf, IKE_HDR_LEN + 33, &ops, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(g.mg_opens, 0);
	/* no SK at all; a view that is not in the buffer given */
	CU_ASSERT_EQUAL_FATAL(
		ut_parse_chain_hex(IKE_PLD_VENDOR, "00 00 00 04", buf, sizeof(buf), &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, buf, IKE_HDR_LEN + 4, &ops, &err), GW_E_INVAL);
	CU_ASSERT_EQUAL_FATAL(
		ut_parse_chain_hex(IKE_PLD_SK,
				   "00 00 00 2d 000000000000000000000000000000000000000000000000"
				   "00000000000000000000000000000000 00",
				   buf, sizeof(buf), &m, &err),
		0);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, buf + 1, IKE_HDR_LEN + 44, &ops, &err), GW_E_INVAL);
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, buf, IKE_HDR_LEN + 10, &ops, &err), GW_E_INVAL);
}

static int failing_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	return GW_E_CRYPTO;
}

/* A cipher failure leaves no plaintext behind in the writer. */
static void test_seal_failure(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;

	mock_gcm_init(&g, &ops, 1);
	ops.sk_seal = failing_seal;
	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 2);
	wr_init(&wr, 1024);
	wr_u32(&wr, 0); /* e.g. a non-ESP marker before the message */
	ike_build_begin(&b, &wr, &h);
	CU_ASSERT_EQUAL(
		ike_build_sk(&b, IKE_PLD_VENDOR, (const uint8_t *)"\0\0\0\x08secr", 8, &ops, NULL),
		GW_E_CRYPTO);
	CU_ASSERT_EQUAL(wr_len(&wr), 4);
	CU_ASSERT_EQUAL(ike_build_sk(&b, IKE_PLD_VENDOR, NULL, 0, NULL, NULL), GW_E_INVAL);
	wr_free(&wr);
}

/* A given IV makes the output reproducible (test vectors); no IV lets the
 * cipher make a fresh one. */
static void test_iv(void)
{
	static const uint8_t iv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_sk_ops ops;
	struct mock_gcm g;
	uint8_t *out[4];
	size_t len[4];

	mock_gcm_init(&g, &ops, 1);
	for (int i = 0; i < 4; i++) {
		struct ike_builder b;
		struct writer wr;
		struct ike_hdr h;

		ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 2);
		wr_init(&wr, 1024);
		ike_build_begin(&b, &wr, &h);
		CU_ASSERT_EQUAL_FATAL(
			ike_build_sk(&b, IKE_PLD_NONE, NULL, 0, &ops, i < 2 ? iv : NULL), 0);
		out[i] = wr_take(&wr, &len[i]);
	}
	CU_ASSERT_EQUAL(memcmp(out[0], out[1], len[0]), 0);
	CU_ASSERT_EQUAL(memcmp(out[0] + IV_OFF, iv, 8), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(out[2] + IV_OFF, out[3] + IV_OFF, 8), 0);
	for (int i = 0; i < 4; i++)
		free(out[i]);
}

static const struct ut_case cases[] = {
	{ "seal and open", test_seal_open },
	{ "16-byte block padding", test_block_padding },
	{ "tampering gives GW_E_AUTH", test_tamper },
	{ "bad pad length", test_bad_pad_length },
	{ "inner chain error offsets", test_inner_error_offset },
	{ "size checks before the cipher", test_sizes },
	{ "seal failure", test_seal_failure },
	{ "given and generated IVs", test_iv },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_sk = { "ike/SK", cases };
