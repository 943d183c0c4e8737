/*
 * h_cas.c: /api/v1/cas, trust anchors: cas/NAME.pem holds a root and its
 * intermediates (what gatewayd loads as one CA "trust chain"), re-encoded
 * from the upload so no stray text reaches the file. A CRL per CA is kept
 * as cas/NAME.crl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"

#define REL_LEN (MODEL_NAME_LEN + 16)

static enum MHD_Result x509_problem(struct req *rq, const struct x509_err *err)
{
	return reply_problem(rq, 422, "validation", err->xe_path, "%s", err->xe_msg);
}

/* cas/NAME.crl: the store's error if unreadable (GW_E_NOTFOUND: absent),
 * GW_E_PARSE if it holds no CRL; etag (may be NULL) set once read. */
static int crl_load(struct store *st, const char *name, char *etag, X509_CRL **crl)
{
	char rel[REL_LEN], *buf;
	size_t len;
	BIO *b;
	int r;

	*crl = NULL;
	snprintf(rel, sizeof(rel), "cas/%s.crl", name);
	if ((r = store_read(st, rel, STORE_FILE_MAX, &buf, &len)))
		return r;
	if (etag)
		store_etag(st, buf, len, etag);
	if ((b = BIO_new_mem_buf(buf, (int)len)))
		*crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	store_buf_free(buf, len);
	return *crl ? 0 : GW_E_PARSE;
}

static json_t *crl_summary(struct store *st, const char *name)
{
	X509_CRL *crl;
	json_t *j;

	if (crl_load(st, name, NULL, &crl))
		return json_null();
	j = x509_crl_info(crl);
	json_object_del(j, "revoked_serials");
	X509_CRL_free(crl);
	return j;
}

static json_t *ca_json(struct store *st, const char *name, STACK_OF(X509) * sk)
{
	json_t *certs = json_array();

	for (int i = 0; certs && i < sk_X509_num(sk); i++)
		json_array_append_new(certs, x509_info(sk_X509_value(sk, i)));
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "name", name, "certificates", certs, "chain",
			 x509_chain_json(sk), "used_by", uses_find(st, USES_CA, name), "crl",
			 crl_summary(st, name));
}

/* One item of the list: NULL if cas/NAME.pem does not parse. */
static json_t *ca_item(struct store *st, const char *name, void *arg)
{
	STACK_OF(X509) * sk;
	json_t *j;

	(void)arg;
	if (pemobj_read_bundle(st, "cas", name, &sk, NULL))
		return NULL;
	j = ca_json(st, name, sk);
	sk_X509_pop_free(sk, X509_free);
	return j;
}

enum MHD_Result h_cas_list(struct req *rq)
{
	return reply_page_dir(rq, "cas", ".pem", ca_item, NULL);
}

enum MHD_Result h_cas_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN];
	STACK_OF(X509) * sk;
	enum MHD_Result ret;
	json_t *j;

	if (pemobj_read_path(rq, "cas", "CA", &sk, etag, &ret))
		return ret;
	j = ca_json(rq->rq_md->md_store, rq->rq_params[0], sk);
	sk_X509_pop_free(sk, X509_free);
	return reply_json(rq, 200, j, etag);
}

enum MHD_Result h_cas_create(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char rel[REL_LEN], etag[STORE_ETAG_LEN], loc[128], *pem_out = NULL;
	STACK_OF(X509) *sk = NULL;
	enum MHD_Result ret;
	const char *name;
	bool applied;
	json_t *doc;

	if (!(doc = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (!pemobj_check_body(rq, doc, NULL, &name, &ret) ||
	    pemobj_parse_upload(rq, doc, x509_ca_bundle_check, &sk, &pem_out, &ret))
		goto out;
	snprintf(rel, sizeof(rel), "cas/%s.pem", name);
	store_lock(st);
	if (store_exists(st, rel)) {
		ret = reply_problem(rq, 409, "conflict", "$.name",
				    "CA '%s' exists: delete it first to replace it", name);
	} else if (!apply_change(rq, rel, pem_out, strlen(pem_out), 0644, &applied, &ret)) {
		store_etag(st, pem_out, strlen(pem_out), etag);
		snprintf(loc, sizeof(loc), "/api/v1/cas/%s", name);
		ret = reply_json_ex(rq, 201, ca_json(st, name, sk), etag, loc, applied);
	}
	store_unlock(st);
out:
	free(pem_out);
	sk_X509_pop_free(sk, X509_free);
	json_decref(doc);
	return ret;
}

enum MHD_Result h_cas_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], rel[REL_LEN];
	STACK_OF(X509) *sk = NULL;
	enum MHD_Result ret;
	json_t *users = NULL;
	bool applied;

	store_lock(st);
	if (pemobj_read_path(rq, "cas", "CA", &sk, etag, &ret) || !req_if_match(rq, etag, &ret))
		goto out;
	users = uses_find(st, USES_CA, rq->rq_params[0]);
	if (json_array_size(users)) {
		ret = reply_problem(rq, 409, "in-use", NULL,
				    "CA '%s' is the trust anchor of %zu connection(s), e.g. '%s': "
				    "change them first",
				    rq->rq_params[0], json_array_size(users),
				    json_string_value(json_array_get(users, 0)));
		goto out;
	}
	snprintf(rel, sizeof(rel), "cas/%s.crl", rq->rq_params[0]);
	store_remove(st, rel);
	snprintf(rel, sizeof(rel), "cas/%s.pem", rq->rq_params[0]);
	if (!apply_change(rq, rel, NULL, 0, 0644, &applied, &ret))
		ret = reply_applied(rq, 204, applied);
out:
	store_unlock(st);
	json_decref(users);
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

enum MHD_Result h_cas_crl_put(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], rel[REL_LEN], *out_pem = NULL;
	STACK_OF(X509) *sk = NULL;
	X509_CRL *crl = NULL;
	struct x509_err xerr;
	enum MHD_Result ret;
	json_t *doc, *pem;

	if (!(doc = req_json_body(rq, "application/json", &ret)))
		return ret;
	pem = json_object_get(doc, "pem");
	if (!json_is_object(doc) || json_object_size(doc) != 1 || !json_is_string(pem)) {
		ret = reply_problem(rq, 422, "validation", "$.pem",
				    "the body is {\"pem\": \"-----BEGIN X509 CRL-----...\"}");
		goto out;
	}
	store_lock(st);
	if (pemobj_read_path(rq, "cas", "CA", &sk, NULL, &ret))
		goto unlock;
	if (x509_crl_parse(json_string_value(pem), json_string_length(pem), sk, &crl, &xerr)) {
		ret = x509_problem(rq, &xerr);
		goto unlock;
	}
	snprintf(rel, sizeof(rel), "cas/%s.crl", rq->rq_params[0]);
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "%s", rel);
	if (!(out_pem = x509_crl_pem(crl)) ||
	    store_write(st, rel, out_pem, strlen(out_pem), 0644)) {
		ret = reply_problem(rq, 500, "storage", NULL, "could not write %s", rel);
		goto unlock;
	}
	store_etag(st, out_pem, strlen(out_pem), etag);
	ret = reply_json(rq, 200, x509_crl_info(crl), etag);
unlock:
	store_unlock(st);
out:
	free(out_pem);
	X509_CRL_free(crl);
	sk_X509_pop_free(sk, X509_free);
	json_decref(doc);
	return ret;
}

/* cas/NAME.crl of the path parameter; 404 answered when absent. */
static X509_CRL *crl_of_path(struct req *rq, char *etag, enum MHD_Result *ret)
{
	X509_CRL *crl;
	int r;

	if (!req_name_ok(rq, rq->rq_params[0], ret))
		return NULL;
	r = crl_load(rq->rq_md->md_store, rq->rq_params[0], etag, &crl);
	if (r == GW_E_PARSE)
		*ret = reply_problem(rq, 500, "storage", NULL, "cas/%s.crl does not parse",
				     rq->rq_params[0]);
	else if (r)
		*ret = reply_problem(rq, 404, "not-found", NULL, "CA '%s' has no CRL",
				     rq->rq_params[0]);
	return crl;
}

enum MHD_Result h_cas_crl_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN];
	enum MHD_Result ret;
	X509_CRL *crl;
	json_t *j;

	if (!(crl = crl_of_path(rq, etag, &ret)))
		return ret;
	j = x509_crl_info(crl);
	X509_CRL_free(crl);
	return reply_json(rq, 200, j, etag);
}

enum MHD_Result h_cas_crl_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], rel[REL_LEN];
	enum MHD_Result ret;
	X509_CRL *crl;

	store_lock(st);
	if ((crl = crl_of_path(rq, etag, &ret)) && req_if_match(rq, etag, &ret)) {
		snprintf(rel, sizeof(rel), "cas/%s.crl", rq->rq_params[0]);
		snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "%s", rel);
		ret = store_remove(st, rel)
			      ? reply_problem(rq, 500, "storage", NULL, "could not remove %s", rel)
			      : reply_empty(rq, 204);
	}
	store_unlock(st);
	X509_CRL_free(crl);
	return ret;
}
