/*
 * model.h: configuration objects <-> JSON (jansson), shared by
 * palisade-gatewayd, palisade-mgmtd and palisadectl so that every process
 * validates a file exactly the same way. Errors carry the JSON path of
 * the bad field and the value ("gateway.json: $.listen[1]: not an IP
 * address: '10.0.0'"). Pure functions; any thread.
 */
#ifndef PAL_API_MODEL_H
#define PAL_API_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_LISTEN 16
#define MODEL_ERR_LEN    256

/* Where validation failed: the JSON path and a message naming the value. */
struct model_err {
	char me_path[96];
	char me_msg[MODEL_ERR_LEN];
};

/* "file: $.path: message" into buf. */
const char *model_err_str(const struct model_err *err, const char *file, char *buf, size_t len);

enum model_datapath {
	MODEL_DP_AUTO,
	MODEL_DP_XFRM,
	MODEL_DP_USERSPACE,
};

/* gateway.json: daemon settings (DESIGN.md, Configuration). */
struct gw_settings {
	size_t gs_n_listen;
	char gs_listen[MODEL_MAX_LISTEN][46]; /* numeric IPv4/IPv6 addresses */
	uint16_t gs_ike_port;                 /* 500 */
	uint16_t gs_natt_port;                /* 4500 */
	unsigned gs_workers;                  /* 0 = one per CPU */
	enum model_datapath gs_datapath;
	char gs_tun_name[16];                 /* userspace data path */
	uint32_t gs_replay_window;            /* packets */
	unsigned gs_cookie_threshold;         /* half-open IKE SAs before cookies */
	unsigned gs_nat_keepalive;            /* seconds, 0 = off */
	int gs_log_level;                     /* syslog level */
};

void gw_settings_defaults(struct gw_settings *gs);
/* Parse and validate a gateway.json document; gs untouched on error. */
int gw_settings_parse(const char *json, size_t len, struct gw_settings *gs, struct model_err *err);
/* Read dir/gateway.json; a missing file gives the defaults. */
int gw_settings_load(const char *dir, struct gw_settings *gs, struct model_err *err);
const char *model_datapath_name(enum model_datapath dp);

#endif
