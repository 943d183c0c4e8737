/*
 * config.h (sa/): the immutable configuration snapshot the engine runs on:
 * daemon settings, every connection of conns/, the credentials of cas/,
 * certs/ and keys/, and each connection's local signing key. Reload builds
 * a new snapshot and swaps it in; an IKE SA keeps the snapshot it started
 * with (a reference) until it is gone, so a reload never pulls a
 * connection out from under a running exchange.
 */
#ifndef PAL_SA_CONFIG_H
#define PAL_SA_CONFIG_H

#include <stdatomic.h>

#include "api/model/model.h"
#include "auth/auth.h"

#define SA_MAX_CONNS 1024

struct sa_conn {
	struct model_conn *sc_conn;
	struct auth_local *sc_local; /* our cert + key (pubkey auth), else NULL */
	struct auth_id sc_local_id;  /* resolved default when e_id is "" */
	bool sc_local_id_set;
	struct auth_id sc_remote_id; /* when not %any */
	bool sc_remote_any;
};

struct sa_config {
	atomic_int cf_refs;
	uint64_t cf_generation;
	struct gw_settings cf_settings;
	struct auth_creds *cf_creds;
	struct model_eap_users *cf_eap_users; /* eap-users.json (empty when absent) */
	struct model_pools *cf_pools;         /* pools.json (empty when absent) */
	size_t cf_n;
	struct sa_conn cf_conns[]; /* cf_n entries */
};

/*
 * Load settings, credentials and every conns/ *.json of dir. A broken file
 * is a load error: why gets "conns/rw.json: $.ike.proposals[0]: ..." (the
 * daemon refuses to start, a reload keeps the old snapshot).
 */
int sa_config_load(const char *dir, uint64_t generation, struct sa_config **out, char *why,
		   size_t why_len);
struct sa_config *sa_config_ref(struct sa_config *c);
void sa_config_unref(struct sa_config *c);
const struct sa_conn *sa_config_find(const struct sa_config *c, const char *name);

#endif
