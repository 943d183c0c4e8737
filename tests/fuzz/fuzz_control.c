/*
 * fuzz_control.c: libFuzzer target for the control server's request path
 * (gateway/control), without a socket: the input is what a client sends,
 * fed to a detached client in pieces as read() would deliver it, through
 * line splitting, the 64 KiB cap, JSON parsing, the envelope checks and
 * the dispatch to a few registered handlers (synchronous, asynchronous,
 * failing, argument-checking, subscribe). Everything the server writes
 * back must be one JSON object per line: an answer with "id" and "ok", or
 * an event; anything else aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what, const char *line)
{
	if (!ok) {
		fprintf(stderr, "fuzz_control: %s: %.200s\n", what, line ? line : "");
		abort();
	}
}

static int h_echo(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	*result = json_incref(args);
	return 0;
}

/* Answers through the mailbox, as a worker thread would. */
static int h_async(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	const char *why = json_string_value(json_object_get(args, "why"));

	if (json_is_true(json_object_get(args, "fail")))
		control_reply_error(req, "ike-failed", "failed: %s", why ? why : "?");
	else
		control_reply(req, json_deep_copy(args));
	return CONTROL_PENDING;
}

/* Never answers: the request stays with the handler (freed later). */
static int h_hold(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	struct control_req **slot = arg;

	control_reply(*slot, NULL); /* the previous one, if any */
	*slot = req;
	return CONTROL_PENDING;
}

static int h_select(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "conn", "ike_uid", "child", "wait", NULL };
	const char *conn, *child;
	uint64_t uid;
	bool has_uid, wait;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "conn", false, 63, &conn)) ||
	    (r = control_arg_str(req, args, "child", false, 63, &child)) ||
	    (r = control_arg_uint(req, args, "ike_uid", INT64_MAX, &uid, &has_uid)) ||
	    (r = control_arg_bool(req, args, "wait", true, &wait)))
		return r;
	if (has_uid && uid == 99)
		return GW_E_NOTFOUND;
	if (conn && !strcmp(conn, "state"))
		return control_req_error(req, "bad-state", "conn %s is busy", conn);
	*result = json_pack("{s:s?,s:s?,s:I,s:b,s:o,s:o}", "conn", conn, "child", child, "uid",
			    (json_int_t)uid, "wait", wait, "time", control_json_time((time_t)uid),
			    "spi", control_json_hex(uid, 4));
	return *result ? 0 : GW_E_NOMEM;
}

static struct control *server(struct control_req ***held)
{
	static struct control_req *hold;
	static struct control *ctl;
	struct control_config cfg = { .cc_path = "/nonexistent/fuzz.sock",
				      .cc_sub_buffer = 4096,
				      .cc_max_clients = 2 };

	*held = &hold;
	if (ctl)
		return ctl;
	log_init("fuzz_control", false, LOG_CRIT);
	if (control_new(&cfg, &ctl) || control_register(ctl, "echo", h_echo, NULL, 0) ||
	    control_register(ctl, "async", h_async, NULL, 0) ||
	    control_register(ctl, "hold", h_hold, &hold, 0) ||
	    control_register(ctl, "list-sas", h_select, NULL, 0) ||
	    control_register(ctl, "terminate", h_select, NULL, CONTROL_F_MUTATES))
		abort();
	return ctl;
}

/* Each line: a JSON object, an answer (id, ok, result|error) or an event. */
static void check_output(char *out)
{
	for (char *line = out, *nl; *line; line = nl + 1) {
		json_t *j, *e;

		nl = strchr(line, '\n');
		require(nl != NULL, "output without a final newline", line);
		*nl = 0;
		j = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		require(json_is_object(j), "output line is not a JSON object", line);
		if (json_object_get(j, "event")) {
			require(json_is_object(json_object_get(j, "data")), "event without data",
				line);
		} else {
			json_t *ok = json_object_get(j, "ok");

			require(json_is_boolean(ok) && json_object_get(j, "id"), "bad answer",
				line);
			e = json_object_get(j, "error");
			require(json_is_true(ok)
					? json_is_object(json_object_get(j, "result"))
					: json_is_string(json_object_get(e, "code")) &&
						  json_is_string(json_object_get(e, "message")),
				"answer without result or error", line);
		}
		json_decref(j);
	}
}

static void collect(struct control *ctl, struct ctl_client *c, bool last)
{
	size_t len;
	char *out;

	ctl_mbox_drain(ctl);
	if (last && c->c_subscribed) {
		control_emit(ctl, "ike-up", json_pack("{s:i}", "uid", 1));
		ctl_mbox_drain(ctl);
	}
	out = ctl_client_take_output(ctl, c, &len);
	require(out != NULL, "no output buffer", NULL);
	require(strlen(out) == len, "NUL in output", out);
	check_output(out);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_peer peer = { .cp_pid = 1, .cp_uid = 0, .cp_gid = 0 };
	struct control_req **held;
	struct control *ctl = server(&held);
	struct ctl_client *c = ctl_client_new(ctl, -1, &peer);
	size_t off = 0, chunk;

	require(c != NULL, "no client slot", NULL);
	/* the first byte picks the read size, as the kernel splits streams;
	 * at most ~64 pieces, so that big inputs stay quick */
	chunk = size ? (size_t)data[0] * 97 + 1 : 1;
	if (chunk < size / 64)
		chunk = size / 64;
	while (off < size && !c->c_closing) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t took = ctl_client_input(ctl, c, (const char *)data + off, n);

		collect(ctl, c, false);
		if (!took)
			break; /* back-pressure with nothing left to answer */
		off += took;
	}
	c->c_eof = true;
	ctl_client_pump(ctl, c);
	collect(ctl, c, true);
	require(c->c_pending <= CTL_MAX_PENDING, "pending above the limit", NULL);
	ctl_client_free(ctl, c);
	control_reply(*held, NULL);
	*held = NULL;
	ctl_mbox_drain(ctl);
	return 0;
}
