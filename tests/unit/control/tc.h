/*
 * tc.h: helpers shared by the control-server tests: a server on a socket
 * in a fresh temporary directory with test handlers, and a line-based
 * client with timeouts.
 */
#ifndef PAL_TESTS_CONTROL_TC_H
#define PAL_TESTS_CONTROL_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "control/control.h"
#include "runner.h"

#define TC_TIMEOUT 5000 /* ms: any single wait in these tests */
/* String equality that fails (instead of crashing) on NULL. */
#define ASSERT_STR(a, b) CU_ASSERT_TRUE((a) != NULL && strcmp((a), (b)) == 0)

struct tsrv {
	char ts_dir[64];
	char ts_path[128];
	struct control *ts_ctl;
	struct control_req *ts_kept; /* "keep" handler */
};

struct tcli {
	int tc_fd;
	char *tc_buf;
	size_t tc_len, tc_cap;
};

/* New temp dir, server with the test handlers; cfg may be NULL. */
int tsrv_start(struct tsrv *s, const struct control_config *cfg);
/* Server only (no start), for tests that call control_start themselves. */
int tsrv_new(struct tsrv *s, const struct control_config *cfg);
void tsrv_stop(struct tsrv *s);

/* 0, or -errno from connect(). */
int tcli_open(struct tcli *c, const char *path);
void tcli_close(struct tcli *c);
int tcli_send(struct tcli *c, const char *data, size_t len);
int tcli_sends(struct tcli *c, const char *s);
/* Next line (malloc'd, no newline) or NULL on EOF or timeout. */
char *tcli_line(struct tcli *c, int timeout_ms);
/* Next line parsed (duplicates refused), NULL on EOF, timeout or bad JSON. */
json_t *tcli_json(struct tcli *c, int timeout_ms);
/* True when the server closes the connection within timeout_ms and
 * sends nothing more. */
bool tcli_eof(struct tcli *c, int timeout_ms);
/* Send one line, return the parsed answer. */
json_t *tcli_call(struct tcli *c, const char *line);

/* Assertion helpers on an answer. */
bool ans_ok(json_t *a, long long id);
bool ans_err(json_t *a, const char *code);
int64_t ms_now(void);

extern const struct ut_case tc_requests_cases[];
extern const struct ut_case tc_events_cases[];
extern const struct ut_case tc_socket_cases[];

#endif
