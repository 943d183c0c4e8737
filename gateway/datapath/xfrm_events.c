/*
 * xfrm_events.c: the backend's reader of the kernel's XFRMNLGRP_EXPIRE and
 * XFRMNLGRP_ACQUIRE multicast groups. One thread polls the event socket
 * and a stop pipe; each notification about one of our SAs (expire) or
 * trap policies (acquire) goes to cfg->c_event as a struct dp_event.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>

#include "datapath/xfrm_be.h"
#include "util/err.h"
#include "util/log.h"

void xfrm_events_handle(struct xfrm_be *xb, const struct nlmsghdr *nlh)
{
	struct xfrm_notice n;
	struct xfrm_own_sa os;

	if (xfrm_msg_parse_notice(nlh, &n) < 0)
		return;
	if (n.xn_ev.ev_type == DP_EV_ACQUIRE) {
		/* only our trap policies: others' acquires are theirs */
		if (!xfrm_tagged(n.xn_pol_index) || !xfrm_own_pol_is_trap(xb, n.xn_pol_index))
			return;
	} else {
		if (!xfrm_own_sa_get(xb, n.xn_ev.ev_spi, &n.xn_ev.ev_dst, &os) ||
		    os.os_mark != n.xn_mark || os.os_mark_mask != n.xn_mark_mask)
			return;
		if (n.xn_ev.ev_type == DP_EV_HARD_EXPIRE)
			xfrm_own_sa_remove(xb, n.xn_ev.ev_spi, &n.xn_ev.ev_dst);
		if (os.os_larval)
			return; /* an unused ALLOCSPI reservation timed out */
	}
	log_debug(LOG_SUB_KNL, "xfrm: event %d spi 0x%08x reqid %u", (int)n.xn_ev.ev_type,
		  n.xn_ev.ev_spi, n.xn_ev.ev_reqid);
	if (xb->xb_event != NULL)
		xb->xb_event(xb->xb_event_arg, &n.xn_ev);
}

static void read_events(struct xfrm_be *xb)
{
	unsigned char *buf = NULL;
	struct sockaddr_nl peer;
	struct nlmsghdr *h;
	int n;

	for (;;) {
		n = nl_recv(xb->xb_ev_sk, &peer, &buf, NULL);
		if (n <= 0) {
			/* 0: drained. -NLE_NOMEM: ENOBUFS, the kernel dropped
			 * events; sa/'s own timers are the fallback. */
			if (n == -NLE_NOMEM)
				log_warn(LOG_SUB_KNL, "xfrm: event socket overrun, events lost");
			free(buf);
			return;
		}
		if (peer.nl_pid == 0) /* from the kernel only */
			for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n))
				xfrm_events_handle(xb, h);
		free(buf);
		buf = NULL;
	}
}

static void *events_main(void *arg)
{
	struct xfrm_be *xb = arg;
	struct pollfd pfd[2] = {
		{ .fd = nl_socket_get_fd(xb->xb_ev_sk), .events = POLLIN },
		{ .fd = xb->xb_stop[0], .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err(LOG_SUB_KNL, "xfrm: event poll failed, no more events");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0)
			read_events(xb);
	}
	return NULL;
}

int xfrm_events_start(struct xfrm_be *xb)
{
	int rc;

	if ((rc = xfrm_nl_open(&xb->xb_ev_sk, true)) < 0)
		return rc;
	if (pipe(xb->xb_stop) < 0) {
		xb->xb_stop[0] = xb->xb_stop[1] = -1;
		return GW_E_IO;
	}
	if (pthread_create(&xb->xb_thread, NULL, events_main, xb) != 0)
		return GW_E_IO;
	xb->xb_thread_on = true;
	return 0;
}

void xfrm_events_stop(struct xfrm_be *xb)
{
	if (xb->xb_thread_on) {
		close(xb->xb_stop[1]); /* POLLHUP on the read end */
		xb->xb_stop[1] = -1;
		pthread_join(xb->xb_thread, NULL);
		xb->xb_thread_on = false;
	}
	if (xb->xb_stop[0] >= 0)
		close(xb->xb_stop[0]);
	if (xb->xb_stop[1] >= 0)
		close(xb->xb_stop[1]);
	xb->xb_stop[0] = xb->xb_stop[1] = -1;
	nl_socket_free(xb->xb_ev_sk);
	xb->xb_ev_sk = NULL;
}
