/* gateway.json: daemon settings, validated field by field. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/model/model.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"

void gw_settings_defaults(struct gw_settings *gs)
{
	memset(gs, 0, sizeof(*gs));
	gs->gs_n_listen = 2;
	strcpy(gs->gs_listen[0], "0.0.0.0");
	strcpy(gs->gs_listen[1], "::");
	gs->gs_ike_port = 500;
	gs->gs_natt_port = 4500;
	gs->gs_datapath = MODEL_DP_AUTO;
	strcpy(gs->gs_tun_name, "palisade0");
	gs->gs_replay_window = 1024;
	gs->gs_cookie_threshold = 512;
	gs->gs_nat_keepalive = 20;
	gs->gs_log_level = LOG_INFO;
	gs->gs_pkcs11.p_sessions = 4;
}

const char *model_datapath_name(enum model_datapath dp)
{
	switch (dp) {
	case MODEL_DP_AUTO:
		return "auto";
	case MODEL_DP_XFRM:
		return "xfrm";
	case MODEL_DP_USERSPACE:
		return "userspace";
	}
	return "?";
}

static int parse_listen(json_t *v, struct gw_settings *gs, struct model_err *err)
{
	size_t i;
	json_t *a;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return mj_fail(err, "$.listen", "must be a non-empty array of IP addresses");
	if (json_array_size(v) > MODEL_MAX_LISTEN)
		return mj_fail(err, "$.listen", "at most %d addresses", MODEL_MAX_LISTEN);
	json_array_foreach(v, i, a)
	{
		const char *s = json_string_value(a);
		unsigned char buf[16];
		char path[32];

		snprintf(path, sizeof(path), "$.listen[%zu]", i);
		if (!s)
			return mj_fail(err, path, "must be a string");
		if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
			return mj_fail_value(err, path, "not an IP address", s);
		snprintf(gs->gs_listen[i], sizeof(gs->gs_listen[i]), "%s", s);
	}
	gs->gs_n_listen = json_array_size(v);
	return 0;
}

static int parse_datapath(json_t *v, struct gw_settings *gs, struct model_err *err)
{
	static const char *const names[] = { "auto", "xfrm", "userspace" };
	const char *s = json_string_value(v);

	for (size_t i = 0; s && i < 3; i++) {
		if (!strcmp(s, names[i])) {
			gs->gs_datapath = (enum model_datapath)i;
			return 0;
		}
	}
	return mj_fail_value(err, "$.datapath", "must be auto, xfrm or userspace",
			     s ? s : "(not a string)");
}

static int parse_tun(json_t *v, struct gw_settings *gs, struct model_err *err)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!s || n == 0 || n >= sizeof(gs->gs_tun_name) || strchr(s, '/') || strchr(s, ' '))
		return mj_fail_value(err, "$.tun_name",
				     "must be an interface name of 1-15 characters",
				     s ? s : "(not a string)");
	memcpy(gs->gs_tun_name, s, n + 1);
	return 0;
}

static int parse_log_level(json_t *v, struct gw_settings *gs, struct model_err *err)
{
	const char *s = json_string_value(v);
	int level = s ? log_level_parse(s) : -1;

	if (level < 0)
		return mj_fail_value(err, "$.log_level",
				     "must be debug, info, notice, warning or err",
				     s ? s : "(not a string)");
	gs->gs_log_level = level;
	return 0;
}

/* An absolute path, printable, no "..": where a module or PIN lives. */
static int parse_path(json_t *v, const char *path, char *out, struct model_err *err)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return mj_fail(err, path, "must be a string (an absolute path)");
	if (n == 0 || n >= MODEL_PATH_LEN || s[0] != '/' || strstr(s, "/../") ||
	    (n >= 3 && !strcmp(s + n - 3, "/..")))
		return mj_fail_value(err, path, "must be an absolute path", s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return mj_fail_value(err, path, "must be an absolute path", s);
	memcpy(out, s, n + 1);
	return 0;
}

static int parse_bool(json_t *v, const char *path, bool *out, struct model_err *err)
{
	if (!json_is_boolean(v))
		return mj_fail(err, path, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int pkcs11_field(const char *key, json_t *v, struct gw_pkcs11 *p, struct model_err *err)
{
	char path[64];
	uint64_t n;

	snprintf(path, sizeof(path), "$.pkcs11.%s", key);
	if (!strcmp(key, "module"))
		return parse_path(v, path, p->p_module, err);
	if (!strcmp(key, "pin_file"))
		return parse_path(v, path, p->p_pin_file, err);
	if (!strcmp(key, "require_non_extractable"))
		return parse_bool(v, path, &p->p_require_non_extractable, err);
	if (!strcmp(key, "rsa_pss"))
		return parse_bool(v, path, &p->p_rsa_pss, err);
	if (!strcmp(key, "sessions")) {
		if (mj_uint(v, "pkcs11.sessions", 1, 64, &n, err))
			return GW_E_INVAL;
		p->p_sessions = (unsigned)n;
		return 0;
	}
	return mj_fail_value(err, "$.pkcs11", "unknown setting", key);
}

/* "pkcs11": {"module": ..., "pin_file": ..., "sessions": 4, ...}. The PIN
 * itself never passes through here: only the path of its file. */
static int parse_pkcs11(json_t *v, struct gw_settings *gs, struct model_err *err)
{
	struct gw_pkcs11 *p = &gs->gs_pkcs11;
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return mj_fail(err, "$.pkcs11", "must be an object");
	json_object_foreach(v, key, val)
	{
		if (pkcs11_field(key, val, p, err))
			return GW_E_INVAL;
	}
	if (!p->p_module[0])
		return mj_fail(err, "$.pkcs11.module",
			       "required: the path of the PKCS#11 module "
			       "(e.g. /usr/lib/softhsm/libsofthsm2.so)");
	p->p_enabled = true;
	return 0;
}

static int parse_field(const char *key, json_t *v, struct gw_settings *gs, struct model_err *err)
{
	uint64_t n;

	if (!strcmp(key, "listen"))
		return parse_listen(v, gs, err);
	if (!strcmp(key, "datapath"))
		return parse_datapath(v, gs, err);
	if (!strcmp(key, "tun_name"))
		return parse_tun(v, gs, err);
	if (!strcmp(key, "log_level"))
		return parse_log_level(v, gs, err);
	if (!strcmp(key, "pkcs11"))
		return parse_pkcs11(v, gs, err);
	if (!strcmp(key, "ike_port") || !strcmp(key, "natt_port")) {
		if (mj_uint(v, key, 1, 65535, &n, err))
			return GW_E_INVAL;
		*(key[0] == 'i' ? &gs->gs_ike_port : &gs->gs_natt_port) = (uint16_t)n;
		return 0;
	}
	if (!strcmp(key, "workers")) {
		if (mj_uint(v, key, 0, 256, &n, err))
			return GW_E_INVAL;
		gs->gs_workers = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "replay_window")) {
		if (mj_uint(v, key, 32, 65536, &n, err))
			return GW_E_INVAL;
		gs->gs_replay_window = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "cookie_threshold")) {
		if (mj_uint(v, key, 0, 1000000, &n, err))
			return GW_E_INVAL;
		gs->gs_cookie_threshold = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "nat_keepalive")) {
		if (mj_uint(v, key, 0, 3600, &n, err))
			return GW_E_INVAL;
		gs->gs_nat_keepalive = (unsigned)n;
		return 0;
	}
	return mj_fail_value(err, "$", "unknown setting", key);
}

int gw_settings_parse(const char *json, size_t len, struct gw_settings *out, struct model_err *err)
{
	struct gw_settings gs;
	const char *key;
	json_t *root, *v;
	int r = 0;

	gw_settings_defaults(&gs);
	if (mj_load(json, len, &root, err))
		return GW_E_PARSE;
	if (!json_is_object(root)) {
		json_decref(root);
		return mj_fail(err, "$", "must be a JSON object");
	}
	json_object_foreach(root, key, v)
	{
		if ((r = parse_field(key, v, &gs, err)) != 0)
			break;
	}
	json_decref(root);
	if (r == 0 && gs.gs_ike_port == gs.gs_natt_port)
		r = mj_fail(err, "$.natt_port", "must differ from ike_port");
	if (r == 0)
		*out = gs;
	return r;
}

int gw_settings_load(const char *dir, struct gw_settings *gs, struct model_err *err)
{
	char path[4096];
	char *buf;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/gateway.json", dir);
	r = mj_read_file(path, 1 << 20, &buf, &len, err);
	if (r == GW_E_NOTFOUND) {
		gw_settings_defaults(gs);
		return 0;
	}
	if (r)
		return r;
	r = gw_settings_parse(buf, len, gs, err);
	free(buf);
	return r;
}
