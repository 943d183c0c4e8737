/*
 * user_io.c: the userspace ESP packet paths. Per packet: no allocation,
 * no lock but the SA's own (crypto context, replay window); the SA and
 * policy tables are read through a published snapshot (user_table.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include "datapath/esp.h"
#include "datapath/pkt.h"
#include "datapath/user_io.h"
#include "util/err.h"
#include "util/log.h"
#include "util/reader.h"

#define ACQUIRE_EVERY 30 /* seconds between acquires of one policy (XFRM: acq_expires) */
/* Room for one in6_pktinfo (or in_pktinfo) control message: CMSG_SPACE(20)
 * is 40 on LP64; a constant keeps the struct fixed-size for every compiler. */
#define CMSG_BUF    96 /* IPV6_PKTINFO (40) and UDP_SEGMENT (24) */
#define UDP_GSO_MAX 44 /* datagrams per UDP GSO send: the kernel takes 64 and 64 KiB */

enum { EV_STOP, EV_TUN, EV_RAW4, EV_RAW6 };

/* What one pass over packets works with: a worker's or a caller's. */
struct user_ctx {
	struct dp_user *x_u;
	const struct user_snap *x_sn;
	unsigned x_crypto; /* esp_sa context index */
	int x_tunfd;
	int x_raw4, x_raw6; /* for sending raw ESP; -1 for callers of esp_input_udp */
	struct gro
		*x_gro; /* tunnel-mode packets wait here for one write per run; NULL: write now */
	struct user_ctrs *x_ctrs;
	bool x_shared; /* x_ctrs written by several threads */
	uint64_t x_now;
	_Atomic uint64_t *x_log_at;
};

/* An ESP packet ready for sendmmsg. */
struct user_tx {
	int tx_fd;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} tx_dst;
	socklen_t tx_dlen;
	struct iovec tx_iov;
	bool tx_udp;
	union {
		char c_buf[CMSG_BUF];
		size_t c_align; /* cmsghdr alignment (its own type ends in a flexible array) */
	} tx_cmsg;
	size_t tx_clen;
};

static void ctr_inc(struct user_ctx *x, enum user_ctr_id id, uint64_t n)
{
	_Atomic uint64_t *c = &x->x_ctrs->c_v[id];

	if (x->x_shared)
		atomic_fetch_add_explicit(c, n, memory_order_relaxed);
	else
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
				      memory_order_relaxed);
}

/* At most one line a second per thread for what a peer can trigger. */
static bool log_ok(struct user_ctx *x)
{
	if (atomic_load_explicit(x->x_log_at, memory_order_relaxed) == x->x_now)
		return false;
	return atomic_exchange(x->x_log_at, x->x_now) != x->x_now;
}

static void addr_set(struct dp_addr *a, int family, const void *p)
{
	memset(a, 0, sizeof(*a));
	a->a_family = family;
	memcpy(a->a_addr, p, family == AF_INET ? 4 : 16);
}

/* ---- inbound: ESP -> TUN ---- */

/* iov[0] is left for the virtio_net_hdr (zero: a plain packet). */
static int tun_write(struct user_ctx *x, struct iovec *iov, int n)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	if (writev(x->x_tunfd, iov, n) < 0) {
		ctr_inc(x, UC_IO_ERRORS, 1);
		return GW_E_IO;
	}
	ctr_inc(x, UC_RX_OK, 1);
	return 0;
}

static int gro_write(void *arg, struct iovec *iov, int n, unsigned npkts)
{
	struct user_ctx *x = arg;

	if (writev(x->x_tunfd, iov, n) < 0) {
		ctr_inc(x, UC_IO_ERRORS, npkts);
		return GW_E_IO;
	}
	ctr_inc(x, UC_RX_OK, npkts);
	return 0;
}

/* RFC 4301 section 5.2 step 4 (selectors), then out to the TUN device;
 * transport mode first rebuilds the IP header ESP replaced. */
static int in_deliver(struct user_ctx *x, const struct user_sa *sa, uint8_t *pl,
		      const struct esp_pkt *res, const struct dp_addr *src,
		      const struct dp_addr *dst, bool encap)
{
	uint8_t hdr[PKT_IP6_HDR];
	struct iovec iov[3];
	struct pkt_flow f;
	size_t hl;

	if (sa->us_mode == DP_MODE_TUNNEL) {
		if (pkt_parse(pl, res->ep_len, &f) < 0) {
			ctr_inc(x, UC_MALFORMED, 1);
			return GW_E_PARSE;
		}
		hl = 0;
	} else {
		if (!(hl = pkt_build_hdr(hdr, src->a_family, src->a_addr, dst->a_addr, res->ep_nh,
					 res->ep_len))) {
			ctr_inc(x, UC_MALFORMED, 1);
			return GW_E_PARSE;
		}
		if (encap)
			pkt_fix_l4_csum(src->a_family, src->a_addr, dst->a_addr, res->ep_nh, pl,
					res->ep_len);
		pkt_flow_l4(&f, src->a_family, src->a_addr, dst->a_addr, res->ep_nh, pl,
			    res->ep_len);
	}
	if (!user_snap_in_allowed(x->x_sn, sa, &f)) {
		ctr_inc(x, UC_POLICY, 1);
		return GW_E_STATE;
	}
	if (!hl && x->x_gro) {
		gro_add(x->x_gro, pl, res->ep_len);
		if (gro_full(x->x_gro))
			gro_flush(x->x_gro, gro_write, x);
		return 0;
	}
	iov[1].iov_base = hl ? hdr : pl;
	iov[1].iov_len = hl ? hl : res->ep_len;
	iov[2].iov_base = pl;
	iov[2].iov_len = res->ep_len;
	return tun_write(x, iov, hl ? 3 : 2);
}

static int in_error(struct user_ctx *x, int r, uint32_t spi)
{
	switch (r) {
	case GW_E_EXISTS:
		ctr_inc(x, UC_REPLAY, 1);
		break;
	case GW_E_AUTH:
		ctr_inc(x, UC_INTEGRITY, 1);
		if (log_ok(x))
			log_info(LOG_SUB_ESP, "SPI 0x%08x: ICV mismatch, dropped", spi);
		break;
	case GW_E_STATE:
		ctr_inc(x, UC_EXPIRED, 1);
		break;
	default:
		ctr_inc(x, UC_MALFORMED, 1);
	}
	return r;
}

/* One ESP packet (SPI first) that arrived for dst; encap: in UDP. */
static int in_one(struct user_ctx *x, uint8_t *esp, size_t len, const struct dp_addr *src,
		  const struct dp_addr *dst, bool encap)
{
	struct esp_pkt res;
	struct user_sa *sa;
	uint32_t spi;
	int r;

	ctr_inc(x, UC_RX_ESP, 1);
	if (esp_peek_spi(esp, len, &spi) < 0) {
		ctr_inc(x, UC_MALFORMED, 1);
		return GW_E_PARSE;
	}
	sa = user_snap_in(x->x_sn, spi, dst);
	if (!sa || (sa->us_encap_dport != 0) != encap) {
		ctr_inc(x, UC_NO_SA, 1);
		if (log_ok(x))
			log_info(LOG_SUB_ESP, "no SA for SPI 0x%08x%s, dropped", spi,
				 sa ? " (encapsulation differs)" : "");
		return GW_E_NOTFOUND;
	}
	if ((r = esp_decap(sa->us_esp, x->x_crypto, esp, len, x->x_now, &res)) < 0)
		return in_error(x, r, spi);
	if (res.ep_nh == ESP_NH_NONE) {
		ctr_inc(x, UC_DUMMY, 1);
		return 0;
	}
	return in_deliver(x, sa, esp + res.ep_off, &res, src, dst, encap);
}

/* RFC 791: a raw IPv4 socket hands us the IP header too. */
static void in_raw4(struct user_ctx *x, uint8_t *p, size_t len)
{
	struct dp_addr src, dst;
	struct reader rd;
	uint8_t ihl;
	const uint8_t *s, *d;

	rd_init(&rd, p, len);
	ihl = (uint8_t)((rd_u8(&rd) & 0x0f) * 4u);
	rd_skip(&rd, 11);
	s = rd_bytes(&rd, 4);
	d = rd_bytes(&rd, 4);
	if (!rd_ok(&rd) || ihl < PKT_IP4_HDR || ihl > len) {
		ctr_inc(x, UC_RX_ESP, 1);
		ctr_inc(x, UC_MALFORMED, 1);
		return;
	}
	addr_set(&src, AF_INET, s);
	addr_set(&dst, AF_INET, d);
	in_one(x, p + ihl, len - ihl, &src, &dst, false);
}

static bool in_raw6_dst(struct msghdr *mh, struct dp_addr *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			addr_set(dst, AF_INET6, &pi.ipi6_addr);
			return true;
		}
	}
	return false;
}

/* Per-message receive metadata: the sender (IPv6) and our address. */
struct rx_meta {
	struct sockaddr_in6 rm_from;
	union {
		char c_buf[CMSG_BUF];
		size_t c_align; /* cmsghdr alignment (its own type ends in a flexible array) */
	} rm_ctl;
};

static void in_batch(struct user_worker *w, struct user_ctx *x, int fd, int family)
{
	struct mmsghdr mm[USER_BATCH];
	struct iovec iov[USER_BATCH];
	struct rx_meta meta[USER_BATCH];
	int n;

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < USER_BATCH; i++) {
		iov[i].iov_base = w->w_in + (size_t)i * USER_BUF;
		iov[i].iov_len = USER_BUF;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &meta[i].rm_from;
		mm[i].msg_hdr.msg_namelen = sizeof(meta[i].rm_from);
		mm[i].msg_hdr.msg_control = meta[i].rm_ctl.c_buf;
		mm[i].msg_hdr.msg_controllen = sizeof(meta[i].rm_ctl.c_buf);
	}
	if ((n = recvmmsg(fd, mm, USER_BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &mm[i].msg_hdr;
		uint8_t *p = iov[i].iov_base;
		struct dp_addr src, dst;

		if (mh->msg_flags & MSG_TRUNC) {
			ctr_inc(x, UC_RX_ESP, 1);
			ctr_inc(x, UC_MALFORMED, 1);
		} else if (family == AF_INET) {
			in_raw4(x, p, mm[i].msg_len);
		} else if (in_raw6_dst(mh, &dst)) {
			/* RFC 3542: an IPv6 raw socket gives the payload only. */
			addr_set(&src, AF_INET6, &meta[i].rm_from.sin6_addr);
			in_one(x, p, mm[i].msg_len, &src, &dst, false);
		}
	}
	gro_flush(&w->w_gro, gro_write, x);
}

/* ---- outbound: TUN -> ESP ---- */

static void tx_pktinfo(struct user_tx *tx, const struct dp_addr *src)
{
	struct msghdr mh = { .msg_control = tx->tx_cmsg.c_buf,
			     .msg_controllen = sizeof(tx->tx_cmsg.c_buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	if (src->a_family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		memcpy(&pi.ipi_spec_dst, src->a_addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		tx->tx_clen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };

		memcpy(&pi.ipi6_addr, src->a_addr, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		tx->tx_clen = CMSG_SPACE(sizeof(pi));
	}
}

/* Raw ESP (IP protocol 50) or ESP-in-UDP (RFC 3948) from the IKE port. */
static int tx_prepare(struct user_ctx *x, const struct user_sa *sa, uint8_t *esp, size_t len,
		      struct user_tx *tx)
{
	const struct dp_user *u = x->x_u;
	bool encap = sa->us_encap_dport != 0, v4 = sa->us_dst.a_family == AF_INET;
	uint16_t port = htons(encap ? sa->us_encap_dport : 0);

	tx->tx_fd = encap ? (v4 ? u->u_udp4 : u->u_udp6) : (v4 ? x->x_raw4 : x->x_raw6);
	tx->tx_udp = encap;
	if (tx->tx_fd < 0) {
		ctr_inc(x, UC_IO_ERRORS, 1);
		return GW_E_IO;
	}
	memset(&tx->tx_dst, 0, sizeof(tx->tx_dst));
	if (v4) {
		tx->tx_dst.v4.sin_family = AF_INET;
		tx->tx_dst.v4.sin_port = port;
		memcpy(&tx->tx_dst.v4.sin_addr, sa->us_dst.a_addr, 4);
		tx->tx_dlen = sizeof(tx->tx_dst.v4);
	} else {
		tx->tx_dst.v6.sin6_family = AF_INET6;
		tx->tx_dst.v6.sin6_port = port;
		memcpy(&tx->tx_dst.v6.sin6_addr, sa->us_dst.a_addr, 16);
		tx->tx_dlen = sizeof(tx->tx_dst.v6);
	}
	tx->tx_clen = 0;
	if (sa->us_src.a_family == sa->us_dst.a_family && !user_addr_is_zero(&sa->us_src))
		tx_pktinfo(tx, &sa->us_src);
	tx->tx_iov.iov_base = esp;
	tx->tx_iov.iov_len = len;
	return 0;
}

/* A message's datagrams one by one (UDP GSO refused): its control
 * messages without the trailing UDP_SEGMENT. */
static void send_each(struct user_ctx *x, int fd, const struct msghdr *gso)
{
	for (size_t i = 0; i < gso->msg_iovlen; i++) {
		struct msghdr mh = *gso;

		mh.msg_iov = &gso->msg_iov[i];
		mh.msg_iovlen = 1;
		mh.msg_controllen = gso->msg_controllen - CMSG_SPACE(sizeof(uint16_t));
		if (!mh.msg_controllen)
			mh.msg_control = NULL;
		if (sendmsg(fd, &mh, 0) < 0)
			ctr_inc(x, UC_IO_ERRORS, 1);
		else
			ctr_inc(x, UC_TX_ESP, 1);
	}
}

/* mm[i] carries npk[i] ESP packets (several: UDP GSO). */
static void send_all(struct user_ctx *x, int fd, struct mmsghdr *mm, const unsigned *npk, size_t k)
{
	size_t sent = 0;

	while (sent < k) {
		int r = sendmmsg(fd, mm + sent, (unsigned)(k - sent), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && npk[sent] > 1 && (errno == EINVAL || errno == EIO)) {
			/* A kernel or route without UDP GSO: no more tries. */
			atomic_store(&x->x_u->u_no_udp_gso, true);
			send_each(x, fd, &mm[sent].msg_hdr);
			sent++;
			continue;
		}
		if (r < 0) {
			/* The first message failed: count it, go on with the rest. */
			ctr_inc(x, UC_IO_ERRORS, npk[sent]);
			if (log_ok(x))
				log_warn(LOG_SUB_ESP, "sending ESP: %s", strerror(errno));
			sent++;
			continue;
		}
		for (int i = 0; i < r; i++)
			ctr_inc(x, UC_TX_ESP, npk[sent + (size_t)i]);
		sent += (size_t)r;
	}
}

/* How many entries from tx[j] on go out as one UDP GSO message (RFC 3948
 * datagrams to one peer, all of tx[j]'s size but the last): the kernel
 * routes and builds one packet for them all. */
static size_t gso_run(const struct user_ctx *x, const struct user_tx *tx, size_t j, size_t n,
		      const bool *done)
{
	const struct user_tx *a = &tx[j];
	size_t c = 1, total = a->tx_iov.iov_len;

	if (!a->tx_udp || atomic_load_explicit(&x->x_u->u_no_udp_gso, memory_order_relaxed))
		return 1;
	for (size_t i = j + 1; i < n && c < UDP_GSO_MAX; i++, c++) {
		const struct user_tx *b = &tx[i];

		if (done[i] || b->tx_fd != a->tx_fd || b->tx_dlen != a->tx_dlen ||
		    memcmp(&b->tx_dst, &a->tx_dst, a->tx_dlen) != 0 || b->tx_clen != a->tx_clen ||
		    memcmp(b->tx_cmsg.c_buf, a->tx_cmsg.c_buf, a->tx_clen) != 0 ||
		    b->tx_iov.iov_len > a->tx_iov.iov_len || total + b->tx_iov.iov_len > 65000 ||
		    tx[i - 1].tx_iov.iov_len != a->tx_iov.iov_len)
			break;
		total += b->tx_iov.iov_len;
	}
	return c;
}

/* Appends UDP_SEGMENT (the datagram size) to tx's control messages. */
static size_t gso_cmsg(struct user_tx *tx)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)(tx->tx_cmsg.c_buf + tx->tx_clen);
	uint16_t seg = (uint16_t)tx->tx_iov.iov_len;

	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	return tx->tx_clen + CMSG_SPACE(sizeof(seg));
}

/* One sendmmsg per socket for the packets of a batch. */
static void tx_flush(struct user_ctx *x, struct user_tx *tx, size_t n)
{
	struct mmsghdr mm[USER_BATCH];
	struct iovec iov[USER_BATCH];
	unsigned npk[USER_BATCH];
	bool done[USER_BATCH] = { false };
	size_t v = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			struct msghdr *mh = &mm[k].msg_hdr;
			size_t c;

			if (done[j] || tx[j].tx_fd != tx[i].tx_fd)
				continue;
			c = gso_run(x, tx, j, n, done);
			memset(&mm[k], 0, sizeof(mm[k]));
			mh->msg_name = &tx[j].tx_dst;
			mh->msg_namelen = tx[j].tx_dlen;
			mh->msg_iov = &iov[v];
			mh->msg_iovlen = c;
			for (size_t d = 0; d < c; d++)
				iov[v++] = tx[j + d].tx_iov;
			mh->msg_controllen = c > 1 ? gso_cmsg(&tx[j]) : tx[j].tx_clen;
			mh->msg_control = mh->msg_controllen ? tx[j].tx_cmsg.c_buf : NULL;
			npk[k++] = (unsigned)c;
			for (size_t d = 0; d < c; d++)
				done[j + d] = true;
		}
		send_all(x, tx[i].tx_fd, mm, npk, k);
	}
}

/* The packet's own selector, for DP_EV_ACQUIRE (RFC 4301 section 5.1). */
static void flow_selector(const struct pkt_flow *f, struct dp_selector *sel)
{
	size_t alen = f->pf_family == AF_INET ? 4 : 16;

	memset(sel, 0, sizeof(*sel));
	sel->s_family = f->pf_family;
	sel->s_src.a_family = sel->s_dst.a_family = f->pf_family;
	memcpy(sel->s_src.a_addr, f->pf_src, alen);
	memcpy(sel->s_dst.a_addr, f->pf_dst, alen);
	sel->s_src_plen = sel->s_dst_plen = (uint8_t)(alen * 8);
	sel->s_proto = f->pf_proto;
	if (f->pf_ports) {
		sel->s_sport = f->pf_sport;
		sel->s_dport = f->pf_dport;
		sel->s_sport_mask = sel->s_dport_mask = 0xffff;
	}
}

/* Traffic hit a trap policy with no SA: ask IKE for one, once per
 * ACQUIRE_EVERY seconds per policy (XFRM keeps a larval state as long). */
static void acquire(struct user_ctx *x, struct user_pol *up, const struct pkt_flow *f)
{
	const struct dp_policy *p = &up->up_pol;
	uint64_t last = atomic_load(&up->up_acquire_at);
	struct dp_event ev;

	if ((last && x->x_now < last + ACQUIRE_EVERY) || !x->x_u->u_cfg.c_event ||
	    !atomic_compare_exchange_strong(&up->up_acquire_at, &last, x->x_now))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.ev_type = DP_EV_ACQUIRE;
	ev.ev_reqid = p->p_reqid;
	flow_selector(f, &ev.ev_sel);
	if (!user_addr_is_zero(&p->p_tmpl_dst))
		ev.ev_dst = p->p_tmpl_dst;
	else
		ev.ev_dst = ev.ev_sel.s_dst;
	x->x_u->u_cfg.c_event(x->x_u->u_cfg.c_event_arg, &ev);
}

/* The IP packet at buf + USER_HEADROOM (a USER_SLOT): policy, SA, ESP,
 * destination. */
static int out_one(struct user_ctx *x, uint8_t *buf, size_t len, struct user_tx *tx)
{
	struct user_pol *up;
	const struct user_sa *sa;
	struct esp_pkt res;
	struct pkt_flow f;
	int r;

	if (pkt_parse(buf + USER_HEADROOM, len, &f) < 0) {
		ctr_inc(x, UC_MALFORMED, 1);
		return GW_E_PARSE;
	}
	if (!(up = user_snap_out(x->x_sn, &f))) {
		ctr_inc(x, UC_NO_POLICY, 1);
		return GW_E_NOTFOUND;
	}
	sa = user_pol_sa(up);
	if (!sa || esp_sa_dead(sa->us_esp)) {
		ctr_inc(x, UC_NO_SA_OUT, 1);
		if (up->up_pol.p_trap)
			acquire(x, up, &f);
		return GW_E_NOTFOUND;
	}
	r = esp_encap(sa->us_esp, x->x_crypto, buf, USER_SLOT, USER_HEADROOM, len, x->x_now, &res);
	if (r < 0) {
		ctr_inc(x, r == GW_E_STATE ? UC_EXPIRED : UC_MALFORMED, 1);
		return r;
	}
	return tx_prepare(x, sa, buf + res.ep_off, res.ep_len, tx);
}

/* The ESP packets of one TUN wake-up, sent a batch at a time. */
struct out_batch {
	struct user_tx ob_tx[USER_BATCH];
	size_t ob_n;
};

static uint8_t *out_slot(struct user_worker *w, struct user_ctx *x, struct out_batch *ob)
{
	if (ob->ob_n == USER_BATCH) {
		tx_flush(x, ob->ob_tx, ob->ob_n);
		ob->ob_n = 0;
	}
	return w->w_out + ob->ob_n * USER_SLOT;
}

static void out_push(struct user_ctx *x, struct out_batch *ob, uint8_t *slot, size_t len)
{
	if (out_one(x, slot, len, &ob->ob_tx[ob->ob_n]) == 0)
		ob->ob_n++;
}

#define SLOT_ROOM (USER_SLOT - USER_HEADROOM - ESP_TAILROOM)

/* One TUN read (virtio_net_hdr, packet): a TCP super-packet is cut into
 * segments, a partial checksum finished (offload.h). */
static void out_read(struct user_worker *w, struct user_ctx *x, struct out_batch *ob, size_t l)
{
	struct virtio_net_hdr vh;
	uint8_t *pkt = w->w_rx + OFFLOAD_HDR, *slot;
	size_t len = l - OFFLOAD_HDR, n;
	struct tso t;

	memcpy(&vh, w->w_rx, sizeof(vh));
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		if (offload_tso_init(&t, &vh, pkt, len) < 0) {
			ctr_inc(x, UC_MALFORMED, 1);
			return;
		}
		while ((slot = out_slot(w, x, ob)) &&
		       offload_tso_next(&t, slot + USER_HEADROOM, SLOT_ROOM, &n))
			out_push(x, ob, slot, n);
		return;
	}
	if (((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	     offload_csum_finish(pkt, len, le16toh(vh.csum_start), le16toh(vh.csum_offset)) < 0) ||
	    len > SLOT_ROOM) {
		ctr_inc(x, UC_MALFORMED, 1);
		return;
	}
	slot = out_slot(w, x, ob);
	memcpy(slot + USER_HEADROOM, pkt, len);
	out_push(x, ob, slot, len);
}

static void out_batch(struct user_worker *w, struct user_ctx *x)
{
	struct out_batch ob;

	ob.ob_n = 0;
	for (int reads = 0; reads < USER_READS; reads++) {
		ssize_t l = read(x->x_tunfd, w->w_rx, USER_RX);

		if (l <= 0)
			break;
		if ((size_t)l <= OFFLOAD_HDR) {
			ctr_inc(x, UC_MALFORMED, 1);
			continue;
		}
		out_read(w, x, &ob, (size_t)l);
	}
	tx_flush(x, ob.ob_tx, ob.ob_n);
}

/* ---- threads ---- */

static void *worker_main(void *arg)
{
	struct user_worker *w = arg;
	struct dp_user *u = w->w_u;
	struct user_ctx x = { .x_u = u,
			      .x_crypto = w->w_idx,
			      .x_tunfd = tun_fd(u->u_tun, w->w_idx),
			      .x_raw4 = w->w_raw4,
			      .x_raw6 = w->w_raw6,
			      .x_gro = &w->w_gro,
			      .x_ctrs = &w->w_ctrs,
			      .x_log_at = &w->w_log_at };
	struct epoll_event evs[4];

	for (;;) {
		int n = epoll_wait(w->w_ep, evs, 4, -1);
		bool stop = false;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		x.x_now = (uint64_t)time(NULL);
		x.x_sn = user_table_enter(u->u_tab, w->w_idx);
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case EV_STOP:
				stop = true;
				break;
			case EV_TUN:
				out_batch(w, &x);
				break;
			case EV_RAW4:
				in_batch(w, &x, w->w_raw4, AF_INET);
				break;
			case EV_RAW6:
				in_batch(w, &x, w->w_raw6, AF_INET6);
				break;
			}
		}
		user_table_leave(u->u_tab, w->w_idx);
		if (stop)
			break;
	}
	return NULL;
}

static void *hk_main(void *arg)
{
	struct dp_user *u = arg;
	struct pollfd pfd = { .fd = u->u_stopfd, .events = POLLIN };

	for (;;) {
		int r = poll(&pfd, 1, 1000);

		if (r > 0)
			break;
		if (r == 0)
			user_table_expire(u->u_tab, (uint64_t)time(NULL));
	}
	return NULL;
}

static int ep_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd < 0)
		return 0;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? GW_E_IO : 0;
}

static int worker_init(struct dp_user *u, struct user_worker *w, unsigned idx)
{
	w->w_u = u;
	w->w_idx = idx;
	w->w_rx = malloc(USER_RX);
	w->w_out = malloc((size_t)USER_BATCH * USER_SLOT);
	w->w_in = malloc((size_t)USER_BATCH * USER_BUF);
	gro_init(&w->w_gro);
	if (!w->w_rx || !w->w_out || !w->w_in)
		return GW_E_NOMEM;
	if ((w->w_ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return GW_E_IO;
	if (ep_add(w->w_ep, u->u_stopfd, EV_STOP) < 0 ||
	    ep_add(w->w_ep, tun_fd(u->u_tun, idx), EV_TUN) < 0 ||
	    ep_add(w->w_ep, w->w_raw4, EV_RAW4) < 0 || ep_add(w->w_ep, w->w_raw6, EV_RAW6) < 0)
		return GW_E_IO;
	if (pthread_create(&w->w_thread, NULL, worker_main, w) != 0)
		return GW_E_NOMEM;
	w->w_started = true;
	return 0;
}

int user_io_start(struct dp_user *u)
{
	int r;

	for (unsigned i = 0; i < u->u_nw; i++) {
		if ((r = worker_init(u, &u->u_w[i], i)) < 0)
			return r;
	}
	if (pthread_create(&u->u_hk, NULL, hk_main, u) != 0)
		return GW_E_NOMEM;
	u->u_hk_started = true;
	return 0;
}

void user_io_stop(struct dp_user *u)
{
	uint64_t one = 1;

	if (u->u_stopfd >= 0 && write(u->u_stopfd, &one, sizeof(one)) < 0)
		log_err(LOG_SUB_ESP, "stopping packet threads: %s", strerror(errno));
	for (unsigned i = 0; u->u_w && i < u->u_nw; i++) {
		struct user_worker *w = &u->u_w[i];

		if (w->w_started)
			pthread_join(w->w_thread, NULL);
		if (w->w_ep >= 0)
			close(w->w_ep);
		free(w->w_rx);
		free(w->w_out);
		free(w->w_in);
		w->w_started = false;
		w->w_ep = -1;
		w->w_rx = w->w_out = w->w_in = NULL;
	}
	if (u->u_hk_started)
		pthread_join(u->u_hk, NULL);
	u->u_hk_started = false;
}

int user_io_input_udp(struct dp_user *u, uint8_t *pkt, size_t len, const struct dp_addr *src,
		      const struct dp_addr *dst)
{
	unsigned h = (unsigned)((uintptr_t)pthread_self() >> 8), slot;
	struct user_ctx x = { .x_u = u,
			      .x_crypto = u->u_nw + h % USER_EXT_CTX,
			      .x_tunfd = tun_fd(u->u_tun, h % tun_queues(u->u_tun)),
			      .x_raw4 = -1,
			      .x_raw6 = -1,
			      .x_gro = NULL,
			      .x_ctrs = &u->u_ext,
			      .x_shared = true,
			      .x_now = (uint64_t)time(NULL),
			      .x_log_at = &u->u_log_at };
	int r;

	x.x_sn = user_table_enter_any(u->u_tab, &slot);
	r = in_one(&x, pkt, len, src, dst, true);
	user_table_leave(u->u_tab, slot);
	return r;
}

void user_io_counters(struct dp_user *u, struct dp_user_counters *c)
{
	uint64_t v[UC_MAX] = { 0 };

	for (int i = 0; i < UC_MAX; i++) {
		v[i] = atomic_load(&u->u_ext.c_v[i]);
		for (unsigned k = 0; k < u->u_nw; k++)
			v[i] += atomic_load(&u->u_w[k].w_ctrs.c_v[i]);
	}
	c->uc_rx_esp = v[UC_RX_ESP];
	c->uc_rx_ok = v[UC_RX_OK];
	c->uc_tx_esp = v[UC_TX_ESP];
	c->uc_no_sa = v[UC_NO_SA];
	c->uc_malformed = v[UC_MALFORMED];
	c->uc_replay = v[UC_REPLAY];
	c->uc_integrity = v[UC_INTEGRITY];
	c->uc_expired = v[UC_EXPIRED];
	c->uc_dummy = v[UC_DUMMY];
	c->uc_policy = v[UC_POLICY];
	c->uc_no_policy = v[UC_NO_POLICY];
	c->uc_no_sa_out = v[UC_NO_SA_OUT];
	c->uc_io_errors = v[UC_IO_ERRORS];
}
