/*
 * test_bad_sa.c: malformed substructures: SA proposals, transforms and
 * attributes (3.3), traffic selectors (3.13), EAP (3.16), Delete (3.11)
 * and configuration attributes (3.15). Every case names the error code
 * and checks it points at the payload (offset 28).
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

#define EXPECT_PLD(type, hex, code)                                   \
	do {                                                          \
		struct ike_err e_;                                    \
		CU_ASSERT_EQUAL(ut_decode_hex(type, hex, &e_), code); \
		CU_ASSERT_EQUAL(e_.e_pld, type);                      \
		CU_ASSERT_EQUAL(e_.e_off, IKE_HDR_LEN);               \
	} while (0)
#define EXPECT_OK(type, hex)                                       \
	do {                                                       \
		struct ike_err e_;                                 \
		CU_ASSERT_EQUAL(ut_decode_hex(type, hex, &e_), 0); \
	} while (0)

/* ESP proposal, SPI aabbccdd, one transform ENCR_AES_GCM_16 */
#define XF     "00000008 01000014"
#define PROP_1 "02 00 00 14 01 03 04 01 aabbccdd " XF
#define LAST_1 "00 00 00 14 01 03 04 01 aabbccdd " XF

static void test_proposal_numbering(void)
{
	EXPECT_OK(IKE_PLD_SA, PROP_1 "00 00 00 14 02 03 04 01 aabbccdd " XF);
	EXPECT_PLD(IKE_PLD_SA, PROP_1 "00 00 00 14 03 03 04 01 aabbccdd " XF, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, PROP_1 "00 00 00 14 01 03 04 01 aabbccdd " XF, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA,
		   "02 00 00 14 02 03 04 01 aabbccdd " XF "00 00 00 14 03 03 04 01 aabbccdd " XF,
		   GW_E_PARSE);
	/* a response echoes one accepted proposal with its number */
	EXPECT_OK(IKE_PLD_SA, "00 00 00 14 05 03 04 01 aabbccdd " XF);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 00 03 04 01 aabbccdd " XF, GW_E_PARSE);
}

static void test_last_substructure(void)
{
	/* proposal: "last" but more follows; "more" but nothing; bad value */
	EXPECT_PLD(IKE_PLD_SA, LAST_1 LAST_1, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, PROP_1, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "01 00 00 14 01 03 04 01 aabbccdd " XF, GW_E_PARSE);
	/* transform: the same three */
	EXPECT_PLD(IKE_PLD_SA,
		   "00 00 00 1c 01 03 04 02 aabbccdd 00000008 01000014 00000008 05000000",
		   GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 03 04 01 aabbccdd 03000008 01000014", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 03 04 01 aabbccdd 02000008 01000014", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_SA,
		  "00 00 00 1c 01 03 04 02 aabbccdd 03000008 01000014 00000008 05000000");
}

static void test_num_transforms_mismatch(void)
{
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 03 04 02 aabbccdd " XF, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA,
		   "00 00 00 1c 01 03 04 01 aabbccdd 03000008 01000014 00000008 05000000",
		   GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 0c 01 03 04 00 aabbccdd", GW_E_PARSE);
}

static void test_substructure_lengths(void)
{
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 07 01 03 04 01", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 08 01 03", GW_E_PARSE);
	/* transform shorter than 8, longer than the proposal */
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 03 04 01 aabbccdd 00000007 01000014", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 03 04 01 aabbccdd 00000010 01000014", GW_E_PARSE);
	/* the proposal ends inside the payload: the rest is not a proposal */
	EXPECT_PLD(IKE_PLD_SA, LAST_1 "00", GW_E_PARSE);
}

static void test_attributes(void)
{
	/* TLV length overruns the transform */
	EXPECT_PLD(IKE_PLD_SA,
		   "00 00 00 1c 01 03 04 01 aabbccdd 00000010 01000014 00640008 deadbeef",
		   GW_E_PARSE);
	/* attribute header cut */
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 16 01 03 04 01 aabbccdd 0000000a 01000014 800e",
		   GW_E_PARSE);
	/* Key Length must be TV, non-zero, once */
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 1a 01 03 04 01 aabbccdd 0000000e 01000014 000e0002 0100",
		   GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 18 01 03 04 01 aabbccdd 0000000c 01000014 800e0000",
		   GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA,
		   "00 00 00 1c 01 03 04 01 aabbccdd 00000010 01000014 800e0080 800e0100",
		   GW_E_PARSE);
	EXPECT_OK(IKE_PLD_SA, "00 00 00 18 01 03 04 01 aabbccdd 0000000c 01000014 800e0080");
}

static void test_spi_size(void)
{
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 18 01 03 08 01 aabbccdd aabbccdd " XF, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 14 01 01 04 01 aabbccdd " XF, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 19 01 03 09 01 000102030405060708 " XF, GW_E_RANGE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 0a 01 03 04 01 aabb", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_SA, "00 00 00 10 01 07 00 01 " XF, GW_E_PARSE);
	EXPECT_OK(IKE_PLD_SA, "00 00 00 18 01 01 08 01 aabbccdd aabbccdd " XF);
	EXPECT_OK(IKE_PLD_SA, "00 00 00 10 01 01 00 01 " XF);
}

/* One proposal of n transforms (in a body of its own). */
static size_t many_transforms(uint8_t *buf, size_t cap, unsigned n)
{
	struct writer wr;

	wr_init_fixed(&wr, buf, cap);
	wr_u32(&wr, 8 + 8 * n); /* last, reserved, length */
	wr_u8(&wr, 1);
	wr_u8(&wr, IKE_PROTO_IKE);
	wr_u8(&wr, 0);
	wr_u8(&wr, (uint8_t)n); /* what fits in the field */
	for (unsigned i = 0; i < n; i++) {
		wr_u32(&wr, (i + 1 < n ? 0x03000000u : 0) | 8);
		wr_u32(&wr, 0x01000000u | i);
	}
	CU_ASSERT_TRUE_FATAL(wr_ok(&wr));
	return wr_len(&wr);
}

static void test_transform_limit(void)
{
	uint8_t *buf = malloc(16384);
	struct ike_err err;
	size_t len;

	len = many_transforms(buf, 16384, IKE_MAX_TRANSFORMS);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_SA, buf, len, &err), 0);
	len = many_transforms(buf, 16384, IKE_MAX_TRANSFORMS + 1);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_SA, buf, len, &err), GW_E_RANGE);
	len = many_transforms(buf, 16384, 1000);
	CU_ASSERT_EQUAL(ut_decode(IKE_PLD_SA, buf, len, &err), GW_E_RANGE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SA);
	CU_ASSERT_EQUAL(err.e_off, IKE_HDR_LEN);
	free(buf);
}

static void test_proposal_limit(void)
{
	uint8_t buf[2048];
	struct ike_err err;
	struct writer wr;

	for (unsigned n = IKE_MAX_PROPOSALS; n <= IKE_MAX_PROPOSALS + 1; n++) {
		wr_init_fixed(&wr, buf, sizeof(buf));
		for (unsigned i = 0; i < n; i++) {
			wr_u32(&wr, (i + 1 < n ? 0x02000000u : 0) | 16);
			wr_u32(&wr, (i + 1) << 24 | IKE_PROTO_IKE << 16 | 1);
			wr_u32(&wr, 0x00000008);
			wr_u32(&wr, 0x0400001f);
		}
		CU_ASSERT_EQUAL(ut_decode(IKE_PLD_SA, buf, wr_len(&wr), &err),
				n > IKE_MAX_PROPOSALS ? GW_E_RANGE : 0);
	}
}

#define TS4 "07 00 00 10 0000ffff 0a000000 0a0000ff"

static void test_ts_bad(void)
{
	EXPECT_OK(IKE_PLD_TSI, "01 000000 " TS4);
	/* selector length against its type */
	EXPECT_PLD(IKE_PLD_TSI, "01 000000 07 00 00 0f 0000ffff 0a000000 0a0000", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSI,
		   "01 000000 07 00 00 28 0000ffff 0a000000 0a0000ff 00000000 00000000 00000000"
		   "00000000 00000000 00000000",
		   GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSR, "01 000000 08 00 00 10 0000ffff 0a000000 0a0000ff", GW_E_PARSE);
	/* selector length beyond the payload */
	EXPECT_PLD(IKE_PLD_TSI, "01 000000 07 00 00 20 0000ffff 0a000000 0a0000ff", GW_E_PARSE);
	/* Number of TSs against what is there */
	EXPECT_PLD(IKE_PLD_TSI, "02 000000 " TS4, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSI, "01 000000 " TS4 TS4, GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSI, "00 000000", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_TSI, "21 000000 " TS4, GW_E_RANGE);
	/* RFC 4595 Fibre Channel: not ours */
	EXPECT_PLD(IKE_PLD_TSI, "01 000000 09 00 00 10 0000ffff 0a000000 0a0000ff", GW_E_UNSUP);
}

static void test_eap_bad(void)
{
	EXPECT_OK(IKE_PLD_EAP, "02 01 00 07 01 61 6c");
	EXPECT_PLD(IKE_PLD_EAP, "02 01 00 0a 01 61 6c", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "02 01 00 05 01 61 6c", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "03 01 00 05 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "01 01 00 04", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "09 01 00 04", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "03 01 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_EAP, "04 01 00 00", GW_E_PARSE);
}

static void test_delete_bad(void)
{
	EXPECT_OK(IKE_PLD_DELETE, "03 04 00 02 c15a0001 c15a0002");
	EXPECT_PLD(IKE_PLD_DELETE, "03 04 00 03 c15a0001 c15a0002", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "03 04 ff ff c15a0001", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "03 04 00 01 c15a0001 ff", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "01 08 00 01 0102030405060708", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "01 00 00 01", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "03 08 00 01 0102030405060708", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_DELETE, "07 04 00 01 01020304", GW_E_PARSE);
}

static void test_cp_bad(void)
{
	char hex[1024] = "01 000000 ";

	EXPECT_PLD(IKE_PLD_CP, "01 000000 0001 0004 0a00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CP, "01 000000 0001 00", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CP, "02 000000 0001 0003 0a0000", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CP, "02 000000 0008 0010 20010db8000000000000000000000001", GW_E_PARSE);
	EXPECT_PLD(IKE_PLD_CP, "01 000000 000e 0003 000100", GW_E_PARSE);
	EXPECT_OK(IKE_PLD_CP, "01 000000 000e 0004 00010003");
	EXPECT_OK(IKE_PLD_CP, "01 000000 8001 0000"); /* reserved bit ignored */
	for (int i = 0; i < IKE_MAX_CP_ATTRS + 1; i++)
		strcat(hex, "0007 0000 ");
	EXPECT_PLD(IKE_PLD_CP, hex, GW_E_RANGE);
}

static const struct ut_case cases[] = {
	{ "proposal numbering", test_proposal_numbering },
	{ "last-substructure fields", test_last_substructure },
	{ "Num Transforms against transforms", test_num_transforms_mismatch },
	{ "proposal and transform lengths", test_substructure_lengths },
	{ "transform attributes", test_attributes },
	{ "SPI size against protocol", test_spi_size },
	{ "1,000 transforms", test_transform_limit },
	{ "33 proposals", test_proposal_limit },
	{ "bad traffic selectors", test_ts_bad },
	{ "bad EAP length and code", test_eap_bad },
	{ "Delete SPI count", test_delete_bad },
	{ "CP attributes", test_cp_bad },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_bad_sa = { "ike/bad substructures", cases };
