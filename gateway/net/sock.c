/* UDP sockets: bind, options, address formatting, sending. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/net_int.h"
#include "util/err.h"
#include "util/log.h"

const char *net_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s[%u]", a, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s][%u]", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", ss->ss_family);
	}
	return buf;
}

static int parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return 0;
	}
	return GW_E_INVAL;
}

/*
 * A receive buffer that holds a burst (a flood of IKE_SA_INITs arrives
 * faster than one receiver drains it; the default, 208 KiB, holds a couple
 * of hundred), and the kernel's count of what it still drops (SO_RXQ_OVFL,
 * read in recv.c). Best effort: FORCE needs CAP_NET_ADMIN, else rmem_max
 * caps the size.
 */
static void set_rcvbuf(int fd)
{
	int sz = NET_RCVBUF, on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0)
		log_warn(LOG_SUB_NET, "SO_RXQ_OVFL: %s (receive overflows not counted)",
			 strerror(errno));
}

/* Options every IKE socket needs: the local address of each datagram (to
 * answer from it), and IPv6 sockets that do not also take IPv4. */
static int set_options(int fd, int family)
{
	int on = 1;

	set_rcvbuf(fd);
	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)))
		return -1;
	return 0;
}

static int open_sock(struct net *net, const char *addr, uint16_t port, bool natt)
{
	struct net_sock *s = &net->n_socks[net->n_nsocks];
	struct epoll_event ev = { .events = EPOLLIN };
	char buf[64];
	int fd;

	if (net->n_nsocks >= NET_MAX_SOCKETS)
		return GW_E_RANGE;
	if (parse_addr(addr, port, &s->s_bound))
		return GW_E_INVAL;
	fd = socket(s->s_bound.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || set_options(fd, s->s_bound.ss_family) ||
	    bind(fd, (struct sockaddr *)&s->s_bound, sizeof(s->s_bound)) < 0) {
		log_err(LOG_SUB_NET, "cannot listen on %s: %s",
			net_addr_str(&s->s_bound, buf, sizeof(buf)), strerror(errno));
		if (fd >= 0)
			close(fd);
		return GW_E_IO;
	}
	ev.data.u32 = (uint32_t)net->n_nsocks;
	if (epoll_ctl(net->n_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return GW_E_IO;
	}
	s->s_fd = fd;
	s->s_family = s->s_bound.ss_family;
	s->s_port = port;
	s->s_natt = natt;
	net->n_nsocks++;
	log_info(LOG_SUB_NET, "listening on %s%s", net_addr_str(&s->s_bound, buf, sizeof(buf)),
		 natt ? " (NAT-T)" : "");
	return 0;
}

int net_new(const struct net_config *cfg, struct net **out)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
	struct net *net;
	int r = GW_E_IO;

	if (!(net = calloc(1, sizeof(*net))))
		return GW_E_NOMEM;
	net->n_cfg = *cfg;
	net->n_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	net->n_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (net->n_stopfd < 0 || net->n_epfd < 0 ||
	    epoll_ctl(net->n_epfd, EPOLL_CTL_ADD, net->n_stopfd, &ev) < 0)
		goto out;
	for (size_t i = 0; i < cfg->nc_n_addrs; i++) {
		if ((r = open_sock(net, cfg->nc_addrs[i], cfg->nc_ike_port, false)) ||
		    (r = open_sock(net, cfg->nc_addrs[i], cfg->nc_natt_port, true)))
			goto out;
	}
	*out = net;
	return 0;
out:
	net_free(net);
	return r;
}

int net_start(struct net *net)
{
	if (pthread_create(&net->n_thread, NULL, net_receiver, net))
		return GW_E_IO;
	net->n_running = true;
	return 0;
}

void net_free(struct net *net)
{
	uint64_t one = 1;

	if (!net)
		return;
	if (net->n_running) {
		if (write(net->n_stopfd, &one, sizeof(one)) != sizeof(one))
			log_err(LOG_SUB_NET, "cannot wake the receiver: %s", strerror(errno));
		pthread_join(net->n_thread, NULL);
	}
	for (size_t i = 0; i < net->n_nsocks; i++)
		close(net->n_socks[i].s_fd);
	if (net->n_epfd >= 0)
		close(net->n_epfd);
	if (net->n_stopfd >= 0)
		close(net->n_stopfd);
	free(net);
}

size_t net_sockets(const struct net *net, int *fds, int *fams, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < net->n_nsocks && n < max; i++, n++) {
		fds[n] = net->n_socks[i].s_fd;
		fams[n] = net->n_socks[i].s_family;
	}
	return n;
}

int net_socket_fd(const struct net *net, int family, uint16_t port)
{
	for (size_t i = 0; i < net->n_nsocks; i++)
		if (net->n_socks[i].s_family == family && net->n_socks[i].s_port == port)
			return net->n_socks[i].s_fd;
	return -1;
}

void net_get_stats(const struct net *net, struct net_stats *st)
{
	st->ns_rx_ike = net->n_rx_ike;
	st->ns_rx_esp = net->n_rx_esp;
	st->ns_rx_keepalive = net->n_rx_keepalive;
	st->ns_rx_short = net->n_rx_short;
	st->ns_rx_overflow = net->n_rx_overflow;
	st->ns_tx = net->n_tx;
	st->ns_tx_errors = net->n_tx_errors;
}
