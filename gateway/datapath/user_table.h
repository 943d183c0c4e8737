/*
 * user_table.h: the userspace backend's SA and policy tables, internal to
 * datapath/. Packet threads read an immutable snapshot published through
 * one atomic pointer (no lock, no allocation per packet); writers (under
 * one mutex) build a new snapshot, publish it and wait until every reader
 * has left the old one before freeing it (epoch-based reclamation, as in
 * RCU). A reader section must not call back into the writer functions.
 */
#ifndef PAL_DATAPATH_USER_TABLE_H
#define PAL_DATAPATH_USER_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"
#include "datapath/esp.h"
#include "datapath/pkt.h"

#define USER_RD_SLOTS 64 /* concurrent readers: packet threads + callers of esp_input_udp */

/* One direction of an SA: the ESP state plus where its packets go. A
 * dp_sa_update() replaces the wrapper and keeps the esp_sa. An outbound
 * SA is allocated without the room of the selector, see user_sa_size(). */
struct user_sa {
	struct esp_sa *us_esp;
	uint32_t us_spi;
	bool us_inbound;
	enum dp_mode us_mode;
	struct dp_addr us_src;
	struct dp_addr us_dst;
	uint16_t us_encap_sport;
	uint16_t us_encap_dport;
	uint32_t us_reqid;
	uint64_t us_serial; /* add order: the newest SA of a policy wins */
	union {
		/* outbound, writers: the SAs of one reqid bucket */
		struct user_sa *us_rnext;
		/* inbound: what the decapsulated packets may be */
		struct dp_selector us_sel;
	};
};

/* What to allocate for a struct user_sa of this direction. */
size_t user_sa_size(bool inbound);

/* An IN or FWD policy is allocated without the outbound-only part (from
 * up_pol.p_mode on): two of the three policies of a CHILD SA are inbound,
 * and only an outbound one needs a template, an SA or an acquire time. */
struct user_pol {
	struct user_pol *up_hnext; /* writers: selector hash chain */
	/* writers: the directions it stands for (1 << dir): in tunnel mode
	 * IN and FWD come as twins (same selector, reqid, priority, mark), and
	 * one record does for both; up_pol.p_dir is one of them */
	uint8_t up_dirs;
	struct dp_policy up_pol;
	/* outbound only */
	_Atomic uint64_t up_acquire_at; /* last DP_EV_ACQUIRE, unix seconds */
	/* the SA it resolves to now, NULL: none yet (trap: acquire); writers
	 * store it when an SA of its reqid comes or goes */
	_Atomic(struct user_sa *) up_sa;
	struct user_pol *up_rnext; /* writers: outbound policies of one reqid bucket */
};

struct user_snap {
	/* every SA, open addressing on the SPI; shared by the snapshots of one
	 * table size and changed in place (a deleted slot holds a tombstone) */
	_Atomic(struct user_sa *) *sn_sas;
	size_t sn_sas_mask;
	struct user_pol **sn_out; /* by priority, then age */
	size_t sn_nout;
	struct user_pol **sn_inpol; /* IN and FWD policies */
	size_t sn_ninpol;
};

struct user_table;

int user_table_new(struct user_table **out);
/* Frees every SA and policy still in the table. No readers may remain. */
void user_table_free(struct user_table *t);

/* Reader slots: [0, n) are reserved for packet threads (one each); the
 * rest are shared by other callers (user_table_enter_any). */
int user_table_reserve(struct user_table *t, unsigned n);
const struct user_snap *user_table_enter(struct user_table *t, unsigned slot);
const struct user_snap *user_table_enter_any(struct user_table *t, unsigned *slot);
void user_table_leave(struct user_table *t, unsigned slot);

/* Snapshot lookups (inside a reader section). */
struct user_sa *user_snap_in(const struct user_snap *sn, uint32_t spi, const struct dp_addr *dst);
struct user_pol *user_snap_out(const struct user_snap *sn, const struct pkt_flow *f);
/* The SA an outbound policy resolves to (NULL: none). */
struct user_sa *user_pol_sa(const struct user_pol *up);
/* Every SA in turn: start with *pos = 0; NULL at the end. */
struct user_sa *user_snap_next(const struct user_snap *sn, size_t *pos);
/* RFC 4301 section 5.2 step 4: the decapsulated packet must be one the
 * SA's selector and its inbound policies (same reqid) allow. */
bool user_snap_in_allowed(const struct user_snap *sn, const struct user_sa *sa,
			  const struct pkt_flow *f);

/* Writers. sa_add takes sa (and its esp_sa) on success only. */
int user_table_sa_add(struct user_table *t, struct user_sa *sa);
int user_table_sa_update(struct user_table *t, const struct dp_sa *d);
int user_table_sa_del(struct user_table *t, uint32_t spi, const struct dp_addr *dst);
int user_table_sa_stats(struct user_table *t, uint32_t spi, const struct dp_addr *dst,
			struct dp_sa_stats *st);
bool user_table_spi_used(struct user_table *t, uint32_t spi, const struct dp_addr *dst);
int user_table_pol_add(struct user_table *t, const struct dp_policy *p);
int user_table_pol_del(struct user_table *t, const struct dp_selector *sel, enum dp_dir dir,
		       uint32_t mark, uint32_t mark_mask);
/* Time lifetimes (events from a reader section), then removes SAs that
 * hard-expired. Returns how many were removed. */
int user_table_expire(struct user_table *t, uint64_t now);

bool user_addr_eq(const struct dp_addr *a, const struct dp_addr *b);
bool user_addr_is_zero(const struct dp_addr *a);

#endif
