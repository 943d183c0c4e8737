/* Sending IKE datagrams from the right local address and port. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net_int.h"
#include "util/err.h"
#include "util/log.h"

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static const struct net_sock *find_sock(const struct net *net, int family, uint16_t port)
{
	for (size_t i = 0; i < net->n_nsocks; i++)
		if (net->n_socks[i].s_family == family && net->n_socks[i].s_port == port)
			return &net->n_socks[i];
	return NULL;
}

/* Source address through IP(V6)_PKTINFO, so replies leave from the
 * address the peer talked to even on a wildcard socket. */
static void set_source(struct msghdr *mh, uint8_t *cbuf, size_t clen,
		       const struct sockaddr_storage *local)
{
	struct cmsghdr *c;

	mh->msg_control = cbuf;
	mh->msg_controllen = clen;
	c = CMSG_FIRSTHDR(mh);
	if (local->ss_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst =
						 ((const struct sockaddr_in *)local)->sin_addr };

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr =
						  ((const struct sockaddr_in6 *)local)->sin6_addr };

		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	}
}

/* One datagram from the socket bound to local's port. */
static int send_iov(struct net *net, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, struct iovec *iov, size_t n)
{
	uint8_t cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
	const struct net_sock *s = find_sock(net, remote->ss_family, port_of(local));
	struct msghdr mh = { 0 };

	if (!s || local->ss_family != remote->ss_family)
		return GW_E_INVAL;
	mh.msg_name = (void *)remote;
	mh.msg_namelen = remote->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						      : sizeof(struct sockaddr_in6);
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	set_source(&mh, cbuf, sizeof(cbuf), local);
	if (sendmsg(s->s_fd, &mh, 0) < 0) {
		net->n_tx_errors++;
		log_debug(LOG_SUB_NET, "sendmsg: %s", strerror(errno));
		return GW_E_IO;
	}
	net->n_tx++;
	return 0;
}

int net_send_keepalive(struct net *net, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote)
{
	static const uint8_t ka = 0xff;
	struct iovec iov = { (void *)&ka, 1 };

	return send_iov(net, local, remote, &iov, 1);
}

int net_send(struct net *net, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	static const uint8_t marker[4];
	const struct net_sock *s = find_sock(net, remote->ss_family, port_of(local));
	struct iovec iov[2];
	size_t n = 0;

	if (s && s->s_natt)
		iov[n++] = (struct iovec){ (void *)marker, sizeof(marker) };
	iov[n++] = (struct iovec){ (void *)buf, len };
	return send_iov(net, local, remote, iov, n);
}
