/* authdb_int.h: the authdb's parts shared by tokens.c, users.c and sessions.c. */
#ifndef PAL_MGMTD_AUTHDB_INT_H
#define PAL_MGMTD_AUTHDB_INT_H

#include <pthread.h>
#include <sys/stat.h>

#include "mgmtd/authdb.h"

#define AUTH_TOKENS_FILE  "mgmt/tokens.json"
#define AUTH_USERS_FILE   "mgmt/users.json"
#define AUTH_MAX_SESSIONS 1024
#define AUTH_RL_SLOTS     1024

/* A file re-read when its identity (inode, size, mtime) changes. */
struct file_cache {
	ino_t fc_ino;
	off_t fc_size;
	struct timespec fc_mtime;
	bool fc_valid;
	json_t *fc_doc; /* the array, or NULL when the file is absent */
};

struct session {
	uint8_t se_id_hash[32]; /* SHA-256 of the cookie value */
	char se_csrf[AUTH_SESSION_LEN];
	char se_name[64];
	enum mg_role se_role;
	int64_t se_created, se_last;
	bool se_used;
};

struct rl_slot {
	char rl_key[80]; /* "a:ADDR" or "u:NAME" */
	int64_t rl_first;
	unsigned rl_fails;
};

struct authdb {
	struct store *a_store;
	pthread_mutex_t a_lock;
	struct file_cache a_tokens, a_users;
	struct session a_sessions[AUTH_MAX_SESSIONS];
	struct rl_slot a_rl[AUTH_RL_SLOTS];
};

/* The file's array, re-read if it changed; borrowed under a_lock. NULL:
 * absent or unreadable (then nobody authenticates from it). */
json_t *authdb_cached(struct authdb *a, struct file_cache *fc, const char *rel);
/* Read a list file (absent = empty array) for a CLI change. */
int authdb_read_list(struct store *st, const char *rel, json_t **out);
int authdb_write_list(struct store *st, const char *rel, json_t *list);
int64_t authdb_now(void);
/* 32 bytes of hex (64 digits) into out[65]. */
void authdb_hex(const uint8_t *in, size_t n, char *out);
int authdb_unhex(const char *s, uint8_t *out, size_t n);

#endif
