/* net_int.h: state shared by the files of net/ (internal). */
#ifndef PAL_NET_NET_INT_H
#define PAL_NET_NET_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "net/net.h"

struct net_sock {
	int s_fd;
	int s_family;
	uint16_t s_port;
	bool s_natt;
	uint32_t s_drops; /* SO_RXQ_OVFL's count at the last datagram (receiver only) */
	struct sockaddr_storage s_bound;
};

struct net {
	struct net_config n_cfg;
	struct net_sock n_socks[NET_MAX_SOCKETS];
	size_t n_nsocks;
	int n_epfd;
	int n_stopfd; /* eventfd: wakes the receiver to stop */
	pthread_t n_thread;
	bool n_running;
	_Atomic uint64_t n_rx_ike, n_rx_esp, n_rx_keepalive, n_rx_short, n_rx_overflow;
	_Atomic uint64_t n_tx, n_tx_errors;
};

/* recv.c */
void *net_receiver(void *arg);

#endif
