/*
 * xfrm.c: the kernel data path. SAs and policies go into the kernel's
 * XFRM tables over NETLINK_XFRM (libnl-3), the kernel does ESP itself
 * (RFC 4303; ESP-in-UDP, RFC 3948, through UDP_ENCAP_ESPINUDP sockets);
 * we read counters back with GETSA and events from xfrm_events.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/udp.h>
#include <netinet/in.h>

#include "datapath/backend.h"
#include "datapath/xfrm_be.h"
#include "util/err.h"
#include "util/iana.h"
#include "util/log.h"

static void be_free(struct xfrm_be *xb)
{
	if (xb == NULL)
		return;
	xfrm_events_stop(xb);
	if (xb->xb_sk != NULL)
		xfrm_flush_owned(xb);
	nl_socket_free(xb->xb_sk);
	xfrm_own_clear(xb);
	pthread_mutex_destroy(&xb->xb_nl_lock);
	pthread_mutex_destroy(&xb->xb_own_lock);
	free(xb);
}

static int xfrm_open(const struct dp_config *cfg, void **state)
{
	struct xfrm_be *xb;
	unsigned nsa, npol;
	int rc;

	*state = NULL;
	if (cfg->c_replay_window > XFRM_WINDOW_MAX)
		return GW_E_RANGE;
	if ((xb = calloc(1, sizeof(*xb))) == NULL)
		return GW_E_NOMEM;
	pthread_mutex_init(&xb->xb_nl_lock, NULL);
	pthread_mutex_init(&xb->xb_own_lock, NULL);
	xb->xb_stop[0] = xb->xb_stop[1] = -1;
	xb->xb_window = cfg->c_replay_window ? cfg->c_replay_window : XFRM_WINDOW_DEF;
	xb->xb_event = cfg->c_event;
	xb->xb_event_arg = cfg->c_event_arg;
	if ((rc = xfrm_nl_open(&xb->xb_sk, false)) < 0)
		goto out;
	if ((rc = xfrm_flush_tagged(xb, &nsa, &npol)) < 0)
		goto out;
	if (nsa + npol > 0)
		log_info(LOG_SUB_KNL, "xfrm: removed %u SAs and %u policies left by an earlier run",
			 nsa, npol);
	if ((rc = xfrm_events_start(xb)) < 0)
		goto out;
	*state = xb;
	xb = NULL;
out:
	if (rc < 0)
		log_err(LOG_SUB_KNL, "xfrm: cannot open the XFRM interface: %s", gw_strerror(rc));
	be_free(xb);
	return rc;
}

static void xfrm_close(void *state)
{
	be_free(state);
}

static int reply_sa(const struct nlmsghdr *nlh, void *arg)
{
	return xfrm_msg_parse_sa(nlh, arg);
}

static int xfrm_spi_alloc(void *state, const struct dp_addr *src, const struct dp_addr *dst,
			  uint32_t *spi)
{
	struct xfrm_be *xb = state;
	struct xfrm_sa_info si = { 0 };
	struct xfrm_own_sa os;
	struct nl_msg *msg;
	int rc;

	*spi = 0;
	rc = xfrm_msg_allocspi(src, dst, xfrm_own_next_seq(xb), XFRM_SPI_MIN, XFRM_SPI_MAX, &msg);
	if (rc < 0 || (rc = xfrm_be_request(xb, msg, reply_sa, &si)) < 0)
		return rc;
	if (si.si_spi == 0)
		return GW_E_PARSE;
	memset(&os, 0, sizeof(os));
	os.os_spi = si.si_spi;
	os.os_dst = *dst;
	os.os_src = *src;
	os.os_larval = true;
	if ((rc = xfrm_own_sa_put(xb, &os)) < 0)
		return rc;
	*spi = si.si_spi;
	return 0;
}

static void own_from_sa(struct xfrm_own_sa *os, const struct dp_sa *sa)
{
	memset(os, 0, sizeof(*os));
	os->os_spi = sa->sa_spi;
	os->os_dst = sa->sa_dst;
	os->os_src = sa->sa_src;
	os->os_mark = sa->sa_mark;
	os->os_mark_mask = sa->sa_mark_mask;
	os->os_encap_sport = sa->sa_encap_sport;
	os->os_encap_dport = sa->sa_encap_dport;
}

static int send_sa(struct xfrm_be *xb, int type, const struct dp_sa *sa,
		   const struct xfrm_replay_carry *carry)
{
	struct nl_msg *msg;
	int rc;

	rc = xfrm_msg_sa(type, sa, xb->xb_window, xfrm_own_next_seq(xb), carry, &msg);
	if (rc < 0)
		return rc;
	rc = xfrm_be_request(xb, msg, NULL, NULL);
	/* NEWSA: ENOENT means the kernel lacks the cipher or its RNG */
	return type == XFRM_MSG_NEWSA && rc == GW_E_NOTFOUND ? GW_E_UNSUP : rc;
}

/*
 * An inbound SA whose SPI came from ALLOCSPI replaces its larval state
 * with UPDSA (NEWSA would find the SPI taken); if the reservation timed
 * out meanwhile, NEWSA. The list entry goes in first, so an expire that
 * races the reply is recognised as ours.
 */
static int xfrm_sa_add(void *state, const struct dp_sa *sa)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_sa old, os;
	bool had, larval;
	int rc;

	had = xfrm_own_sa_get(xb, sa->sa_spi, &sa->sa_dst, &old);
	if (had && !old.os_larval)
		return GW_E_EXISTS;
	larval = had && sa->sa_inbound;
	own_from_sa(&os, sa);
	if ((rc = xfrm_own_sa_put(xb, &os)) < 0)
		return rc;
	rc = larval ? send_sa(xb, XFRM_MSG_UPDSA, sa, NULL) : GW_E_NOTFOUND;
	if (rc == GW_E_NOTFOUND)
		rc = send_sa(xb, XFRM_MSG_NEWSA, sa, NULL);
	if (rc < 0) {
		if (had)
			xfrm_own_sa_put(xb, &old);
		else
			xfrm_own_sa_remove(xb, sa->sa_spi, &sa->sa_dst);
		log_warn(LOG_SUB_KNL, "xfrm: adding SA spi 0x%08x: %s", sa->sa_spi,
			 gw_strerror(rc));
	}
	return rc;
}

static int get_sa(struct xfrm_be *xb, const struct xfrm_own_sa *os, struct xfrm_sa_info *si)
{
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_msg_sa_id(XFRM_MSG_GETSA, os->os_spi, &os->os_dst, os->os_mark,
				 os->os_mark_mask, &msg)) < 0)
		return rc;
	return xfrm_be_request(xb, msg, reply_sa, si);
}

static int del_sa(struct xfrm_be *xb, const struct xfrm_own_sa *os)
{
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_msg_sa_id(XFRM_MSG_DELSA, os->os_spi, &os->os_dst, os->os_mark,
				 os->os_mark_mask, &msg)) < 0)
		return rc;
	return xfrm_be_request(xb, msg, NULL, NULL);
}

/*
 * UPDSA changes lifetimes and the ports of an existing encapsulation,
 * but keeps addresses. A new source address or a change between raw and
 * UDP-encapsulated ESP (MOBIKE, RFC 4555; NAT appearing) re-adds the SA,
 * carrying its sequence numbers over so the peer's replay window, and
 * ours, stay valid.
 */
static int xfrm_sa_update(void *state, const struct dp_sa *sa)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_sa old, os;
	struct xfrm_sa_info si;
	int rc;

	if (!xfrm_own_sa_get(xb, sa->sa_spi, &sa->sa_dst, &old) || old.os_larval)
		return GW_E_NOTFOUND;
	if (old.os_mark != sa->sa_mark || old.os_mark_mask != sa->sa_mark_mask)
		return GW_E_INVAL;
	own_from_sa(&os, sa);
	if (xfrm_addr_equal(&old.os_src, &sa->sa_src) &&
	    (old.os_encap_dport != 0) == (sa->sa_encap_dport != 0)) {
		if ((rc = send_sa(xb, XFRM_MSG_UPDSA, sa, NULL)) == 0)
			rc = xfrm_own_sa_put(xb, &os);
		return rc;
	}
	if ((rc = get_sa(xb, &old, &si)) < 0)
		return rc;
	if ((rc = del_sa(xb, &old)) < 0)
		return rc;
	if ((rc = xfrm_own_sa_put(xb, &os)) < 0)
		return rc;
	rc = send_sa(xb, XFRM_MSG_NEWSA, sa, si.si_has_replay ? &si.si_replay : NULL);
	if (rc < 0)
		xfrm_own_sa_remove(xb, sa->sa_spi, &sa->sa_dst);
	return rc;
}

static int xfrm_sa_del(void *state, uint32_t spi, const struct dp_addr *dst)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_sa os;
	int rc;

	if (!xfrm_own_sa_get(xb, spi, dst, &os))
		return GW_E_NOTFOUND;
	rc = del_sa(xb, &os);
	if (rc == 0 || rc == GW_E_NOTFOUND)
		xfrm_own_sa_remove(xb, spi, dst);
	return rc;
}

static int xfrm_sa_stats(void *state, uint32_t spi, const struct dp_addr *dst,
			 struct dp_sa_stats *st)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_sa os;
	struct xfrm_sa_info si;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!xfrm_own_sa_get(xb, spi, dst, &os) || os.os_larval)
		return GW_E_NOTFOUND;
	if ((rc = get_sa(xb, &os, &si)) < 0)
		return rc;
	*st = si.si_stats;
	return 0;
}

static int xfrm_policy_add(void *state, const struct dp_policy *p)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_pol op;
	struct nl_msg *msg;
	int xdir = p->p_dir == DP_DIR_IN    ? XFRM_POLICY_IN
		   : p->p_dir == DP_DIR_OUT ? XFRM_POLICY_OUT
					    : XFRM_POLICY_FWD;
	int rc;

	memset(&op, 0, sizeof(op));
	op.op_sel = p->p_sel;
	op.op_dir = p->p_dir;
	op.op_mark = p->p_mark;
	op.op_mark_mask = p->p_mark_mask;
	op.op_trap = p->p_trap;
	op.op_index = xfrm_own_next_index(xb, xdir);
	if ((rc = xfrm_msg_policy(p, op.op_index, &msg)) < 0)
		return rc;
	/* listed first: an acquire may arrive before the ack */
	if ((rc = xfrm_own_pol_put(xb, &op)) < 0) {
		xfrm_msg_free(msg);
		return rc;
	}
	if ((rc = xfrm_be_request(xb, msg, NULL, NULL)) < 0) {
		xfrm_own_pol_remove(xb, op.op_index);
		log_warn(LOG_SUB_KNL, "xfrm: adding policy: %s", gw_strerror(rc));
	}
	return rc;
}

static int xfrm_policy_del(void *state, const struct dp_selector *sel, enum dp_dir dir,
			   uint32_t mark, uint32_t mark_mask)
{
	struct xfrm_be *xb = state;
	struct xfrm_own_pol op;
	struct nl_msg *msg;
	int rc;

	if (!xfrm_own_pol_get(xb, sel, dir, mark, mark_mask, &op))
		return GW_E_NOTFOUND;
	if ((rc = xfrm_msg_policy_del(NULL, dir, op.op_index, mark, mark_mask, &msg)) < 0)
		return rc;
	rc = xfrm_be_request(xb, msg, NULL, NULL);
	if (rc == 0 || rc == GW_E_NOTFOUND)
		xfrm_own_pol_remove(xb, op.op_index);
	return rc;
}

/* RFC 3948 section 2.2: the kernel strips the UDP header of ESP packets
 * on this socket and hands it IKE packets (non-ESP marker) as before. */
static int xfrm_udp_encap_enable(void *state, int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	(void)state;
	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0) {
		log_err(LOG_SUB_KNL, "xfrm: UDP_ENCAP on fd %d: %s", fd, strerror(errno));
		return GW_E_IO;
	}
	return 0;
}

/* Per-socket policies that allow everything both ways: the IKE sockets'
 * packets skip the SPD (what strongSwan does for its sockets too). */
static int xfrm_socket_bypass(void *state, int fd, int family)
{
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
	struct xfrm_userpolicy_info pol;

	(void)state;
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = (uint16_t)family;
		pol.dir = (uint8_t)dir;
		pol.lft.soft_byte_limit = pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0) {
			log_err(LOG_SUB_KNL, "xfrm: bypass policy on fd %d: %s", fd,
				strerror(errno));
			return GW_E_IO;
		}
	}
	return 0;
}

const struct dp_ops dp_xfrm_ops = {
	.o_name = "xfrm",
	.o_open = xfrm_open,
	.o_close = xfrm_close,
	.o_spi_alloc = xfrm_spi_alloc,
	.o_sa_add = xfrm_sa_add,
	.o_sa_update = xfrm_sa_update,
	.o_sa_del = xfrm_sa_del,
	.o_sa_stats = xfrm_sa_stats,
	.o_policy_add = xfrm_policy_add,
	.o_policy_del = xfrm_policy_del,
	.o_esp_input_udp = NULL,
	.o_udp_encap_enable = xfrm_udp_encap_enable,
	.o_socket_bypass = xfrm_socket_bypass,
};
