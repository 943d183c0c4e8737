/*
 * h_conns.c: /api/v1/connections. A connection is conns/NAME.json; every
 * document is validated by model_conn_parse() on the exact bytes that go
 * to disk, the same function palisade-gatewayd loads the file with. The
 * PSK is write-only: a PUT without "psk" keeps the current one, GET shows
 * only "psk_set"; "psk_set" sent back by a client is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define CONN_REL_LEN (MODEL_NAME_LEN + 16)

static void conn_rel(const char *name, char *rel)
{
	snprintf(rel, CONN_REL_LEN, "conns/%s.json", name);
}

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* The public JSON of a stored file (psk_set instead of psk). */
static json_t *conn_public(const char *buf, size_t len, const char *name)
{
	struct model_conn *c;
	struct model_err err;
	json_t *j = NULL;
	char *s;

	if (model_conn_parse(buf, len, name, &c, &err))
		return NULL;
	if ((s = model_conn_to_json(c)))
		j = json_loads(s, 0, NULL);
	free(s);
	model_conn_free(c);
	return j;
}

/* One item of the list: NULL if conns/NAME.json is unreadable or invalid. */
static json_t *conn_item(struct store *st, const char *name, void *arg)
{
	char rel[CONN_REL_LEN], *buf;
	size_t len;
	json_t *j;

	(void)arg;
	conn_rel(name, rel);
	if (store_read(st, rel, STORE_FILE_MAX, &buf, &len))
		return NULL;
	j = conn_public(buf, len, name);
	store_buf_free(buf, len);
	return j;
}

enum MHD_Result h_conns_list(struct req *rq)
{
	return reply_page_dir(rq, "conns", ".json", conn_item, NULL);
}

/* The stored document of rq_params[0] and its ETag; 404 queued if absent
 * (unless missing_ok: then GW_E_NOTFOUND and nothing queued). */
static int conn_read(struct req *rq, char **buf, size_t *len, char *etag, enum MHD_Result *ret,
		     bool missing_ok)
{
	char rel[CONN_REL_LEN];
	int r;

	if (!req_name_ok(rq, rq->rq_params[0], ret))
		return GW_E_INVAL;
	conn_rel(rq->rq_params[0], rel);
	r = store_read(rq->rq_md->md_store, rel, STORE_FILE_MAX, buf, len);
	if (r == GW_E_NOTFOUND && missing_ok)
		return r;
	if (r == GW_E_NOTFOUND)
		*ret = reply_problem(rq, 404, "not-found", NULL, "no connection '%s'",
				     rq->rq_params[0]);
	else if (r)
		*ret = reply_problem(rq, 500, "storage", NULL, "cannot read %s", rel);
	else
		store_etag(rq->rq_md->md_store, *buf, *len, etag);
	return r;
}

enum MHD_Result h_conns_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN], *buf;
	enum MHD_Result ret;
	size_t len;
	json_t *j;

	if (conn_read(rq, &buf, &len, etag, &ret, false))
		return ret;
	j = conn_public(buf, len, rq->rq_params[0]);
	store_buf_free(buf, len);
	if (!j)
		return reply_problem(rq, 500, "storage", NULL,
				     "conns/%s.json does not validate: fix or replace it",
				     rq->rq_params[0]);
	return reply_json(rq, 200, j, etag);
}

/*
 * Validate doc as the file it becomes and write it: the text is
 * serialised once and that same text is both validated and stored.
 * Caller holds the store lock. 0: answered with status.
 */
static enum MHD_Result conn_store(struct req *rq, json_t *doc, const char *name, unsigned status)
{
	struct model_conn *c = NULL;
	struct model_err err;
	char rel[CONN_REL_LEN], etag[STORE_ETAG_LEN], loc[128];
	enum MHD_Result ret;
	bool applied;
	char *s;
	json_t *pub;

	json_object_del(doc, "psk_set");
	if (!(s = json_dumps(doc, JSON_INDENT(2))))
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	if (model_conn_parse(s, strlen(s), name, &c, &err)) {
		wipe_free(s);
		return reply_model_err(rq, &err);
	}
	model_conn_free(c);
	conn_rel(name, rel);
	if (apply_change(rq, rel, s, strlen(s), 0600, &applied, &ret)) {
		wipe_free(s);
		return ret;
	}
	store_etag(rq->rq_md->md_store, s, strlen(s), etag);
	pub = conn_public(s, strlen(s), name);
	wipe_free(s);
	snprintf(loc, sizeof(loc), "/api/v1/connections/%s", name);
	return reply_json_ex(rq, status, pub, etag, status == 201 ? loc : NULL, applied);
}

enum MHD_Result h_conns_create(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char rel[CONN_REL_LEN];
	enum MHD_Result ret;
	const char *name;
	json_t *doc;

	if (!(doc = req_json_body(rq, "application/json", &ret)))
		return ret;
	name = json_string_value(json_object_get(doc, "name"));
	if (!json_is_object(doc) || !name) {
		json_decref(doc);
		return reply_problem(rq, 422, "validation", json_is_object(doc) ? "$.name" : "$",
				     json_is_object(doc) ? "required: the connection's name"
							 : "must be a JSON object");
	}
	if (!mg_name_ok(name)) {
		json_decref(doc);
		return reply_problem(rq, 422, "validation", "$.name",
				     "must be a name of 1-63 characters A-Z a-z 0-9 _ . - "
				     "(starting with a letter or digit)");
	}
	char nm[MODEL_NAME_LEN];

	snprintf(nm, sizeof(nm), "%s", name);
	conn_rel(nm, rel);
	store_lock(st);
	if (store_exists(st, rel))
		ret = reply_problem(rq, 409, "conflict", "$.name",
				    "connection '%s' exists: PUT or PATCH it instead", nm);
	else
		ret = conn_store(rq, doc, nm, 201);
	store_unlock(st);
	json_decref(doc);
	return ret;
}

/* The name in a body must be the one in the path (or absent). */
static bool body_name_ok(struct req *rq, json_t *doc, enum MHD_Result *ret)
{
	json_t *n = json_object_get(doc, "name");

	if (!json_is_object(doc)) {
		*ret = reply_problem(rq, 422, "validation", "$", "must be a JSON object");
		return false;
	}
	if (n && (!json_is_string(n) || strcmp(json_string_value(n), rq->rq_params[0]))) {
		*ret = reply_problem(rq, 422, "validation", "$.name",
				     "must match the name in the URL ('%s'): renaming is create + "
				     "delete",
				     rq->rq_params[0]);
		return false;
	}
	return true;
}

/* PUT without psk keeps the stored one (jansson's allocator wipes the
 * copies when they are freed). */
static void keep_psk(json_t *doc, const char *old, size_t old_len)
{
	json_t *o, *psk;

	if (json_object_get(doc, "psk") || !old)
		return;
	o = json_loadb(old, old_len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_string(psk = json_object_get(o, "psk")))
		json_object_set_new(doc, "psk",
				    json_stringn(json_string_value(psk), json_string_length(psk)));
	json_decref(o);
}

enum MHD_Result h_conns_replace(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], *old = NULL;
	enum MHD_Result ret;
	size_t old_len = 0;
	json_t *doc;
	int r;

	if (!req_name_ok(rq, rq->rq_params[0], &ret))
		return ret;
	if (!(doc = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (!body_name_ok(rq, doc, &ret)) {
		json_decref(doc);
		return ret;
	}
	json_object_set_new(doc, "name", json_string(rq->rq_params[0]));
	store_lock(st);
	r = conn_read(rq, &old, &old_len, etag, &ret, true);
	if (r && r != GW_E_NOTFOUND)
		goto out;
	if (!req_if_match(rq, r ? NULL : etag, &ret))
		goto out;
	keep_psk(doc, old, old_len);
	ret = conn_store(rq, doc, rq->rq_params[0], r ? 201 : 200);
out:
	store_unlock(st);
	store_buf_free(old, old_len);
	json_decref(doc);
	return ret;
}

enum MHD_Result h_conns_patch(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], *old = NULL;
	json_t *patch, *doc = NULL;
	enum MHD_Result ret;
	size_t old_len = 0;

	if (!(patch = req_json_body(rq, "application/merge-patch+json|application/json", &ret)))
		return ret;
	if (!body_name_ok(rq, patch, &ret)) {
		json_decref(patch);
		return ret;
	}
	store_lock(st);
	if (conn_read(rq, &old, &old_len, etag, &ret, false) || !req_if_match(rq, etag, &ret))
		goto out;
	if (!(doc = json_loadb(old, old_len, JSON_REJECT_DUPLICATES, NULL))) {
		ret = reply_problem(rq, 500, "storage", NULL, "the stored connection is not JSON");
		goto out;
	}
	json_object_del(patch, "psk_set");
	if (!(doc = merge_patch(doc, patch))) {
		ret = reply_problem(rq, 500, "internal", NULL, "out of memory");
		goto out;
	}
	json_object_set_new(doc, "name", json_string(rq->rq_params[0]));
	ret = conn_store(rq, doc, rq->rq_params[0], 200);
out:
	store_unlock(st);
	store_buf_free(old, old_len);
	json_decref(doc);
	json_decref(patch);
	return ret;
}

enum MHD_Result h_conns_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], rel[CONN_REL_LEN], *old = NULL;
	enum MHD_Result ret;
	size_t old_len = 0;
	bool applied;

	store_lock(st);
	if (conn_read(rq, &old, &old_len, etag, &ret, false) || !req_if_match(rq, etag, &ret))
		goto out;
	conn_rel(rq->rq_params[0], rel);
	if (!apply_change(rq, rel, NULL, 0, 0600, &applied, &ret))
		ret = reply_applied(rq, 204, applied);
out:
	store_unlock(st);
	store_buf_free(old, old_len);
	return ret;
}

enum MHD_Result h_conns_initiate(struct req *rq)
{
	struct gw_fail err;
	json_t *args, *res, *body = NULL, *v;
	enum MHD_Result ret;
	const char *key;
	int rc;

	if (!req_name_ok(rq, rq->rq_params[0], &ret))
		return ret;
	if (rq->rq_len && !(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (body && !json_is_object(body)) {
		json_decref(body);
		return reply_problem(rq, 422, "validation", "$", "must be a JSON object");
	}
	args = json_pack("{s:s}", "conn", rq->rq_params[0]);
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "conns/%s", rq->rq_params[0]);
	json_object_foreach(body, key, v)
	{
		if (!strcmp(key, "child") && json_is_string(v) &&
		    mg_name_ok(json_string_value(v))) {
			json_object_set(args, key, v);
		} else if (!strcmp(key, "wait") && json_is_boolean(v)) {
			json_object_set(args, key, v);
		} else {
			char path[80];

			snprintf(path, sizeof(path), "$.%.60s", key);
			json_decref(body);
			json_decref(args);
			return reply_problem(rq, 422, "validation", path,
					     "unknown member, or of the wrong type (child: a name, "
					     "wait: a boolean)");
		}
	}
	json_decref(body);
	rc = gw_call(rq->rq_md->md_gw, "initiate", args, GW_INITIATE_TIMEOUT_MS, &res, &err);
	live_invalidate(rq->rq_md->md_live);
	if (rc)
		return reply_gw_err(rq, &err);
	return reply_json(rq, 200, res, NULL);
}
