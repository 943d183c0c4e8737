/*
 * user_io.h: the userspace backend's state and packet threads, internal to
 * datapath/ (userspace.c opens and configures, user_io.c moves packets).
 * Worker i owns TUN queue i and reader slot i: it reads packets from its
 * queue, encapsulates and sends them in batches (sendmmsg), and receives
 * (recvmmsg) on its own raw ESP sockets, whose filter passes the SPIs that
 * are its share, writing what it decapsulates to its queue. One SA's
 * packets thus stay on one thread, in order.
 */
#ifndef PAL_DATAPATH_USER_IO_H
#define PAL_DATAPATH_USER_IO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "datapath/datapath.h"
#include "datapath/offload.h"
#include "datapath/tun.h"
#include "datapath/user_table.h"
#include "datapath/userspace.h"

#define USER_BATCH       32 /* ESP packets per recvmmsg / sendmmsg */
#define USER_READS       64 /* TUN reads per wake-up (each may be a 64 KiB super-packet) */
#define USER_HEADROOM    64 /* >= ESP_HEADROOM, keeps the inner packet aligned */
#define USER_BUF         (65536 + 256) /* an ESP packet received (reassembled: 64 KiB) */
#define USER_SLOT        (USER_HEADROOM + 9216 + 128) /* an inner packet to send */
#define USER_RX          (65536 + 256) /* one TUN read: virtio_net_hdr + (super-)packet */
#define USER_MAX_WORKERS 16
#define USER_EXT_CTX     4 /* crypto contexts per SA for callers of dp_esp_input_udp */

enum user_ctr_id {
	UC_RX_ESP,
	UC_RX_OK,
	UC_TX_ESP,
	UC_NO_SA,
	UC_MALFORMED,
	UC_REPLAY,
	UC_INTEGRITY,
	UC_EXPIRED,
	UC_DUMMY,
	UC_POLICY,
	UC_NO_POLICY,
	UC_NO_SA_OUT,
	UC_IO_ERRORS,
	UC_MAX
};

struct user_ctrs {
	_Atomic uint64_t c_v[UC_MAX];
} __attribute__((aligned(64)));

struct dp_user;

struct user_worker {
	struct dp_user *w_u;
	unsigned w_idx;
	pthread_t w_thread;
	bool w_started;
	int w_ep;   /* epoll: TUN queue, raw sockets, stop */
	int w_raw4; /* raw ESP sockets: this worker's share of the SPIs */
	int w_raw6;
	uint8_t *w_rx;           /* USER_RX: one TUN read */
	uint8_t *w_out;          /* USER_BATCH slots of USER_SLOT: inner packets -> ESP */
	uint8_t *w_in;           /* USER_BATCH buffers of USER_BUF: ESP -> TUN */
	struct gro w_gro;        /* decapsulated TCP segments -> super-packets */
	struct user_ctrs w_ctrs; /* written by this worker only */
	_Atomic uint64_t w_log_at;
};

struct dp_user {
	struct dp_config u_cfg;
	struct user_table *u_tab;
	struct tun *u_tun;
	int u_udp4, u_udp6; /* the IKE daemon's (cfg), not ours */
	int u_stopfd;       /* eventfd: readable = stop */
	unsigned u_nw;
	struct user_worker *u_w;
	pthread_t u_hk; /* housekeeping: time lifetimes, expired SAs */
	bool u_hk_started;
	struct user_ctrs u_ext; /* dp_esp_input_udp callers, shared */
	_Atomic uint64_t u_log_at;
	atomic_bool u_no_udp_gso; /* the kernel refused UDP_SEGMENT once */
	pthread_mutex_t u_lock;   /* SPI reservations */
	/* The TUN routes: its own lock, since a route change is an rtnetlink
	 * round trip (the kernel's RTNL lock, shared with every namespace on
	 * the host); SPI allocation must not queue behind it. */
	pthread_mutex_t u_route_lock;
	struct user_spi_rsv *u_rsv;
};

/* Starts the workers and the housekeeping thread. */
int user_io_start(struct dp_user *u);
/* Stops and joins them (safe on a partial start). */
void user_io_stop(struct dp_user *u);
/* dp_esp_input_udp() for any thread. */
int user_io_input_udp(struct dp_user *u, uint8_t *pkt, size_t len, const struct dp_addr *src,
		      const struct dp_addr *dst);
void user_io_counters(struct dp_user *u, struct dp_user_counters *c);

#endif
