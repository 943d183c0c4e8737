/*
 * offload.c: TSO and GRO for the TUN device (see offload.h). Segments follow
 * what the kernel's own tcp_gso_segment() produces (RFC 9293: sequence
 * numbers advance by the payload; FIN and PSH only on the last segment, CWR
 * only on the first; IPv4 IDs count up); runs are merged only where the
 * kernel's tcp_gro_receive() would merge them (same flow, headers and
 * options, contiguous sequence numbers, plain ACK segments of one size).
 */
#include <endian.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "datapath/offload.h"
#include "util/err.h"
#include "util/reader.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define IP_MAX  0xffffu

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * RFC 1071 section 2: the sum is independent of byte order if folded and
 * swapped at the end, so add host-order 32-bit words. Only the last piece
 * of a multi-part sum may have an odd length.
 */
uint64_t offload_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint32_t w32;
	uint16_t w16;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w32, p, 4);
		sum += w32;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t b[2] = { p[0], 0 };

		memcpy(&w16, b, 2);
		sum += w16;
	}
	return sum;
}

uint16_t offload_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return be16toh((uint16_t)sum);
}

int offload_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t off)
{
	uint16_t c;

	if (start > len || off > len - start || len - start - off < 2)
		return GW_E_PARSE;
	c = (uint16_t)~offload_csum_fold(offload_csum_add(0, pkt + start, len - start));
	/* As the kernel's skb_checksum_help(): never 0 (UDP's "no checksum"). */
	put16(pkt + start + off, c ? c : 0xffff);
	return 0;
}

/* Pseudo-header (RFC 9293 section 3.1, RFC 8200 section 8.1) of an IP
 * packet whose TCP part is l4len bytes: addresses, protocol, length. As
 * 16-bit words IPv6's 32-bit length and 24 zero bits sum the same as
 * IPv4's zero byte and 16-bit length (l4len < 2^16). */
static uint64_t pseudo_sum(const uint8_t *ip, bool v4, uint8_t proto, size_t l4len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };
	uint64_t s = v4 ? offload_csum_add(0, ip + 12, 8) : offload_csum_add(0, ip + 8, 32);

	return offload_csum_add(s, tail, 4);
}

int offload_tso_init(struct tso *t, const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	struct reader rd;
	size_t thl;

	memset(t, 0, sizeof(*t));
	if (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6)
		return GW_E_UNSUP;
	t->t_v4 = gso == VIRTIO_NET_HDR_GSO_TCPV4;
	t->t_l3 = le16toh(h->csum_start);
	t->t_mss = le16toh(h->gso_size);
	rd_init(&rd, pkt, len);
	if (t->t_v4 && (len < 20 || pkt[0] >> 4 != 4 || (size_t)(pkt[0] & 0xf) * 4 != t->t_l3 ||
			pkt[9] != IPPROTO_TCP))
		return GW_E_PARSE;
	if (!t->t_v4 && (len < 40 || pkt[0] >> 4 != 6))
		return GW_E_PARSE;
	if (!t->t_v4 && (t->t_l3 != 40 || pkt[6] != IPPROTO_TCP))
		return GW_E_UNSUP; /* extension headers (rare): not cut, dropped */
	rd_skip(&rd, t->t_l3 + 12);
	thl = (size_t)(rd_u8(&rd) >> 4) * 4;
	t->t_hl = t->t_l3 + thl;
	if (!rd_ok(&rd) || thl < 20 || t->t_hl > len || t->t_mss == 0)
		return GW_E_PARSE;
	t->t_pkt = pkt;
	t->t_len = len;
	t->t_off = t->t_hl;
	t->t_seq = get32(pkt + t->t_l3 + 4);
	t->t_id = t->t_v4 ? get16(pkt + 4) : 0;
	return 0;
}

bool offload_tso_next(struct tso *t, uint8_t *out, size_t cap, size_t *n)
{
	size_t chunk, len;
	uint8_t *th;
	bool last;

	/* A super-packet without payload still is one packet. */
	if (t->t_off >= t->t_len && !(t->t_i == 0 && t->t_len == t->t_hl))
		return false;
	chunk = t->t_len - t->t_off < t->t_mss ? t->t_len - t->t_off : t->t_mss;
	len = t->t_hl + chunk;
	if (len > cap || len > IP_MAX)
		return false;
	last = t->t_off + chunk >= t->t_len;
	memcpy(out, t->t_pkt, t->t_hl);
	memcpy(out + t->t_hl, t->t_pkt + t->t_off, chunk);
	if (t->t_v4) {
		put16(out + 2, (uint16_t)len);
		put16(out + 4, (uint16_t)(t->t_id + t->t_i));
		put16(out + 10, 0);
		put16(out + 10, (uint16_t)~offload_csum_fold(offload_csum_add(0, out, t->t_l3)));
	} else {
		put16(out + 4, (uint16_t)(len - 40));
	}
	th = out + t->t_l3;
	put32(th + 4, t->t_seq + (uint32_t)(t->t_off - t->t_hl));
	if (!last)
		th[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	if (t->t_i > 0)
		th[13] &= (uint8_t)~TCP_CWR;
	put16(th + 16, 0);
	put16(th + 16,
	      (uint16_t)~offload_csum_fold(offload_csum_add(
		      pseudo_sum(out, t->t_v4, IPPROTO_TCP, len - t->t_l3), th, len - t->t_l3)));
	t->t_off += chunk;
	t->t_i++;
	*n = len;
	return true;
}

void gro_init(struct gro *g)
{
	g->g_n = 0;
}

/* A TCP segment we may merge: IPv4 without options or fragments, IPv6
 * without extension headers; only ACK and PSH flags. Sets gp_l3/gp_l4. */
static void gro_parse(struct gro_pkt *gp)
{
	const uint8_t *p = gp->gp_p;
	size_t l3, l4;

	gp->gp_l3 = gp->gp_l4 = 0;
	if (gp->gp_len >= 40 && p[0] == 0x45 && p[9] == IPPROTO_TCP &&
	    (get16(p + 6) & 0x3fff) == 0 && get16(p + 2) == gp->gp_len)
		l3 = 20;
	else if (gp->gp_len >= 60 && p[0] >> 4 == 6 && p[6] == IPPROTO_TCP &&
		 (size_t)get16(p + 4) + 40 == gp->gp_len)
		l3 = 40;
	else
		return;
	l4 = l3 + (size_t)(p[l3 + 12] >> 4) * 4;
	if (l4 < l3 + 20 || l4 >= gp->gp_len || (p[l3 + 13] & ~(TCP_ACK | TCP_PSH)) != 0 ||
	    !(p[l3 + 13] & TCP_ACK))
		return;
	gp->gp_l3 = l3;
	gp->gp_l4 = l4;
	gp->gp_seq = get32(p + l3 + 4);
}

/* Same flow and the same headers but for lengths, IDs, checksums,
 * sequence number and PSH (tcp_gro_receive's "flush" conditions). */
static bool gro_same(const struct gro_pkt *h, const struct gro_pkt *b)
{
	const uint8_t *x = h->gp_p, *y = b->gp_p;
	size_t l3 = h->gp_l3;

	if (b->gp_l3 != l3 || b->gp_l4 != h->gp_l4)
		return false;
	if (l3 == 20) {
		/* TOS, DF, TTL, protocol, addresses */
		if (x[1] != y[1] || (x[6] & 0x40) != (y[6] & 0x40) || x[8] != y[8] ||
		    memcmp(x + 12, y + 12, 8) != 0)
			return false;
	} else if (memcmp(x, y, 4) != 0 || x[7] != y[7] || memcmp(x + 8, y + 8, 32) != 0) {
		return false; /* traffic class, flow label, hop limit, addresses */
	}
	/* ports; ack and window; options */
	return memcmp(x + l3, y + l3, 4) == 0 && memcmp(x + l3 + 8, y + l3 + 8, 4) == 0 &&
	       memcmp(x + l3 + 14, y + l3 + 14, 2) == 0 &&
	       memcmp(x + l3 + 20, y + l3 + 20, h->gp_l4 - l3 - 20) == 0;
}

/* Can b continue the run that starts at head? */
static bool gro_fits(const struct gro *g, const struct gro_pkt *head, const struct gro_pkt *b)
{
	const struct gro_pkt *last = &g->g_p[head->gp_last];
	size_t mss = head->gp_len - head->gp_l4, blen = b->gp_len - b->gp_l4;
	size_t ip_total = head->gp_l3 == 20 ? head->gp_tot + blen : head->gp_tot + blen - 40;

	return !head->gp_closed && gro_same(head, b) && blen <= mss && ip_total <= IP_MAX &&
	       b->gp_seq == last->gp_seq + (uint32_t)(last->gp_len - last->gp_l4);
}

void gro_add(struct gro *g, uint8_t *pkt, size_t len)
{
	struct gro_pkt *b = &g->g_p[g->g_n];

	memset(b, 0, sizeof(*b));
	b->gp_p = pkt;
	b->gp_len = len;
	b->gp_next = -1;
	b->gp_last = (int)g->g_n;
	gro_parse(b);
	/* The latest run of the same flow only: joining an older one would
	 * reorder the flow. */
	for (int i = (int)g->g_n - 1; b->gp_l4 && i >= 0; i--) {
		struct gro_pkt *h = &g->g_p[i];

		if (!h->gp_head || !h->gp_l4 || memcmp(h->gp_p + h->gp_l3, pkt + b->gp_l3, 4) != 0)
			continue;
		if (!gro_fits(g, h, b))
			break;
		g->g_p[h->gp_last].gp_next = (int)g->g_n;
		h->gp_last = (int)g->g_n;
		h->gp_tot += len - b->gp_l4;
		h->gp_n++;
		h->gp_closed =
			len - b->gp_l4 < h->gp_len - h->gp_l4 || (pkt[b->gp_l3 + 13] & TCP_PSH);
		g->g_n++;
		return;
	}
	b->gp_head = true;
	b->gp_tot = len;
	b->gp_n = 1;
	b->gp_closed = b->gp_l4 && (pkt[b->gp_l3 + 13] & TCP_PSH);
	g->g_n++;
}

/* Rewrites the head's headers for the whole run and describes the GSO
 * packet (virtio_net_hdr: partial checksum, segment size). */
static void gro_merge_hdr(const struct gro *g, struct gro_pkt *h, struct virtio_net_hdr *vh)
{
	uint8_t *p = h->gp_p, *th = p + h->gp_l3;
	bool v4 = h->gp_l3 == 20;

	if (v4) {
		put16(p + 2, (uint16_t)h->gp_tot);
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~offload_csum_fold(offload_csum_add(0, p, 20)));
	} else {
		put16(p + 4, (uint16_t)(h->gp_tot - 40));
	}
	/* PSH of the last segment; the checksum field holds the pseudo-header
	 * sum, the kernel's CHECKSUM_PARTIAL convention. */
	th[13] |= g->g_p[h->gp_last].gp_p[h->gp_l3 + 13] & TCP_PSH;
	put16(th + 16, offload_csum_fold(pseudo_sum(p, v4, IPPROTO_TCP, h->gp_tot - h->gp_l3)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->hdr_len = htole16((uint16_t)h->gp_l4);
	vh->gso_size = htole16((uint16_t)(h->gp_len - h->gp_l4));
	vh->csum_start = htole16((uint16_t)h->gp_l3);
	vh->csum_offset = htole16(16);
}

void gro_flush(struct gro *g, gro_write_fn fn, void *arg)
{
	struct iovec iov[GRO_MAX + 1];

	for (unsigned i = 0; i < g->g_n; i++) {
		struct gro_pkt *h = &g->g_p[i];
		struct virtio_net_hdr vh;
		int n = 1;

		if (!h->gp_head)
			continue;
		memset(&vh, 0, sizeof(vh));
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		iov[n].iov_base = h->gp_p;
		iov[n++].iov_len = h->gp_len;
		if (h->gp_n > 1) {
			gro_merge_hdr(g, h, &vh);
			for (int j = h->gp_next; j >= 0; j = g->g_p[j].gp_next) {
				iov[n].iov_base = g->g_p[j].gp_p + g->g_p[j].gp_l4;
				iov[n++].iov_len = g->g_p[j].gp_len - g->g_p[j].gp_l4;
			}
		}
		fn(arg, iov, n, h->gp_n);
	}
	g->g_n = 0;
}
