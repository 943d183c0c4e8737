/* Workers with a bounded job ring and a timer heap each. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pool/pool.h"
#include "util/cpus.h"
#include "util/err.h"
#include "util/log.h"

struct job {
	pool_fn j_fn;
	void *j_arg;
};

struct timer {
	uint64_t t_due;
	uint64_t t_seq; /* equal due times fire in the order they were set */
	pool_fn t_fn;
	pool_fn t_free;
	void *t_arg;
};

struct worker {
	pthread_t w_thread;
	pthread_mutex_t w_lock;
	pthread_cond_t w_cond;
	struct job *w_ring;
	unsigned w_head, w_count;
	struct timer *w_heap;
	size_t w_nheap, w_capheap;
	uint64_t w_seq;
	bool w_stop;
	uint64_t w_jobs, w_timers, w_dropped;
};

struct pool {
	unsigned p_n;     /* workers running */
	unsigned p_alloc; /* workers initialised */
	unsigned p_qlen;
	struct worker *p_w;
};

uint64_t pool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool earlier(const struct timer *a, const struct timer *b)
{
	return a->t_due < b->t_due || (a->t_due == b->t_due && a->t_seq < b->t_seq);
}

static void heap_swap(struct timer *h, size_t a, size_t b)
{
	struct timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void heap_push(struct worker *w, const struct timer *t)
{
	size_t i = w->w_nheap++;

	w->w_heap[i] = *t;
	while (i > 0 && earlier(&w->w_heap[i], &w->w_heap[(i - 1) / 2])) {
		heap_swap(w->w_heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct timer heap_pop(struct worker *w)
{
	struct timer top = w->w_heap[0];
	size_t i = 0;

	w->w_heap[0] = w->w_heap[--w->w_nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->w_nheap && earlier(&w->w_heap[l], &w->w_heap[m]))
			m = l;
		if (r < w->w_nheap && earlier(&w->w_heap[r], &w->w_heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(w->w_heap, i, m);
		i = m;
	}
	return top;
}

/* Next job or due timer; false when stopping with nothing left to run. */
static bool next_work(struct pool *p, struct worker *w, struct job *out, bool *timer)
{
	pthread_mutex_lock(&w->w_lock);
	for (;;) {
		uint64_t now = pool_now_ms();

		if (w->w_count) {
			*out = w->w_ring[w->w_head];
			w->w_head = (w->w_head + 1) % p->p_qlen;
			w->w_count--;
			*timer = false;
			break;
		}
		if (w->w_stop) {
			pthread_mutex_unlock(&w->w_lock);
			return false;
		}
		if (w->w_nheap && w->w_heap[0].t_due <= now) {
			struct timer t = heap_pop(w);

			*out = (struct job){ t.t_fn, t.t_arg };
			*timer = true;
			break;
		}
		if (w->w_nheap) {
			uint64_t due = w->w_heap[0].t_due;
			struct timespec ts;

			/* condvar on CLOCK_MONOTONIC (see pool_new) */
			ts.tv_sec = (time_t)(due / 1000);
			ts.tv_nsec = (long)(due % 1000) * 1000000;
			pthread_cond_timedwait(&w->w_cond, &w->w_lock, &ts);
		} else {
			pthread_cond_wait(&w->w_cond, &w->w_lock);
		}
	}
	pthread_mutex_unlock(&w->w_lock);
	return true;
}

struct worker_arg {
	struct pool *a_pool;
	struct worker *a_w;
};

static void *worker_main(void *arg)
{
	struct pool *p = ((struct worker_arg *)arg)->a_pool;
	struct worker *w = ((struct worker_arg *)arg)->a_w;
	struct job j;
	bool timer;

	free(arg);
	while (next_work(p, w, &j, &timer)) {
		j.j_fn(j.j_arg);
		pthread_mutex_lock(&w->w_lock);
		if (timer)
			w->w_timers++;
		else
			w->w_jobs++;
		pthread_mutex_unlock(&w->w_lock);
	}
	return NULL;
}

static int worker_start(struct pool *p, struct worker *w)
{
	struct worker_arg *a = malloc(sizeof(*a));

	if (!a)
		return GW_E_NOMEM;
	*a = (struct worker_arg){ p, w };
	if (pthread_create(&w->w_thread, NULL, worker_main, a)) {
		free(a);
		return GW_E_IO;
	}
	return 0;
}

static int worker_init(struct pool *p, struct worker *w)
{
	pthread_condattr_t ca;

	if (!(w->w_ring = calloc(p->p_qlen, sizeof(*w->w_ring))))
		return GW_E_NOMEM;
	pthread_mutex_init(&w->w_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->w_cond, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int pool_new(unsigned workers, unsigned queue_len, struct pool **out)
{
	struct pool *p;
	int r = 0;

	if (!workers)
		workers = util_cpus_usable();
	if (!queue_len || workers > 1024)
		return GW_E_INVAL;
	if (!(p = calloc(1, sizeof(*p))) || !(p->p_w = calloc(workers, sizeof(*p->p_w)))) {
		free(p);
		return GW_E_NOMEM;
	}
	p->p_qlen = queue_len;
	for (unsigned i = 0; i < workers && !r; i++) {
		if (!(r = worker_init(p, &p->p_w[i])))
			p->p_alloc = i + 1;
	}
	for (unsigned i = 0; i < workers && !r; i++) {
		if (!(r = worker_start(p, &p->p_w[i])))
			p->p_n = i + 1;
	}
	if (r) {
		pool_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->p_n; i++) {
		struct worker *w = &p->p_w[i];

		pthread_mutex_lock(&w->w_lock);
		w->w_stop = true;
		pthread_cond_signal(&w->w_cond);
		pthread_mutex_unlock(&w->w_lock);
		pthread_join(w->w_thread, NULL);
	}
	for (unsigned i = 0; i < p->p_alloc; i++) {
		struct worker *w = &p->p_w[i];

		for (size_t t = 0; t < w->w_nheap; t++)
			if (w->w_heap[t].t_free)
				w->w_heap[t].t_free(w->w_heap[t].t_arg);
		pthread_mutex_destroy(&w->w_lock);
		pthread_cond_destroy(&w->w_cond);
		free(w->w_heap);
		free(w->w_ring);
	}
	free(p->p_w);
	free(p);
}

unsigned pool_workers(const struct pool *p)
{
	return p->p_n;
}

/* A stable spread of keys over workers (SPIs are random already; the mix
 * keeps structured keys such as small counters spread too). */
static struct worker *worker_of(struct pool *p, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return &p->p_w[key % p->p_n];
}

int pool_submit(struct pool *p, uint64_t key, pool_fn fn, void *arg)
{
	struct worker *w = worker_of(p, key);
	int r = 0;

	pthread_mutex_lock(&w->w_lock);
	if (w->w_stop || w->w_count == p->p_qlen) {
		w->w_dropped++;
		r = GW_E_RANGE;
	} else {
		w->w_ring[(w->w_head + w->w_count) % p->p_qlen] = (struct job){ fn, arg };
		w->w_count++;
		pthread_cond_signal(&w->w_cond);
	}
	pthread_mutex_unlock(&w->w_lock);
	return r;
}

int pool_timer(struct pool *p, uint64_t key, uint32_t ms, pool_fn fn, pool_fn free_fn, void *arg)
{
	struct worker *w = worker_of(p, key);
	struct timer t = { pool_now_ms() + ms, 0, fn, free_fn, arg };
	int r = 0;

	pthread_mutex_lock(&w->w_lock);
	if (w->w_stop) {
		r = GW_E_STATE;
	} else if (w->w_nheap == w->w_capheap) {
		size_t cap = w->w_capheap ? w->w_capheap * 2 : 64;
		struct timer *h = realloc(w->w_heap, cap * sizeof(*h));

		if (!h)
			r = GW_E_NOMEM;
		else {
			w->w_heap = h;
			w->w_capheap = cap;
		}
	}
	if (!r) {
		t.t_seq = w->w_seq++;
		heap_push(w, &t);
		/* wake the worker only if this timer is now the earliest */
		if (w->w_heap[0].t_seq == t.t_seq)
			pthread_cond_signal(&w->w_cond);
	}
	pthread_mutex_unlock(&w->w_lock);
	return r;
}

void pool_get_stats(struct pool *p, struct pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < p->p_n; i++) {
		struct worker *w = &p->p_w[i];

		pthread_mutex_lock(&w->w_lock);
		st->ps_jobs += w->w_jobs;
		st->ps_timers += w->w_timers;
		st->ps_dropped += w->w_dropped;
		st->ps_pending += w->w_count;
		pthread_mutex_unlock(&w->w_lock);
	}
}
