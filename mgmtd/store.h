/*
 * store.h: the configuration directory as mgmtd writes it (DESIGN.md,
 * Configuration): every file replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), secrets 0600, writers serialised (a
 * mutex between threads, an flock() on mgmt/lock between processes, e.g.
 * the token CLI), ETags keyed with a secret of mgmt/ so a hash of a file
 * with a PSK reveals nothing. Any thread.
 */
#ifndef PAL_MGMTD_STORE_H
#define PAL_MGMTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STORE_FILE_MAX (32u << 20)
#define STORE_ETAG_LEN 40     /* "\"" + 32 hex + "\"" + NUL, rounded */
#define STORE_MGMT     "mgmt" /* mgmtd's own state: tokens, users, audit log */

struct store;

/* Open (and create) dir/mgmt with mode 0700 and its ETag key. */
int store_open(const char *dir, struct store **out, char *why, size_t why_len);
void store_free(struct store *st);
const char *store_dir(const struct store *st);

/* Serialise writers: hold the lock across read-check-write. */
void store_lock(struct store *st);
void store_unlock(struct store *st);

/* dir/rel into a NUL-terminated heap buffer (wiped free is the caller's:
 * store_buf_free). GW_E_NOTFOUND if absent, GW_E_RANGE above max. */
int store_read(struct store *st, const char *rel, size_t max, char **buf, size_t *len);
void store_buf_free(char *buf, size_t len);
/* Replace dir/rel atomically with mode (0600 for secrets, 0644 else).
 * On any failure the old file is untouched. */
int store_write(struct store *st, const char *rel, const void *buf, size_t len, mode_t mode);
/* Remove dir/rel and fsync the directory; GW_E_NOTFOUND if absent. */
int store_remove(struct store *st, const char *rel);
bool store_exists(struct store *st, const char *rel);
/* NAMEs of sub/NAME<suffix>, sorted (plain names only). free with store_names_free. */
int store_list(struct store *st, const char *sub, const char *suffix, char ***names, size_t *n);
void store_names_free(char **names, size_t n);
/* Strong ETag of an object's bytes: HMAC-SHA-256 with the store's key. */
void store_etag(const struct store *st, const void *buf, size_t len, char out[STORE_ETAG_LEN]);

/* The start-up check: every file of the directory parses and validates;
 * why names the first broken file. Leftover temporary files of a crash
 * are removed (they never were an object). */
int store_check(struct store *st, char *why, size_t why_len);

#endif
