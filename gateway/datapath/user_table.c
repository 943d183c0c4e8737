/*
 * user_table.c: copy-on-write SA and policy tables with epoch-based
 * reclamation. Writers are rare (IKE installs and deletes SAs), packets are
 * not: readers pay one store on entry and one on exit, writers copy.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "datapath/user_table.h"
#include "util/err.h"

#define CACHELINE 64

struct rd_slot {
	_Atomic uint64_t rs_epoch; /* 0 = outside; else the epoch it entered in */
	char rs_pad[CACHELINE - sizeof(uint64_t)];
};

struct user_table {
	struct rd_slot ut_slots[USER_RD_SLOTS];
	_Atomic uint64_t ut_epoch;
	_Atomic(struct user_snap *) ut_snap;
	unsigned ut_reserved;

	pthread_mutex_t ut_wlock; /* writers: everything below */
	struct user_sa **ut_sas;
	size_t ut_nsas, ut_capsas;
	struct user_pol **ut_pols;
	size_t ut_npols, ut_cappols;
	uint64_t ut_serial;
};

/* Objects a writer unlinks; freed once no reader can see them. */
struct retire {
	struct user_snap *rt_snap;
	struct user_sa *rt_sa;
	bool rt_sa_esp; /* free the esp_sa too (delete, not update) */
	struct user_pol *rt_pol;
};

bool user_addr_eq(const struct dp_addr *a, const struct dp_addr *b)
{
	size_t n = a->a_family == AF_INET ? 4 : 16;

	return a->a_family == b->a_family && memcmp(a->a_addr, b->a_addr, n) == 0;
}

bool user_addr_is_zero(const struct dp_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->a_addr, zero, sizeof(zero)) == 0;
}

static void snap_free(struct user_snap *sn)
{
	if (!sn)
		return;
	free(sn->sn_in);
	free(sn->sn_out);
	free(sn->sn_inpol);
	free(sn->sn_all);
	free(sn);
}

static void sa_free(struct user_sa *sa, bool esp)
{
	if (!sa)
		return;
	if (esp)
		esp_sa_free(sa->us_esp);
	free(sa);
}

int user_table_new(struct user_table **out)
{
	struct user_table *t;

	*out = NULL;
	if (posix_memalign((void **)&t, CACHELINE, sizeof(*t)) != 0)
		return GW_E_NOMEM;
	memset(t, 0, sizeof(*t));
	atomic_init(&t->ut_epoch, 1);
	pthread_mutex_init(&t->ut_wlock, NULL);
	atomic_init(&t->ut_snap, calloc(1, sizeof(struct user_snap)));
	if (!atomic_load(&t->ut_snap)) {
		free(t);
		return GW_E_NOMEM;
	}
	*out = t;
	return 0;
}

void user_table_free(struct user_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ut_nsas; i++)
		sa_free(t->ut_sas[i], true);
	for (size_t i = 0; i < t->ut_npols; i++)
		free(t->ut_pols[i]);
	free(t->ut_sas);
	free(t->ut_pols);
	snap_free(atomic_load(&t->ut_snap));
	pthread_mutex_destroy(&t->ut_wlock);
	free(t);
}

int user_table_reserve(struct user_table *t, unsigned n)
{
	if (n >= USER_RD_SLOTS / 2)
		return GW_E_RANGE;
	t->ut_reserved = n;
	return 0;
}

/*
 * The reader publishes its epoch, then loads the snapshot; the writer
 * publishes the snapshot, then scans the epochs (all seq_cst). Either the
 * writer sees the reader and waits, or the reader sees the new snapshot.
 */
const struct user_snap *user_table_enter(struct user_table *t, unsigned slot)
{
	atomic_store(&t->ut_slots[slot].rs_epoch, atomic_load(&t->ut_epoch));
	return atomic_load(&t->ut_snap);
}

const struct user_snap *user_table_enter_any(struct user_table *t, unsigned *slot)
{
	unsigned nshared = USER_RD_SLOTS - t->ut_reserved;
	unsigned start = (unsigned)((uintptr_t)pthread_self() >> 6);

	for (;;) {
		for (unsigned i = 0; i < nshared; i++) {
			unsigned s = t->ut_reserved + (start + i) % nshared;
			uint64_t zero = 0;

			if (atomic_compare_exchange_strong(&t->ut_slots[s].rs_epoch, &zero,
							   atomic_load(&t->ut_epoch))) {
				*slot = s;
				return atomic_load(&t->ut_snap);
			}
		}
		sched_yield();
	}
}

void user_table_leave(struct user_table *t, unsigned slot)
{
	atomic_store_explicit(&t->ut_slots[slot].rs_epoch, 0, memory_order_release);
}

/* Waits until no reader can still hold a snapshot published before now. */
static void synchronize(struct user_table *t)
{
	uint64_t e = atomic_fetch_add(&t->ut_epoch, 1) + 1;
	struct timespec ts = { 0, 20000 };

	for (unsigned i = 0; i < USER_RD_SLOTS; i++) {
		uint64_t v;

		while ((v = atomic_load(&t->ut_slots[i].rs_epoch)) != 0 && v < e)
			nanosleep(&ts, NULL);
	}
}

static size_t spi_hash(uint32_t spi, size_t mask)
{
	return (size_t)((spi * 0x9e3779b1u) >> 7) & mask;
}

struct user_sa *user_snap_in(const struct user_snap *sn, uint32_t spi, const struct dp_addr *dst)
{
	if (!sn->sn_in)
		return NULL;
	for (size_t i = spi_hash(spi, sn->sn_in_mask);; i = (i + 1) & sn->sn_in_mask) {
		struct user_sa *sa = sn->sn_in[i];

		if (!sa)
			return NULL;
		if (sa->us_spi == spi && user_addr_eq(&sa->us_dst, dst))
			return sa;
	}
}

/* XFRM policies carry a mark; our packets have none (mark 0). */
static bool pol_mark_ok(const struct dp_policy *p)
{
	return (p->p_mark & p->p_mark_mask) == 0;
}

const struct user_polent *user_snap_out(const struct user_snap *sn, const struct pkt_flow *f)
{
	for (size_t i = 0; i < sn->sn_nout; i++)
		if (pkt_sel_match(&sn->sn_out[i].pe_pol->up_pol.p_sel, f))
			return &sn->sn_out[i];
	return NULL;
}

bool user_snap_in_allowed(const struct user_snap *sn, const struct user_sa *sa,
			  const struct pkt_flow *f)
{
	bool any = false;

	if (!pkt_sel_is_any(&sa->us_sel) && !pkt_sel_match(&sa->us_sel, f))
		return false;
	if (sa->us_reqid == 0)
		return true;
	for (size_t i = 0; i < sn->sn_ninpol; i++) {
		const struct dp_policy *p = &sn->sn_inpol[i]->up_pol;

		if (p->p_reqid != sa->us_reqid)
			continue;
		if (pkt_sel_match(&p->p_sel, f))
			return true;
		any = true;
	}
	return !any;
}

/* The SA an outbound policy uses: its template's (reqid, mode, tunnel
 * destination), the newest live one as XFRM picks. */
static bool sa_fits(const struct user_sa *sa, const struct dp_policy *p)
{
	if (sa->us_inbound || sa->us_mode != p->p_mode || esp_sa_dead(sa->us_esp))
		return false;
	if (p->p_reqid && sa->us_reqid != p->p_reqid)
		return false;
	if (!user_addr_is_zero(&p->p_tmpl_dst))
		return user_addr_eq(&sa->us_dst, &p->p_tmpl_dst);
	return p->p_reqid != 0;
}

static struct user_sa *resolve(const struct user_table *t, const struct dp_policy *p)
{
	struct user_sa *best = NULL;

	for (size_t i = 0; i < t->ut_nsas; i++) {
		struct user_sa *sa = t->ut_sas[i];

		if (sa_fits(sa, p) && (!best || sa->us_serial > best->us_serial))
			best = sa;
	}
	return best;
}

static int build_in(const struct user_table *t, struct user_snap *sn)
{
	size_t n = 16;

	while (n < 2 * t->ut_nsas)
		n *= 2;
	if (!(sn->sn_in = calloc(n, sizeof(*sn->sn_in))))
		return GW_E_NOMEM;
	sn->sn_in_mask = n - 1;
	for (size_t i = 0; i < t->ut_nsas; i++) {
		struct user_sa *sa = t->ut_sas[i];
		size_t h;

		if (!sa->us_inbound)
			continue;
		for (h = spi_hash(sa->us_spi, sn->sn_in_mask); sn->sn_in[h];
		     h = (h + 1) & sn->sn_in_mask)
			;
		sn->sn_in[h] = sa;
	}
	return 0;
}

static int build_pols(const struct user_table *t, struct user_snap *sn)
{
	size_t np = t->ut_npols ? t->ut_npols : 1;

	sn->sn_out = calloc(np, sizeof(*sn->sn_out));
	sn->sn_inpol = calloc(np, sizeof(*sn->sn_inpol));
	if (!sn->sn_out || !sn->sn_inpol)
		return GW_E_NOMEM;
	/* ut_pols is kept sorted by priority (stable), so is sn_out. */
	for (size_t i = 0; i < t->ut_npols; i++) {
		struct user_pol *up = t->ut_pols[i];

		if (!pol_mark_ok(&up->up_pol))
			continue;
		if (up->up_pol.p_dir == DP_DIR_OUT) {
			sn->sn_out[sn->sn_nout].pe_pol = up;
			sn->sn_out[sn->sn_nout++].pe_sa = resolve(t, &up->up_pol);
		} else {
			sn->sn_inpol[sn->sn_ninpol++] = up;
		}
	}
	return 0;
}

/* Builds the snapshot of the master tables, publishes it, waits out the
 * readers of the old one and frees what rt retired. On allocation failure
 * nothing is published and the caller undoes its change. */
static int publish(struct user_table *t, struct retire *rt)
{
	struct user_snap *sn = calloc(1, sizeof(*sn));
	int r = GW_E_NOMEM;

	if (!sn)
		return r;
	if ((r = build_in(t, sn)) < 0 || (r = build_pols(t, sn)) < 0)
		goto fail;
	if (!(sn->sn_all = calloc(t->ut_nsas ? t->ut_nsas : 1, sizeof(*sn->sn_all)))) {
		r = GW_E_NOMEM;
		goto fail;
	}
	if (t->ut_nsas)
		memcpy(sn->sn_all, t->ut_sas, t->ut_nsas * sizeof(*sn->sn_all));
	sn->sn_nall = t->ut_nsas;
	rt->rt_snap = atomic_exchange(&t->ut_snap, sn);
	synchronize(t);
	snap_free(rt->rt_snap);
	sa_free(rt->rt_sa, rt->rt_sa_esp);
	free(rt->rt_pol);
	return 0;
fail:
	snap_free(sn);
	return r;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	if (!(p = realloc(*arr, c * size)))
		return GW_E_NOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static ssize_t find_sa(const struct user_table *t, uint32_t spi, const struct dp_addr *dst)
{
	for (size_t i = 0; i < t->ut_nsas; i++)
		if (t->ut_sas[i]->us_spi == spi && user_addr_eq(&t->ut_sas[i]->us_dst, dst))
			return (ssize_t)i;
	return -1;
}

int user_table_sa_add(struct user_table *t, struct user_sa *sa)
{
	struct retire rt = { 0 };
	int r;

	pthread_mutex_lock(&t->ut_wlock);
	if (find_sa(t, sa->us_spi, &sa->us_dst) >= 0) {
		r = GW_E_EXISTS;
		goto out;
	}
	if ((r = grow((void **)&t->ut_sas, &t->ut_capsas, t->ut_nsas, sizeof(*t->ut_sas))) < 0)
		goto out;
	sa->us_serial = ++t->ut_serial;
	t->ut_sas[t->ut_nsas++] = sa;
	if ((r = publish(t, &rt)) < 0)
		t->ut_nsas--;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

int user_table_sa_update(struct user_table *t, const struct dp_sa *d)
{
	struct retire rt = { 0 };
	struct user_sa *nsa, *old;
	ssize_t i;
	int r = GW_E_NOTFOUND;

	if (!(nsa = malloc(sizeof(*nsa))))
		return GW_E_NOMEM;
	pthread_mutex_lock(&t->ut_wlock);
	if ((i = find_sa(t, d->sa_spi, &d->sa_dst)) < 0 ||
	    t->ut_sas[i]->us_inbound != d->sa_inbound)
		goto out;
	old = t->ut_sas[i];
	*nsa = *old;
	nsa->us_src = d->sa_src;
	nsa->us_encap_sport = d->sa_encap_sport;
	nsa->us_encap_dport = d->sa_encap_dport;
	t->ut_sas[i] = nsa;
	rt.rt_sa = old; /* the wrapper only: the esp_sa lives on in nsa */
	if ((r = publish(t, &rt)) < 0) {
		t->ut_sas[i] = old;
		goto out;
	}
	esp_sa_set_lifetime(nsa->us_esp, &d->sa_lt);
	nsa = NULL;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	free(nsa);
	return r;
}

static int sa_del_locked(struct user_table *t, size_t i)
{
	struct retire rt = { 0 };
	struct user_sa *old = t->ut_sas[i];
	int r;

	t->ut_sas[i] = t->ut_sas[--t->ut_nsas];
	rt.rt_sa = old;
	rt.rt_sa_esp = true;
	if ((r = publish(t, &rt)) < 0) {
		t->ut_sas[t->ut_nsas++] = t->ut_sas[i];
		t->ut_sas[i] = old;
	}
	return r;
}

int user_table_sa_del(struct user_table *t, uint32_t spi, const struct dp_addr *dst)
{
	ssize_t i;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if ((i = find_sa(t, spi, dst)) >= 0)
		r = sa_del_locked(t, (size_t)i);
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

int user_table_sa_stats(struct user_table *t, uint32_t spi, const struct dp_addr *dst,
			struct dp_sa_stats *st)
{
	ssize_t i;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if ((i = find_sa(t, spi, dst)) >= 0) {
		esp_sa_get_stats(t->ut_sas[i]->us_esp, st);
		r = 0;
	}
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

bool user_table_spi_used(struct user_table *t, uint32_t spi, const struct dp_addr *dst)
{
	bool used;

	pthread_mutex_lock(&t->ut_wlock);
	used = find_sa(t, spi, dst) >= 0;
	pthread_mutex_unlock(&t->ut_wlock);
	return used;
}

static bool sel_eq(const struct dp_selector *a, const struct dp_selector *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static ssize_t find_pol(const struct user_table *t, const struct dp_selector *sel, enum dp_dir dir,
			uint32_t mark, uint32_t mask)
{
	for (size_t i = 0; i < t->ut_npols; i++) {
		const struct dp_policy *p = &t->ut_pols[i]->up_pol;

		if (p->p_dir == dir && sel_eq(&p->p_sel, sel) && p->p_mark == mark &&
		    p->p_mark_mask == mask)
			return (ssize_t)i;
	}
	return -1;
}

int user_table_pol_add(struct user_table *t, const struct dp_policy *p)
{
	struct retire rt = { 0 };
	struct user_pol *up;
	size_t at;
	int r;

	if (!(up = calloc(1, sizeof(*up))))
		return GW_E_NOMEM;
	up->up_pol = *p;
	pthread_mutex_lock(&t->ut_wlock);
	r = GW_E_EXISTS;
	if (find_pol(t, &p->p_sel, p->p_dir, p->p_mark, p->p_mark_mask) >= 0)
		goto out;
	if ((r = grow((void **)&t->ut_pols, &t->ut_cappols, t->ut_npols, sizeof(*t->ut_pols))) < 0)
		goto out;
	/* Lower priority value wins; equal ones keep their order (XFRM). */
	for (at = t->ut_npols; at > 0 && t->ut_pols[at - 1]->up_pol.p_priority > p->p_priority;
	     at--)
		t->ut_pols[at] = t->ut_pols[at - 1];
	t->ut_pols[at] = up;
	t->ut_npols++;
	if ((r = publish(t, &rt)) < 0) {
		memmove(&t->ut_pols[at], &t->ut_pols[at + 1],
			(--t->ut_npols - at) * sizeof(*t->ut_pols));
		goto out;
	}
	up = NULL;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	free(up);
	return r;
}

int user_table_pol_del(struct user_table *t, const struct dp_selector *sel, enum dp_dir dir,
		       uint32_t mark, uint32_t mark_mask)
{
	struct retire rt = { 0 };
	struct user_pol *old;
	ssize_t i;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if ((i = find_pol(t, sel, dir, mark, mark_mask)) < 0)
		goto out;
	old = t->ut_pols[i];
	memmove(&t->ut_pols[i], &t->ut_pols[i + 1],
		(t->ut_npols - (size_t)i - 1) * sizeof(*t->ut_pols));
	t->ut_npols--;
	rt.rt_pol = old;
	if ((r = publish(t, &rt)) < 0) {
		memmove(&t->ut_pols[i + 1], &t->ut_pols[i],
			(t->ut_npols - (size_t)i) * sizeof(*t->ut_pols));
		t->ut_pols[i] = old;
		t->ut_npols++;
	}
out:
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

int user_table_expire(struct user_table *t, uint64_t now)
{
	const struct user_snap *sn;
	unsigned slot;
	bool dead = false;
	int n = 0;

	/* Events go out from a reader section, never under the writer lock,
	 * so a callback that queues a dp_sa_del() job cannot deadlock. */
	sn = user_table_enter_any(t, &slot);
	for (size_t i = 0; i < sn->sn_nall; i++)
		dead |= esp_sa_tick(sn->sn_all[i]->us_esp, now);
	user_table_leave(t, slot);
	if (!dead)
		return 0;
	pthread_mutex_lock(&t->ut_wlock);
	for (size_t i = 0; i < t->ut_nsas;) {
		if (esp_sa_dead(t->ut_sas[i]->us_esp) && sa_del_locked(t, i) == 0)
			n++;
		else
			i++;
	}
	pthread_mutex_unlock(&t->ut_wlock);
	return n;
}
