/*
 * Unit tests for gateway/datapath/esp_replay.c: the window's edges,
 * duplicates, old packets, large jumps, sizes that are not a multiple of
 * 64, and RFC 4303 appendix A's reconstruction of the ESN's high half.
 */
#include <string.h>

#include "runner.h"
#include "datapath/esp_replay.h"
#include "util/err.h"

static int take(struct esp_replay *rp, uint32_t lo, uint64_t *seq)
{
	int r;

	if ((r = esp_replay_check(rp, lo, seq)) < 0)
		return r;
	return esp_replay_update(rp, *seq);
}

static void test_init(void)
{
	struct esp_replay rp;

	CU_ASSERT_EQUAL(esp_replay_init(&rp, 0, false), 0);
	CU_ASSERT_EQUAL(rp.rp_window, ESP_REPLAY_DEFAULT);
	esp_replay_fini(&rp);
	CU_ASSERT_EQUAL(esp_replay_init(&rp, ESP_REPLAY_MAX, false), 0);
	esp_replay_fini(&rp);
	CU_ASSERT_EQUAL(esp_replay_init(&rp, ESP_REPLAY_MAX + 1, false), GW_E_RANGE);
	esp_replay_fini(&rp);
}

static void test_edges(void)
{
	static const uint32_t windows[] = { 1, 2, 32, 63, 64, 65, 100, 1024, 4096 };

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		uint32_t w = windows[i];
		uint64_t top = 5000, s;
		struct esp_replay rp;

		CU_ASSERT_FATAL(esp_replay_init(&rp, w, false) == 0);
		CU_ASSERT_EQUAL(take(&rp, (uint32_t)top, &s), 0);
		/* The oldest number in the window, and the one just behind it. */
		CU_ASSERT_EQUAL(take(&rp, (uint32_t)(top - w + 1), &s), w == 1 ? GW_E_EXISTS : 0);
		CU_ASSERT_EQUAL(take(&rp, (uint32_t)(top - w), &s), GW_E_EXISTS);
		/* Duplicates of both ends. */
		CU_ASSERT_EQUAL(take(&rp, (uint32_t)top, &s), GW_E_EXISTS);
		if (w > 1)
			CU_ASSERT_EQUAL(take(&rp, (uint32_t)(top - w + 1), &s), GW_E_EXISTS);
		esp_replay_fini(&rp);
	}
}

/* Every number in the window exactly once, in a shuffled order; then
 * none again. */
static void test_reorder(void)
{
	struct esp_replay rp;
	uint64_t s;
	int bad = 0;

	CU_ASSERT_FATAL(esp_replay_init(&rp, 128, false) == 0);
	CU_ASSERT_EQUAL(take(&rp, 1000, &s), 0);
	for (uint32_t i = 0; i < 127; i++) {
		uint32_t seq = 999 - ((i * 37) % 127);

		bad += take(&rp, seq, &s) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (uint32_t seq = 873; seq <= 1000; seq++)
		bad += take(&rp, seq, &s) != GW_E_EXISTS;
	CU_ASSERT_EQUAL(bad, 0);
	esp_replay_fini(&rp);
}

/* A jump by more than the window clears it; by less, only what it
 * passes: bits of the old epoch must not alias new numbers. */
static void test_jumps(void)
{
	struct esp_replay rp;
	uint64_t s;

	CU_ASSERT_FATAL(esp_replay_init(&rp, 64, false) == 0);
	for (uint32_t i = 1; i <= 64; i++)
		CU_ASSERT_EQUAL(take(&rp, i, &s), 0);
	CU_ASSERT_EQUAL(take(&rp, 64 + 64, &s), 0); /* 128: 65..127 now free */
	for (uint32_t i = 65; i < 128; i++)
		CU_ASSERT_EQUAL(take(&rp, i, &s), 0);
	CU_ASSERT_EQUAL(take(&rp, 1000000, &s), 0);
	CU_ASSERT_EQUAL(take(&rp, 1000000 - 63, &s), 0);
	CU_ASSERT_EQUAL(take(&rp, 1000000 - 64, &s), GW_E_EXISTS);
	CU_ASSERT_EQUAL(take(&rp, 128, &s), GW_E_EXISTS);
	/* Sequence number 0 is never valid without ESN. */
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0, &s), GW_E_EXISTS);
	esp_replay_fini(&rp);
}

/* RFC 4303 A2.2 case A (window inside one epoch) and case B (window
 * straddles 2^32), both directions. */
static void test_esn_inference(void)
{
	struct esp_replay rp;
	uint64_t s;

	CU_ASSERT_FATAL(esp_replay_init(&rp, 64, true) == 0);
	/* At the start a number "behind" 0 would be in epoch -1. */
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffff, &s), GW_E_EXISTS);
	CU_ASSERT_EQUAL(take(&rp, 1, &s), 0);
	CU_ASSERT_EQUAL(s, 1);
	/* Case A: Tl = 0xfffffff0. 0xffffffb1 is the window's bottom. */
	rp.rp_top = 0xfffffff0ull;
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffb1, &s), 0);
	CU_ASSERT_EQUAL(s, 0xffffffb1ull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffb0, &s), 0); /* next epoch */
	CU_ASSERT_EQUAL(s, 0x1ffffffb0ull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 3, &s), 0);
	CU_ASSERT_EQUAL(s, 0x100000003ull);
	/* Case B: T = 2^32 + 10, the window reaches back into epoch 0. */
	CU_ASSERT_EQUAL(take(&rp, 10, &s), 0);
	CU_ASSERT_EQUAL(s, 0x10000000aull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffd0, &s), 0);
	CU_ASSERT_EQUAL(s, 0xffffffd0ull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffcb, &s), 0);
	CU_ASSERT_EQUAL(s, 0xffffffcbull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0xffffffca, &s), 0); /* too far back: next epoch */
	CU_ASSERT_EQUAL(s, 0x1ffffffcaull);
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 11, &s), 0);
	CU_ASSERT_EQUAL(s, 0x10000000bull);
	/* Zero is valid with ESN once past the first epoch. */
	CU_ASSERT_EQUAL(esp_replay_check(&rp, 0, &s), 0);
	CU_ASSERT_EQUAL(s, 0x100000000ull);
	esp_replay_fini(&rp);
}

static const struct ut_case replay_cases[] = {
	{ "init and limits", test_init },
	{ "window edges and duplicates", test_edges },
	{ "reordering inside the window", test_reorder },
	{ "large jumps", test_jumps },
	{ "ESN high half (RFC 4303 A2.2)", test_esn_inference },
	{ NULL, NULL },
};

const struct ut_suite suite_replay = { "replay window", replay_cases };
