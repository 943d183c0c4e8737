/*
 * datapath.h: the ESP data path (RFC 4303, RFC 3948 for ESP-in-UDP), one
 * interface over two backends: the kernel's XFRM tables through libnl-xfrm-3
 * and our own userspace ESP on a TUN device (for kernels without ESP).
 * sa/ installs what IKE negotiates; the data path reports soft/hard expires
 * and acquires back through the event callback of struct dp_config (called
 * from the backend's own threads: it must be quick and thread-safe, e.g.
 * queue a job). All functions are thread-safe unless noted.
 */
#ifndef PAL_DATAPATH_DATAPATH_H
#define PAL_DATAPATH_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dp_backend {
	DP_BACKEND_AUTO, /* xfrm if the kernel accepts an ESP state, else userspace */
	DP_BACKEND_XFRM,
	DP_BACKEND_USERSPACE,
};

enum dp_mode {
	DP_MODE_TUNNEL,
	DP_MODE_TRANSPORT,
};

enum dp_dir {
	DP_DIR_IN,
	DP_DIR_OUT,
	DP_DIR_FWD,
};

/* An address: family AF_INET (4 bytes used) or AF_INET6. */
struct dp_addr {
	int a_family;
	uint8_t a_addr[16];
};

/* Traffic selector as the kernel keeps it: prefixes, protocol, ports with
 * masks (0/0 = any). sa/ turns IKE ranges into one or more of these. */
struct dp_selector {
	int s_family;
	struct dp_addr s_src;
	struct dp_addr s_dst;
	uint8_t s_src_plen;
	uint8_t s_dst_plen;
	uint8_t s_proto; /* 0 = any */
	uint16_t s_sport, s_sport_mask;
	uint16_t s_dport, s_dport_mask;
};

/* Limits in bytes, packets and seconds since the SA was added; 0 = none. */
struct dp_lifetime {
	uint64_t l_bytes_soft, l_bytes_hard;
	uint64_t l_packets_soft, l_packets_hard;
	uint32_t l_time_soft, l_time_hard;
};

/* One direction of an ESP SA. Keys are copied; the caller wipes its own. */
struct dp_sa {
	uint32_t sa_spi; /* host order */
	bool sa_inbound;
	struct dp_addr sa_src; /* outer addresses */
	struct dp_addr sa_dst;
	enum dp_mode sa_mode;
	uint16_t sa_encr;          /* IKE ENCR transform ID (util/iana.h) */
	uint16_t sa_encr_keylen;   /* bits, 0 = algorithm's fixed size */
	uint16_t sa_integ;         /* IKE INTEG transform ID, NONE for AEAD */
	const uint8_t *sa_enc_key; /* AEAD: key | 4-byte salt (RFC 4106, RFC 7634) */
	size_t sa_enc_key_len;
	const uint8_t *sa_int_key;
	size_t sa_int_key_len;
	bool sa_esn;               /* 64-bit extended sequence numbers */
	uint32_t sa_replay_window; /* packets; 0 = the backend's default (1024) */
	struct dp_lifetime sa_lt;
	uint16_t sa_encap_sport; /* UDP encapsulation (RFC 3948); 0 = raw ESP */
	uint16_t sa_encap_dport;
	uint32_t sa_reqid;
	uint32_t sa_mark, sa_mark_mask;
	struct dp_selector sa_sel; /* inner traffic this SA may carry (all zero = any) */
};

/* What an inbound (IN, FWD) policy needs comes first: the userspace
 * backend keeps those without the fields from p_mode on. */
struct dp_policy {
	struct dp_selector p_sel;
	enum dp_dir p_dir;
	uint32_t p_priority; /* lower wins, as in XFRM */
	uint32_t p_reqid;
	uint32_t p_mark, p_mark_mask;
	enum dp_mode p_mode;
	struct dp_addr p_tmpl_src; /* tunnel endpoints (tunnel mode) */
	struct dp_addr p_tmpl_dst;
	/* Traffic with no SA yet: queue/drop and raise DP_EV_ACQUIRE. */
	bool p_trap;
};

struct dp_sa_stats {
	uint64_t st_bytes; /* payload bytes processed */
	uint64_t st_packets;
	uint64_t st_replay_errors;
	uint64_t st_integrity_failures;
	uint64_t st_add_time; /* unix seconds */
	uint64_t st_last_use; /* unix seconds, 0 = never */
};

enum dp_event_type {
	DP_EV_SOFT_EXPIRE, /* start a rekey */
	DP_EV_HARD_EXPIRE, /* the SA is gone */
	DP_EV_ACQUIRE,     /* traffic hit a trap policy: initiate on demand */
};

struct dp_event {
	enum dp_event_type ev_type;
	uint32_t ev_spi; /* expires */
	struct dp_addr ev_dst;
	uint32_t ev_reqid;
	struct dp_selector ev_sel; /* acquire: the packet's selector */
};

typedef void (*dp_event_fn)(void *arg, const struct dp_event *ev);

struct dp_config {
	enum dp_backend c_backend;
	const char *c_tun_name;   /* userspace: TUN device name ("palisade0") */
	uint32_t c_replay_window; /* default window, 0 = 1024 */
	unsigned c_threads;       /* userspace: packet threads, 0 = one per CPU */
	dp_event_fn c_event;
	void *c_event_arg;
	/* userspace: the IKE daemon's UDP 4500 sockets (-1 = none), used to
	 * send ESP-in-UDP from the port IKE uses (RFC 3948). */
	int c_udp4_fd;
	int c_udp6_fd;
};

struct datapath;

/* Opens the backend (DP_BACKEND_AUTO probes and logs which one it took)
 * and flushes SAs and policies an earlier run of ours left behind. */
int dp_new(const struct dp_config *cfg, struct datapath **out);
/* Removes every SA and policy we installed, never others'. NULL is fine. */
void dp_free(struct datapath *dp);
enum dp_backend dp_backend_of(const struct datapath *dp);
const char *dp_backend_name(enum dp_backend b);

/* A fresh inbound SPI, unique on this host for dst (XFRM_MSG_ALLOCSPI). */
int dp_spi_alloc(struct datapath *dp, const struct dp_addr *src, const struct dp_addr *dst,
		 uint32_t *spi);
int dp_sa_add(struct datapath *dp, const struct dp_sa *sa);
/* Same SPI/dst: new addresses, encapsulation ports or lifetimes. */
int dp_sa_update(struct datapath *dp, const struct dp_sa *sa);
int dp_sa_del(struct datapath *dp, uint32_t spi, const struct dp_addr *dst);
int dp_sa_stats(struct datapath *dp, uint32_t spi, const struct dp_addr *dst,
		struct dp_sa_stats *st);
int dp_policy_add(struct datapath *dp, const struct dp_policy *p);
int dp_policy_del(struct datapath *dp, const struct dp_selector *sel, enum dp_dir dir,
		  uint32_t mark, uint32_t mark_mask);

/*
 * userspace backend: one ESP-in-UDP datagram that arrived on a 4500 socket
 * (the non-ESP marker already ruled out). Decrypted in place and written
 * to the TUN device. Called by net/'s receiver threads. GW_E_UNSUP on xfrm
 * (the kernel takes ESP-in-UDP itself through UDP_ENCAP_ESPINUDP).
 */
int dp_esp_input_udp(struct datapath *dp, uint8_t *pkt, size_t len, const struct dp_addr *src,
		     uint16_t sport, const struct dp_addr *dst, uint16_t dport);
/* xfrm backend: make a UDP 4500 socket decapsulate ESP in the kernel. */
int dp_udp_encap_enable(struct datapath *dp, int fd);
/* Keep one of our sockets (IKE on 500/4500) out of IPsec: its packets
 * never meet our policies, even where a transport-mode selector covers the
 * gateways' own addresses (xfrm: per-socket bypass policies; userspace: the
 * socket mark that skips the selector routes). */
int dp_socket_bypass(struct datapath *dp, int fd, int family);

#endif
