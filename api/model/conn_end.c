/* conn_end.c: the "local" and "remote" ends of a connection. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"

static const char *const local_keys[] = { "addrs", "id", "auth", "cert", "key", "eap_id", "vips" };
static const char *const remote_keys[] = { "addrs", "id", "auth", "ca", "cert", "port" };

static const struct mc_word local_auths[] = {
	{ "psk", MODEL_AUTH_PSK },
	{ "pubkey", MODEL_AUTH_PUBKEY },
	{ "eap", MODEL_AUTH_EAP },
};

static const struct mc_word remote_auths[] = {
	{ "psk", MODEL_AUTH_PSK },         { "pubkey", MODEL_AUTH_PUBKEY },
	{ "eap-md5", MODEL_AUTH_EAP_MD5 }, { "eap-mschapv2", MODEL_AUTH_EAP_MSCHAPV2 },
	{ "eap", MODEL_AUTH_EAP },
};

void mc_end_defaults(struct model_end *e, bool remote)
{
	memset(e, 0, sizeof(*e));
	e->e_n_addrs = 1;
	strcpy(e->e_addrs[0], "%any");
	e->e_port = remote ? 500 : 0;
}

static int end_addrs(json_t *v, const char *path, struct model_end *e, struct model_err *err)
{
	char p[MC_PATH_LEN], why[MODEL_ERR_LEN];
	json_t *a;
	size_t i;

	if (mc_array(v, path, MODEL_MAX_ADDRS, false, err))
		return GW_E_INVAL;
	memset(e->e_addrs, 0, sizeof(e->e_addrs));
	json_array_foreach(v, i, a)
	{
		const char *s;

		mc_path_idx(p, path, i);
		if (mc_string(a, p, MODEL_HOST_LEN, &s, err))
			return GW_E_INVAL;
		if (mc_addr_check(s, why, sizeof(why)))
			return mj_fail(err, p, "%s", why);
		if (!strcmp(s, "%any") && json_array_size(v) > 1)
			return mj_fail(err, p, "%%any matches every address: it stands alone");
		snprintf(e->e_addrs[i], MODEL_HOST_LEN, "%s", s);
	}
	e->e_n_addrs = json_array_size(v);
	return 0;
}

static int end_id(json_t *v, const char *path, bool remote, struct model_end *e,
		  struct model_err *err)
{
	char why[MODEL_ERR_LEN];
	const char *s;

	if (mc_string(v, path, MODEL_ID_LEN, &s, err))
		return GW_E_INVAL;
	if (!strcmp(s, "%any")) {
		if (!remote)
			return mj_fail(err, path,
				       "the local identity must be a real one, not %%any");
	} else if (s[0] && mc_id_check(s, why, sizeof(why))) {
		return mj_fail(err, path, "%s", why);
	}
	snprintf(e->e_id, MODEL_ID_LEN, "%s", s);
	return 0;
}

static int end_key(json_t *v, const char *path, struct model_end *e, struct model_err *err)
{
	char why[MODEL_ERR_LEN];
	const char *s;

	if (mc_string(v, path, MODEL_KEY_LEN, &s, err))
		return GW_E_INVAL;
	if (s[0] && mc_key_check(s, why, sizeof(why)))
		return mj_fail(err, path, "%s", why);
	snprintf(e->e_key, MODEL_KEY_LEN, "%s", s);
	return 0;
}

/* An EAP identity (RFC 3748 section 5.1) is free text, but it ends up in
 * logs and the API: no control characters. */
static int end_eap_id(json_t *v, const char *path, struct model_end *e, struct model_err *err)
{
	const char *s;

	if (mc_string(v, path, MODEL_ID_LEN, &s, err))
		return GW_E_INVAL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return mj_fail(err, path, "must not contain control characters");
	snprintf(e->e_eap_id, MODEL_ID_LEN, "%s", s);
	return 0;
}

/* "vips": ["0.0.0.0", "::"] asks for any address of each family, a
 * literal asks for that one; at most one per family. */
static int end_vips(json_t *v, const char *path, struct model_end *e, struct model_err *err)
{
	char p[MC_PATH_LEN];
	size_t i;
	json_t *a;

	if (!json_is_array(v) || json_array_size(v) > 2)
		return mj_fail(err, path,
			       "must be an array of at most two addresses (\"0.0.0.0\", \"::\")");
	json_array_foreach(v, i, a)
	{
		const char *s = json_string_value(a);
		int fam;

		mc_path_idx(p, path, i);
		if (!s)
			return mj_fail(err, p, "must be a string");
		fam = inet_pton(AF_INET, s, e->e_vip_addr[i]) == 1    ? AF_INET
		      : inet_pton(AF_INET6, s, e->e_vip_addr[i]) == 1 ? AF_INET6
								      : 0;
		if (!fam)
			return mj_fail_value(err, p, "not an IP address", s);
		if (i == 1 && e->e_vip_family[0] == fam)
			return mj_fail(err, p, "one virtual IP per address family");
		e->e_vip_family[i] = fam;
	}
	e->e_n_vips = json_array_size(v);
	return 0;
}

static int end_field(const char *key, json_t *v, const char *path, bool remote, struct model_end *e,
		     struct model_err *err)
{
	uint64_t n;
	int auth;

	if (!strcmp(key, "addrs"))
		return end_addrs(v, path, e, err);
	if (!strcmp(key, "id"))
		return end_id(v, path, remote, e, err);
	if (!strcmp(key, "auth")) {
		if (remote ? mc_enum(v, path, remote_auths, 5,
				     "psk, pubkey, eap-md5, eap-mschapv2 or eap", &auth, err)
			   : mc_enum(v, path, local_auths, 3, "psk, pubkey or eap", &auth, err))
			return GW_E_INVAL;
		e->e_auth = (enum model_auth)auth;
		return 0;
	}
	if (!strcmp(key, "cert"))
		return mc_name(v, path, true, e->e_cert, err);
	if (!strcmp(key, "ca"))
		return mc_name(v, path, true, e->e_ca, err);
	if (!strcmp(key, "key"))
		return end_key(v, path, e, err);
	if (!strcmp(key, "eap_id"))
		return end_eap_id(v, path, e, err);
	if (!strcmp(key, "vips"))
		return end_vips(v, path, e, err);
	/* "port", the last key mc_known_keys() lets through */
	if (mc_uint(v, path, 1, 65535, &n, err))
		return GW_E_INVAL;
	e->e_port = (uint16_t)n;
	return 0;
}

int mc_end_parse(json_t *v, const char *path, bool remote, struct model_end *e,
		 struct model_err *err)
{
	char p[MC_PATH_LEN];
	const char *key;
	json_t *val;

	if (mc_known_keys(v, path, remote ? remote_keys : local_keys, remote ? 6 : 7, err))
		return GW_E_INVAL;
	json_object_foreach(v, key, val)
	{
		mc_path_key(p, path, key);
		if (end_field(key, val, p, remote, e, err))
			return GW_E_INVAL;
	}
	if (!json_object_get(v, "auth")) {
		mc_path_key(p, path, "auth");
		return mj_fail(err, p, "required: %s",
			       remote ? "psk, pubkey, eap-md5, eap-mschapv2 or eap"
				      : "psk, pubkey or eap");
	}
	return 0;
}
