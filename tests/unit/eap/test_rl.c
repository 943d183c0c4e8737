/*
 * test_rl.c: the failure rate limiter: the window, the block and its
 * doubling, forgiveness after success, a bounded table under a flood of
 * random identities, and the server refusing a blocked identity.
 */
#include <stdio.h>
#include <string.h>

#include "te.h"
#include "util/err.h"

#define S 1000ULL /* ms */

static struct eap_rl *rl_new(size_t slots)
{
	struct eap_rl_cfg cfg;
	struct eap_rl *rl = NULL;

	eap_rl_defaults(&cfg);
	cfg.rc_slots = slots;
	CU_ASSERT_EQUAL_FATAL(eap_rl_new(&cfg, &rl), 0);
	return rl;
}

static bool fail(struct eap_rl *rl, const char *id, uint64_t t)
{
	return eap_rl_failed(rl, (const uint8_t *)id, strlen(id), t);
}

static int check(struct eap_rl *rl, const char *id, uint64_t t, unsigned *retry)
{
	return eap_rl_check(rl, (const uint8_t *)id, strlen(id), t, retry);
}

static void test_defaults(void)
{
	struct eap_rl_cfg cfg;
	struct eap_rl *rl = NULL;

	eap_rl_defaults(&cfg);
	CU_ASSERT_EQUAL(cfg.rc_failures, 5);
	CU_ASSERT_EQUAL(cfg.rc_window_s, 60);
	CU_ASSERT_EQUAL(cfg.rc_block_s, 60);
	CU_ASSERT_EQUAL(cfg.rc_block_max_s, 900);
	CU_ASSERT_EQUAL(eap_rl_new(NULL, &rl), 0);
	eap_rl_free(rl);
	cfg.rc_failures = EAP_RL_MAX_FAILURES + 1;
	CU_ASSERT_EQUAL(eap_rl_new(&cfg, &rl), GW_E_INVAL);
	eap_rl_defaults(&cfg);
	cfg.rc_block_max_s = 10;
	CU_ASSERT_EQUAL(eap_rl_new(&cfg, &rl), GW_E_INVAL);
	eap_rl_free(NULL);
}

/* Five failures inside 60 s block for 60 s; the next block lasts 120 s. */
static void test_block_and_double(void)
{
	struct eap_rl *rl = rl_new(64);
	uint64_t t = 1000 * S;
	unsigned retry = 99;

	for (int i = 0; i < 4; i++)
		CU_ASSERT_FALSE(fail(rl, "alice", t + (uint64_t)i * S));
	CU_ASSERT_EQUAL(check(rl, "alice", t + 4 * S, &retry), 0);
	CU_ASSERT_EQUAL(retry, 0);
	CU_ASSERT_TRUE(fail(rl, "alice", t + 4 * S));
	CU_ASSERT_EQUAL(check(rl, "alice", t + 4 * S, &retry), GW_E_AGAIN);
	CU_ASSERT_EQUAL(retry, 60);
	CU_ASSERT_EQUAL(check(rl, "alice", t + 63 * S + 500, &retry), GW_E_AGAIN);
	CU_ASSERT_EQUAL(retry, 1);
	CU_ASSERT_EQUAL(check(rl, "alice", t + 64 * S, NULL), 0);
	/* Others are not affected. */
	CU_ASSERT_EQUAL(check(rl, "bob", t + 5 * S, NULL), 0);
	/* After the block: a fresh count, and the next block doubles. */
	t += 64 * S;
	for (int i = 0; i < 4; i++)
		CU_ASSERT_FALSE(fail(rl, "alice", t + (uint64_t)i * S));
	CU_ASSERT_TRUE(fail(rl, "alice", t + 4 * S));
	CU_ASSERT_EQUAL(check(rl, "alice", t + 4 * S, &retry), GW_E_AGAIN);
	CU_ASSERT_EQUAL(retry, 120);
	eap_rl_free(rl);
}

/* Failures spread over the window do not block; squeezed, they do. */
static void test_window(void)
{
	struct eap_rl *rl = rl_new(64);
	uint64_t t = 5000 * S;

	for (int i = 0; i < 10; i++)
		CU_ASSERT_FALSE(fail(rl, "slow", t + (uint64_t)i * 15 * S));
	CU_ASSERT_EQUAL(check(rl, "slow", t + 150 * S, NULL), 0);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_FALSE(fail(rl, "fast", t + (uint64_t)i * 14 * S));
	CU_ASSERT_TRUE(fail(rl, "fast", t + 56 * S));
	eap_rl_free(rl);
}

static void test_success_forgets(void)
{
	struct eap_rl *rl = rl_new(64);
	uint64_t t = 100 * S;

	for (int i = 0; i < 4; i++)
		CU_ASSERT_FALSE(fail(rl, "carol", t));
	eap_rl_succeeded(rl, (const uint8_t *)"carol", 5);
	CU_ASSERT_EQUAL(eap_rl_tracked(rl), 0);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_FALSE(fail(rl, "carol", t));
	CU_ASSERT_TRUE(fail(rl, "carol", t));
	eap_rl_free(rl);
}

/* Blocks grow to the cap, and a long quiet spell forgives them. */
static void test_block_cap(void)
{
	struct eap_rl *rl = rl_new(64);
	uint64_t t = 0;
	unsigned retry = 0;

	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 5; i++)
			fail(rl, "dave", t);
		CU_ASSERT_EQUAL(check(rl, "dave", t, &retry), GW_E_AGAIN);
		t += (uint64_t)retry * S;
	}
	CU_ASSERT_EQUAL(retry, 900);
	t += 2000 * S;
	for (int i = 0; i < 5; i++)
		fail(rl, "dave", t);
	CU_ASSERT_EQUAL(check(rl, "dave", t, &retry), GW_E_AGAIN);
	CU_ASSERT_EQUAL(retry, 60);
	eap_rl_free(rl);
}

/* 100,000 random identities against 1,024 slots: memory stays put, and a
 * blocked identity is not pushed out by the flood. */
static void test_flood(void)
{
	struct eap_rl *rl = rl_new(1024);
	uint64_t t = 10 * S;
	char id[32];

	for (int i = 0; i < 5; i++)
		fail(rl, "victim", t);
	CU_ASSERT_EQUAL(check(rl, "victim", t, NULL), GW_E_AGAIN);
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "random-%d", i);
		fail(rl, id, t + (uint64_t)i / 10); /* all inside the block */
	}
	CU_ASSERT(eap_rl_tracked(rl) <= 1024);
	CU_ASSERT(eap_rl_tracked(rl) >= 1000);
	CU_ASSERT_EQUAL(check(rl, "victim", t + 100 * S / 1000, NULL), GW_E_AGAIN);
	eap_rl_free(rl);
}

/* Through the server: five wrong passwords, then even the right one is
 * refused until the block ends; the failure is in the reason. */
static void test_server_blocks(void)
{
	struct eap_rl *rl = rl_new(64);
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	te_now = 50000 * S;
	for (int i = 0; i < 5; i++) {
		s = te_server(EAP_M_ALL, te_users, rl);
		c = te_client(EAP_M_ALL, "alice", "wrong", NULL);
		te_converse(s, c, &r);
		CU_ASSERT_EQUAL(r.tr_srv, EAP_FAILURE);
		CU_ASSERT_PTR_NOT_NULL(strstr(eap_server_why(s), "wrong password"));
		eap_server_free(s);
		eap_client_free(c);
		te_now += S;
	}
	s = te_server(EAP_M_ALL, te_users, rl);
	c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	te_converse(s, c, &r);
	CU_ASSERT_EQUAL(r.tr_srv, EAP_FAILURE);
	CU_ASSERT_EQUAL(r.tr_n, 3); /* refused at the identity */
	CU_ASSERT_PTR_NOT_NULL(strstr(eap_server_why(s), "'alice' refused for 59 s more"));
	eap_server_free(s);
	eap_client_free(c);
	/* Unknown identities count too (no probing around the limit). */
	for (int i = 0; i < 5; i++) {
		s = te_server(EAP_M_ALL, te_users, rl);
		c = te_client(EAP_M_ALL, "nobody", "x", NULL);
		te_converse(s, c, &r);
		eap_server_free(s);
		eap_client_free(c);
	}
	CU_ASSERT_EQUAL(eap_rl_check(rl, (const uint8_t *)"nobody", 6, te_now, NULL), GW_E_AGAIN);
	te_now += 61 * S;
	s = te_server(EAP_M_ALL, te_users, rl);
	c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	te_converse(s, c, &r);
	CU_ASSERT_EQUAL(r.tr_srv, EAP_SUCCESS);
	eap_server_free(s);
	eap_client_free(c);
	/* The success cleared alice; "nobody" is still tracked. */
	CU_ASSERT_EQUAL(eap_rl_tracked(rl), 1);
	eap_rl_free(rl);
}

static const struct ut_case cases[] = {
	{ "defaults and bad settings", test_defaults },
	{ "block after 5 in 60 s, doubling", test_block_and_double },
	{ "the window", test_window },
	{ "success forgets", test_success_forgets },
	{ "block cap and quiet spell", test_block_cap },
	{ "flood of random identities", test_flood },
	{ "server refuses a blocked identity", test_server_blocks },
	{ NULL, NULL },
};

const struct ut_suite te_rl_suite = { "rate limit", cases };
