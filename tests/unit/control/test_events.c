/*
 * Control server, events: subscribe, order and numbering, filters,
 * emitters on several threads, a slow subscriber that loses events (and
 * is told how many) without slowing the emitter, requests pipelined
 * around subscribe.
 */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control_int.h"
#include "tc.h"
#include "util/err.h"

static bool subscribe(struct tcli *c, const char *path, const char *args)
{
	char line[512];
	json_t *a;
	bool ok;

	if (tcli_open(c, path))
		return false;
	snprintf(line, sizeof(line), "{\"id\":1,\"cmd\":\"subscribe\",\"args\":%s}\n", args);
	a = tcli_call(c, line);
	ok = ans_ok(a, 1);
	json_decref(a);
	return ok;
}

static bool time_ok(const char *t)
{
	regex_t re;
	bool ok;

	regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", REG_EXTENDED);
	ok = t && !regexec(&re, t, 0, NULL, 0);
	regfree(&re);
	return ok;
}

static void test_subscribe_order(void)
{
	enum { N = 300 };
	struct tsrv s;
	struct tcli c;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_FALSE(control_has_subscribers(s.ts_ctl));
	control_emit(s.ts_ctl, "ike-up", json_pack("{s:i}", "n", -1)); /* nobody listens */
	CU_ASSERT_TRUE_FATAL(subscribe(&c, s.ts_path, "{}"));
	CU_ASSERT_TRUE(control_has_subscribers(s.ts_ctl));
	for (int i = 0; i < N; i++)
		control_emit(s.ts_ctl, i % 2 ? "child-up" : "ike-up", json_pack("{s:i}", "n", i));
	control_emit(s.ts_ctl, "reload", NULL);
	control_emit(s.ts_ctl, "Not-A-Name", NULL); /* refused, never sent */
	for (int i = 0; i <= N; i++) {
		json_t *ev = tcli_json(&c, TC_TIMEOUT), *data = json_object_get(ev, "data");
		const char *name = json_string_value(json_object_get(ev, "event"));
		const char *want = i == N ? "reload" : i % 2 ? "child-up" : "ike-up";

		if (!name || strcmp(name, want) ||
		    json_integer_value(json_object_get(ev, "seq")) != i + 1 ||
		    !time_ok(json_string_value(json_object_get(ev, "time"))) ||
		    !json_is_object(data) ||
		    (i < N && json_integer_value(json_object_get(data, "n")) != i) ||
		    (i == N && json_object_size(data)) || json_object_size(ev) != 4)
			bad++;
		json_decref(ev);
	}
	CU_ASSERT_EQUAL(bad, 0);
	tcli_close(&c);
	for (int i = 0; i < 5000 && control_has_subscribers(s.ts_ctl); i++)
		usleep(1000);
	CU_ASSERT_FALSE(control_has_subscribers(s.ts_ctl));
	control_emit(s.ts_ctl, "ike-up", NULL);
	tsrv_stop(&s);
}

static void test_filter(void)
{
	struct tsrv s;
	struct tcli c, bad;
	json_t *ev, *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&bad, s.ts_path), 0);
	a = tcli_call(&bad, "{\"id\":1,\"cmd\":\"subscribe\",\"args\":{\"events\":[\"Up\"]}}\n");
	CU_ASSERT_TRUE(ans_err(a, "invalid-argument"));
	json_decref(a);
	a = tcli_call(&bad, "{\"id\":1,\"cmd\":\"subscribe\",\"args\":{\"events\":\"ike-up\"}}\n");
	CU_ASSERT_TRUE(ans_err(a, "invalid-argument"));
	json_decref(a);
	a = tcli_call(&bad, "{\"id\":1,\"cmd\":\"subscribe\",\"args\":{\"other\":1}}\n");
	CU_ASSERT_TRUE(ans_err(a, "invalid-argument"));
	json_decref(a);
	/* a refused subscribe leaves an ordinary connection */
	a = tcli_call(&bad, "{\"id\":2,\"cmd\":\"echo\"}\n");
	CU_ASSERT_TRUE(ans_ok(a, 2));
	json_decref(a);
	tcli_close(&bad);

	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	a = tcli_call(&c, "{\"id\":1,\"cmd\":\"subscribe\",\"args\":{\"events\":[\"ike-down\","
			  "\"ike-down\",\"reload\"]}}\n");
	CU_ASSERT_TRUE(ans_ok(a, 1));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(a, "result"), "events")),
			2);
	json_decref(a);
	control_emit(s.ts_ctl, "ike-up", NULL);
	control_emit(s.ts_ctl, "ike-down", NULL);
	control_emit(s.ts_ctl, "child-up", NULL);
	control_emit(s.ts_ctl, "reload", NULL);
	ev = tcli_json(&c, TC_TIMEOUT);
	ASSERT_STR(json_string_value(json_object_get(ev, "event")), "ike-down");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "seq")), 2);
	json_decref(ev);
	ev = tcli_json(&c, TC_TIMEOUT);
	ASSERT_STR(json_string_value(json_object_get(ev, "event")), "reload");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "seq")), 4);
	json_decref(ev);
	tcli_close(&c);
	tsrv_stop(&s);
}

struct emitter {
	struct control *e_ctl;
	int e_thread;
};

enum { EMITTERS = 4, PER_EMITTER = 500 };

static void *emit_main(void *arg)
{
	struct emitter *e = arg;

	for (int i = 0; i < PER_EMITTER; i++)
		control_emit(e->e_ctl, "child-rekeyed",
			     json_pack("{s:i,s:i}", "t", e->e_thread, "n", i));
	return NULL;
}

/* Events from several threads: all arrive, each thread's in order. */
static void test_threads(void)
{
	struct emitter em[EMITTERS];
	pthread_t t[EMITTERS];
	int next[EMITTERS] = { 0 }, bad = 0;
	json_int_t last_seq = 0;
	struct tsrv s;
	struct tcli c;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_TRUE_FATAL(subscribe(&c, s.ts_path, "{\"events\":[]}"));
	for (int i = 0; i < EMITTERS; i++) {
		em[i] = (struct emitter){ s.ts_ctl, i };
		pthread_create(&t[i], NULL, emit_main, &em[i]);
	}
	for (int i = 0; i < EMITTERS * PER_EMITTER; i++) {
		json_t *ev = tcli_json(&c, TC_TIMEOUT), *d = json_object_get(ev, "data");
		json_int_t th = json_integer_value(json_object_get(d, "t"));
		json_int_t seq = json_integer_value(json_object_get(ev, "seq"));

		if (!ev || th < 0 || th >= EMITTERS ||
		    json_integer_value(json_object_get(d, "n")) != next[th]++ ||
		    seq != last_seq + 1)
			bad++;
		last_seq = seq;
		json_decref(ev);
	}
	for (int i = 0; i < EMITTERS; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(bad, 0);
	tcli_close(&c);
	tsrv_stop(&s);
}

/*
 * A subscriber that does not read while 20000 events go out: the emitter
 * never waits; the subscriber gets a prefix, a "dropped" notice whose
 * count is exactly the gap in seq, and the stream goes on afterwards.
 */
static void test_slow_subscriber(void)
{
	enum { N = 20000 };
	struct control_config cfg = { .cc_sub_buffer = 8192 };
	struct control_stats st;
	json_int_t last = 0, got = 0, lost = 0, notices = 0;
	struct tsrv s;
	struct tcli c;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, &cfg), 0);
	CU_ASSERT_TRUE_FATAL(subscribe(&c, s.ts_path, "{}"));
	/* the reader reads only after this loop: an emitter that waited for
	 * it would hang here */
	for (int i = 0; i < N; i++)
		control_emit(s.ts_ctl, "ike-up",
			     json_pack("{s:i,s:s}", "n", i, "pad",
				       "...................................."));
	while (got + lost < N) {
		json_t *ev = tcli_json(&c, TC_TIMEOUT);
		const char *name = json_string_value(json_object_get(ev, "event"));
		json_int_t seq = json_integer_value(json_object_get(ev, "seq"));

		if (!ev)
			break;
		if (name && !strcmp(name, "dropped")) {
			json_int_t n = json_integer_value(
				json_object_get(json_object_get(ev, "data"), "count"));

			if (json_object_get(ev, "seq") || n <= 0)
				bad++;
			lost += n;
			notices++;
			last += n; /* the next event's seq follows the gap */
		} else {
			if (seq != last + 1)
				bad++;
			last = seq;
			got++;
		}
		json_decref(ev);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(got + lost, N);
	CU_ASSERT_TRUE(notices >= 1);
	CU_ASSERT_TRUE(got > 0 && lost > 0);
	/* after the notice the stream goes on */
	control_emit(s.ts_ctl, "ike-down", NULL);
	{
		json_t *ev = tcli_json(&c, TC_TIMEOUT);

		ASSERT_STR(json_string_value(json_object_get(ev, "event")), "ike-down");
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "seq")), N + 1);
		json_decref(ev);
	}
	control_get_stats(s.ts_ctl, &st);
	CU_ASSERT_EQUAL(st.cs_events, N + 1);
	CU_ASSERT_EQUAL(st.cs_events_dropped, (uint64_t)lost);
	tcli_close(&c);
	tsrv_stop(&s);
}

/* The same without a socket, step by step: deterministic. */
static void test_dropped_notice_detached(void)
{
	static const char sub_line[] = "{\"id\":1,\"cmd\":\"subscribe\"}\n";
	struct control_config cfg = { .cc_sub_buffer = 1024 };
	struct ctl_client *c;
	struct tsrv s;
	size_t len;
	char *out, *p;
	int lines = 0;

	CU_ASSERT_EQUAL_FATAL(tsrv_new(&s, &cfg), 0);
	c = ctl_client_new(s.ts_ctl, -1, NULL);
	ctl_client_input(s.ts_ctl, c, sub_line, strlen(sub_line));
	free(ctl_client_take_output(s.ts_ctl, c, &len));
	for (int i = 0; i < 50; i++)
		control_emit(s.ts_ctl, "ike-up", json_pack("{s:i}", "n", i));
	ctl_mbox_drain(s.ts_ctl);
	CU_ASSERT_TRUE(c->c_dropped > 0);
	CU_ASSERT_TRUE(ctl_buf_used(&c->c_out) <= 1024 - CTL_NOTICE_RESERVE);
	out = ctl_client_take_output(s.ts_ctl, c, &len);
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	CU_ASSERT_TRUE(lines > 0 && lines < 50);
	CU_ASSERT_PTR_NULL(strstr(out, "dropped"));
	free(out);
	/* taking the output emptied the buffer: the notice is queued */
	out = ctl_client_take_output(s.ts_ctl, c, &len);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"event\":\"dropped\",\"time\":\""));
	p = strstr(out, "\"data\":{\"count\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(atoi(p + 16), 50 - lines);
	CU_ASSERT_EQUAL(c->c_dropped, 0);
	free(out);
	ctl_client_free(s.ts_ctl, c);
	tsrv_stop(&s);
}

/* Requests sent before subscribe are answered inside the stream; lines
 * sent after it are ignored. */
static void test_pipelined_subscribe(void)
{
	struct tsrv s;
	struct tcli c;
	json_t *a;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tcli_open(&c, s.ts_path), 0);
	tcli_sends(&c, "{\"id\":1,\"cmd\":\"async\",\"args\":{\"delay_ms\":200}}\n"
		       "{\"id\":2,\"cmd\":\"subscribe\"}\n"
		       "{\"id\":3,\"cmd\":\"echo\"}\n");
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 2));
	json_decref(a);
	control_emit(s.ts_ctl, "auth-failed", json_pack("{s:s}", "reason", "psk-mismatch"));
	a = tcli_json(&c, TC_TIMEOUT);
	ASSERT_STR(json_string_value(json_object_get(a, "event")), "auth-failed");
	json_decref(a);
	a = tcli_json(&c, TC_TIMEOUT);
	CU_ASSERT_TRUE(ans_ok(a, 1));
	json_decref(a);
	tcli_sends(&c, "{\"id\":4,\"cmd\":\"echo\"}\n");
	control_emit(s.ts_ctl, "ike-failed", NULL);
	a = tcli_json(&c, TC_TIMEOUT);
	ASSERT_STR(json_string_value(json_object_get(a, "event")), "ike-failed");
	json_decref(a);
	tcli_close(&c);
	tsrv_stop(&s);
}

const struct ut_case tc_events_cases[] = {
	{ "subscribe, order, seq, time", test_subscribe_order },
	{ "event filter", test_filter },
	{ "emitters on four threads", test_threads },
	{ "slow subscriber loses events, is told", test_slow_subscriber },
	{ "dropped notice (detached client)", test_dropped_notice_detached },
	{ "requests pipelined around subscribe", test_pipelined_subscribe },
	{ NULL, NULL },
};
