/*
 * userspace.h: what the userspace backend reports beyond per-SA counters:
 * packets it dropped before an SA could count them (unknown SPI, malformed
 * ESP, traffic no policy covers), for gatewayd's stats (sa/ctl.c) and
 * tests/datapath/dptool. Thread-safe.
 */
#ifndef PAL_DATAPATH_USERSPACE_H
#define PAL_DATAPATH_USERSPACE_H

#include <stdint.h>

#include "datapath/datapath.h"

struct dp_user_counters {
	uint64_t uc_rx_esp;    /* ESP packets received (raw and in UDP) */
	uint64_t uc_rx_ok;     /* decapsulated and written to the TUN device */
	uint64_t uc_tx_esp;    /* ESP packets sent */
	uint64_t uc_no_sa;     /* unknown SPI, or raw/UDP not as the SA says */
	uint64_t uc_malformed; /* truncated ESP, bad padding, bad inner packet */
	uint64_t uc_replay;    /* replays (also counted per SA) */
	uint64_t uc_integrity; /* ICV failures (also counted per SA) */
	uint64_t uc_expired;   /* packets for hard-expired SAs */
	uint64_t uc_dummy;     /* next header 59, dropped */
	uint64_t uc_policy;    /* decapsulated packets the SA's selectors refuse */
	uint64_t uc_no_policy; /* TUN packets no outbound policy covers */
	uint64_t uc_no_sa_out; /* outbound policy without an SA (trap: acquire) */
	uint64_t uc_io_errors; /* send or TUN write failures */
};

/* GW_E_UNSUP on the xfrm backend. */
int dp_user_counters(struct datapath *dp, struct dp_user_counters *c);

#endif
