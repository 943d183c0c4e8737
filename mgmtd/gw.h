/*
 * gw.h: mgmtd's only way to palisade-gatewayd, the control socket
 * (api/control.md). One connection per call (UNIX sockets connect in
 * microseconds and a call never waits behind another's slow initiate), a
 * subscription for the event stream, and a watcher thread that applies
 * configuration changes made while the gateway was down as soon as it
 * answers again. Any thread.
 */
#ifndef PAL_MGMTD_GW_H
#define PAL_MGMTD_GW_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define GW_CALL_TIMEOUT_MS     15000
#define GW_INITIATE_TIMEOUT_MS 60000

struct gw;

struct gw_fail {
	char ge_code[32];     /* the daemon's error code, or "unreachable" */
	char ge_message[512]; /* for humans */
};

int gw_new(const char *socket_path, struct gw **out);
void gw_free(struct gw *g);
/* One request. args taken (NULL = none). 0 and *result, or GW_E_IO
 * (unreachable, err->ge_code "unreachable") or GW_E_INVAL (the daemon
 * answered ok:false; err has its code and message). */
int gw_call(struct gw *g, const char *cmd, json_t *args, int timeout_ms, json_t **result,
	    struct gw_fail *err);
/* Was the last call able to reach the gateway? */
bool gw_up(const struct gw *g);

/* A configuration change is on disk but not loaded: the watcher sends
 * reload when the gateway is back. */
void gw_set_pending(struct gw *g, bool pending);
bool gw_pending(const struct gw *g);
int gw_watch_start(struct gw *g);

/* Event stream: a connection that sent subscribe (events: names, taken;
 * NULL = all). */
struct gw_stream;
int gw_subscribe(struct gw *g, json_t *events, struct gw_stream **out, struct gw_fail *err);
/* Next event line (heap, without '\n'); GW_E_AGAIN when none came
 * within timeout_ms, GW_E_IO when the gateway closed the stream. */
int gw_stream_next(struct gw_stream *st, int timeout_ms, char **line);
int gw_stream_fd(const struct gw_stream *st);
bool gw_stream_buffered(const struct gw_stream *st);
void gw_stream_free(struct gw_stream *st);

#endif
