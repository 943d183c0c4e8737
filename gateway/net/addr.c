/*
 * Addresses of our own on the loopback device: the virtual IP a gateway
 * gave us (RFC 7296 3.15) becomes our inner source address, as
 * strongSwan installs its virtual IPs. rtnetlink through libnl-route.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/route/addr.h>
#include <net/if.h>
#include <netlink/route/link.h>

#include "net/net.h"
#include "util/err.h"
#include "util/log.h"

/* How many IKE SAs use each address: a reauthentication's new IKE SA gets
 * the address the old one has, and the old one's end must not take it
 * off lo under the new one. */
struct held { /* hd_: netdb.h has a macro h_addr */
	struct held *hd_next;
	int hd_family;
	uint8_t hd_addr[16];
	unsigned hd_refs;
};

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held *held_list;

/* Count one use more (add) or less; true when lo must change now. */
static bool held_count(int family, const uint8_t *addr, bool add)
{
	size_t n = family == AF_INET ? 4 : 16;
	struct held **pp, *h;
	bool change = true;

	pthread_mutex_lock(&held_lock);
	for (pp = &held_list; (h = *pp); pp = &h->hd_next)
		if (h->hd_family == family && !memcmp(h->hd_addr, addr, n))
			break;
	if (add && h) {
		h->hd_refs++;
		change = false;
	} else if (add && (h = calloc(1, sizeof(*h)))) {
		h->hd_family = family;
		memcpy(h->hd_addr, addr, n);
		h->hd_refs = 1;
		h->hd_next = held_list;
		held_list = h;
	} else if (!add && h && --h->hd_refs > 0) {
		change = false;
	} else if (!add && h) {
		*pp = h->hd_next;
		free(h);
	}
	pthread_mutex_unlock(&held_lock);
	return change;
}

int net_local_addr(int family, const uint8_t *addr, bool add)
{
	struct nl_sock *sk;
	struct rtnl_addr *ra;
	struct nl_addr *local = NULL;
	int ifindex, r = GW_E_IO, e = 0;

	if (!held_count(family, addr, add))
		return 0;
	sk = nl_socket_alloc();
	ra = rtnl_addr_alloc();

	if (!sk || !ra || nl_connect(sk, NETLINK_ROUTE) < 0)
		goto out;
	ifindex = (int)if_nametoindex("lo");
	if (!ifindex || !(local = nl_addr_build(family, addr, family == AF_INET ? 4 : 16)))
		goto out;
	nl_addr_set_prefixlen(local, family == AF_INET ? 32 : 128);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	e = add ? rtnl_addr_add(sk, ra, NLM_F_REPLACE) : rtnl_addr_delete(sk, ra, 0);
	r = e < 0 && !(add && e == -NLE_EXIST) && !(!add && e == -NLE_NOADDR) ? GW_E_IO : 0;
	if (r)
		log_warn(LOG_SUB_NET, "cannot %s a virtual IP on lo: %s", add ? "add" : "remove",
			 nl_geterror(e));
out:
	if (r && add) /* not there: not counted either */
		held_count(family, addr, false);
	nl_addr_put(local);
	rtnl_addr_put(ra);
	nl_socket_free(sk);
	return r;
}
