/*
 * cmds.h: the control socket's commands for palisade-gatewayd (main.c
 * registers them once at start-up).
 */
#ifndef PAL_CMDS_H
#define PAL_CMDS_H

#include <jansson.h>

struct control;
struct control_peer;
struct net;
struct p11;
struct sa_engine;

#include <pthread.h>
#include <stdbool.h>

/* What the handlers work on (owned by main's struct daemon). */
struct cmds {
	struct sa_engine *cm_e;
	struct control *cm_ctl;
	struct net *cm_net;       /* the IKE sockets (outlives the control socket) */
	struct p11 *cm_p11;       /* NULL without a pkcs11 section */
	pthread_rwlock_t cm_lock; /* events vs. shutdown */
	bool cm_live;             /* events may go to cm_ctl */
};

/* Register the commands and route the engine's events to the socket. */
int cmds_register(struct cmds *cm);
/* From now on events are dropped (a worker may be emitting right now: it
 * finishes first), so control_free() may follow. */
void cmds_detach(struct cmds *cm);
/* The "reload" event for a reload result (peer NULL: SIGHUP). */
void cmds_reload_event(struct control *ctl, json_t *result, const struct control_peer *peer);

#endif
