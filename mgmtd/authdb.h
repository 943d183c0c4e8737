/*
 * authdb.h: who may call the API. Bearer tokens (mgmt/tokens.json keeps
 * only their SHA-256: a token is 256 random bits, so a plain hash is
 * enough), users for the browser (mgmt/users.json: PBKDF2-HMAC-SHA256 with
 * a per-user salt), login sessions (memory only: a restart logs everyone
 * out) with a CSRF token each, and the login rate limiter. The files are
 * written by the CLI (token create, user add) and re-read when they change,
 * so a revoked token stops working at once. Any thread.
 */
#ifndef PAL_MGMTD_AUTHDB_H
#define PAL_MGMTD_AUTHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

enum mg_role {
	MG_ROLE_NONE = 0, /* not authenticated */
	MG_ROLE_VIEWER,   /* reads, no secrets */
	MG_ROLE_OPERATOR, /* reads, initiate/terminate/rekey */
	MG_ROLE_ADMIN,    /* everything */
};

#define AUTH_TOKEN_LEN    48 /* "pal_" + 43 base64url characters + NUL */
#define AUTH_SESSION_LEN  48
#define AUTH_PBKDF2_ITER  210000 /* OWASP 2023 for PBKDF2-HMAC-SHA256 */
#define AUTH_LOGIN_FAILS  5      /* failed logins per address or name ... */
#define AUTH_LOGIN_WIN    60     /* ... within this many seconds, then 429 */
#define AUTH_SESSION_IDLE 1800
#define AUTH_SESSION_MAX  28800
#define AUTH_PW_MAX       1024

struct principal {
	enum mg_role p_role;
	char p_kind[8]; /* "token" or "user" */
	char p_name[64];
	bool p_session; /* by cookie: unsafe methods need p_csrf */
	char p_csrf[AUTH_SESSION_LEN];
	int64_t p_expires; /* session end, unix time */
};

const char *mg_role_name(enum mg_role r);
int mg_role_parse(const char *s, enum mg_role *r);

struct authdb;
int authdb_new(struct store *st, struct authdb **out);
void authdb_free(struct authdb *a);

/* ---- tokens (CLI and API) ---- */
/* ttl 0: no expiry. tok gets the token, shown once. GW_E_EXISTS for a
 * name in use. */
int authdb_token_create(struct store *st, const char *name, enum mg_role role, uint64_t ttl,
			char tok[AUTH_TOKEN_LEN]);
int authdb_token_revoke(struct store *st, const char *name); /* GW_E_NOTFOUND */
/* [{"name","role","created","expires"}], never a hash. */
int authdb_tokens_json(struct store *st, json_t **out);
/* 0 and *who, or GW_E_AUTH with *why ("unknown token", "token expired"). */
int authdb_token_check(struct authdb *a, const char *token, struct principal *who,
		       const char **why);

/* ---- users and sessions ---- */
int authdb_user_add(struct store *st, const char *name, enum mg_role role, const char *pw,
		    size_t pw_len);
int authdb_user_del(struct store *st, const char *name);
int authdb_users_json(struct store *st, json_t **out);
/* 0: sid gets the session cookie value, *who the session. GW_E_AUTH:
 * wrong name or password. GW_E_AGAIN: too many failures from this address
 * or for this name, *retry_after seconds to wait. */
int authdb_login(struct authdb *a, const char *addr, const char *name, const char *pw,
		 size_t pw_len, char sid[AUTH_SESSION_LEN], struct principal *who,
		 unsigned *retry_after);
int authdb_session_check(struct authdb *a, const char *sid, struct principal *who);
void authdb_session_end(struct authdb *a, const char *sid);

/* Start-up check of mgmt/tokens.json and mgmt/users.json. */
int authdb_check_files(struct store *st, char *why, size_t why_len);

/* helpers shared by tokens.c and sessions.c */
void authdb_b64url(const uint8_t *in, size_t n, char *out, size_t outlen);
int authdb_random_str(const char *prefix, char *out, size_t outlen);

#endif
