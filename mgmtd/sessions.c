/*
 * sessions.c: browser users and their sessions. Passwords are kept as
 * PBKDF2-HMAC-SHA256 (RFC 8018 5.2; salt 16 random bytes, AUTH_PBKDF2_ITER
 * iterations, both stored so the cost can grow). A login that succeeds
 * gives a session id for an HttpOnly SameSite=Strict cookie and a CSRF
 * token the page must echo in X-CSRF-Token on every unsafe request
 * (synchronizer token pattern). Failed logins are counted per client
 * address and per name; past AUTH_LOGIN_FAILS in AUTH_LOGIN_WIN seconds
 * the next attempt is refused before any password is hashed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "gateway/util/err.h"
#include "mgmtd/authdb_int.h"
#include "mgmtd/store.h"

#define SALT_LEN 16
#define HASH_LEN 32

static int pbkdf2(const char *pw, size_t pw_len, const uint8_t *salt, unsigned iter,
		  uint8_t out[HASH_LEN])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)pw_len, salt, SALT_LEN, (int)iter, EVP_sha256(), HASH_LEN,
				 out) == 1
		       ? 0
		       : GW_E_CRYPTO;
}

int authdb_user_add(struct store *st, const char *name, enum mg_role role, const char *pw,
		    size_t pw_len)
{
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
	json_t *list = NULL, *e, *old;
	size_t idx;
	int r;

	if (pw_len < 8 || pw_len > AUTH_PW_MAX)
		return GW_E_RANGE;
	if (RAND_bytes(salt, sizeof(salt)) != 1 || pbkdf2(pw, pw_len, salt, AUTH_PBKDF2_ITER, hash))
		return GW_E_CRYPTO;
	authdb_hex(salt, SALT_LEN, salt_hex);
	authdb_hex(hash, HASH_LEN, hash_hex);
	OPENSSL_cleanse(hash, sizeof(hash));
	store_lock(st);
	if ((r = authdb_read_list(st, AUTH_USERS_FILE, &list)))
		goto out;
	e = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:I}", "name", name, "role",
		      mg_role_name(role), "kdf", "pbkdf2-sha256", "iterations", AUTH_PBKDF2_ITER,
		      "salt", salt_hex, "hash", hash_hex, "created", (json_int_t)authdb_now());
	r = GW_E_NOMEM;
	if (!e)
		goto out;
	/* adding an existing user sets a new password and role */
	old = NULL;
	for (idx = 0; idx < json_array_size(list); idx++) {
		old = json_array_get(list, idx);
		if (!strcmp(json_string_value(json_object_get(old, "name")) ?: "", name))
			break;
	}
	if (idx < json_array_size(list) ? json_array_set_new(list, idx, e)
					: json_array_append_new(list, e))
		goto out;
	r = authdb_write_list(st, AUTH_USERS_FILE, list);
out:
	store_unlock(st);
	json_decref(list);
	OPENSSL_cleanse(hash_hex, sizeof(hash_hex));
	return r;
}

/* ---- the rate limiter ---- */

static struct rl_slot *rl_find(struct authdb *a, const char *key, bool make)
{
	struct rl_slot *victim = NULL;
	int64_t now = authdb_now();

	for (size_t i = 0; i < AUTH_RL_SLOTS; i++) {
		struct rl_slot *s = &a->a_rl[i];

		if (s->rl_fails && now - s->rl_first >= AUTH_LOGIN_WIN)
			s->rl_fails = 0; /* its window is over */
		if (s->rl_fails && !strcmp(s->rl_key, key))
			return s;
		/* a free slot, else the one whose window ends first */
		if (!victim ||
		    (victim->rl_fails && (!s->rl_fails || s->rl_first < victim->rl_first)))
			victim = s;
	}
	if (!make)
		return NULL;
	snprintf(victim->rl_key, sizeof(victim->rl_key), "%s", key);
	victim->rl_first = now;
	victim->rl_fails = 0;
	return victim;
}

static unsigned rl_blocked(struct authdb *a, const char *key)
{
	struct rl_slot *s = rl_find(a, key, false);

	if (!s || s->rl_fails < AUTH_LOGIN_FAILS)
		return 0;
	return (unsigned)(s->rl_first + AUTH_LOGIN_WIN - authdb_now());
}

static void rl_fail(struct authdb *a, const char *key)
{
	struct rl_slot *s = rl_find(a, key, true);

	s->rl_fails++;
}

/* ---- login ---- */

/* The user's password matches (constant time over the hash). */
static bool user_verify(json_t *u, const char *pw, size_t pw_len)
{
	uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
	json_int_t iter = json_integer_value(json_object_get(u, "iterations"));
	bool ok;

	if (iter < 1000 || iter > 10000000 ||
	    authdb_unhex(json_string_value(json_object_get(u, "salt")), salt, SALT_LEN) ||
	    authdb_unhex(json_string_value(json_object_get(u, "hash")), want, HASH_LEN) ||
	    pbkdf2(pw, pw_len, salt, (unsigned)iter, got))
		return false;
	ok = !CRYPTO_memcmp(got, want, HASH_LEN);
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

static int session_new(struct authdb *a, const char *name, enum mg_role role,
		       char sid[AUTH_SESSION_LEN], struct principal *who)
{
	struct session *s = NULL;
	int64_t now = authdb_now();

	for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
		struct session *c = &a->a_sessions[i];

		if (!c->se_used || now - c->se_last > AUTH_SESSION_IDLE ||
		    now - c->se_created > AUTH_SESSION_MAX) {
			s = c;
			break;
		}
		if (!s || c->se_last < s->se_last)
			s = c; /* all taken: the least recently used goes */
	}
	memset(s, 0, sizeof(*s));
	if (authdb_random_str("", sid, AUTH_SESSION_LEN) ||
	    authdb_random_str("", s->se_csrf, sizeof(s->se_csrf)))
		return GW_E_CRYPTO;
	SHA256((const uint8_t *)sid, strlen(sid), s->se_id_hash);
	snprintf(s->se_name, sizeof(s->se_name), "%s", name);
	s->se_role = role;
	s->se_created = s->se_last = now;
	s->se_used = true;
	memset(who, 0, sizeof(*who));
	who->p_role = role;
	snprintf(who->p_kind, sizeof(who->p_kind), "user");
	snprintf(who->p_name, sizeof(who->p_name), "%s", name);
	who->p_session = true;
	memcpy(who->p_csrf, s->se_csrf, sizeof(who->p_csrf));
	who->p_expires = now + AUTH_SESSION_MAX;
	return 0;
}

int authdb_login(struct authdb *a, const char *addr, const char *name, const char *pw,
		 size_t pw_len, char sid[AUTH_SESSION_LEN], struct principal *who,
		 unsigned *retry_after)
{
	char ka[80], ku[80];
	json_t *list, *u = NULL, *e;
	enum mg_role role = MG_ROLE_NONE;
	size_t i;
	bool ok;
	int r;

	snprintf(ka, sizeof(ka), "a:%s", addr);
	snprintf(ku, sizeof(ku), "u:%s", name);
	pthread_mutex_lock(&a->a_lock);
	*retry_after = rl_blocked(a, ka);
	if (!*retry_after)
		*retry_after = rl_blocked(a, ku);
	list = authdb_cached(a, &a->a_users, AUTH_USERS_FILE);
	json_array_foreach(list, i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "name")) ?: "", name))
			u = json_deep_copy(e);
	}
	pthread_mutex_unlock(&a->a_lock);
	if (*retry_after) {
		json_decref(u);
		return GW_E_AGAIN;
	}
	/* hash even for an unknown name, so timing does not tell names apart */
	ok = u && !mg_role_parse(json_string_value(json_object_get(u, "role")), &role) &&
	     user_verify(u, pw, pw_len);
	if (!u) {
		uint8_t salt[SALT_LEN] = { 0 }, h[HASH_LEN];

		pbkdf2(pw, pw_len, salt, AUTH_PBKDF2_ITER, h);
	}
	json_decref(u);
	pthread_mutex_lock(&a->a_lock);
	if (ok) {
		r = session_new(a, name, role, sid, who);
	} else {
		rl_fail(a, ka);
		rl_fail(a, ku);
		r = GW_E_AUTH;
	}
	pthread_mutex_unlock(&a->a_lock);
	return r;
}

static struct session *session_find(struct authdb *a, const char *sid)
{
	uint8_t h[32];
	int64_t now = authdb_now();
	struct session *hit = NULL;

	SHA256((const uint8_t *)sid, strlen(sid), h);
	for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
		struct session *s = &a->a_sessions[i];

		if (s->se_used && !CRYPTO_memcmp(s->se_id_hash, h, sizeof(h)))
			hit = s;
	}
	if (hit &&
	    (now - hit->se_last > AUTH_SESSION_IDLE || now - hit->se_created > AUTH_SESSION_MAX)) {
		memset(hit, 0, sizeof(*hit));
		hit = NULL;
	}
	return hit;
}

int authdb_session_check(struct authdb *a, const char *sid, struct principal *who)
{
	struct session *s;
	int r = GW_E_AUTH;

	pthread_mutex_lock(&a->a_lock);
	if ((s = session_find(a, sid))) {
		s->se_last = authdb_now();
		memset(who, 0, sizeof(*who));
		who->p_role = s->se_role;
		snprintf(who->p_kind, sizeof(who->p_kind), "user");
		snprintf(who->p_name, sizeof(who->p_name), "%s", s->se_name);
		who->p_session = true;
		memcpy(who->p_csrf, s->se_csrf, sizeof(who->p_csrf));
		who->p_expires = s->se_created + AUTH_SESSION_MAX;
		r = 0;
	}
	pthread_mutex_unlock(&a->a_lock);
	return r;
}

void authdb_session_end(struct authdb *a, const char *sid)
{
	struct session *s;

	pthread_mutex_lock(&a->a_lock);
	if ((s = session_find(a, sid)))
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&a->a_lock);
}

/* ---- life cycle ---- */

int authdb_new(struct store *st, struct authdb **out)
{
	struct authdb *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return GW_E_NOMEM;
	a->a_store = st;
	pthread_mutex_init(&a->a_lock, NULL);
	*out = a;
	return 0;
}

void authdb_free(struct authdb *a)
{
	if (!a)
		return;
	json_decref(a->a_tokens.fc_doc);
	json_decref(a->a_users.fc_doc);
	pthread_mutex_destroy(&a->a_lock);
	OPENSSL_cleanse(a->a_sessions, sizeof(a->a_sessions));
	free(a);
}

/* Each entry an object with a name and a known role. */
static int check_list(struct store *st, const char *rel, char *why, size_t why_len)
{
	json_t *list, *e;
	enum mg_role role;
	size_t i;
	int r;

	if ((r = authdb_read_list(st, rel, &list))) {
		snprintf(why, why_len, "%s/%s: %s", store_dir(st), rel,
			 r == GW_E_PARSE ? "not a JSON array (or a key repeated)"
					 : "cannot be read");
		return r;
	}
	json_array_foreach(list, i, e)
	{
		if (!json_is_string(json_object_get(e, "name")) ||
		    mg_role_parse(json_string_value(json_object_get(e, "role")), &role)) {
			snprintf(why, why_len, "%s/%s: $[%zu]: needs a name and a role",
				 store_dir(st), rel, i);
			json_decref(list);
			return GW_E_INVAL;
		}
	}
	json_decref(list);
	return 0;
}

int authdb_check_files(struct store *st, char *why, size_t why_len)
{
	int r;

	if ((r = check_list(st, AUTH_TOKENS_FILE, why, why_len)))
		return r;
	return check_list(st, AUTH_USERS_FILE, why, why_len);
}
