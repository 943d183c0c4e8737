/*
 * test_bad.c: malformed messages, header and payload chain, and the small
 * payloads. Each case checks the exact error code and where it points
 * (payload type and message offset).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

/* Decode the body as payload `type`; expect `code` pointing at offset 28. */
#define EXPECT_PLD(type, hex, code)                                   \
	do {                                                          \
		struct ike_err e_;                                    \
		CU_ASSERT_EQUAL(ut_decode_hex(type, hex, &e_), code); \
		CU_ASSERT_EQUAL(e_.e_code, code);                     \
		CU_ASSERT_EQUAL(e_.e_pld, type);                      \
		CU_ASSERT_EQUAL(e_.e_off, IKE_HDR_LEN);               \
	} while (0)
#define EXPECT_OK(type, hex)                                       \
	do {                                                       \
		struct ike_err e_;                                 \
		CU_ASSERT_EQUAL(ut_decode_hex(type, hex, &e_), 0); \
	} while (0)

static uint8_t *sample(size_t *len)
{
	struct ike_sk_ops ops;

	null_sk_ops(&ops);
	return ut_msg_build(0, &ops, len); /* IKE_SA_INIT request */
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_truncated_header(void)
{
	size_t len;
	uint8_t *msg = sample(&len);
	struct ike_msg m;
	struct ike_err err;

	for (size_t n = 0; n < IKE_HDR_LEN; n++) {
		memset(&err, 0xff, sizeof(err));
		CU_ASSERT_EQUAL(ike_msg_parse(msg, n, &m, &err), GW_E_PARSE);
		CU_ASSERT_EQUAL(err.e_pld, 0);
		CU_ASSERT_EQUAL(err.e_off, 0);
	}
	CU_ASSERT_EQUAL(ike_msg_parse(NULL, 0, &m, &err), GW_E_PARSE);
	free(msg);
}

static void test_length_field(void)
{
	size_t len;
	uint8_t *msg = sample(&len);
	struct ike_msg m;
	struct ike_err err;
	char buf[128], want[128];

	put32(msg + 24, (uint32_t)len + 1); /* claims more than received */
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(err.e_off, 24);
	put32(msg + 24, 27); /* less than a header */
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_off, 24);
	put32(msg + 24, 0);
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), GW_E_PARSE);
	put32(msg + 24, (uint32_t)len); /* datagram cut short */
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len - 1, &m, &err), GW_E_PARSE);
	snprintf(want, sizeof(want),
		 "message at offset 24: length field %zu, but %zu bytes received", len, len - 1);
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, buf, sizeof(buf)), want);
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), 0);
	free(msg);
}

/* 2.5: the header stays readable so INVALID_MAJOR_VERSION can be sent. */
static void test_wrong_major_version(void)
{
	size_t len;
	uint8_t *msg = sample(&len);
	struct ike_msg m;
	struct ike_err err;

	msg[17] = 0x10;
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), GW_E_UNSUP);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(err.e_off, 17);
	CU_ASSERT_EQUAL(m.m_hdr.h_spi_i, 0x0123456789abcdefULL);
	CU_ASSERT_EQUAL(m.m_hdr.h_version, 0x10);
	msg[17] = 0x30;
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), GW_E_UNSUP);
	msg[17] = 0x21; /* a higher minor version is fine (2.5) */
	CU_ASSERT_EQUAL(ike_msg_parse(msg, len, &m, &err), 0);
	free(msg);
}

static void test_64k_message(void)
{
	uint8_t *big = calloc(1, 100000);
	struct ike_msg m;
	struct ike_err err;

	memcpy(big + 16, "\x2b\x20\x22\x08", 4);
	put32(big + 24, 65536);
	CU_ASSERT_EQUAL(ike_msg_parse(big, 65536, &m, &err), GW_E_RANGE);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(ike_msg_parse(big, 100000, &m, &err), GW_E_RANGE);
	free(big);
}

static void test_payload_overrun(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;
	char s[128];

	CU_ASSERT_EQUAL(
		ut_parse_chain_hex(IKE_PLD_VENDOR, "00 00 00 64 01 02", buf, sizeof(buf), &m, &err),
		GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_VENDOR);
	CU_ASSERT_EQUAL(err.e_off, 28);
	CU_ASSERT_STRING_EQUAL(ike_err_str(&err, s, sizeof(s)),
			       "V payload at offset 28: length 100 exceeds the 6 bytes left");
	/* the second payload overruns */
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_VENDOR, "29 00 00 05 aa 00 00 00 09 bb", buf,
					   sizeof(buf), &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NOTIFY);
	CU_ASSERT_EQUAL(err.e_off, 33);
}

static void test_payload_length_below_4(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;

	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_NONCE, "00 00 00 03 aa aa aa", buf, sizeof(buf),
					   &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NONCE);
	CU_ASSERT_EQUAL(err.e_off, 28);
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_KE, "00 00 00 00", buf, sizeof(buf), &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_KE);
}

static void test_chain_truncated_or_trailing(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;

	/* a next payload announced, 2 bytes left */
	CU_ASSERT_EQUAL(
		ut_parse_chain_hex(IKE_PLD_VENDOR, "2b 00 00 04 00 00", buf, sizeof(buf), &m, &err),
		GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_VENDOR);
	CU_ASSERT_EQUAL(err.e_off, 32);
	/* announced, nothing left */
	CU_ASSERT_EQUAL(
		ut_parse_chain_hex(IKE_PLD_VENDOR, "2f 00 00 04", buf, sizeof(buf), &m, &err),
		GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_CP);
	CU_ASSERT_EQUAL(err.e_off, 32);
	/* bytes after the last payload */
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_VENDOR, "00 00 00 05 aa bb bb", buf, sizeof(buf),
					   &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(err.e_off, 33);
	/* no payload at all but bytes */
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_NONE, "00", buf, sizeof(buf), &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_NONE, "", buf, sizeof(buf), &m, &err), 0);
	CU_ASSERT_EQUAL(m.m_n, 0);
}

/* 2.5: unknown + critical rejects the message, naming the type for
 * N(UNSUPPORTED_CRITICAL_PAYLOAD); unknown alone is kept and skipped. */
static void test_unknown_critical(void)
{
	static const uint8_t inner[] = { 0, 0x80, 0, 4 };
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;

	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_VENDOR, "3c 00 00 04 00 80 00 06 01 02", buf,
					   sizeof(buf), &m, &err),
			GW_E_CRITICAL);
	CU_ASSERT_EQUAL(err.e_pld, 60);
	CU_ASSERT_EQUAL(err.e_off, 32);
	m.m_n = 0;
	CU_ASSERT_EQUAL(ike_msg_parse_inner(&m, 99, inner, sizeof(inner), 100, &err),
			GW_E_CRITICAL);
	CU_ASSERT_EQUAL(err.e_pld, 99);
	CU_ASSERT_EQUAL(err.e_off, 100);
	/* the critical bit on a known payload means nothing */
	CU_ASSERT_EQUAL(
		ut_parse_chain_hex(IKE_PLD_VENDOR, "00 80 00 05 aa", buf, sizeof(buf), &m, &err),
		0);
	CU_ASSERT_TRUE(m.m_pld[0].p_critical);
}

static void test_unknown_noncritical(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;

	CU_ASSERT_EQUAL(
		ut_parse_chain_hex(60, "2b 00 00 06 01 02 00 00 00 04", buf, sizeof(buf), &m, &err),
		0);
	CU_ASSERT_EQUAL_FATAL(m.m_n, 2);
	CU_ASSERT_EQUAL(m.m_pld[0].p_type, 60);
	CU_ASSERT_FALSE(m.m_pld[0].p_critical);
	CU_ASSERT_EQUAL(m.m_pld[0].p_len, 2);
	CU_ASSERT_EQUAL(m.m_pld[1].p_type, IKE_PLD_VENDOR);
}

static void test_sk_not_last(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;

	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_SK, "29 00 00 08 11 11 11 11 00 00 00 05 aa",
					   buf, sizeof(buf), &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
	CU_ASSERT_EQUAL(err.e_off, 28);
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_VENDOR,
					   "35 00 00 04 00 00 00 08 00 01 00 01 00 00 00 04", buf,
					   sizeof(buf), &m, &err),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SKF);
	CU_ASSERT_EQUAL(err.e_off, 32);
	/* last: fine, and the SK header names the first inner payload */
	CU_ASSERT_EQUAL(ut_parse_chain_hex(IKE_PLD_VENDOR, "2e 00 00 04 29 00 00 08 11 11 11 11",
					   buf, sizeof(buf), &m, &err),
			0);
	CU_ASSERT_EQUAL(m.m_sk, 1);
	CU_ASSERT_EQUAL(m.m_sk_first, IKE_PLD_NOTIFY);
}

static void test_sk_inside_sk(void)
{
	static const uint8_t inner[] = { 0x2b, 0, 0, 4, 0, 0, 0, 4 };
	struct ike_msg m = { .m_n = 0, .m_sk = -1 };
	struct ike_err err;

	CU_ASSERT_EQUAL(ike_msg_parse_inner(&m, IKE_PLD_SK, inner, 4, 60, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
	CU_ASSERT_EQUAL(err.e_off, 60);
	m.m_n = 0;
	CU_ASSERT_EQUAL(ike_msg_parse_inner(&m, IKE_PLD_VENDOR, inner, sizeof(inner), 60, &err), 0);
	CU_ASSERT_EQUAL(m.m_n, 2);
}

/* n empty V payloads: outer, or inner behind an SK. */
static int many(size_t n, bool inner, struct ike_err *err)
{
	struct ike_builder b, ib;
	struct writer wr, iw;
	struct ike_sk_ops ops;
	struct ike_msg m;
	struct ike_hdr h;
	int rc;

	null_sk_ops(&ops);
	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 1);
	wr_init(&wr, UT_MSG_MAX);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	ike_build_inner_begin(&ib, &iw);
	for (size_t i = 0; i < n; i++)
		ike_build_raw(inner ? &ib : &b, IKE_PLD_VENDOR, false, NULL, 0);
	rc = inner ? ike_build_sk(&b, ib.b_first, wr_data(&iw), wr_len(&iw), &ops, NULL)
		   : ike_build_end(&b);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	rc = ike_msg_parse(wr_data(&wr), wr_len(&wr), &m, err);
	if (rc == 0 && inner)
		rc = ike_msg_open_sk(&m, wr_data(&wr), wr_len(&wr), &ops, err);
	wr_free(&wr);
	wr_free(&iw);
	return rc;
}

static void test_too_many_payloads(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(many(IKE_MAX_PAYLOADS, false, &err), 0);
	CU_ASSERT_EQUAL(many(IKE_MAX_PAYLOADS + 1, false, &err), GW_E_RANGE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_VENDOR);
	CU_ASSERT_EQUAL(err.e_off, IKE_HDR_LEN + IKE_MAX_PAYLOADS * 4);
	/* outer and inner count together: the SK is one of them */
	CU_ASSERT_EQUAL(many(IKE_MAX_PAYLOADS - 1, true, &err), 0);
	CU_ASSERT_EQUAL(many(IKE_MAX_PAYLOADS, true, &err), GW_E_RANGE);
	CU_ASSERT_EQUAL(err.e_off, IKE_HDR_LEN + 4 + 8 + (IKE_MAX_PAYLOADS - 1) * 4);
	CU_ASSERT_EQUAL(many(1000, false, &err), GW_E_RANGE);
}

static void test_zero_length_bodies(void)
{
	EXPECT_PLD(IKE_PLD_KE, "00 0e 00 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_KE, "00 0e", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_KE, "00 0e 00 00 01");
	EXPECT_PLD(IKE_PLD_IDI, "02 00 00 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_IDR, "02 00 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_AUTH, "02 00 00 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_AUTH, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CERT, "04", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CERT, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CERTREQ, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_NONCE, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 40", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "03 04 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSI, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CP, "01 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SKF, "00 01", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_VENDOR, "");
}

static void test_nonce_length(void)
{
	uint8_t buf[IKE_NONCE_MAX + 1] = { 0 };
	struct ike_err err;

	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_NONCE, buf, IKE_NONCE_MIN - 1, &err), GW_E_PARSE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NONCE);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_NONCE, buf, IKE_NONCE_MIN, &err), 0);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_NONCE, buf, IKE_NONCE_MAX, &err), 0);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_NONCE, buf, IKE_NONCE_MAX + 1, &err), GW_E_PARSE);
}

static void test_id_address_length(void)
{
	EXPECT_PLD(IKE_PLD_IDI, "01 00 00 00 c0 00 02", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_IDI, "01 00 00 00 c0 00 02 01 01", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_IDR, "05 00 00 00 20 01 0d b8", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_IDR, "05 00 00 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");
}

static void test_certreq_hashes(void)
{
	EXPECT_PLD(IKE_PLD_CERTREQ,
		   "04 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_CERTREQ,
		  "04 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13");
	EXPECT_OK(IKE_PLD_CERTREQ, "0c 01 02 03"); /* other encodings: opaque */
}

static void test_notify_bad(void)
{
	/* SPI size beyond the limit, beyond the payload */
	EXPECT_PLD(IKE_PLD_NOTIFY, "03 09 40 09 01 02 03 04 05 06 07 08 09", GW_E_RANGE);
	EXPECT_PLD(IKE_PLD_NOTIFY, "03 04 40 09 01 02", GW_E_PARSE);
	/* data sizes fixed by the RFCs */
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 40 06", GW_E_PARSE); /* empty COOKIE */
	EXPECT_PLD(IKE_PLD_NOTIFY,
		   "00 00 40 06 00000000000000000000000000000000 00000000000000000000000000000000"
		   "00000000000000000000000000000000 00000000000000000000000000000000 00",
		   GW_E_PARSE); /* 65-byte COOKIE */
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 40 04 00000000000000000000000000000000 000000",
		   GW_E_PARSE); /* 19-byte NAT hash */
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 00 11 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 40 2f 00 02 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_NOTIFY, "00 00 40 01 00 00 00", GW_E_PARSE); /* SET_WINDOW_SIZE */
	EXPECT_OK(IKE_PLD_NOTIFY, "00 00 40 2f 00 02 00 05");
}

static void test_skf_numbers(void)
{
	EXPECT_PLD(IKE_PLD_SKF, "00 00 00 01 aa", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SKF, "00 03 00 02 aa", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SKF, "00 01 00 00", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_SKF, "00 02 00 02");
}

/* The error text of the issue, byte for byte. */
static void test_error_text(void)
{
	uint8_t buf[512];
	struct ike_msg m;
	struct ike_err err;
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	char s[160];

	CU_ASSERT_EQUAL_FATAL(ut_parse_chain_hex(IKE_PLD_SA,
						 "00 00 00 18 00 00 00 2c 01 01 00 04"
						 "00 00 00 00 00 00 00 00 00 00 00 00",
						 buf, sizeof(buf), &m, &err),
			      0);
	CU_ASSERT_EQUAL(ike_pld_sa_parse(&m.m_pld[0], sa, &err), GW_E_PARSE);
	CU_ASSERT_STRING_EQUAL(
		ike_err_str(&err, s, sizeof(s)),
		"SA payload at offset 28: proposal 1 length 44 exceeds the 20 bytes left");
	free(sa);
}

static const struct ut_case cases[] = {
	{ "truncated header, lengths 0..27", test_truncated_header },
	{ "header length field", test_length_field },
	{ "wrong major version", test_wrong_major_version },
	{ "64 KiB message", test_64k_message },
	{ "payload length overruns the message", test_payload_overrun },
	{ "payload length below 4", test_payload_length_below_4 },
	{ "chain truncated or trailing bytes", test_chain_truncated_or_trailing },
	{ "unknown critical payload", test_unknown_critical },
	{ "unknown non-critical payload", test_unknown_noncritical },
	{ "SK not last", test_sk_not_last },
	{ "SK inside SK", test_sk_inside_sk },
	{ "too many payloads", test_too_many_payloads },
	{ "zero-length bodies", test_zero_length_bodies },
	{ "nonce length", test_nonce_length },
	{ "ID address length", test_id_address_length },
	{ "CERTREQ hash list", test_certreq_hashes },
	{ "Notify SPI and data sizes", test_notify_bad },
	{ "SKF numbers", test_skf_numbers },
	{ "error text", test_error_text },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_bad = { "ike/bad input", cases };
