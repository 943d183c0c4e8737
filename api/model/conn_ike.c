/* conn_ike.c: the "ike" section (IKE SA settings) and proposal lists. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"

static const char *const ike_keys[] = {
	"proposals",          "rekey_time", "reauth_time",   "over_time",   "dpd_delay",
	"dpd_timeout",        "encap",      "fragmentation", "keyingtries", "retransmit_tries",
	"retransmit_timeout", "reauth_mode"
};

/* How a reauthentication replaces the IKE SA (RFC 7296 2.8.3): the new
 * one first (no gap), or the old one deleted first, for peers that do not
 * accept two IKE SAs of one identity (or one virtual IP) at a time. */
static const struct mc_word reauth_modes[] = {
	{ "make-before-break", 0 },
	{ "break-before-make", 1 },
};

#define N_IKE_KEYS (sizeof(ike_keys) / sizeof(ike_keys[0]))

/* Field by field into a zeroed struct: the parser copies transforms as
 * structs, and padding must not make equal proposals compare unequal. */
static void prop_normalize(struct proposal *p)
{
	struct proposal tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.p_proto = p->p_proto;
	tmp.p_n = p->p_n > PROPOSAL_MAX_XF ? PROPOSAL_MAX_XF : p->p_n;
	for (size_t i = 0; i < tmp.p_n; i++) {
		tmp.p_xf[i].x_type = p->p_xf[i].x_type;
		tmp.p_xf[i].x_id = p->p_xf[i].x_id;
		tmp.p_xf[i].x_keylen = p->p_xf[i].x_keylen;
	}
	memcpy(p, &tmp, sizeof(tmp));
}

static bool prop_equal(const struct proposal *a, const struct proposal *b)
{
	if (a->p_proto != b->p_proto || a->p_n != b->p_n)
		return false;
	for (size_t i = 0; i < a->p_n && i < PROPOSAL_MAX_XF; i++)
		if (a->p_xf[i].x_type != b->p_xf[i].x_type || a->p_xf[i].x_id != b->p_xf[i].x_id ||
		    a->p_xf[i].x_keylen != b->p_xf[i].x_keylen)
			return false;
	return true;
}

int mc_proposal_one(const char *s, uint8_t proto, struct model_proposal *mp, char *why, size_t len)
{
	int rc;

	memset(mp, 0, sizeof(*mp));
	if (strlen(s) >= sizeof(mp->mp_str)) {
		if (why && len)
			snprintf(why, len, "longer than %zu characters", sizeof(mp->mp_str) - 1);
		return GW_E_RANGE;
	}
	if ((rc = proposal_parse(s, proto, &mp->mp_prop, why, len)) != 0)
		return rc;
	prop_normalize(&mp->mp_prop);
	snprintf(mp->mp_str, sizeof(mp->mp_str), "%s", s);
	return 0;
}

/* A list being built, and which JSON entry each proposal came from. */
struct prop_list {
	struct model_proposal *pl_props;
	size_t pl_n;
	size_t pl_entry[MODEL_MAX_PROPS];
};

/*
 * One proposal string, written out (preset NULL) or from a preset. A
 * proposal already in the list is an error when written out twice, and
 * silently left out when a preset brings it again (two presets for two
 * client families share proposals).
 */
static int list_add(struct prop_list *l, const char *s, const char *preset, uint8_t proto,
		    const char *path, size_t entry, struct model_err *err)
{
	struct model_proposal mp;
	char why[128] = "", esc[80];

	if (mc_proposal_one(s, proto, &mp, why, sizeof(why))) {
		log_escape(esc, sizeof(esc), s, strlen(s));
		return mj_fail(err, path, "not an %s proposal: %s: '%s'",
			       proto == IKE_PROTO_IKE ? "IKE" : "ESP", why, esc);
	}
	for (size_t j = 0; j < l->pl_n; j++) {
		if (!prop_equal(&l->pl_props[j].mp_prop, &mp.mp_prop))
			continue;
		return preset ? 0
			      : mj_fail(err, path, "same proposal as entry %zu", l->pl_entry[j]);
	}
	if (l->pl_n >= MODEL_MAX_PROPS)
		return mj_fail(err, path, "more than %d proposals%s", MODEL_MAX_PROPS,
			       preset ? " once the preset is expanded" : "");
	if (preset)
		snprintf(mp.mp_preset, sizeof(mp.mp_preset), "%s", preset);
	memcpy(&l->pl_props[l->pl_n], &mp, sizeof(mp)); /* padding too: compared bytewise */
	l->pl_entry[l->pl_n++] = entry;
	return 0;
}

/* One entry of the JSON list: a proposal, or "preset:NAME" (conn_preset.c). */
static int entry_add(struct prop_list *l, const char *s, uint8_t proto, const char *path,
		     size_t entry, struct model_err *err)
{
	size_t plen = strlen(MC_PRESET_PREFIX), before = l->pl_n;
	const char *const *list;

	if (strncmp(s, MC_PRESET_PREFIX, plen))
		return list_add(l, s, NULL, proto, path, entry, err);
	if (mc_preset_lookup(s, path, proto, &list, err))
		return GW_E_INVAL;
	for (; *list; list++)
		if (list_add(l, *list, s + plen, proto, path, entry, err))
			return GW_E_INVAL;
	if (l->pl_n == before)
		return mj_fail_value(err, path,
				     "adds nothing: its proposals are all in the list already", s);
	return 0;
}

/* Each string must be a proposal of its protocol (crypto/'s parser names
 * the bad keyword) or a preset; the list may not repeat a proposal. */
int mc_proposals(json_t *v, const char *path, uint8_t proto, struct model_proposal *props,
		 size_t *n, struct model_err *err)
{
	struct prop_list l = { .pl_props = props };
	char p[MC_PATH_LEN];
	json_t *a;
	size_t i;

	if (mc_array(v, path, MODEL_MAX_PROPS, false, err))
		return GW_E_INVAL;
	json_array_foreach(v, i, a)
	{
		const char *s;

		mc_path_idx(p, path, i);
		if (mc_string(a, p, sizeof(props[0].mp_str), &s, err) ||
		    entry_add(&l, s, proto, p, i, err))
			return GW_E_INVAL;
	}
	*n = l.pl_n;
	return 0;
}

/* Seconds, possibly fractional, kept in milliseconds. */
static int ike_retransmit_timeout(json_t *v, const char *path, struct model_conn *c,
				  struct model_err *err)
{
	double s;

	if (!json_is_number(v))
		return mj_fail(err, path, "must be a number of seconds");
	s = json_number_value(v);
	if (!(s >= 0.1 && s <= 600.0))
		return mj_fail(err, path, "must be between 0.1 and 600 seconds: '%g'", s);
	c->c_retransmit_timeout_ms = (uint32_t)(s * 1000.0 + 0.5); /* rounded; s > 0 */
	return 0;
}

/* The integer settings: key, range and where it goes. */
static int ike_uint(const char *key, json_t *v, const char *path, struct model_conn *c,
		    struct model_err *err)
{
	static const struct {
		const char *name;
		uint64_t min, max;
		size_t off;
		bool is_unsigned;
	} tab[] = {
		{ "rekey_time", 0, MC_MAX_TIME, offsetof(struct model_conn, c_rekey_time), false },
		{ "reauth_time", 0, MC_MAX_TIME, offsetof(struct model_conn, c_reauth_time),
		  false },
		{ "over_time", 0, MC_MAX_TIME, offsetof(struct model_conn, c_over_time), false },
		{ "dpd_delay", 0, 86400, offsetof(struct model_conn, c_dpd_delay), false },
		{ "dpd_timeout", 0, 86400, offsetof(struct model_conn, c_dpd_timeout), false },
		{ "keyingtries", 0, 1000, offsetof(struct model_conn, c_keyingtries), true },
		{ "retransmit_tries", 1, 20, offsetof(struct model_conn, c_retransmit_tries),
		  true },
	};
	uint64_t n;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(key, tab[i].name))
			continue;
		if (mc_uint(v, path, tab[i].min, tab[i].max, &n, err))
			return GW_E_INVAL;
		if (tab[i].is_unsigned)
			*(unsigned *)((char *)c + tab[i].off) = (unsigned)n;
		else
			*(uint32_t *)((char *)c + tab[i].off) = (uint32_t)n;
		return 0;
	}
	return mj_fail_value(err, path, "unknown key", key);
}

static int ike_field(const char *key, json_t *v, const char *path, struct model_conn *c,
		     struct model_err *err)
{
	if (!strcmp(key, "proposals"))
		return mc_proposals(v, path, IKE_PROTO_IKE, c->c_props, &c->c_n_props, err);
	if (!strcmp(key, "encap"))
		return mc_bool(v, path, &c->c_encap, err);
	if (!strcmp(key, "fragmentation"))
		return mc_bool(v, path, &c->c_fragmentation, err);
	if (!strcmp(key, "retransmit_timeout"))
		return ike_retransmit_timeout(v, path, c, err);
	if (!strcmp(key, "reauth_mode")) {
		int m;

		if (mc_enum(v, path, reauth_modes, 2, "make-before-break or break-before-make", &m,
			    err))
			return GW_E_INVAL;
		c->c_reauth_bbm = m == 1;
		return 0;
	}
	return ike_uint(key, v, path, c, err);
}

int mc_ike_parse(json_t *v, struct model_conn *c, struct model_err *err)
{
	char p[MC_PATH_LEN];
	const char *key;
	json_t *val;
	uint32_t longest;

	if (mc_known_keys(v, "$.ike", ike_keys, N_IKE_KEYS, err))
		return GW_E_INVAL;
	json_object_foreach(v, key, val)
	{
		mc_path_key(p, "$.ike", key);
		if (ike_field(key, val, p, c, err))
			return GW_E_INVAL;
	}
	if (!json_object_get(v, "proposals"))
		return mj_fail(err, "$.ike.proposals",
			       "required: 1-%d IKE proposals (e.g. aes256gcm16-prfsha384-x25519)",
			       MODEL_MAX_PROPS);
	/* strongSwan's default: a hard limit 10% after the later of rekey and
	 * reauthentication, time enough for the exchange to complete. */
	longest = c->c_rekey_time > c->c_reauth_time ? c->c_rekey_time : c->c_reauth_time;
	if (!json_object_get(v, "over_time"))
		c->c_over_time = longest / 10;
	return 0;
}
