/*
 * vip.h: virtual-IP leases for remote-access clients (the addresses the
 * configuration payload hands out, RFC 7296 3.15), from the pools of
 * pools.json (api/model). A lease is unique among live leases; released
 * when the IKE SA goes; the same identity gets its previous address back
 * on reconnect while nobody else took it. One mutex; acquire and release
 * are O(1) amortized (no scan of the pool). Thread-safe.
 */
#ifndef PAL_VIP_VIP_H
#define PAL_VIP_VIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/model/model.h"

#define VIP_ID_MAX 255 /* identity bytes (an EAP identity or an IKE ID as text) */

struct vip;

int vip_new(struct vip **out);
void vip_free(struct vip *v); /* NULL is fine */

/*
 * Install the pools (at start-up, and again on reload: the pools are
 * copied). Leases stay valid across a reload until released: one whose
 * address is in a new pool belongs to that pool from then on (so it is
 * not handed out twice); one whose address left every pool is kept
 * (listed with vl_retired) until released. Addresses remembered for
 * reconnecting identities move along the same way.
 */
int vip_set_pools(struct vip *v, const struct model_pools *pools);

/*
 * A lease for identity from the first of the named pools (a connection's
 * "pools", in order) that has the family (AF_INET or AF_INET6) and a free
 * address. Preference: requested (the address the client asked for in its
 * CFG_REQUEST, if free and not remembered for someone else, or leased to
 * this identity already: a client reauthenticating make-before-break asks
 * for the address it has, and the lease is then held twice, until both
 * IKE SAs released it), then the
 * address this identity held last in the pool, then one never handed out,
 * then the one released longest ago. GW_E_RANGE when every pool is full,
 * GW_E_NOTFOUND when no named pool exists with that family; why (may be
 * NULL) tells the admin which and why.
 */
int vip_acquire(struct vip *v, const char *const *pools, size_t n_pools, int family,
		const uint8_t *id, size_t id_len, const struct model_addr *requested,
		struct model_addr *out, char *why, size_t why_len);

/* Give a lease back (one hold of it). GW_E_NOTFOUND unless addr is leased
 * to id. */
int vip_release(struct vip *v, const struct model_addr *addr, const uint8_t *id, size_t id_len);
/* The same; *gone tells whether that was the last hold (the address is
 * free now) or another IKE SA of id still holds it. */
int vip_release_hold(struct vip *v, const struct model_addr *addr, const uint8_t *id, size_t id_len,
		     bool *gone);

struct vip_lease_info {
	char vl_pool[MODEL_NAME_LEN]; /* "" when retired */
	struct model_addr vl_addr;
	size_t vl_id_len;
	uint8_t vl_identity[VIP_ID_MAX]; /* raw: escape before showing */
	uint64_t vl_since;               /* unix time the lease began */
	bool vl_retired;                 /* its pool changed or went on reload */
};

/* Every live lease, sorted by family and address. *out is a heap array
 * (free() it; NULL when *n is 0). */
int vip_list(struct vip *v, struct vip_lease_info **out, size_t *n);

struct vip_usage {
	char vu_pool[MODEL_NAME_LEN];
	int vu_family;
	uint64_t vu_size;   /* addresses the pool hands out */
	uint64_t vu_leased; /* live leases in it */
};

/* One entry per pool, in configuration order (heap array, free() it). */
int vip_usage(struct vip *v, struct vip_usage **out, size_t *n);

#endif
