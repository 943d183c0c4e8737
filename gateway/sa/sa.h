/*
 * sa.h: the IKE engine (RFC 7296): IKE and CHILD SAs, the exchanges
 * IKE_SA_INIT, IKE_AUTH and INFORMATIONAL, retransmission, cookies, NAT
 * traversal, and the installation of ESP SAs through datapath/. Received
 * datagrams come in through sa_engine_input() on net/'s receiver thread
 * and run on the worker pool; control requests through the sa_engine_*()
 * calls below (any thread).
 */
#ifndef PAL_SA_SA_H
#define PAL_SA_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/model/model.h"
#include "net/net.h"

struct datapath;
struct p11;
struct pool;
struct sa_engine;

/* Events for the control socket's subscribers (api/control.md 6); the
 * sink takes data. Called from workers. */
typedef void (*sa_event_fn)(void *arg, const char *type, json_t *data);
/* Whether anyone listens now (same arg); false skips building the event. */
typedef bool (*sa_event_want_fn)(void *arg);
/* The outcome of a control request that waited (initiate, terminate):
 * code NULL and a result (taken), or an error code of api/control.md 3.1
 * and a message. Called once, from a worker. */
typedef void (*sa_done_fn)(void *arg, const char *code, const char *msg, json_t *result);

/* Load the configuration directory (gateway.json, conns/, cas/, certs/,
 * keys/); why names the file and JSON path of a problem. p11 (borrowed,
 * may be NULL) holds the keys that connections name by pkcs11: URI; it
 * outlives the engine. */
int sa_engine_new(const char *config_dir, struct p11 *p11, struct sa_engine **out, char *why,
		  size_t why_len);
/* Wiring, before sa_engine_start(): the sockets, the workers, the data
 * path and the event sink. */
void sa_engine_set_net(struct sa_engine *e, struct net *net);
void sa_engine_set_pool(struct sa_engine *e, struct pool *pool);
void sa_engine_set_datapath(struct sa_engine *e, struct datapath *dp);
void sa_engine_set_events(struct sa_engine *e, sa_event_fn fn, void *arg);
void sa_engine_set_event_want(struct sa_engine *e, sa_event_want_fn want);
/* Settings of the current snapshot (borrowed; valid until the next reload). */
const struct gw_settings *sa_engine_settings(struct sa_engine *e);
/* Start connections with start_action "start". */
int sa_engine_start(struct sa_engine *e);
/* Send Delete for every SA (best effort) and remove them from the data
 * path; net and pool must still run. */
void sa_engine_shutdown(struct sa_engine *e);
/* After net and pool have stopped. NULL is fine. */
void sa_engine_free(struct sa_engine *e);

/* net_recv_fn for IKE datagrams and for ESP-in-UDP; arg is the engine. */
void sa_engine_input(void *arg, struct net_dgram *d);
void sa_engine_esp_input(void *arg, struct net_dgram *d);
/* The same path, run on the calling thread (fuzzing and tests). */
void sa_engine_input_sync(struct sa_engine *e, struct net_dgram *d);

/* Control. */
/* Control (api/control.md 5). Errors come back as an error code of 3.1 in
 * *code and a message in why. */
/* Reload the configuration directory; the reload result (5.8), or NULL. */
json_t *sa_engine_reload(struct sa_engine *e, const char **code, char *why, size_t why_len);
/*
 * Start an IKE SA for conn (with its first child, or child). With done,
 * it is called when the SA is up or failed; *uid gets the new SA's uid.
 */
int sa_engine_initiate(struct sa_engine *e, const char *conn, const char *child, sa_done_fn done,
		       void *arg, uint32_t *uid, const char **code, char *why, size_t why_len);
/* Delete the IKE SA ike_uid, or all of conn's (one of the two); done as
 * above with {"ike_sas": [...], "child_sas": [...]}. */
int sa_engine_terminate(struct sa_engine *e, uint32_t ike_uid, const char *conn, sa_done_fn done,
			void *arg, const char **code, char *why, size_t why_len);
/* {"ike_sas": [...]}, filtered by conn and/or ike_uid (0 = any). */
json_t *sa_engine_list_sas(struct sa_engine *e, const char *conn, uint32_t ike_uid);
/* {"conns": [...]}, or only conn (NULL when it does not exist). */
json_t *sa_engine_list_conns(struct sa_engine *e, const char *conn);
json_t *sa_engine_stats(struct sa_engine *e);
/* {"pools": [{name, family, size, leased, leases: [...]}], "retired": [...]} */
json_t *sa_engine_list_leases(struct sa_engine *e);
/*
 * Rekey (api/control.md 5.6): IKE SAs by ike_uid or conn (reauth: a new
 * IKE SA with IKE_AUTH, make-before-break), or CHILD SAs by child_uid or
 * child name (with conn: of that connection only); 0/NULL = not given.
 * done as for terminate, with {"ike_sas": [{"old_uid", "uid"}], ...}.
 */
int sa_engine_rekey(struct sa_engine *e, uint32_t ike_uid, const char *conn, uint32_t child_uid,
		    const char *child, bool reauth, sa_done_fn done, void *arg, json_t **queued,
		    const char **code, char *why, size_t why_len);
/* Close CHILD SAs only (api/control.md 5.5: child_uid, or child with an
 * optional conn); done with {"ike_sas": [], "child_sas": [uid, ...]}. */
int sa_engine_terminate_child(struct sa_engine *e, uint32_t child_uid, const char *conn,
			      const char *child, sa_done_fn done, void *arg, const char **code,
			      char *why, size_t why_len);
struct dp_event;
/* A data path event (soft/hard expire) from a backend thread: queued to
 * the worker of the IKE SA that owns the CHILD SA (by reqid). */
void sa_engine_dp_event(struct sa_engine *e, const struct dp_event *ev);

struct ike_sk_ops;
struct sk_cipher;
/* Fill ops so that ike/ seals and opens SK payloads with c (borrowed). */
void sa_sk_ops_init(struct ike_sk_ops *ops, struct sk_cipher *c);

#endif
