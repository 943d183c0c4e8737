/*
 * tun.h: the userspace backend's TUN device, internal to datapath/: one
 * queue per packet thread (IFF_MULTI_QUEUE), brought up with our MTU,
 * routes for the remote selectors in a routing table of our own, and the
 * two policy rules that send everything but our own marked ESP/IKE
 * sockets' packets through that table (rtnetlink through libnl-route-3).
 * tun_open/close and the route calls: one thread at a time (the backend's
 * writer); the queue fds may be read and written by any thread.
 */
#ifndef PAL_DATAPATH_TUN_H
#define PAL_DATAPATH_TUN_H

#include <stdint.h>

#include "datapath/datapath.h"

struct tun;

struct tun_opts {
	const char *to_name; /* "palisade0" if NULL */
	unsigned to_queues;  /* >= 1 */
	unsigned to_mtu;
	uint32_t to_table; /* routing table for the selectors' routes */
	uint32_t to_mark;  /* SO_MARK of our sockets: they bypass to_table */
	uint32_t to_prio;  /* rules at to_prio (mark -> main) and to_prio + 1 (-> to_table) */
};

/* Creates and configures the device; removes rules an earlier run left. */
int tun_open(const struct tun_opts *o, struct tun **out);
/* Deletes the rules and the device (closing its queues). NULL is fine. */
void tun_close(struct tun *t);

int tun_fd(const struct tun *t, unsigned queue);
unsigned tun_queues(const struct tun *t);
const char *tun_name(const struct tun *t);

/* A route to dst/plen through the device (reference counted: equal
 * prefixes of several policies share one route). prefsrc is used when it
 * is a local address, else ignored; NULL = none. */
int tun_route_add(struct tun *t, const struct dp_addr *dst, unsigned plen,
		  const struct dp_addr *prefsrc);
int tun_route_del(struct tun *t, const struct dp_addr *dst, unsigned plen);

#endif
