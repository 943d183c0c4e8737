/*
 * h_session.c: browser login (/api/v1/session) and the token list.
 * Login takes {"name", "password"} and sets an HttpOnly, SameSite=Strict
 * cookie (Secure over HTTPS); the answer carries the CSRF token that the
 * page sends back in X-CSRF-Token on every unsafe request. GET tells the
 * page who it is (and the CSRF token again after a reload); DELETE logs
 * out. Failed logins are rate-limited per address and per name (429).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define COOKIE "palisade_session"

static json_t *who_json(const struct principal *p)
{
	char t[32];

	mg_time_str(p->p_expires, t, sizeof(t));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", p->p_name, "role",
			 mg_role_name(p->p_role), "kind", p->p_kind, "csrf_token",
			 p->p_session ? json_string(p->p_csrf) : json_null(), "expires_at",
			 p->p_session ? json_string(t) : json_null());
}

enum MHD_Result h_session_get(struct req *rq)
{
	if (rq->rq_who.p_role == MG_ROLE_NONE)
		return reply_problem(rq, 401, "unauthorized", NULL, "not logged in");
	return reply_json(rq, 200, who_json(&rq->rq_who), NULL);
}

enum MHD_Result h_session_login(struct req *rq)
{
	char sid[AUTH_SESSION_LEN], addr[64], cookie[160];
	struct MHD_Response *r;
	struct principal who;
	enum MHD_Result ret;
	unsigned retry = 0;
	const char *name, *pw;
	json_t *body, *wj;
	char *s;
	int rc;

	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	name = json_string_value(json_object_get(body, "name"));
	pw = json_string_value(json_object_get(body, "password"));
	if (!json_is_object(body) || json_object_size(body) != 2 || !name || !pw ||
	    !mg_name_ok(name) ||
	    json_string_length(json_object_get(body, "password")) > AUTH_PW_MAX) {
		json_decref(body);
		return reply_problem(rq, 422, "validation", "$",
				     "the body is {\"name\": NAME, \"password\": PASSWORD}");
	}
	req_client_addr(rq, addr, sizeof(addr));
	rc = authdb_login(rq->rq_md->md_auth, addr, name, pw,
			  json_string_length(json_object_get(body, "password")), sid, &who, &retry);
	json_decref(body); /* the allocator wipes the password's copy */
	if (rc == GW_E_AGAIN) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%u", retry ? retry : 1);
		ret = reply_problem(rq, 429, "rate-limited", NULL,
				    "too many failed logins: wait %s s", ra);
		return ret;
	}
	if (rc)
		return reply_problem(rq, 401, "unauthorized", NULL, "wrong name or password");
	snprintf(cookie, sizeof(cookie),
		 COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", sid,
		 AUTH_SESSION_MAX, rq->rq_md->md_tls ? "; Secure" : "");
	OPENSSL_cleanse(sid, sizeof(sid));
	rq->rq_who = who;
	wj = who_json(&who);
	s = json_dumps(wj, JSON_COMPACT);
	json_decref(wj);
	if (!s)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	reply_add_security_headers(r, rq->rq_md->md_tls);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	rq->rq_status = 201;
	ret = MHD_queue_response(rq->rq_conn, 201, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result h_session_logout(struct req *rq)
{
	const char *sid = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND, COOKIE);
	const char *csrf = req_header(rq, "X-CSRF-Token");
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t n = strlen(rq->rq_who.p_csrf);

	if (!sid || !rq->rq_who.p_session)
		return reply_problem(rq, 401, "unauthorized", NULL, "not logged in");
	if (!csrf || strlen(csrf) != n || CRYPTO_memcmp(csrf, rq->rq_who.p_csrf, n))
		return reply_problem(rq, 403, "csrf", NULL, "missing or wrong X-CSRF-Token");
	authdb_session_end(rq->rq_md->md_auth, sid);
	r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE,
				COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	reply_add_security_headers(r, rq->rq_md->md_tls);
	rq->rq_status = 204;
	ret = MHD_queue_response(rq->rq_conn, 204, r);
	MHD_destroy_response(r);
	return ret;
}

/* created/expires as RFC 3339 */
static void times_to_str(json_t *list)
{
	static const char *const keys[] = { "created", "expires" };
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		for (size_t k = 0; k < 2; k++) {
			json_t *v = json_object_get(e, keys[k]);
			char t[32];

			if (json_is_integer(v)) {
				mg_time_str(json_integer_value(v), t, sizeof(t));
				json_object_set_new(e, keys[k], json_string(t));
			} else {
				json_object_set_new(e, keys[k], json_null());
			}
		}
	}
}

enum MHD_Result h_tokens_list(struct req *rq)
{
	enum MHD_Result ret;
	size_t off, lim;
	json_t *list;

	if (!req_page(rq, &off, &lim, &ret))
		return ret;
	if (authdb_tokens_json(rq->rq_md->md_store, &list))
		return reply_problem(rq, 500, "storage", NULL, "cannot read the token list");
	times_to_str(list);
	return reply_page(rq, list, off, lim);
}

enum MHD_Result h_tokens_delete(struct req *rq)
{
	enum MHD_Result ret;
	int r;

	if (!req_name_ok(rq, rq->rq_params[0], &ret))
		return ret;
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "token %s", rq->rq_params[0]);
	r = authdb_token_revoke(rq->rq_md->md_store, rq->rq_params[0]);
	if (r == GW_E_NOTFOUND)
		return reply_problem(rq, 404, "not-found", NULL, "no token '%s'", rq->rq_params[0]);
	if (r)
		return reply_problem(rq, 500, "storage", NULL, "could not revoke the token");
	return reply_empty(rq, 204);
}
