/*
 * dptool: manual keying for the data path tests. Installs the SAs and
 * policies of a JSON file through datapath.h (either backend), owns a UDP
 * socket for ESP-in-UDP (RFC 3948), prints data path events as JSON lines,
 * writes SA counters on SIGUSR1 and at exit, removes everything on
 * SIGTERM/SIGINT. See README.md for the format.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <jansson.h>

#include "dptool.h"
#include "datapath/userspace.h"
#include "util/err.h"
#include "util/log.h"

#define UDP_BATCH 32
#define UDP_BUF   65536
#define CMSG_BUF  64 /* >= CMSG_SPACE(sizeof(struct in6_pktinfo)) */

struct dptool {
	struct datapath *t_dp;
	struct dpt_cfg t_cfg;
	enum dp_backend t_backend;
	const char *t_tun;
	const char *t_stats;
	unsigned t_threads;
	int t_port;
	int t_udp4, t_udp6;
	int t_sigfd;
	unsigned t_gen;
	uint64_t t_udp_ike, t_udp_keepalive, t_udp_esp;
	pthread_mutex_t t_out_lock;
	uint8_t *t_buf;
};

/* One JSON object as one line on stdout; takes the reference. */
static void emit(struct dptool *t, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	pthread_mutex_lock(&t->t_out_lock);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	pthread_mutex_unlock(&t->t_out_lock);
	free(s);
	json_decref(o);
}

static json_t *addr_json(const struct dp_addr *a, int plen)
{
	char buf[64], out[80];

	dptool_addr_str(a, buf, sizeof(buf));
	if (plen < 0)
		return json_string(buf);
	snprintf(out, sizeof(out), "%s/%d", buf, plen);
	return json_string(out);
}

/* Called from the data path's threads: quick and thread-safe. */
static void on_event(void *arg, const struct dp_event *ev)
{
	static const char *const names[] = { "soft-expire", "hard-expire", "acquire" };
	struct dptool *t = arg;
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(names[ev->ev_type]));
	json_object_set_new(o, "spi", json_integer(ev->ev_spi));
	json_object_set_new(o, "dst", addr_json(&ev->ev_dst, -1));
	json_object_set_new(o, "reqid", json_integer(ev->ev_reqid));
	if (ev->ev_type == DP_EV_ACQUIRE) {
		const struct dp_selector *s = &ev->ev_sel;
		json_t *sel = json_object();

		json_object_set_new(sel, "src", addr_json(&s->s_src, s->s_src_plen));
		json_object_set_new(sel, "dst", addr_json(&s->s_dst, s->s_dst_plen));
		json_object_set_new(sel, "proto", json_integer(s->s_proto));
		json_object_set_new(sel, "sport", json_integer(s->s_sport));
		json_object_set_new(sel, "dport", json_integer(s->s_dport));
		json_object_set_new(o, "sel", sel);
	}
	emit(t, o);
}

static json_t *sa_stats_json(struct dptool *t, const struct dp_sa *sa)
{
	struct dp_sa_stats st;
	json_t *o = json_object();
	char hex[16];
	int r;

	snprintf(hex, sizeof(hex), "0x%08x", sa->sa_spi);
	json_object_set_new(o, "spi", json_integer(sa->sa_spi));
	json_object_set_new(o, "spi_hex", json_string(hex));
	json_object_set_new(o, "dst", addr_json(&sa->sa_dst, -1));
	json_object_set_new(o, "inbound", json_boolean(sa->sa_inbound));
	if ((r = dp_sa_stats(t->t_dp, sa->sa_spi, &sa->sa_dst, &st)) < 0) {
		json_object_set_new(o, "error", json_string(gw_strerror(r)));
		return o;
	}
	json_object_set_new(o, "bytes", json_integer((json_int_t)st.st_bytes));
	json_object_set_new(o, "packets", json_integer((json_int_t)st.st_packets));
	json_object_set_new(o, "replay_errors", json_integer((json_int_t)st.st_replay_errors));
	json_object_set_new(o, "integrity_failures",
			    json_integer((json_int_t)st.st_integrity_failures));
	json_object_set_new(o, "add_time", json_integer((json_int_t)st.st_add_time));
	json_object_set_new(o, "last_use", json_integer((json_int_t)st.st_last_use));
	return o;
}

static json_t *counters_json(struct dptool *t)
{
	struct dp_user_counters c;
	json_t *o = json_object();

	json_object_set_new(o, "udp_ike", json_integer((json_int_t)t->t_udp_ike));
	json_object_set_new(o, "udp_keepalive", json_integer((json_int_t)t->t_udp_keepalive));
	json_object_set_new(o, "udp_esp", json_integer((json_int_t)t->t_udp_esp));
	if (dp_user_counters(t->t_dp, &c) < 0)
		return o;
#define C(f) json_object_set_new(o, #f, json_integer((json_int_t)c.uc_##f))
	C(rx_esp);
	C(rx_ok);
	C(tx_esp);
	C(no_sa);
	C(malformed);
	C(replay);
	C(integrity);
	C(expired);
	C(dummy);
	C(policy);
	C(no_policy);
	C(no_sa_out);
	C(io_errors);
#undef C
	return o;
}

/* Every SA's counters, written to a temporary file and renamed, so a
 * reader never sees half a file. */
static int stats_write(struct dptool *t)
{
	json_t *o = json_object(), *sas = json_array();
	char tmp[4096];
	int r = 0;

	if (!t->t_stats) {
		json_decref(o);
		json_decref(sas);
		return 0;
	}
	for (size_t i = 0; i < t->t_cfg.c_nsas; i++)
		json_array_append_new(sas, sa_stats_json(t, &t->t_cfg.c_sas[i].sc_sa));
	json_object_set_new(o, "generation", json_integer(++t->t_gen));
	json_object_set_new(o, "backend", json_string(dp_backend_name(dp_backend_of(t->t_dp))));
	json_object_set_new(o, "sas", sas);
	json_object_set_new(o, "counters", counters_json(t));
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->t_stats);
	if (json_dump_file(o, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
	    rename(tmp, t->t_stats) < 0) {
		fprintf(stderr, "dptool: writing %s: %s\n", t->t_stats, strerror(errno));
		r = GW_E_IO;
	}
	json_decref(o);
	return r;
}

/* The UDP encapsulation socket (RFC 3948): port for IKE and ESP-in-UDP,
 * with our own address of each datagram (IP_PKTINFO). */
static int udp_open(int family, int port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1, sz = 4 << 20;

	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0)
			goto fail;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0)
			goto fail;
	}
	return fd;
fail:
	fprintf(stderr, "dptool: UDP port %d (%s): %s\n", port, family == AF_INET ? "IPv4" : "IPv6",
		strerror(errno));
	close(fd);
	return -1;
}

static bool our_addr(struct msghdr *mh, int family, struct dp_addr *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->a_family = family;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (family == AF_INET && c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(dst->a_addr, &pi.ipi_addr, 4);
			return true;
		}
		if (family == AF_INET6 && c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(dst->a_addr, &pi.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

/* RFC 3948 section 2.2: a keepalive is one 0xff byte; IKE starts with
 * the 4-byte non-ESP marker (zeros); anything else is ESP. */
static void udp_one(struct dptool *t, uint8_t *p, size_t len, struct msghdr *mh, int family,
		    int port)
{
	struct sockaddr_in6 *from6 = mh->msg_name;
	struct sockaddr_in *from4 = mh->msg_name;
	struct dp_addr src = { .a_family = family }, dst;
	uint16_t sport;

	if (len == 1 && p[0] == 0xff) {
		t->t_udp_keepalive++;
		return;
	}
	if (len >= 4 && !p[0] && !p[1] && !p[2] && !p[3]) {
		t->t_udp_ike++;
		return;
	}
	if (!our_addr(mh, family, &dst))
		return;
	if (family == AF_INET) {
		memcpy(src.a_addr, &from4->sin_addr, 4);
		sport = ntohs(from4->sin_port);
	} else {
		memcpy(src.a_addr, &from6->sin6_addr, 16);
		sport = ntohs(from6->sin6_port);
	}
	t->t_udp_esp++;
	dp_esp_input_udp(t->t_dp, p, len, &src, sport, &dst, (uint16_t)port);
}

static void udp_input(struct dptool *t, int fd, int family)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in6 from[UDP_BATCH];
	union {
		char c[CMSG_BUF];
		size_t align; /* cmsghdr alignment */
	} ctl[UDP_BATCH];
	int n;

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = t->t_buf + (size_t)i * UDP_BUF;
		iov[i].iov_len = UDP_BUF;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		/* cppcheck-suppress legacyUninitvar ; recvmmsg fills it */
		mm[i].msg_hdr.msg_control = ctl[i].c;
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].c);
	}
	if ((n = recvmmsg(fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (int i = 0; i < n; i++)
		udp_one(t, iov[i].iov_base, mm[i].msg_len, &mm[i].msg_hdr, family, t->t_port);
}

static int install(struct dptool *t)
{
	int r;

	for (size_t i = 0; i < t->t_cfg.c_nsas; i++) {
		if ((r = dp_sa_add(t->t_dp, &t->t_cfg.c_sas[i].sc_sa)) < 0) {
			fprintf(stderr, "dptool: sas[%zu]: %s\n", i, gw_strerror(r));
			return r;
		}
	}
	for (size_t i = 0; i < t->t_cfg.c_npols; i++) {
		if ((r = dp_policy_add(t->t_dp, &t->t_cfg.c_pols[i])) < 0) {
			fprintf(stderr, "dptool: policies[%zu]: %s\n", i, gw_strerror(r));
			return r;
		}
	}
	return 0;
}

/* Until SIGTERM/SIGINT; SIGUSR1 writes the counters. */
static int run(struct dptool *t)
{
	struct pollfd pfd[3] = { { .fd = t->t_sigfd, .events = POLLIN },
				 { .fd = t->t_udp4, .events = POLLIN },
				 { .fd = t->t_udp6, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return GW_E_IO;
		}
		if (pfd[1].revents & POLLIN)
			udp_input(t, t->t_udp4, AF_INET);
		if (pfd[2].revents & POLLIN)
			udp_input(t, t->t_udp6, AF_INET6);
		if (!(pfd[0].revents & POLLIN) || read(t->t_sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR1) {
			stats_write(t);
			continue;
		}
		return 0;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dptool --backend auto|xfrm|userspace [--tun NAME] [--udp-port PORT]\n"
		"              --config FILE.json [--stats FILE] [--threads N] [--log-level "
		"LEVEL]\n");
}

static int parse_args(struct dptool *t, int argc, char **argv, const char **config, int *level)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "tun", required_argument, NULL, 't' },
		{ "udp-port", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "stats", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'n' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "b:t:u:c:s:n:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "auto"))
				t->t_backend = DP_BACKEND_AUTO;
			else if (!strcmp(optarg, "xfrm"))
				t->t_backend = DP_BACKEND_XFRM;
			else if (!strcmp(optarg, "userspace"))
				t->t_backend = DP_BACKEND_USERSPACE;
			else
				return -1;
			break;
		case 't':
			t->t_tun = optarg;
			break;
		case 'u':
			t->t_port = atoi(optarg);
			if (t->t_port <= 0 || t->t_port > 65535)
				return -1;
			break;
		case 'c':
			*config = optarg;
			break;
		case 's':
			t->t_stats = optarg;
			break;
		case 'n':
			t->t_threads = (unsigned)atoi(optarg);
			break;
		case 'l':
			if ((*level = log_level_parse(optarg)) < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return *config && optind == argc ? 0 : -1;
}

/* Signals arrive through signalfd; the data path's threads, started
 * later, inherit the blocked mask. */
static int signals_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int start(struct dptool *t)
{
	struct dp_config cfg = { .c_backend = t->t_backend,
				 .c_tun_name = t->t_tun,
				 .c_threads = t->t_threads,
				 .c_event = on_event,
				 .c_event_arg = t,
				 .c_udp4_fd = t->t_udp4,
				 .c_udp6_fd = t->t_udp6 };
	json_t *o;
	int r;

	if ((r = dp_new(&cfg, &t->t_dp)) < 0) {
		fprintf(stderr, "dptool: data path: %s\n", gw_strerror(r));
		return r;
	}
	/* The kernel decapsulates ESP-in-UDP itself on the xfrm backend. */
	if (dp_backend_of(t->t_dp) == DP_BACKEND_XFRM) {
		if ((t->t_udp4 >= 0 && (r = dp_udp_encap_enable(t->t_dp, t->t_udp4)) < 0) ||
		    (t->t_udp6 >= 0 && (r = dp_udp_encap_enable(t->t_dp, t->t_udp6)) < 0)) {
			fprintf(stderr, "dptool: UDP encapsulation: %s\n", gw_strerror(r));
			return r;
		}
	}
	if ((r = install(t)) < 0)
		return r;
	o = json_object();
	json_object_set_new(o, "event", json_string("ready"));
	json_object_set_new(o, "backend", json_string(dp_backend_name(dp_backend_of(t->t_dp))));
	json_object_set_new(o, "sas", json_integer((json_int_t)t->t_cfg.c_nsas));
	json_object_set_new(o, "policies", json_integer((json_int_t)t->t_cfg.c_npols));
	emit(t, o);
	return 0;
}

int main(int argc, char **argv)
{
	struct dptool t = { .t_backend = DP_BACKEND_AUTO, .t_udp4 = -1, .t_udp6 = -1 };
	const char *config = NULL;
	int level = LOG_INFO, r = 1;

	pthread_mutex_init(&t.t_out_lock, NULL);
	if (parse_args(&t, argc, argv, &config, &level) < 0) {
		usage();
		return 2;
	}
	log_init("dptool", false, level);
	if ((t.t_sigfd = signals_block()) < 0 || dptool_cfg_load(config, &t.t_cfg) < 0)
		return 1;
	if (!(t.t_buf = malloc((size_t)UDP_BATCH * UDP_BUF)))
		goto out;
	if (t.t_port) {
		t.t_udp4 = udp_open(AF_INET, t.t_port);
		t.t_udp6 = udp_open(AF_INET6, t.t_port);
		if (t.t_udp4 < 0)
			goto out;
	}
	if (start(&t) < 0 || run(&t) < 0)
		goto out;
	r = 0;
out:
	if (t.t_dp) {
		stats_write(&t);
		dp_free(t.t_dp);
		emit(&t, json_pack("{s:s}", "event", "stopped"));
	}
	if (t.t_udp4 >= 0)
		close(t.t_udp4);
	if (t.t_udp6 >= 0)
		close(t.t_udp6);
	dptool_cfg_free(&t.t_cfg);
	free(t.t_buf);
	close(t.t_sigfd);
	return r;
}
