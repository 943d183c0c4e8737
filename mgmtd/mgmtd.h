/*
 * mgmtd.h: palisade-mgmtd's internals (DESIGN.md, REST API): the daemon
 * (struct mgmtd, built in main.c), a request (struct req, one per HTTP
 * request, owned by the connection's thread), the route table and the
 * handlers of each resource (h_*.c). libmicrohttpd runs one thread per
 * connection, so a handler may block on the control socket; shared state
 * (store, sessions, rate samples) carries its own lock.
 */
#ifndef PAL_MGMTD_H
#define PAL_MGMTD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/x509.h>

#include "api/model/model.h"
#include "mgmtd/authdb.h"
#include "mgmtd/gw.h"
#include "mgmtd/store.h"

#define MG_BODY_MAX        (1u << 20)  /* JSON and PEM bodies */
#define MG_BODY_IMPORT_MAX (16u << 20) /* bulk import of EAP users */
/* A body refused before it is read (401, 404, 413, ...) up to this size is
 * read and dropped before the answer goes out: a client still writing
 * when we close would get a reset instead of the answer. */
#define MG_DRAIN_MAX    (32u << 20)
#define MG_PAGE_DEFAULT 100
#define MG_PAGE_MAX     1000
#define MG_SSE_MAX      32 /* event streams at once */
#define MG_PARAMS       3

struct rates;
struct live;
struct x509_err;

struct mgmtd {
	const char *md_config_dir;
	const char *md_socket;
	const char *md_web_root; /* NULL: no dashboard */
	char md_web_real[4096];  /* realpath of md_web_root */
	bool md_tls;
	struct MHD_Daemon *md_mhd;
	struct store *md_store;
	struct authdb *md_auth;
	struct gw *md_gw;
	struct rates *md_rates;
	struct live *md_live;
	atomic_uint md_n_sse;
	atomic_ullong md_requests[6]; /* by status class 1xx..5xx, [0] unused */
	atomic_ullong md_writes;      /* objects written */
};

enum req_flags {
	RQ_F_CSRF =
		1 << 0, /* authenticated by session cookie: unsafe methods need the CSRF header */
};

/* One HTTP request; lives from the first access-handler call to the
 * request-completed callback. */
struct req {
	struct mgmtd *rq_md;
	struct MHD_Connection *rq_conn;
	const char *rq_method;
	char rq_path[1024]; /* decoded path, for logs and problem "instance" */
	size_t rq_n_params;
	char *rq_params[MG_PARAMS]; /* decoded path parameters (owned) */
	const struct route *rq_route;
	char *rq_body;
	size_t rq_len, rq_cap, rq_limit;
	bool rq_too_large;
	bool rq_started;
	bool rq_hold;                 /* an answer now waits for the body */
	struct MHD_Response *rq_held; /* that answer, sent once it is read */
	size_t rq_seen;               /* body bytes received, kept or not */
	struct principal rq_who;
	int rq_status; /* answered with */
	char rq_audit_obj[160];
};

typedef enum MHD_Result (*route_fn)(struct req *rq);

struct route {
	const char *rt_method;
	const char *rt_pattern; /* "/api/v1/connections/{}", "{*}" = the rest */
	enum mg_role rt_role;   /* MG_ROLE_NONE: no authentication */
	size_t rt_body_max;     /* 0: no body allowed */
	route_fn rt_fn;
	bool rt_audit; /* a change: goes to the audit log */
};

/* router.c */
const struct route *router_match(const char *method, const char *path, struct req *rq,
				 bool *method_mismatch, char *allow, size_t allow_len);

/* daemon.c: run the server until SIGINT/SIGTERM; exit status */
int mgmtd_serve(const char *dir, const char *sock, const char *addr, uint16_t port,
		const char *cert, const char *key, const char *web);

/* http.c: the server */
int http_start(struct mgmtd *md, const char *addr, uint16_t port, const char *cert_pem,
	       const char *key_pem);
void http_stop(struct mgmtd *md);

/* reply.c: answers. Each queues exactly one response and returns MHD's result. */
enum MHD_Result reply_json(struct req *rq, unsigned status, json_t *body /* stolen */,
			   const char *etag);
/* With Location (may be NULL) and Palisade-Applied (applied < 0: none). */
enum MHD_Result reply_json_ex(struct req *rq, unsigned status, json_t *body, const char *etag,
			      const char *location, int applied);
enum MHD_Result reply_empty(struct req *rq, unsigned status);
/* Send the answer made while rq_hold was set (the body is now read). */
enum MHD_Result reply_held(struct req *rq);
/* 204 with Palisade-Applied */
enum MHD_Result reply_applied(struct req *rq, unsigned status, bool applied);
enum MHD_Result reply_text(struct req *rq, unsigned status, const char *ctype, char *body,
			   size_t len /* body malloc'd, handed over */);
/* RFC 9457 problem details; path (may be NULL) is the JSON path of the bad
 * field ("$.children[0].local_ts[2]"), pointer derived from it. */
enum MHD_Result reply_problem(struct req *rq, unsigned status, const char *type, const char *path,
			      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A model validation error as 422. */
enum MHD_Result reply_model_err(struct req *rq, const struct model_err *err);
/* The gateway could not answer: 503 (unreachable) or the mapped status. */
enum MHD_Result reply_gw_err(struct req *rq, const struct gw_fail *err);
void reply_add_security_headers(struct MHD_Response *r, bool tls);

/* req.c: request helpers */
const char *req_header(struct req *rq, const char *name);
/* Decoded query argument, or NULL; *bad when it does not decode. */
const char *req_query(struct req *rq, const char *name, char *buf, size_t len, bool *bad);
/* The body as a JSON document: content type checked (415), parsed with
 * duplicate keys refused (400). On failure the answer is queued and *ret set. */
json_t *req_json_body(struct req *rq, const char *ctype, enum MHD_Result *ret);
/* If-Match against the current ETag (NULL: object absent). false: 412 queued. */
bool req_if_match(struct req *rq, const char *etag, enum MHD_Result *ret);
/* ?limit=&offset= ; false: 400 queued */
bool req_page(struct req *rq, size_t *offset, size_t *limit, enum MHD_Result *ret);
/* {"items": [page of items], "total": n, "offset":, "limit":}; items stolen */
enum MHD_Result reply_page(struct req *rq, json_t *items, size_t offset, size_t limit);
json_t *page_json(json_t *items, size_t offset, size_t limit); /* items stolen; NULL: ENOMEM */
/* A page of the objects DIR/NAME.EXT of the store, in name order: each
 * made by item (NULL: left out, e.g. a file that does not parse). */
typedef json_t *(*reply_item_fn)(struct store *st, const char *name, void *arg);
enum MHD_Result reply_page_dir(struct req *rq, const char *dir, const char *ext, reply_item_fn item,
			       void *arg);
/* A name in a path parameter: 400 when not a plain name ("../x"). */
bool req_name_ok(struct req *rq, const char *name, enum MHD_Result *ret);
bool mg_name_ok(const char *name);
int pct_decode(const char *in, size_t n, char *out, size_t outlen);
/* RFC 3339 UTC time */
void mg_time_str(int64_t t, char *buf, size_t len);

/* static.c */
enum MHD_Result static_serve(struct req *rq, const char *path);

/* handlers */
enum MHD_Result h_conns_list(struct req *rq);
enum MHD_Result h_conns_get(struct req *rq);
enum MHD_Result h_conns_create(struct req *rq);
enum MHD_Result h_conns_replace(struct req *rq);
enum MHD_Result h_conns_patch(struct req *rq);
enum MHD_Result h_conns_delete(struct req *rq);
enum MHD_Result h_conns_initiate(struct req *rq);
enum MHD_Result h_cas_list(struct req *rq);
enum MHD_Result h_cas_get(struct req *rq);
enum MHD_Result h_cas_create(struct req *rq);
enum MHD_Result h_cas_delete(struct req *rq);
enum MHD_Result h_cas_crl_put(struct req *rq);
enum MHD_Result h_cas_crl_get(struct req *rq);
enum MHD_Result h_cas_crl_delete(struct req *rq);
enum MHD_Result h_certs_list(struct req *rq);
enum MHD_Result h_certs_get(struct req *rq);
enum MHD_Result h_certs_create(struct req *rq);
enum MHD_Result h_certs_delete(struct req *rq);
enum MHD_Result h_eap_list(struct req *rq);
enum MHD_Result h_eap_get(struct req *rq);
enum MHD_Result h_eap_create(struct req *rq);
enum MHD_Result h_eap_replace(struct req *rq);
enum MHD_Result h_eap_delete(struct req *rq);
enum MHD_Result h_eap_import(struct req *rq);
enum MHD_Result h_pools_list(struct req *rq);
enum MHD_Result h_pools_get(struct req *rq);
enum MHD_Result h_pools_create(struct req *rq);
enum MHD_Result h_pools_replace(struct req *rq);
enum MHD_Result h_pools_delete(struct req *rq);
enum MHD_Result h_sas_list(struct req *rq);
enum MHD_Result h_sas_get(struct req *rq);
enum MHD_Result h_sas_terminate(struct req *rq);
enum MHD_Result h_sas_rekey(struct req *rq);
enum MHD_Result h_child_terminate(struct req *rq);
enum MHD_Result h_child_rekey(struct req *rq);
enum MHD_Result h_hsm(struct req *rq);
enum MHD_Result h_stats(struct req *rq);
enum MHD_Result h_metrics(struct req *rq);
enum MHD_Result h_events(struct req *rq);
enum MHD_Result h_healthz(struct req *rq);
enum MHD_Result h_readyz(struct req *rq);
enum MHD_Result h_session_get(struct req *rq);
enum MHD_Result h_session_login(struct req *rq);
enum MHD_Result h_session_logout(struct req *rq);
enum MHD_Result h_tokens_list(struct req *rq);
enum MHD_Result h_tokens_delete(struct req *rq);
enum MHD_Result h_audit_list(struct req *rq);

/* apply.c: write a config file and have the gateway load it; the old
 * version comes back if the gateway refuses the new one. new_data NULL
 * deletes. On failure the answer (422/500) is queued and *ret set;
 * *applied says whether the gateway took it (false: gateway down,
 * change pending). */
int apply_change(struct req *rq, const char *rel, const char *new_data, size_t new_len,
		 unsigned mode, bool *applied, enum MHD_Result *ret);
/* The header telling a client whether the running gateway has the change. */
void apply_header(struct MHD_Response *r, bool applied);

/* rates.c: per-CHILD-SA traffic rates from successive list-sas samples */
struct rates *rates_new(void);
void rates_free(struct rates *r);
/* Adds rate_in/rate_out members (bytes/s, packets/s) to each CHILD_SA. */
void rates_annotate(struct rates *r, json_t *ike_sas);

/* merge.c: RFC 7396 JSON Merge Patch; returns the new target (target
 * taken, patch borrowed). */
json_t *merge_patch(json_t *target, json_t *patch);

/* uses.c: connections that refer to an object: names (CA, pool), or
 * {"connection", "key"} for a certificate used as local.cert. */
enum uses_kind { USES_CA, USES_CERT, USES_POOL };
json_t *uses_find(struct store *st, enum uses_kind kind, const char *name);

/* pemobj.c: certificate bundles kept as DIR/NAME.pem (cas/, certs/).
 * read_bundle: GW_E_NOTFOUND if absent; etag may be NULL. read_path: the
 * bundle of rq_params[0], 400/404/500 queued on failure ("no <what> 'x'").
 * check_body: {"name", "pem"} plus the optional members of extra
 * (NULL-terminated; may be NULL), all strings; false: 422 queued.
 * parse_upload: the body's "pem" parsed, held to check (x509.h) and
 * re-encoded (*pem_out, free it; *sk, free it); 422/500 queued on failure. */
typedef int (*pemobj_check_fn)(STACK_OF(X509) * sk, struct x509_err *err);
int pemobj_read_bundle(struct store *st, const char *dir, const char *name, STACK_OF(X509) * *sk,
		       char *etag);
int pemobj_read_path(struct req *rq, const char *dir, const char *what, STACK_OF(X509) * *sk,
		     char *etag, enum MHD_Result *ret);
bool pemobj_check_body(struct req *rq, json_t *doc, const char *const *extra, const char **name,
		       enum MHD_Result *ret);
int pemobj_parse_upload(struct req *rq, json_t *doc, pemobj_check_fn check, STACK_OF(X509) * *sk,
			char **pem_out, enum MHD_Result *ret);

/* listfile.c: one-array files (eap-users.json, pools.json) */
int listfile_read(struct store *st, const char *rel, json_t **doc); /* absent: [] */
json_t *listfile_find(json_t *doc, const char *key, const char *value, size_t *idx);
void listfile_etag(struct store *st, json_t *member, char *etag);
/* If-Match against member's ETag (NULL: absent); false: 412 queued. */
bool listfile_if_match(struct req *rq, json_t *member, enum MHD_Result *ret);
/* member (a new reference) in place of old at idx, or appended when old
 * is NULL; its index. */
size_t listfile_put(json_t *doc, json_t *old, size_t idx, json_t *member);
/* A model error in member focus of a whole-file check: "$[focus].x"
 * becomes "$.x", a path into the request's body. */
void listfile_err_focus(struct model_err *err, size_t focus);
char *listfile_dump(json_t *doc);
void listfile_wipe_free(char *s);
void listfile_wipe_secrets(json_t *doc);

/* live.c: list-sas (annotated with rates), stats and list-leases, shared
 * for up to a second; 0 and *doc (a reference to drop; never modify it),
 * or the gateway's failure. live_invalidate after a change made through
 * mgmtd. */
enum live_kind { LIVE_SAS, LIVE_STATS, LIVE_LEASES, LIVE_KINDS };
struct live *live_new(void);
void live_free(struct live *lv);
int live_get(struct mgmtd *md, enum live_kind kind, json_t **doc, struct gw_fail *err);
void live_invalidate(struct live *lv);
/* Serialised answers made from doc (the one live_get gave), by query: a
 * copy (free it), or NULL. put keeps body only while doc is current. */
char *live_page_get(struct mgmtd *md, json_t *doc, const char *key, size_t *len);
void live_page_put(struct mgmtd *md, json_t *doc, const char *key, const char *body, size_t len);

/* audit.c */
void audit_log(struct req *rq);
void req_client_addr(struct req *rq, char *buf, size_t len);

#endif
