/*
 * ctl.h: palisadectl's internals: the control-socket client (client.c),
 * the human-readable printers of each result (show_*.c) and the small
 * JSON accessors they share (fmt.c). Single-threaded.
 */
#ifndef PAL_CTL_CTL_H
#define PAL_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit statuses (api/control.md, section 8). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1, /* the daemon said no, or stopped answering */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_CONNECT = 3, /* no daemon on the socket */
};

#define CTL_DEFAULT_SOCKET  "/run/palisade/control.sock"
#define CTL_DEFAULT_TIMEOUT 30
#define CTL_ANSWER_MAX      (256u << 20) /* longest answer line we accept */

struct ctl_conn {
	int cc_fd;
	const char *cc_path;
	unsigned cc_timeout; /* seconds, 0 = wait forever */
	char *cc_buf;
	size_t cc_len, cc_cap;
	unsigned cc_next_id;
};

/* client.c: each returns an enum ctl_exit and prints its own message. */
int ctl_connect(struct ctl_conn *c, const char *path, unsigned timeout);
void ctl_close(struct ctl_conn *c);
/* One request; args taken (NULL = none). On CTL_EXIT_OK *result is the
 * result object; on a daemon error *error is the error object. */
int ctl_call(struct ctl_conn *c, const char *cmd, json_t *args, json_t **result, json_t **error);
/* Monotonic milliseconds timeout_s from now; -1 for 0 (no limit). */
long long ctl_deadline(unsigned timeout_s);
/* Next line from the daemon (malloc'd, without its newline), waiting
 * until deadline (-1: forever). CTL_EXIT_OK, or CTL_EXIT_ERROR on EOF,
 * timeout or error (message printed), or when a signal interrupted the
 * wait and interrupted is not NULL (*interrupted set, nothing printed). */
int ctl_read_line(struct ctl_conn *c, long long deadline, char **line, bool *interrupted);

/* fmt.c: tolerant accessors: a missing or mistyped member prints as "-". */
const char *js(json_t *o, const char *key);
long long ji(json_t *o, const char *key, long long dflt);
bool jb(json_t *o, const char *key);
json_t *jo(json_t *o, const char *key);
/* "3600s" or "-" for null/missing */
const char *jsec(json_t *o, const char *key, char *buf, size_t len);
/* Strings of an array joined by sep, "-" when empty. */
const char *jlist(json_t *arr, const char *sep, char *buf, size_t len);
/* "addr[port]" */
const char *jendpoint(json_t *end, char *buf, size_t len);

/* show_*.c: human output of each result. */
void show_sas(FILE *f, json_t *result);
void show_conns(FILE *f, json_t *result);
void show_stats(FILE *f, json_t *result);
void show_leases(FILE *f, json_t *result);
void show_version(FILE *f, json_t *result);
void show_initiate(FILE *f, json_t *result);
void show_terminate(FILE *f, json_t *result);
void show_rekey(FILE *f, json_t *result);
void show_reload(FILE *f, json_t *result);
/* One event line as received (already parsed). */
void show_event(FILE *f, json_t *ev);

#endif
