/*
 * tun_route.c: routes for the remote selectors through the TUN device.
 *
 * A responder holds one CHILD SA, so one /32 or /128 route, per client:
 * tens of thousands. The table is a hash of the masked prefixes (the list
 * it replaces was walked, with an address object built per entry, on
 * every add and delete), and each route is one RTM_NEWROUTE or
 * RTM_DELROUTE message built directly (no route, next-hop and address
 * objects per call). rtnetlink handles a request inside sendmsg(), so the
 * route is in place before tun_rtab_add returns, and an error is already
 * queued on the socket: no ACK is asked for, a failure is read back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "datapath/tun_route.h"
#include "util/err.h"
#include "util/log.h"

#define RT_MIN_BUCKETS 64

struct rt_entry {
	struct rt_entry *e_next;
	uint32_t e_refs;
	uint8_t e_family; /* AF_INET or AF_INET6 */
	uint8_t e_plen;
	uint8_t e_addr[16]; /* bits past e_plen cleared */
};

struct tun_rtab {
	struct nl_sock *r_nl;
	int r_ifindex;
	uint32_t r_table;
	const char *r_name;
	struct rt_entry **r_bucket;
	size_t r_nbucket; /* a power of two */
	size_t r_n;
	uint32_t r_seq; /* our own: libnl expects an ACK for each of its numbers */
};

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The key: family, prefix length and the address with host bits cleared
 * (the kernel refuses host bits in a route's destination). */
static void key_of(struct rt_entry *k, const struct dp_addr *a, unsigned plen)
{
	size_t n = addr_len(a->a_family);

	memset(k, 0, sizeof(*k));
	if (plen > n * 8)
		plen = (unsigned)n * 8;
	k->e_family = (uint8_t)a->a_family;
	k->e_plen = (uint8_t)plen;
	memcpy(k->e_addr, a->a_addr, plen / 8);
	if (plen % 8)
		k->e_addr[plen / 8] = a->a_addr[plen / 8] & (uint8_t)(0xff00u >> (plen % 8));
}

/* FNV-1a. A peer picks its selectors only within what its connection
 * allows, and each route costs it a CHILD SA: chains stay short. */
static size_t key_hash(const struct rt_entry *k)
{
	uint32_t h = 2166136261u;

	h = (h ^ k->e_family) * 16777619u;
	h = (h ^ k->e_plen) * 16777619u;
	for (size_t i = 0; i < sizeof(k->e_addr); i++)
		h = (h ^ k->e_addr[i]) * 16777619u;
	return h;
}

static bool key_eq(const struct rt_entry *a, const struct rt_entry *b)
{
	return a->e_family == b->e_family && a->e_plen == b->e_plen &&
	       !memcmp(a->e_addr, b->e_addr, sizeof(a->e_addr));
}

static struct rt_entry **slot_of(struct tun_rtab *rt, const struct rt_entry *k)
{
	struct rt_entry **pp = &rt->r_bucket[key_hash(k) & (rt->r_nbucket - 1)];

	while (*pp && !key_eq(*pp, k))
		pp = &(*pp)->e_next;
	return pp;
}

/* Doubles the buckets above 3/4 load; on ENOMEM keeps the old ones. */
static void grow(struct tun_rtab *rt)
{
	size_t n = rt->r_nbucket * 2;
	struct rt_entry **b, *e, *next;

	if (rt->r_n * 4 < rt->r_nbucket * 3 || !(b = calloc(n, sizeof(*b))))
		return;
	for (size_t i = 0; i < rt->r_nbucket; i++)
		for (e = rt->r_bucket[i]; e; e = next) {
			size_t h = key_hash(e) & (n - 1);

			next = e->e_next;
			e->e_next = b[h];
			b[h] = e;
		}
	free(rt->r_bucket);
	rt->r_bucket = b;
	rt->r_nbucket = n;
}

int tun_rtab_new(struct nl_sock *nl, int ifindex, uint32_t table, const char *name,
		 struct tun_rtab **out)
{
	struct tun_rtab *rt = calloc(1, sizeof(*rt));

	*out = NULL;
	if (!rt || !(rt->r_bucket = calloc(RT_MIN_BUCKETS, sizeof(*rt->r_bucket)))) {
		free(rt);
		return GW_E_NOMEM;
	}
	rt->r_nl = nl;
	rt->r_ifindex = ifindex;
	rt->r_table = table;
	rt->r_name = name;
	rt->r_nbucket = RT_MIN_BUCKETS;
	*out = rt;
	return 0;
}

void tun_rtab_free(struct tun_rtab *rt)
{
	struct rt_entry *e, *next;

	if (!rt)
		return;
	for (size_t i = 0; i < rt->r_nbucket; i++)
		for (e = rt->r_bucket[i]; e; e = next) {
			next = e->e_next;
			free(e);
		}
	free(rt->r_bucket);
	free(rt);
}

size_t tun_rtab_count(const struct tun_rtab *rt)
{
	return rt->r_n;
}

/* The kernel's answer to the request seq, if any: rtnetlink handles a
 * request inside sendmsg(), so an error is queued on the socket before
 * it returns, and without NLM_F_ACK success queues nothing (one cheap
 * EAGAIN instead of an ACK to build, send, receive and parse). */
static int request_error(struct tun_rtab *rt, uint32_t seq)
{
	union {
		struct nlmsghdr h;
		uint8_t b[NLMSG_SPACE(sizeof(struct nlmsgerr)) + 256];
	} buf;
	int fd = nl_socket_get_fd(rt->r_nl), r = 0;
	ssize_t n;

	/* to the end of what is queued: a message left behind would make
	 * libnl's next ACKed request on the socket fail */
	for (;;) {
		const struct nlmsgerr *e = NLMSG_DATA(&buf.h);

		if ((n = recv(fd, &buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC)) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return r;
			if (errno != ENOBUFS)
				return -errno;
			r = -ENOBUFS; /* overrun: our answer may be lost */
			continue;
		}
		if ((size_t)n >= NLMSG_SPACE(sizeof(*e)) && buf.h.nlmsg_type == NLMSG_ERROR &&
		    buf.h.nlmsg_seq == seq)
			r = e->error;
	}
}

/* One RTM_NEWROUTE (create or replace) or RTM_DELROUTE: dst/plen through
 * the device, link scope, in our table; a negative errno. */
static int route_msg(struct tun_rtab *rt, const struct rt_entry *k, const struct dp_addr *prefsrc,
		     bool add)
{
	struct rtmsg rtm = {
		.rtm_family = k->e_family,
		.rtm_dst_len = k->e_plen,
		.rtm_table = rt->r_table < 256 ? (uint8_t)rt->r_table : RT_TABLE_UNSPEC,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_LINK,
		.rtm_type = RTN_UNICAST,
	};
	size_t n = addr_len(k->e_family);
	uint32_t seq = ++rt->r_seq;
	struct nl_msg *m;
	int e = -ENOMEM;

	/* a small message: the default is a zeroed page */
	if (!(m = nlmsg_alloc_size(NLMSG_SPACE(sizeof(rtm)) + 4 * NLA_HDRLEN + 48)))
		return e;
	if (!nlmsg_put(m, NL_AUTO_PORT, seq, add ? RTM_NEWROUTE : RTM_DELROUTE, 0,
		       NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0)) ||
	    nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, RTA_TABLE, rt->r_table) < 0 ||
	    (k->e_plen && nla_put(m, RTA_DST, (int)n, k->e_addr) < 0) ||
	    nla_put_u32(m, RTA_OIF, (uint32_t)rt->r_ifindex) < 0 ||
	    (prefsrc && nla_put(m, RTA_PREFSRC, (int)n, prefsrc->a_addr) < 0))
		goto out;
	e = nl_send(rt->r_nl, m) < 0 ? -EIO : request_error(rt, seq);
out:
	nlmsg_free(m);
	return e;
}

int tun_rtab_add(struct tun_rtab *rt, const struct dp_addr *dst, unsigned plen,
		 const struct dp_addr *prefsrc)
{
	struct rt_entry k, **pp, *e;
	int r;

	key_of(&k, dst, plen);
	if (*(pp = slot_of(rt, &k))) {
		(*pp)->e_refs++;
		return 0;
	}
	if (prefsrc && prefsrc->a_family != dst->a_family)
		prefsrc = NULL;
	if (!(e = malloc(sizeof(*e))))
		return GW_E_NOMEM;
	/* A preferred source that is not (yet) local makes the kernel refuse
	 * the route: retry without it. */
	if ((r = route_msg(rt, &k, prefsrc, true)) < 0 && prefsrc)
		r = route_msg(rt, &k, NULL, true);
	if (r < 0) {
		log_err(LOG_SUB_KNL, "tun %s: route: %s", rt->r_name, strerror(-r));
		free(e);
		return GW_E_IO;
	}
	*e = k;
	e->e_refs = 1;
	e->e_next = NULL;
	*pp = e;
	rt->r_n++;
	grow(rt);
	return 0;
}

int tun_rtab_del(struct tun_rtab *rt, const struct dp_addr *dst, unsigned plen)
{
	struct rt_entry k, **pp, *e;
	int r;

	key_of(&k, dst, plen);
	if (!(e = *(pp = slot_of(rt, &k))))
		return GW_E_NOTFOUND;
	if (--e->e_refs > 0)
		return 0;
	*pp = e->e_next;
	free(e);
	rt->r_n--;
	if ((r = route_msg(rt, &k, NULL, false)) < 0) {
		log_warn(LOG_SUB_KNL, "tun %s: route delete: %s", rt->r_name, strerror(-r));
		return GW_E_IO;
	}
	return 0;
}
