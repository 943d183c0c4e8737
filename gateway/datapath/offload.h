/*
 * offload.h: TCP segmentation and coalescing for the userspace backend's
 * TUN device (IFF_VNET_HDR, TUNSETOFFLOAD), internal to datapath/. The
 * kernel hands us TCP super-packets (up to 64 KiB, one virtio_net_hdr
 * each) that we cut into MSS-sized segments before ESP (TSO), and we hand
 * it back runs of consecutive decapsulated segments of one flow as one
 * super-packet (GRO). Per-packet kernel work (TUN reads and writes, TCP
 * receive processing) is what bounds a userspace tunnel; this divides it
 * by up to 45. Pure functions over caller buffers; one thread per object.
 */
#ifndef PAL_DATAPATH_OFFLOAD_H
#define PAL_DATAPATH_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#define OFFLOAD_HDR sizeof(struct virtio_net_hdr) /* before every TUN read and write */
#define GRO_MAX     64                            /* packets one gro batch holds */

/* The Internet checksum (RFC 1071) of len bytes, added to sum (host
 * order, unfolded); fold with offload_csum_fold(). */
uint64_t offload_csum_add(uint64_t sum, const uint8_t *p, size_t len);
/* Folds to 16 bits (not inverted), in network byte order as a number. */
uint16_t offload_csum_fold(uint64_t sum);

/* Completes a checksum the kernel left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM):
 * the field at start + off already holds the pseudo-header sum. */
int offload_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t off);

/* Cutting one TCP super-packet read from the TUN device. */
struct tso {
	const uint8_t *t_pkt;
	size_t t_len;
	size_t t_l3;  /* IP header length: the TCP header's offset */
	size_t t_hl;  /* IP + TCP headers */
	size_t t_mss; /* payload bytes per segment */
	size_t t_off; /* next payload byte */
	unsigned t_i;
	bool t_v4;
	uint32_t t_seq;
	uint16_t t_id;
};

/* GW_E_UNSUP for what we do not cut (UDP, IPv6 extension headers),
 * GW_E_PARSE for headers that do not add up. */
int offload_tso_init(struct tso *t, const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len);
/* Writes the next segment (headers and payload, checksums complete) to out
 * (cap bytes): true with *n set, false when no segment is left or it does
 * not fit. */
bool offload_tso_next(struct tso *t, uint8_t *out, size_t cap, size_t *n);

/* One decapsulated IP packet waiting in a gro batch. */
struct gro_pkt {
	uint8_t *gp_p;
	size_t gp_len;
	size_t gp_l3, gp_l4; /* IP header length; IP + TCP header length (0: not TCP) */
	uint32_t gp_seq;
	int gp_next;   /* next segment of its run, -1 */
	int gp_last;   /* run head: its last segment */
	size_t gp_tot; /* run head: bytes of the run (IP header once) */
	unsigned gp_n; /* run head: segments in the run */
	bool gp_head;
	bool gp_closed; /* run head: takes no more (short segment, PSH) */
};

struct gro {
	struct gro_pkt g_p[GRO_MAX];
	unsigned g_n;
};

typedef int (*gro_write_fn)(void *arg, struct iovec *iov, int n, unsigned npkts);

void gro_init(struct gro *g);
static inline bool gro_full(const struct gro *g)
{
	return g->g_n == GRO_MAX;
}
/* Queues an IP packet (it must stay put until the flush), joining it to
 * the latest run of its TCP flow where it continues that run exactly. */
void gro_add(struct gro *g, uint8_t *pkt, size_t len);
/* Writes each run (in arrival order) through fn: iov[0] is the
 * virtio_net_hdr, a run of several segments goes as one GSO packet with a
 * partial checksum. Empties g. */
void gro_flush(struct gro *g, gro_write_fn fn, void *arg);

#endif
