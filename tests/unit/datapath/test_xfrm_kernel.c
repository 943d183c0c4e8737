/*
 * The xfrm backend against the running (host) kernel's XFRM netlink, in a
 * network namespace of its own (unshare(CLONE_NEWNET): nothing of the
 * host's is visible or touched, and it vanishes with the process). Needs
 * root; exits 77 (automake SKIP) otherwise. ESP itself may be missing
 * here (CI kernels lack esp4): what needs it runs in tests/kernel's VM;
 * this covers ALLOCSPI, policies, owner tags, acquire events, the probe.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "datapath/backend.h"
#include "datapath/xfrm_be.h"
#include "datapath/xfrm_msg.h"
#include "util/err.h"
#include "util/iana.h"

struct census {
	unsigned c_sa_ours, c_sa_other, c_pol_ours, c_pol_other;
};

static int count_sa(const struct nlmsghdr *nlh, void *arg)
{
	struct census *c = arg;
	struct xfrm_sa_info si;

	if (xfrm_msg_parse_sa(nlh, &si) == 0) {
		if (xfrm_tagged(si.si_seq) || xfrm_tagged(si.si_reqid))
			c->c_sa_ours++;
		else
			c->c_sa_other++;
	}
	return 0;
}

static int count_pol(const struct nlmsghdr *nlh, void *arg)
{
	struct census *c = arg;
	struct xfrm_pol_info pi;

	if (xfrm_msg_parse_policy(nlh, &pi) == 0) {
		if (xfrm_tagged(pi.pi_index))
			c->c_pol_ours++;
		else
			c->c_pol_other++;
	}
	return 0;
}

/* Runs one request on a socket of its own (outside any backend). */
static int raw_request(struct nl_msg *msg, xfrm_reply_fn fn, void *arg)
{
	struct nl_sock *sk;
	int rc;

	if ((rc = xfrm_nl_open(&sk, false)) == 0) {
		rc = xfrm_nl_request(sk, msg, fn, arg);
		nl_socket_free(sk);
	}
	xfrm_msg_free(msg);
	return rc;
}

static struct census take_census(void)
{
	struct census c = { 0 };
	struct nl_msg *msg;

	CU_ASSERT_EQUAL_FATAL(xfrm_msg_dump(XFRM_MSG_GETSA, &msg), 0);
	CU_ASSERT_EQUAL(raw_request(msg, count_sa, &c), 0);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_dump(XFRM_MSG_GETPOLICY, &msg), 0);
	CU_ASSERT_EQUAL(raw_request(msg, count_pol, &c), 0);
	return c;
}

static struct dp_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct dp_addr x = { .a_family = AF_INET, .a_addr = { a, b, c, d } };

	return x;
}

static void policy(struct dp_policy *p, enum dp_dir dir, uint8_t net)
{
	memset(p, 0, sizeof(*p));
	p->p_sel.s_family = AF_INET;
	p->p_sel.s_src = v4(10, 1, net, 0);
	p->p_sel.s_dst = v4(10, 2, net, 0);
	p->p_sel.s_src_plen = p->p_sel.s_dst_plen = 24;
	p->p_dir = dir;
	p->p_mode = DP_MODE_TUNNEL;
	p->p_tmpl_src = v4(192, 0, 2, 1);
	p->p_tmpl_dst = v4(192, 0, 2, 2);
	p->p_reqid = 5;
}

struct evlog {
	pthread_mutex_t e_lock;
	int e_count;
	struct dp_event e_last;
};

static void on_event(void *arg, const struct dp_event *ev)
{
	struct evlog *l = arg;

	pthread_mutex_lock(&l->e_lock);
	l->e_count++;
	l->e_last = *ev;
	pthread_mutex_unlock(&l->e_lock);
}

static struct evlog evlog = { .e_lock = PTHREAD_MUTEX_INITIALIZER };

static void *open_be(void)
{
	struct dp_config cfg = { .c_backend = DP_BACKEND_XFRM,
				 .c_event = on_event,
				 .c_event_arg = &evlog };
	void *st = NULL;

	CU_ASSERT_EQUAL(dp_xfrm_ops.o_open(&cfg, &st), 0);
	return st;
}

static void test_probe_leaves_nothing(void)
{
	struct census c;
	bool esp = dp_xfrm_esp_available();

	printf("(kernel ESP %s) ", esp ? "available" : "unavailable");
	c = take_census();
	CU_ASSERT_EQUAL(c.c_sa_ours + c.c_sa_other, 0);
}

static void test_allocspi(void)
{
	struct dp_addr src = v4(192, 0, 2, 1), dst = v4(192, 0, 2, 2);
	uint32_t a = 0, b = 0;
	struct census c;
	void *st = open_be();

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_spi_alloc(st, &src, &dst, &a), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_spi_alloc(st, &src, &dst, &b), 0);
	CU_ASSERT_TRUE(a >= XFRM_SPI_MIN && a <= XFRM_SPI_MAX);
	CU_ASSERT_TRUE(b >= XFRM_SPI_MIN && b <= XFRM_SPI_MAX);
	CU_ASSERT_NOT_EQUAL(a, b);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_sa_ours, 2); /* larval states, tagged */
	CU_ASSERT_EQUAL(c.c_sa_other, 0);
	/* reserved, not installed: no stats, no update */
	{
		struct dp_sa_stats st2;

		CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_stats(st, a, &dst, &st2), GW_E_NOTFOUND);
	}
	dp_xfrm_ops.o_close(st);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_sa_ours, 0);
}

static void test_policies(void)
{
	struct dp_policy out, in, fwd;
	struct census c;
	void *st = open_be();

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	policy(&out, DP_DIR_OUT, 1);
	policy(&in, DP_DIR_IN, 1);
	policy(&fwd, DP_DIR_FWD, 1);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &out), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &in), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &fwd), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &out), GW_E_EXISTS);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 3); /* the kernel kept our tagged index */
	CU_ASSERT_EQUAL(c.c_pol_other, 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_del(st, &in.p_sel, DP_DIR_IN, 0, 0), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_del(st, &in.p_sel, DP_DIR_IN, 0, 0), GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_del(st, &out.p_sel, DP_DIR_OUT, 1, 1), GW_E_NOTFOUND);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 2);
	dp_xfrm_ops.o_close(st);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 0);
}

/* An earlier run's leftovers go at open; others' states never do. */
static void test_flush_only_ours(void)
{
	struct dp_addr src = v4(192, 0, 2, 1), dst = v4(192, 0, 2, 2);
	struct dp_policy p;
	struct census c;
	struct nl_msg *msg;
	void *st;

	policy(&p, DP_DIR_OUT, 7); /* someone else's: kernel-chosen index */
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy(&p, 0 | XFRM_POLICY_OUT, &msg), 0);
	CU_ASSERT_EQUAL(raw_request(msg, NULL, NULL), 0);
	policy(&p, DP_DIR_OUT, 8); /* ours, from a crashed run */
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy(&p, XFRM_TAG | 0x777 << 3 | XFRM_POLICY_OUT, &msg),
			      0);
	CU_ASSERT_EQUAL(raw_request(msg, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_allocspi(&src, &dst, 0, 0x100, 0xfff, &msg), 0);
	CU_ASSERT_EQUAL(raw_request(msg, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_allocspi(&src, &dst, XFRM_TAG | 0x999, 0x1000, 0xffff, &msg),
			      0);
	CU_ASSERT_EQUAL(raw_request(msg, NULL, NULL), 0);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 1);
	CU_ASSERT_EQUAL(c.c_pol_other, 1);
	CU_ASSERT_EQUAL(c.c_sa_ours, 1);
	CU_ASSERT_EQUAL(c.c_sa_other, 1);

	st = open_be();
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 0);
	CU_ASSERT_EQUAL(c.c_pol_other, 1);
	CU_ASSERT_EQUAL(c.c_sa_ours, 0);
	CU_ASSERT_EQUAL(c.c_sa_other, 1);
	policy(&p, DP_DIR_OUT, 9);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &p), 0);
	policy(&p, DP_DIR_OUT, 7); /* same selector as the foreign one */
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &p), GW_E_EXISTS);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_del(st, &p.p_sel, DP_DIR_OUT, 0, 0), GW_E_NOTFOUND);
	dp_xfrm_ops.o_close(st);
	c = take_census();
	CU_ASSERT_EQUAL(c.c_pol_ours, 0);
	CU_ASSERT_EQUAL(c.c_pol_other, 1);
	CU_ASSERT_EQUAL(c.c_sa_other, 1);
	/* clean up the foreign ones for the next tests */
	CU_ASSERT_EQUAL_FATAL(xfrm_msg_policy_del(&p.p_sel, DP_DIR_OUT, 0, 0, 0, &msg), 0);
	CU_ASSERT_EQUAL(raw_request(msg, NULL, NULL), 0);
}

static int wait_events(int n)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, count = 0;

	for (i = 0; i < 150; i++) {
		pthread_mutex_lock(&evlog.e_lock);
		count = evlog.e_count;
		pthread_mutex_unlock(&evlog.e_lock);
		if (count >= n)
			break;
		nanosleep(&ts, NULL);
	}
	return count;
}

static void send_udp(uint8_t last, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	memcpy(&sin.sin_addr, (uint8_t[]){ 127, 0, 0, last }, 4);
	/* fails (EAGAIN) while the acquire is pending: that is expected */
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
}

static void test_acquire(void)
{
	struct dp_policy trap, plain;
	void *st = open_be();

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	memset(&trap, 0, sizeof(trap));
	trap.p_sel.s_family = AF_INET;
	trap.p_sel.s_src = v4(127, 0, 0, 1);
	trap.p_sel.s_dst = v4(127, 0, 0, 2);
	trap.p_sel.s_src_plen = trap.p_sel.s_dst_plen = 32;
	trap.p_sel.s_proto = IPPROTO_UDP;
	trap.p_dir = DP_DIR_OUT;
	trap.p_mode = DP_MODE_TRANSPORT;
	trap.p_reqid = 31;
	trap.p_trap = true;
	plain = trap;
	plain.p_sel.s_dst = v4(127, 0, 0, 3);
	plain.p_trap = false;
	plain.p_reqid = 32;
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &trap), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_policy_add(st, &plain), 0);
	pthread_mutex_lock(&evlog.e_lock);
	evlog.e_count = 0;
	pthread_mutex_unlock(&evlog.e_lock);

	send_udp(3, 9999); /* non-trap policy: the kernel acquires, we stay quiet */
	send_udp(2, 9999);
	CU_ASSERT_EQUAL(wait_events(1), 1);
	CU_ASSERT_EQUAL(evlog.e_last.ev_type, DP_EV_ACQUIRE);
	CU_ASSERT_EQUAL(evlog.e_last.ev_reqid, 31);
	CU_ASSERT_EQUAL(evlog.e_last.ev_sel.s_family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(evlog.e_last.ev_sel.s_src.a_addr, "\x7f\0\0\x01", 4), 0);
	CU_ASSERT_EQUAL(memcmp(evlog.e_last.ev_sel.s_dst.a_addr, "\x7f\0\0\x02", 4), 0);
	CU_ASSERT_EQUAL(evlog.e_last.ev_sel.s_dst_plen, 32);
	CU_ASSERT_EQUAL(evlog.e_last.ev_sel.s_proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(evlog.e_last.ev_sel.s_dport, 9999);
	CU_ASSERT_EQUAL(evlog.e_last.ev_dst.a_family, AF_INET);
	dp_xfrm_ops.o_close(st);
	CU_ASSERT_EQUAL(take_census().c_pol_ours, 0);
}

/* ESP itself: refused cleanly where the kernel lacks it, else installed. */
static void test_sa_add(void)
{
	static const uint8_t key[20] = { 1, 2, 3 };
	struct dp_sa sa;
	struct dp_sa_stats s;
	bool esp = dp_xfrm_esp_available();
	void *st = open_be();
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	memset(&sa, 0, sizeof(sa));
	sa.sa_spi = 0x2000;
	sa.sa_src = v4(192, 0, 2, 1);
	sa.sa_dst = v4(192, 0, 2, 2);
	sa.sa_encr = IKE_ENCR_AES_GCM_16;
	sa.sa_encr_keylen = 128;
	sa.sa_enc_key = key;
	sa.sa_enc_key_len = sizeof(key);
	rc = dp_xfrm_ops.o_sa_add(st, &sa);
	if (!esp) {
		CU_ASSERT_EQUAL(rc, GW_E_UNSUP);
		CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_del(st, sa.sa_spi, &sa.sa_dst), GW_E_NOTFOUND);
	} else {
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_add(st, &sa), GW_E_EXISTS);
		CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_stats(st, sa.sa_spi, &sa.sa_dst, &s), 0);
		CU_ASSERT_EQUAL(s.st_packets, 0);
		CU_ASSERT_TRUE(s.st_add_time > 0);
		CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_del(st, sa.sa_spi, &sa.sa_dst), 0);
	}
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_sa_stats(st, sa.sa_spi, &sa.sa_dst, &s), GW_E_NOTFOUND);
	dp_xfrm_ops.o_close(st);
	CU_ASSERT_EQUAL(take_census().c_sa_ours, 0);
}

static void test_udp_encap(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_EQUAL(dp_xfrm_ops.o_udp_encap_enable(NULL, u), 0);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_udp_encap_enable(NULL, t), GW_E_IO);
	CU_ASSERT_EQUAL(dp_xfrm_ops.o_udp_encap_enable(NULL, -1), GW_E_IO);
	close(u);
	close(t);
}

/* Loopback has disable_xfrm set by default: policies would never apply
 * to the test's traffic to 127.0.0.x. (Only in our own namespace.) */
static int lo_up(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "w");

	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	if (f == NULL || fputs("0\n", f) < 0)
		rc = -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	return rc;
}

static const struct ut_case kernel_cases[] = {
	{ "ESP probe leaves nothing", test_probe_leaves_nothing },
	{ "ALLOCSPI larval states", test_allocspi },
	{ "policies add/delete/close", test_policies },
	{ "flush: only our tagged leftovers", test_flush_only_ours },
	{ "acquire from a trap policy", test_acquire },
	{ "SA add (ESP or refusal)", test_sa_add },
	{ "UDP_ENCAP socket option", test_udp_encap },
	{ NULL, NULL },
};

static const struct ut_suite kernel_suite = { "datapath/xfrm (host kernel, own netns)",
					      kernel_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &kernel_suite, NULL };

	if (geteuid() != 0) {
		return ut_skip("test_xfrm_kernel", "needs root (CAP_NET_ADMIN)");
	}
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		fprintf(stderr, "test_xfrm_kernel: private network namespace: %s\n",
			strerror(errno));
		return 1;
	}
	return ut_main(suites);
}
