/* Unit tests for gateway/util: the bounded reader and writer, logging helpers. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "util/cpus.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/reader.h"
#include "util/writer.h"

static void test_reader_ints(void)
{
	static const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct reader rd;

	rd_init(&rd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(rd_u8(&rd), 1);
	CU_ASSERT_EQUAL(rd_u16(&rd), 0x0203);
	CU_ASSERT_EQUAL(rd_u32(&rd), 0x04050607);
	CU_ASSERT_EQUAL(rd_u64(&rd), 0x08090a0b0c0d0e0fULL);
	CU_ASSERT_EQUAL(rd_offset(&rd), 15);
	CU_ASSERT_EQUAL(rd_left(&rd), 0);
	CU_ASSERT_TRUE(rd_ok(&rd));
}

static void test_reader_overrun_is_sticky(void)
{
	static const uint8_t buf[] = { 0xaa, 0xbb, 0xcc };
	struct reader rd;

	rd_init(&rd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(rd_u16(&rd), 0xaabb);
	CU_ASSERT_EQUAL(rd_u16(&rd), 0); /* one byte left: fails */
	CU_ASSERT_FALSE(rd_ok(&rd));
	CU_ASSERT_EQUAL(rd_u8(&rd), 0); /* sticky: the byte is not returned */
	CU_ASSERT_PTR_NULL(rd_bytes(&rd, 0));
	CU_ASSERT_EQUAL(rd_left(&rd), 0);
}

static void test_reader_sub(void)
{
	static const uint8_t buf[] = { 0, 4, 9, 8, 7, 6, 0xff };
	struct reader rd, sub, bad;
	uint8_t out[4];

	rd_init_at(&rd, buf, sizeof(buf), 100);
	CU_ASSERT_EQUAL(rd_u16(&rd), 4);
	CU_ASSERT_TRUE(rd_sub(&rd, 4, &sub));
	CU_ASSERT_EQUAL(rd_offset(&sub), 102);
	rd_copy(&sub, out, 4);
	CU_ASSERT_EQUAL(memcmp(out, buf + 2, 4), 0);
	CU_ASSERT_EQUAL(rd_u8(&rd), 0xff);
	CU_ASSERT_FALSE(rd_sub(&rd, 1, &bad));
	CU_ASSERT_FALSE(rd_ok(&bad));
	CU_ASSERT_FALSE(rd_ok(&rd));
}

static void test_reader_huge_length(void)
{
	static const uint8_t buf[4] = { 0 };
	struct reader rd;

	rd_init(&rd, buf, sizeof(buf));
	CU_ASSERT_PTR_NULL(rd_bytes(&rd, (size_t)-1));
	CU_ASSERT_FALSE(rd_ok(&rd));
	rd_init(&rd, NULL, 10); /* NULL buffer reads as empty */
	CU_ASSERT_EQUAL(rd_left(&rd), 0);
	CU_ASSERT_PTR_NOT_NULL(rd_bytes(&rd, 0));
}

static void test_writer_grow_and_patch(void)
{
	struct writer wr;
	size_t len;
	uint8_t *p;

	wr_init(&wr, 4096);
	wr_u16(&wr, 0); /* patched below */
	for (int i = 0; i < 1000; i++)
		wr_u8(&wr, (uint8_t)i);
	wr_put_u16_at(&wr, 0, 0xbeef);
	wr_u32(&wr, 0x01020304);
	wr_u64(&wr, 0x1122334455667788ULL);
	CU_ASSERT_TRUE(wr_ok(&wr));
	CU_ASSERT_EQUAL(wr_len(&wr), 2 + 1000 + 12);
	p = wr_take(&wr, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p[0], 0xbe);
	CU_ASSERT_EQUAL(p[1], 0xef);
	CU_ASSERT_EQUAL(p[2 + 999], (uint8_t)999);
	CU_ASSERT_EQUAL(p[1002], 1);
	CU_ASSERT_EQUAL(p[len - 1], 0x88);
	free(p);
}

static void test_writer_limit(void)
{
	struct writer wr;
	uint8_t fixed[3];

	wr_init(&wr, 8);
	wr_u64(&wr, 1);
	CU_ASSERT_TRUE(wr_ok(&wr));
	wr_u8(&wr, 1);
	CU_ASSERT_EQUAL(wr.wr_err, GW_E_RANGE);
	wr_u8(&wr, 1); /* sticky */
	CU_ASSERT_EQUAL(wr_len(&wr), 8);
	wr_free(&wr);

	wr_init_fixed(&wr, fixed, sizeof(fixed));
	wr_u16(&wr, 0x0102);
	wr_u16(&wr, 0x0304);
	CU_ASSERT_FALSE(wr_ok(&wr));
	CU_ASSERT_EQUAL(fixed[0], 1);
	wr_free(&wr);

	wr_init(&wr, 100);
	wr_u8(&wr, 1);
	wr_put_u16_at(&wr, 0, 7); /* patch past the end */
	CU_ASSERT_FALSE(wr_ok(&wr));
	wr_free(&wr);
}

static void test_log_escape(void)
{
	char out[32];

	CU_ASSERT_STRING_EQUAL(log_escape(out, sizeof(out), "ab\n\x01z\\", 6),
			       "ab\\x0a\\x01z\\x5c");
	CU_ASSERT_STRING_EQUAL(log_escape(out, 5, "abcdefgh", 8), "abcd");
	CU_ASSERT_STRING_EQUAL(log_escape(out, 6, "a\xff", 2), "a\\xff");
	CU_ASSERT_STRING_EQUAL(log_escape(out, 5, "a\xff", 2), "a");
	CU_ASSERT_EQUAL(log_level_parse("debug"), LOG_DEBUG);
	CU_ASSERT_EQUAL(log_level_parse("WARNING"), LOG_WARNING);
	CU_ASSERT_EQUAL(log_level_parse("loud"), -1);
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_E_CRITICAL), "unsupported critical payload");
}

static int formatted;

static const char *costly_arg(void)
{
	formatted++;
	return "x";
}

/* A line's arguments are evaluated only at a level that logs it. */
static void test_log_lazy(void)
{
	int saved = log_get_level();

	log_set_level(LOG_WARNING);
	formatted = 0;
	log_info(LOG_SUB_IKE, "%s", costly_arg());
	log_debug(LOG_SUB_IKE, "%s", costly_arg());
	CU_ASSERT_EQUAL(formatted, 0);
	log_set_level(LOG_ERR - 1); /* nothing is logged: stderr stays clean */
	log_err(LOG_SUB_IKE, "%s", costly_arg());
	CU_ASSERT_EQUAL(formatted, 0);
	log_set_level(LOG_DEBUG); /* one line on stderr */
	log_debug(LOG_SUB_IKE, "lazy logging test: %s", costly_arg());
	CU_ASSERT_EQUAL(formatted, 1);
	log_set_level(saved);
}

/* Default thread counts follow the affinity mask: pinned to one CPU, one. */
static void test_cpus_usable(void)
{
	cpu_set_t saved, one;
	int first = -1;

	CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof(saved), &saved), 0);
	CU_ASSERT_EQUAL(util_cpus_usable(), (unsigned)CPU_COUNT(&saved));
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &saved))
			first = i;
	CU_ASSERT_FATAL(first >= 0);
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof(one), &one), 0);
	CU_ASSERT_EQUAL(util_cpus_usable(), 1);
	CU_ASSERT_EQUAL(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

/* The one hex decoder: either case, stops at the first non-digit. */
static void test_hex(void)
{
	uint8_t out[4] = { 0 };

	CU_ASSERT_EQUAL(util_hex_decode("00ffAbcD", 4, out), 0);
	CU_ASSERT_EQUAL(out[0], 0x00);
	CU_ASSERT_EQUAL(out[1], 0xff);
	CU_ASSERT_EQUAL(out[2], 0xab);
	CU_ASSERT_EQUAL(out[3], 0xcd);
	CU_ASSERT_EQUAL(util_hex_decode("0g", 1, out), GW_E_PARSE);
	CU_ASSERT_EQUAL(util_hex_decode("g0", 1, out), GW_E_PARSE);
	CU_ASSERT_EQUAL(util_hex_decode("1", 1, out), GW_E_PARSE); /* NUL is no digit */
	CU_ASSERT_EQUAL(util_hex_decode("", 0, out), 0);
	CU_ASSERT_EQUAL(util_hex_nibble('F'), 15);
	CU_ASSERT_EQUAL(util_hex_nibble('G'), -1);
	CU_ASSERT_EQUAL(util_hex_nibble(0xe9), -1);
}

static const struct ut_case reader_cases[] = {
	{ "integers", test_reader_ints },
	{ "overrun is sticky", test_reader_overrun_is_sticky },
	{ "sub-readers", test_reader_sub },
	{ "huge length", test_reader_huge_length },
	{ NULL, NULL },
};

static const struct ut_case writer_cases[] = {
	{ "grow and back-patch", test_writer_grow_and_patch },
	{ "limits", test_writer_limit },
	{ NULL, NULL },
};

static const struct ut_case log_cases[] = {
	{ "escape and levels", test_log_escape },
	{ "arguments evaluated only when logged", test_log_lazy },
	{ "usable CPUs follow the affinity mask", test_cpus_usable },
	{ "hex digits", test_hex },
	{ NULL, NULL },
};

static const struct ut_suite reader_suite = { "util/reader", reader_cases };
static const struct ut_suite writer_suite = { "util/writer", writer_cases };
static const struct ut_suite log_suite = { "util/log", log_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &reader_suite, &writer_suite, &log_suite,
							 NULL };

	return ut_main(suites);
}
