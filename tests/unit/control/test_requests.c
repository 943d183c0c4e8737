/*
 * Control server, requests: answers, async answers from other threads,
 * strict parsing (malformed JSON, duplicate keys, bad envelopes), the
 * 64 KiB line cap, handler errors and argument checks, many clients,
 * pipelining beyond the pending limit, half-close.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/control_int.h"
#include "tc.h"
#include "util/err.h"

static void test_echo(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	a = tcli_call(&c, "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"a\":[1,\"x\"]}}\n");
	CU_ASSERT_TRUE(ans_ok(a, 1));
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(
				json_object_get(json_object_get(a, "result"), "a"), 0)),
			1);
	json_decref(a);
	/* string ids are echoed; args may be absent; \r\n is accepted */
	a = tcli_call(&c, "{\"cmd\":\"echo\",\"id\":\"req-7\"}\r\n");
	ASSERT_STR(json_string_value(json_object_get(a, "id")), "req-7");
	CU_ASSERT_EQUAL(json_object_size(json_object_get(a, "result")), 0);
	json_decref(a);
	/* blank lines are ignored: the next answer is for id 3 */
	a = tcli_call(&c, "\n\r\n{\"id\":3,\"cmd\":\"echo\"}\n");
	CU_ASSERT_TRUE(ans_ok(a, 3));
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

static void test_version_and_formats(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a, *r, *cmds;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	a = tcli_call(&c, "{\"id\":1,\"cmd\":\"version\"}\n");
	r = json_object_get(a, "result");
	ASSERT_STR(json_string_value(json_object_get(r, "daemon")), "palisade-gatewayd");
	ASSERT_STR(json_string_value(json_object_get(r, "version")), PACKAGE_VERSION);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "protocol")), CONTROL_PROTOCOL);
	cmds = json_object_get(r, "commands");
	CU_ASSERT_EQUAL(json_array_size(cmds), 12);
	ASSERT_STR(json_string_value(json_array_get(cmds, 0)), "args");
	ASSERT_STR(json_string_value(json_array_get(cmds, 11)), "version");
	json_decref(a);
	a = tcli_call(&c, "{\"id\":2,\"cmd\":\"version\",\"args\":{\"x\":1}}\n");
	CU_ASSERT_TRUE(ans_err(a, "invalid-argument"));
	json_decref(a);
	a = tcli_call(&c, "{\"id\":3,\"cmd\":\"formats\"}\n");
	r = json_object_get(a, "result");
	ASSERT_STR(json_string_value(json_object_get(r, "time")), "2026-11-27T14:00:00Z");
	CU_ASSERT_TRUE(json_is_null(json_object_get(r, "never")));
	ASSERT_STR(json_string_value(json_object_get(r, "spi")), "00c0ffee");
	ASSERT_STR(json_string_value(json_object_get(r, "ike_spi")), "0123456789abcdef");
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

static void test_async(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	/* a slow request does not hold back a quick one on the same line */
	CU_ASSERT_EQUAL(tcli_sends(&c, "{\"id\":1,\"cmd\":\"async\",\"args\":{\"delay_ms\":200}}\n"
				       "{\"id\":2,\"cmd\":\"echo\"}\n"
				       "{\"id\":3,\"cmd\":\"async\",\"args\":{\"delay_ms\":50,"
				       "\"error\":true}}\n"),
			0);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 2));
	json_decref(a);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_err(a, "ike-failed"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(a, "id")), 3);
	ASSERT_STR(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
		   "failed after 50 ms");
	json_decref(a);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 1));
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(json_object_get(a, "result"), "delayed")), 200);
	json_decref(a);
	/* a handler may answer before it returns CONTROL_PENDING */
	a = tcli_call(&c, "{\"id\":4,\"cmd\":\"async-now\"}\n");
	CU_ASSERT_TRUE(ans_ok(a, 4));
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

static void expect(struct tcli *c, const char *line, const char *code, bool id_null)
{
	json_t *a = tcli_call(c, line);

	CU_ASSERT_TRUE(ans_err(a, code));
	if (id_null)
		CU_ASSERT_TRUE(json_is_null(json_object_get(a, "id")));
	if (!ans_err(a, code))
		fprintf(stderr, "\n  for %s", line);
	json_decref(a);
}

static void test_bad_requests(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	expect(&c, "{\"id\":1,\"cmd\":\"lsit-sas\"}\n", "unknown-command", false);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\"\n", "parse-error", true);
	expect(&c, "not json\n", "parse-error", true);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\"} {}\n", "parse-error", true);
	expect(&c, "{\"id\":1,\"id\":2,\"cmd\":\"echo\"}\n", "parse-error", true);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"a\":1,\"a\":2}}\n", "parse-error", true);
	expect(&c, "[1,2]\n", "invalid-request", true);
	expect(&c, "{\"cmd\":\"echo\"}\n", "invalid-request", true);
	expect(&c, "{\"id\":-1,\"cmd\":\"echo\"}\n", "invalid-request", true);
	expect(&c, "{\"id\":1.5,\"cmd\":\"echo\"}\n", "invalid-request", true);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\",\"extra\":0}\n", "invalid-request", false);
	expect(&c, "{\"id\":1,\"cmd\":7}\n", "invalid-request", false);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\",\"args\":[]}\n", "invalid-request", false);
	expect(&c,
	       "{\"id\":\"0123456789012345678901234567890123456789012345678901234567890123"
	       "4\",\"cmd\":\"echo\"}\n",
	       "invalid-request", true);
	expect(&c, "{\"id\":1,\"cmd\":\"echo\\u0000\"}\n", "parse-error", true);
	expect(&c, "\"\xff\xfe\"\n", "parse-error", true);
	/* the connection survives all of that */
	a = tcli_call(&c, "{\"id\":9,\"cmd\":\"echo\"}\n");
	CU_ASSERT_TRUE(ans_ok(a, 9));
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

static void test_handler_errors(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	a = tcli_call(&c, "{\"id\":1,\"cmd\":\"fail\"}\n");
	CU_ASSERT_TRUE(ans_err(a, "not-found"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(a, "id")), 1);
	json_decref(a);
	a = tcli_call(&c, "{\"id\":2,\"cmd\":\"fail\",\"args\":{\"how\":\"custom\"}}\n");
	CU_ASSERT_TRUE(ans_err(a, "bad-state"));
	ASSERT_STR(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
		   "custom failure 42");
	json_decref(a);
	a = tcli_call(&c, "{\"id\":3,\"cmd\":\"fail\",\"args\":{\"how\":\"range\"}}\n");
	CU_ASSERT_TRUE(ans_err(a, "busy"));
	json_decref(a);
	a = tcli_call(&c, "{\"id\":4,\"cmd\":\"args\",\"args\":{\"s\":\"abc\",\"n\":7}}\n");
	CU_ASSERT_TRUE(ans_ok(a, 4));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(a, "result"), "n")), 7);
	CU_ASSERT_TRUE(json_is_true(json_object_get(json_object_get(a, "result"), "b")));
	json_decref(a);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"abc\",\"zz\":1}}\n",
	       "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{}}\n", "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"123456789\"}}\n",
	       "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"\"}}\n", "invalid-argument",
	       false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":1}}\n", "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"a\",\"n\":101}}\n",
	       "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"a\",\"n\":-1}}\n",
	       "invalid-argument", false);
	expect(&c, "{\"id\":5,\"cmd\":\"args\",\"args\":{\"s\":\"a\",\"b\":1}}\n",
	       "invalid-argument", false);
	/* mutating commands run like any other (and are audit-logged) */
	a = tcli_call(&c, "{\"id\":6,\"cmd\":\"mut\",\"args\":{\"x\":\"y\"}}\n");
	CU_ASSERT_TRUE(ans_ok(a, 6));
	json_decref(a);
	a = tcli_call(&c, "{\"id\":7,\"cmd\":\"secret\",\"args\":{\"psk\":\"hidden\"}}\n");
	CU_ASSERT_TRUE(ans_ok(a, 7));
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

static int h_dummy(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	return 0;
}

static void test_registration(void)
{
	struct control_config cfg = { .cc_path = "/nonexistent/x.sock" };
	struct control *ctl;

	CU_ASSERT_EQUAL_FATAL(control_new(&cfg, &ctl), 0);
	CU_ASSERT_EQUAL(control_register(ctl, "subscribe", h_dummy, NULL, 0), GW_E_EXISTS);
	CU_ASSERT_EQUAL(control_register(ctl, "Bad", h_dummy, NULL, 0), GW_E_INVAL);
	CU_ASSERT_EQUAL(control_register(ctl, "", h_dummy, NULL, 0), GW_E_INVAL);
	CU_ASSERT_EQUAL(
		control_register(ctl, "a-very-long-command-name-of-33-ch", h_dummy, NULL, 0),
		GW_E_INVAL);
	CU_ASSERT_EQUAL(control_register(ctl, "x", NULL, NULL, 0), GW_E_INVAL);
	for (int i = 0; i < CTL_MAX_CMDS - 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		CU_ASSERT_EQUAL(control_register(ctl, name, h_dummy, NULL, 0), 0);
	}
	CU_ASSERT_EQUAL(control_register(ctl, "one-more", h_dummy, NULL, 0), GW_E_RANGE);
	/* no socket directory: start fails cleanly */
	CU_ASSERT_NOT_EQUAL(control_start(ctl), 0);
	control_free(ctl);
	control_free(NULL);
	cfg.cc_path = "";
	CU_ASSERT_EQUAL(control_new(&cfg, &ctl), GW_E_INVAL);
}

static const char head[] = "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"s\":\"";
static const char tail[] = "\"}}";

/* Build {"id":1,"cmd":"echo","args":{"s":"xxx..."}} of exactly len bytes. */
static char *line_of(size_t len)
{
	char *s = malloc(len + 2);

	memset(s, 'x', len);
	memcpy(s, head, sizeof(head) - 1);
	memcpy(s + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	s[len] = '\n';
	s[len + 1] = 0;
	return s;
}

static void test_line_cap(void)
{
	char *max = line_of(CONTROL_LINE_MAX), *over = line_of(CONTROL_LINE_MAX + 1);
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	a = tcli_call(&c, max); /* exactly 65536 bytes: fine */
	CU_ASSERT_TRUE(ans_ok(a, 1));
	CU_ASSERT_EQUAL(json_string_length(json_object_get(json_object_get(a, "result"), "s")),
			CONTROL_LINE_MAX - (sizeof(head) - 1) - (sizeof(tail) - 1));
	json_decref(a);
	a = tcli_call(&c, over);
	CU_ASSERT_TRUE(ans_err(a, "too-large"));
	CU_ASSERT_TRUE(json_is_null(json_object_get(a, "id")));
	json_decref(a);
	CU_ASSERT_TRUE(tcli_eof(&c, TC_TIMEOUT));
	tcli_close(&c);
	/* a long line without any newline at all */
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	over[CONTROL_LINE_MAX + 1] = 'x';
	tcli_send(&c, over, CONTROL_LINE_MAX + 2);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_err(a, "too-large"));
	json_decref(a);
	CU_ASSERT_TRUE(tcli_eof(&c, TC_TIMEOUT));
	tcli_close(&c);
	free(max);
	free(over);
	tsrv_stop(&s);
}

/* Same input fed byte by byte to a detached client: same answers. */
static void test_split_input(void)
{
	static const char in[] = "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"k\":\"v\"}}\r\n"
				 "\n{\"id\":2,\"cmd\":\"nope\"}\n"
				 "{\"id\":3,\"cmd\":\"async-now\"}\n";
	struct ctl_client *c;
	struct tsrv s;
	size_t len;
	char *out;

	CU_ASSERT_EQUAL_FATAL(tsrv_new(&s, NULL), 0);
	c = ctl_client_new(s.ts_ctl, -1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (size_t i = 0; i < sizeof(in) - 1; i++)
		CU_ASSERT_EQUAL(ctl_client_input(s.ts_ctl, c, in + i, 1), 1);
	ctl_mbox_drain(s.ts_ctl);
	out = ctl_client_take_output(s.ts_ctl, c, &len);
	ASSERT_STR(out, "{\"id\":1,\"ok\":true,\"result\":{\"k\":\"v\"}}\n"
			"{\"id\":2,\"ok\":false,\"error\":{\"code\":\"unknown-"
			"command\",\"message\":\"unknown command 'nope'\"}}\n"
			"{\"id\":3,\"ok\":true,\"result\":{\"now\":true}}\n");
	CU_ASSERT_EQUAL(c->c_pending, 0);
	free(out);
	/* EOF processes a last line without its newline */
	ctl_client_input(s.ts_ctl, c, "{\"id\":4,\"cmd\":\"echo\"}", 21);
	out = ctl_client_take_output(s.ts_ctl, c, &len);
	CU_ASSERT_EQUAL(len, 0);
	free(out);
	c->c_eof = true;
	ctl_client_pump(s.ts_ctl, c);
	out = ctl_client_take_output(s.ts_ctl, c, &len);
	ASSERT_STR(out, "{\"id\":4,\"ok\":true,\"result\":{}}\n");
	free(out);
	ctl_client_free(s.ts_ctl, c);
	tsrv_stop(&s);
}

struct many_arg {
	const char *ma_path;
	int ma_index;
	int ma_ok;
};

static void *many_main(void *arg)
{
	struct many_arg *m = arg;
	struct tcli c;
	char line[128];

	if (tcli_open(&c, m->ma_path))
		return NULL;
	for (int i = 0; i < 25; i++) {
		json_t *a;

		snprintf(line, sizeof(line),
			 "{\"id\":%d,\"cmd\":\"%s\",\"args\":{\"client\":%d,\"delay_ms\":1}}\n", i,
			 i % 5 ? "echo" : "async", m->ma_index);
		a = tcli_call(&c, line);
		if (ans_ok(a, i))
			m->ma_ok++;
		json_decref(a);
	}
	tcli_close(&c);
	return NULL;
}

static void test_many_clients(void)
{
	enum { N = 40 };
	struct many_arg args[N];
	pthread_t t[N];
	struct control_stats st;
	struct tsrv s;
	int ok = 0;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	for (int i = 0; i < N; i++) {
		args[i] = (struct many_arg){ s.ts_path, i, 0 };
		pthread_create(&t[i], NULL, many_main, &args[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ok += args[i].ma_ok;
	}
	CU_ASSERT_EQUAL(ok, N * 25);
	control_get_stats(s.ts_ctl, &st);
	CU_ASSERT_EQUAL(st.cs_accepted, N);
	CU_ASSERT_EQUAL(st.cs_requests, N * 25);
	CU_ASSERT_EQUAL(st.cs_errors, 0);
	tsrv_stop(&s);
}

static void test_client_limit(void)
{
	struct control_config cfg = { .cc_max_clients = 3 };
	struct tcli c[4];
	struct control_stats st;
	struct tsrv s;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, &cfg), 0);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(tcli_open(&c[i], s.ts_path), 0);
	a = tcli_json(&c[3], TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_err(a, "busy"));
	json_decref(a);
	CU_ASSERT_TRUE(tcli_eof(&c[3], TC_TIMEOUT));
	for (int i = 0; i < 3; i++) {
		a = tcli_call(&c[i], "{\"id\":1,\"cmd\":\"echo\"}\n");
		CU_ASSERT_TRUE(ans_ok(a, 1));
		json_decref(a);
	}
	/* a slot frees up when a client leaves */
	tcli_close(&c[0]);
	tcli_close(&c[3]);
	for (int i = 0; i < 5000; i++) {
		control_get_stats(s.ts_ctl, &st);
		if (st.cs_clients == 2)
			break;
		usleep(1000);
	}
	CU_ASSERT_EQUAL(tcli_open(&c[3], s.ts_path), 0);
	a = tcli_call(&c[3], "{\"id\":2,\"cmd\":\"echo\"}\n");
	CU_ASSERT_TRUE(ans_ok(a, 2));
	json_decref(a);
	control_get_stats(s.ts_ctl, &st);
	CU_ASSERT_EQUAL(st.cs_refused, 1);
	CU_ASSERT_EQUAL(st.cs_clients, 3);
	for (int i = 1; i < 4; i++)
		tcli_close(&c[i]);
	tsrv_stop(&s);
}

/* More requests at once than the pending limit: all answered. */
static void test_pipelining(void)
{
	enum { N = 3 * CTL_MAX_PENDING };
	bool seen[N] = { false };
	struct tsrv s;
	struct tcli c;
	char line[128];
	int n_ok = 0;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line),
			 "{\"id\":%d,\"cmd\":\"async\",\"args\":{\"delay_ms\":%d}}\n", i,
			 20 + (i * 7) % 30);
		tcli_sends(&c, line);
	}
	for (int i = 0; i < N; i++) {
		json_t *a = tcli_json(&c, TC_TIMEOUT);
		json_int_t id = json_integer_value(json_object_get(a, "id"));

		if (ans_ok(a, id) && id >= 0 && id < N && !seen[id]) {
			seen[id] = true;
			n_ok++;
		}
		json_decref(a);
	}
	CU_ASSERT_EQUAL(n_ok, N);
	tcli_close(&c);
	tsrv_stop(&s);
}

/* shutdown(SHUT_WR) after the requests: answers still come, then EOF. */
static void test_half_close(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	tcli_sends(&c, "{\"id\":1,\"cmd\":\"async\",\"args\":{\"delay_ms\":100}}\n"
		       "{\"id\":2,\"cmd\":\"echo\"}");
	shutdown(c.tc_fd, SHUT_WR);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 2));
	json_decref(a);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 1));
	json_decref(a);
	CU_ASSERT_TRUE(tcli_eof(&c, TC_TIMEOUT));
	tcli_close(&c);
	tsrv_stop(&s);
}

/* A handler that answers after the server is gone: dropped, no crash. */
static void test_reply_after_free(void)
{
	struct tsrv s;
	struct tcli c;
	struct control_req *req;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	tcli_sends(&c, "{\"id\":1,\"cmd\":\"keep\"}\n");
	for (int i = 0; i < 5000 && !s.ts_kept; i++)
		usleep(1000);
	req = s.ts_kept;
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	ASSERT_STR(control_req_cmd(req), "keep");
	tcli_close(&c); /* the client leaves first ... */
	tsrv_stop(&s);  /* ... then the server */
	control_reply(req, json_pack("{s:i}", "late", 1));
	control_reply(NULL, NULL);
}

const struct ut_case tc_requests_cases[] = {
	{ "request and answer", test_echo },
	{ "version and value formats", test_version_and_formats },
	{ "async answers from other threads", test_async },
	{ "malformed, duplicate keys, bad envelope", test_bad_requests },
	{ "handler errors and argument checks", test_handler_errors },
	{ "registration rules", test_registration },
	{ "64 KiB line cap", test_line_cap },
	{ "input split byte by byte (detached client)", test_split_input },
	{ "40 clients in parallel", test_many_clients },
	{ "client limit", test_client_limit },
	{ "pipelining beyond the pending limit", test_pipelining },
	{ "half-close", test_half_close },
	{ "reply after control_free", test_reply_after_free },
	{ NULL, NULL },
};
