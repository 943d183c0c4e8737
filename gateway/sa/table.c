/* The IKE SA table: segmented hash maps with per-entry checkout. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"

#define SEGMENTS 64
#define BUCKETS  1024 /* per segment; chains grow beyond */

struct entry {
	struct entry *e_next;
	uint64_t e_key;
	struct ike_sa *e_sa;
	bool e_out;  /* checked out */
	bool e_gone; /* removed while others waited */
	unsigned e_waiters;
};

struct half {
	struct half *h_next;
	uint64_t h_spi_i;
	struct sa_ep h_peer;
	uint64_t h_spi;
};

struct segment {
	pthread_mutex_t g_lock;
	pthread_cond_t g_cond;
	struct entry *g_buckets[BUCKETS];
	struct half *g_half[BUCKETS];
	size_t g_count, g_half_count;
};

struct sa_table {
	struct segment t_seg[SEGMENTS];
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 31;
	k *= 0x7fb5d329728ea185ULL;
	k ^= k >> 27;
	k *= 0x81dadef4bc2dd44dULL;
	return k ^ (k >> 33);
}

static struct segment *seg_of(struct sa_table *t, uint64_t h)
{
	return &t->t_seg[h % SEGMENTS];
}

static size_t bucket_of(uint64_t h)
{
	return (size_t)((h / SEGMENTS) % BUCKETS);
}

struct sa_table *sa_table_new(void)
{
	struct sa_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (int i = 0; i < SEGMENTS; i++) {
		pthread_mutex_init(&t->t_seg[i].g_lock, NULL);
		pthread_cond_init(&t->t_seg[i].g_cond, NULL);
	}
	return t;
}

void sa_table_free(struct sa_table *t, void (*destroy)(struct ike_sa *sa))
{
	if (!t)
		return;
	for (int i = 0; i < SEGMENTS; i++) {
		struct segment *g = &t->t_seg[i];

		for (size_t b = 0; b < BUCKETS; b++) {
			for (struct entry *e = g->g_buckets[b], *n; e; e = n) {
				n = e->e_next;
				if (destroy)
					destroy(e->e_sa);
				free(e);
			}
			for (struct half *h = g->g_half[b], *n; h; h = n) {
				n = h->h_next;
				free(h);
			}
		}
		pthread_mutex_destroy(&g->g_lock);
		pthread_cond_destroy(&g->g_cond);
	}
	free(t);
}

static struct entry **find(struct segment *g, uint64_t h, uint64_t key)
{
	struct entry **pp = &g->g_buckets[bucket_of(h)];

	while (*pp && (*pp)->e_key != key)
		pp = &(*pp)->e_next;
	return pp;
}

int sa_table_insert(struct sa_table *t, uint64_t spi, struct ike_sa *sa)
{
	uint64_t h = mix(spi);
	struct segment *g = seg_of(t, h);
	struct entry **pp, *e;
	int r = 0;

	if (!(e = calloc(1, sizeof(*e))))
		return GW_E_NOMEM;
	e->e_key = spi;
	e->e_sa = sa;
	e->e_out = true;
	pthread_mutex_lock(&g->g_lock);
	pp = find(g, h, spi);
	if (*pp || spi == 0) {
		r = GW_E_EXISTS;
		free(e);
	} else {
		*pp = e;
		g->g_count++;
	}
	pthread_mutex_unlock(&g->g_lock);
	return r;
}

struct ike_sa *sa_table_checkout(struct sa_table *t, uint64_t spi)
{
	uint64_t h = mix(spi);
	struct segment *g = seg_of(t, h);
	struct ike_sa *sa = NULL;
	struct entry *e;

	pthread_mutex_lock(&g->g_lock);
	e = *find(g, h, spi);
	if (e) {
		e->e_waiters++;
		while (e->e_out && !e->e_gone)
			pthread_cond_wait(&g->g_cond, &g->g_lock);
		e->e_waiters--;
		if (e->e_gone) {
			if (!e->e_waiters)
				free(e); /* the last waiter frees a removed entry */
		} else {
			e->e_out = true;
			sa = e->e_sa;
		}
	}
	pthread_mutex_unlock(&g->g_lock);
	return sa;
}

void sa_table_checkin(struct sa_table *t, uint64_t spi)
{
	uint64_t h = mix(spi);
	struct segment *g = seg_of(t, h);
	struct entry *e;

	pthread_mutex_lock(&g->g_lock);
	if ((e = *find(g, h, spi))) {
		e->e_out = false;
		if (e->e_waiters)
			pthread_cond_broadcast(&g->g_cond);
	}
	pthread_mutex_unlock(&g->g_lock);
}

void sa_table_remove(struct sa_table *t, uint64_t spi)
{
	uint64_t h = mix(spi);
	struct segment *g = seg_of(t, h);
	struct entry **pp, *e;

	pthread_mutex_lock(&g->g_lock);
	pp = find(g, h, spi);
	if ((e = *pp)) {
		*pp = e->e_next;
		g->g_count--;
		if (e->e_waiters) {
			e->e_gone = true;
			pthread_cond_broadcast(&g->g_cond);
		} else {
			free(e);
		}
	}
	pthread_mutex_unlock(&g->g_lock);
}

size_t sa_table_count(struct sa_table *t)
{
	size_t n = 0;

	for (int i = 0; i < SEGMENTS; i++) {
		pthread_mutex_lock(&t->t_seg[i].g_lock);
		n += t->t_seg[i].g_count;
		pthread_mutex_unlock(&t->t_seg[i].g_lock);
	}
	return n;
}

size_t sa_table_spis(struct sa_table *t, uint64_t **spis)
{
	size_t n = 0, cap = 0;
	uint64_t *out = NULL, *p;

	for (int i = 0; i < SEGMENTS; i++) {
		struct segment *g = &t->t_seg[i];

		pthread_mutex_lock(&g->g_lock);
		if (n + g->g_count > cap) {
			cap = (n + g->g_count) * 2 + 16;
			if (!(p = realloc(out, cap * sizeof(*out)))) {
				pthread_mutex_unlock(&g->g_lock);
				break;
			}
			out = p;
		}
		for (size_t b = 0; b < BUCKETS; b++)
			for (struct entry *e = g->g_buckets[b]; e; e = e->e_next)
				out[n++] = e->e_key;
		pthread_mutex_unlock(&g->g_lock);
	}
	*spis = out;
	return n;
}

static uint64_t half_hash(uint64_t spi_i, const struct sa_ep *peer)
{
	uint64_t h = spi_i ^ ((uint64_t)peer->ep_port << 48) ^ peer->ep_family;

	for (int i = 0; i < 16; i += 8) {
		uint64_t w;

		memcpy(&w, peer->ep_addr + i, 8);
		h = mix(h ^ w);
	}
	return mix(h);
}

static bool same_peer(const struct half *x, uint64_t spi_i, const struct sa_ep *peer)
{
	return x->h_spi_i == spi_i && x->h_peer.ep_family == peer->ep_family &&
	       x->h_peer.ep_port == peer->ep_port &&
	       !memcmp(x->h_peer.ep_addr, peer->ep_addr, sizeof(peer->ep_addr));
}

int sa_table_halfopen_add(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer,
			  uint64_t spi)
{
	uint64_t h = half_hash(spi_i, peer);
	struct segment *g = seg_of(t, h);
	struct half *x = calloc(1, sizeof(*x));

	if (!x)
		return GW_E_NOMEM;
	*x = (struct half){ NULL, spi_i, *peer, spi };
	pthread_mutex_lock(&g->g_lock);
	x->h_next = g->g_half[bucket_of(h)];
	g->g_half[bucket_of(h)] = x;
	g->g_half_count++;
	pthread_mutex_unlock(&g->g_lock);
	return 0;
}

int sa_table_halfopen_find(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer,
			   uint64_t *spi)
{
	uint64_t h = half_hash(spi_i, peer);
	struct segment *g = seg_of(t, h);
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&g->g_lock);
	for (struct half *x = g->g_half[bucket_of(h)]; x; x = x->h_next) {
		if (same_peer(x, spi_i, peer)) {
			*spi = x->h_spi;
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&g->g_lock);
	return r;
}

void sa_table_halfopen_del(struct sa_table *t, uint64_t spi_i, const struct sa_ep *peer)
{
	uint64_t h = half_hash(spi_i, peer);
	struct segment *g = seg_of(t, h);

	pthread_mutex_lock(&g->g_lock);
	for (struct half **pp = &g->g_half[bucket_of(h)]; *pp; pp = &(*pp)->h_next) {
		if (same_peer(*pp, spi_i, peer)) {
			struct half *x = *pp;

			*pp = x->h_next;
			free(x);
			g->g_half_count--;
			break;
		}
	}
	pthread_mutex_unlock(&g->g_lock);
}

size_t sa_table_halfopen_count(struct sa_table *t)
{
	size_t n = 0;

	for (int i = 0; i < SEGMENTS; i++) {
		pthread_mutex_lock(&t->t_seg[i].g_lock);
		n += t->t_seg[i].g_half_count;
		pthread_mutex_unlock(&t->t_seg[i].g_lock);
	}
	return n;
}
