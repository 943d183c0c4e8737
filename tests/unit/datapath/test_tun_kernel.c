/*
 * The TUN device's routes against the host kernel, in a network namespace
 * of its own (unshare(CLONE_NEWNET): nothing of the host is touched).
 * Root only (CAP_NET_ADMIN); skipped otherwise, a failure under
 * CHECK_NO_SKIP=1 (scripts/check). What the kernel holds
 * is read back with libnl's route cache, not from our own bookkeeping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "runner.h"
#include "datapath/tun.h"
#include "util/err.h"

#define TABLE 201

static struct tun *tun;

/* Routes in TABLE through our device, of one family, in the kernel. */
static int kernel_routes(int family)
{
	struct nl_sock *nl = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int n = 0;

	if (!nl || nl_connect(nl, NETLINK_ROUTE) < 0 ||
	    rtnl_route_alloc_cache(nl, family, 0, &cache) < 0) {
		nl_socket_free(nl);
		return -1;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		if (rtnl_route_get_table((struct rtnl_route *)o) == TABLE)
			n++;
	nl_cache_free(cache);
	nl_socket_free(nl);
	return n;
}

static struct dp_addr v4(uint32_t host)
{
	struct dp_addr a = { .a_family = AF_INET };
	uint32_t be = htonl(host);

	memcpy(a.a_addr, &be, 4);
	return a;
}

/* Our policy rules (priorities 3000 and 3001) in the kernel, IPv4. */
static int kernel_rules(void)
{
	struct nl_sock *nl = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int n = 0;

	if (!nl || nl_connect(nl, NETLINK_ROUTE) < 0 ||
	    rtnl_rule_alloc_cache(nl, AF_INET, &cache) < 0) {
		nl_socket_free(nl);
		return -1;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_rule *rule = (struct rtnl_rule *)o;
		uint32_t prio = rtnl_rule_get_prio(rule);

		n += rtnl_rule_get_family(rule) == AF_INET && (prio == 3000 || prio == 3001);
	}
	nl_cache_free(cache);
	nl_socket_free(nl);
	return n;
}

/* 3,000 host routes (the table grows several times), shared prefixes
 * counted once, host bits cleared, then all deleted again. */
static void test_many_routes(void)
{
	enum { N = 3000 };
	struct dp_addr a, b;

	for (uint32_t i = 0; i < N; i++) {
		a = v4(0x0a800000u + i);
		CU_ASSERT_EQUAL_FATAL(tun_route_add(tun, &a, 32, NULL), 0);
	}
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), N);
	/* 10.2.0.7/16 and 10.2.9.9/16 are one prefix: one route, two refs. */
	a = v4(0x0a020007u);
	b = v4(0x0a020909u);
	CU_ASSERT_EQUAL(tun_route_add(tun, &a, 16, NULL), 0);
	CU_ASSERT_EQUAL(tun_route_add(tun, &b, 16, NULL), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), N + 1);
	CU_ASSERT_EQUAL(tun_route_del(tun, &a, 16), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), N + 1);
	CU_ASSERT_EQUAL(tun_route_del(tun, &b, 16), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), N);
	CU_ASSERT_EQUAL(tun_route_del(tun, &b, 16), GW_E_NOTFOUND);
	for (uint32_t i = 0; i < N; i++) {
		a = v4(0x0a800000u + i);
		CU_ASSERT_EQUAL_FATAL(tun_route_del(tun, &a, 32), 0);
	}
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 0);
}

/* IPv6 /128 and a default route (plen 0); a preferred source that is not
 * local is dropped rather than failing the route. */
static void test_v6_default_prefsrc(void)
{
	struct dp_addr a = { .a_family = AF_INET6 }, any = { .a_family = AF_INET };
	struct dp_addr src = v4(0xc0000201u); /* 192.0.2.1: not on this host */
	struct dp_addr h = v4(0x0a010101u);
	int before = kernel_routes(AF_INET6);

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, "fd00:1::5", a.a_addr), 1);
	CU_ASSERT_EQUAL(tun_route_add(tun, &a, 128, NULL), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET6), before + 1);
	CU_ASSERT_EQUAL(tun_route_add(tun, &any, 0, NULL), 0);
	CU_ASSERT_EQUAL(tun_route_add(tun, &h, 32, &src), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 2);
	CU_ASSERT_EQUAL(tun_route_del(tun, &a, 128), 0);
	CU_ASSERT_EQUAL(tun_route_del(tun, &any, 0), 0);
	CU_ASSERT_EQUAL(tun_route_del(tun, &h, 32), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET6), before);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 0);
}

/* No ACK is asked for: the kernel's refusals must still come back, each
 * to its own request, and the next request must not see an old one. */
static void test_refusals(void)
{
	struct dp_addr a = v4(0x0a020304u), b = v4(0x0a020305u);

	CU_ASSERT_EQUAL(tun_route_add(tun, &a, 32, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(system("ip route del 10.2.3.4/32 table 201"), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 0);
	CU_ASSERT_EQUAL(tun_route_del(tun, &a, 32), GW_E_IO); /* ESRCH */
	CU_ASSERT_EQUAL_FATAL(system("ip link set ptst0 down"), 0);
	CU_ASSERT_EQUAL(tun_route_add(tun, &b, 32, NULL), GW_E_IO); /* ENETDOWN */
	CU_ASSERT_EQUAL_FATAL(system("ip link set ptst0 up"), 0);
	CU_ASSERT_EQUAL(tun_route_add(tun, &b, 32, NULL), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 1);
	CU_ASSERT_EQUAL(tun_route_del(tun, &b, 32), 0);
	CU_ASSERT_EQUAL(kernel_routes(AF_INET), 0);
}

static const struct ut_case tun_cases[] = {
	{ "3,000 routes, shared prefixes", test_many_routes },
	{ "IPv6, default route, preferred source", test_v6_default_prefsrc },
	{ "the kernel's refusals come back without ACKs", test_refusals },
	{ NULL, NULL },
};

static const struct ut_suite tun_suite = { "datapath/tun routes (host kernel, own netns)",
					   tun_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &tun_suite, NULL };
	struct tun_opts o = { .to_name = "ptst0",
			      .to_queues = 1,
			      .to_mtu = 1400,
			      .to_table = TABLE,
			      .to_mark = 0x5a5a,
			      .to_prio = 3000 };
	int r;

	if (geteuid() != 0) {
		return ut_skip("test_tun_kernel", "needs root (CAP_NET_ADMIN)");
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_tun_kernel: private network namespace: %s\n",
			strerror(errno));
		return 1;
	}
	if ((r = tun_open(&o, &tun)) < 0) {
		fprintf(stderr, "test_tun_kernel: tun_open: %s\n", gw_strerror(r));
		return 1;
	}
	if (kernel_rules() != 2) {
		fprintf(stderr, "test_tun_kernel: %d policy rules after tun_open, want 2\n",
			kernel_rules());
		return 1;
	}
	r = ut_main(suites);
	/* the routes' requests must leave the socket usable for libnl's
	 * own (ACKed) requests: tun_close deletes the rules with them */
	tun_close(tun);
	if (kernel_rules() != 0) {
		fprintf(stderr, "test_tun_kernel: %d policy rules left after tun_close\n",
			kernel_rules());
		return 1;
	}
	return r;
}
