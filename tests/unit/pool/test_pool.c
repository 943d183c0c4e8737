/* Unit tests for gateway/pool: per-key ordering, timers, bounded queues. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "pool/pool.h"
#include "runner.h"
#include "util/err.h"

#define N_KEYS 8
#define N_JOBS 2000

struct order {
	pthread_mutex_t o_lock;
	int o_last[N_KEYS];
	atomic_int o_bad;
	atomic_int o_done;
};

struct order_job {
	struct order *oj_o;
	int oj_key, oj_seq;
};

static void order_fn(void *arg)
{
	struct order_job *j = arg;
	struct order *o = j->oj_o;

	/* jobs of one key run one at a time and in submission order */
	if (o->o_last[j->oj_key] != j->oj_seq - 1)
		atomic_fetch_add(&o->o_bad, 1);
	o->o_last[j->oj_key] = j->oj_seq;
	atomic_fetch_add(&o->o_done, 1);
}

static void test_order_per_key(void)
{
	static struct order_job jobs[N_KEYS][N_JOBS];
	struct order o = { .o_bad = 0 };
	struct pool *p;

	memset(o.o_last, 0xff, sizeof(o.o_last));
	CU_ASSERT_EQUAL_FATAL(pool_new(3, N_JOBS * N_KEYS, &p), 0);
	for (int s = 0; s < N_JOBS; s++)
		for (int k = 0; k < N_KEYS; k++) {
			jobs[k][s] = (struct order_job){ &o, k, s };
			CU_ASSERT_EQUAL(pool_submit(p, (uint64_t)k * 0x9e3779b97f4a7c15ULL,
						    order_fn, &jobs[k][s]),
					0);
		}
	pool_free(p); /* runs every queued job before it returns */
	CU_ASSERT_EQUAL(atomic_load(&o.o_done), N_KEYS * N_JOBS);
	CU_ASSERT_EQUAL(atomic_load(&o.o_bad), 0);
	for (int k = 0; k < N_KEYS; k++)
		CU_ASSERT_EQUAL(o.o_last[k], N_JOBS - 1);
}

struct tlog {
	pthread_mutex_t t_lock;
	int t_seq[16];
	uint64_t t_at[16];
	int t_n;
	int t_freed;
};

struct tjob {
	struct tlog *tj_log;
	int tj_id;
};

static void timer_fn(void *arg)
{
	struct tjob *j = arg;

	pthread_mutex_lock(&j->tj_log->t_lock);
	j->tj_log->t_at[j->tj_log->t_n] = pool_now_ms();
	j->tj_log->t_seq[j->tj_log->t_n++] = j->tj_id;
	pthread_mutex_unlock(&j->tj_log->t_lock);
}

static void timer_free(void *arg)
{
	struct tjob *j = arg;

	pthread_mutex_lock(&j->tj_log->t_lock);
	j->tj_log->t_freed++;
	pthread_mutex_unlock(&j->tj_log->t_lock);
}

static void test_timers(void)
{
	struct tlog log = { PTHREAD_MUTEX_INITIALIZER, { 0 }, { 0 }, 0, 0 };
	struct tjob j[4] = { { &log, 0 }, { &log, 1 }, { &log, 2 }, { &log, 3 } };
	uint64_t start = pool_now_ms();
	struct pool *p;

	CU_ASSERT_EQUAL_FATAL(pool_new(1, 16, &p), 0);
	CU_ASSERT_EQUAL(pool_timer(p, 1, 120, timer_fn, timer_free, &j[0]), 0);
	CU_ASSERT_EQUAL(pool_timer(p, 1, 40, timer_fn, timer_free, &j[1]), 0);
	CU_ASSERT_EQUAL(pool_timer(p, 1, 40, timer_fn, timer_free, &j[2]), 0);
	CU_ASSERT_EQUAL(pool_timer(p, 1, 60000, timer_fn, timer_free, &j[3]), 0);
	for (int i = 0; i < 100 && log.t_n < 3; i++)
		usleep(10000);
	pool_free(p); /* the 60 s timer is not run but freed */
	CU_ASSERT_EQUAL_FATAL(log.t_n, 3);
	CU_ASSERT_EQUAL(log.t_seq[0], 1); /* equal due times: in the order set */
	CU_ASSERT_EQUAL(log.t_seq[1], 2);
	CU_ASSERT_EQUAL(log.t_seq[2], 0);
	CU_ASSERT_TRUE(log.t_at[0] >= start + 40);
	CU_ASSERT_TRUE(log.t_at[2] >= start + 120);
	CU_ASSERT_EQUAL(log.t_freed, 1);
}

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void blocked_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
}

static void test_bounded_queue(void)
{
	struct pool_stats st;
	struct pool *p;
	int refused = 0;

	CU_ASSERT_EQUAL_FATAL(pool_new(1, 4, &p), 0);
	pthread_mutex_lock(&gate); /* the worker blocks on its first job */
	for (int i = 0; i < 10; i++)
		if (pool_submit(p, 7, blocked_fn, NULL) == GW_E_RANGE)
			refused++;
	/* one job running (or about to), at most 4 queued: >= 5 refused */
	CU_ASSERT_TRUE(refused >= 5);
	pool_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.ps_dropped, (uint64_t)refused);
	pthread_mutex_unlock(&gate);
	pool_free(p);
	CU_ASSERT_EQUAL(pool_new(1, 0, &p), GW_E_INVAL);
}

static const struct ut_case cases[] = {
	{ "jobs of a key run in order", test_order_per_key },
	{ "timers fire in due order", test_timers },
	{ "a full queue refuses and counts", test_bounded_queue },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "pool", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}
