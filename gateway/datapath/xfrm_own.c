/*
 * xfrm_own.c: the SAs and policies this run of the xfrm backend
 * installed. dp_free() deletes exactly these; dp_sa_del(), dp_sa_stats()
 * and dp_policy_del() refuse anything else (never touch others' state);
 * the event thread reports expires and acquires only for these. Plain
 * arrays with linear search: a gateway has thousands of SAs at most, and
 * lookups are rare next to packet processing, which the kernel does.
 */
#include <stdlib.h>
#include <string.h>

#include "datapath/xfrm_be.h"
#include "util/err.h"

uint32_t xfrm_own_next_seq(struct xfrm_be *xb)
{
	uint32_t n;

	pthread_mutex_lock(&xb->xb_own_lock);
	xb->xb_seq_n = (xb->xb_seq_n + 1) & XFRM_TAG_N_MAX;
	if (xb->xb_seq_n == 0)
		xb->xb_seq_n = 1;
	n = xb->xb_seq_n;
	pthread_mutex_unlock(&xb->xb_own_lock);
	return XFRM_TAG | n;
}

static bool index_used(const struct xfrm_be *xb, uint32_t index)
{
	size_t i;

	for (i = 0; i < xb->xb_npols; i++)
		if (xb->xb_pols[i].op_index == index)
			return true;
	return false;
}

uint32_t xfrm_own_next_index(struct xfrm_be *xb, int xdir)
{
	uint32_t index, tries;

	pthread_mutex_lock(&xb->xb_own_lock);
	for (tries = 0; tries <= XFRM_POL_N_MAX; tries++) {
		xb->xb_pol_n = (xb->xb_pol_n + 1) & XFRM_POL_N_MAX;
		index = XFRM_TAG | xb->xb_pol_n << 3 | (uint32_t)xdir;
		if (!index_used(xb, index))
			break;
	}
	pthread_mutex_unlock(&xb->xb_own_lock);
	return index;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((p = realloc(*arr, ncap * elem)) == NULL)
		return GW_E_NOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static ssize_t sa_find(const struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst)
{
	size_t i;

	for (i = 0; i < xb->xb_nsas; i++)
		if (xb->xb_sas[i].os_spi == spi && xfrm_addr_equal(&xb->xb_sas[i].os_dst, dst))
			return (ssize_t)i;
	return -1;
}

int xfrm_own_sa_put(struct xfrm_be *xb, const struct xfrm_own_sa *os)
{
	ssize_t i;
	int rc = 0;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((i = sa_find(xb, os->os_spi, &os->os_dst)) >= 0)
		xb->xb_sas[i] = *os;
	else if ((rc = grow((void **)&xb->xb_sas, &xb->xb_capsas, xb->xb_nsas,
			    sizeof(*xb->xb_sas))) == 0)
		xb->xb_sas[xb->xb_nsas++] = *os;
	pthread_mutex_unlock(&xb->xb_own_lock);
	return rc;
}

bool xfrm_own_sa_get(struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst,
		     struct xfrm_own_sa *os)
{
	ssize_t i;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((i = sa_find(xb, spi, dst)) >= 0 && os != NULL)
		*os = xb->xb_sas[i];
	pthread_mutex_unlock(&xb->xb_own_lock);
	return i >= 0;
}

void xfrm_own_sa_remove(struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst)
{
	ssize_t i;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((i = sa_find(xb, spi, dst)) >= 0)
		xb->xb_sas[i] = xb->xb_sas[--xb->xb_nsas];
	pthread_mutex_unlock(&xb->xb_own_lock);
}

bool xfrm_own_sa_pop(struct xfrm_be *xb, struct xfrm_own_sa *os)
{
	bool found;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((found = xb->xb_nsas > 0))
		*os = xb->xb_sas[--xb->xb_nsas];
	pthread_mutex_unlock(&xb->xb_own_lock);
	return found;
}

static bool sel_equal(const struct dp_selector *a, const struct dp_selector *b)
{
	return a->s_family == b->s_family && xfrm_addr_equal(&a->s_src, &b->s_src) &&
	       xfrm_addr_equal(&a->s_dst, &b->s_dst) && a->s_src_plen == b->s_src_plen &&
	       a->s_dst_plen == b->s_dst_plen && a->s_proto == b->s_proto &&
	       a->s_sport == b->s_sport && a->s_sport_mask == b->s_sport_mask &&
	       a->s_dport == b->s_dport && a->s_dport_mask == b->s_dport_mask;
}

int xfrm_own_pol_put(struct xfrm_be *xb, const struct xfrm_own_pol *op)
{
	int rc;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((rc = grow((void **)&xb->xb_pols, &xb->xb_cappols, xb->xb_npols,
		       sizeof(*xb->xb_pols))) == 0)
		xb->xb_pols[xb->xb_npols++] = *op;
	pthread_mutex_unlock(&xb->xb_own_lock);
	return rc;
}

bool xfrm_own_pol_get(struct xfrm_be *xb, const struct dp_selector *sel, enum dp_dir dir,
		      uint32_t mark, uint32_t mark_mask, struct xfrm_own_pol *op)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&xb->xb_own_lock);
	for (i = 0; i < xb->xb_npols && !found; i++) {
		const struct xfrm_own_pol *p = &xb->xb_pols[i];

		if (p->op_dir == dir && p->op_mark == mark && p->op_mark_mask == mark_mask &&
		    sel_equal(&p->op_sel, sel)) {
			*op = *p;
			found = true;
		}
	}
	pthread_mutex_unlock(&xb->xb_own_lock);
	return found;
}

bool xfrm_own_pol_is_trap(struct xfrm_be *xb, uint32_t index)
{
	bool trap = false;
	size_t i;

	pthread_mutex_lock(&xb->xb_own_lock);
	for (i = 0; i < xb->xb_npols; i++)
		if (xb->xb_pols[i].op_index == index)
			trap = xb->xb_pols[i].op_trap;
	pthread_mutex_unlock(&xb->xb_own_lock);
	return trap;
}

void xfrm_own_pol_remove(struct xfrm_be *xb, uint32_t index)
{
	size_t i;

	pthread_mutex_lock(&xb->xb_own_lock);
	for (i = 0; i < xb->xb_npols; i++) {
		if (xb->xb_pols[i].op_index == index) {
			xb->xb_pols[i] = xb->xb_pols[--xb->xb_npols];
			break;
		}
	}
	pthread_mutex_unlock(&xb->xb_own_lock);
}

bool xfrm_own_pol_pop(struct xfrm_be *xb, struct xfrm_own_pol *op)
{
	bool found;

	pthread_mutex_lock(&xb->xb_own_lock);
	if ((found = xb->xb_npols > 0))
		*op = xb->xb_pols[--xb->xb_npols];
	pthread_mutex_unlock(&xb->xb_own_lock);
	return found;
}

void xfrm_own_clear(struct xfrm_be *xb)
{
	pthread_mutex_lock(&xb->xb_own_lock);
	free(xb->xb_sas);
	free(xb->xb_pols);
	xb->xb_sas = NULL;
	xb->xb_pols = NULL;
	xb->xb_nsas = xb->xb_capsas = xb->xb_npols = xb->xb_cappols = 0;
	pthread_mutex_unlock(&xb->xb_own_lock);
}
