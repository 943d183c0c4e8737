/*
 * gw.c: the control-socket client (api/control.md sections 2, 3): one
 * request line, then lines until the answer with our id; newline-delimited
 * JSON both ways, parsed strictly. The watcher thread probes the gateway
 * every second while a change is pending and sends reload when it answers.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/gw.h"

#define ANSWER_MAX (256u << 20)

struct gw {
	char *g_path;
	atomic_bool g_up;
	atomic_bool g_pending;
	atomic_ullong g_next_id;
	pthread_t g_watcher;
	bool g_watching;
	atomic_bool g_stop;
};

int gw_new(const char *socket_path, struct gw **out)
{
	struct gw *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || !(g->g_path = strdup(socket_path))) {
		free(g);
		return GW_E_NOMEM;
	}
	atomic_store(&g->g_next_id, 1);
	*out = g;
	return 0;
}

void gw_free(struct gw *g)
{
	if (!g)
		return;
	if (g->g_watching) {
		atomic_store(&g->g_stop, true);
		pthread_join(g->g_watcher, NULL);
	}
	free(g->g_path);
	free(g);
}

bool gw_up(const struct gw *g)
{
	return atomic_load(&g->g_up);
}

void gw_set_pending(struct gw *g, bool pending)
{
	atomic_store(&g->g_pending, pending);
}

bool gw_pending(const struct gw *g)
{
	return atomic_load(&g->g_pending);
}

static int unreachable(struct gw *g, struct gw_fail *err, const char *what)
{
	atomic_store(&g->g_up, false);
	snprintf(err->ge_code, sizeof(err->ge_code), "unreachable");
	snprintf(err->ge_message, sizeof(err->ge_message),
		 "palisade-gatewayd is not answering on %s (%s): is it running?", g->g_path, what);
	return GW_E_IO;
}

static int sock_connect(struct gw *g, struct gw_fail *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(g->g_path) >= sizeof(sun.sun_path))
		return unreachable(g, err, "socket path too long"), -1;
	memcpy(sun.sun_path, g->g_path, strlen(g->g_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return unreachable(g, err, strerror(errno)), -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		unreachable(g, err, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int send_line(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return GW_E_IO;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct linebuf {
	char *lb_buf;
	size_t lb_len, lb_cap;
};

struct gw_stream {
	int gs_fd;
	struct linebuf gs_lb;
};

/* Next line (without '\n') into *line (heap); 0, GW_E_AGAIN at the deadline,
 * GW_E_IO on EOF or error. */
static int read_line(int fd, struct linebuf *lb, long long deadline, char **line)
{
	for (;;) {
		char *nl = lb->lb_len ? memchr(lb->lb_buf, '\n', lb->lb_len) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - lb->lb_buf);

			if (!(*line = strndup(lb->lb_buf, n)))
				return GW_E_NOMEM;
			memmove(lb->lb_buf, nl + 1, lb->lb_len - n - 1);
			lb->lb_len -= n + 1;
			return 0;
		}
		if (lb->lb_len == lb->lb_cap) {
			size_t cap = lb->lb_cap ? 2 * lb->lb_cap : 65536;
			char *nb;

			if (cap > ANSWER_MAX || !(nb = realloc(lb->lb_buf, cap)))
				return GW_E_RANGE;
			lb->lb_buf = nb;
			lb->lb_cap = cap;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int pr;

		if (left <= 0)
			return GW_E_AGAIN;
		if ((pr = poll(&pfd, 1, (int)left)) == 0)
			return GW_E_AGAIN;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return GW_E_IO;
		n = recv(fd, lb->lb_buf + lb->lb_len, lb->lb_cap - lb->lb_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return GW_E_IO;
		lb->lb_len += (size_t)n;
	}
}

/* The answer line: ok -> *result, else err from the daemon. */
static int take_answer(json_t *ans, json_t **result, struct gw_fail *err)
{
	json_t *e;

	if (json_is_true(json_object_get(ans, "ok"))) {
		*result = json_incref(json_object_get(ans, "result"));
		return *result ? 0 : GW_E_PARSE;
	}
	e = json_object_get(ans, "error");
	snprintf(err->ge_code, sizeof(err->ge_code), "%s",
		 json_string_value(json_object_get(e, "code")) ?: "internal-error");
	snprintf(err->ge_message, sizeof(err->ge_message), "%s",
		 json_string_value(json_object_get(e, "message")) ?: "no message");
	return GW_E_INVAL;
}

static int exchange(struct gw *g, int fd, struct linebuf *lb, json_t *req, json_int_t id,
		    int timeout_ms, json_t **result, struct gw_fail *err)
{
	long long deadline = now_ms() + timeout_ms;
	char *s = json_dumps(req, JSON_COMPACT);
	int r = GW_E_NOMEM;

	if (!s)
		goto out;
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);

	if (!line) {
		free(s);
		goto out;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	r = send_line(fd, line, n + 1);
	free(line);
	if (r) {
		r = unreachable(g, err, "write failed");
		goto out;
	}
	for (;;) {
		json_t *ans;
		char *l;

		if ((r = read_line(fd, lb, deadline, &l))) {
			r = unreachable(g, err,
					r == GW_E_RANGE ? "answer too long" : "no answer in time");
			goto out;
		}
		ans = json_loads(l, JSON_REJECT_DUPLICATES, NULL);
		free(l);
		if (ans && json_integer_value(json_object_get(ans, "id")) == id) {
			r = take_answer(ans, result, err);
			json_decref(ans);
			break;
		}
		json_decref(ans);
	}
	atomic_store(&g->g_up, true);
out:
	return r;
}

int gw_call(struct gw *g, const char *cmd, json_t *args, int timeout_ms, json_t **result,
	    struct gw_fail *err)
{
	json_int_t id = (json_int_t)atomic_fetch_add(&g->g_next_id, 1);
	json_t *req = json_pack("{s:I, s:s}", "id", id, "cmd", cmd);
	int fd, r;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	if (!req) {
		json_decref(args);
		return GW_E_NOMEM;
	}
	if (args)
		json_object_set_new(req, "args", args);
	if ((fd = sock_connect(g, err)) < 0) {
		json_decref(req);
		return GW_E_IO;
	}

	struct linebuf lb = { 0 };

	r = exchange(g, fd, &lb, req, id, timeout_ms, result, err);
	free(lb.lb_buf);
	close(fd);
	json_decref(req);
	return r;
}

int gw_subscribe(struct gw *g, json_t *events, struct gw_stream **out, struct gw_fail *err)
{
	struct gw_stream *st = NULL;
	json_t *res = NULL, *req;
	int r = GW_E_NOMEM;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	req = json_pack("{s:I, s:s, s:{s:o}}", "id", (json_int_t)1, "cmd", "subscribe", "args",
			"events", events ? events : json_array());
	if (!req || !(st = calloc(1, sizeof(*st))))
		goto out;
	r = GW_E_IO;
	if ((st->gs_fd = sock_connect(g, err)) < 0)
		goto out;
	/* event lines that came with the answer stay in the stream's buffer */
	if ((r = exchange(g, st->gs_fd, &st->gs_lb, req, 1, GW_CALL_TIMEOUT_MS, &res, err)))
		goto out;
	*out = st;
	st = NULL;
out:
	gw_stream_free(st);
	json_decref(res);
	json_decref(req);
	return r;
}

int gw_stream_next(struct gw_stream *st, int timeout_ms, char **line)
{
	*line = NULL;
	return read_line(st->gs_fd, &st->gs_lb, now_ms() + timeout_ms, line);
}

int gw_stream_fd(const struct gw_stream *st)
{
	return st->gs_fd;
}

bool gw_stream_buffered(const struct gw_stream *st)
{
	return st->gs_lb.lb_len && memchr(st->gs_lb.lb_buf, '\n', st->gs_lb.lb_len);
}

void gw_stream_free(struct gw_stream *st)
{
	if (!st)
		return;
	if (st->gs_fd >= 0)
		close(st->gs_fd);
	free(st->gs_lb.lb_buf);
	free(st);
}

/* ---- the watcher ---- */

static void apply_pending(struct gw *g)
{
	struct gw_fail err;
	json_t *res;

	if (gw_call(g, "reload", NULL, GW_CALL_TIMEOUT_MS, &res, &err)) {
		if (strcmp(err.ge_code, "unreachable"))
			log_msg(LOG_SUB_CFG, LOG_WARNING,
				"gateway is back but refused the pending configuration: %s",
				err.ge_message);
		if (!strcmp(err.ge_code, "unreachable"))
			return;
	} else {
		log_msg(LOG_SUB_CFG, LOG_NOTICE,
			"gateway is back: configuration changes made while it was down applied");
	}
	json_decref(res);
	atomic_store(&g->g_pending, false);
}

static void *watch(void *arg)
{
	struct gw *g = arg;
	unsigned tick = 0;

	while (!atomic_load(&g->g_stop)) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		struct gw_fail err;
		json_t *res;

		nanosleep(&ts, NULL);
		if (++tick % 5)
			continue;
		if (atomic_load(&g->g_pending)) {
			apply_pending(g);
		} else if (!atomic_load(&g->g_up) &&
			   !gw_call(g, "version", NULL, 2000, &res, &err)) {
			json_decref(res);
		}
	}
	return NULL;
}

int gw_watch_start(struct gw *g)
{
	if (pthread_create(&g->g_watcher, NULL, watch, g))
		return GW_E_NOMEM;
	g->g_watching = true;
	return 0;
}
