/*
 * h_eap.c: /api/v1/eap-users. eap-users.json (0600) is validated as a
 * whole with model_eap_users_parse() (api/model, the gateway's own
 * parser) before every write. Secrets (password or nt_hash) are accepted
 * and never returned: a user shows "secret_set", "secret_type" and
 * "secret_changed" (mgmtd records the time in "changed"). They are never
 * logged either: the audit log names the identity only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define EAP_FILE "eap-users.json"

static json_t *user_public(json_t *u)
{
	json_t *m = json_object_get(u, "method"), *ch = json_object_get(u, "changed");
	bool pw = json_object_get(u, "password") != NULL,
	     nt = json_object_get(u, "nt_hash") != NULL;
	char t[32];

	if (json_is_integer(ch))
		mg_time_str(json_integer_value(ch), t, sizeof(t));
	return json_pack("{s:O, s:s, s:b, s:o, s:o}", "identity", json_object_get(u, "identity"),
			 "method", json_is_string(m) ? json_string_value(m) : "any", "secret_set",
			 pw || nt, "secret_type",
			 pw   ? json_string("password")
			 : nt ? json_string("nt_hash")
			      : json_null(),
			 "secret_changed", json_is_integer(ch) ? json_string(t) : json_null());
}

/* doc as the file's text (*s: listfile_wipe_free it), checked as the
 * gateway will read it: 0, or the model's error in err. Out of memory:
 * 500 queued and *s NULL. */
static int eap_check(struct req *rq, json_t *doc, char **s, struct model_err *err,
		     enum MHD_Result *ret)
{
	struct model_eap_users *us = NULL;
	int r;

	if (!(*s = listfile_dump(doc))) {
		*ret = reply_problem(rq, 500, "internal", NULL, "out of memory");
		return GW_E_NOMEM;
	}
	r = model_eap_users_parse(*s, strlen(*s), &us, err);
	model_eap_users_free(us);
	return r;
}

/* Validate the whole file as the gateway will read it, then apply. Caller
 * holds the store lock. */
static int eap_save(struct req *rq, json_t *doc, long focus, bool *applied, enum MHD_Result *ret)
{
	struct model_err err;
	char *s;
	int r;

	if ((r = eap_check(rq, doc, &s, &err, ret))) {
		if (!s)
			return r;
		listfile_wipe_free(s);
		/* an error in the user the request is about: a path into the body */
		if (focus >= 0)
			listfile_err_focus(&err, (size_t)focus);
		*ret = reply_model_err(rq, &err);
		return r;
	}
	r = apply_change(rq, EAP_FILE, s, strlen(s), 0600, applied, ret);
	listfile_wipe_free(s);
	return r;
}

static int eap_read(struct req *rq, json_t **doc, enum MHD_Result *ret)
{
	int r = listfile_read(rq->rq_md->md_store, EAP_FILE, doc);

	if (r)
		*ret = reply_problem(rq, 500, "storage", NULL, EAP_FILE " cannot be read");
	return r;
}

/* jansson's allocator wipes what it frees (model_json_wipe_init at start-up):
 * dropping the document drops the secrets' copies. */
static void doc_free(json_t *doc)
{
	json_decref(doc);
}

enum MHD_Result h_eap_list(struct req *rq)
{
	enum MHD_Result ret;
	size_t off, lim, i;
	json_t *doc, *items, *u;

	if (!req_page(rq, &off, &lim, &ret) || eap_read(rq, &doc, &ret))
		return ret;
	items = json_array();
	json_array_foreach(doc, i, u)
	{
		if (items)
			json_array_append_new(items, user_public(u));
	}
	doc_free(doc);
	return reply_page(rq, items, off, lim);
}

enum MHD_Result h_eap_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN];
	enum MHD_Result ret;
	json_t *doc, *u;

	if (eap_read(rq, &doc, &ret))
		return ret;
	if (!(u = listfile_find(doc, "identity", rq->rq_params[0], NULL))) {
		doc_free(doc);
		return reply_problem(rq, 404, "not-found", NULL, "no EAP user with that identity");
	}
	listfile_etag(rq->rq_md->md_store, u, etag);
	ret = reply_json(rq, 200, user_public(u), etag);
	doc_free(doc);
	return ret;
}

/* A user object from a body: known members only; the secret, if any,
 * stamped with the time. */
static json_t *user_from_body(struct req *rq, json_t *body, enum MHD_Result *ret)
{
	static const char *const known[] = { "identity", "method", "password", "nt_hash", NULL };
	const char *key;
	json_t *v, *u;

	if (!json_is_object(body)) {
		*ret = reply_problem(rq, 422, "validation", "$", "must be a JSON object");
		return NULL;
	}
	json_object_foreach(body, key, v)
	{
		bool ok = false;

		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(*k, key);
		if (!ok) {
			char p[80];

			snprintf(p, sizeof(p), "$.%.60s", key);
			*ret = reply_problem(
				rq, 422, "validation", p,
				"unknown member (identity, method, password, nt_hash)");
			return NULL;
		}
	}
	u = json_deep_copy(body);
	if (u && (json_object_get(u, "password") || json_object_get(u, "nt_hash")))
		json_object_set_new(u, "changed", json_integer((json_int_t)time(NULL)));
	return u;
}

static void user_location(const char *id, char *loc, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = (size_t)snprintf(loc, len, "/api/v1/eap-users/");

	for (const unsigned char *p = (const unsigned char *)id; *p && o + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~@", *p)) {
			loc[o++] = (char)*p;
		} else {
			loc[o++] = '%';
			loc[o++] = hex[*p >> 4];
			loc[o++] = hex[*p & 15];
		}
	}
	loc[o] = '\0';
}

static enum MHD_Result eap_answer(struct req *rq, json_t *u, unsigned status, bool applied)
{
	char etag[STORE_ETAG_LEN], loc[1200];

	listfile_etag(rq->rq_md->md_store, u, etag);
	user_location(json_string_value(json_object_get(u, "identity")) ?: "", loc, sizeof(loc));
	return reply_json_ex(rq, status, user_public(u), etag, status == 201 ? loc : NULL, applied);
}

enum MHD_Result h_eap_create(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	json_t *body, *doc = NULL, *u = NULL;
	enum MHD_Result ret;
	const char *id;
	bool applied;

	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (!(u = user_from_body(rq, body, &ret)))
		goto out;
	if (!(id = json_string_value(json_object_get(u, "identity")))) {
		ret = reply_problem(rq, 422, "validation", "$.identity", "required (a string)");
		goto out;
	}
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), EAP_FILE "#%.100s", id);
	store_lock(st);
	if (eap_read(rq, &doc, &ret))
		goto unlock;
	if (listfile_find(doc, "identity", id, NULL)) {
		ret = reply_problem(rq, 409, "conflict", "$.identity",
				    "an EAP user with this identity exists: PUT to replace it");
		goto unlock;
	}
	json_array_append(doc, u);
	if (!eap_save(rq, doc, (long)json_array_size(doc) - 1, &applied, &ret))
		ret = eap_answer(rq, u, 201, applied);
unlock:
	store_unlock(st);
out:
	doc_free(doc);
	json_decref(u);
	json_decref(body);
	return ret;
}

/* PUT without a secret keeps the stored one and its time. */
static void keep_secret(json_t *u, json_t *old)
{
	static const char *const keys[] = { "password", "nt_hash", "changed" };

	if (!old || json_object_get(u, "password") || json_object_get(u, "nt_hash"))
		return;
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(old, keys[i]);

		if (v)
			json_object_set(u, keys[i], v);
	}
}

enum MHD_Result h_eap_replace(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	json_t *body, *doc = NULL, *u = NULL, *old, *bid;
	enum MHD_Result ret;
	size_t idx;
	bool applied;

	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (!(u = user_from_body(rq, body, &ret)))
		goto out;
	bid = json_object_get(u, "identity");
	if (bid && (!json_is_string(bid) || strcmp(json_string_value(bid), rq->rq_params[0]))) {
		ret = reply_problem(rq, 422, "validation", "$.identity",
				    "must match the identity in the URL");
		goto out;
	}
	json_object_set_new(u, "identity", json_string(rq->rq_params[0]));
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), EAP_FILE "#%.100s", rq->rq_params[0]);
	store_lock(st);
	if (eap_read(rq, &doc, &ret))
		goto unlock;
	old = listfile_find(doc, "identity", rq->rq_params[0], &idx);
	if (!listfile_if_match(rq, old, &ret))
		goto unlock;
	keep_secret(u, old);
	idx = listfile_put(doc, old, idx, u);
	if (!eap_save(rq, doc, (long)idx, &applied, &ret))
		ret = eap_answer(rq, u, old ? 200 : 201, applied);
unlock:
	store_unlock(st);
out:
	doc_free(doc);
	json_decref(u);
	json_decref(body);
	return ret;
}

enum MHD_Result h_eap_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	enum MHD_Result ret;
	json_t *doc = NULL, *old;
	size_t idx;
	bool applied;

	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), EAP_FILE "#%.100s", rq->rq_params[0]);
	store_lock(st);
	if (eap_read(rq, &doc, &ret))
		goto out;
	if (!(old = listfile_find(doc, "identity", rq->rq_params[0], &idx))) {
		ret = reply_problem(rq, 404, "not-found", NULL, "no EAP user with that identity");
		goto out;
	}
	if (!listfile_if_match(rq, old, &ret))
		goto out;
	json_array_remove(doc, idx);
	if (!eap_save(rq, doc, -1, &applied, &ret))
		ret = reply_applied(rq, 204, applied);
out:
	store_unlock(st);
	doc_free(doc);
	return ret;
}

/* The import's own users validated alone, so an error names its index in
 * the request ("$.users[3].nt_hash"), not in the merged file. */
static bool import_check(struct req *rq, json_t *users, enum MHD_Result *ret)
{
	struct model_err err;
	char *s;
	int r = eap_check(rq, users, &s, &err, ret);

	if (!s)
		return false;
	listfile_wipe_free(s);
	if (!r)
		return true;
	char path[sizeof(err.me_path) + 16];

	snprintf(path, sizeof(path), "$.users%.*s", (int)sizeof(err.me_path) - 1, err.me_path + 1);
	*ret = reply_problem(rq, 422, "validation", path, "%s", err.me_msg);
	return false;
}

/* {"mode": "merge" | "replace", "users": [...]}: merge adds and replaces
 * by identity; replace makes the file exactly the list. */
enum MHD_Result h_eap_import(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	json_t *body, *users, *doc = NULL, *u;
	const char *mode, *key;
	enum MHD_Result ret;
	size_t i, created = 0, replaced = 0;
	bool applied;
	json_t *v;

	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	users = json_object_get(body, "users");
	mode = json_string_value(json_object_get(body, "mode")) ?: "merge";
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "users") && strcmp(key, "mode")) {
			ret = reply_problem(rq, 422, "validation", "$", "unknown member '%.60s'",
					    key);
			goto out;
		}
	}
	if (!json_is_array(users) || (strcmp(mode, "merge") && strcmp(mode, "replace"))) {
		ret = reply_problem(
			rq, 422, "validation", json_is_array(users) ? "$.mode" : "$.users",
			"the body is {\"mode\": \"merge\"|\"replace\", \"users\": [...]}");
		goto out;
	}
	json_array_foreach(users, i, u)
	{
		if (json_is_object(u) &&
		    (json_object_get(u, "password") || json_object_get(u, "nt_hash")))
			json_object_set_new(u, "changed", json_integer((json_int_t)time(NULL)));
	}
	if (!import_check(rq, users, &ret))
		goto out;
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), EAP_FILE " (import, %s, %zu users)",
		 mode, json_array_size(users));
	store_lock(st);
	if (eap_read(rq, &doc, &ret))
		goto unlock;
	if (!strcmp(mode, "replace"))
		json_array_clear(doc);
	json_array_foreach(users, i, u)
	{
		size_t idx = 0;
		json_t *old = listfile_find(
			doc, "identity", json_string_value(json_object_get(u, "identity")), &idx);

		listfile_put(doc, old, idx, u);
		if (old)
			replaced++;
		else
			created++;
	}
	if (!eap_save(rq, doc, -1, &applied, &ret))
		ret = reply_json_ex(rq, 200,
				    json_pack("{s:I, s:I, s:I}", "created", (json_int_t)created,
					      "replaced", (json_int_t)replaced, "total",
					      (json_int_t)json_array_size(doc)),
				    NULL, NULL, applied);
unlock:
	store_unlock(st);
out:
	doc_free(doc);
	json_decref(body);
	return ret;
}
