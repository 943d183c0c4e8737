/* The receiver thread: epoll over the sockets, batches of recvmmsg. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "net/net_int.h"
#include "util/log.h"

#define BATCH         32
#define CMSG_SPACE_RX (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint32_t)))

/* Per-thread receive buffers, allocated once (no allocation per datagram). */
struct rx_batch {
	struct mmsghdr b_msgs[BATCH];
	struct iovec b_iov[BATCH];
	struct sockaddr_storage b_src[BATCH];
	uint8_t b_cmsg[BATCH][CMSG_SPACE_RX];
	uint8_t b_data[BATCH][NET_DGRAM_MAX];
};

static void batch_reset(struct rx_batch *b)
{
	for (int i = 0; i < BATCH; i++) {
		b->b_iov[i] = (struct iovec){ b->b_data[i], NET_DGRAM_MAX };
		b->b_msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->b_src[i],
			.msg_namelen = sizeof(b->b_src[i]),
			.msg_iov = &b->b_iov[i],
			.msg_iovlen = 1,
			.msg_control = b->b_cmsg[i],
			.msg_controllen = sizeof(b->b_cmsg[i]),
		};
	}
}

/* SO_RXQ_OVFL: the socket's drop count when this datagram was queued; what
 * it grew by since the previous one, the kernel dropped in between (a full
 * buffer, or a bad checksum). Sent only once the count is non-zero. */
static void overflow(struct net *net, struct net_sock *s, const struct cmsghdr *c)
{
	uint32_t drops;

	memcpy(&drops, CMSG_DATA(c), sizeof(drops));
	net->n_rx_overflow += (uint32_t)(drops - s->s_drops);
	s->s_drops = drops;
}

/* Our own address the datagram was sent to, from IP(V6)_PKTINFO; the
 * kernel's drops from SO_RXQ_OVFL. */
static void ancillary(struct net *net, struct net_sock *s, struct msghdr *mh,
		      struct sockaddr_storage *dst)
{
	*dst = s->s_bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			overflow(net, s, c);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)dst)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)dst)->sin6_addr = pi.ipi6_addr;
		}
	}
}

/*
 * RFC 3948 section 2.2: on the NAT-T port a single 0xff byte is a
 * keepalive, four zero bytes (the non-ESP marker) precede IKE, anything
 * else with a non-zero SPI is ESP.
 */
static void dispatch(struct net *net, const struct net_sock *s, struct net_dgram *d)
{
	static const uint8_t marker[4];

	if (!s->s_natt) {
		net->n_rx_ike++;
		net->n_cfg.nc_ike(net->n_cfg.nc_arg, d);
		return;
	}
	if (d->d_len == 1 && d->d_data[0] == 0xff) {
		net->n_rx_keepalive++;
		return;
	}
	if (d->d_len < 8) {
		net->n_rx_short++;
		return;
	}
	if (!memcmp(d->d_data, marker, 4)) {
		d->d_data += 4;
		d->d_len -= 4;
		net->n_rx_ike++;
		net->n_cfg.nc_ike(net->n_cfg.nc_arg, d);
		return;
	}
	net->n_rx_esp++;
	if (net->n_cfg.nc_esp)
		net->n_cfg.nc_esp(net->n_cfg.nc_arg, d);
}

static void drain(struct net *net, struct net_sock *s, struct rx_batch *b)
{
	for (;;) {
		int n;

		batch_reset(b);
		n = recvmmsg(s->s_fd, b->b_msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn(LOG_SUB_NET, "recvmmsg: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct net_dgram d = {
				.d_data = b->b_data[i],
				.d_len = b->b_msgs[i].msg_len,
				.d_natt = s->s_natt,
			};

			memcpy(&d.d_src, &b->b_src[i], sizeof(d.d_src));
			ancillary(net, s, &b->b_msgs[i].msg_hdr, &d.d_dst);
			dispatch(net, s, &d);
		}
		if (n < BATCH)
			return;
	}
}

/*
 * The receiver only feeds the workers: woken by a datagram, it should not
 * preempt a worker in the middle of a job on the same CPU, since that
 * worker cannot take the datagram before its job ends anyway. SCHED_BATCH
 * (no wakeup preemption, the same fair share of the CPU) lets it run when
 * a worker waits or its slice ends, and then drain what has come in one
 * batch. Under a setup storm on a busy CPU this saves two context
 * switches and an inter-processor interrupt per datagram (PSK setups: a
 * quarter less CPU); on an idle CPU it runs at once, as before. The cost:
 * with every CPU busy, ESP-in-UDP (decrypted here) and the cookie gate
 * wait up to a scheduler slice (a few ms).
 */
static void receiver_sched(void)
{
	struct sched_param sp = { 0 };
	int e = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);

	if (e)
		log_warn(LOG_SUB_NET, "receiver: SCHED_BATCH: %s", strerror(e));
}

void *net_receiver(void *arg)
{
	struct net *net = arg;
	struct epoll_event evs[NET_MAX_SOCKETS + 1];
	struct rx_batch *b = malloc(sizeof(*b));

	if (!b) {
		log_err(LOG_SUB_NET, "receiver: out of memory");
		return NULL;
	}
	receiver_sched();
	for (;;) {
		int n = epoll_wait(net->n_epfd, evs, NET_MAX_SOCKETS + 1, -1);

		if (n < 0 && errno != EINTR) {
			log_err(LOG_SUB_NET, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == UINT32_MAX)
				goto out;
			drain(net, &net->n_socks[evs[i].data.u32], b);
		}
	}
out:
	free(b);
	return NULL;
}
