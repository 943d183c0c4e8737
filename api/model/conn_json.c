/*
 * conn_json.c: a connection back to JSON for the API and palisadectl:
 * every field, defaults included, in the shape model_conn_parse() reads
 * (so a GET can be edited and PUT back), minus the PSK: "psk_set" says
 * whether one is configured.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "api/model/conn_int.h"

/* Builders that tolerate a NULL from a failed allocation: the first
 * failure marks the result, checked once at the end (jansson's *_new()
 * setters drop the value when they fail, so nothing leaks). */
struct jb {
	bool jb_failed;
};

static void put(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v))
		b->jb_failed = true;
}

static void append(struct jb *b, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v))
		b->jb_failed = true;
}

static json_t *uint_json(uint64_t n)
{
	return json_integer((json_int_t)n);
}

static const char *auth_name(enum model_auth a)
{
	switch (a) {
	case MODEL_AUTH_PSK:
		return "psk";
	case MODEL_AUTH_PUBKEY:
		return "pubkey";
	case MODEL_AUTH_EAP_MD5:
		return "eap-md5";
	case MODEL_AUTH_EAP_MSCHAPV2:
		return "eap-mschapv2";
	case MODEL_AUTH_EAP:
		return "eap";
	}
	return "?";
}

static json_t *end_json(struct jb *b, const struct model_end *e, bool remote)
{
	json_t *o = json_object(), *addrs = json_array();

	for (size_t i = 0; i < e->e_n_addrs && i < MODEL_MAX_ADDRS; i++)
		append(b, addrs, json_string(e->e_addrs[i]));
	put(b, o, "addrs", addrs);
	put(b, o, "id", json_string(e->e_id));
	put(b, o, "auth", json_string(auth_name(e->e_auth)));
	put(b, o, "cert", json_string(e->e_cert));
	if (remote) {
		put(b, o, "ca", json_string(e->e_ca));
		put(b, o, "port", uint_json(e->e_port));
	} else {
		json_t *vips = json_array();

		put(b, o, "key", json_string(e->e_key));
		put(b, o, "eap_id", json_string(e->e_eap_id));
		for (size_t i = 0; i < e->e_n_vips && i < 2; i++) {
			char buf[INET6_ADDRSTRLEN];

			if (inet_ntop(e->e_vip_family[i], e->e_vip_addr[i], buf, sizeof(buf)))
				append(b, vips, json_string(buf));
		}
		put(b, o, "vips", vips);
	}
	return o;
}

/* A run of proposals from one preset goes back as its "preset:NAME"
 * entry (two entries in a row never name the same preset: the second
 * would add nothing, which the parser refuses). */
static json_t *props_json(struct jb *b, const struct model_proposal *p, size_t n)
{
	json_t *a = json_array();
	char buf[sizeof(MC_PRESET_PREFIX) + MODEL_PRESET_LEN];

	for (size_t i = 0; i < n && i < MODEL_MAX_PROPS; i++) {
		if (!p[i].mp_preset[0]) {
			append(b, a, json_string(p[i].mp_str));
			continue;
		}
		if (i > 0 && !strcmp(p[i - 1].mp_preset, p[i].mp_preset))
			continue;
		/* both fit: mp_preset is NUL-terminated within MODEL_PRESET_LEN */
		memcpy(buf, MC_PRESET_PREFIX, sizeof(MC_PRESET_PREFIX) - 1);
		memcpy(buf + sizeof(MC_PRESET_PREFIX) - 1, p[i].mp_preset,
		       strnlen(p[i].mp_preset, MODEL_PRESET_LEN - 1) + 1);
		buf[sizeof(buf) - 1] = '\0';
		append(b, a, json_string(buf));
	}
	return a;
}

static json_t *ike_json(struct jb *b, const struct model_conn *c)
{
	json_t *o = json_object();

	put(b, o, "proposals", props_json(b, c->c_props, c->c_n_props));
	put(b, o, "rekey_time", uint_json(c->c_rekey_time));
	put(b, o, "reauth_time", uint_json(c->c_reauth_time));
	put(b, o, "reauth_mode",
	    json_string(c->c_reauth_bbm ? "break-before-make" : "make-before-break"));
	put(b, o, "over_time", uint_json(c->c_over_time));
	put(b, o, "dpd_delay", uint_json(c->c_dpd_delay));
	put(b, o, "dpd_timeout", uint_json(c->c_dpd_timeout));
	put(b, o, "encap", json_boolean(c->c_encap));
	put(b, o, "fragmentation", json_boolean(c->c_fragmentation));
	put(b, o, "keyingtries", uint_json(c->c_keyingtries));
	put(b, o, "retransmit_tries", uint_json(c->c_retransmit_tries));
	put(b, o, "retransmit_timeout", json_real(c->c_retransmit_timeout_ms / 1000.0));
	return o;
}

static json_t *ts_json(struct jb *b, const struct model_ts *ts, size_t n)
{
	json_t *a = json_array();
	char buf[128];

	for (size_t i = 0; i < n && i < MODEL_MAX_TS; i++) {
		if (model_ts_format(&ts[i], buf, sizeof(buf)))
			b->jb_failed = true;
		else
			append(b, a, json_string(buf));
	}
	return a;
}

static const char *action_name(enum model_action a, bool dpd)
{
	switch (a) {
	case MODEL_ACTION_NONE:
		return "none";
	case MODEL_ACTION_START:
		return dpd ? "restart" : "start";
	case MODEL_ACTION_TRAP:
		return "trap";
	case MODEL_ACTION_CLEAR:
		return "clear";
	}
	return "?";
}

static json_t *child_json(struct jb *b, const struct model_child *ch)
{
	json_t *o = json_object();

	put(b, o, "name", json_string(ch->c_name));
	put(b, o, "mode", json_string(ch->c_mode == MODEL_MODE_TRANSPORT ? "transport" : "tunnel"));
	put(b, o, "local_ts", ts_json(b, ch->c_local_ts, ch->c_n_local_ts));
	put(b, o, "remote_ts", ts_json(b, ch->c_remote_ts, ch->c_n_remote_ts));
	put(b, o, "esp_proposals", props_json(b, ch->c_props, ch->c_n_props));
	put(b, o, "rekey_time", uint_json(ch->c_rekey_time));
	put(b, o, "life_time", uint_json(ch->c_life_time));
	put(b, o, "rekey_bytes", uint_json(ch->c_rekey_bytes));
	put(b, o, "life_bytes", uint_json(ch->c_life_bytes));
	put(b, o, "rekey_packets", uint_json(ch->c_rekey_packets));
	put(b, o, "life_packets", uint_json(ch->c_life_packets));
	put(b, o, "start_action", json_string(action_name(ch->c_start_action, false)));
	put(b, o, "dpd_action", json_string(action_name(ch->c_dpd_action, true)));
	put(b, o, "close_action", json_string(action_name(ch->c_close_action, false)));
	put(b, o, "replay_window", uint_json(ch->c_replay_window));
	return o;
}

char *model_conn_to_json(const struct model_conn *c)
{
	struct jb b = { false };
	json_t *root = json_object(), *children = json_array(), *pools = json_array();
	char *out = NULL;

	put(&b, root, "name", json_string(c->c_name));
	put(&b, root, "local", end_json(&b, &c->c_local, false));
	put(&b, root, "remote", end_json(&b, &c->c_remote, true));
	put(&b, root, "ike", ike_json(&b, c));
	for (size_t i = 0; i < c->c_n_children && i < MODEL_MAX_CHILDREN; i++)
		append(&b, children, child_json(&b, &c->c_children[i]));
	put(&b, root, "children", children);
	for (size_t i = 0; i < c->c_n_pools && i < MODEL_MAX_POOLS; i++)
		append(&b, pools, json_string(c->c_pools[i]));
	put(&b, root, "pools", pools);
	put(&b, root, "psk_set", json_boolean(c->c_psk_len > 0));
	/* 10 significant digits print 4.0 s as 4.0 and 0.1 s as 0.1. */
	if (!b.jb_failed)
		out = json_dumps(root,
				 JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	return out;
}
