/*
 * conn.c: conns/NAME.json, one connection: the document's top level, the
 * pre-shared key, and the rules that span fields (who authenticates how).
 * The PSK is wiped from every copy we control: the parsed JSON string,
 * the file buffer, and the connection on free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/hex.h"
#include "gateway/util/log.h"

#define CONN_FILE_MAX (1 << 20)

static const char *const conn_keys[] = { "name",     "local", "remote", "ike",
					 "children", "pools", "psk" };

/* "0x" + hex for binary keys, else the string's UTF-8 bytes. Messages
 * describe the problem, never the value. */
static int conn_psk(json_t *v, struct model_conn *c, struct model_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (!s)
		return mj_fail(err, "$.psk", "must be a string");
	if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		if (n == 0 || n > MODEL_PSK_MAX)
			return mj_fail(err, "$.psk", "must be 1-%d bytes long", MODEL_PSK_MAX);
		memcpy(c->c_psk, s, n);
		c->c_psk_len = n;
		return 0;
	}
	n -= 2;
	if (n == 0 || n % 2 || n / 2 > MODEL_PSK_MAX)
		return mj_fail(err, "$.psk",
			       "a \"0x\" key needs an even number of hex digits, 1-%d bytes",
			       MODEL_PSK_MAX);
	if (util_hex_decode(s + 2, n / 2, c->c_psk)) {
		OPENSSL_cleanse(c->c_psk, sizeof(c->c_psk));
		return mj_fail(err, "$.psk", "a \"0x\" key must be all hex digits");
	}
	c->c_psk_len = n / 2;
	return 0;
}

static int conn_pools(json_t *v, struct model_conn *c, struct model_err *err)
{
	char p[MC_PATH_LEN];
	json_t *a;
	size_t i;

	if (mc_array(v, "$.pools", MODEL_MAX_POOLS, true, err))
		return GW_E_INVAL;
	json_array_foreach(v, i, a)
	{
		mc_path_idx(p, "$.pools", i);
		if (mc_name(a, p, false, c->c_pools[i], err))
			return GW_E_INVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->c_pools[j], c->c_pools[i]))
				return mj_fail_value(err, p, "pool listed twice", c->c_pools[i]);
	}
	c->c_n_pools = json_array_size(v);
	return 0;
}

static int conn_children(json_t *v, struct model_conn *c, struct model_err *err)
{
	char p[MC_PATH_LEN], np[MC_PATH_LEN];
	json_t *a;
	size_t i;

	if (mc_array(v, "$.children", MODEL_MAX_CHILDREN, true, err))
		return GW_E_INVAL;
	json_array_foreach(v, i, a)
	{
		mc_path_idx(p, "$.children", i);
		if (mc_child_parse(a, p, &c->c_children[i], err))
			return GW_E_INVAL;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->c_children[j].c_name, c->c_children[i].c_name))
				continue;
			mc_path_key(np, p, "name");
			return mj_fail_value(err, np, "child name used twice",
					     c->c_children[i].c_name);
		}
	}
	c->c_n_children = json_array_size(v);
	return 0;
}

static int conn_field(const char *key, json_t *v, struct model_conn *c, struct model_err *err)
{
	if (!strcmp(key, "name"))
		return mc_name(v, "$.name", false, c->c_name, err);
	if (!strcmp(key, "local"))
		return mc_end_parse(v, "$.local", false, &c->c_local, err);
	if (!strcmp(key, "remote"))
		return mc_end_parse(v, "$.remote", true, &c->c_remote, err);
	if (!strcmp(key, "ike"))
		return mc_ike_parse(v, c, err);
	if (!strcmp(key, "children"))
		return conn_children(v, c, err);
	if (!strcmp(key, "pools"))
		return conn_pools(v, c, err);
	return conn_psk(v, c, err);
}

static void conn_defaults(struct model_conn *c)
{
	mc_end_defaults(&c->c_local, false);
	mc_end_defaults(&c->c_remote, true);
	c->c_rekey_time = 14400;
	c->c_over_time = 1440;
	c->c_dpd_delay = 30;
	c->c_dpd_timeout = 150;
	c->c_fragmentation = true;
	c->c_keyingtries = 1;
	c->c_retransmit_tries = 5;
	c->c_retransmit_timeout_ms = 4000;
}

/* Every key known, the required sections present, each field valid. */
static int conn_fields(json_t *root, struct model_conn *c, struct model_err *err)
{
	const char *key;
	json_t *v;

	if (mc_known_keys(root, "$", conn_keys, sizeof(conn_keys) / sizeof(conn_keys[0]), err))
		return GW_E_INVAL;
	json_object_foreach(root, key, v)
	{
		if (conn_field(key, v, c, err))
			return GW_E_INVAL;
	}
	if (!json_object_get(root, "local"))
		return mj_fail(err, "$.local", "required (at least \"auth\")");
	if (!json_object_get(root, "remote"))
		return mj_fail(err, "$.remote", "required (at least \"auth\")");
	if (!json_object_get(root, "ike"))
		return mj_fail(err, "$.ike", "required (at least \"proposals\")");
	return 0;
}

static bool auth_is_remote_eap(enum model_auth a)
{
	return a == MODEL_AUTH_EAP || a == MODEL_AUTH_EAP_MD5 || a == MODEL_AUTH_EAP_MSCHAPV2;
}

/* Who proves what to whom: rules across the two ends and the PSK. */
static int conn_check_auth(const struct model_conn *c, struct model_err *err)
{
	const struct model_end *l = &c->c_local, *r = &c->c_remote;
	/* the secret is the PSK, or our EAP password when we are an EAP client */
	bool psk_auth = l->e_auth == MODEL_AUTH_PSK || r->e_auth == MODEL_AUTH_PSK ||
			l->e_auth == MODEL_AUTH_EAP;

	/* a token key can bring its certificate (stored with it, or found in
	 * certs/ by its public key) */
	if (l->e_auth == MODEL_AUTH_PUBKEY && !l->e_cert[0] && strncmp(l->e_key, "pkcs11:", 7))
		return mj_fail(err, "$.local.cert",
			       "required with pubkey auth (a name in certs/; optional with a "
			       "pkcs11: key)");
	if (l->e_auth == MODEL_AUTH_PUBKEY && !l->e_key[0])
		return mj_fail(err, "$.local.key",
			       "required with pubkey auth (pkcs11: URI or a name in keys/)");
	/* RFC 7296 2.16: with EAP the client authenticates through the EAP
	 * method, and the server must prove itself with a signature. */
	if (l->e_auth == MODEL_AUTH_EAP && r->e_auth != MODEL_AUTH_PUBKEY)
		return mj_fail(err, "$.remote.auth",
			       "must be pubkey when local auth is eap: an EAP server proves "
			       "itself with a certificate (RFC 7296 2.16)");
	if (auth_is_remote_eap(r->e_auth) && l->e_auth != MODEL_AUTH_PUBKEY)
		return mj_fail(err, "$.local.auth",
			       "must be pubkey when remote auth is EAP: we are the EAP server "
			       "and prove ourselves with a certificate (RFC 7296 2.16)");
	if (r->e_auth == MODEL_AUTH_PSK && !strcmp(r->e_id, "%any"))
		return mj_fail(err, "$.remote.id",
			       "%%any with psk auth would let anyone holding the key claim any "
			       "identity: name the peer's id, or use pubkey or EAP");
	/* The default remote id is the peer's address: with addrs %any that
	 * is the same foot-gun. */
	if (r->e_auth == MODEL_AUTH_PSK && !r->e_id[0] && !strcmp(r->e_addrs[0], "%any"))
		return mj_fail(err, "$.remote.id",
			       "required with psk auth and remote addrs %%any: the default "
			       "identity (the peer's address) would match anyone holding the key");
	if (psk_auth && c->c_psk_len == 0)
		return mj_fail(err, "$.psk", "required: %s",
			       l->e_auth == MODEL_AUTH_EAP   ? "our EAP password (local auth eap)"
			       : l->e_auth == MODEL_AUTH_PSK ? "the local end uses psk auth"
							     : "the remote end uses psk auth");
	if (!psk_auth && c->c_psk_len)
		return mj_fail(err, "$.psk", "set, but neither end uses psk auth (nor local eap)");
	if (l->e_eap_id[0] && l->e_auth != MODEL_AUTH_EAP)
		return mj_fail(err, "$.local.eap_id", "only used with local auth eap");
	return 0;
}

static int conn_check_name(struct model_conn *c, const char *name, struct model_err *err)
{
	if (!c->c_name[0]) {
		if (!name)
			return mj_fail(err, "$.name", "required");
		snprintf(c->c_name, sizeof(c->c_name), "%s", name);
	} else if (name && strcmp(c->c_name, name)) {
		return mj_fail_value(err, "$.name", "must match the file name", name);
	}
	return 0;
}

/* Jansson keeps its own copy of every string: wipe the PSK's. */
static void wipe_json_psk(json_t *root)
{
	json_t *v = json_is_object(root) ? json_object_get(root, "psk") : NULL;

	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
}

int model_conn_parse(const char *json, size_t len, const char *name, struct model_conn **out,
		     struct model_err *err)
{
	struct model_conn *c = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if (name && !mc_name_ok(name))
		return mj_fail_value(err, "$", "not a valid connection name", name);
	if ((rc = mj_load_quiet(json, len, &root, err)) != 0)
		return rc;
	if (!json_is_object(root)) {
		rc = mj_fail(err, "$", "must be a JSON object");
		goto out;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		rc = GW_E_NOMEM;
		mj_fail(err, "$", "out of memory");
		goto out;
	}
	conn_defaults(c);
	if ((rc = conn_fields(root, c, err)) != 0 || (rc = conn_check_name(c, name, err)) != 0 ||
	    (rc = conn_check_auth(c, err)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	wipe_json_psk(root);
	json_decref(root);
	model_conn_free(c);
	return rc;
}

int model_conn_load(const char *dir, const char *name, struct model_conn **out,
		    struct model_err *err)
{
	char path[4096];
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	/* The name becomes a path: no '/', no leading '.'. */
	if (!mc_name_ok(name))
		return mj_fail_value(err, "$", "not a valid connection name", name);
	snprintf(path, sizeof(path), "%s/conns/%s.json", dir, name);
	rc = mj_read_file(path, CONN_FILE_MAX, &buf, &len, err);
	if (rc == GW_E_NOTFOUND)
		mj_fail_value(err, "$", "no such connection", name);
	if (rc)
		return rc;
	rc = model_conn_parse(buf, len, name, out, err);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

void model_conn_free(struct model_conn *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c->c_psk, sizeof(c->c_psk));
	c->c_psk_len = 0;
	free(c);
}
