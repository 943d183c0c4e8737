/*
 * userspace.c: dp_user_ops, the userspace ESP backend (for kernels without
 * ESP): opening and closing, SAs, policies and their routes, SPIs. The
 * packets themselves move in user_io.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/filter.h>

#include <openssl/rand.h>

#include "datapath/backend.h"
#include "datapath/esp.h"
#include "datapath/user_io.h"
#include "util/cpus.h"
#include "util/err.h"
#include "util/log.h"

#define USER_TUN_MTU 1400     /* room for ESP, UDP and IPv6 on a 1500-byte link */
#define USER_TABLE   20545    /* routing table of the selector routes ("PA") */
#define USER_MARK    0x50414c /* SO_MARK of our sockets ("PAL") */
#define USER_PRIO    20545
#define USER_SOCKBUF (4 << 20)
#define SPI_RSV_TTL  60 /* seconds an allocated SPI stays reserved unused */

/* An SPI handed out by dp_spi_alloc() and not yet used in an SA. */
struct user_spi_rsv {
	uint32_t sr_spi;
	struct dp_addr sr_dst;
	uint64_t sr_at;
	struct user_spi_rsv *sr_next;
};

static void sock_bufs(int fd)
{
	int sz = USER_SOCKBUF;

	/* FORCE needs CAP_NET_ADMIN, which we have; else take what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/*
 * Every raw socket sees every ESP packet; worker `shard` of n keeps those
 * whose SPI % n == shard, so each SA's packets stay on one thread and in
 * order (TCP inside the tunnel reads reordering as loss). A packet too
 * short for an SPI goes to worker 0, which counts it. IPv4 raw sockets see
 * the IP header (the SPI follows IHL * 4 bytes), IPv6 ones the payload.
 */
static int raw_shard(int fd, int family, unsigned shard, unsigned n)
{
	uint32_t short_ret = shard == 0 ? 0xffffffffu : 0;
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = IHL * 4 */
		BPF_STMT(BPF_MISC | BPF_TXA, 0),        /* A = X + 4 */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 4),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), /* len >= IHL * 4 + 4? */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, short_ret),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* A = SPI */
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, shard, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 4, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, short_ret),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), /* A = SPI */
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, shard, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = family == AF_INET ? sizeof(v4) / sizeof(v4[0])
							    : sizeof(v6) / sizeof(v6[0]),
				   .filter = family == AF_INET ? v4 : v6 };

	if (n < 2)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* Raw ESP (IP protocol 50). Blocking for sends (back-pressure to the TUN
 * queue); workers receive with MSG_DONTWAIT. The kernel may fragment what
 * we send (no DF): the peer reassembles before ESP. */
static int raw_open(int family, unsigned shard, unsigned n)
{
	int fd, one = 1, mark = USER_MARK, pmtu;

	if ((fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ESP)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    raw_shard(fd, family, shard, n) < 0)
		goto fail;
	if (family == AF_INET) {
		pmtu = IP_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) < 0)
			goto fail;
	} else {
		pmtu = IPV6_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto fail;
	}
	sock_bufs(fd);
	return fd;
fail:
	close(fd);
	return -1;
}

/* The IKE daemon's UDP sockets carry our ESP-in-UDP: they must bypass the
 * selector routes, like its IKE packets (the XFRM socket bypass policy). */
static void udp_mark(int fd)
{
	int mark = USER_MARK;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		log_warn(LOG_SUB_KNL, "userspace data path: SO_MARK on UDP socket: %s",
			 strerror(errno));
}

static int user_socket_bypass(void *state, int fd, int family)
{
	(void)state;
	(void)family;
	udp_mark(fd);
	return 0;
}

static unsigned workers_of(const struct dp_config *cfg)
{
	long n = cfg->c_threads ? (long)cfg->c_threads : (long)util_cpus_usable();

	if (n < 1)
		n = 1;
	return n > USER_MAX_WORKERS ? USER_MAX_WORKERS : (unsigned)n;
}

static int open_sockets(struct dp_user *u)
{
	for (unsigned i = 0; i < u->u_nw; i++) {
		struct user_worker *w = &u->u_w[i];

		if ((w->w_raw4 = raw_open(AF_INET, i, u->u_nw)) < 0) {
			log_err(LOG_SUB_KNL, "userspace data path: raw ESP socket: %s",
				strerror(errno));
			return GW_E_IO;
		}
		if ((w->w_raw6 = raw_open(AF_INET6, i, u->u_nw)) < 0 && i == 0)
			log_warn(LOG_SUB_KNL, "userspace data path: no IPv6 raw ESP socket: %s",
				 strerror(errno));
	}
	udp_mark(u->u_udp4);
	udp_mark(u->u_udp6);
	return 0;
}

static void user_close(void *state)
{
	struct dp_user *u = state;
	struct user_spi_rsv *r, *next;

	if (!u)
		return;
	user_io_stop(u);
	tun_close(u->u_tun);
	for (unsigned i = 0; u->u_w && i < u->u_nw; i++) {
		if (u->u_w[i].w_raw4 >= 0)
			close(u->u_w[i].w_raw4);
		if (u->u_w[i].w_raw6 >= 0)
			close(u->u_w[i].w_raw6);
	}
	if (u->u_stopfd >= 0)
		close(u->u_stopfd);
	user_table_free(u->u_tab);
	for (r = u->u_rsv; r; r = next) {
		next = r->sr_next;
		free(r);
	}
	free(u->u_w);
	pthread_mutex_destroy(&u->u_lock);
	pthread_mutex_destroy(&u->u_route_lock);
	free(u);
}

static int user_open(const struct dp_config *cfg, void **state)
{
	struct tun_opts to = { .to_name = cfg->c_tun_name,
			       .to_mtu = USER_TUN_MTU,
			       .to_table = USER_TABLE,
			       .to_mark = USER_MARK,
			       .to_prio = USER_PRIO };
	struct dp_user *u;
	int r = GW_E_NOMEM;

	*state = NULL;
	if (!(u = calloc(1, sizeof(*u))))
		return r;
	pthread_mutex_init(&u->u_lock, NULL);
	pthread_mutex_init(&u->u_route_lock, NULL);
	u->u_cfg = *cfg;
	u->u_cfg.c_tun_name = NULL; /* borrowed: only tun_open reads it */
	u->u_udp4 = cfg->c_udp4_fd;
	u->u_udp6 = cfg->c_udp6_fd;
	u->u_nw = to.to_queues = workers_of(cfg);
	if ((u->u_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    !(u->u_w = calloc(u->u_nw, sizeof(*u->u_w)))) {
		r = u->u_stopfd < 0 ? GW_E_IO : GW_E_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < u->u_nw; i++)
		u->u_w[i].w_ep = u->u_w[i].w_raw4 = u->u_w[i].w_raw6 = -1;
	if ((r = user_table_new(&u->u_tab)) < 0 || (r = user_table_reserve(u->u_tab, u->u_nw)) < 0)
		goto out;
	if ((r = tun_open(&to, &u->u_tun)) < 0 || (r = open_sockets(u)) < 0)
		goto out;
	if ((r = user_io_start(u)) < 0)
		goto out;
	log_info(LOG_SUB_KNL, "userspace data path on %s: %u packet thread(s)", tun_name(u->u_tun),
		 u->u_nw);
	*state = u;
out:
	if (r < 0)
		user_close(u);
	return r;
}

static bool addr_ok(const struct dp_addr *a)
{
	return a->a_family == AF_INET || a->a_family == AF_INET6;
}

/* What we can carry: addresses of one family, and a socket for UDP
 * encapsulation if the SA sends that way. */
static int sa_check(const struct dp_user *u, const struct dp_sa *d)
{
	if (!addr_ok(&d->sa_dst) ||
	    (addr_ok(&d->sa_src) && d->sa_src.a_family != d->sa_dst.a_family))
		return GW_E_INVAL;
	if (!d->sa_inbound && (d->sa_encap_dport != 0) &&
	    (d->sa_dst.a_family == AF_INET ? u->u_udp4 : u->u_udp6) < 0) {
		log_err(LOG_SUB_ESP, "SA 0x%08x: UDP encapsulation without a UDP socket",
			d->sa_spi);
		return GW_E_UNSUP;
	}
	return 0;
}

static void rsv_drop(struct dp_user *u, uint32_t spi, const struct dp_addr *dst, uint64_t now)
{
	struct user_spi_rsv **pp = &u->u_rsv, *r;

	while ((r = *pp)) {
		if ((r->sr_spi == spi && user_addr_eq(&r->sr_dst, dst)) ||
		    now > r->sr_at + SPI_RSV_TTL) {
			*pp = r->sr_next;
			free(r);
		} else {
			pp = &r->sr_next;
		}
	}
}

static int user_sa_add(void *state, const struct dp_sa *d)
{
	struct dp_user *u = state;
	struct esp_opts o = { .eo_window = u->u_cfg.c_replay_window,
			      .eo_nctx = u->u_nw + USER_EXT_CTX,
			      .eo_event = u->u_cfg.c_event,
			      .eo_event_arg = u->u_cfg.c_event_arg,
			      .eo_now = (uint64_t)time(NULL) };
	struct user_sa *sa;
	int r;

	if ((r = sa_check(u, d)) < 0)
		return r;
	if (!(sa = calloc(1, user_sa_size(d->sa_inbound))))
		return GW_E_NOMEM;
	if ((r = esp_sa_new(d, &o, &sa->us_esp)) < 0)
		goto out;
	sa->us_spi = d->sa_spi;
	sa->us_inbound = d->sa_inbound;
	sa->us_mode = d->sa_mode;
	sa->us_src = d->sa_src;
	sa->us_dst = d->sa_dst;
	sa->us_encap_sport = d->sa_encap_sport;
	sa->us_encap_dport = d->sa_encap_dport;
	sa->us_reqid = d->sa_reqid;
	if (sa->us_inbound)
		sa->us_sel = d->sa_sel;
	if ((r = user_table_sa_add(u->u_tab, sa)) < 0)
		goto out;
	log_info(LOG_SUB_ESP, "SA 0x%08x %s %s%s added (%s)", d->sa_spi,
		 d->sa_inbound ? "in" : "out",
		 d->sa_mode == DP_MODE_TUNNEL ? "tunnel" : "transport",
		 d->sa_encap_dport ? " in UDP" : "", esp_sa_alg_name(sa->us_esp));
	pthread_mutex_lock(&u->u_lock);
	rsv_drop(u, d->sa_spi, &d->sa_dst, o.eo_now);
	pthread_mutex_unlock(&u->u_lock);
	sa = NULL;
out:
	if (sa)
		esp_sa_free(sa->us_esp);
	free(sa);
	return r;
}

static int user_sa_update(void *state, const struct dp_sa *d)
{
	struct dp_user *u = state;
	int r;

	if ((r = sa_check(u, d)) < 0)
		return r;
	return user_table_sa_update(u->u_tab, d);
}

static int user_sa_del(void *state, uint32_t spi, const struct dp_addr *dst)
{
	struct dp_user *u = state;

	return user_table_sa_del(u->u_tab, spi, dst);
}

static int user_sa_stats(void *state, uint32_t spi, const struct dp_addr *dst,
			 struct dp_sa_stats *st)
{
	struct dp_user *u = state;

	return user_table_sa_stats(u->u_tab, spi, dst, st);
}

/* Reserves v for dst unless it is reserved or in use already: 1 when
 * reserved, 0 when taken, a negative GW_E_* on error. Called with u_lock. */
static int spi_reserve(struct dp_user *u, uint32_t v, const struct dp_addr *dst, uint64_t now)
{
	struct user_spi_rsv *rsv;

	for (rsv = u->u_rsv; rsv; rsv = rsv->sr_next)
		if (rsv->sr_spi == v && user_addr_eq(&rsv->sr_dst, dst))
			return 0;
	if (user_table_spi_used(u->u_tab, v, dst))
		return 0;
	if (!(rsv = calloc(1, sizeof(*rsv))))
		return GW_E_NOMEM;
	rsv->sr_spi = v;
	rsv->sr_dst = *dst;
	rsv->sr_at = now;
	rsv->sr_next = u->u_rsv;
	u->u_rsv = rsv;
	return 1;
}

/* RFC 4303 section 2.1: 1-255 are reserved; 0 means none. The random
 * draw stays outside u_lock: every CHILD SA setup comes through here. */
static int user_spi_alloc(void *state, const struct dp_addr *src, const struct dp_addr *dst,
			  uint32_t *spi)
{
	struct dp_user *u = state;
	uint64_t now = (uint64_t)time(NULL);
	int r = GW_E_RANGE;

	if (!addr_ok(dst))
		return GW_E_INVAL;
	pthread_mutex_lock(&u->u_lock);
	rsv_drop(u, 0, dst, now);
	pthread_mutex_unlock(&u->u_lock);
	for (int tries = 0; tries < 1000 && r == GW_E_RANGE; tries++) {
		uint32_t v;
		int k;

		if (RAND_bytes((uint8_t *)&v, sizeof(v)) != 1)
			return GW_E_CRYPTO;
		if (v < 256)
			continue;
		pthread_mutex_lock(&u->u_lock);
		k = spi_reserve(u, v, dst, now);
		pthread_mutex_unlock(&u->u_lock);
		if (k < 0)
			r = k;
		else if (k > 0) {
			*spi = v;
			r = 0;
		}
	}
	return r;
}

/* The outbound policy's destination prefix gets a route through the TUN
 * device; with a host source selector that address is the preferred
 * source (transport mode, host-to-host tunnels). */
static int pol_route(struct dp_user *u, const struct dp_selector *sel, bool add)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	int r = 0;

	pthread_mutex_lock(&u->u_route_lock);
	for (size_t i = 0; i < 2; i++) {
		struct dp_addr dst = sel->s_dst;
		unsigned plen = sel->s_dst_plen, full = fams[i] == AF_INET ? 32 : 128;

		if (sel->s_family && sel->s_family != fams[i])
			continue;
		if (!sel->s_family) { /* any: a default route of each family */
			memset(&dst, 0, sizeof(dst));
			plen = 0;
		}
		dst.a_family = fams[i];
		if (add)
			r = tun_route_add(u->u_tun, &dst, plen,
					  sel->s_src_plen == full ? &sel->s_src : NULL);
		else
			r = tun_route_del(u->u_tun, &dst, plen);
		if (r < 0)
			break;
	}
	pthread_mutex_unlock(&u->u_route_lock);
	return r;
}

static int user_policy_add(void *state, const struct dp_policy *p)
{
	struct dp_user *u = state;
	int r;

	if (p->p_sel.s_family && p->p_sel.s_family != AF_INET && p->p_sel.s_family != AF_INET6)
		return GW_E_INVAL;
	if ((r = user_table_pol_add(u->u_tab, p)) < 0 || p->p_dir != DP_DIR_OUT)
		return r;
	if ((r = pol_route(u, &p->p_sel, true)) < 0)
		user_table_pol_del(u->u_tab, &p->p_sel, p->p_dir, p->p_mark, p->p_mark_mask);
	return r;
}

static int user_policy_del(void *state, const struct dp_selector *sel, enum dp_dir dir,
			   uint32_t mark, uint32_t mark_mask)
{
	struct dp_user *u = state;
	int r;

	if ((r = user_table_pol_del(u->u_tab, sel, dir, mark, mark_mask)) < 0 || dir != DP_DIR_OUT)
		return r;
	return pol_route(u, sel, false);
}

static int user_esp_input_udp(void *state, uint8_t *pkt, size_t len, const struct dp_addr *src,
			      uint16_t sport, const struct dp_addr *dst, uint16_t dport)
{
	return user_io_input_udp(state, pkt, len, src, dst);
}

const struct dp_ops dp_user_ops = {
	.o_name = "userspace",
	.o_open = user_open,
	.o_close = user_close,
	.o_spi_alloc = user_spi_alloc,
	.o_sa_add = user_sa_add,
	.o_sa_update = user_sa_update,
	.o_sa_del = user_sa_del,
	.o_sa_stats = user_sa_stats,
	.o_policy_add = user_policy_add,
	.o_policy_del = user_policy_del,
	.o_esp_input_udp = user_esp_input_udp,
	.o_udp_encap_enable = NULL, /* the kernel does not decapsulate for us */
	.o_socket_bypass = user_socket_bypass,
};
