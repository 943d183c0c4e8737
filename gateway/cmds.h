/*
 * cmds.h: the control socket's commands for palisade-gatewayd (main.c
 * registers them once at start-up).
 */
#ifndef PAL_CMDS_H
#define PAL_CMDS_H

#include <jansson.h>

struct control;
struct control_peer;
struct p11;
struct sa_engine;

/* What the handlers work on (owned by main's struct daemon). */
struct cmds {
	struct sa_engine *cm_e;
	struct control *cm_ctl;
	struct p11 *cm_p11; /* NULL without a pkcs11 section */
};

int cmds_register(struct cmds *cm);
/* The "reload" event for a reload result (peer NULL: SIGHUP). */
void cmds_reload_event(struct control *ctl, json_t *result, const struct control_peer *peer);

#endif
