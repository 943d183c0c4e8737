/*
 * client.c: palisadectl's side of the control socket (api/control.md):
 * connect, send one request line, read lines until the answer with our id
 * arrives, within --timeout.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"

int ctl_connect(struct ctl_conn *c, const char *path, unsigned timeout)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->cc_fd = -1;
	c->cc_path = path;
	c->cc_timeout = timeout;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "palisadectl: socket path too long: %s\n", path);
		return CTL_EXIT_CONNECT;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((c->cc_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c->cc_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr,
			"palisadectl: cannot connect to %s: %s (is palisade-gatewayd running?)\n",
			path, strerror(errno));
		ctl_close(c);
		return CTL_EXIT_CONNECT;
	}
	return CTL_EXIT_OK;
}

void ctl_close(struct ctl_conn *c)
{
	if (c->cc_fd >= 0)
		close(c->cc_fd);
	c->cc_fd = -1;
	free(c->cc_buf);
	c->cc_buf = NULL;
	c->cc_len = c->cc_cap = 0;
}

static int send_all(struct ctl_conn *c, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(c->cc_fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "palisadectl: %s: write: %s\n", c->cc_path,
				strerror(errno));
			return CTL_EXIT_ERROR;
		}
		p += n;
		len -= (size_t)n;
	}
	return CTL_EXIT_OK;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read more into the buffer, waiting until deadline (ms, -1 = forever). */
static int fill(struct ctl_conn *c, long long deadline, bool *interrupted)
{
	struct pollfd pfd = { .fd = c->cc_fd, .events = POLLIN };
	long long wait = deadline < 0 ? -1 : deadline - now_ms();
	ssize_t n;

	if (deadline >= 0 && wait <= 0) {
		fprintf(stderr, "palisadectl: no answer from %s within %u s\n", c->cc_path,
			c->cc_timeout);
		return CTL_EXIT_ERROR;
	}
	if (poll(&pfd, 1, (int)wait) <= 0)
		goto again;
	if (c->cc_cap - c->cc_len < 65536) {
		size_t cap = c->cc_cap ? c->cc_cap * 2 : 131072;
		char *p;

		if (cap > 2 * (size_t)CTL_ANSWER_MAX || !(p = realloc(c->cc_buf, cap))) {
			fprintf(stderr, "palisadectl: answer from %s too long\n", c->cc_path);
			return CTL_EXIT_ERROR;
		}
		c->cc_buf = p;
		c->cc_cap = cap;
	}
	n = recv(c->cc_fd, c->cc_buf + c->cc_len, c->cc_cap - c->cc_len, 0);
	if (n < 0 && errno == EINTR)
		goto again;
	if (n <= 0) {
		fprintf(stderr, "palisadectl: %s closed the connection%s%s\n", c->cc_path,
			n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return CTL_EXIT_ERROR;
	}
	c->cc_len += (size_t)n;
	return CTL_EXIT_OK;
again:
	/* Timeouts come back here with errno 0 and are reported by the
	 * deadline check of the next call; a signal ends the wait only for
	 * callers that asked to know. */
	if (errno == EINTR && interrupted) {
		*interrupted = true;
		return CTL_EXIT_ERROR;
	}
	if (errno && errno != EINTR && errno != EAGAIN) {
		fprintf(stderr, "palisadectl: %s: %s\n", c->cc_path, strerror(errno));
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

long long ctl_deadline(unsigned timeout_s)
{
	return timeout_s ? now_ms() + (long long)timeout_s * 1000 : -1;
}

int ctl_read_line(struct ctl_conn *c, long long deadline, char **line, bool *interrupted)
{
	size_t scanned = 0;
	int r;

	if (interrupted)
		*interrupted = false;
	for (;;) {
		char *nl = c->cc_len > scanned
				   ? memchr(c->cc_buf + scanned, '\n', c->cc_len - scanned)
				   : NULL;

		if (nl) {
			size_t n = (size_t)(nl - c->cc_buf);

			if (!(*line = malloc(n + 1)))
				return CTL_EXIT_ERROR;
			memcpy(*line, c->cc_buf, n);
			(*line)[n] = 0;
			memmove(c->cc_buf, nl + 1, c->cc_len - n - 1);
			c->cc_len -= n + 1;
			return CTL_EXIT_OK;
		}
		scanned = c->cc_len;
		if (c->cc_len > CTL_ANSWER_MAX) {
			fprintf(stderr, "palisadectl: answer from %s too long\n", c->cc_path);
			return CTL_EXIT_ERROR;
		}
		errno = 0;
		if ((r = fill(c, deadline, interrupted)))
			return r;
	}
}

static int send_request(struct ctl_conn *c, unsigned id, const char *cmd, json_t *args)
{
	json_t *req = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)id, "cmd", cmd, "args",
				args ? args : json_object());
	char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int r = CTL_EXIT_ERROR;

	if (s) {
		size_t n = strlen(s);

		s[n] = '\n'; /* json_dumps's NUL becomes the line end */
		r = send_all(c, s, n + 1);
	}
	free(s);
	json_decref(req);
	return r;
}

/* A line that answers request id, or NULL for anything else (an event). */
static json_t *match_answer(const char *line, unsigned id)
{
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL), *v;

	if (!json_is_object(o))
		goto no;
	v = json_object_get(o, "id");
	if (json_is_integer(v) && json_integer_value(v) == (json_int_t)id)
		return o;
	/* id null: the daemon refused the connection or the line itself */
	if (json_is_null(v) && json_is_false(json_object_get(o, "ok")))
		return o;
no:
	json_decref(o);
	return NULL;
}

int ctl_call(struct ctl_conn *c, const char *cmd, json_t *args, json_t **result, json_t **error)
{
	unsigned id = ++c->cc_next_id;
	long long deadline = ctl_deadline(c->cc_timeout);
	json_t *ans = NULL;
	int r;

	*result = *error = NULL;
	if ((r = send_request(c, id, cmd, args)))
		return r;
	while (!ans) {
		char *line = NULL;

		if ((r = ctl_read_line(c, deadline, &line, NULL)))
			return r;
		ans = match_answer(line, id);
		free(line);
	}
	if (json_is_true(json_object_get(ans, "ok")) &&
	    json_is_object(json_object_get(ans, "result"))) {
		*result = json_incref(json_object_get(ans, "result"));
		r = CTL_EXIT_OK;
	} else {
		*error = json_incref(json_object_get(ans, "error"));
		if (!json_is_object(*error)) {
			json_decref(*error);
			*error = json_pack("{s:s,s:s}", "code", "protocol-error", "message",
					   "malformed answer from the daemon");
		}
		r = CTL_EXIT_ERROR;
	}
	json_decref(ans);
	return r;
}
