/*
 * Policies shared by CHILD SAs. Two CHILD SAs may carry the same traffic
 * (a peer that connects twice, and later a rekey, make-before-break), but
 * the data path keeps one policy per selector and direction. This table
 * counts who holds each policy; the newest holder's policy is installed,
 * and when it goes the previous holder's comes back. Thread-safe (one
 * mutex: policy changes happen at setup and teardown only, never per
 * packet and never around crypto).
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
struct sa_policies {
	pthread_mutex_t sp_lock;
	struct pol_entry **sp_bucket;
	size_t sp_nbucket; /* a power of two */
	size_t sp_n;
};

#define POL_BUCKETS_MIN 256

struct sa_policies *sa_policies_new(void)
{
	struct sa_policies *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	if (!(sp->sp_bucket = calloc(POL_BUCKETS_MIN, sizeof(*sp->sp_bucket)))) {
		free(sp);
		return NULL;
	}
	sp->sp_nbucket = POL_BUCKETS_MIN;
	pthread_mutex_init(&sp->sp_lock, NULL);
	return sp;
}

void sa_policies_free(struct sa_policies *sp)
{
	if (!sp)
		return;
	for (size_t b = 0; b < sp->sp_nbucket; b++) {
		for (struct pol_entry *p = sp->sp_bucket[b], *n; p; p = n) {
			n = p->pe_next;
			free(p->pe_h);
			free(p);
		}
	}
	free(sp->sp_bucket);
	pthread_mutex_destroy(&sp->sp_lock);
	free(sp);
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

static struct pol_entry **find(struct sa_policies *sp, const struct dp_policy *pol, uint64_t h)
{
	struct pol_entry **pp = &sp->sp_bucket[h & (sp->sp_nbucket - 1)];

	while (*pp && ((*pp)->pe_hash != h || !same_key(&(*pp)->pe_h[0].h_pol, pol)))
		pp = &(*pp)->pe_next;
	return pp;
}

/* Keep chains short: double the buckets when there are more entries
 * (without memory, the table only gets slower). */
static void grow(struct sa_policies *sp)
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
	struct sa_policies *sp = e->e_policies;
	uint64_t hash = key_hash(pol);
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
		if ((r = replace(e->e_dp, pol))) /* the old one back, if we can */
			replace(e->e_dp, &p->pe_h[p->pe_n - 1].h_pol);
		if (r)
			goto out;
	}
	p->pe_h[p->pe_n++] = (struct pol_holder){ owner, *pol };
	r = 0;
out:
	pthread_mutex_unlock(&sp->sp_lock);
	return r;
}

void sa_policy_release(struct sa_engine *e, const struct dp_policy *pol, uint32_t owner)
{
	struct sa_policies *sp = e->e_policies;
	struct pol_entry **pp, *p;

	pthread_mutex_lock(&sp->sp_lock);
	if (!(p = *(pp = find(sp, pol, key_hash(pol)))))
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
		} else if (was_installed) {
			replace(e->e_dp, &p->pe_h[p->pe_n - 1].h_pol);
		}
		break;
	}
out:
	pthread_mutex_unlock(&sp->sp_lock);
}
