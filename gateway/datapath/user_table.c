/*
 * user_table.c: SA and policy tables read without locks, with epoch-based
 * reclamation. Packets are many, writers few: readers pay one store on
 * entry and one on exit. A writer changes the SA hash table and the SA of
 * an outbound policy in place (atomic stores) and copies only the policy
 * arrays, so a change costs O(1) in the number of SAs: one CHILD SA is five
 * changes, and a full rebuild per change made filling n SAs O(n^2).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "datapath/user_table.h"
#include "util/err.h"

#define CACHELINE 64

struct rd_slot {
	_Atomic uint64_t rs_epoch; /* 0 = outside; else the epoch it entered in */
	char rs_pad[CACHELINE - sizeof(uint64_t)];
};

#define REQID_BUCKETS 4096
#define POL_BUCKETS   16384

struct user_table {
	struct rd_slot ut_slots[USER_RD_SLOTS];
	_Atomic uint64_t ut_epoch;
	_Atomic(struct user_snap *) ut_snap;
	unsigned ut_reserved;

	pthread_mutex_t ut_wlock;          /* writers: everything below */
	_Atomic(struct user_sa *) *ut_tab; /* every SA (readers share it) */
	size_t ut_mask;
	size_t ut_nsas;           /* live entries */
	size_t ut_nused;          /* live entries and tombstones */
	struct user_pol **ut_out; /* mark-free outbound policies, by priority */
	size_t ut_nout, ut_capout;
	struct user_pol **ut_inp; /* mark-free IN and FWD policies */
	size_t ut_ninp, ut_capinp;
	size_t ut_nnoreqid;                      /* in ut_out: no reqid, a tunnel destination */
	struct user_sa *ut_rsa[REQID_BUCKETS];   /* outbound SAs by reqid */
	struct user_pol *ut_rpol[REQID_BUCKETS]; /* ut_out's policies by reqid */
	struct user_pol *ut_polh[POL_BUCKETS];   /* every policy by selector */
	uint64_t ut_serial;
};

/* A deleted slot of the SA hash: lookups go on past it. */
static struct user_sa tomb;

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

static bool live(const struct user_sa *sa)
{
	return sa && sa != &tomb;
}

/*
 * Arrays that grow with the number of SAs and policies (the SA hash, the
 * policy arrays and each snapshot's copy of them) are mappings of their
 * own from ARR_MMAP bytes on. A snapshot's arrays are replaced at every
 * policy change: as heap blocks among the SAs' small ones, in the arena of
 * whichever IKE worker made the change, they left holes the heap could not
 * give back (some 9 MiB of free heap held at 10,000 CHILD SAs, ~900 B of
 * RSS per SA). munmap() returns them whole. Zeroed.
 */
#define ARR_MMAP (64 * 1024)

static void *arr_alloc(size_t bytes)
{
	void *p;

	if (bytes < ARR_MMAP)
		return calloc(1, bytes);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void arr_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < ARR_MMAP)
		free(p);
	else
		munmap(p, bytes);
}

/* A snapshot's two policy arrays are one block: out, then in. */
static size_t snap_bytes(size_t nout, size_t ninp)
{
	return (nout + ninp + 1) * sizeof(struct user_pol *);
}

static void snap_free(struct user_snap *sn)
{
	if (!sn)
		return;
	arr_free(sn->sn_out, snap_bytes(sn->sn_nout, sn->sn_ninpol));
	free(sn);
}

size_t user_sa_size(bool inbound)
{
	return inbound ? sizeof(struct user_sa)
		       : offsetof(struct user_sa, us_rnext) + sizeof(struct user_sa *);
}

static void sa_free(struct user_sa *sa, bool esp)
{
	if (!sa)
		return;
	if (esp)
		esp_sa_free(sa->us_esp);
	free(sa);
}

/* A snapshot of the policy arrays around the current SA hash table. */
static struct user_snap *snap_build(const struct user_table *t)
{
	struct user_snap *sn = calloc(1, sizeof(*sn));

	if (!sn)
		return NULL;
	sn->sn_sas = t->ut_tab;
	sn->sn_sas_mask = t->ut_mask;
	if (!(sn->sn_out = arr_alloc(snap_bytes(t->ut_nout, t->ut_ninp)))) {
		free(sn);
		return NULL;
	}
	sn->sn_inpol = sn->sn_out + t->ut_nout;
	if (t->ut_nout)
		memcpy(sn->sn_out, t->ut_out, t->ut_nout * sizeof(*sn->sn_out));
	if (t->ut_ninp)
		memcpy(sn->sn_inpol, t->ut_inp, t->ut_ninp * sizeof(*sn->sn_inpol));
	sn->sn_nout = t->ut_nout;
	sn->sn_ninpol = t->ut_ninp;
	return sn;
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
	t->ut_mask = 15;
	if (!(t->ut_tab = arr_alloc((t->ut_mask + 1) * sizeof(*t->ut_tab))))
		goto fail;
	atomic_init(&t->ut_snap, snap_build(t));
	if (!atomic_load(&t->ut_snap))
		goto fail;
	*out = t;
	return 0;
fail:
	arr_free(t->ut_tab, (t->ut_mask + 1) * sizeof(*t->ut_tab));
	pthread_mutex_destroy(&t->ut_wlock);
	free(t);
	return GW_E_NOMEM;
}

void user_table_free(struct user_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i <= t->ut_mask; i++) {
		struct user_sa *sa = atomic_load(&t->ut_tab[i]);

		if (live(sa))
			sa_free(sa, true);
	}
	for (size_t b = 0; b < POL_BUCKETS; b++) {
		struct user_pol *up, *next;

		for (up = t->ut_polh[b]; up; up = next) {
			next = up->up_hnext;
			free(up);
		}
	}
	arr_free(t->ut_tab, (t->ut_mask + 1) * sizeof(*t->ut_tab));
	arr_free(t->ut_out, t->ut_capout * sizeof(*t->ut_out));
	arr_free(t->ut_inp, t->ut_capinp * sizeof(*t->ut_inp));
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

/* Publishes sn, waits out the readers of the old snapshot, frees it. */
static void publish(struct user_table *t, struct user_snap *sn)
{
	struct user_snap *old = atomic_exchange(&t->ut_snap, sn);

	synchronize(t);
	snap_free(old);
}

static size_t spi_hash(uint32_t spi, size_t mask)
{
	return (size_t)((spi * 0x9e3779b1u) >> 7) & mask;
}

static size_t reqid_bucket(uint32_t reqid)
{
	return (size_t)((reqid * 0x9e3779b1u) >> 11) & (REQID_BUCKETS - 1);
}

/* Lookup in an SA hash table (readers: inside a reader section). Loads
 * are seq_cst: a writer's unlink comes before its synchronize(). */
static struct user_sa *tab_get(_Atomic(struct user_sa *) *tab, size_t mask, uint32_t spi,
			       const struct dp_addr *dst, size_t *at)
{
	for (size_t i = spi_hash(spi, mask);; i = (i + 1) & mask) {
		struct user_sa *sa = atomic_load(&tab[i]);

		if (!sa)
			return NULL;
		if (sa != &tomb && sa->us_spi == spi && user_addr_eq(&sa->us_dst, dst)) {
			if (at)
				*at = i;
			return sa;
		}
	}
}

struct user_sa *user_snap_in(const struct user_snap *sn, uint32_t spi, const struct dp_addr *dst)
{
	struct user_sa *sa = tab_get(sn->sn_sas, sn->sn_sas_mask, spi, dst, NULL);

	return sa && sa->us_inbound ? sa : NULL;
}

struct user_sa *user_snap_next(const struct user_snap *sn, size_t *pos)
{
	while (*pos <= sn->sn_sas_mask) {
		struct user_sa *sa = atomic_load(&sn->sn_sas[(*pos)++]);

		if (live(sa))
			return sa;
	}
	return NULL;
}

/* XFRM policies carry a mark; our packets have none (mark 0). */
static bool pol_mark_ok(const struct dp_policy *p)
{
	return (p->p_mark & p->p_mark_mask) == 0;
}

struct user_pol *user_snap_out(const struct user_snap *sn, const struct pkt_flow *f)
{
	for (size_t i = 0; i < sn->sn_nout; i++)
		if (pkt_sel_match(&sn->sn_out[i]->up_pol.p_sel, f))
			return sn->sn_out[i];
	return NULL;
}

struct user_sa *user_pol_sa(const struct user_pol *up)
{
	return atomic_load(&((struct user_pol *)up)->up_sa);
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

static void pick(struct user_sa **best, struct user_sa *sa, const struct dp_policy *p)
{
	if (sa_fits(sa, p) && (!*best || sa->us_serial > (*best)->us_serial))
		*best = sa;
}

/* A policy with a reqid looks only at that reqid's SAs; one without (not
 * ours: set by hand) needs a tunnel destination and looks at every SA. */
static struct user_sa *resolve(const struct user_table *t, const struct dp_policy *p)
{
	struct user_sa *best = NULL;

	if (p->p_reqid) {
		for (struct user_sa *sa = t->ut_rsa[reqid_bucket(p->p_reqid)]; sa;
		     sa = sa->us_rnext)
			pick(&best, sa, p);
	} else if (!user_addr_is_zero(&p->p_tmpl_dst)) {
		for (size_t i = 0; i <= t->ut_mask; i++) {
			struct user_sa *sa = atomic_load(&t->ut_tab[i]);

			if (live(sa))
				pick(&best, sa, p);
		}
	}
	return best;
}

/* An outbound SA of this reqid came or went: its policies pick again. */
static void reresolve(struct user_table *t, uint32_t reqid)
{
	if (reqid) {
		for (struct user_pol *up = t->ut_rpol[reqid_bucket(reqid)]; up; up = up->up_rnext)
			if (up->up_pol.p_reqid == reqid)
				atomic_store(&up->up_sa, resolve(t, &up->up_pol));
	}
	for (size_t i = 0; t->ut_nnoreqid && i < t->ut_nout; i++)
		if (!t->ut_out[i]->up_pol.p_reqid)
			atomic_store(&t->ut_out[i]->up_sa, resolve(t, &t->ut_out[i]->up_pol));
}

/* Unlinks sa from its reqid chain (writers). */
static void rchain_unlink(struct user_table *t, const struct user_sa *sa)
{
	struct user_sa **pp = &t->ut_rsa[reqid_bucket(sa->us_reqid)];

	while (*pp && *pp != sa)
		pp = &(*pp)->us_rnext;
	if (*pp)
		*pp = sa->us_rnext;
}

static bool in_rchain(const struct user_sa *sa)
{
	return !sa->us_inbound && sa->us_reqid;
}

/* Keeps the SA hash at most half full (tombstones count): past that, a
 * table of at least three times the live entries (a power of two) takes
 * over in a new snapshot. Load stays between a sixth and a half: 8 to 48
 * bytes of table per SA. */
static int tab_reserve(struct user_table *t)
{
	_Atomic(struct user_sa *) *nt, *old = t->ut_tab;
	struct user_snap *sn;
	size_t n = 16, omask = t->ut_mask;

	if ((t->ut_nused + 1) * 2 <= t->ut_mask + 1)
		return 0;
	while (n < 3 * (t->ut_nsas + 1))
		n *= 2;
	if (!(nt = arr_alloc(n * sizeof(*nt))))
		return GW_E_NOMEM;
	for (size_t i = 0; i <= omask; i++) {
		struct user_sa *sa = atomic_load(&old[i]);
		size_t h;

		if (!live(sa))
			continue;
		for (h = spi_hash(sa->us_spi, n - 1); atomic_load(&nt[h]); h = (h + 1) & (n - 1))
			;
		atomic_store(&nt[h], sa);
	}
	t->ut_tab = nt;
	t->ut_mask = n - 1;
	if (!(sn = snap_build(t))) {
		t->ut_tab = old;
		t->ut_mask = omask;
		arr_free(nt, n * sizeof(*nt));
		return GW_E_NOMEM;
	}
	t->ut_nused = t->ut_nsas;
	publish(t, sn);
	arr_free(old, (omask + 1) * sizeof(*old));
	return 0;
}

/* Into the first free or deleted slot (the key is known to be absent). */
static void tab_put(struct user_table *t, struct user_sa *sa)
{
	size_t i;
	struct user_sa *cur;

	for (i = spi_hash(sa->us_spi, t->ut_mask); live(cur = atomic_load(&t->ut_tab[i]));
	     i = (i + 1) & t->ut_mask)
		;
	if (!cur)
		t->ut_nused++;
	atomic_store(&t->ut_tab[i], sa);
	t->ut_nsas++;
}

static struct user_sa *find_sa(const struct user_table *t, uint32_t spi, const struct dp_addr *dst,
			       size_t *at)
{
	return tab_get(t->ut_tab, t->ut_mask, spi, dst, at);
}

int user_table_sa_add(struct user_table *t, struct user_sa *sa)
{
	int r = GW_E_EXISTS;

	pthread_mutex_lock(&t->ut_wlock);
	if (find_sa(t, sa->us_spi, &sa->us_dst, NULL) || (r = tab_reserve(t)) < 0)
		goto out;
	sa->us_serial = ++t->ut_serial;
	if (in_rchain(sa)) {
		size_t b = reqid_bucket(sa->us_reqid);

		sa->us_rnext = t->ut_rsa[b];
		t->ut_rsa[b] = sa;
	}
	tab_put(t, sa);
	if (!sa->us_inbound)
		reresolve(t, sa->us_reqid);
	r = 0;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

/* Replaces the wrapper old (in slot at) with nsa everywhere. */
static void sa_replace(struct user_table *t, size_t at, struct user_sa *old, struct user_sa *nsa)
{
	atomic_store(&t->ut_tab[at], nsa);
	if (in_rchain(old)) {
		struct user_sa **pp = &t->ut_rsa[reqid_bucket(old->us_reqid)];

		while (*pp && *pp != old)
			pp = &(*pp)->us_rnext;
		if (*pp)
			*pp = nsa;
	}
	if (!old->us_inbound)
		reresolve(t, old->us_reqid);
}

int user_table_sa_update(struct user_table *t, const struct dp_sa *d)
{
	struct user_sa *nsa, *old;
	size_t at;
	int r = GW_E_NOTFOUND;

	if (!(nsa = malloc(user_sa_size(d->sa_inbound))))
		return GW_E_NOMEM;
	pthread_mutex_lock(&t->ut_wlock);
	if (!(old = find_sa(t, d->sa_spi, &d->sa_dst, &at)) || old->us_inbound != d->sa_inbound)
		goto out;
	memcpy(nsa, old, user_sa_size(d->sa_inbound));
	nsa->us_src = d->sa_src;
	nsa->us_encap_sport = d->sa_encap_sport;
	nsa->us_encap_dport = d->sa_encap_dport;
	sa_replace(t, at, old, nsa);
	synchronize(t);
	sa_free(old, false); /* the wrapper only: the esp_sa lives on in nsa */
	esp_sa_set_lifetime(nsa->us_esp, &d->sa_lt);
	nsa = NULL;
	r = 0;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	free(nsa);
	return r;
}

static void sa_del_locked(struct user_table *t, size_t at)
{
	struct user_sa *sa = atomic_load(&t->ut_tab[at]);

	atomic_store(&t->ut_tab[at], &tomb);
	t->ut_nsas--;
	if (in_rchain(sa))
		rchain_unlink(t, sa);
	if (!sa->us_inbound)
		reresolve(t, sa->us_reqid);
	synchronize(t);
	sa_free(sa, true);
}

int user_table_sa_del(struct user_table *t, uint32_t spi, const struct dp_addr *dst)
{
	size_t at;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if (find_sa(t, spi, dst, &at)) {
		sa_del_locked(t, at);
		r = 0;
	}
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

int user_table_sa_stats(struct user_table *t, uint32_t spi, const struct dp_addr *dst,
			struct dp_sa_stats *st)
{
	struct user_sa *sa;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if ((sa = find_sa(t, spi, dst, NULL))) {
		esp_sa_get_stats(sa->us_esp, st);
		r = 0;
	}
	pthread_mutex_unlock(&t->ut_wlock);
	return r;
}

bool user_table_spi_used(struct user_table *t, uint32_t spi, const struct dp_addr *dst)
{
	bool used;

	pthread_mutex_lock(&t->ut_wlock);
	used = find_sa(t, spi, dst, NULL) != NULL;
	pthread_mutex_unlock(&t->ut_wlock);
	return used;
}

static bool sel_eq(const struct dp_selector *a, const struct dp_selector *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static unsigned dir_bit(enum dp_dir dir)
{
	return (unsigned)dir <= DP_DIR_FWD ? 1u << dir : 0; /* 0 matches nothing */
}

/* FNV-1a over the selector's bytes (compared with memcmp), whether the
 * direction is OUT (IN and FWD share buckets, and may share a record) and
 * mark. */
static size_t pol_bucket(const struct dp_selector *sel, enum dp_dir dir, uint32_t mark,
			 uint32_t mask)
{
	const uint8_t *b = (const uint8_t *)sel;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*sel); i++)
		h = (h ^ b[i]) * 16777619u;
	h = (h ^ (uint32_t)(dir == DP_DIR_OUT)) * 16777619u;
	h = (h ^ mark) * 16777619u;
	h = (h ^ mask) * 16777619u;
	return h & (POL_BUCKETS - 1);
}

/* The record standing for (sel, dir, mark), else the end of its chain. */
static struct user_pol **find_pol(struct user_table *t, const struct dp_selector *sel,
				  enum dp_dir dir, uint32_t mark, uint32_t mask)
{
	struct user_pol **pp = &t->ut_polh[pol_bucket(sel, dir, mark, mask)];

	for (; *pp; pp = &(*pp)->up_hnext) {
		const struct dp_policy *p = &(*pp)->up_pol;

		if (((*pp)->up_dirs & dir_bit(dir)) && sel_eq(&p->p_sel, sel) &&
		    p->p_mark == mark && p->p_mark_mask == mask)
			return pp;
	}
	return pp;
}

/* An IN or FWD record that p (the other inbound direction) can join: the
 * same selector, mark, priority and reqid mean the same inbound check
 * (user_snap_in_allowed), so one record does for both. */
static struct user_pol *find_twin(struct user_table *t, const struct dp_policy *p)
{
	struct user_pol *up;

	if (p->p_dir == DP_DIR_OUT)
		return NULL;
	up = t->ut_polh[pol_bucket(&p->p_sel, p->p_dir, p->p_mark, p->p_mark_mask)];
	for (; up; up = up->up_hnext) {
		const struct dp_policy *q = &up->up_pol;

		if (q->p_dir != DP_DIR_OUT && !(up->up_dirs & dir_bit(p->p_dir)) &&
		    sel_eq(&q->p_sel, &p->p_sel) && q->p_mark == p->p_mark &&
		    q->p_mark_mask == p->p_mark_mask && q->p_priority == p->p_priority &&
		    q->p_reqid == p->p_reqid)
			return up;
	}
	return NULL;
}

static int grow(struct user_pol ***arr, size_t *cap, size_t n)
{
	struct user_pol **p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	if (!(p = arr_alloc(c * sizeof(*p))))
		return GW_E_NOMEM;
	if (n)
		memcpy(p, *arr, n * sizeof(*p));
	arr_free(*arr, *cap * sizeof(*p));
	*arr = p;
	*cap = c;
	return 0;
}

/* See struct user_pol: an inbound policy ends before up_pol.p_mode. */
static size_t pol_size(enum dp_dir dir)
{
	return dir == DP_DIR_OUT
		       ? sizeof(struct user_pol)
		       : offsetof(struct user_pol, up_pol) + offsetof(struct dp_policy, p_mode);
}

static bool pol_is_out(const struct user_pol *up)
{
	return up->up_pol.p_dir == DP_DIR_OUT;
}

/* Into the array packets use (room was made): lower priority value first,
 * equal ones in order of arrival (XFRM). */
static void pol_arr_insert(struct user_table *t, struct user_pol *up)
{
	struct user_pol **a = pol_is_out(up) ? t->ut_out : t->ut_inp;
	size_t *n = pol_is_out(up) ? &t->ut_nout : &t->ut_ninp, at;

	for (at = *n; at > 0 && a[at - 1]->up_pol.p_priority > up->up_pol.p_priority; at--)
		a[at] = a[at - 1];
	a[at] = up;
	(*n)++;
}

static void pol_arr_remove(struct user_table *t, const struct user_pol *up)
{
	struct user_pol **a = pol_is_out(up) ? t->ut_out : t->ut_inp;
	size_t *n = pol_is_out(up) ? &t->ut_nout : &t->ut_ninp;

	for (size_t i = 0; i < *n; i++) {
		if (a[i] == up) {
			memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(*a));
			(*n)--;
			return;
		}
	}
}

/* Links up into the master structures (its array has room). */
static void pol_link(struct user_table *t, struct user_pol *up, struct user_pol **slot)
{
	const struct dp_policy *p = &up->up_pol;

	up->up_hnext = *slot;
	*slot = up;
	if (!pol_mark_ok(p))
		return;
	pol_arr_insert(t, up);
	if (!pol_is_out(up))
		return;
	if (p->p_reqid) {
		size_t b = reqid_bucket(p->p_reqid);

		up->up_rnext = t->ut_rpol[b];
		t->ut_rpol[b] = up;
	} else {
		t->ut_nnoreqid++;
	}
	atomic_store(&up->up_sa, resolve(t, p));
}

static void pol_unlink(struct user_table *t, struct user_pol *up, struct user_pol **slot)
{
	const struct dp_policy *p = &up->up_pol;

	*slot = up->up_hnext;
	if (!pol_mark_ok(p))
		return;
	pol_arr_remove(t, up);
	if (!pol_is_out(up))
		return;
	if (p->p_reqid) {
		struct user_pol **pp = &t->ut_rpol[reqid_bucket(p->p_reqid)];

		while (*pp && *pp != up)
			pp = &(*pp)->up_rnext;
		if (*pp)
			*pp = up->up_rnext;
	} else {
		t->ut_nnoreqid--;
	}
}

int user_table_pol_add(struct user_table *t, const struct dp_policy *p)
{
	struct user_pol *up, **slot, *twin;
	struct user_snap *sn;
	int r;

	if (p->p_dir != DP_DIR_OUT && p->p_dir != DP_DIR_IN && p->p_dir != DP_DIR_FWD)
		return GW_E_INVAL;
	if (!(up = calloc(1, pol_size(p->p_dir))))
		return GW_E_NOMEM;
	memcpy(&up->up_pol, p,
	       p->p_dir == DP_DIR_OUT ? sizeof(*p) : offsetof(struct dp_policy, p_mode));
	up->up_dirs = (uint8_t)dir_bit(p->p_dir);
	pthread_mutex_lock(&t->ut_wlock);
	r = GW_E_EXISTS;
	if (*(slot = find_pol(t, &p->p_sel, p->p_dir, p->p_mark, p->p_mark_mask)))
		goto out;
	r = 0;
	if ((twin = find_twin(t, p))) { /* what packets see does not change */
		twin->up_dirs |= up->up_dirs;
		goto out;
	}
	r = pol_is_out(up) ? grow(&t->ut_out, &t->ut_capout, t->ut_nout)
			   : grow(&t->ut_inp, &t->ut_capinp, t->ut_ninp);
	if (r < 0)
		goto out;
	pol_link(t, up, slot);
	if (!(sn = snap_build(t))) {
		pol_unlink(t, up, slot);
		r = GW_E_NOMEM;
		goto out;
	}
	publish(t, sn);
	up = NULL;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	free(up);
	return r;
}

int user_table_pol_del(struct user_table *t, const struct dp_selector *sel, enum dp_dir dir,
		       uint32_t mark, uint32_t mark_mask)
{
	struct user_pol *up = NULL, **slot;
	struct user_snap *sn;
	int r = GW_E_NOTFOUND;

	pthread_mutex_lock(&t->ut_wlock);
	if (!(up = *(slot = find_pol(t, sel, dir, mark, mark_mask))))
		goto out;
	r = 0;
	if (up->up_dirs != dir_bit(dir)) { /* its twin stays: the record too */
		up->up_dirs &= (uint8_t)~dir_bit(dir);
		if (up->up_pol.p_dir == dir)
			up->up_pol.p_dir = dir == DP_DIR_IN ? DP_DIR_FWD : DP_DIR_IN;
		up = NULL;
		goto out;
	}
	pol_unlink(t, up, slot);
	if (!(sn = snap_build(t))) {
		pol_link(t, up, slot); /* its array still has the room */
		up = NULL;
		r = GW_E_NOMEM;
		goto out;
	}
	publish(t, sn);
	r = 0;
out:
	pthread_mutex_unlock(&t->ut_wlock);
	free(up);
	return r;
}

int user_table_expire(struct user_table *t, uint64_t now)
{
	const struct user_snap *sn;
	struct user_sa *sa;
	unsigned slot;
	size_t pos = 0;
	bool dead = false;
	int n = 0;

	/* Events go out from a reader section, never under the writer lock,
	 * so a callback that queues a dp_sa_del() job cannot deadlock. */
	sn = user_table_enter_any(t, &slot);
	while ((sa = user_snap_next(sn, &pos)))
		dead |= esp_sa_tick(sa->us_esp, now);
	user_table_leave(t, slot);
	if (!dead)
		return 0;
	pthread_mutex_lock(&t->ut_wlock);
	for (size_t i = 0; i <= t->ut_mask; i++) {
		sa = atomic_load(&t->ut_tab[i]);
		if (live(sa) && esp_sa_dead(sa->us_esp)) {
			sa_del_locked(t, i);
			n++;
		}
	}
	pthread_mutex_unlock(&t->ut_wlock);
	return n;
}
