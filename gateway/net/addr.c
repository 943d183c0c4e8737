/*
 * Addresses of our own on the loopback device: the virtual IP a gateway
 * gave us (RFC 7296 3.15) becomes our inner source address, as
 * strongSwan installs its virtual IPs. rtnetlink through libnl-route.
 */
#include <errno.h>
#include <string.h>

#include <netlink/route/addr.h>
#include <net/if.h>
#include <netlink/route/link.h>

#include "net/net.h"
#include "util/err.h"
#include "util/log.h"

int net_local_addr(int family, const uint8_t *addr, bool add)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int ifindex, r = GW_E_IO, e = 0;

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
	nl_addr_put(local);
	rtnl_addr_put(ra);
	nl_socket_free(sk);
	return r;
}
