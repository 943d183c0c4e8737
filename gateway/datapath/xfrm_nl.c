/*
 * xfrm_nl.c: the request/reply loop of the xfrm backend on a libnl
 * socket (NETLINK_XFRM). Replies are read with nl_recv() into one
 * buffer large enough for any kernel message (the kernel's dump skbs stay
 * under 32 KiB), so libnl never reallocates a buffer holding keys, and
 * each buffer is wiped before it is freed: GETSA replies and SA dumps
 * carry the SAs' keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <openssl/crypto.h>

#include "datapath/xfrm_be.h"
#include "util/err.h"
#include "util/log.h"

#define XFRM_NL_BUF    65536
#define XFRM_EV_RCVBUF (1024 * 1024)

static int map_errno(int e)
{
	log_debug(LOG_SUB_KNL, "xfrm: kernel answered: %s", strerror(e));
	switch (e) {
	case EEXIST:
		return GW_E_EXISTS;
	case ENOENT:
	case ESRCH:
		return GW_E_NOTFOUND;
	case EINVAL:
		return GW_E_INVAL;
	case ENOMEM:
	case ENOBUFS:
		return GW_E_NOMEM;
	case EPROTONOSUPPORT:
	case ENOSYS:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
		return GW_E_UNSUP;
	default:
		return GW_E_IO;
	}
}

int xfrm_nl_open(struct nl_sock **out, bool events)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct timeval tv = { .tv_sec = 5 };
	int rc = GW_E_IO;

	*out = NULL;
	if (sk == NULL)
		return GW_E_NOMEM;
	if (nl_connect(sk, NETLINK_XFRM) < 0)
		goto out;
	nl_socket_disable_msg_peek(sk);
	nl_socket_disable_auto_ack(sk); /* we set NLM_F_ACK where we want one */
	if (nl_socket_set_msg_buf_size(sk, XFRM_NL_BUF) < 0)
		goto out;
	if (events) {
		/* Event bursts (acquires under load) must not overflow. */
		nl_socket_disable_seq_check(sk);
		if (nl_socket_set_buffer_size(sk, XFRM_EV_RCVBUF, 0) < 0 ||
		    nl_socket_add_memberships(sk, XFRMNLGRP_EXPIRE, XFRMNLGRP_ACQUIRE, 0) < 0 ||
		    nl_socket_set_nonblocking(sk) < 0)
			goto out;
	} else if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		goto out;
	}
	*out = sk;
	sk = NULL;
	rc = 0;
out:
	nl_socket_free(sk);
	return rc;
}

struct req {
	uint32_t r_seq;
	xfrm_reply_fn r_fn;
	void *r_arg;
	int r_rc; /* first error of r_fn */
	bool r_done;
};

static int handle_one(struct req *r, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e;

	if (h->nlmsg_type == NLMSG_DONE) {
		r->r_done = true;
		return r->r_rc;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		r->r_done = true;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return GW_E_PARSE;
		e = nlmsg_data(h);
		return e->error == 0 ? r->r_rc : map_errno(-e->error);
	}
	if (r->r_fn != NULL && r->r_rc == 0)
		r->r_rc = r->r_fn(h, r->r_arg);
	return 0;
}

static int handle_buf(struct req *r, unsigned char *buf, int n)
{
	struct nlmsghdr *h;
	int rc;

	for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
		if (h->nlmsg_seq != r->r_seq)
			continue; /* a late answer to an earlier, timed-out request */
		if ((rc = handle_one(r, h)) < 0 || r->r_done)
			return rc;
	}
	return 0;
}

int xfrm_nl_request(struct nl_sock *sk, struct nl_msg *msg, xfrm_reply_fn fn, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct req r = { .r_fn = fn, .r_arg = arg };
	unsigned char *buf = NULL;
	struct sockaddr_nl peer;
	int n, rc;

	if (!(h->nlmsg_flags & NLM_F_DUMP))
		h->nlmsg_flags |= NLM_F_ACK;
	if (nl_send_auto(sk, msg) < 0)
		return map_errno(errno ? errno : EIO);
	r.r_seq = h->nlmsg_seq;
	do {
		n = nl_recv(sk, &peer, &buf, NULL);
		if (n <= 0) {
			free(buf);
			return map_errno(n == 0 ? ETIMEDOUT : EIO);
		}
		rc = handle_buf(&r, buf, n);
		OPENSSL_cleanse(buf, (size_t)n);
		free(buf);
		buf = NULL;
	} while (rc == 0 && !r.r_done);
	return rc;
}

int xfrm_be_request(struct xfrm_be *xb, struct nl_msg *msg, xfrm_reply_fn fn, void *arg)
{
	int rc;

	pthread_mutex_lock(&xb->xb_nl_lock);
	rc = xfrm_nl_request(xb->xb_sk, msg, fn, arg);
	pthread_mutex_unlock(&xb->xb_nl_lock);
	xfrm_msg_free(msg);
	return rc;
}
