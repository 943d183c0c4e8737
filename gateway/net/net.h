/*
 * net.h: the gateway's UDP sockets for IKE (port 500) and NAT-T (port
 * 4500, RFC 3948), IPv4 and IPv6, and the receiver thread that reads them
 * in batches (recvmmsg). On the NAT-T port it strips the non-ESP marker,
 * drops NAT keepalives (a single 0xff byte) and hands ESP to the data path;
 * IKE datagrams go to the engine. Both through function pointers that main
 * wires in (net/ never includes sa/). net_send() is thread-safe.
 */
#ifndef PAL_NET_NET_H
#define PAL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_MAX_SOCKETS 32
#define NET_DGRAM_MAX   65536
#define NET_RCVBUF      (4 << 20) /* receive buffer per socket, bytes */

/* One received datagram. data is writable (ESP decrypts in place) and
 * valid only during the callback. */
struct net_dgram {
	uint8_t *d_data;
	size_t d_len;
	struct sockaddr_storage d_src; /* the peer */
	struct sockaddr_storage d_dst; /* our address and port it came to */
	bool d_natt;                   /* arrived on the NAT-T port (marker stripped) */
};

typedef void (*net_recv_fn)(void *arg, struct net_dgram *d);

struct net_config {
	const char *const *nc_addrs; /* numeric addresses to bind */
	size_t nc_n_addrs;
	uint16_t nc_ike_port;
	uint16_t nc_natt_port;
	net_recv_fn nc_ike; /* IKE message (header not yet checked) */
	net_recv_fn nc_esp; /* ESP-in-UDP (NULL: dropped and counted) */
	void *nc_arg;
};

struct net_stats {
	uint64_t ns_rx_ike;
	uint64_t ns_rx_esp;
	uint64_t ns_rx_keepalive;
	uint64_t ns_rx_short;    /* too short to be anything */
	uint64_t ns_rx_overflow; /* dropped by the kernel: receive buffer full */
	uint64_t ns_tx;
	uint64_t ns_tx_errors;
};

struct net;

/* Bind every address on both ports (IPV6_V6ONLY on IPv6 sockets). */
int net_new(const struct net_config *cfg, struct net **out);
/* Start the receiver thread. */
int net_start(struct net *net);
/* Stop the receiver and close the sockets. NULL is fine. */
void net_free(struct net *net);
/*
 * Send an IKE message from local (address and port; the port selects the
 * socket, a zero address lets the kernel pick) to remote. On the NAT-T
 * port the non-ESP marker is prepended.
 */
int net_send(struct net *net, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *remote, const uint8_t *buf, size_t len);
/* A NAT-T keepalive (RFC 3948 2.3: one 0xff byte, no marker). */
int net_send_keepalive(struct net *net, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote);
/* Every bound socket: fds[i] of family fams[i]; returns the count (<= max). */
size_t net_sockets(const struct net *net, int *fds, int *fams, size_t max);
/* The bound socket for family and port, -1 if none (for the data path). */
int net_socket_fd(const struct net *net, int family, uint16_t port);
void net_get_stats(const struct net *net, struct net_stats *st);
/* Add (or remove) a host address of ours on the loopback device: a virtual
 * IP (RFC 7296 3.15) as our inner source. Already there / already gone
 * count as done. Counted: added twice (two IKE SAs of a reauthentication),
 * it goes with the second remove. */
int net_local_addr(int family, const uint8_t *addr, bool add);
/* "192.0.2.1[500]" / "[2001:db8::1][4500]" into buf. */
const char *net_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
