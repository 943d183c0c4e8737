/*
 * h_sas.c: /api/v1/sas, the live IKE SAs with their CHILD SAs, as the
 * gateway's list-sas gives them (api/control.md 5.3) plus traffic totals
 * and current rates; filters by connection and identity; terminate and
 * rekey of an IKE SA (with its CHILD SAs) by its uid, or of one CHILD SA
 * by the uids of its IKE SA and its own (control.md 5.5, 5.6: child_uid).
 * Nothing here is stored: with the gateway down every answer is 503.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

/* The SA's remote identity or EAP identity is id. */
static bool has_identity(json_t *sa, const char *id)
{
	json_t *rem = json_object_get(sa, "remote");
	const char *a = json_string_value(json_object_get(rem, "id"));
	const char *b = json_string_value(json_object_get(rem, "eap_id"));

	return (a && !strcmp(a, id)) || (b && !strcmp(b, id));
}

/* Path parameter i is a uid: a positive integer. */
static bool uid_param(struct req *rq, size_t i, json_int_t *uid, enum MHD_Result *ret)
{
	const char *s = rq->rq_params[i];
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end || v < 1 || v > UINT32_MAX || s[0] == '+' || s[0] == '-') {
		*ret = reply_problem(rq, 400, "malformed", NULL,
				     "an SA id is its uid, a positive integer");
		return false;
	}
	*uid = v;
	return true;
}

/* The live IKE SAs (shared, read-only: copy what you change). */
static int list_sas(struct req *rq, json_t **sas, enum MHD_Result *ret)
{
	struct gw_fail err;
	json_t *res;

	if (live_get(rq->rq_md, LIVE_SAS, &res, &err)) {
		*ret = reply_gw_err(rq, &err);
		return GW_E_IO;
	}
	*sas = json_incref(json_object_get(res, "ike_sas"));
	json_decref(res);
	if (!json_is_array(*sas)) {
		json_decref(*sas);
		*ret = reply_problem(rq, 502, "gateway-error", NULL,
				     "list-sas answered no ike_sas");
		return GW_E_PARSE;
	}
	return 0;
}

/* The SA belongs to connection conn (NULL: any). */
static bool of_conn(json_t *sa, const char *conn)
{
	return !conn || !strcmp(json_string_value(json_object_get(sa, "name")) ?: "", conn);
}

/* The page for these filters, from the shared document (JSON text). */
static char *sas_page(json_t *sas, const char *conn, const char *ident, size_t off, size_t lim)
{
	json_t *out = json_array(), *sa, *page;
	char *s = NULL;
	size_t i;

	json_array_foreach(sas, i, sa)
	{
		if (out && of_conn(sa, conn) && (!ident || has_identity(sa, ident)))
			json_array_append(out, sa);
	}
	if ((page = page_json(out, off, lim)))
		s = json_dumps(page, JSON_COMPACT);
	json_decref(page);
	return s;
}

enum MHD_Result h_sas_list(struct req *rq)
{
	char conn[MODEL_NAME_LEN], id[MODEL_ID_LEN], key[160];
	struct gw_fail err;
	enum MHD_Result ret;
	json_t *doc;
	size_t off, lim, len = 0;
	bool bad = false;
	const char *c = req_query(rq, "connection", conn, sizeof(conn), &bad);
	const char *ident = req_query(rq, "identity", id, sizeof(id), &bad);
	char *body = NULL;
	bool cacheable;

	if (bad || (c && !mg_name_ok(c)))
		return reply_problem(rq, 400, "malformed", c ? "$.connection" : "$.identity",
				     "the filter does not decode or is not a valid name");
	if (!req_page(rq, &off, &lim, &ret))
		return ret;
	if (live_get(rq->rq_md, LIVE_SAS, &doc, &err))
		return reply_gw_err(rq, &err);
	/* pollers ask the same questions: answer them from one serialisation */
	cacheable = !ident || strlen(ident) < 100; /* the key holds the whole query */
	snprintf(key, sizeof(key), "%zu/%zu/%s/%s", off, lim, c ? c : "",
		 cacheable && ident ? ident : "");
	if (cacheable)
		body = live_page_get(rq->rq_md, doc, key, &len);
	if (!body && (body = sas_page(json_object_get(doc, "ike_sas"), c, ident, off, lim))) {
		len = strlen(body);
		if (cacheable)
			live_page_put(rq->rq_md, doc, key, body, len);
	}
	json_decref(doc);
	if (!body)
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	return reply_text(rq, 200, "application/json", body, len);
}

enum MHD_Result h_sas_get(struct req *rq)
{
	enum MHD_Result ret;
	json_int_t uid;
	json_t *sas, *sa, *hit = NULL;
	size_t i;

	if (!uid_param(rq, 0, &uid, &ret) || list_sas(rq, &sas, &ret))
		return ret;
	json_array_foreach(sas, i, sa)
	{
		if (json_integer_value(json_object_get(sa, "uid")) == uid)
			hit = json_incref(sa);
	}
	json_decref(sas);
	if (!hit)
		return reply_problem(rq, 404, "not-found", NULL, "no IKE SA with uid %lld",
				     (long long)uid);
	return reply_json(rq, 200, hit, NULL);
}

/* The optional body {"wait": bool} (and "reauth" if reauth_ok) into args. */
static bool action_args(struct req *rq, json_t *args, bool reauth_ok, enum MHD_Result *ret)
{
	json_t *body = NULL, *v;
	const char *key;
	char p[80];

	if (rq->rq_len && !(body = req_json_body(rq, "application/json", ret)))
		return false;
	if (body && !json_is_object(body)) {
		json_decref(body);
		*ret = reply_problem(rq, 422, "validation", "$", "must be a JSON object");
		return false;
	}
	json_object_foreach(body, key, v)
	{
		if (!json_is_boolean(v) ||
		    (strcmp(key, "wait") && (!reauth_ok || strcmp(key, "reauth")))) {
			snprintf(p, sizeof(p), "$.%.60s", key);
			json_decref(body);
			*ret = reply_problem(rq, 422, "validation", p,
					     reauth_ok ? "allowed: wait, reauth (booleans)"
						       : "allowed: wait (a boolean)");
			return false;
		}
		json_object_set(args, key, v);
	}
	json_decref(body);
	return true;
}

/* Send cmd with args (taken) to the gateway; its answer is the reply. */
static enum MHD_Result action_call(struct req *rq, const char *cmd, json_t *args)
{
	struct gw_fail err;
	json_t *res;
	int rc = gw_call(rq->rq_md->md_gw, cmd, args, GW_INITIATE_TIMEOUT_MS, &res, &err);

	live_invalidate(rq->rq_md->md_live);
	if (rc)
		return reply_gw_err(rq, &err);
	return reply_json(rq, 200, res, NULL);
}

static enum MHD_Result sa_action(struct req *rq, const char *cmd, bool reauth_ok)
{
	enum MHD_Result ret;
	json_int_t uid;
	json_t *args;

	if (!uid_param(rq, 0, &uid, &ret))
		return ret;
	args = json_pack("{s:I}", "ike_uid", uid);
	if (!action_args(rq, args, reauth_ok, &ret)) {
		json_decref(args);
		return ret;
	}
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "ike_sa %lld", (long long)uid);
	return action_call(rq, cmd, args);
}

/* Does IKE SA ike hold CHILD SA child? Asked fresh (a CHILD SA made a
 * moment ago may not be in the shared document yet): 0, GW_E_NOTFOUND
 * (answered 404), or the gateway's failure (answered). */
static int child_of(struct req *rq, json_int_t ike, json_int_t child, enum MHD_Result *ret)
{
	json_t *res = NULL, *c;
	struct gw_fail err;
	size_t i;

	if (gw_call(rq->rq_md->md_gw, "list-sas", json_pack("{s:I}", "ike_uid", ike),
		    GW_CALL_TIMEOUT_MS, &res, &err)) {
		*ret = reply_gw_err(rq, &err);
		return GW_E_IO;
	}
	json_array_foreach(
		json_object_get(json_array_get(json_object_get(res, "ike_sas"), 0), "children"), i,
		c)
	{
		if (json_integer_value(json_object_get(c, "uid")) == child) {
			json_decref(res);
			return 0;
		}
	}
	json_decref(res);
	*ret = reply_problem(rq, 404, "not-found", NULL, "IKE SA %lld has no CHILD SA %lld",
			     (long long)ike, (long long)child);
	return GW_E_NOTFOUND;
}

static enum MHD_Result child_action(struct req *rq, const char *cmd)
{
	enum MHD_Result ret;
	json_int_t ike, child;
	json_t *args;

	if (!uid_param(rq, 0, &ike, &ret) || !uid_param(rq, 1, &child, &ret))
		return ret;
	args = json_pack("{s:I}", "child_uid", child);
	if (!action_args(rq, args, false, &ret) || child_of(rq, ike, child, &ret)) {
		json_decref(args);
		return ret;
	}
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "child_sa %lld of ike_sa %lld",
		 (long long)child, (long long)ike);
	return action_call(rq, cmd, args);
}

enum MHD_Result h_sas_terminate(struct req *rq)
{
	return sa_action(rq, "terminate", false);
}

enum MHD_Result h_sas_rekey(struct req *rq)
{
	return sa_action(rq, "rekey", true);
}

enum MHD_Result h_child_terminate(struct req *rq)
{
	return child_action(rq, "terminate");
}

enum MHD_Result h_child_rekey(struct req *rq)
{
	return child_action(rq, "rekey");
}
