/*
 * pemobj.c: what /api/v1/cas and /api/v1/certs share: DIR/NAME.pem holds
 * a certificate bundle (h_cas.c: a trust chain, h_certs.c: our certificate
 * and its intermediates), read back and checked the same way, and an
 * upload is the same {"name", "pem", ...} object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"

#define REL_LEN (MODEL_NAME_LEN + 16)

int pemobj_read_bundle(struct store *st, const char *dir, const char *name, STACK_OF(X509) * *sk,
		       char *etag)
{
	char rel[REL_LEN], *buf;
	struct x509_err err;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "%s/%s.pem", dir, name);
	if ((r = store_read(st, rel, STORE_FILE_MAX, &buf, &len)))
		return r;
	if (etag)
		store_etag(st, buf, len, etag);
	r = x509_bundle_parse(buf, len, sk, &err);
	store_buf_free(buf, len);
	return r;
}

int pemobj_read_path(struct req *rq, const char *dir, const char *what, STACK_OF(X509) * *sk,
		     char *etag, enum MHD_Result *ret)
{
	int r;

	if (!req_name_ok(rq, rq->rq_params[0], ret))
		return GW_E_INVAL;
	r = pemobj_read_bundle(rq->rq_md->md_store, dir, rq->rq_params[0], sk, etag);
	if (r == GW_E_NOTFOUND)
		*ret = reply_problem(rq, 404, "not-found", NULL, "no %s '%s'", what,
				     rq->rq_params[0]);
	else if (r)
		*ret = reply_problem(rq, 500, "storage", NULL, "%s/%s.pem does not parse", dir,
				     rq->rq_params[0]);
	return r;
}

/* One member: a known key (name, pem or one of extra) with a string value. */
static bool pemobj_check_member(struct req *rq, const char *key, json_t *v,
				const char *const *extra, enum MHD_Result *ret)
{
	bool known = !strcmp(key, "name") || !strcmp(key, "pem");
	char p[80];

	for (const char *const *e = extra; e && *e; e++)
		known |= !strcmp(key, *e);
	snprintf(p, sizeof(p), "$.%.60s", key);
	if (!known) {
		*ret = reply_problem(rq, 422, "validation", p, "unknown member");
		return false;
	}
	if (!json_is_string(v)) {
		*ret = reply_problem(rq, 422, "validation", p, "must be a string");
		return false;
	}
	return true;
}

bool pemobj_check_body(struct req *rq, json_t *doc, const char *const *extra, const char **name,
		       enum MHD_Result *ret)
{
	const char *key, *pem;
	json_t *v;

	if (!json_is_object(doc)) {
		*ret = reply_problem(rq, 422, "validation", "$", "must be a JSON object");
		return false;
	}
	json_object_foreach(doc, key, v)
	{
		if (!pemobj_check_member(rq, key, v, extra, ret))
			return false;
	}
	*name = json_string_value(json_object_get(doc, "name"));
	pem = json_string_value(json_object_get(doc, "pem"));
	if (!*name || !pem) {
		*ret = reply_problem(rq, 422, "validation", *name ? "$.pem" : "$.name", "required");
		return false;
	}
	if (!mg_name_ok(*name)) {
		*ret = reply_problem(rq, 422, "validation", "$.name",
				     "must be a name of 1-63 characters A-Z a-z 0-9 _ . - "
				     "(starting with a letter or digit)");
		return false;
	}
	return true;
}

int pemobj_parse_upload(struct req *rq, json_t *doc, pemobj_check_fn check, STACK_OF(X509) * *sk,
			char **pem_out, enum MHD_Result *ret)
{
	json_t *pem = json_object_get(doc, "pem");
	struct x509_err xerr;

	*sk = NULL;
	*pem_out = NULL;
	if (x509_bundle_parse(json_string_value(pem), json_string_length(pem), sk, &xerr) ||
	    check(*sk, &xerr)) {
		*ret = reply_problem(rq, 422, "validation", xerr.xe_path, "%s", xerr.xe_msg);
		return GW_E_INVAL;
	}
	if (!(*pem_out = x509_bundle_pem(*sk))) {
		*ret = reply_problem(rq, 500, "internal", NULL, "out of memory");
		return GW_E_NOMEM;
	}
	return 0;
}
