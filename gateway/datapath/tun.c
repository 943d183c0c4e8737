/*
 * tun.c: TUN queues (Documentation/networking/tuntap.rst), link settings,
 * routes and policy rules over rtnetlink with libnl-route-3.
 *
 * Why a table and rules: in transport mode the remote selector is the
 * peer's own address, so a plain route to it through the TUN device would
 * also swallow our ESP and IKE packets to that peer. Our sockets carry a
 * mark; rule to_prio sends marked packets to the main table, rule
 * to_prio + 1 sends the rest through to_table (selector routes only, so
 * everything else falls through to the main table).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "datapath/tun.h"
#include "util/err.h"
#include "util/log.h"

#define TUN_MAX_QUEUES 64
#define TUN_TXQLEN     1000

struct tun_route {
	struct dp_addr tr_dst;
	unsigned tr_plen;
	unsigned tr_refs;
	struct tun_route *tr_next;
};

struct tun {
	char t_name[IFNAMSIZ];
	int t_ifindex;
	unsigned t_nq;
	int t_fds[TUN_MAX_QUEUES];
	struct tun_opts t_opts;
	struct nl_sock *t_nl;
	bool t_rules; /* we added the rules */
	struct tun_route *t_routes;
};

static int queue_open(struct tun *t, bool multi)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0)
		return GW_E_IO;
	memset(&ifr, 0, sizeof(ifr));
	/* Every read and write carries a virtio_net_hdr (offload.h). */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | (multi ? IFF_MULTI_QUEUE : 0);
	memcpy(ifr.ifr_name, t->t_name, strlen(t->t_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		log_err(LOG_SUB_KNL, "tun %s: TUNSETIFF: %s", t->t_name, strerror(errno));
		close(fd);
		return GW_E_IO;
	}
	/* TCP super-packets out (we cut them), unfinished checksums (we finish
	 * them); without this the kernel segments and sums itself. */
	if (t->t_nq == 0 && ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
		log_warn(LOG_SUB_KNL, "tun %s: no offloads: %s", ifr.ifr_name, strerror(errno));
	/* The kernel may have picked the name (a "%d" template). */
	memcpy(t->t_name, ifr.ifr_name, IFNAMSIZ);
	t->t_name[IFNAMSIZ - 1] = '\0';
	t->t_fds[t->t_nq++] = fd;
	return 0;
}

static int link_up(struct tun *t)
{
	struct rtnl_link *link = NULL, *chg = NULL;
	int r = GW_E_IO, e;

	if ((e = rtnl_link_get_kernel(t->t_nl, 0, t->t_name, &link)) < 0)
		goto out;
	t->t_ifindex = rtnl_link_get_ifindex(link);
	if (!(chg = rtnl_link_alloc())) {
		r = GW_E_NOMEM;
		goto out;
	}
	rtnl_link_set_flags(chg, IFF_UP);
	rtnl_link_set_mtu(chg, t->t_opts.to_mtu);
	rtnl_link_set_txqlen(chg, TUN_TXQLEN);
	if ((e = rtnl_link_change(t->t_nl, link, chg, 0)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		log_err(LOG_SUB_KNL, "tun %s: bringing it up: %s", t->t_name, nl_geterror(e));
	rtnl_link_put(chg);
	rtnl_link_put(link);
	return r;
}

static struct rtnl_rule *rule_new(const struct tun *t, int family, bool marked)
{
	struct rtnl_rule *rule = rtnl_rule_alloc();

	if (!rule)
		return NULL;
	rtnl_rule_set_family(rule, family);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	if (marked) {
		rtnl_rule_set_prio(rule, t->t_opts.to_prio);
		rtnl_rule_set_mark(rule, t->t_opts.to_mark);
		rtnl_rule_set_mask(rule, 0xffffffffu);
		rtnl_rule_set_table(rule, RT_TABLE_MAIN);
	} else {
		rtnl_rule_set_prio(rule, t->t_opts.to_prio + 1);
		rtnl_rule_set_table(rule, t->t_opts.to_table);
	}
	return rule;
}

/* Our two rules per family, at our priorities, from this run or an
 * earlier one that did not clean up. */
static void rules_flush(struct tun *t)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		struct nl_cache *cache = NULL;
		struct nl_object *o, *next;

		if (rtnl_rule_alloc_cache(t->t_nl, fams[f], &cache) < 0)
			continue;
		for (o = nl_cache_get_first(cache); o; o = next) {
			struct rtnl_rule *rule = (struct rtnl_rule *)o;
			uint32_t prio = rtnl_rule_get_prio(rule);

			next = nl_cache_get_next(o);
			if ((prio == t->t_opts.to_prio &&
			     rtnl_rule_get_mark(rule) == t->t_opts.to_mark) ||
			    (prio == t->t_opts.to_prio + 1 &&
			     rtnl_rule_get_table(rule) == t->t_opts.to_table))
				rtnl_rule_delete(t->t_nl, rule, 0);
		}
		nl_cache_free(cache);
	}
}

static int rules_add(struct tun *t)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	int e = 0;

	rules_flush(t);
	t->t_rules = true;
	for (size_t f = 0; f < 2; f++) {
		for (int marked = 1; marked >= 0; marked--) {
			struct rtnl_rule *rule = rule_new(t, fams[f], marked);

			if (!rule)
				return GW_E_NOMEM;
			e = rtnl_rule_add(t->t_nl, rule, NLM_F_CREATE | NLM_F_EXCL);
			rtnl_rule_put(rule);
			/* A host without IPv6 has no IPv6 rules: not fatal. */
			if (e < 0 && fams[f] == AF_INET) {
				log_err(LOG_SUB_KNL, "tun %s: policy rule: %s", t->t_name,
					nl_geterror(e));
				return GW_E_IO;
			}
		}
	}
	return 0;
}

int tun_open(const struct tun_opts *o, struct tun **out)
{
	struct tun *t;
	int r;

	*out = NULL;
	if (o->to_queues == 0 || o->to_queues > TUN_MAX_QUEUES)
		return GW_E_RANGE;
	if (!(t = calloc(1, sizeof(*t))))
		return GW_E_NOMEM;
	t->t_opts = *o;
	snprintf(t->t_name, sizeof(t->t_name), "%s", o->to_name ? o->to_name : "palisade0");
	r = GW_E_NOMEM;
	if (!(t->t_nl = nl_socket_alloc()))
		goto out;
	r = GW_E_IO;
	if (nl_connect(t->t_nl, NETLINK_ROUTE) < 0)
		goto out;
	for (unsigned q = 0; q < o->to_queues; q++)
		if ((r = queue_open(t, o->to_queues > 1)) < 0)
			goto out;
	if ((r = link_up(t)) < 0 || (r = rules_add(t)) < 0)
		goto out;
	log_info(LOG_SUB_KNL, "tun %s: up, %u queue(s), mtu %u, table %u", t->t_name, t->t_nq,
		 o->to_mtu, o->to_table);
	*out = t;
out:
	if (r < 0)
		tun_close(t);
	return r;
}

void tun_close(struct tun *t)
{
	struct tun_route *rt, *next;

	if (!t)
		return;
	if (t->t_rules)
		rules_flush(t);
	/* Routes through the device go with it. */
	for (rt = t->t_routes; rt; rt = next) {
		next = rt->tr_next;
		free(rt);
	}
	for (unsigned q = 0; q < t->t_nq; q++)
		close(t->t_fds[q]);
	nl_socket_free(t->t_nl);
	free(t);
}

int tun_fd(const struct tun *t, unsigned queue)
{
	return t->t_fds[queue % t->t_nq];
}

unsigned tun_queues(const struct tun *t)
{
	return t->t_nq;
}

const char *tun_name(const struct tun *t)
{
	return t->t_name;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* dst with the bits past plen cleared: the kernel refuses host bits. */
static struct nl_addr *prefix_addr(const struct dp_addr *a, unsigned plen)
{
	uint8_t buf[16] = { 0 };
	size_t n = addr_len(a->a_family);
	struct nl_addr *na;

	if (plen > n * 8)
		plen = (unsigned)n * 8;
	memcpy(buf, a->a_addr, plen / 8);
	if (plen % 8)
		buf[plen / 8] = a->a_addr[plen / 8] & (uint8_t)(0xff00u >> (plen % 8));
	if (!(na = nl_addr_build(a->a_family, buf, n)))
		return NULL;
	nl_addr_set_prefixlen(na, (int)plen);
	return na;
}

static int route_op(struct tun *t, const struct dp_addr *dst, unsigned plen,
		    const struct dp_addr *prefsrc, bool add)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *na = prefix_addr(dst, plen), *src = NULL;
	int e = -NLE_NOMEM;

	if (!route || !nh || !na)
		goto out;
	rtnl_route_set_family(route, (uint8_t)dst->a_family);
	rtnl_route_set_table(route, t->t_opts.to_table);
	rtnl_route_set_scope(route, RT_SCOPE_LINK);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_dst(route, na);
	rtnl_route_nh_set_ifindex(nh, t->t_ifindex);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL;
	if (prefsrc && prefsrc->a_family == dst->a_family) {
		if (!(src = nl_addr_build(prefsrc->a_family, prefsrc->a_addr,
					  addr_len(prefsrc->a_family))))
			goto out;
		rtnl_route_set_pref_src(route, src);
	}
	e = add ? rtnl_route_add(t->t_nl, route, NLM_F_CREATE | NLM_F_REPLACE)
		: rtnl_route_delete(t->t_nl, route, 0);
out:
	if (nh) /* not NULL-safe, unlike the others */
		rtnl_route_nh_free(nh);
	nl_addr_put(na);
	nl_addr_put(src);
	rtnl_route_put(route);
	return e;
}

/* Whether two prefixes are the same (the bits past plen do not count).
 * No nl_addr per comparison: every route add and delete compares against
 * all routes, and at 10,000 CHILD SAs that made 10^8 small allocations. */
static bool prefix_eq(const struct dp_addr *a, const struct dp_addr *b, unsigned plen)
{
	size_t n = addr_len(a->a_family);
	uint8_t m;

	if (a->a_family != b->a_family)
		return false;
	if (plen > n * 8)
		plen = (unsigned)n * 8;
	if (memcmp(a->a_addr, b->a_addr, plen / 8))
		return false;
	m = (uint8_t)(0xff00u >> (plen % 8));
	return plen % 8 == 0 || ((a->a_addr[plen / 8] ^ b->a_addr[plen / 8]) & m) == 0;
}

static struct tun_route **route_find(struct tun *t, const struct dp_addr *dst, unsigned plen)
{
	struct tun_route **pp;

	for (pp = &t->t_routes; *pp; pp = &(*pp)->tr_next)
		if ((*pp)->tr_plen == plen && prefix_eq(&(*pp)->tr_dst, dst, plen))
			break;
	return pp;
}

int tun_route_add(struct tun *t, const struct dp_addr *dst, unsigned plen,
		  const struct dp_addr *prefsrc)
{
	struct tun_route **pp = route_find(t, dst, plen), *rt;
	int e;

	if (*pp) {
		(*pp)->tr_refs++;
		return 0;
	}
	if (!(rt = calloc(1, sizeof(*rt))))
		return GW_E_NOMEM;
	/* A preferred source that is not (yet) local makes the kernel refuse
	 * the route: retry without it. */
	if ((e = route_op(t, dst, plen, prefsrc, true)) < 0 && prefsrc)
		e = route_op(t, dst, plen, NULL, true);
	if (e < 0) {
		log_err(LOG_SUB_KNL, "tun %s: route: %s", t->t_name, nl_geterror(e));
		free(rt);
		return GW_E_IO;
	}
	rt->tr_dst = *dst;
	rt->tr_plen = plen;
	rt->tr_refs = 1;
	*pp = rt;
	return 0;
}

int tun_route_del(struct tun *t, const struct dp_addr *dst, unsigned plen)
{
	struct tun_route **pp = route_find(t, dst, plen), *rt = *pp;
	int e;

	if (!rt)
		return GW_E_NOTFOUND;
	if (--rt->tr_refs > 0)
		return 0;
	*pp = rt->tr_next;
	free(rt);
	if ((e = route_op(t, dst, plen, NULL, false)) < 0) {
		log_warn(LOG_SUB_KNL, "tun %s: route delete: %s", t->t_name, nl_geterror(e));
		return GW_E_IO;
	}
	return 0;
}
