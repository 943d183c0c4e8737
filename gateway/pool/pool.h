/*
 * pool.h: the worker pool and its timers. Every job carries a key (an IKE
 * SA's SPI, say); a key always maps to the same worker, so the jobs and
 * timers of one SA run one after another, in order, without a lock of
 * their own. Queues are bounded: a full queue refuses (GW_E_RANGE) and
 * counts, it never blocks the receiver. Timers cannot be cancelled: a timer
 * callback checks that what it was set for still holds (as strongSwan's
 * jobs do). All functions are thread-safe.
 */
#ifndef PAL_POOL_POOL_H
#define PAL_POOL_POOL_H

#include <stdint.h>

typedef void (*pool_fn)(void *arg);

struct pool_stats {
	uint64_t ps_jobs;    /* jobs run */
	uint64_t ps_timers;  /* timers fired */
	uint64_t ps_dropped; /* refused because a queue was full */
	uint64_t ps_pending; /* queued now */
};

struct pool;

/* workers: 0 = one per CPU; queue_len: jobs per worker queue. */
int pool_new(unsigned workers, unsigned queue_len, struct pool **out);
/* Stops the workers after the queued jobs ran (timers not yet due are
 * dropped, their free_fn called). NULL is fine. */
void pool_free(struct pool *p);
unsigned pool_workers(const struct pool *p);
/* Run fn(arg) on key's worker. */
int pool_submit(struct pool *p, uint64_t key, pool_fn fn, void *arg);
/* Run fn(arg) on key's worker after ms milliseconds. If the pool stops
 * first, free_fn(arg) is called instead (may be NULL). */
int pool_timer(struct pool *p, uint64_t key, uint32_t ms, pool_fn fn, pool_fn free_fn, void *arg);
void pool_get_stats(struct pool *p, struct pool_stats *st);
/* Monotonic milliseconds, the clock timers use. */
uint64_t pool_now_ms(void);

#endif
