/* conn_child.c: one entry of "children" (a CHILD SA's settings). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"

static const char *const child_keys[] = {
	"name",         "mode",         "local_ts",    "remote_ts",    "esp_proposals",
	"rekey_time",   "life_time",    "rekey_bytes", "life_bytes",   "rekey_packets",
	"life_packets", "start_action", "dpd_action",  "close_action", "replay_window",
};

#define N_CHILD_KEYS (sizeof(child_keys) / sizeof(child_keys[0]))

static const struct mc_word modes[] = {
	{ "tunnel", MODEL_MODE_TUNNEL },
	{ "transport", MODEL_MODE_TRANSPORT },
};

static const struct mc_word start_actions[] = {
	{ "none", MODEL_ACTION_NONE },
	{ "start", MODEL_ACTION_START },
	{ "trap", MODEL_ACTION_TRAP },
};

static const struct mc_word dpd_actions[] = {
	{ "clear", MODEL_ACTION_CLEAR },
	{ "trap", MODEL_ACTION_TRAP },
	{ "restart", MODEL_ACTION_START },
};

static const struct mc_word close_actions[] = {
	{ "none", MODEL_ACTION_NONE },
	{ "trap", MODEL_ACTION_TRAP },
	{ "start", MODEL_ACTION_START },
};

static const char *const default_esp[] = { "aes256gcm16", "aes128-sha256" };

static int child_defaults(struct model_child *ch)
{
	memset(ch, 0, sizeof(ch[0]));
	ch->c_mode = MODEL_MODE_TUNNEL;
	ch->c_n_local_ts = ch->c_n_remote_ts = 1;
	model_ts_parse("dynamic", &ch->c_local_ts[0], NULL, 0);
	model_ts_parse("dynamic", &ch->c_remote_ts[0], NULL, 0);
	for (size_t i = 0; i < 2; i++)
		if (mc_proposal_one(default_esp[i], IKE_PROTO_ESP, &ch->c_props[i], NULL, 0))
			return GW_E_UNSUP; /* crypto/ lost an algorithm we default to */
	ch->c_n_props = 2;
	ch->c_rekey_time = 3600;
	ch->c_start_action = MODEL_ACTION_NONE;
	ch->c_dpd_action = MODEL_ACTION_CLEAR;
	ch->c_close_action = MODEL_ACTION_NONE;
	return 0;
}

static int child_ts(json_t *v, const char *path, struct model_ts *ts, size_t *n,
		    struct model_err *err)
{
	char p[MC_PATH_LEN], why[MODEL_ERR_LEN];
	json_t *a;
	size_t i;

	if (mc_array(v, path, MODEL_MAX_TS, false, err))
		return GW_E_INVAL;
	json_array_foreach(v, i, a)
	{
		mc_path_idx(p, path, i);
		if (!json_is_string(a))
			return mj_fail(err, p, "must be a string");
		if (model_ts_parse(json_string_value(a), &ts[i], why, sizeof(why)))
			return mj_fail(err, p, "%s", why);
	}
	*n = json_array_size(v);
	return 0;
}

static int child_action(const char *key, json_t *v, const char *path, struct model_child *ch,
			struct model_err *err)
{
	int a;

	if (!strcmp(key, "start_action")) {
		if (mc_enum(v, path, start_actions, 3, "none, start or trap", &a, err))
			return GW_E_INVAL;
		ch->c_start_action = (enum model_action)a;
	} else if (!strcmp(key, "dpd_action")) {
		if (mc_enum(v, path, dpd_actions, 3, "clear, trap or restart", &a, err))
			return GW_E_INVAL;
		ch->c_dpd_action = (enum model_action)a;
	} else {
		if (mc_enum(v, path, close_actions, 3, "none, trap or start", &a, err))
			return GW_E_INVAL;
		ch->c_close_action = (enum model_action)a;
	}
	return 0;
}

/* Lifetimes and the replay window: key, range and where it goes. */
static int child_number(const char *key, json_t *v, const char *path, struct model_child *ch,
			struct model_err *err)
{
	static const struct {
		const char *name;
		uint64_t max;
		size_t off;
		bool wide;
	} tab[] = {
		{ "rekey_time", MC_MAX_TIME, offsetof(struct model_child, c_rekey_time), false },
		{ "life_time", 2 * (uint64_t)MC_MAX_TIME, offsetof(struct model_child, c_life_time),
		  false },
		{ "rekey_bytes", MC_MAX_COUNT, offsetof(struct model_child, c_rekey_bytes), true },
		{ "life_bytes", 2 * MC_MAX_COUNT, offsetof(struct model_child, c_life_bytes),
		  true },
		{ "rekey_packets", MC_MAX_COUNT, offsetof(struct model_child, c_rekey_packets),
		  true },
		{ "life_packets", 2 * MC_MAX_COUNT, offsetof(struct model_child, c_life_packets),
		  true },
	};
	uint64_t n;

	if (!strcmp(key, "replay_window")) {
		if (mc_uint(v, path, 0, 65536, &n, err))
			return GW_E_INVAL;
		if (n != 0 && n < 32)
			return mj_fail(err, path, "must be 0 (gateway default) or 32-65536: '%llu'",
				       (unsigned long long)n);
		ch->c_replay_window = (uint32_t)n;
		return 0;
	}
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(key, tab[i].name))
			continue;
		if (mc_uint(v, path, 0, tab[i].max, &n, err))
			return GW_E_INVAL;
		if (tab[i].wide)
			*(uint64_t *)((char *)ch + tab[i].off) = n;
		else
			*(uint32_t *)((char *)ch + tab[i].off) = (uint32_t)n;
		return 0;
	}
	return child_action(key, v, path, ch, err);
}

static int child_field(const char *key, json_t *v, const char *path, struct model_child *ch,
		       struct model_err *err)
{
	int mode;

	if (!strcmp(key, "name"))
		return mc_name(v, path, false, ch->c_name, err);
	if (!strcmp(key, "mode")) {
		if (mc_enum(v, path, modes, 2, "tunnel or transport", &mode, err))
			return GW_E_INVAL;
		ch->c_mode = (enum model_mode)mode;
		return 0;
	}
	if (!strcmp(key, "local_ts"))
		return child_ts(v, path, ch->c_local_ts, &ch->c_n_local_ts, err);
	if (!strcmp(key, "remote_ts"))
		return child_ts(v, path, ch->c_remote_ts, &ch->c_n_remote_ts, err);
	if (!strcmp(key, "esp_proposals")) {
		memset(ch->c_props, 0, sizeof(ch->c_props));
		return mc_proposals(v, path, IKE_PROTO_ESP, ch->c_props, &ch->c_n_props, err);
	}
	return child_number(key, v, path, ch, err);
}

/*
 * A hard limit must come after the soft one, or the SA dies before its
 * rekey starts. Unset, it is the soft limit plus 10% (strongSwan's
 * default); a soft limit of 0 means no rekeying, and then any hard limit
 * (0 = none) goes.
 */
static int child_limit(json_t *v, const char *base, const char *life_key, const char *rekey_key,
		       uint64_t rekey, uint64_t *life, struct model_err *err)
{
	char p[MC_PATH_LEN];

	if (!json_object_get(v, life_key)) {
		*life = rekey + (rekey / 10 ? rekey / 10 : (rekey ? 1 : 0));
		return 0;
	}
	mc_path_key(p, base, life_key);
	if (rekey && *life <= rekey)
		return mj_fail(err, p, "must be greater than %s (%llu): '%llu'", rekey_key,
			       (unsigned long long)rekey, (unsigned long long)*life);
	return 0;
}

/* Transport mode protects the two hosts' own traffic (RFC 4301 4.1):
 * no selector may cover more than one address. */
static int child_transport(const struct model_child *ch, const char *base, struct model_err *err)
{
	const struct model_ts *lists[2] = { ch->c_local_ts, ch->c_remote_ts };
	size_t counts[2] = { ch->c_n_local_ts, ch->c_n_remote_ts };
	char p[MC_PATH_LEN], list[MC_PATH_LEN];

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const struct model_ts *ts = &lists[l][i];

			if (ts->t_dynamic || !memcmp(ts->t_start, ts->t_end, sizeof(ts->t_start)))
				continue;
			mc_path_key(list, base, l ? "remote_ts" : "local_ts");
			mc_path_idx(p, list, i);
			return mj_fail(err, p,
				       "transport mode takes 'dynamic' or single addresses, "
				       "not networks or ranges");
		}
	}
	return 0;
}

int mc_child_parse(json_t *v, const char *path, struct model_child *ch, struct model_err *err)
{
	char p[MC_PATH_LEN];
	const char *key;
	json_t *val;
	uint64_t life;

	if (child_defaults(ch) != 0)
		return mj_fail(err, path, "default ESP proposals unavailable");
	if (mc_known_keys(v, path, child_keys, N_CHILD_KEYS, err))
		return GW_E_INVAL;
	json_object_foreach(v, key, val)
	{
		mc_path_key(p, path, key);
		if (child_field(key, val, p, ch, err))
			return GW_E_INVAL;
	}
	if (!json_object_get(v, "name")) {
		mc_path_key(p, path, "name");
		return mj_fail(err, p, "required");
	}
	life = ch->c_life_time;
	if (child_limit(v, path, "life_time", "rekey_time", ch->c_rekey_time, &life, err) ||
	    child_limit(v, path, "life_bytes", "rekey_bytes", ch->c_rekey_bytes, &ch->c_life_bytes,
			err) ||
	    child_limit(v, path, "life_packets", "rekey_packets", ch->c_rekey_packets,
			&ch->c_life_packets, err))
		return GW_E_INVAL;
	ch->c_life_time = (uint32_t)life;
	if (ch->c_mode == MODEL_MODE_TRANSPORT)
		return child_transport(ch, path, err);
	return 0;
}
