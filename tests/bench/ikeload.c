/*
 * ikeload: an IKEv2 load generator (tests/bench; figures, not tests).
 * One thread: a few non-blocking UDP sockets under epoll drive many
 * initiator state machines (lg_sa.c), each IKE_SA_INIT + IKE_AUTH with a
 * CHILD_SA, retransmitting on a timer heap. It prints progress on stderr
 * and one "RESULT key=value ..." line on stdout: setups per second and the
 * latency of a setup (IKE_SA_INIT sent to IKE_AUTH answered), p50/p99.
 * With --hold it keeps the SAs up, prints "HELD up=N" and deletes them on
 * SIGUSR1 (for memory figures). Every run is bounded by --max-seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/ikeload.h"
#include "util/err.h"

#define BATCH   32
#define RX_MAX  9000
#define SOCKBUF (4 << 20)

static volatile sig_atomic_t got_usr1, got_stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

uint64_t lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
	return lg_now_ns() / 1000000u;
}

/* xorshift64*: SPIs only need to differ, never to be secret. */
uint64_t lg_rand(struct lg *g)
{
	g->g_rng ^= g->g_rng >> 12;
	g->g_rng ^= g->g_rng << 25;
	g->g_rng ^= g->g_rng >> 27;
	return (g->g_rng * 0x2545f4914f6cdd1dULL) >> 32;
}

/* ---- timers: a min-heap, stale entries skipped by generation ---- */

static void heap_swap(struct lg_timer *h, size_t a, size_t b)
{
	struct lg_timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

void lg_timer_arm(struct lg *g, struct lg_sa *sa, unsigned ms)
{
	size_t i;

	if (g->g_nheap == g->g_capheap) {
		size_t cap = g->g_capheap ? g->g_capheap * 2 : 1024;
		struct lg_timer *h = realloc(g->g_heap, cap * sizeof(*h));

		if (!h)
			return; /* no retransmission for this one; the run limit still holds */
		g->g_heap = h;
		g->g_capheap = cap;
	}
	sa->s_gen++;
	i = g->g_nheap++;
	g->g_heap[i] = (struct lg_timer){ now_ms() + ms, sa->s_idx, sa->s_gen };
	while (i > 0 && g->g_heap[i].t_due_ms < g->g_heap[(i - 1) / 2].t_due_ms) {
		heap_swap(g->g_heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_pop(struct lg *g)
{
	size_t i = 0;

	g->g_heap[0] = g->g_heap[--g->g_nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < g->g_nheap && g->g_heap[l].t_due_ms < g->g_heap[m].t_due_ms)
			m = l;
		if (r < g->g_nheap && g->g_heap[r].t_due_ms < g->g_heap[m].t_due_ms)
			m = r;
		if (m == i)
			return;
		heap_swap(g->g_heap, i, m);
		i = m;
	}
}

static void timers_run(struct lg *g)
{
	uint64_t now = now_ms();

	while (g->g_nheap && g->g_heap[0].t_due_ms <= now) {
		struct lg_timer t = g->g_heap[0];
		struct lg_sa *sa = &g->g_sas[t.t_idx];

		heap_pop(g);
		if (sa->s_gen == t.t_gen)
			lg_sa_timeout(g, sa);
	}
}

static int next_timeout(const struct lg *g)
{
	uint64_t now = now_ms();

	if (!g->g_nheap)
		return 100;
	if (g->g_heap[0].t_due_ms <= now)
		return 0;
	return g->g_heap[0].t_due_ms - now > 100 ? 100 : (int)(g->g_heap[0].t_due_ms - now);
}

/* ---- sockets ---- */

void lg_send(struct lg *g, const struct lg_sa *sa, const uint8_t *buf, size_t len)
{
	static const uint8_t marker[4];
	struct sockaddr_in to = g->g_cfg->c_target;
	struct iovec iov[2] = { { (void *)marker, 4 }, { (void *)buf, len } };
	struct msghdr mh = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov, .msg_iovlen = 2
	};

	/* RFC 3948 2.2: IKE on the NAT-T port carries the non-ESP marker */
	if (sa->s_natt) {
		to.sin_port = htons(g->g_cfg->c_natt_port);
	} else {
		mh.msg_iov = &iov[1];
		mh.msg_iovlen = 1;
	}
	g->g_tx++;
	(void)sendmsg(g->g_fd[sa->s_sock], &mh, 0); /* a loss is retransmitted */
}

void lg_send_req(struct lg *g, struct lg_sa *sa)
{
	lg_send(g, sa, sa->s_req, sa->s_req_len);
}

static int socks_open(struct lg *g)
{
	const struct lg_cfg *cf = g->g_cfg;
	int buf = SOCKBUF;

	if ((g->g_ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return GW_E_IO;
	for (unsigned i = 0; i < cf->c_nsock; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = cf->c_local };
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		socklen_t alen = sizeof(a);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if ((g->g_fd[i] = fd) < 0)
			return GW_E_IO;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(fd, (struct sockaddr *)&g->g_src[i], &alen) ||
		    epoll_ctl(g->g_ep, EPOLL_CTL_ADD, fd, &ev)) {
			fprintf(stderr, "ikeload: socket %u: %s\n", i, strerror(errno));
			return GW_E_IO;
		}
	}
	return 0;
}

struct rx {
	struct mmsghdr r_msgs[BATCH];
	struct iovec r_iov[BATCH];
	struct sockaddr_in r_from[BATCH];
	uint8_t r_data[BATCH][RX_MAX];
};

static void drain(struct lg *g, int fd, struct rx *rx)
{
	static const uint8_t marker[4];
	int n;

	do {
		for (int i = 0; i < BATCH; i++) {
			rx->r_iov[i] = (struct iovec){ rx->r_data[i], RX_MAX };
			rx->r_msgs[i].msg_hdr =
				(struct msghdr){ .msg_name = &rx->r_from[i],
						 .msg_namelen = sizeof(rx->r_from[i]),
						 .msg_iov = &rx->r_iov[i],
						 .msg_iovlen = 1 };
		}
		if ((n = recvmmsg(fd, rx->r_msgs, BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return;
		for (int i = 0; i < n; i++) {
			uint8_t *p = rx->r_data[i];
			size_t len = rx->r_msgs[i].msg_len;

			g->g_rx++;
			if (ntohs(rx->r_from[i].sin_port) == g->g_cfg->c_natt_port) {
				if (len < 4 + IKE_HDR_LEN || memcmp(p, marker, 4))
					continue; /* ESP or a keepalive: not ours to read */
				p += 4;
				len -= 4;
			}
			lg_sa_input(g, p, len);
		}
	} while (n == BATCH);
}

/* ---- the run ---- */

static bool setups_done(const struct lg *g)
{
	return g->g_started == g->g_cfg->c_count && g->g_inflight == 0;
}

static void launch(struct lg *g)
{
	const struct lg_cfg *cf = g->g_cfg;

	if (g->g_deleting) {
		while (g->g_inflight < cf->c_conc && g->g_del_next < cf->c_count) {
			struct lg_sa *sa = &g->g_sas[g->g_del_next++];

			if (sa->s_state == LG_ST_UP)
				lg_sa_delete(g, sa);
		}
		return;
	}
	while (g->g_inflight < cf->c_conc && g->g_started < cf->c_count)
		lg_sa_start(g, g->g_started);
}

static void progress(struct lg *g, uint64_t *last_ns, uint32_t *last_ok)
{
	uint64_t now = lg_now_ns();
	double dt = (double)(now - *last_ns) / 1e9;

	if (!g->g_cfg->c_progress_s || dt < g->g_cfg->c_progress_s)
		return;
	fprintf(stderr,
		"ikeload: %.0f s: %u ok (%.0f/s), %u failed, %u in flight, %u up, %llu "
		"retransmits\n",
		(double)(now - g->g_t_first_ns) / 1e9, g->g_ok, (g->g_ok - *last_ok) / dt,
		g->g_failed, g->g_inflight, g->g_up, (unsigned long long)g->g_retransmits);
	*last_ns = now;
	*last_ok = g->g_ok;
}

/* The phase after every setup: hold until SIGUSR1, then delete. */
static bool hold_phase(struct lg *g, bool *announced)
{
	if (!*announced) {
		printf("HELD up=%u ok=%u failed=%u\n", g->g_up, g->g_ok, g->g_failed);
		fflush(stdout);
		*announced = true;
	}
	if (got_usr1 && !g->g_deleting) {
		g->g_deleting = true;
		g->g_del_next = 0;
	}
	return g->g_deleting && g->g_del_next == g->g_cfg->c_count && g->g_inflight == 0;
}

static int run(struct lg *g)
{
	struct rx *rx = malloc(sizeof(*rx));
	uint64_t deadline = now_ms() + (uint64_t)g->g_cfg->c_max_s * 1000, last_ns = lg_now_ns();
	uint32_t last_ok = 0;
	bool announced = false;

	if (!rx)
		return GW_E_NOMEM;
	while (!got_stop && now_ms() < deadline) {
		struct epoll_event ev[LG_MAX_SOCKS];
		int n;

		if (setups_done(g) && (!g->g_cfg->c_hold || hold_phase(g, &announced)))
			break;
		launch(g);
		n = epoll_wait(g->g_ep, ev, LG_MAX_SOCKS, next_timeout(g));
		for (int i = 0; i < n; i++)
			drain(g, g->g_fd[ev[i].data.u32], rx);
		timers_run(g);
		progress(g, &last_ns, &last_ok);
	}
	free(rx);
	return got_stop || now_ms() >= deadline ? GW_E_AGAIN : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, uint32_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (n - 1) + 0.5);
	return v[i];
}

static void report(struct lg *g, int rc)
{
	const struct lg_cfg *cf = g->g_cfg;
	double el = g->g_t_last_ok_ns > g->g_t_first_ns
			    ? (double)(g->g_t_last_ok_ns - g->g_t_first_ns) / 1e9
			    : 0;

	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	qsort(g->g_lat_ms, g->g_ok, sizeof(double), cmp_double);
	printf("RESULT auth=%s count=%u concurrency=%u ok=%u failed=%u timeout=%u refused=%u "
	       "protocol=%u verify=%u local=%u retransmits=%llu cookies=%llu answered=%llu "
	       "peer_deleted=%u "
	       "deleted=%u elapsed_s=%.3f rate=%.1f lat_min_ms=%.3f lat_p50_ms=%.3f "
	       "lat_p99_ms=%.3f lat_max_ms=%.3f natt=%u cpu_s=%.2f ke_reuse=%u complete=%s\n",
	       cf->c_auth == LG_AUTH_PSK ? "psk" : "cert", cf->c_count, cf->c_conc, g->g_ok,
	       g->g_failed, g->g_fail[LG_FAIL_TIMEOUT], g->g_fail[LG_FAIL_REFUSED],
	       g->g_fail[LG_FAIL_PROTOCOL], g->g_fail[LG_FAIL_VERIFY], g->g_fail[LG_FAIL_LOCAL],
	       (unsigned long long)g->g_retransmits, (unsigned long long)g->g_cookies,
	       (unsigned long long)g->g_answered, g->g_peer_deleted, g->g_deleted, el,
	       el > 0 ? g->g_ok / el : 0, pct(g->g_lat_ms, g->g_ok, 0),
	       pct(g->g_lat_ms, g->g_ok, 0.5), pct(g->g_lat_ms, g->g_ok, 0.99),
	       pct(g->g_lat_ms, g->g_ok, 1), g->g_natt,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       cf->c_ke_reuse > 1 ? cf->c_ke_reuse : 1, rc ? "no" : "yes");
	fflush(stdout);
}

static int setup(struct lg *g, const struct lg_cfg *cf)
{
	char why[AUTH_WHY_LEN];
	int r;

	g->g_cfg = cf;
	g->g_hashes_len = auth_hash_set_ours(g->g_hashes, sizeof(g->g_hashes));
	if ((r = crypto_random(&g->g_rng, sizeof(g->g_rng))))
		return r;
	g->g_rng |= 1;
	if (!(g->g_sas = calloc(cf->c_count, sizeof(*g->g_sas))) ||
	    !(g->g_lat_ms = calloc(cf->c_count, sizeof(double))))
		return GW_E_NOMEM;
	if (cf->c_creds &&
	    ((r = auth_creds_load(cf->c_creds, &g->g_creds, why, sizeof(why))) ||
	     (cf->c_auth == LG_AUTH_CERT && (r = auth_local_new(g->g_creds, cf->c_cert, cf->c_key,
								&g->g_me, why, sizeof(why)))))) {
		fprintf(stderr, "ikeload: %s: %s\n", cf->c_creds, why);
		return r;
	}
	return socks_open(g);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct lg_cfg cf;
	struct lg g = { 0 };
	int r;

	if (lg_cfg_parse(argc, argv, &cf))
		return 2;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((r = setup(&g, &cf))) {
		fprintf(stderr, "ikeload: setup failed: %s\n", gw_strerror(r));
		return 1;
	}
	r = run(&g);
	report(&g, r);
	for (uint32_t i = 0; i < g.g_started; i++)
		lg_sa_clear(&g.g_sas[i]);
	lg_ke_end(&g);
	for (unsigned i = 0; i < cf.c_nsock; i++)
		close(g.g_fd[i]);
	close(g.g_ep);
	auth_local_free(g.g_me);
	auth_creds_unref(g.g_creds);
	free(g.g_sas);
	free(g.g_lat_ms);
	if (cf.c_psk) {
		crypto_wipe(cf.c_psk, strlen(cf.c_psk));
		free(cf.c_psk);
	}
	free(g.g_heap);
	return r || g.g_failed ? 1 : 0;
}
