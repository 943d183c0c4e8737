/*
 * h_pools.c: /api/v1/pools. pools.json is validated as a whole with
 * model_pools_parse() (overlaps across pools are the model's business).
 * Current leases are the gateway's (list-leases, api/control.md 5.7a),
 * each with the IKE SA that holds its address (list-sas, remote.vips) when
 * there is one; with the gateway down, "leased" and "leases" are null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define POOLS_FILE "pools.json"

/* What the gateway says about leases now (both NULL: it is down). */
struct live_leases {
	json_t *ll_leases; /* list-leases */
	json_t *ll_sas;    /* list-sas; NULL if that failed alone */
};

/* The IKE SA that assigned addr to its peer, or NULL. */
static json_t *sa_of_vip(json_t *sas, const char *addr)
{
	json_t *sa, *vip;
	size_t i, j;

	json_array_foreach(json_object_get(sas, "ike_sas"), i, sa)
	{
		json_array_foreach(json_object_get(json_object_get(sa, "remote"), "vips"), j, vip)
		{
			if (!strcmp(json_string_value(vip) ?: "", addr))
				return sa;
		}
	}
	return NULL;
}

static json_t *lease_public(json_t *l, json_t *sas)
{
	json_t *addr = json_object_get(l, "addr");
	json_t *sa = sa_of_vip(sas, json_string_value(addr) ?: "");

	return json_pack("{s:O, s:O, s:O, s:b, s:O, s:O}", "address", addr ?: json_null(),
			 "identity", json_object_get(l, "identity") ?: json_null(), "since",
			 json_object_get(l, "since") ?: json_null(), "retired",
			 json_is_true(json_object_get(l, "retired")), "ike_uid",
			 sa ? json_object_get(sa, "uid") : json_null(), "connection",
			 sa ? json_object_get(sa, "name") : json_null());
}

/* The gateway's pool of this name (NULL: it has not loaded it, yet). */
static json_t *gw_pool(const struct live_leases *ll, const char *name)
{
	json_t *gp;
	size_t i;

	json_array_foreach(json_object_get(ll->ll_leases, "pools"), i, gp)
	{
		if (!strcmp(json_string_value(json_object_get(gp, "name")) ?: "", name))
			return gp;
	}
	return NULL;
}

static json_t *pool_public(json_t *raw, const struct model_pool *p, const struct live_leases *ll)
{
	json_t *j = json_deep_copy(raw), *gp, *a, *l;
	size_t i;

	json_object_set_new(j, "size", json_integer((json_int_t)p->p_size));
	if (!ll->ll_leases) {
		json_object_set_new(j, "leased", json_null());
		json_object_set_new(j, "leases", json_null());
		return j;
	}
	gp = gw_pool(ll, json_string_value(json_object_get(raw, "name")) ?: "");
	a = json_array();
	json_array_foreach(json_object_get(gp, "leases"), i, l)
		json_array_append_new(a, lease_public(l, ll->ll_sas));
	json_object_set_new(j, "leased",
			    json_integer(json_integer_value(json_object_get(gp, "leased"))));
	json_object_set_new(j, "leases", a);
	return j;
}

/* The file as raw document and as model; 500 answered if broken. */
static int pools_read(struct req *rq, json_t **doc, struct model_pools **mp, enum MHD_Result *ret)
{
	struct model_err err;
	char *s;
	int r;

	*mp = NULL;
	if ((r = listfile_read(rq->rq_md->md_store, POOLS_FILE, doc))) {
		*ret = reply_problem(rq, 500, "storage", NULL, POOLS_FILE " cannot be read");
		return r;
	}
	s = listfile_dump(*doc);
	if (!s || model_pools_parse(s, strlen(s), mp, &err)) {
		free(s);
		json_decref(*doc);
		*doc = NULL;
		*ret = reply_problem(rq, 500, "storage", NULL, POOLS_FILE " does not validate");
		return GW_E_INVAL;
	}
	free(s);
	return 0;
}

static void live_leases_get(struct req *rq, struct live_leases *ll)
{
	struct gw_fail err;

	ll->ll_sas = NULL;
	if (live_get(rq->rq_md, LIVE_LEASES, &ll->ll_leases, &err))
		return;
	if (live_get(rq->rq_md, LIVE_SAS, &ll->ll_sas, &err))
		ll->ll_sas = NULL;
}

static void live_leases_put(struct live_leases *ll)
{
	json_decref(ll->ll_leases);
	json_decref(ll->ll_sas);
}

enum MHD_Result h_pools_list(struct req *rq)
{
	struct model_pools *mp;
	enum MHD_Result ret;
	struct live_leases ll;
	json_t *doc, *items, *raw;
	size_t off, lim, i;

	if (!req_page(rq, &off, &lim, &ret) || pools_read(rq, &doc, &mp, &ret))
		return ret;
	live_leases_get(rq, &ll);
	items = json_array();
	json_array_foreach(doc, i, raw)
	{
		const struct model_pool *p =
			model_pools_find(mp, json_string_value(json_object_get(raw, "name")));

		if (p && items)
			json_array_append_new(items, pool_public(raw, p, &ll));
	}
	live_leases_put(&ll);
	json_decref(doc);
	model_pools_free(mp);
	return reply_page(rq, items, off, lim);
}

enum MHD_Result h_pools_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN];
	struct model_pools *mp;
	enum MHD_Result ret;
	struct live_leases ll;
	json_t *doc, *raw;

	if (!req_name_ok(rq, rq->rq_params[0], &ret) || pools_read(rq, &doc, &mp, &ret))
		return ret;
	if (!(raw = listfile_find(doc, "name", rq->rq_params[0], NULL))) {
		ret = reply_problem(rq, 404, "not-found", NULL, "no pool '%s'", rq->rq_params[0]);
	} else {
		listfile_etag(rq->rq_md->md_store, raw, etag);
		live_leases_get(rq, &ll);
		ret = reply_json(rq, 200,
				 pool_public(raw, model_pools_find(mp, rq->rq_params[0]), &ll),
				 etag);
		live_leases_put(&ll);
	}
	json_decref(doc);
	model_pools_free(mp);
	return ret;
}

/* Validate the whole file, write, apply; answer with the pool. Caller
 * holds the store lock. focus: the index of the pool the request is about. */
static enum MHD_Result pools_save(struct req *rq, json_t *doc, size_t focus, unsigned status)
{
	struct model_pools *mp = NULL;
	struct model_err err;
	char etag[STORE_ETAG_LEN], loc[128], *s = listfile_dump(doc);
	json_t *raw = json_array_get(doc, focus);
	enum MHD_Result ret;
	bool applied;

	if (!s)
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	if (model_pools_parse(s, strlen(s), &mp, &err)) {
		free(s);
		listfile_err_focus(&err, focus);
		return reply_model_err(rq, &err);
	}
	if (!apply_change(rq, POOLS_FILE, s, strlen(s), 0644, &applied, &ret)) {
		const char *name = json_string_value(json_object_get(raw, "name"));
		struct live_leases ll;

		live_leases_get(rq, &ll);
		listfile_etag(rq->rq_md->md_store, raw, etag);
		snprintf(loc, sizeof(loc), "/api/v1/pools/%s", name);
		ret = reply_json_ex(rq, status, pool_public(raw, model_pools_find(mp, name), &ll),
				    etag, status == 201 ? loc : NULL, applied);
		live_leases_put(&ll);
	}
	free(s);
	model_pools_free(mp);
	return ret;
}

enum MHD_Result h_pools_create(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	json_t *body, *doc = NULL;
	struct model_pools *mp = NULL;
	enum MHD_Result ret;
	const char *name;

	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	name = json_string_value(json_object_get(body, "name"));
	if (!json_is_object(body) || !name || !mg_name_ok(name)) {
		ret = reply_problem(
			rq, 422, "validation", json_is_object(body) ? "$.name" : "$",
			"a pool object with a valid name (1-63 characters A-Z a-z 0-9 _ "
			". -) is required");
		goto out;
	}
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), POOLS_FILE "#%s", name);
	store_lock(st);
	if (!pools_read(rq, &doc, &mp, &ret)) {
		if (listfile_find(doc, "name", name, NULL)) {
			ret = reply_problem(rq, 409, "conflict", "$.name",
					    "pool '%s' exists: PUT to replace it", name);
		} else {
			json_array_append(doc, body);
			ret = pools_save(rq, doc, json_array_size(doc) - 1, 201);
		}
	}
	store_unlock(st);
out:
	model_pools_free(mp);
	json_decref(doc);
	json_decref(body);
	return ret;
}

enum MHD_Result h_pools_replace(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	json_t *body, *doc = NULL, *old, *n;
	struct model_pools *mp = NULL;
	enum MHD_Result ret;
	size_t idx;

	if (!req_name_ok(rq, rq->rq_params[0], &ret))
		return ret;
	if (!(body = req_json_body(rq, "application/json", &ret)))
		return ret;
	n = json_object_get(body, "name");
	if (!json_is_object(body) ||
	    (n && (!json_is_string(n) || strcmp(json_string_value(n), rq->rq_params[0])))) {
		ret = reply_problem(rq, 422, "validation", json_is_object(body) ? "$.name" : "$",
				    "a pool object whose name, if given, is the one in the URL");
		goto out;
	}
	json_object_set_new(body, "name", json_string(rq->rq_params[0]));
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), POOLS_FILE "#%s", rq->rq_params[0]);
	store_lock(st);
	if (!pools_read(rq, &doc, &mp, &ret)) {
		old = listfile_find(doc, "name", rq->rq_params[0], &idx);
		if (listfile_if_match(rq, old, &ret)) {
			idx = listfile_put(doc, old, idx, body);
			ret = pools_save(rq, doc, idx, old ? 200 : 201);
		}
	}
	store_unlock(st);
out:
	model_pools_free(mp);
	json_decref(doc);
	json_decref(body);
	return ret;
}

enum MHD_Result h_pools_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	struct model_pools *mp = NULL;
	enum MHD_Result ret;
	json_t *doc = NULL, *old, *users = NULL;
	bool applied;
	size_t idx;
	char *s = NULL;

	if (!req_name_ok(rq, rq->rq_params[0], &ret))
		return ret;
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), POOLS_FILE "#%s", rq->rq_params[0]);
	store_lock(st);
	if (pools_read(rq, &doc, &mp, &ret))
		goto out;
	if (!(old = listfile_find(doc, "name", rq->rq_params[0], &idx))) {
		ret = reply_problem(rq, 404, "not-found", NULL, "no pool '%s'", rq->rq_params[0]);
		goto out;
	}
	if (!listfile_if_match(rq, old, &ret))
		goto out;
	users = uses_find(st, USES_POOL, rq->rq_params[0]);
	if (json_array_size(users)) {
		ret = reply_problem(rq, 409, "in-use", NULL,
				    "pool '%s' is used by %zu connection(s), e.g. '%s'",
				    rq->rq_params[0], json_array_size(users),
				    json_string_value(json_array_get(users, 0)));
		goto out;
	}
	json_array_remove(doc, idx);
	if (!(s = listfile_dump(doc)))
		ret = reply_problem(rq, 500, "internal", NULL, "out of memory");
	else if (!apply_change(rq, POOLS_FILE, s, strlen(s), 0644, &applied, &ret))
		ret = reply_applied(rq, 204, applied);
out:
	store_unlock(st);
	free(s);
	json_decref(users);
	json_decref(doc);
	model_pools_free(mp);
	return ret;
}
