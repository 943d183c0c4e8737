/*
 * Policies shared by CHILD SAs. Two CHILD SAs may carry the same traffic
 * (a peer that connects twice, and later a rekey, make-before-break), but
 * the data path keeps one policy per selector and direction. This table
 * counts who holds each policy; the newest holder's policy is installed,
 * and when it goes the previous holder's comes back. Thread-safe: the
 * table is split in shards by key hash, one mutex each. A shard's mutex is
 * held across the data path call (so a key's holders and what is
 * installed stay in step), and that call can be slow (the userspace data
 * path publishes a snapshot and changes a route over rtnetlink): with one
 * mutex for all, every CHILD SA setup and teardown queued behind it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"

struct pol_holder {
	uint32_t h_owner; /* child uid */
	struct dp_policy h_pol;
};

struct pol_entry {
	struct pol_entry *pe_next;
	uint64_t pe_hash;
	size_t pe_n;
	struct pol_holder *pe_h; /* pe_h[pe_n - 1] is installed */
};

/* A hash table on (direction, mark, selector): every CHILD SA holds a few
 * policies, so a list would make each setup scan all of them. */
struct pol_shard {
	pthread_mutex_t sp_lock;
	struct pol_entry **sp_bucket;
	size_t sp_nbucket; /* a power of two */
	size_t sp_n;
};

#define POL_SHARDS      16
#define POL_BUCKETS_MIN 32

struct sa_policies {
	struct pol_shard sp_shard[POL_SHARDS];
};

static void shard_clear(struct pol_shard *sp)
{
	for (size_t b = 0; b < sp->sp_nbucket; b++) {
		for (struct pol_entry *p = sp->sp_bucket[b], *n; p; p = n) {
			n = p->pe_next;
			free(p->pe_h);
			free(p);
		}
	}
	free(sp->sp_bucket);
	pthread_mutex_destroy(&sp->sp_lock);
}

void sa_policies_free(struct sa_policies *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < POL_SHARDS; i++)
		if (t->sp_shard[i].sp_bucket)
			shard_clear(&t->sp_shard[i]);
	free(t);
}

struct sa_policies *sa_policies_new(void)
{
	struct sa_policies *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < POL_SHARDS; i++) {
		struct pol_shard *sp = &t->sp_shard[i];

		if (!(sp->sp_bucket = calloc(POL_BUCKETS_MIN, sizeof(*sp->sp_bucket)))) {
			sa_policies_free(t);
			return NULL;
		}
		sp->sp_nbucket = POL_BUCKETS_MIN;
		pthread_mutex_init(&sp->sp_lock, NULL);
	}
	return t;
}

static bool same_key(const struct dp_policy *a, const struct dp_policy *b)
{
	return a->p_dir == b->p_dir && a->p_mark == b->p_mark &&
	       !memcmp(&a->p_sel, &b->p_sel, sizeof(a->p_sel));
}

/* FNV-1a over what same_key compares (selectors are built zeroed, so
 * their padding is too). */
static uint64_t key_hash(const struct dp_policy *pol)
{
	const uint8_t *p = (const uint8_t *)&pol->p_sel;
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)pol->p_dir << 32 | pol->p_mark);

	for (size_t i = 0; i < sizeof(pol->p_sel); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* The shard of a key: the hash's high bits (find() uses the low ones). */
static struct pol_shard *shard_of(struct sa_policies *t, uint64_t h)
{
	return &t->sp_shard[(h >> 56) % POL_SHARDS];
}

static struct pol_entry **find(struct pol_shard *sp, const struct dp_policy *pol, uint64_t h)
{
	struct pol_entry **pp = &sp->sp_bucket[h & (sp->sp_nbucket - 1)];

	while (*pp && ((*pp)->pe_hash != h || !same_key(&(*pp)->pe_h[0].h_pol, pol)))
		pp = &(*pp)->pe_next;
	return pp;
}

/* Keep chains short: double the buckets when there are more entries
 * (without memory, the table only gets slower). */
static void grow(struct pol_shard *sp)
{
	size_t nb = sp->sp_nbucket * 2;
	struct pol_entry **b;

	if (sp->sp_n <= sp->sp_nbucket || !(b = calloc(nb, sizeof(*b))))
		return;
	for (size_t i = 0; i < sp->sp_nbucket; i++) {
		for (struct pol_entry *p = sp->sp_bucket[i], *n; p; p = n) {
			n = p->pe_next;
			p->pe_next = b[p->pe_hash & (nb - 1)];
			b[p->pe_hash & (nb - 1)] = p;
		}
	}
	free(sp->sp_bucket);
	sp->sp_bucket = b;
	sp->sp_nbucket = nb;
}

/* Replace what the data path has for this key with pol. */
static int replace(struct datapath *dp, const struct dp_policy *pol)
{
	dp_policy_del(dp, &pol->p_sel, pol->p_dir, pol->p_mark, pol->p_mark_mask);
	return dp_policy_add(dp, pol);
}

int sa_policy_hold(struct sa_engine *e, const struct dp_policy *pol, uint32_t owner)
{
	uint64_t hash = key_hash(pol);
	struct pol_shard *sp = shard_of(e->e_policies, hash);
	struct pol_entry **pp, *p;
	struct pol_holder *h;
	int r;

	pthread_mutex_lock(&sp->sp_lock);
	if (!*(pp = find(sp, pol, hash))) {
		if (!(p = calloc(1, sizeof(*p))) || !(p->pe_h = malloc(sizeof(*p->pe_h)))) {
			free(p);
			r = GW_E_NOMEM;
			goto out;
		}
		if ((r = dp_policy_add(e->e_dp, pol))) {
			free(p->pe_h);
			free(p);
			goto out;
		}
		p->pe_hash = hash;
		*pp = p;
		sp->sp_n++;
		grow(sp);
	} else {
		p = *pp;
		if (!(h = realloc(p->pe_h, (p->pe_n + 1) * sizeof(*h)))) {
			r = GW_E_NOMEM;
			goto out;
		}
		p->pe_h = h;
		/* a rekeyed child keeps reqid and selectors: the same policy,
		 * left in place (no gap in which traffic goes unprotected) */
		if (memcmp(&p->pe_h[p->pe_n - 1].h_pol, pol, sizeof(*pol)) &&
		    (r = replace(e->e_dp, pol))) {
			replace(e->e_dp, &p->pe_h[p->pe_n - 1].h_pol); /* the old one back */
			goto out;
		}
	}
	p->pe_h[p->pe_n++] = (struct pol_holder){ owner, *pol };
	r = 0;
out:
	pthread_mutex_unlock(&sp->sp_lock);
	return r;
}

void sa_policy_release(struct sa_engine *e, const struct dp_policy *pol, uint32_t owner)
{
	uint64_t hash = key_hash(pol);
	struct pol_shard *sp = shard_of(e->e_policies, hash);
	struct pol_entry **pp, *p;

	pthread_mutex_lock(&sp->sp_lock);
	if (!(p = *(pp = find(sp, pol, hash))))
		goto out;
	for (size_t i = 0; i < p->pe_n; i++) {
		if (p->pe_h[i].h_owner != owner)
			continue;
		bool was_installed = i == p->pe_n - 1;

		memmove(&p->pe_h[i], &p->pe_h[i + 1], (p->pe_n - i - 1) * sizeof(p->pe_h[0]));
		p->pe_n--;
		if (!p->pe_n) {
			dp_policy_del(e->e_dp, &pol->p_sel, pol->p_dir, pol->p_mark,
				      pol->p_mark_mask);
			*pp = p->pe_next;
			sp->sp_n--;
			free(p->pe_h);
			free(p);
		} else if (was_installed &&
			   memcmp(&p->pe_h[p->pe_n - 1].h_pol, pol, sizeof(*pol))) {
			replace(e->e_dp, &p->pe_h[p->pe_n - 1].h_pol);
		}
		break;
	}
out:
	pthread_mutex_unlock(&sp->sp_lock);
}

/* The reqid of the installed policy that equals pol but for its reqid;
 * 0 when there is none. */
uint32_t sa_policy_reqid(struct sa_engine *e, const struct dp_policy *pol)
{
	uint64_t hash = key_hash(pol);
	struct pol_shard *sp = shard_of(e->e_policies, hash);
	struct pol_entry *p;
	struct dp_policy a, b;
	uint32_t reqid = 0;

	pthread_mutex_lock(&sp->sp_lock);
	if ((p = *find(sp, pol, hash))) {
		a = p->pe_h[p->pe_n - 1].h_pol;
		b = *pol;
		a.p_reqid = b.p_reqid = 0;
		if (!memcmp(&a, &b, sizeof(a)))
			reqid = p->pe_h[p->pe_n - 1].h_pol.p_reqid;
	}
	pthread_mutex_unlock(&sp->sp_lock);
	return reqid;
}
