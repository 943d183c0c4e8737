/*
 * tun_route.h: the TUN device's routes (internal to datapath/, used by
 * tun.c): one route per distinct destination prefix in our own table,
 * reference counted, found by hash. One thread at a time (the caller's
 * route lock).
 */
#ifndef PAL_DATAPATH_TUN_ROUTE_H
#define PAL_DATAPATH_TUN_ROUTE_H

#include <stdint.h>

#include "datapath/datapath.h"

struct nl_sock;
struct tun_rtab;

/* nl: a connected NETLINK_ROUTE socket the table borrows; name: the
 * device's name for log lines (borrowed, must outlive the table). */
int tun_rtab_new(struct nl_sock *nl, int ifindex, uint32_t table, const char *name,
		 struct tun_rtab **out);
/* Forgets the routes (they go with the device). NULL is fine. */
void tun_rtab_free(struct tun_rtab *rt);
int tun_rtab_add(struct tun_rtab *rt, const struct dp_addr *dst, unsigned plen,
		 const struct dp_addr *prefsrc);
int tun_rtab_del(struct tun_rtab *rt, const struct dp_addr *dst, unsigned plen);
/* Distinct prefixes routed now (tests). */
size_t tun_rtab_count(const struct tun_rtab *rt);

#endif
