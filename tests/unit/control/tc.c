/*
 * tc.c: the control tests' server, handlers and client helpers, and the
 * test program's main().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tc.h"
#include "util/err.h"
#include "util/log.h"

int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- handlers ---- */

static int h_echo(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	*result = json_incref(args);
	return 0;
}

/* {"how":"gw"} returns GW_E_NOTFOUND bare; {"how":"custom"} sets its own. */
static int h_fail(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	const char *how = json_string_value(json_object_get(args, "how"));

	if (how && !strcmp(how, "custom"))
		return control_req_error(req, "bad-state", "custom failure %d", 42);
	if (how && !strcmp(how, "range"))
		return GW_E_RANGE;
	return GW_E_NOTFOUND;
}

struct later {
	struct control_req *l_req;
	int l_delay_ms;
	bool l_error;
};

static void *later_main(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->l_delay_ms * 1000);
	if (l->l_error)
		control_reply_error(l->l_req, "ike-failed", "failed after %d ms", l->l_delay_ms);
	else
		control_reply(l->l_req, json_pack("{s:i}", "delayed", l->l_delay_ms));
	free(l);
	return NULL;
}

/* Answers from another thread after delay_ms. */
static int h_async(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	struct later *l = calloc(1, sizeof(*l));
	pthread_t t;

	if (!l)
		return GW_E_NOMEM;
	l->l_req = req;
	l->l_delay_ms = (int)json_integer_value(json_object_get(args, "delay_ms"));
	l->l_error = json_is_true(json_object_get(args, "error"));
	if (pthread_create(&t, NULL, later_main, l)) {
		free(l);
		return GW_E_NOMEM;
	}
	pthread_detach(t);
	return CONTROL_PENDING;
}

/* Answers before returning CONTROL_PENDING, on the server thread. */
static int h_async_now(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	control_reply(req, json_pack("{s:b}", "now", 1));
	return CONTROL_PENDING;
}

static int h_args(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "s", "n", "b", NULL };
	const char *s;
	uint64_t n;
	bool present, b;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "s", true, 8, &s)) ||
	    (r = control_arg_uint(req, args, "n", 100, &n, &present)) ||
	    (r = control_arg_bool(req, args, "b", true, &b)))
		return r;
	*result = json_pack("{s:s,s:I,s:b,s:b}", "s", s, "n", (json_int_t)n, "n_given", present,
			    "b", b);
	return 0;
}

static int h_keep(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	struct tsrv *s = arg;

	s->ts_kept = req;
	return CONTROL_PENDING;
}

static int h_peer(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	const struct control_peer *p = control_req_peer(req);

	*result = json_pack("{s:i,s:i,s:s}", "uid", (int)p->cp_uid, "gid", (int)p->cp_gid, "cmd",
			    control_req_cmd(req));
	return 0;
}

static int h_formats(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	*result = json_pack("{s:o,s:o,s:o,s:o}", "time", control_json_time(1795788000), "never",
			    control_json_time(0), "spi", control_json_hex(0xc0ffee, 4), "ike_spi",
			    control_json_hex(0x0123456789abcdefULL, 8));
	return 0;
}

int tsrv_new(struct tsrv *s, const struct control_config *cfg)
{
	struct control_config c = { 0 };
	int r;

	memset(s, 0, sizeof(*s));
	strcpy(s->ts_dir, "/tmp/palisade-ctl.XXXXXX");
	if (!mkdtemp(s->ts_dir))
		return GW_E_IO;
	snprintf(s->ts_path, sizeof(s->ts_path), "%s/control.sock", s->ts_dir);
	if (cfg)
		c = *cfg;
	c.cc_path = s->ts_path;
	if ((r = control_new(&c, &s->ts_ctl)))
		return r;
	if ((r = control_register(s->ts_ctl, "echo", h_echo, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "fail", h_fail, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "async", h_async, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "async-now", h_async_now, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "args", h_args, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "keep", h_keep, s, 0)) ||
	    (r = control_register(s->ts_ctl, "peer", h_peer, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "formats", h_formats, NULL, 0)) ||
	    (r = control_register(s->ts_ctl, "mut", h_echo, NULL, CONTROL_F_MUTATES)) ||
	    (r = control_register(s->ts_ctl, "secret", h_echo, NULL,
				  CONTROL_F_MUTATES | CONTROL_F_SECRET)))
		return r;
	return 0;
}

int tsrv_start(struct tsrv *s, const struct control_config *cfg)
{
	int r = tsrv_new(s, cfg);

	return r ? r : control_start(s->ts_ctl);
}

void tsrv_stop(struct tsrv *s)
{
	char lock[160];

	control_free(s->ts_ctl);
	s->ts_ctl = NULL;
	snprintf(lock, sizeof(lock), "%s.lock", s->ts_path);
	unlink(lock);
	unlink(s->ts_path);
	rmdir(s->ts_dir);
}

/* ---- client ---- */

int tcli_open(struct tcli *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((c->tc_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(c->tc_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(c->tc_fd);
		c->tc_fd = -1;
		return -e;
	}
	return 0;
}

void tcli_close(struct tcli *c)
{
	if (c->tc_fd >= 0)
		close(c->tc_fd);
	c->tc_fd = -1;
	free(c->tc_buf);
	c->tc_buf = NULL;
	c->tc_len = c->tc_cap = 0;
}

int tcli_send(struct tcli *c, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(c->tc_fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int tcli_sends(struct tcli *c, const char *s)
{
	return tcli_send(c, s, strlen(s));
}

/* More bytes; 1 read, 0 EOF/error, -1 timeout. */
static int fill(struct tcli *c, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->tc_fd, .events = POLLIN };
	int64_t wait = deadline - ms_now();
	ssize_t n;

	if (wait <= 0 || poll(&pfd, 1, (int)wait) <= 0)
		return -1;
	if (c->tc_cap - c->tc_len < 65536) {
		size_t cap = c->tc_cap ? c->tc_cap * 2 : 131072;
		char *p = realloc(c->tc_buf, cap);

		if (!p)
			return 0;
		c->tc_buf = p;
		c->tc_cap = cap;
	}
	n = recv(c->tc_fd, c->tc_buf + c->tc_len, c->tc_cap - c->tc_len, 0);
	if (n <= 0)
		return 0;
	c->tc_len += (size_t)n;
	return 1;
}

char *tcli_line(struct tcli *c, int timeout_ms)
{
	int64_t deadline = ms_now() + timeout_ms;
	size_t scanned = 0;

	for (;;) {
		char *nl = c->tc_len > scanned
				   ? memchr(c->tc_buf + scanned, '\n', c->tc_len - scanned)
				   : NULL;

		if (nl) {
			size_t n = (size_t)(nl - c->tc_buf);
			char *line = malloc(n + 1);

			memcpy(line, c->tc_buf, n);
			line[n] = 0;
			memmove(c->tc_buf, nl + 1, c->tc_len - n - 1);
			c->tc_len -= n + 1;
			return line;
		}
		scanned = c->tc_len;
		if (fill(c, deadline) <= 0)
			return NULL;
	}
}

json_t *tcli_json(struct tcli *c, int timeout_ms)
{
	char *line = tcli_line(c, timeout_ms);
	json_t *j = line ? json_loads(line, JSON_REJECT_DUPLICATES, NULL) : NULL;

	free(line);
	return j;
}

bool tcli_eof(struct tcli *c, int timeout_ms)
{
	int64_t deadline = ms_now() + timeout_ms;
	int r;

	if (c->tc_len)
		return false;
	while ((r = fill(c, deadline)) == 1)
		if (c->tc_len)
			return false;
	return r == 0;
}

json_t *tcli_call(struct tcli *c, const char *line)
{
	if (tcli_sends(c, line))
		return NULL;
	return tcli_json(c, TC_TIMEOUT);
}

bool ans_ok(json_t *a, long long id)
{
	return json_is_object(a) && json_is_true(json_object_get(a, "ok")) &&
	       json_integer_value(json_object_get(a, "id")) == id &&
	       json_is_object(json_object_get(a, "result"));
}

bool ans_err(json_t *a, const char *code)
{
	json_t *e = json_object_get(a, "error");

	return json_is_object(a) && json_is_false(json_object_get(a, "ok")) &&
	       json_is_string(json_object_get(e, "code")) &&
	       !strcmp(json_string_value(json_object_get(e, "code")), code) &&
	       json_is_string(json_object_get(e, "message"));
}

int main(void)
{
	static const struct ut_suite requests = { "control requests", tc_requests_cases };
	static const struct ut_suite events = { "control events", tc_events_cases };
	static const struct ut_suite sock = { "control socket", tc_socket_cases };
	static const struct ut_suite *const suites[] = { &requests, &events, &sock, NULL };

	log_init("test_control", false, LOG_ERR);
	return ut_main(suites);
}
