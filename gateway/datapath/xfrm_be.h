/*
 * xfrm_be.h: state of the xfrm backend, shared by its files (internal to
 * datapath/): the request socket (xfrm_nl.c), the lists of what we
 * installed (xfrm_own.c), the ops (xfrm.c) and the event thread
 * (xfrm_events.c). Locks: xb_nl_lock serialises requests on xb_sk;
 * xb_own_lock guards the lists and counters and is never held across I/O.
 */
#ifndef PAL_DATAPATH_XFRM_BE_H
#define PAL_DATAPATH_XFRM_BE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <netlink/msg.h>
#include <netlink/socket.h>

#include "datapath/datapath.h"
#include "datapath/xfrm_msg.h"

/* An SA we installed, or a larval state ALLOCSPI reserved for us. */
struct xfrm_own_sa {
	uint32_t os_spi;
	struct dp_addr os_dst;
	struct dp_addr os_src;
	uint32_t os_mark, os_mark_mask;
	uint16_t os_encap_sport, os_encap_dport;
	bool os_larval;
};

struct xfrm_own_pol {
	struct dp_selector op_sel;
	enum dp_dir op_dir;
	uint32_t op_mark, op_mark_mask;
	uint32_t op_index;
	bool op_trap;
};

struct xfrm_be {
	pthread_mutex_t xb_nl_lock;
	struct nl_sock *xb_sk;

	pthread_mutex_t xb_own_lock;
	struct xfrm_own_sa *xb_sas;
	size_t xb_nsas, xb_capsas;
	struct xfrm_own_pol *xb_pols;
	size_t xb_npols, xb_cappols;
	uint32_t xb_seq_n; /* owner tag counters (xfrm_msg.h) */
	uint32_t xb_pol_n;

	uint32_t xb_window;
	dp_event_fn xb_event;
	void *xb_event_arg;

	struct nl_sock *xb_ev_sk;
	int xb_stop[2]; /* pipe: close()ing the write end stops the thread */
	pthread_t xb_thread;
	bool xb_thread_on;
};

/* ---- xfrm_nl.c: the netlink request socket ---- */

/* Called for each reply message of a request (dump parts included). */
typedef int (*xfrm_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/* A NETLINK_XFRM socket; groups: 0 or a bitmask for nl_join_groups. */
int xfrm_nl_open(struct nl_sock **out, bool events);
/* Sends msg (not freed) and reads replies until the ack, the error or
 * the end of the dump; every buffer read is wiped (SAs carry keys).
 * Returns 0, the first error of fn, or the kernel's error as GW_E_*. */
int xfrm_nl_request(struct nl_sock *sk, struct nl_msg *msg, xfrm_reply_fn fn, void *arg);
/* Like xfrm_nl_request() on xb_sk under xb_nl_lock; frees msg (wiped). */
int xfrm_be_request(struct xfrm_be *xb, struct nl_msg *msg, xfrm_reply_fn fn, void *arg);

/* ---- xfrm_own.c: what we installed (all take xb_own_lock) ---- */

uint32_t xfrm_own_next_seq(struct xfrm_be *xb);
/* A tagged index for dir that none of our live policies uses. */
uint32_t xfrm_own_next_index(struct xfrm_be *xb, int xdir);
/* Adds or replaces the entry for (spi, dst). */
int xfrm_own_sa_put(struct xfrm_be *xb, const struct xfrm_own_sa *os);
/* Copies the entry for (spi, dst) into *os; false if not ours. */
bool xfrm_own_sa_get(struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst,
		     struct xfrm_own_sa *os);
void xfrm_own_sa_remove(struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst);
/* Removes and returns any one entry; false when the list is empty. */
bool xfrm_own_sa_pop(struct xfrm_be *xb, struct xfrm_own_sa *os);
int xfrm_own_pol_put(struct xfrm_be *xb, const struct xfrm_own_pol *op);
bool xfrm_own_pol_get(struct xfrm_be *xb, const struct dp_selector *sel, enum dp_dir dir,
		      uint32_t mark, uint32_t mark_mask, struct xfrm_own_pol *op);
bool xfrm_own_pol_is_trap(struct xfrm_be *xb, uint32_t index);
void xfrm_own_pol_remove(struct xfrm_be *xb, uint32_t index);
bool xfrm_own_pol_pop(struct xfrm_be *xb, struct xfrm_own_pol *op);
void xfrm_own_clear(struct xfrm_be *xb);

/* ---- xfrm_events.c: the XFRMNLGRP_EXPIRE/ACQUIRE reader thread ---- */

int xfrm_events_start(struct xfrm_be *xb);
void xfrm_events_stop(struct xfrm_be *xb);
/* Filters one notification (ours only) and calls the event callback. */
void xfrm_events_handle(struct xfrm_be *xb, const struct nlmsghdr *nlh);

/* ---- xfrm_flush.c: removing tagged leftovers ---- */

/* Deletes every SA and policy carrying our tag (an earlier run's). */
int xfrm_flush_tagged(struct xfrm_be *xb, unsigned *nsa, unsigned *npol);
/* Deletes what this run installed (the lists). */
void xfrm_flush_owned(struct xfrm_be *xb);

#endif
