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
#include <netlink/route/rule.h>

#include "datapath/tun.h"
#include "datapath/tun_route.h"
#include "util/err.h"
#include "util/log.h"

#define TUN_MAX_QUEUES 64
#define TUN_TXQLEN     1000

struct tun {
	char t_name[IFNAMSIZ];
	int t_ifindex;
	unsigned t_nq;
	int t_fds[TUN_MAX_QUEUES];
	struct tun_opts t_opts;
	struct nl_sock *t_nl;
	bool t_rules; /* we added the rules */
	struct tun_rtab *t_routes;
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
	if ((r = link_up(t)) < 0 || (r = rules_add(t)) < 0 ||
	    (r = tun_rtab_new(t->t_nl, t->t_ifindex, o->to_table, t->t_name, &t->t_routes)) < 0)
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
	if (!t)
		return;
	if (t->t_rules)
		rules_flush(t);
	/* Routes through the device go with it. */
	tun_rtab_free(t->t_routes);
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

int tun_route_add(struct tun *t, const struct dp_addr *dst, unsigned plen,
		  const struct dp_addr *prefsrc)
{
	return tun_rtab_add(t->t_routes, dst, plen, prefsrc);
}

int tun_route_del(struct tun *t, const struct dp_addr *dst, unsigned plen)
{
	return tun_rtab_del(t->t_routes, dst, plen);
}
