/*
 * conn.c: one client connection on the server thread: the request line
 * buffer (capped at CONTROL_LINE_MAX), the output buffer, back-pressure
 * (a client with too many unanswered requests or unread output is not
 * read until it catches up) and the epoll interest that follows from it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

size_t ctl_buf_used(const struct ctl_buf *b)
{
	return b->b_len - b->b_head;
}

int ctl_client_send(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_buf *b = &c->c_out;

	if (b->b_head && b->b_head == b->b_len)
		b->b_head = b->b_len = 0;
	if (b->b_cap - b->b_len < len) {
		size_t used = ctl_buf_used(b), cap = b->b_cap ? b->b_cap : 4096;
		char *p;

		/* Compact first; grow only when the data itself needs it. */
		if (used)
			memmove(b->b_data, b->b_data + b->b_head, used);
		b->b_head = 0;
		b->b_len = used;
		while (cap - used < len) {
			if (cap > SIZE_MAX / 2)
				return GW_E_NOMEM;
			cap *= 2;
		}
		if (cap != b->b_cap) {
			if (!(p = realloc(b->b_data, cap)))
				return GW_E_NOMEM;
			b->b_data = p;
			b->b_cap = cap;
		}
	}
	memcpy(b->b_data + b->b_len, line, len);
	b->b_len += len;
	return 0;
}

struct ctl_client *ctl_client_new(struct control *ctl, int fd, const struct control_peer *peer)
{
	struct ctl_client *c;
	unsigned slot;

	for (slot = 0; slot < ctl->ctl_max_clients; slot++)
		if (!ctl->ctl_clients[slot])
			break;
	if (slot == ctl->ctl_max_clients || !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->c_id = ++ctl->ctl_next_id;
	c->c_fd = fd;
	c->c_slot = slot;
	if (peer)
		c->c_peer = *peer;
	ctl->ctl_clients[slot] = c;
	atomic_fetch_add(&ctl->ctl_n_clients, 1);
	return c;
}

void ctl_client_free(struct control *ctl, struct ctl_client *c)
{
	if (!c)
		return;
	if (!c->c_dead)
		ctl_client_close(ctl, c);
	ctl->ctl_clients[c->c_slot] = NULL;
	free(c->c_in);
	free(c->c_out.b_data);
	free(c);
}

/* Closed now, freed by the server loop after its epoll batch (or by
 * ctl_client_free for detached clients). */
void ctl_client_close(struct control *ctl, struct ctl_client *c)
{
	if (c->c_dead)
		return;
	c->c_dead = true;
	if (c->c_fd >= 0) {
		epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_DEL, c->c_fd, NULL);
		close(c->c_fd);
		c->c_fd = -1;
	}
	if (c->c_subscribed)
		atomic_fetch_sub(&ctl->ctl_n_subs, 1);
	atomic_fetch_sub(&ctl->ctl_n_clients, 1);
}

struct ctl_client *ctl_client_find(struct control *ctl, uint64_t id)
{
	for (unsigned i = 0; i < ctl->ctl_max_clients; i++) {
		struct ctl_client *c = ctl->ctl_clients[i];

		if (c && c->c_id == id && !c->c_dead)
			return c;
	}
	return NULL;
}

static bool may_parse(const struct ctl_client *c)
{
	return !c->c_dead && !c->c_closing && c->c_pending < CTL_MAX_PENDING &&
	       ctl_buf_used(&c->c_out) < CTL_OUT_HIGH;
}

/* Subscribers are always read (their input is dropped): a peer that
 * half-closed or gets closed is not. */
static bool may_read(const struct ctl_client *c)
{
	return !c->c_dead && !c->c_eof && !c->c_closing && (c->c_subscribed || may_parse(c));
}

static void too_large(struct ctl_client *c)
{
	ctl_send_error(c, NULL, "too-large", "request line longer than 65536 bytes");
	c->c_closing = true;
	c->c_in_head = c->c_in_len = c->c_in_scan = 0;
}

/* Dispatch every complete line the limits allow. */
static void parse_lines(struct control *ctl, struct ctl_client *c)
{
	while (may_parse(c) && c->c_in_head < c->c_in_len) {
		const char *start = c->c_in + c->c_in_head;
		size_t avail = c->c_in_len - c->c_in_head;
		const char *nl = memchr(c->c_in + c->c_in_scan, '\n', c->c_in_len - c->c_in_scan);
		size_t len;

		if (!nl) {
			c->c_in_scan = c->c_in_len;
			if (avail > CONTROL_LINE_MAX)
				too_large(c);
			else if (c->c_eof) /* a last line without its newline */
				nl = start + avail;
			if (!nl)
				break;
		}
		len = (size_t)(nl - start);
		c->c_in_head += len + (len < avail);
		c->c_in_scan = c->c_in_head;
		if (c->c_subscribed)
			continue; /* an event stream reads nothing more */
		ctl_dispatch_line(ctl, c, start, len);
	}
	if (c->c_in_head == c->c_in_len)
		c->c_in_head = c->c_in_len = c->c_in_scan = 0;
}

void ctl_client_pump(struct control *ctl, struct ctl_client *c)
{
	parse_lines(ctl, c);
	ctl_client_update(ctl, c);
}

/* Room for more input: move the unparsed rest to the front, and grow the
 * buffer (up to one maximal line and its newline) when it is nearly full:
 * most requests are short, so most clients never need 64 KiB. */
static size_t in_room(struct ctl_client *c)
{
	if (c->c_in_head) {
		size_t rest = c->c_in_len - c->c_in_head;

		memmove(c->c_in, c->c_in + c->c_in_head, rest);
		c->c_in_scan -= c->c_in_head;
		c->c_in_len = rest;
		c->c_in_head = 0;
	}
	if (c->c_in_cap - c->c_in_len < CTL_IN_CHUNK && c->c_in_cap < CTL_IN_CAP) {
		size_t cap = c->c_in_cap ? 2 * c->c_in_cap : CTL_IN_CHUNK;
		char *p;

		if (cap > CTL_IN_CAP)
			cap = CTL_IN_CAP;
		if ((p = realloc(c->c_in, cap))) {
			c->c_in = p;
			c->c_in_cap = cap;
		}
	}
	return c->c_in_cap - c->c_in_len;
}

size_t ctl_client_input(struct control *ctl, struct ctl_client *c, const char *data, size_t len)
{
	size_t room = in_room(c);

	if (len > room)
		len = room;
	if (!len)
		return 0;
	memcpy(c->c_in + c->c_in_len, data, len);
	c->c_in_len += len;
	if (c->c_subscribed)
		c->c_in_head = c->c_in_len = c->c_in_scan = 0;
	ctl_client_pump(ctl, c);
	return len;
}

void ctl_client_read(struct control *ctl, struct ctl_client *c)
{
	while (may_read(c)) {
		size_t room = in_room(c);
		ssize_t n;

		if (!room)
			break;
		n = recv(c->c_fd, c->c_in + c->c_in_len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			ctl_client_close(ctl, c);
			return;
		}
		if (n == 0)
			c->c_eof = true;
		c->c_in_len += (size_t)n;
		if (c->c_subscribed)
			c->c_in_head = c->c_in_len = c->c_in_scan = 0;
		parse_lines(ctl, c);
	}
	ctl_client_update(ctl, c);
}

void ctl_client_flush(struct control *ctl, struct ctl_client *c)
{
	struct ctl_buf *b = &c->c_out;

	while (!c->c_dead && c->c_fd >= 0 && ctl_buf_used(b)) {
		ssize_t n = send(c->c_fd, b->b_data + b->b_head, ctl_buf_used(b),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			ctl_client_close(ctl, c);
			return;
		}
		b->b_head += (size_t)n;
		if (!ctl_buf_used(b))
			ctl_sub_notice(c); /* caught up: say what was lost */
	}
	/* Written output may let requests waiting in c_in through. */
	ctl_client_pump(ctl, c);
}

/* Is the conversation over: nothing left to read, answer or write? */
static bool finished(const struct ctl_client *c)
{
	if (ctl_buf_used(&c->c_out))
		return false;
	if (c->c_closing)
		return true;
	return c->c_eof && !c->c_subscribed && !c->c_pending && c->c_in_head == c->c_in_len;
}

void ctl_client_update(struct control *ctl, struct ctl_client *c)
{
	struct epoll_event ev = { 0 };
	uint32_t mask = 0;

	if (c->c_dead || c->c_fd < 0)
		return;
	if (finished(c)) {
		ctl_client_close(ctl, c);
		return;
	}
	if (may_read(c))
		mask |= EPOLLIN;
	if (ctl_buf_used(&c->c_out))
		mask |= EPOLLOUT;
	if (mask == c->c_mask)
		return;
	ev.events = mask;
	ev.data.ptr = c;
	if (epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_MOD, c->c_fd, &ev) < 0) {
		log_warn(LOG_SUB_CTL, "epoll_ctl: %s", strerror(errno));
		ctl_client_close(ctl, c);
		return;
	}
	c->c_mask = mask;
}

char *ctl_client_take_output(struct control *ctl, struct ctl_client *c, size_t *len)
{
	struct ctl_buf *b = &c->c_out;
	size_t n = ctl_buf_used(b);
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	if (n)
		memcpy(out, b->b_data + b->b_head, n);
	out[n] = 0;
	b->b_head = b->b_len = 0;
	*len = n;
	ctl_sub_notice(c);
	ctl_client_pump(ctl, c);
	return out;
}
