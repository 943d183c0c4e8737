/*
 * tab.c: the two hash tables of the lease allocator, chained through
 * pointers in struct lease. Identities come from authenticated peers but
 * are still chosen by them, so their hash is seeded per table.
 */
#include <stdlib.h>
#include <string.h>

#include "vip/vip_int.h"
#include "util/err.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* FNV-1a over the bytes, seeded, then mixed. */
static uint64_t hash_bytes(uint64_t seed, const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

static size_t addr_slot(const struct vtab *t, const struct model_addr *a)
{
	return (size_t)hash_bytes(t->t_seed ^ (uint64_t)a->a_family, a->a_addr, 16) &
	       (t->t_cap - 1);
}

uint64_t vtab_id_hash(uint64_t seed, const uint8_t *id, size_t len)
{
	return hash_bytes(seed, id, len);
}

static size_t id_slot(const struct vtab *t, uint64_t hash)
{
	return (size_t)hash & (t->t_cap - 1);
}

static bool addr_eq(const struct model_addr *a, const struct model_addr *b)
{
	return a->a_family == b->a_family && !memcmp(a->a_addr, b->a_addr, 16);
}

/* Double the buckets (or start with 64) and rehash every chain. */
static int grow(struct vtab *t, bool by_id)
{
	size_t cap = t->t_cap ? t->t_cap * 2 : 64, old = t->t_cap;
	struct lease **b = calloc(cap, sizeof(*b)), **ob = t->t_b;

	if (!b)
		return GW_E_NOMEM;
	t->t_b = b;
	t->t_cap = cap;
	for (size_t i = 0; i < old; i++) {
		struct lease *l = ob[i], *next;

		for (; l; l = next) {
			size_t s;

			if (by_id) {
				next = l->l_next_id;
				s = id_slot(t, l->l_id_hash);
				l->l_next_id = b[s];
			} else {
				next = l->l_next_addr;
				s = addr_slot(t, &l->l_addr);
				l->l_next_addr = b[s];
			}
			b[s] = l;
		}
	}
	free(ob);
	return 0;
}

struct lease *vtab_addr_find(const struct vtab *t, const struct model_addr *a)
{
	if (!t->t_cap)
		return NULL;
	for (struct lease *l = t->t_b[addr_slot(t, a)]; l; l = l->l_next_addr)
		if (addr_eq(&l->l_addr, a))
			return l;
	return NULL;
}

int vtab_addr_add(struct vtab *t, struct lease *l)
{
	size_t s;
	int rc;

	if (t->t_n >= t->t_cap && (rc = grow(t, false)) != 0)
		return rc;
	s = addr_slot(t, &l->l_addr);
	l->l_next_addr = t->t_b[s];
	t->t_b[s] = l;
	t->t_n++;
	return 0;
}

void vtab_addr_del(struct vtab *t, struct lease *l)
{
	struct lease **pp;

	if (!t->t_cap)
		return;
	for (pp = &t->t_b[addr_slot(t, &l->l_addr)]; *pp; pp = &(*pp)->l_next_addr) {
		if (*pp == l) {
			*pp = l->l_next_addr;
			l->l_next_addr = NULL;
			t->t_n--;
			return;
		}
	}
}

struct lease *vtab_id_find(const struct vtab *t, const uint8_t *id, size_t len, uint64_t hash)
{
	if (!t->t_cap)
		return NULL;
	for (struct lease *l = t->t_b[id_slot(t, hash)]; l; l = l->l_next_id)
		if (l->l_id_hash == hash && l->l_id_len == len && !memcmp(l->l_id, id, len))
			return l;
	return NULL;
}

int vtab_id_add(struct vtab *t, struct lease *l)
{
	size_t s;
	int rc;

	if (t->t_n >= t->t_cap && (rc = grow(t, true)) != 0)
		return rc;
	s = id_slot(t, l->l_id_hash);
	l->l_next_id = t->t_b[s];
	t->t_b[s] = l;
	t->t_n++;
	return 0;
}

void vtab_id_del(struct vtab *t, struct lease *l)
{
	struct lease **pp;

	if (!t->t_cap)
		return;
	for (pp = &t->t_b[id_slot(t, l->l_id_hash)]; *pp; pp = &(*pp)->l_next_id) {
		if (*pp == l) {
			*pp = l->l_next_id;
			l->l_next_id = NULL;
			t->t_n--;
			return;
		}
	}
}

void vtab_free(struct vtab *t)
{
	free(t->t_b);
	memset(t, 0, sizeof(*t));
}
