/*
 * h_certs.c: /api/v1/certs, the gateway's own certificates: certs/NAME.pem
 * (end entity first, then its intermediates) as gatewayd loads them. The
 * private key never crosses this API: an upload names where the key is
 * (a PKCS#11 URI, RFC 7512), kept in mgmt/cert-keys.json, and a PEM with a
 * PRIVATE KEY block is refused. Connections that use a certificate show
 * the key reference they sign with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"

#define REL_LEN   (MODEL_NAME_LEN + 16)
#define KEYS_FILE STORE_MGMT "/cert-keys.json"

static json_t *keys_read(struct store *st)
{
	char *buf;
	size_t len;
	json_t *j = NULL;

	if (!store_read(st, KEYS_FILE, STORE_FILE_MAX, &buf, &len)) {
		j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
		store_buf_free(buf, len);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

static int keys_set(struct store *st, const char *name, const char *uri)
{
	json_t *j = keys_read(st);
	char *s;
	int r;

	if (uri)
		json_object_set_new(j, name, json_string(uri));
	else
		json_object_del(j, name);
	s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (!s)
		return GW_E_NOMEM;
	r = store_write(st, KEYS_FILE, s, strlen(s), 0600);
	free(s);
	return r;
}

static json_t *cert_json(struct store *st, const char *name, STACK_OF(X509) * sk, json_t *keys)
{
	json_t *chain = json_array(), *key = json_object_get(keys, name);

	for (int i = 1; chain && i < sk_X509_num(sk); i++)
		json_array_append_new(chain, x509_info(sk_X509_value(sk, i)));
	return json_pack("{s:s, s:o, s:o, s:O, s:o}", "name", name, "certificate",
			 x509_info(sk_X509_value(sk, 0)), "intermediates", chain, "key",
			 key ? key : json_null(), "used_by", uses_find(st, USES_CERT, name));
}

/* One item of the list (arg: the key references); NULL if
 * certs/NAME.pem does not parse. */
static json_t *cert_item(struct store *st, const char *name, void *arg)
{
	STACK_OF(X509) * sk;
	json_t *j;

	if (pemobj_read_bundle(st, "certs", name, &sk, NULL))
		return NULL;
	j = cert_json(st, name, sk, arg);
	sk_X509_pop_free(sk, X509_free);
	return j;
}

enum MHD_Result h_certs_list(struct req *rq)
{
	json_t *keys = keys_read(rq->rq_md->md_store);
	enum MHD_Result ret = reply_page_dir(rq, "certs", ".pem", cert_item, keys);

	json_decref(keys);
	return ret;
}

enum MHD_Result h_certs_get(struct req *rq)
{
	char etag[STORE_ETAG_LEN];
	STACK_OF(X509) * sk;
	enum MHD_Result ret;
	json_t *j, *keys;

	if (pemobj_read_path(rq, "certs", "certificate", &sk, etag, &ret))
		return ret;
	keys = keys_read(rq->rq_md->md_store);
	j = cert_json(rq->rq_md->md_store, rq->rq_params[0], sk, keys);
	json_decref(keys);
	sk_X509_pop_free(sk, X509_free);
	return reply_json(rq, 200, j, etag);
}

/* {"name", "pem", "key"?}: key a pkcs11: URI. */
static bool cert_body(struct req *rq, json_t *doc, const char **name, const char **key,
		      enum MHD_Result *ret)
{
	static const char *const extra[] = { "key", NULL };

	if (!pemobj_check_body(rq, doc, extra, name, ret))
		return false;
	*key = json_string_value(json_object_get(doc, "key"));
	if (*key && (strncmp(*key, "pkcs11:", 7) || strlen(*key) >= MODEL_KEY_LEN ||
		     strpbrk(*key, " \t\r\n"))) {
		*ret = reply_problem(rq, 422, "validation", "$.key",
				     "must be a PKCS#11 URI (RFC 7512, 'pkcs11:...'): private keys "
				     "never cross this API");
		return false;
	}
	return true;
}

enum MHD_Result h_certs_create(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char rel[REL_LEN], etag[STORE_ETAG_LEN], loc[128], *pem_out = NULL;
	STACK_OF(X509) *sk = NULL;
	const char *name, *key;
	enum MHD_Result ret;
	json_t *doc, *keys;
	bool applied;

	if (!(doc = req_json_body(rq, "application/json", &ret)))
		return ret;
	if (!cert_body(rq, doc, &name, &key, &ret) ||
	    pemobj_parse_upload(rq, doc, x509_cert_bundle_check, &sk, &pem_out, &ret))
		goto out;
	snprintf(rel, sizeof(rel), "certs/%s.pem", name);
	store_lock(st);
	if (store_exists(st, rel)) {
		ret = reply_problem(rq, 409, "conflict", "$.name",
				    "certificate '%s' exists: delete it first to replace it", name);
	} else if (keys_set(st, name, key)) {
		ret = reply_problem(rq, 500, "storage", NULL, "could not write " KEYS_FILE);
	} else if (!apply_change(rq, rel, pem_out, strlen(pem_out), 0644, &applied, &ret)) {
		store_etag(st, pem_out, strlen(pem_out), etag);
		snprintf(loc, sizeof(loc), "/api/v1/certs/%s", name);
		keys = keys_read(st);
		ret = reply_json_ex(rq, 201, cert_json(st, name, sk, keys), etag, loc, applied);
		json_decref(keys);
	}
	store_unlock(st);
out:
	free(pem_out);
	sk_X509_pop_free(sk, X509_free);
	json_decref(doc);
	return ret;
}

enum MHD_Result h_certs_delete(struct req *rq)
{
	struct store *st = rq->rq_md->md_store;
	char etag[STORE_ETAG_LEN], rel[REL_LEN];
	STACK_OF(X509) *sk = NULL;
	enum MHD_Result ret;
	json_t *users = NULL;
	bool applied;

	store_lock(st);
	if (pemobj_read_path(rq, "certs", "certificate", &sk, etag, &ret) ||
	    !req_if_match(rq, etag, &ret))
		goto out;
	users = uses_find(st, USES_CERT, rq->rq_params[0]);
	if (json_array_size(users)) {
		ret = reply_problem(
			rq, 409, "in-use", NULL,
			"certificate '%s' is used by %zu connection(s), e.g. '%s'",
			rq->rq_params[0], json_array_size(users),
			json_string_value(json_object_get(json_array_get(users, 0), "connection")));
		goto out;
	}
	snprintf(rel, sizeof(rel), "certs/%s.pem", rq->rq_params[0]);
	if (!apply_change(rq, rel, NULL, 0, 0644, &applied, &ret)) {
		keys_set(st, rq->rq_params[0], NULL);
		ret = reply_applied(rq, 204, applied);
	}
out:
	store_unlock(st);
	json_decref(users);
	sk_X509_pop_free(sk, X509_free);
	return ret;
}
