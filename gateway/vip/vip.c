/*
 * vip.c: the lease allocator. Each pool hands out its addresses by index
 * (model_pool_addr): indexes below vp_hwm were handed out before (their
 * records are live or on the free list), those above never were, unless a
 * reload moved a lease there (the scan skips any address with a record).
 * So an acquire is a hash lookup, a step of vp_hwm, or the free list's
 * head: no scan of the pool, and memory grows with the addresses used,
 * not the pool's size.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "vip/vip_int.h"
#include "crypto/crypto.h"
#include "util/err.h"

struct vpool {
	struct model_pool vp_cfg;
	uint64_t vp_hwm;
	uint64_t vp_above; /* records at an index >= vp_hwm */
	uint64_t vp_live;
	struct lease *vp_free_head, *vp_free_tail; /* released longest ago first */
	struct vtab vp_by_id;                      /* free leases by last holder */
};

struct vip {
	pthread_mutex_t v_lock;
	struct vpool *v_pools;
	size_t v_n_pools;
	struct vtab v_by_addr; /* every record */
	uint64_t v_id_seed;    /* for every pool's identity table */
	uint64_t v_seq;
};

/* Who asks, with the identity's hash computed once. */
struct who {
	const uint8_t *w_id;
	size_t w_len;
	uint64_t w_hash;
};

int vip_new(struct vip **out)
{
	struct vip *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return GW_E_NOMEM;
	if (crypto_random(&v->v_by_addr.t_seed, sizeof(v->v_by_addr.t_seed)) ||
	    crypto_random(&v->v_id_seed, sizeof(v->v_id_seed))) {
		free(v);
		return GW_E_CRYPTO;
	}
	pthread_mutex_init(&v->v_lock, NULL);
	*out = v;
	return 0;
}

static void lease_free(struct lease *l)
{
	free(l->l_id);
	free(l);
}

/* Every record, in no particular order, into a heap array. */
static struct lease **all_leases(struct vip *v, size_t *n)
{
	struct lease **all = calloc(v->v_by_addr.t_n ? v->v_by_addr.t_n : 1, sizeof(*all));
	size_t k = 0;

	if (!all)
		return NULL;
	for (size_t i = 0; i < v->v_by_addr.t_cap; i++)
		for (struct lease *l = v->v_by_addr.t_b[i]; l; l = l->l_next_addr)
			all[k++] = l;
	*n = k;
	return all;
}

static void pools_free(struct vpool *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vtab_free(&p[i].vp_by_id);
	free(p);
}

void vip_free(struct vip *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->v_by_addr.t_cap; i++) {
		struct lease *l = v->v_by_addr.t_b[i], *next;

		for (; l; l = next) {
			next = l->l_next_addr;
			lease_free(l);
		}
	}
	vtab_free(&v->v_by_addr);
	pools_free(v->v_pools, v->v_n_pools);
	pthread_mutex_destroy(&v->v_lock);
	free(v);
}

static void free_push(struct vpool *p, struct lease *l)
{
	l->l_free_next = NULL;
	l->l_free_prev = p->vp_free_tail;
	if (p->vp_free_tail)
		p->vp_free_tail->l_free_next = l;
	else
		p->vp_free_head = l;
	p->vp_free_tail = l;
}

static void free_unlink(struct vpool *p, struct lease *l)
{
	if (l->l_free_prev)
		l->l_free_prev->l_free_next = l->l_free_next;
	else
		p->vp_free_head = l->l_free_next;
	if (l->l_free_next)
		l->l_free_next->l_free_prev = l->l_free_prev;
	else
		p->vp_free_tail = l->l_free_prev;
	l->l_free_prev = l->l_free_next = NULL;
}

/* A free lease becomes the one its last holder gets back first; an older
 * one of the same holder stays free but anonymous. Losing the memory on
 * ENOMEM costs only that preference. */
static void remember(struct vpool *p, struct lease *l)
{
	struct lease *old = vtab_id_find(&p->vp_by_id, l->l_id, l->l_id_len, l->l_id_hash);

	if (old)
		vtab_id_del(&p->vp_by_id, old);
	vtab_id_add(&p->vp_by_id, l);
}

static bool holder_is(const struct lease *l, const uint8_t *id, size_t len)
{
	return l->l_id_len == len && !memcmp(l->l_id, id, len);
}

static int set_holder(struct lease *l, const struct who *w)
{
	uint8_t *copy;

	if (l->l_id && holder_is(l, w->w_id, w->w_len))
		return 0;
	if (!(copy = malloc(w->w_len ? w->w_len : 1)))
		return GW_E_NOMEM;
	memcpy(copy, w->w_id, w->w_len);
	free(l->l_id);
	l->l_id = copy;
	l->l_id_len = w->w_len;
	l->l_id_hash = w->w_hash;
	return 0;
}

static void go_live(struct vip *v, struct vpool *p, struct lease *l)
{
	l->l_live = true;
	l->l_refs = 1;
	l->l_since = (uint64_t)time(NULL);
	l->l_seq = ++v->v_seq;
	p->vp_live++;
}

/* Take a lease off the free list for w. */
static int take_free(struct vip *v, struct vpool *p, struct lease *l, const struct who *w)
{
	int rc;

	if (vtab_id_find(&p->vp_by_id, l->l_id, l->l_id_len, l->l_id_hash) == l)
		vtab_id_del(&p->vp_by_id, l);
	if ((rc = set_holder(l, w)) != 0) {
		remember(p, l);
		return rc;
	}
	free_unlink(p, l);
	go_live(v, p, l);
	return 0;
}

/* A record for an address never handed out before. */
static int new_lease(struct vip *v, struct vpool *p, const struct model_addr *a, uint64_t idx,
		     const struct who *w, struct lease **out)
{
	struct lease *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return GW_E_NOMEM;
	l->l_addr = *a;
	l->l_pool = p;
	l->l_index = idx;
	if ((rc = set_holder(l, w)) != 0 || (rc = vtab_addr_add(&v->v_by_addr, l)) != 0) {
		lease_free(l);
		return rc;
	}
	go_live(v, p, l);
	*out = l;
	return 0;
}

/* The requested address, if it is in the pool and either never used or
 * last held by w. GW_E_NOTFOUND: not available, fall back. */
static int grant_requested(struct vip *v, struct vpool *p, const struct model_addr *req,
			   const struct who *w, struct lease **out)
{
	uint64_t idx;
	struct lease *l;
	int rc;

	if (!req || req->a_family != p->vp_cfg.p_family ||
	    model_pool_index(&p->vp_cfg, req->a_addr, &idx))
		return GW_E_NOTFOUND;
	if (!(l = vtab_addr_find(&v->v_by_addr, req))) {
		if ((rc = new_lease(v, p, req, idx, w, out)) == 0 && idx >= p->vp_hwm)
			p->vp_above++;
		return rc;
	}
	if (l->l_pool != p || !holder_is(l, w->w_id, w->w_len))
		return GW_E_NOTFOUND;
	*out = l;
	if (l->l_live) { /* its holder asks again (make-before-break reauth) */
		if (l->l_refs == UINT32_MAX)
			return GW_E_RANGE;
		l->l_refs++;
		return 0;
	}
	return take_free(v, p, l, w);
}

/* The next never-used index. Only while some record sits above the mark
 * (a reload or a request put it there) is the address looked up, to step
 * over it. */
static int grant_new(struct vip *v, struct vpool *p, const struct who *w, struct lease **out)
{
	struct model_addr a = { .a_family = p->vp_cfg.p_family };
	int rc;

	while (p->vp_hwm < p->vp_cfg.p_size) {
		if ((rc = model_pool_addr(&p->vp_cfg, p->vp_hwm, a.a_addr)) != 0)
			return rc;
		if (p->vp_above && vtab_addr_find(&v->v_by_addr, &a)) {
			p->vp_above--;
			p->vp_hwm++;
			continue;
		}
		if ((rc = new_lease(v, p, &a, p->vp_hwm, w, out)) == 0)
			p->vp_hwm++;
		return rc;
	}
	return GW_E_RANGE;
}

static int pool_grant(struct vip *v, struct vpool *p, const struct who *w,
		      const struct model_addr *req, struct lease **out)
{
	struct lease *l;
	int rc;

	if ((rc = grant_requested(v, p, req, w, out)) != GW_E_NOTFOUND)
		return rc;
	if ((l = vtab_id_find(&p->vp_by_id, w->w_id, w->w_len, w->w_hash)) != NULL) {
		*out = l;
		return take_free(v, p, l, w);
	}
	if ((rc = grant_new(v, p, w, out)) != GW_E_RANGE)
		return rc;
	if ((l = p->vp_free_head) != NULL) {
		*out = l;
		return take_free(v, p, l, w);
	}
	return GW_E_RANGE;
}

static struct vpool *pool_by_name(struct vip *v, const char *name)
{
	for (size_t i = 0; i < v->v_n_pools; i++)
		if (!strcmp(v->v_pools[i].vp_cfg.p_name, name))
			return &v->v_pools[i];
	return NULL;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* Append to why, never past why_len. */
static void why_add(char *why, size_t why_len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void why_add(char *why, size_t why_len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used >= why_len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(why + *used, why_len - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used += (size_t)k;
}

/* why for an acquire that found nothing: which pools, and how full. */
static void acquire_why(struct vip *v, const char *const *pools, size_t n, int family, bool any,
			char *why, size_t why_len)
{
	size_t used = 0;

	if (!why || !why_len)
		return;
	why[0] = '\0';
	if (!any) {
		why_add(why, why_len, &used, "no %s pool among the connection's pools (",
			family_name(family));
		for (size_t i = 0; i < n; i++)
			why_add(why, why_len, &used, "%s%s", i ? ", " : "", pools[i]);
		why_add(why, why_len, &used, ")");
		return;
	}
	why_add(why, why_len, &used, "%s pool full:", family_name(family));
	for (size_t i = 0; i < n; i++) {
		struct vpool *p = pool_by_name(v, pools[i]);

		if (p && p->vp_cfg.p_family == family)
			why_add(why, why_len, &used, " '%s' has all %llu addresses leased;",
				p->vp_cfg.p_name, (unsigned long long)p->vp_cfg.p_size);
	}
}

int vip_acquire(struct vip *v, const char *const *pools, size_t n_pools, int family,
		const uint8_t *id, size_t id_len, const struct model_addr *requested,
		struct model_addr *out, char *why, size_t why_len)
{
	struct lease *l = NULL;
	struct who w = { id, id_len, 0 };
	bool any = false;
	int rc = GW_E_RANGE;

	if (why && why_len)
		why[0] = '\0';
	if ((family != AF_INET && family != AF_INET6) || !id || id_len == 0 || id_len > VIP_ID_MAX)
		return GW_E_INVAL;
	w.w_hash = vtab_id_hash(v->v_id_seed, id, id_len);
	pthread_mutex_lock(&v->v_lock);
	for (size_t i = 0; i < n_pools; i++) {
		struct vpool *p = pool_by_name(v, pools[i]);

		if (!p || p->vp_cfg.p_family != family)
			continue;
		any = true;
		if ((rc = pool_grant(v, p, &w, requested, &l)) != GW_E_RANGE)
			break;
	}
	if (rc == 0)
		*out = l->l_addr;
	else if (rc == GW_E_RANGE)
		acquire_why(v, pools, n_pools, family, any, why, why_len);
	pthread_mutex_unlock(&v->v_lock);
	return rc == GW_E_RANGE && !any ? GW_E_NOTFOUND : rc;
}

int vip_release(struct vip *v, const struct model_addr *addr, const uint8_t *id, size_t id_len)
{
	bool gone;

	return vip_release_hold(v, addr, id, id_len, &gone);
}

int vip_release_hold(struct vip *v, const struct model_addr *addr, const uint8_t *id, size_t id_len,
		     bool *gone)
{
	struct lease *l;
	int rc = GW_E_NOTFOUND;

	*gone = false;
	pthread_mutex_lock(&v->v_lock);
	l = vtab_addr_find(&v->v_by_addr, addr);
	if (l && l->l_live && holder_is(l, id, id_len) && l->l_refs > 1) {
		l->l_refs--; /* another IKE SA of the holder still has it */
		rc = 0;
	} else if (l && l->l_live && holder_is(l, id, id_len)) {
		l->l_live = false;
		l->l_refs = 0;
		l->l_seq = ++v->v_seq;
		if (!l->l_pool) {
			vtab_addr_del(&v->v_by_addr, l);
			lease_free(l);
		} else {
			l->l_pool->vp_live--;
			free_push(l->l_pool, l);
			remember(l->l_pool, l);
		}
		*gone = true;
		rc = 0;
	}
	pthread_mutex_unlock(&v->v_lock);
	return rc;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct lease *x = *(const struct lease *const *)a,
			   *y = *(const struct lease *const *)b;

	return x->l_seq < y->l_seq ? -1 : x->l_seq > y->l_seq;
}

/* The new pool holding a's address, and its index there, or NULL. */
static struct vpool *pool_holding(struct vpool *pools, size_t n, const struct model_addr *a,
				  uint64_t *idx)
{
	for (size_t i = 0; i < n; i++)
		if (pools[i].vp_cfg.p_family == a->a_family &&
		    model_pool_index(&pools[i].vp_cfg, a->a_addr, idx) == 0)
			return &pools[i];
	return NULL;
}

/* Re-home every record in the new pools, oldest release first so the free
 * lists keep their order and each identity remembers its latest. */
static void migrate(struct vip *v, struct lease **all, size_t n, struct vpool *np, size_t nn)
{
	qsort(all, n, sizeof(*all), seq_cmp);
	for (size_t i = 0; i < n; i++) {
		struct lease *l = all[i];
		uint64_t idx = 0;
		struct vpool *p = pool_holding(np, nn, &l->l_addr, &idx);

		l->l_next_id = l->l_free_prev = l->l_free_next = NULL;
		l->l_pool = p;
		l->l_index = idx;
		if (p && idx >= p->vp_hwm)
			p->vp_above++;
		if (l->l_live) {
			if (p)
				p->vp_live++;
		} else if (p) {
			free_push(p, l);
			remember(p, l);
		} else {
			vtab_addr_del(&v->v_by_addr, l);
			lease_free(l);
		}
	}
}

static bool same_ranges(const struct model_pool *a, const struct model_pool *b)
{
	if (a->p_family != b->p_family || a->p_n_ranges != b->p_n_ranges)
		return false;
	for (size_t k = 0; k < a->p_n_ranges; k++)
		if (memcmp(a->p_ranges[k].pr_start, b->p_ranges[k].pr_start, 16) ||
		    memcmp(a->p_ranges[k].pr_end, b->p_ranges[k].pr_end, 16))
			return false;
	return true;
}

int vip_set_pools(struct vip *v, const struct model_pools *pools)
{
	size_t nn = pools ? pools->ps_n : 0, n = 0;
	struct vpool *np = calloc(nn ? nn : 1, sizeof(*np));
	struct lease **all = NULL;
	int rc = 0;

	if (!np)
		return GW_E_NOMEM;
	pthread_mutex_lock(&v->v_lock);
	if (!(all = all_leases(v, &n))) {
		rc = GW_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nn; i++) {
		struct vpool *old = pool_by_name(v, pools->ps_pools[i].p_name);

		np[i].vp_cfg = pools->ps_pools[i];
		/* Unchanged ranges: the addresses below the mark were used. */
		if (old && same_ranges(&old->vp_cfg, &np[i].vp_cfg))
			np[i].vp_hwm = old->vp_hwm;
	}
	migrate(v, all, n, np, nn);
	pools_free(v->v_pools, v->v_n_pools);
	v->v_pools = np;
	v->v_n_pools = nn;
	np = NULL;
out:
	pthread_mutex_unlock(&v->v_lock);
	free(all);
	if (np)
		pools_free(np, nn);
	return rc;
}

static int info_cmp(const void *a, const void *b)
{
	const struct vip_lease_info *x = a, *y = b;

	if (x->vl_addr.a_family != y->vl_addr.a_family)
		return x->vl_addr.a_family < y->vl_addr.a_family ? -1 : 1;
	return memcmp(x->vl_addr.a_addr, y->vl_addr.a_addr, 16);
}

int vip_list(struct vip *v, struct vip_lease_info **out, size_t *n)
{
	struct vip_lease_info *info = NULL;
	size_t k = 0, records;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&v->v_lock);
	/* Room for every record: retired leases are in no pool's count. */
	records = v->v_by_addr.t_n;
	if (records && !(info = calloc(records, sizeof(*info)))) {
		pthread_mutex_unlock(&v->v_lock);
		return GW_E_NOMEM;
	}
	for (size_t i = 0; i < v->v_by_addr.t_cap; i++) {
		for (struct lease *l = v->v_by_addr.t_b[i]; l; l = l->l_next_addr) {
			struct vip_lease_info *e;

			if (!l->l_live)
				continue;
			e = &info[k++];
			snprintf(e->vl_pool, sizeof(e->vl_pool), "%s",
				 l->l_pool ? l->l_pool->vp_cfg.p_name : "");
			e->vl_addr = l->l_addr;
			e->vl_id_len = l->l_id_len;
			memcpy(e->vl_identity, l->l_id, l->l_id_len);
			e->vl_since = l->l_since;
			e->vl_retired = !l->l_pool;
		}
	}
	pthread_mutex_unlock(&v->v_lock);
	if (k > 1)
		qsort(info, k, sizeof(*info), info_cmp);
	if (k == 0) {
		free(info);
		info = NULL;
	}
	*out = info;
	*n = k;
	return 0;
}

int vip_usage(struct vip *v, struct vip_usage **out, size_t *n)
{
	struct vip_usage *u;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&v->v_lock);
	if (!(u = calloc(v->v_n_pools ? v->v_n_pools : 1, sizeof(*u)))) {
		pthread_mutex_unlock(&v->v_lock);
		return GW_E_NOMEM;
	}
	for (size_t i = 0; i < v->v_n_pools; i++) {
		const struct vpool *p = &v->v_pools[i];

		snprintf(u[i].vu_pool, sizeof(u[i].vu_pool), "%s", p->vp_cfg.p_name);
		u[i].vu_family = p->vp_cfg.p_family;
		u[i].vu_size = p->vp_cfg.p_size;
		u[i].vu_leased = p->vp_live;
	}
	*n = v->v_n_pools;
	pthread_mutex_unlock(&v->v_lock);
	*out = u;
	return 0;
}
