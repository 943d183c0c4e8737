/*
 * conn_int.h: helpers shared by the files that validate conns/NAME.json
 * (internal to api/model). Each validator takes the JSON path of the value
 * it checks and fills struct model_err on failure; none logs anything.
 */
#ifndef PAL_API_MODEL_CONN_INT_H
#define PAL_API_MODEL_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/model/model.h"

/* Longest JSON path we build (fits struct model_err's me_path). */
#define MC_PATH_LEN 96

/* Upper bounds that keep defaults (life = rekey * 1.1) inside JSON integers. */
#define MC_MAX_TIME  100000000u /* seconds, a little over three years */
#define MC_MAX_COUNT (1ULL << 60)

/* One enum keyword and its value. */
struct mc_word {
	const char *w_name;
	int w_value;
};

/* base + "." + key, or base + "[" + i + "]". */
void mc_path_key(char *out, const char *base, const char *key);
void mc_path_idx(char *out, const char *base, size_t i);

/* A string shorter than size bytes; *s borrowed from v. */
int mc_string(json_t *v, const char *path, size_t size, const char **s, struct model_err *err);
/* A name ([A-Za-z0-9][A-Za-z0-9_.-]{0,62}), "" allowed when may_be_empty. */
bool mc_name_ok(const char *s);
int mc_name(json_t *v, const char *path, bool may_be_empty, char *out, struct model_err *err);
/* One of words[] (what lists them for the message). */
int mc_enum(json_t *v, const char *path, const struct mc_word *words, size_t n, const char *what,
	    int *out, struct model_err *err);
/* A JSON integer in [min, max]. */
int mc_uint(json_t *v, const char *path, uint64_t min, uint64_t max, uint64_t *out,
	    struct model_err *err);
int mc_bool(json_t *v, const char *path, bool *out, struct model_err *err);
/* v must be an object whose keys are all in keys[] (message names the key). */
int mc_known_keys(json_t *v, const char *path, const char *const *keys, size_t n,
		  struct model_err *err);
/* An array of 1..max entries (0..max when may_be_empty). */
int mc_array(json_t *v, const char *path, size_t max, bool may_be_empty, struct model_err *err);

/* Identities, host names and key references (conn_ident.c). */
bool mc_hostname_ok(const char *s);
int mc_id_check(const char *s, char *why, size_t len);
int mc_key_check(const char *s, char *why, size_t len);
int mc_addr_check(const char *s, char *why, size_t len);

/* An address, CIDR or "a-b" range, without "[proto/port]" (ts.c). */
int mc_addr_range(const char *s, int *family, uint8_t *start, uint8_t *end, char *why, size_t len);

/* Proposal presets (conn_preset.c): an entry "preset:NAME" of a list. */
#define MC_PRESET_PREFIX "preset:"
/* NAME's proposals for proto (s is the whole entry); an unknown NAME is
 * refused at path, naming the presets there are. */
int mc_preset_lookup(const char *s, const char *path, uint8_t proto, const char *const **list,
		     struct model_err *err);

/* Proposals (conn_ike.c): proto is IKE_PROTO_IKE or IKE_PROTO_ESP. */
int mc_proposal_one(const char *s, uint8_t proto, struct model_proposal *mp, char *why, size_t len);
int mc_proposals(json_t *v, const char *path, uint8_t proto, struct model_proposal *props,
		 size_t *n, struct model_err *err);
int mc_ike_parse(json_t *v, struct model_conn *c, struct model_err *err);
/* "local" / "remote" (conn_end.c). */
void mc_end_defaults(struct model_end *e, bool remote);
int mc_end_parse(json_t *v, const char *path, bool remote, struct model_end *e,
		 struct model_err *err);
/* One entry of "children" (conn_child.c). */
int mc_child_parse(json_t *v, const char *path, struct model_child *ch, struct model_err *err);

#endif
