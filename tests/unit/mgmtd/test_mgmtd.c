/*
 * Unit tests for mgmtd/: JSON Merge Patch (RFC 7396 appendix A), path
 * decoding and routing, names, the atomic store and its ETags, tokens,
 * users, sessions and the login limiter, PEM bundles and their checks
 * (certificates made here with OpenSSL).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "mgmtd/authdb_int.h"
#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"
#include "runner.h"
#include "util/err.h"

/* ---- merge patch: RFC 7396 appendix A ---- */

static void merge_case(const char *target, const char *patch, const char *want)
{
	json_t *t = json_loads(target, JSON_DECODE_ANY, NULL);
	json_t *p = json_loads(patch, JSON_DECODE_ANY, NULL);
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	json_t *r = merge_patch(t, p);

	CU_ASSERT_TRUE(json_equal(r, w));
	json_decref(r);
	json_decref(p);
	json_decref(w);
}

static void test_merge_rfc7396(void)
{
	merge_case("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	merge_case("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	merge_case("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	merge_case("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	merge_case("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	merge_case("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	merge_case("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
		   "{\"a\":{\"b\":\"d\"}}");
	merge_case("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	merge_case("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	merge_case("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	merge_case("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	merge_case("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	merge_case("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

/* ---- paths, names, routes ---- */

static void test_pct_decode(void)
{
	char out[32];

	CU_ASSERT_EQUAL(pct_decode("bob%2Fx%40corp", 14, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "bob/x@corp");
	CU_ASSERT_NOT_EQUAL(pct_decode("a%zz", 4, out, sizeof(out)), 0);
	CU_ASSERT_NOT_EQUAL(pct_decode("a%00b", 5, out, sizeof(out)), 0);
	CU_ASSERT_NOT_EQUAL(pct_decode("a%2", 3, out, sizeof(out)), 0);
	CU_ASSERT_NOT_EQUAL(pct_decode("a%", 2, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(pct_decode("abc", 3, out, 3), GW_E_RANGE);
}

static void test_names(void)
{
	char long_name[80];

	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	CU_ASSERT_TRUE(mg_name_ok("rw-v4.corp_1"));
	CU_ASSERT_FALSE(mg_name_ok("../x"));
	CU_ASSERT_FALSE(mg_name_ok(".hidden"));
	CU_ASSERT_FALSE(mg_name_ok("a/b"));
	CU_ASSERT_FALSE(mg_name_ok(""));
	CU_ASSERT_FALSE(mg_name_ok("-x"));
	CU_ASSERT_FALSE(mg_name_ok(long_name));
	long_name[63] = '\0';
	CU_ASSERT_TRUE(mg_name_ok(long_name));
}

static void free_params(struct req *rq)
{
	for (size_t i = 0; i < rq->rq_n_params; i++)
		free(rq->rq_params[i]);
	rq->rq_n_params = 0;
}

static void test_router(void)
{
	struct req rq;
	char allow[128];
	bool mm;
	const struct route *r;

	memset(&rq, 0, sizeof(rq));
	r = router_match("GET", "/api/v1/eap-users/bob%2Fvpn%40corp", &rq, &mm, allow,
			 sizeof(allow));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(rq.rq_n_params, 1);
	CU_ASSERT_STRING_EQUAL(rq.rq_params[0], "bob/vpn@corp");
	free_params(&rq);
	r = router_match("POST", "/api/v1/eap-users/import", &rq, &mm, allow, sizeof(allow));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->rt_body_max, MG_BODY_IMPORT_MAX);
	free_params(&rq);
	r = router_match("POST", "/api/v1/sas/7/terminate", &rq, &mm, allow, sizeof(allow));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->rt_role, MG_ROLE_OPERATOR);
	CU_ASSERT_STRING_EQUAL(rq.rq_params[0], "7");
	free_params(&rq);
	r = router_match("DELETE", "/api/v1/sas", &rq, &mm, allow, sizeof(allow));
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_TRUE(mm);
	CU_ASSERT_STRING_EQUAL(allow, "GET");
	CU_ASSERT_PTR_NULL(
		router_match("GET", "/api/v1/connections/", &rq, &mm, allow, sizeof(allow)));
	CU_ASSERT_FALSE(mm);
	CU_ASSERT_PTR_NULL(
		router_match("GET", "/api/v1/connections/a%zz", &rq, &mm, allow, sizeof(allow)));
	r = router_match("PUT", "/api/v1/connections/rw", &rq, &mm, allow, sizeof(allow));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->rt_role, MG_ROLE_ADMIN);
	CU_ASSERT_TRUE(r->rt_audit);
	free_params(&rq);
}

/* ---- the store ---- */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/ut_mgmtd.XXXXXX";
	char *d = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return strdup(d);
}

static void rmtree(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int count_tmp(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, ".tmp-", 5);
	if (d)
		closedir(d);
	return n;
}

static void test_store(void)
{
	char *d = tmpdir(), why[256], path[600], e1[STORE_ETAG_LEN], e2[STORE_ETAG_LEN];
	struct store *st;
	struct stat sb;
	char **names, *buf;
	size_t n, len;

	CU_ASSERT_EQUAL_FATAL(store_open(d, &st, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/mgmt", d);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(store_write(st, "conns/b.json", "{}", 2, 0600), 0);
	CU_ASSERT_EQUAL(store_write(st, "conns/a.json", "{\"x\":1}", 7, 0644), 0);
	CU_ASSERT_EQUAL(store_write(st, "conns/b.json", "[1]", 3, 0600), 0);
	snprintf(path, sizeof(path), "%s/conns/b.json", d);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/conns", d);
	CU_ASSERT_EQUAL(count_tmp(path), 0);
	CU_ASSERT_EQUAL(store_read(st, "conns/b.json", 100, &buf, &len), 0);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_STRING_EQUAL(buf, "[1]");
	store_buf_free(buf, len);
	CU_ASSERT_EQUAL(store_read(st, "conns/a.json", 3, &buf, &len), GW_E_RANGE);
	CU_ASSERT_EQUAL(store_read(st, "conns/none.json", 100, &buf, &len), GW_E_NOTFOUND);
	/* a leftover temporary file is no object */
	snprintf(path, sizeof(path), "%s/conns/.tmp-c.json-123456", d);
	fclose(fopen(path, "w"));
	CU_ASSERT_EQUAL(store_list(st, "conns", ".json", &names, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(names[0], "a");
	CU_ASSERT_STRING_EQUAL(names[1], "b");
	store_names_free(names, n);
	CU_ASSERT_EQUAL(store_check(st, why, sizeof(why)),
			GW_E_INVAL); /* {"x":1} is no connection */
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "conns/a.json"));
	snprintf(path, sizeof(path), "%s/conns", d);
	CU_ASSERT_EQUAL(count_tmp(path), 0); /* the check swept it */
	CU_ASSERT_EQUAL(store_remove(st, "conns/a.json"), 0);
	CU_ASSERT_EQUAL(store_remove(st, "conns/a.json"), GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(store_remove(st, "conns/b.json"), 0);
	CU_ASSERT_EQUAL(store_check(st, why, sizeof(why)), 0);
	/* ETags: keyed, stable across a restart, different for other bytes */
	store_etag(st, "abc", 3, e1);
	store_free(st);
	CU_ASSERT_EQUAL_FATAL(store_open(d, &st, why, sizeof(why)), 0);
	store_etag(st, "abc", 3, e2);
	CU_ASSERT_STRING_EQUAL(e1, e2);
	CU_ASSERT_EQUAL(strlen(e1), 34);
	store_etag(st, "abd", 3, e2);
	CU_ASSERT_STRING_NOT_EQUAL(e1, e2);
	store_free(st);
	rmtree(d);
	free(d);
}

/* A set-group-ID directory (the installed layout) is shared with the
 * gateway's group: secrets become 0640 there, mgmtd's own state stays 0600. */
static void test_store_shared(void)
{
	char *d = tmpdir(), why[256], path[600];
	struct store *st;
	struct stat sb;

	CU_ASSERT_EQUAL_FATAL(chmod(d, 02770), 0);
	CU_ASSERT_EQUAL_FATAL(store_open(d, &st, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(store_write(st, "eap-users.json", "[]", 2, 0600), 0);
	CU_ASSERT_EQUAL(store_write(st, "conns/a.json", "{}", 2, 0644), 0);
	CU_ASSERT_EQUAL(store_write(st, "mgmt/tokens.json", "[]", 2, 0600), 0);
	snprintf(path, sizeof(path), "%s/eap-users.json", d);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	snprintf(path, sizeof(path), "%s/conns/a.json", d);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	snprintf(path, sizeof(path), "%s/mgmt/tokens.json", d);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	store_free(st);
	rmtree(d);
	free(d);
}

/* ---- tokens, users, sessions ---- */

static void test_tokens(void)
{
	char *d = tmpdir(), why[256], tok[AUTH_TOKEN_LEN], tok2[AUTH_TOKEN_LEN], path[600];
	struct principal who;
	struct authdb *a;
	struct store *st;
	const char *w;
	json_t *l;

	CU_ASSERT_EQUAL_FATAL(store_open(d, &st, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL_FATAL(authdb_new(st, &a), 0);
	CU_ASSERT_EQUAL(authdb_token_create(st, "ci", MG_ROLE_VIEWER, 0, tok), 0);
	CU_ASSERT_EQUAL(strncmp(tok, "pal_", 4), 0);
	CU_ASSERT_EQUAL(strlen(tok), 47);
	CU_ASSERT_EQUAL(authdb_token_create(st, "ci", MG_ROLE_ADMIN, 0, tok2), GW_E_EXISTS);
	CU_ASSERT_EQUAL(authdb_token_check(a, tok, &who, &w), 0);
	CU_ASSERT_EQUAL(who.p_role, MG_ROLE_VIEWER);
	CU_ASSERT_STRING_EQUAL(who.p_name, "ci");
	tok[10] ^= 1;
	CU_ASSERT_EQUAL(authdb_token_check(a, tok, &who, &w), GW_E_AUTH);
	tok[10] ^= 1;
	/* only the hash is stored */
	CU_ASSERT_EQUAL(authdb_tokens_json(st, &l), 0);
	CU_ASSERT_EQUAL(json_array_size(l), 1);
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(l, 0), "sha256"));
	json_decref(l);
	snprintf(path, sizeof(path), "%s/mgmt/tokens.json", d);
	{
		size_t n;
		uint8_t *f = ut_read_file(path, &n);

		CU_ASSERT_PTR_NULL(memmem(f, n, tok, strlen(tok)));
		free(f);
	}
	CU_ASSERT_EQUAL(authdb_token_revoke(st, "ci"), 0);
	CU_ASSERT_EQUAL(authdb_token_check(a, tok, &who, &w), GW_E_AUTH);
	CU_ASSERT_EQUAL(authdb_token_revoke(st, "ci"), GW_E_NOTFOUND);
	/* an expired token (made with a TTL, then its expiry moved back) */
	CU_ASSERT_EQUAL(authdb_token_create(st, "short", MG_ROLE_ADMIN, 3600, tok2), 0);
	CU_ASSERT_EQUAL(authdb_token_check(a, tok2, &who, &w), 0);
	CU_ASSERT_EQUAL(authdb_read_list(st, "mgmt/tokens.json", &l), 0);
	json_object_set_new(json_array_get(l, 0), "expires", json_integer(1000));
	CU_ASSERT_EQUAL(authdb_write_list(st, "mgmt/tokens.json", l), 0);
	json_decref(l);
	/* (the rename gave the file a new inode: the cache reloads it) */
	CU_ASSERT_EQUAL(authdb_token_check(a, tok2, &who, &w), GW_E_AUTH);
	CU_ASSERT_STRING_EQUAL(w, "token expired");
	authdb_free(a);
	store_free(st);
	rmtree(d);
	free(d);
}

static void test_users(void)
{
	char *d = tmpdir(), why[256], sid[AUTH_SESSION_LEN];
	struct principal who;
	struct authdb *a;
	struct store *st;
	unsigned retry;

	CU_ASSERT_EQUAL_FATAL(store_open(d, &st, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL_FATAL(authdb_new(st, &a), 0);
	CU_ASSERT_EQUAL(authdb_user_add(st, "web", MG_ROLE_OPERATOR, "short", 5), GW_E_RANGE);
	CU_ASSERT_EQUAL(authdb_user_add(st, "web", MG_ROLE_OPERATOR, "long-enough-pw", 14), 0);
	CU_ASSERT_EQUAL(
		authdb_login(a, "192.0.2.1", "web", "long-enough-pw", 14, sid, &who, &retry), 0);
	CU_ASSERT_EQUAL(who.p_role, MG_ROLE_OPERATOR);
	CU_ASSERT_TRUE(who.p_session);
	CU_ASSERT_EQUAL(strlen(who.p_csrf), 43);
	memset(&who, 0, sizeof(who));
	CU_ASSERT_EQUAL(authdb_session_check(a, sid, &who), 0);
	CU_ASSERT_STRING_EQUAL(who.p_name, "web");
	CU_ASSERT_EQUAL(authdb_session_check(a, "nope", &who), GW_E_AUTH);
	authdb_session_end(a, sid);
	CU_ASSERT_EQUAL(authdb_session_check(a, sid, &who), GW_E_AUTH);
	/* the limiter: per address, then 429 even for the right password */
	for (int i = 0; i < AUTH_LOGIN_FAILS; i++)
		CU_ASSERT_EQUAL(authdb_login(a, "192.0.2.9", "web", "wrong-password", 14, sid, &who,
					     &retry),
				GW_E_AUTH);
	CU_ASSERT_EQUAL(
		authdb_login(a, "192.0.2.9", "web", "long-enough-pw", 14, sid, &who, &retry),
		GW_E_AGAIN);
	CU_ASSERT_TRUE(retry > 0 && retry <= AUTH_LOGIN_WIN);
	/* the name is limited too: another address cannot go on guessing */
	CU_ASSERT_EQUAL(
		authdb_login(a, "192.0.2.10", "web", "long-enough-pw", 14, sid, &who, &retry),
		GW_E_AGAIN);
	/* another name from another address is not */
	CU_ASSERT_EQUAL(
		authdb_login(a, "192.0.2.11", "nobody", "whatever-pw", 11, sid, &who, &retry),
		GW_E_AUTH);
	authdb_free(a);
	store_free(st);
	rmtree(d);
	free(d);
}

/* ---- PEM bundles ---- */

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca,
		       long days_from, long days_to)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), days_from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), days_to * 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, signer, EVP_sha256());
	return x;
}

static char *pem_of(X509 *const *xs, size_t n, const char *tail)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long len;

	for (size_t i = 0; i < n; i++)
		PEM_write_bio_X509(b, xs[i]);
	if (tail)
		BIO_puts(b, tail);
	len = BIO_get_mem_data(b, &data);
	out = strndup(data, (size_t)len);
	BIO_free(b);
	return out;
}

static int parse_check(X509 *const *xs, size_t n, const char *tail, bool ca, char *why)
{
	char *p = pem_of(xs, n, tail);
	STACK_OF(X509) *sk = NULL;
	struct x509_err err;
	int r = x509_bundle_parse(p, strlen(p), &sk, &err);

	if (!r)
		r = ca ? x509_ca_bundle_check(sk, &err) : x509_cert_bundle_check(sk, &err);
	snprintf(why, 384, "%s", r ? err.xe_msg : "");
	sk_X509_pop_free(sk, X509_free);
	free(p);
	return r;
}

static void test_x509(void)
{
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k3 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *root = make_cert(k1, k1, NULL, "Root", true, 0, 30);
	X509 *inter = make_cert(k2, k1, root, "Inter", true, 0, 30);
	X509 *leaf = make_cert(k3, k2, inter, "leaf", false, 0, 30);
	X509 *old = make_cert(k3, k3, NULL, "Old Root", true, -60, -30);
	X509 *other = make_cert(k3, k3, NULL, "Other Root", true, 0, 30);
	char why[384];
	json_t *info;

	CU_ASSERT_EQUAL(parse_check((X509 *[]){ root }, 1, NULL, true, why), 0);
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ inter, root }, 2, NULL, true, why), 0);
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ root }, 1, "junk\n", true, why), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "after the last block"));
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ leaf }, 1, NULL, true, why), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a CA"));
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ old }, 1, NULL, true, why), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "expired"));
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ inter }, 1, NULL, true, why), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "no self-signed root"));
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ inter, other }, 2, NULL, true, why), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "does not chain"));
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ root, other }, 2, NULL, true, why), GW_E_INVAL);
	/* our certificate: leaf first, its issuers after it */
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ leaf, inter }, 2, NULL, false, why), 0);
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ inter, leaf }, 2, NULL, false, why), GW_E_INVAL);
	CU_ASSERT_EQUAL(parse_check((X509 *[]){ leaf, root }, 2, NULL, false, why), GW_E_INVAL);
	CU_ASSERT_EQUAL(
		parse_check((X509 *[]){ leaf }, 1,
			    "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n", false,
			    why),
		GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "private key"));
	info = x509_info(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(info, "subject")), "CN=Root");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(info, "serial")), "1092");
	CU_ASSERT_EQUAL(strlen(json_string_value(json_object_get(info, "sha256_fingerprint"))), 64);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(info, "key"), "curve")),
		"prime256v1");
	CU_ASSERT_TRUE(json_is_true(json_object_get(info, "self_signed")));
	json_decref(info);
	X509_free(root), X509_free(inter), X509_free(leaf), X509_free(old), X509_free(other);
	EVP_PKEY_free(k1), EVP_PKEY_free(k2), EVP_PKEY_free(k3);
}

static const struct ut_case cases[] = {
	{ "merge patch (RFC 7396 appendix A)", test_merge_rfc7396 },
	{ "percent decoding", test_pct_decode },
	{ "names", test_names },
	{ "routes", test_router },
	{ "atomic store, check, ETags", test_store },
	{ "store shared with the gateway's group (set-group-ID directory)", test_store_shared },
	{ "tokens", test_tokens },
	{ "users, sessions, login limiter", test_users },
	{ "PEM bundles, CA and certificate checks", test_x509 },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "mgmtd", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	model_json_wipe_init();
	return ut_main(suites);
}
