/*
 * test_rules.c: the per-exchange payload tables (rules.c): allowed types,
 * counts, inside or outside SK, and what an error notify excuses.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

/* Pseudo types for the lists below: notifies of a given kind, unknown. */
#define N_ERROR  0xf0 /* N(NO_PROPOSAL_CHOSEN) */
#define N_COOKIE 0xf1
#define N_BAD_KE 0xf2 /* N(INVALID_KE_PAYLOAD) */
#define UNKNOWN  0xf3 /* type 60, not critical */
#define END      0

struct body {
	uint8_t b_type, b_real;
	const char *b_hex;
};

static const struct body bodies[] = {
	{ IKE_PLD_SA, IKE_PLD_SA, "00000018 01010002 03000008 0100000c 00000008 0400001f" },
	{ IKE_PLD_KE, IKE_PLD_KE, "001f0000 01020304" },
	{ IKE_PLD_IDI, IKE_PLD_IDI, "02000000 612e62" },
	{ IKE_PLD_IDR, IKE_PLD_IDR, "01000000 c0000201" },
	{ IKE_PLD_CERT, IKE_PLD_CERT, "04 308201" },
	{ IKE_PLD_CERTREQ, IKE_PLD_CERTREQ, "04 0102030405060708090a0b0c0d0e0f1011121314" },
	{ IKE_PLD_AUTH, IKE_PLD_AUTH, "02000000 aabbccdd" },
	{ IKE_PLD_NONCE, IKE_PLD_NONCE, "000102030405060708090a0b0c0d0e0f" },
	{ IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, "00004000" },
	{ IKE_PLD_DELETE, IKE_PLD_DELETE, "01000000" },
	{ IKE_PLD_VENDOR, IKE_PLD_VENDOR, "abcd" },
	{ IKE_PLD_TSI, IKE_PLD_TSI, "01000000 07000010 0000ffff 0a000000 0a0000ff" },
	{ IKE_PLD_TSR, IKE_PLD_TSR, "01000000 07000010 0000ffff 0a000000 0a0000ff" },
	{ IKE_PLD_CP, IKE_PLD_CP, "01000000 00010000" },
	{ IKE_PLD_EAP, IKE_PLD_EAP, "03010004" },
	{ N_ERROR, IKE_PLD_NOTIFY, "0000000e" },
	{ N_COOKIE, IKE_PLD_NOTIFY, "00004006 0102030405060708" },
	{ N_BAD_KE, IKE_PLD_NOTIFY, "00000011 0013" },
	{ UNKNOWN, 60, "0102" },
};

static void add(struct ike_builder *b, uint8_t type)
{
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (bodies[i].b_type == type) {
			size_t len = ut_hex(bodies[i].b_hex, buf, sizeof(buf));

			ike_build_raw(b, bodies[i].b_real, false, buf, len);
			return;
		}
	}
	CU_FAIL_FATAL("no sample body");
}

/* Build a message (outer list, then an SK with the inner list unless it
 * is NULL), parse it, open the SK and run the rules. */
static int check(uint8_t exch, uint8_t flags, const uint8_t *outer, const uint8_t *inner,
		 struct ike_err *err)
{
	struct ike_builder b, ib;
	struct writer wr, iw;
	struct ike_sk_ops ops;
	struct ike_msg m;
	struct ike_hdr h;
	int rc;

	null_sk_ops(&ops);
	ut_hdr(&h, exch, flags, 1);
	wr_init(&wr, UT_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	for (; *outer; outer++)
		add(&b, *outer);
	if (inner) {
		wr_init(&iw, UT_MSG_MAX);
		ike_build_inner_begin(&ib, &iw);
		for (; *inner; inner++)
			add(&ib, *inner);
		rc = ike_build_sk(&b, ib.b_first, wr_data(&iw), wr_len(&iw), &ops, NULL);
		wr_free(&iw);
	} else {
		rc = ike_build_end(&b);
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(wr_data(&wr), wr_len(&wr), &m, err), 0);
	if (m.m_sk >= 0)
		CU_ASSERT_EQUAL_FATAL(ike_msg_open_sk(&m, wr_data(&wr), wr_len(&wr), &ops, err), 0);
	memset(err, 0, sizeof(*err));
	rc = ike_msg_check_rules(&m, err);
	wr_free(&wr);
	return rc;
}

#define I      IKE_FLAG_INITIATOR
#define R      IKE_FLAG_RESPONSE
#define L(...) ((const uint8_t[]){ __VA_ARGS__, END })
#define NONE   ((const uint8_t[]){ END })

static void test_sa_init(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(
		check(IKE_EXCH_SA_INIT, I, L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE), NULL, &err),
		0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R,
			      L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE, IKE_PLD_CERTREQ,
				IKE_PLD_NOTIFY, IKE_PLD_VENDOR),
			      NULL, &err),
			0);
	/* missing KE */
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I, L(IKE_PLD_SA, IKE_PLD_NONCE), NULL, &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_KE);
	/* missing Nonce in the response */
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(IKE_PLD_SA, IKE_PLD_KE), NULL, &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NONCE);
	/* two SA payloads: the second is reported where it is */
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I,
			      L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE, IKE_PLD_SA), NULL, &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SA);
	CU_ASSERT_EQUAL(err.e_off, 28 + 28 + 12 + 20);
	/* CERTREQ only from the responder; AUTH never */
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I,
			      L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE, IKE_PLD_CERTREQ), NULL,
			      &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_CERTREQ);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I,
			      L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE, IKE_PLD_AUTH), NULL, &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_AUTH);
}

/* 2.6, 1.2, 2.21: error, COOKIE and INVALID_KE responses stand alone. */
static void test_sa_init_notify_only(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(N_ERROR), NULL, &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(N_COOKIE), NULL, &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(N_BAD_KE), NULL, &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(IKE_PLD_NOTIFY), NULL, &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SA);
	/* the excuse does not lift the maximum */
	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, R, L(N_ERROR, IKE_PLD_KE, IKE_PLD_KE), NULL, &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_KE);
}

static void test_sa_init_no_sk(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I, L(IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE),
			      L(IKE_PLD_NOTIFY), &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SK);
}

static void test_auth(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE,
			      L(IKE_PLD_IDI, IKE_PLD_CERT, IKE_PLD_CERTREQ, IKE_PLD_IDR,
				IKE_PLD_AUTH, IKE_PLD_CP, IKE_PLD_SA, IKE_PLD_TSI, IKE_PLD_TSR,
				IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, IKE_PLD_VENDOR),
			      &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, R, NONE,
			      L(IKE_PLD_IDR, IKE_PLD_CERT, IKE_PLD_CERT, IKE_PLD_AUTH, IKE_PLD_CP,
				IKE_PLD_SA, IKE_PLD_TSI, IKE_PLD_TSR),
			      &err),
			0);
	/* EAP rounds: no minimums */
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE, L(IKE_PLD_EAP), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE, L(IKE_PLD_AUTH), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, R, NONE, L(IKE_PLD_EAP), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, R, NONE, NONE, &err), 0);
	/* not in IKE_AUTH */
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE, L(IKE_PLD_AUTH, IKE_PLD_DELETE), &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_DELETE);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, R, NONE, L(IKE_PLD_CERTREQ), &err), GW_E_STATE);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE, L(IKE_PLD_KE), &err), GW_E_STATE);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, NONE, L(IKE_PLD_AUTH, IKE_PLD_AUTH), &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_AUTH);
}

static void test_auth_outside_sk(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, L(IKE_PLD_IDI), L(IKE_PLD_AUTH), &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_IDI);
	CU_ASSERT_EQUAL(err.e_off, IKE_HDR_LEN);
	/* no SK at all */
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, L(IKE_PLD_NOTIFY), NULL, &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NOTIFY);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, R, NONE, NULL, &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, R, NONE, NULL, &err), GW_E_STATE);
}

static void test_create_child(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, I, NONE,
			      L(IKE_PLD_NOTIFY, IKE_PLD_SA, IKE_PLD_NONCE, IKE_PLD_KE, IKE_PLD_TSI,
				IKE_PLD_TSR),
			      &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, R, NONE,
			      L(IKE_PLD_SA, IKE_PLD_NONCE, IKE_PLD_KE), &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, I, NONE, L(IKE_PLD_SA, IKE_PLD_KE), &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NONCE);
	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, R, NONE, L(N_ERROR), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, R, NONE, L(N_BAD_KE), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_CREATE_CHILD_SA, I, NONE,
			      L(IKE_PLD_SA, IKE_PLD_NONCE, IKE_PLD_AUTH), &err),
			GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_AUTH);
}

static void test_informational(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, I, NONE, NONE, &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, I, NONE,
			      L(IKE_PLD_DELETE, IKE_PLD_DELETE, IKE_PLD_NOTIFY, IKE_PLD_CP), &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, R, NONE, L(N_ERROR), &err), 0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, I, NONE, L(IKE_PLD_SA), &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SA);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INTERMEDIATE, I, NONE, L(IKE_PLD_KE, IKE_PLD_NOTIFY), &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_INTERMEDIATE, R, NONE, L(IKE_PLD_EAP), &err), GW_E_STATE);
}

/* 2.5: unknown payloads without the critical bit are ignored. */
static void test_unknown_ignored(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(IKE_EXCH_SA_INIT, I,
			      L(UNKNOWN, IKE_PLD_SA, IKE_PLD_KE, UNKNOWN, IKE_PLD_NONCE), NULL,
			      &err),
			0);
	CU_ASSERT_EQUAL(check(IKE_EXCH_AUTH, I, L(UNKNOWN), L(UNKNOWN, IKE_PLD_AUTH), &err), 0);
}

static void test_unknown_exchange(void)
{
	struct ike_err err;

	CU_ASSERT_EQUAL(check(99, I, NONE, NONE, &err), GW_E_UNSUP);
	CU_ASSERT_EQUAL(err.e_pld, 0);
	CU_ASSERT_EQUAL(err.e_off, 18);
	CU_ASSERT_EQUAL(check(IKE_EXCH_SESSION_RESUME, I, NONE, NONE, &err), GW_E_UNSUP);
}

static void test_too_many_notifies(void)
{
	uint8_t list[40];
	struct ike_err err;

	memset(list, IKE_PLD_NOTIFY, sizeof(list));
	list[32] = END; /* 32: the maximum */
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, I, NONE, list, &err), 0);
	list[32] = IKE_PLD_NOTIFY;
	list[33] = END;
	CU_ASSERT_EQUAL(check(IKE_EXCH_INFORMATIONAL, I, NONE, list, &err), GW_E_STATE);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_NOTIFY);
}

static const struct ut_case cases[] = {
	{ "IKE_SA_INIT", test_sa_init },
	{ "IKE_SA_INIT notify-only responses", test_sa_init_notify_only },
	{ "SK in IKE_SA_INIT", test_sa_init_no_sk },
	{ "IKE_AUTH", test_auth },
	{ "payload outside SK in IKE_AUTH", test_auth_outside_sk },
	{ "CREATE_CHILD_SA", test_create_child },
	{ "INFORMATIONAL and IKE_INTERMEDIATE", test_informational },
	{ "unknown non-critical payloads ignored", test_unknown_ignored },
	{ "unknown exchange", test_unknown_exchange },
	{ "too many notifies", test_too_many_notifies },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_rules = { "ike/rules", cases };
