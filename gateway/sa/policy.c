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
	size_t pe_n;
	struct pol_holder *pe_h; /* pe_h[pe_n - 1] is installed */
};

struct sa_policies {
	pthread_mutex_t sp_lock;
	struct pol_entry *sp_list;
};

struct sa_policies *sa_policies_new(void)
{
	struct sa_policies *sp = calloc(1, sizeof(*sp));

	if (sp)
		pthread_mutex_init(&sp->sp_lock, NULL);
	return sp;
}

void sa_policies_free(struct sa_policies *sp)
{
	if (!sp)
		return;
	for (struct pol_entry *p = sp->sp_list, *n; p; p = n) {
		n = p->pe_next;
		free(p->pe_h);
		free(p);
	}
	pthread_mutex_destroy(&sp->sp_lock);
	free(sp);
}

static bool same_key(const struct dp_policy *a, const struct dp_policy *b)
{
	return a->p_dir == b->p_dir && a->p_mark == b->p_mark &&
	       !memcmp(&a->p_sel, &b->p_sel, sizeof(a->p_sel));
}

static struct pol_entry **find(struct sa_policies *sp, const struct dp_policy *pol)
{
	struct pol_entry **pp = &sp->sp_list;

	while (*pp && !same_key(&(*pp)->pe_h[0].h_pol, pol))
		pp = &(*pp)->pe_next;
	return pp;
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
	struct pol_entry **pp, *p;
	struct pol_holder *h;
	int r;

	pthread_mutex_lock(&sp->sp_lock);
	if (!*(pp = find(sp, pol))) {
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
		*pp = p;
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
	struct sa_policies *sp = e->e_policies;
	struct pol_entry **pp, *p;

	pthread_mutex_lock(&sp->sp_lock);
	if (!(p = *(pp = find(sp, pol))))
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
	struct sa_policies *sp = e->e_policies;
	struct pol_entry *p;
	struct dp_policy a, b;
	uint32_t reqid = 0;

	pthread_mutex_lock(&sp->sp_lock);
	if ((p = *find(sp, pol))) {
		a = p->pe_h[p->pe_n - 1].h_pol;
		b = *pol;
		a.p_reqid = b.p_reqid = 0;
		if (!memcmp(&a, &b, sizeof(a)))
			reqid = p->pe_h[p->pe_n - 1].h_pol.p_reqid;
	}
	pthread_mutex_unlock(&sp->sp_lock);
	return reqid;
}
