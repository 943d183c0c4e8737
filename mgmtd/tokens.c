/*
 * tokens.c: API bearer tokens. The CLI makes a token from 256 random bits,
 * prints it once and keeps only its SHA-256 in mgmt/tokens.json (0600);
 * the daemon re-reads that file when it changes. A presented token is
 * hashed and compared with every entry in constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "gateway/util/err.h"
#include "gateway/util/hex.h"
#include "mgmtd/authdb_int.h"
#include "mgmtd/store.h"

static const char *const role_names[] = { "none", "viewer", "operator", "admin" };

const char *mg_role_name(enum mg_role r)
{
	return (unsigned)r < 4 ? role_names[r] : "none";
}

int mg_role_parse(const char *s, enum mg_role *r)
{
	for (unsigned i = 1; i < 4; i++)
		if (s && !strcmp(s, role_names[i])) {
			*r = (enum mg_role)i;
			return 0;
		}
	return GW_E_INVAL;
}

int64_t authdb_now(void)
{
	return (int64_t)time(NULL);
}

void authdb_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int authdb_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return GW_E_PARSE;
	return util_hex_decode(s, n, out);
}

void authdb_b64url(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	unsigned char tmp[256];
	size_t len;

	if (n > 180 || outlen == 0) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	len = (size_t)EVP_EncodeBlock(tmp, in, (int)n);
	while (len && tmp[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++)
		tmp[i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, tmp, len);
	out[len] = '\0';
	OPENSSL_cleanse(tmp, sizeof(tmp));
}

int authdb_random_str(const char *prefix, char *out, size_t outlen)
{
	uint8_t rnd[32];
	size_t pl = strlen(prefix);

	if (outlen < pl + 44 || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return GW_E_CRYPTO;
	memcpy(out, prefix, pl);
	authdb_b64url(rnd, sizeof(rnd), out + pl, outlen - pl);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

int authdb_read_list(struct store *st, const char *rel, json_t **out)
{
	char *buf;
	size_t len;
	int r = store_read(st, rel, STORE_FILE_MAX, &buf, &len);

	*out = NULL;
	if (r == GW_E_NOTFOUND)
		return (*out = json_array()) ? 0 : GW_E_NOMEM;
	if (r)
		return r;
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	store_buf_free(buf, len);
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return GW_E_PARSE;
	}
	return 0;
}

int authdb_write_list(struct store *st, const char *rel, json_t *list)
{
	char *s = json_dumps(list, JSON_INDENT(2));
	int r;

	if (!s)
		return GW_E_NOMEM;
	r = store_write(st, rel, s, strlen(s), 0600);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	return r;
}

json_t *authdb_cached(struct authdb *a, struct file_cache *fc, const char *rel)
{
	char path[4096];
	struct stat sb;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", store_dir(a->a_store), rel);
	if (stat(path, &sb) < 0) {
		json_decref(fc->fc_doc);
		fc->fc_doc = NULL;
		fc->fc_valid = false;
		return NULL;
	}
	if (fc->fc_valid && fc->fc_ino == sb.st_ino && fc->fc_size == sb.st_size &&
	    fc->fc_mtime.tv_sec == sb.st_mtim.tv_sec && fc->fc_mtime.tv_nsec == sb.st_mtim.tv_nsec)
		return fc->fc_doc;
	if (authdb_read_list(a->a_store, rel, &doc))
		doc = NULL;
	json_decref(fc->fc_doc);
	fc->fc_doc = doc;
	fc->fc_ino = sb.st_ino;
	fc->fc_size = sb.st_size;
	fc->fc_mtime = sb.st_mtim;
	fc->fc_valid = true;
	return doc;
}

static json_t *find_named(json_t *list, const char *name, size_t *idx)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "name")) ?: "", name)) {
			if (idx)
				*idx = i;
			return e;
		}
	}
	return NULL;
}

int authdb_token_create(struct store *st, const char *name, enum mg_role role, uint64_t ttl,
			char tok[AUTH_TOKEN_LEN])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	char hex[65];
	int64_t now = authdb_now();
	json_t *list = NULL, *e;
	int r;

	store_lock(st);
	if ((r = authdb_read_list(st, AUTH_TOKENS_FILE, &list)))
		goto out;
	r = GW_E_EXISTS;
	if (find_named(list, name, NULL))
		goto out;
	if ((r = authdb_random_str("pal_", tok, AUTH_TOKEN_LEN)))
		goto out;
	SHA256((const uint8_t *)tok, strlen(tok), md);
	authdb_hex(md, sizeof(md), hex);
	e = json_pack("{s:s, s:s, s:s, s:I, s:o}", "name", name, "role", mg_role_name(role),
		      "sha256", hex, "created", (json_int_t)now, "expires",
		      ttl ? json_integer(now + (json_int_t)ttl) : json_null());
	r = GW_E_NOMEM;
	if (!e || json_array_append_new(list, e))
		goto out;
	r = authdb_write_list(st, AUTH_TOKENS_FILE, list);
out:
	store_unlock(st);
	json_decref(list);
	if (r)
		OPENSSL_cleanse(tok, AUTH_TOKEN_LEN);
	return r;
}

/* Remove the entry called name from a list file. */
static int list_remove(struct store *st, const char *rel, const char *name)
{
	json_t *list = NULL;
	size_t idx;
	int r;

	store_lock(st);
	if ((r = authdb_read_list(st, rel, &list)))
		goto out;
	r = GW_E_NOTFOUND;
	if (!find_named(list, name, &idx))
		goto out;
	json_array_remove(list, idx);
	r = authdb_write_list(st, rel, list);
out:
	store_unlock(st);
	json_decref(list);
	return r;
}

int authdb_token_revoke(struct store *st, const char *name)
{
	return list_remove(st, AUTH_TOKENS_FILE, name);
}

int authdb_user_del(struct store *st, const char *name)
{
	return list_remove(st, AUTH_USERS_FILE, name);
}

/* The list without the members that must not leave mgmt/. */
static int list_public(struct store *st, const char *rel, const char *const *hide, json_t **out)
{
	json_t *list, *e;
	size_t i;
	int r;

	if ((r = authdb_read_list(st, rel, &list)))
		return r;
	json_array_foreach(list, i, e)
	{
		for (const char *const *h = hide; *h; h++)
			json_object_del(e, *h);
	}
	*out = list;
	return 0;
}

int authdb_tokens_json(struct store *st, json_t **out)
{
	static const char *const hide[] = { "sha256", NULL };

	return list_public(st, AUTH_TOKENS_FILE, hide, out);
}

int authdb_users_json(struct store *st, json_t **out)
{
	static const char *const hide[] = { "salt", "hash", "iterations", "kdf", NULL };

	return list_public(st, AUTH_USERS_FILE, hide, out);
}

int authdb_token_check(struct authdb *a, const char *token, struct principal *who, const char **why)
{
	uint8_t md[SHA256_DIGEST_LENGTH], want[SHA256_DIGEST_LENGTH];
	json_t *list, *e, *hit = NULL;
	size_t i;
	int r = GW_E_AUTH;

	*why = "unknown or revoked token";
	SHA256((const uint8_t *)token, strlen(token), md);
	pthread_mutex_lock(&a->a_lock);
	list = authdb_cached(a, &a->a_tokens, AUTH_TOKENS_FILE);
	/* every entry compared, no early exit: timing says nothing about which */
	json_array_foreach(list, i, e)
	{
		if (authdb_unhex(json_string_value(json_object_get(e, "sha256")), want,
				 sizeof(want)))
			continue;
		if (!CRYPTO_memcmp(md, want, sizeof(md)))
			hit = e;
	}
	if (hit) {
		json_t *exp = json_object_get(hit, "expires");

		memset(who, 0, sizeof(*who));
		if (json_is_integer(exp) && json_integer_value(exp) <= authdb_now()) {
			*why = "token expired";
		} else if (!mg_role_parse(json_string_value(json_object_get(hit, "role")),
					  &who->p_role)) {
			snprintf(who->p_kind, sizeof(who->p_kind), "token");
			snprintf(who->p_name, sizeof(who->p_name), "%s",
				 json_string_value(json_object_get(hit, "name")) ?: "?");
			r = 0;
		}
	}
	pthread_mutex_unlock(&a->a_lock);
	return r;
}
