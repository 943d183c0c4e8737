/*
 * eap_users.c: eap-users.json, the EAP identities and their credentials.
 * Secrets are copied into struct secret (wiped on free), wiped from
 * jansson's copies and the file buffer, never quoted in an error, and left
 * out of the JSON we give back. Lookups go through an index sorted by the
 * identity bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/hex.h"

#define EAP_USERS_FILE_MAX (32u << 20)
#define NT_HASH_LEN        16

struct model_eap_users {
	size_t eus_n;
	struct model_eap_user *eus_users;  /* document order */
	struct model_eap_user **eus_index; /* sorted by identity */
};

static const char *const user_keys[] = { "identity", "method", "password", "nt_hash", "changed" };

static const struct mc_word methods[] = {
	{ "any", MODEL_EAP_ANY },
	{ "eap-md5", MODEL_EAP_MD5 },
	{ "eap-mschapv2", MODEL_EAP_MSCHAPV2 },
};

const char *model_eap_method_name(enum model_eap_method m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].w_value == (int)m)
			return methods[i].w_name;
	return "?";
}

/* 1-255 bytes of UTF-8 (jansson checked the encoding), no control
 * characters: a client cannot send those in a usable identity, and they
 * would only hide in logs. */
static int user_identity(json_t *v, const char *path, struct model_eap_user *u,
			 struct model_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (!s)
		return mj_fail(err, path, "must be a string");
	if (n == 0 || n > MODEL_EAP_ID_MAX)
		return mj_fail(err, path, "must be 1-%d bytes long, not %zu", MODEL_EAP_ID_MAX, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return mj_fail_value(err, path, "control character in the identity", s);
	if (!(u->eu_identity = malloc(n + 1)))
		return mj_fail(err, path, "out of memory");
	memcpy(u->eu_identity, s, n + 1);
	u->eu_id_len = n;
	return 0;
}

/* Characters, not bytes: RFC 2759 allows 256 Unicode characters. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars;
}

static int user_password(json_t *v, const char *path, struct model_eap_user *u,
			 struct model_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), chars;

	if (!s)
		return mj_fail(err, path, "must be a string");
	chars = utf8_chars(s, n);
	if (chars == 0 || chars > MODEL_EAP_PW_MAX)
		return mj_fail(err, path, "must be 1-%d characters long", MODEL_EAP_PW_MAX);
	if (!(u->eu_password = secret_dup(s, n)))
		return mj_fail(err, path, "out of memory");
	return 0;
}

static int user_nt_hash(json_t *v, const char *path, struct model_eap_user *u,
			struct model_err *err)
{
	const char *s = json_string_value(v);
	uint8_t h[NT_HASH_LEN];

	if (!s || json_string_length(v) != 2 * NT_HASH_LEN)
		return mj_fail(err, path,
			       "must be a string of 32 hex digits (MD4 of the "
			       "UTF-16LE password)");
	if (util_hex_decode(s, NT_HASH_LEN, h)) {
		OPENSSL_cleanse(h, sizeof(h));
		return mj_fail(err, path, "must be 32 hex digits");
	}
	u->eu_nt_hash = secret_dup(h, sizeof(h));
	OPENSSL_cleanse(h, sizeof(h));
	if (!u->eu_nt_hash)
		return mj_fail(err, path, "out of memory");
	return 0;
}

static int user_field(const char *key, json_t *v, const char *base, struct model_eap_user *u,
		      struct model_err *err)
{
	char path[MC_PATH_LEN];
	int m;

	mc_path_key(path, base, key);
	if (!strcmp(key, "identity"))
		return user_identity(v, path, u, err);
	if (!strcmp(key, "method")) {
		if (mc_enum(v, path, methods, sizeof(methods) / sizeof(methods[0]),
			    "eap-mschapv2, eap-md5 or any", &m, err))
			return GW_E_INVAL;
		u->eu_method = (enum model_eap_method)m;
		return 0;
	}
	if (!strcmp(key, "password"))
		return user_password(v, path, u, err);
	if (!strcmp(key, "nt_hash"))
		return user_nt_hash(v, path, u, err);
	/* "changed": seconds since 1970, as mgmtd records it. */
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > (1ULL << 40))
		return mj_fail(err, path, "must be a unix time (an integer, 0 to 2^40)");
	u->eu_changed = (uint64_t)json_integer_value(v);
	return 0;
}

/* Fields first, then the rules between them. */
static int user_parse(json_t *v, size_t i, struct model_eap_user *u, struct model_err *err)
{
	char base[MC_PATH_LEN], path[MC_PATH_LEN];
	const char *key;
	json_t *f;

	mc_path_idx(base, "$", i);
	if (mc_known_keys(v, base, user_keys, sizeof(user_keys) / sizeof(user_keys[0]), err))
		return GW_E_INVAL;
	json_object_foreach(v, key, f)
	{
		if (user_field(key, f, base, u, err))
			return GW_E_INVAL;
	}
	if (!u->eu_identity) {
		mc_path_key(path, base, "identity");
		return mj_fail(err, path, "required");
	}
	if (u->eu_password && u->eu_nt_hash) {
		mc_path_key(path, base, "nt_hash");
		return mj_fail(err, path, "give password or nt_hash, not both");
	}
	if (!u->eu_password && !u->eu_nt_hash) {
		mc_path_key(path, base, "password");
		return mj_fail(err, path, "required (or nt_hash, for eap-mschapv2)");
	}
	if (u->eu_nt_hash && u->eu_method != MODEL_EAP_MSCHAPV2) {
		mc_path_key(path, base, "nt_hash");
		return mj_fail(err, path,
			       "serves eap-mschapv2 only: EAP-MD5 needs the password; set "
			       "\"method\": \"eap-mschapv2\" or give the password");
	}
	return 0;
}

static void user_clear(struct model_eap_user *u)
{
	free(u->eu_identity);
	secret_free(u->eu_password);
	secret_free(u->eu_nt_hash);
	memset(u, 0, sizeof(*u));
}

void model_eap_users_free(struct model_eap_users *us)
{
	if (!us)
		return;
	for (size_t i = 0; i < us->eus_n; i++)
		user_clear(&us->eus_users[i]);
	free(us->eus_users);
	free(us->eus_index);
	free(us);
}

static int id_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The index holds pointers into eus_users; equal identities sort in
 * document order (the array is contiguous, so pointer order is that). */
static int index_cmp(const void *a, const void *b)
{
	const struct model_eap_user *ua = *(const struct model_eap_user *const *)a;
	const struct model_eap_user *ub = *(const struct model_eap_user *const *)b;
	int c = id_cmp(ua->eu_identity, ua->eu_id_len, ub->eu_identity, ub->eu_id_len);

	if (c)
		return c;
	return ua < ub ? -1 : ua > ub;
}

/* Sort the index; two equal identities end up next to each other. */
static int users_index(struct model_eap_users *us, struct model_err *err)
{
	if (!(us->eus_index = calloc(us->eus_n ? us->eus_n : 1, sizeof(*us->eus_index))))
		return mj_fail(err, "$", "out of memory");
	for (size_t i = 0; i < us->eus_n; i++)
		us->eus_index[i] = &us->eus_users[i];
	if (us->eus_n > 1)
		qsort(us->eus_index, us->eus_n, sizeof(*us->eus_index), index_cmp);
	for (size_t k = 1; k < us->eus_n; k++) {
		const struct model_eap_user *a = us->eus_index[k - 1], *b = us->eus_index[k];
		char path[MC_PATH_LEN], msg[MC_PATH_LEN + 40];

		if (id_cmp(a->eu_identity, a->eu_id_len, b->eu_identity, b->eu_id_len))
			continue;
		snprintf(path, sizeof(path), "$[%zu].identity", (size_t)(b - us->eus_users));
		snprintf(msg, sizeof(msg), "identity already defined at $[%zu]",
			 (size_t)(a - us->eus_users));
		return mj_fail_value(err, path, msg, b->eu_identity);
	}
	return 0;
}

/* Jansson keeps its own copies of the strings: wipe the secret ones. */
static void wipe_json_secrets(json_t *root)
{
	size_t i;
	json_t *v;

	if (!json_is_array(root))
		return;
	json_array_foreach(root, i, v)
	{
		static const char *const keys[] = { "password", "nt_hash" };

		for (size_t k = 0; k < 2; k++) {
			json_t *s = json_is_object(v) ? json_object_get(v, keys[k]) : NULL;

			if (json_is_string(s))
				OPENSSL_cleanse((char *)json_string_value(s),
						json_string_length(s));
		}
	}
}

static int users_fill(json_t *root, struct model_eap_users *us, struct model_err *err)
{
	size_t i, n;
	json_t *v;

	if (!json_is_array(root))
		return mj_fail(err, "$", "must be an array of users");
	if ((n = json_array_size(root)) > MODEL_EAP_USERS_MAX)
		return mj_fail(err, "$", "at most %d users, not %zu", MODEL_EAP_USERS_MAX, n);
	if (!(us->eus_users = calloc(n ? n : 1, sizeof(*us->eus_users))))
		return mj_fail(err, "$", "out of memory");
	json_array_foreach(root, i, v)
	{
		us->eus_n = i + 1;
		if (user_parse(v, i, &us->eus_users[i], err))
			return GW_E_INVAL;
	}
	return users_index(us, err);
}

int model_eap_users_parse(const char *json, size_t len, struct model_eap_users **out,
			  struct model_err *err)
{
	struct model_eap_users *us = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if ((rc = mj_load_quiet(json, len, &root, err)) != 0)
		return rc;
	if (!(us = calloc(1, sizeof(*us)))) {
		rc = mj_fail(err, "$", "out of memory");
		goto out;
	}
	if ((rc = users_fill(root, us, err)) != 0)
		goto out;
	*out = us;
	us = NULL;
out:
	wipe_json_secrets(root);
	json_decref(root);
	model_eap_users_free(us);
	return rc;
}

int model_eap_users_load(const char *dir, struct model_eap_users **out, struct model_err *err)
{
	char path[4096];
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/eap-users.json", dir);
	rc = mj_read_file(path, EAP_USERS_FILE_MAX, &buf, &len, err);
	if (rc == GW_E_NOTFOUND)
		return model_eap_users_parse("[]", 2, out, err);
	if (rc)
		return rc;
	rc = model_eap_users_parse(buf, len, out, err);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

size_t model_eap_users_count(const struct model_eap_users *us)
{
	return us ? us->eus_n : 0;
}

const struct model_eap_user *model_eap_users_at(const struct model_eap_users *us, size_t i)
{
	return us && i < us->eus_n ? &us->eus_users[i] : NULL;
}

const struct model_eap_user *model_eap_users_find(const struct model_eap_users *us, const void *id,
						  size_t len)
{
	size_t lo = 0, hi = us ? us->eus_n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct model_eap_user *u = us->eus_index[mid];
		int c = id_cmp(id, len, u->eu_identity, u->eu_id_len);

		if (c == 0)
			return u;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

char *model_eap_users_to_json(const struct model_eap_users *us)
{
	json_t *root = json_array();
	bool failed = !root;
	char *out = NULL;

	for (size_t i = 0; !failed && i < model_eap_users_count(us); i++) {
		const struct model_eap_user *u = &us->eus_users[i];
		json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "identity", u->eu_identity, "method",
				      model_eap_method_name(u->eu_method), "secret_set", 1,
				      "secret_type", u->eu_password ? "password" : "nt_hash");

		if (o && u->eu_changed &&
		    json_object_set_new(o, "changed", json_integer((json_int_t)u->eu_changed)))
			failed = true;
		if (!o || json_array_append_new(root, o))
			failed = true;
	}
	if (!failed)
		out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}
