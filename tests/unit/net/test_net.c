/*
 * Unit tests for gateway/net: what the receiver hands to the engine and the
 * data path from ports 500 and 4500 (RFC 3948 2.2: keepalive, non-ESP
 * marker, ESP) on a receiver thread that does not preempt the workers
 * (SCHED_BATCH), and the kernel's drops on a full receive buffer
 * (SO_RXQ_OVFL), counted exactly. Loopback only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "runner.h"

#define FLOOD     10000 /* datagrams of FLOOD_LEN: more than a 4 MiB buffer holds */
#define FLOOD_LEN 1200

struct seen {
	atomic_int s_ike, s_esp, s_natt;
	atomic_size_t s_len;  /* of the last IKE datagram */
	atomic_uint s_first;  /* its first byte */
	atomic_uint s_dst_ok; /* its d_dst was 127.0.0.1 on the port it came to */
	atomic_int s_policy;  /* the receiver thread's scheduling policy */
};

static struct seen seen;
static uint16_t ike_port, natt_port;

static void on_ike(void *arg, struct net_dgram *d)
{
	const struct sockaddr_in *dst = (const struct sockaddr_in *)&d->d_dst;
	uint16_t want = d->d_natt ? natt_port : ike_port;

	(void)arg;
	atomic_store(&seen.s_len, d->d_len);
	atomic_store(&seen.s_first, d->d_len ? d->d_data[0] : 0x100);
	atomic_store(&seen.s_dst_ok, dst->sin_family == AF_INET &&
					     dst->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
					     ntohs(dst->sin_port) == want);
	if (d->d_natt)
		atomic_fetch_add(&seen.s_natt, 1);
	atomic_store(&seen.s_policy, sched_getscheduler(0));
	atomic_fetch_add(&seen.s_ike, 1);
}

static void on_esp(void *arg, struct net_dgram *d)
{
	(void)arg;
	(void)d;
	atomic_fetch_add(&seen.s_esp, 1);
}

/* A net on 127.0.0.1 at two free ports (tried from a pid-derived base). */
static struct net *net_open(void)
{
	static const char *const addrs[] = { "127.0.0.1" };
	struct net_config nc = { addrs, 1, 0, 0, on_ike, on_esp, NULL };
	struct net *net = NULL;

	memset(&seen, 0, sizeof(seen));
	for (int i = 0; i < 50 && !net; i++) {
		nc.nc_ike_port = (uint16_t)(20000 + (getpid() * 7 + i * 2) % 40000);
		nc.nc_natt_port = (uint16_t)(nc.nc_ike_port + 1);
		if (net_new(&nc, &net))
			net = NULL;
	}
	ike_port = nc.nc_ike_port;
	natt_port = nc.nc_natt_port;
	return net;
}

static void send_to(int fd, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_EQUAL(sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)),
			(ssize_t)len);
}

/* *n once it stopped growing for 100 ms (the receiver read everything). */
static int settle(atomic_int *n)
{
	struct timespec ms = { 0, 20000000 };
	int last = -1, still = 0;

	while (still < 5) {
		int now = atomic_load(n);

		still = now == last ? still + 1 : 0;
		last = now;
		nanosleep(&ms, NULL);
	}
	return last;
}

/* Until *n reaches want (up to 5 s); returns the count then. */
static int wait_count(atomic_int *n, int want)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000 && atomic_load(n) < want; i++)
		nanosleep(&ms, NULL);
	return atomic_load(n);
}

static void test_dispatch(void)
{
	static const uint8_t ike[28] = { 0x11, 2, 3, 4 };
	static const uint8_t marked[4 + 28] = { 0, 0, 0, 0, 0x22 };
	static const uint8_t esp[16] = { 0, 0, 0x10, 0x01 }; /* SPI 0x1001 */
	static const uint8_t keepalive = 0xff, shorty[5] = { 1 };
	struct net *net = net_open();
	struct net_stats st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(net_start(net), 0);
	send_to(fd, ike_port, ike, sizeof(ike));
	CU_ASSERT_EQUAL(wait_count(&seen.s_ike, 1), 1);
	CU_ASSERT_EQUAL(atomic_load(&seen.s_len), sizeof(ike));
	CU_ASSERT_EQUAL(atomic_load(&seen.s_first), 0x11);
	CU_ASSERT_TRUE(atomic_load(&seen.s_dst_ok));
	CU_ASSERT_EQUAL(atomic_load(&seen.s_policy), SCHED_BATCH); /* recv.c receiver_sched */
	send_to(fd, natt_port, &keepalive, 1);                     /* dropped, counted */
	send_to(fd, natt_port, shorty, sizeof(shorty));            /* neither */
	send_to(fd, natt_port, esp, sizeof(esp));
	send_to(fd, natt_port, marked, sizeof(marked)); /* IKE, marker gone */
	CU_ASSERT_EQUAL(wait_count(&seen.s_ike, 2), 2);
	CU_ASSERT_EQUAL(atomic_load(&seen.s_natt), 1);
	CU_ASSERT_EQUAL(atomic_load(&seen.s_len), 28);
	CU_ASSERT_EQUAL(atomic_load(&seen.s_first), 0x22);
	CU_ASSERT_TRUE(atomic_load(&seen.s_dst_ok));
	CU_ASSERT_EQUAL(atomic_load(&seen.s_esp), 1); /* sent before the marked one */
	net_get_stats(net, &st);
	CU_ASSERT_EQUAL(st.ns_rx_ike, 2);
	CU_ASSERT_EQUAL(st.ns_rx_esp, 1);
	CU_ASSERT_EQUAL(st.ns_rx_keepalive, 1);
	CU_ASSERT_EQUAL(st.ns_rx_short, 1);
	CU_ASSERT_EQUAL(st.ns_rx_overflow, 0);
	close(fd);
	net_free(net);
}

/*
 * Nobody reads while FLOOD datagrams arrive: the buffer fills, the kernel
 * drops the rest. Every datagram is then either received or counted as an
 * overflow (the count rides on the next datagram queued: one more is sent
 * once the backlog is read). As root the buffer is NET_RCVBUF, not the
 * default.
 */
static void test_overflow(void)
{
	static uint8_t buf[FLOOD_LEN] = { 0x33 };
	struct net *net = net_open();
	struct net_stats st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), got, rcvbuf = 0;
	socklen_t sl = sizeof(rcvbuf);

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_FATAL(fd >= 0);
	getsockopt(net_socket_fd(net, AF_INET, ike_port), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);
	if (geteuid() == 0)
		CU_ASSERT_TRUE(rcvbuf >= NET_RCVBUF); /* the kernel doubles it */
	for (int i = 0; i < FLOOD; i++)
		send_to(fd, ike_port, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(net_start(net), 0);
	got = settle(&seen.s_ike);
	CU_ASSERT_TRUE(got > 0 && got < FLOOD);
	send_to(fd, ike_port, buf, sizeof(buf));
	got = wait_count(&seen.s_ike, got + 1);
	net_get_stats(net, &st);
	CU_ASSERT_EQUAL(st.ns_rx_ike, (uint64_t)got);
	CU_ASSERT_EQUAL(st.ns_rx_overflow + (uint64_t)got, FLOOD + 1);
	if (geteuid() == 0) /* 4 MiB holds well over the default's ~200 */
		CU_ASSERT_TRUE(got > 1000);
	close(fd);
	net_free(net);
}

static const struct ut_case cases[] = {
	{ "dispatch: 500, keepalive, marker, ESP, short", test_dispatch },
	{ "overflow: every datagram received or counted", test_overflow },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "net", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}
