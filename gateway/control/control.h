/*
 * control.h: the control socket of palisade-gatewayd (api/control.md). A
 * UNIX stream socket carrying newline-delimited JSON requests, answered by
 * handlers the daemon registers (a whitelist: only registered commands
 * exist), plus an event stream for subscribers. One server thread (epoll)
 * owns the socket and every client; handlers run on it and must be quick,
 * or hand the work on and answer later with control_reply() from any
 * thread. Register before control_start(); control_reply*(), control_emit()
 * and control_get_stats() are thread-safe.
 */
#ifndef PAL_CONTROL_CONTROL_H
#define PAL_CONTROL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

/* Protocol version reported by the built-in "version" command. */
#define CONTROL_PROTOCOL 1
/* Longest request line, without its newline (api/control.md, Framing). */
#define CONTROL_LINE_MAX 65536
/* A handler's return value: the answer comes later via control_reply*(). */
#define CONTROL_PENDING 1

enum control_flag {
	CONTROL_F_MUTATES = 1u << 0, /* changes daemon state: audit-logged */
	CONTROL_F_SECRET = 1u << 1,  /* arguments are never logged */
};

struct control;
struct control_req;

/* Who sent a request (SO_PEERCRED at accept). */
struct control_peer {
	pid_t cp_pid;
	uid_t cp_uid;
	gid_t cp_gid;
};

/*
 * A command handler, on the server thread. args is the request's "args"
 * object (an empty object when absent), borrowed for the call: json_incref
 * it to keep it. Return
 *   0                 with *result set (reference handed over; NULL = {}),
 *   a negative GW_E_* after control_req_error() (or without: the code is
 *                     derived from the GW_E_* value), or
 *   CONTROL_PENDING   after handing req on: exactly one control_reply() or
 *                     control_reply_error() follows, from any thread.
 */
typedef int (*control_fn)(struct control_req *req, json_t *args, void *arg, json_t **result);

struct control_config {
	const char *cc_path;     /* socket path (copied) */
	const char *cc_group;    /* socket group; NULL = "palisade", falling back
				  * to the daemon's group when it does not exist */
	const char *cc_ident;    /* daemon name for "version"; NULL = "palisade-gatewayd" */
	unsigned cc_max_clients; /* 0 = 64 */
	size_t cc_sub_buffer;    /* bytes queued per subscriber; 0 = 256 KiB */
};

/* Allocates the server; no socket and no thread yet. */
int control_new(const struct control_config *cfg, struct control **out);
/*
 * Adds a command (name: 1-32 of [a-z0-9-]). "subscribe" and "version" are
 * built in. GW_E_EXISTS for a name already taken, GW_E_STATE once started.
 */
int control_register(struct control *ctl, const char *cmd, control_fn fn, void *arg,
		     unsigned flags);
/*
 * Creates the socket (mode 0660, the group above; a stale socket file is
 * replaced, a live daemon's socket is not: GW_E_EXISTS) and starts the
 * server thread.
 */
int control_start(struct control *ctl);
/*
 * Stops the thread, closes every client and removes the socket file if it
 * is still ours. Replies that arrive later are dropped. NULL is fine.
 */
void control_free(struct control *ctl);

/* ---- answering (any thread) ---- */

/* Completes a pending request with ok:true; takes result (NULL = {}) and
 * frees req. A reply for a client that has gone away is dropped. */
void control_reply(struct control_req *req, json_t *result);
/* Completes a pending request with ok:false; frees req. */
void control_reply_error(struct control_req *req, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records the error a handler is about to return; returns GW_E_INVAL. */
int control_req_error(struct control_req *req, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Borrowed, valid until the request is answered. */
const struct control_peer *control_req_peer(const struct control_req *req);
const char *control_req_cmd(const struct control_req *req);

/* ---- argument checks for handlers: on failure the request carries an
 * "invalid-argument" error naming the argument, and a negative is returned ---- */

/* Every key of args must be in keys (NULL-terminated). */
int control_args_allow(struct control_req *req, json_t *args, const char *const *keys);
/* A string of 1..maxlen bytes; *out NULL when absent and not required. */
int control_arg_str(struct control_req *req, json_t *args, const char *key, bool required,
		    size_t maxlen, const char **out);
/* An integer in [0, max]; *present tells whether it was given. */
int control_arg_uint(struct control_req *req, json_t *args, const char *key, uint64_t max,
		     uint64_t *out, bool *present);
/* A boolean; dflt when absent. */
int control_arg_bool(struct control_req *req, json_t *args, const char *key, bool dflt, bool *out);

/* ---- results: the formats api/control.md uses ---- */

/* "2026-11-27T14:00:00Z" (UTC), or JSON null for t == 0. */
json_t *control_json_time(time_t t);
/* Lowercase hex of the low `bytes` bytes of v ("00c0ffee" for an ESP SPI,
 * 16 digits for an IKE SPI). */
json_t *control_json_hex(uint64_t v, unsigned bytes);

/* ---- events (any thread) ---- */

/*
 * Queues {"event":event,"seq":N,"time":"...","data":data} for every
 * subscriber; takes data (NULL = {}), which must not be shared with the
 * caller afterwards. Never blocks: with no subscriber it returns at once;
 * a full queue or a slow subscriber loses the event (counted, and the
 * subscriber gets a "dropped" event when it catches up).
 */
void control_emit(struct control *ctl, const char *event, json_t *data);
/* Cheap check to skip building event data nobody reads. */
bool control_has_subscribers(struct control *ctl);

struct control_stats {
	uint64_t cs_clients;        /* connected now */
	uint64_t cs_subscribers;    /* of which subscribed */
	uint64_t cs_accepted;       /* connections accepted since start */
	uint64_t cs_refused;        /* refused by the peer check or the client limit */
	uint64_t cs_requests;       /* requests answered or pending */
	uint64_t cs_errors;         /* of which answered ok:false */
	uint64_t cs_events;         /* events emitted while someone listened */
	uint64_t cs_events_dropped; /* event deliveries lost (sum over subscribers) */
};

void control_get_stats(struct control *ctl, struct control_stats *st);
/* The "control" object of the stats result (api/control.md). */
json_t *control_stats_json(struct control *ctl);

#endif
