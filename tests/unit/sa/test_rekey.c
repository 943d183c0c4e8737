/*
 * Unit tests for the pure parts of rekeying (gateway/sa/task.c): the
 * lowest-nonce rule of RFC 7296 2.8.1, rekey jitter bounds, retry
 * back-off, and the order and de-duplication of the task queue.
 */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sa/sa_int.h"

static bool lowest_in_a(const char *ai, const char *ar, const char *bi, const char *br)
{
	return sa_nonce_lowest_in((const uint8_t *)ai, strlen(ai), (const uint8_t *)ar, strlen(ar),
				  (const uint8_t *)bi, strlen(bi), (const uint8_t *)br, strlen(br));
}

static void test_nonce_rule(void)
{
	/* the lowest of the four decides, wherever it is */
	CU_ASSERT_TRUE(lowest_in_a("\x01zz", "mmm", "nnn", "ooo"));
	CU_ASSERT_TRUE(lowest_in_a("mmm", "\x01zz", "nnn", "ooo"));
	CU_ASSERT_FALSE(lowest_in_a("mmm", "nnn", "\x01zz", "ooo"));
	CU_ASSERT_FALSE(lowest_in_a("mmm", "nnn", "ooo", "\x01zz"));
	/* octet by octet, not as numbers: a longer nonce with a lower first
	 * octet is lower */
	CU_ASSERT_TRUE(lowest_in_a("\x02\xff\xff\xff", "zz", "\x03", "zz"));
	/* a nonce that is a prefix of another is the lower one */
	CU_ASSERT_TRUE(lowest_in_a("abc", "zzz", "abcd", "zzz"));
	CU_ASSERT_FALSE(lowest_in_a("abcd", "zzz", "abc", "zzz"));
	/* both sides compute the same answer from their own point of view */
	CU_ASSERT_NOT_EQUAL(lowest_in_a("kk", "bb", "cc", "dd"),
			    lowest_in_a("cc", "dd", "kk", "bb"));
}

static void test_jitter(void)
{
	/* rekey_time less up to 10 %: every value in [0.9 t, t] */
	uint64_t lo = UINT64_MAX, hi = 0;

	for (uint32_t r = 0; r < 5000; r += 7) {
		uint64_t ms = sa_rekey_delay_ms(3600, r * 2654435761u);

		lo = ms < lo ? ms : lo;
		hi = ms > hi ? ms : hi;
	}
	CU_ASSERT_TRUE(lo >= 3240000 && hi <= 3600000);
	CU_ASSERT_TRUE(hi - lo > 300000); /* and it does spread */
	CU_ASSERT_EQUAL(sa_rekey_delay_ms(2, 0), 2000);
	CU_ASSERT_EQUAL(sa_rekey_delay_ms(2, 200), 1800);
	CU_ASSERT_EQUAL(sa_rekey_delay_ms(2, 201), 2000); /* 201 % 201 */
	CU_ASSERT_EQUAL(sa_rekey_delay_ms(0, 12345), 0);
	CU_ASSERT_EQUAL(sa_rekey_delay_ms(100000000, UINT32_MAX) <= 100000000ULL * 1000, true);
}

static void test_backoff(void)
{
	/* 1 s, 2 s, 4 s ... with up to half again at random, capped */
	CU_ASSERT_EQUAL(sa_task_backoff_ms(1, 0), 1000);
	CU_ASSERT_EQUAL(sa_task_backoff_ms(2, 0), 2000);
	CU_ASSERT_EQUAL(sa_task_backoff_ms(3, 0), 4000);
	CU_ASSERT_EQUAL(sa_task_backoff_ms(1, 500), 1500);
	CU_ASSERT_EQUAL(sa_task_backoff_ms(1, 501), 1000);
	CU_ASSERT_EQUAL(sa_task_backoff_ms(40, 0), 16000);
	CU_ASSERT_TRUE(sa_task_backoff_ms(40, UINT32_MAX) <= 24000);
}

static struct sa_task *task(uint8_t type, uint32_t child)
{
	struct sa_task *t = calloc(1, sizeof(*t));

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	t->t_type = type;
	t->t_child = child;
	return t;
}

static void test_queue(void)
{
	struct sa_task *q = NULL, *t;
	static const uint8_t order[] = { SA_TASK_CHILD_REKEY, SA_TASK_IKE_REKEY,
					 SA_TASK_CHILD_DELETE, SA_TASK_DPD };

	CU_ASSERT_PTR_NULL(sa_task_pop(&q));
	sa_task_push(&q, task(SA_TASK_CHILD_REKEY, 7));
	sa_task_push(&q, task(SA_TASK_IKE_REKEY, 0));
	sa_task_push(&q, task(SA_TASK_CHILD_DELETE, 7));
	sa_task_push(&q, task(SA_TASK_DPD, 0));
	/* what is queued is found by type and child */
	CU_ASSERT_TRUE(sa_task_find(q, SA_TASK_CHILD_REKEY, 7));
	CU_ASSERT_FALSE(sa_task_find(q, SA_TASK_CHILD_REKEY, 8));
	CU_ASSERT_FALSE(sa_task_find(q, SA_TASK_IKE_DELETE, 0));
	/* first in, first out */
	for (size_t i = 0; i < sizeof(order); i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(t = sa_task_pop(&q));
		CU_ASSERT_EQUAL(t->t_type, order[i]);
		CU_ASSERT_PTR_NULL(t->t_next);
		free(t);
	}
	CU_ASSERT_PTR_NULL(q);
	CU_ASSERT_FALSE(sa_task_find(q, SA_TASK_DPD, 0));
}

/* sa_tasks_move: a rekeyed IKE SA's queue goes to the new SA, in order,
 * after what the new one has; delayed retries run at once there. */
static void test_move(void)
{
	struct ike_sa from, to;
	struct sa_task *t;

	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	sa_task_push(&to.s_tasks, task(SA_TASK_DPD, 0));
	sa_task_push(&from.s_tasks, task(SA_TASK_CHILD_REKEY, 1));
	sa_task_push(&from.s_tasks, task(SA_TASK_CHILD_DELETE, 2));
	t = task(SA_TASK_CHILD_CREATE, 0);
	t->t_due_ms = 99999;
	sa_task_push(&from.s_delayed, t);
	sa_tasks_move(&from, &to);
	CU_ASSERT_PTR_NULL(from.s_tasks);
	CU_ASSERT_PTR_NULL(from.s_delayed);
	t = sa_task_pop(&to.s_tasks);
	CU_ASSERT_EQUAL(t->t_type, SA_TASK_DPD);
	free(t);
	t = sa_task_pop(&to.s_tasks);
	CU_ASSERT_EQUAL(t->t_type, SA_TASK_CHILD_REKEY);
	free(t);
	t = sa_task_pop(&to.s_tasks);
	CU_ASSERT_EQUAL(t->t_type, SA_TASK_CHILD_DELETE);
	free(t);
	t = sa_task_pop(&to.s_tasks);
	CU_ASSERT_EQUAL(t->t_type, SA_TASK_CHILD_CREATE);
	CU_ASSERT_EQUAL(t->t_due_ms, 0);
	free(t);
	CU_ASSERT_PTR_NULL(to.s_tasks);
}

/* sa_tasks_flush: every waiter hears how its task ended. */
static int n_ok, n_err;

static void waiter(void *arg, const char *code, const char *msg, json_t *result)
{
	(void)arg;
	(void)msg;
	if (code)
		n_err++;
	else
		n_ok++;
	json_decref(result);
}

static void test_flush(void)
{
	struct ike_sa sa;
	struct sa_task *t;

	memset(&sa, 0, sizeof(sa));
	t = task(SA_TASK_CHILD_REKEY, 1);
	t->t_waiter = (struct sa_waiter){ waiter, NULL };
	sa.s_task = t;
	t = task(SA_TASK_CHILD_DELETE, 2); /* a delete whose SA died did its job */
	t->t_waiter = (struct sa_waiter){ waiter, NULL };
	sa_task_push(&sa.s_tasks, t);
	t = task(SA_TASK_IKE_REKEY, 0);
	t->t_waiter = (struct sa_waiter){ waiter, NULL };
	sa_task_push(&sa.s_delayed, t);
	sa_task_push(&sa.s_delayed, task(SA_TASK_DPD, 0)); /* nobody waits */
	n_ok = n_err = 0;
	sa_tasks_flush(&sa);
	CU_ASSERT_EQUAL(n_ok, 1);
	CU_ASSERT_EQUAL(n_err, 2);
	CU_ASSERT_PTR_NULL(sa.s_task);
	CU_ASSERT_PTR_NULL(sa.s_tasks);
	CU_ASSERT_PTR_NULL(sa.s_delayed);
}

static const struct ut_case cases[] = {
	{ "lowest-nonce rule (2.8.1)", test_nonce_rule },
	{ "rekey jitter bounds", test_jitter },
	{ "retry back-off", test_backoff },
	{ "task queue order and lookup", test_queue },
	{ "task queue moves to the new IKE SA", test_move },
	{ "dead SA: waiters told", test_flush },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "rekey", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}
