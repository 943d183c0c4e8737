/*
 * vip_int.h: the lease records and their two hash tables (internal to
 * gateway/vip). Every address that was ever handed out from a pool keeps
 * a record: live (leased) or free (remembered for its last holder, on the
 * pool's free list). Records are indexed by address (all of them) and, in
 * each pool, the free ones by their last holder's identity.
 */
#ifndef PAL_VIP_VIP_INT_H
#define PAL_VIP_VIP_INT_H

#include "vip/vip.h"

struct vpool;

struct lease {
	struct model_addr l_addr;
	struct vpool *l_pool; /* NULL: retired (its pool changed), dropped on release */
	uint64_t l_index;     /* in l_pool */
	uint8_t *l_id;        /* current or last holder */
	size_t l_id_len;
	uint64_t l_id_hash; /* vtab_id_hash() of l_id: chains compare it first */
	uint64_t l_since;   /* unix time the lease began */
	uint64_t l_seq;     /* when it was last acquired or released (recency) */
	bool l_live;
	uint32_t l_refs;           /* live: IKE SAs holding it (a reauthentication's new one too) */
	struct lease *l_next_addr; /* address table chain */
	struct lease *l_next_id;   /* identity table chain (free ones) */
	struct lease *l_free_prev, *l_free_next; /* the pool's free list */
};

/* Chained hash table of leases; grows at load factor 1. */
struct vtab {
	struct lease **t_b;
	size_t t_cap; /* a power of two, 0 before the first insert */
	size_t t_n;
	uint64_t t_seed;
};

/* By address (l_next_addr). */
struct lease *vtab_addr_find(const struct vtab *t, const struct model_addr *a);
int vtab_addr_add(struct vtab *t, struct lease *l);
void vtab_addr_del(struct vtab *t, struct lease *l);
/* By identity (l_next_id); every identity table of an allocator shares
 * one seed, so a lease's l_id_hash serves all of them. */
uint64_t vtab_id_hash(uint64_t seed, const uint8_t *id, size_t len);
struct lease *vtab_id_find(const struct vtab *t, const uint8_t *id, size_t len, uint64_t hash);
int vtab_id_add(struct vtab *t, struct lease *l);
void vtab_id_del(struct vtab *t, struct lease *l);
void vtab_free(struct vtab *t);

#endif
