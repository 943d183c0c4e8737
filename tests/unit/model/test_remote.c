/*
 * test_remote.c: the remote-access configuration documents of api/model:
 * eap-users.json (validation with exact paths, secrets never in an error
 * or in to_json, lookups) and pools.json (ranges, exclusions, overlaps,
 * sizes, netmasks, addressing by index).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api/model/model.h"
#include "runner.h"
#include "util/err.h"

#define SECRET "S3CRET-pw"
#define NT_HEX "0123456789abcdef0123456789ABCDEF"

struct bad {
	const char *b_doc;
	const char *b_path;
	const char *b_msg; /* a fragment of the message */
};

static bool msg_has(const struct model_err *err, const struct bad *b, const char *doc)
{
	if (!strcmp(err->me_path, b->b_path) && strstr(err->me_msg, b->b_msg))
		return true;
	fprintf(stderr, "\n%s\n  got  %s: %s\n  want %s: ...%s...\n", doc, err->me_path,
		err->me_msg, b->b_path, b->b_msg);
	return false;
}

/* ---- eap-users.json ---- */

static const char good_users[] =
	"[{\"identity\": \"alice\", \"method\": \"eap-mschapv2\", \"password\": \"" SECRET "\","
	"  \"changed\": 1700000000},"
	" {\"identity\": \"bob\", \"method\": \"eap-mschapv2\", \"nt_hash\": \"" NT_HEX "\"},"
	" {\"identity\": \"carol\", \"method\": \"eap-md5\", \"password\": \"md5 pw\"},"
	" {\"identity\": \"CORP\\\\dave\", \"password\": \"p\\u00e4ss\"},"
	" {\"identity\": \"\\u00e9ve@example.com\", \"method\": \"any\", \"password\": \"x\"}]";

static void test_users_good(void)
{
	struct model_eap_users *u = NULL;
	const struct model_eap_user *e;
	struct model_err err;
	uint8_t nt[16];

	CU_ASSERT_EQUAL_FATAL(model_eap_users_parse(good_users, strlen(good_users), &u, &err), 0);
	CU_ASSERT_EQUAL(model_eap_users_count(u), 5);
	e = model_eap_users_at(u, 0);
	CU_ASSERT_STRING_EQUAL(e->eu_identity, "alice");
	CU_ASSERT_EQUAL(e->eu_method, MODEL_EAP_MSCHAPV2);
	CU_ASSERT(e->eu_password && e->eu_password->len == strlen(SECRET) &&
		  !memcmp(e->eu_password->data, SECRET, strlen(SECRET)));
	CU_ASSERT_PTR_NULL(e->eu_nt_hash);
	CU_ASSERT_EQUAL(e->eu_changed, 1700000000);
	e = model_eap_users_at(u, 1);
	ut_hex(NT_HEX, nt, sizeof(nt));
	CU_ASSERT(e->eu_nt_hash && e->eu_nt_hash->len == 16 &&
		  !memcmp(e->eu_nt_hash->data, nt, 16));
	CU_ASSERT_PTR_NULL(e->eu_password);
	CU_ASSERT_EQUAL(model_eap_users_at(u, 2)->eu_method, MODEL_EAP_MD5);
	CU_ASSERT_EQUAL(model_eap_users_at(u, 3)->eu_method, MODEL_EAP_ANY); /* default */
	CU_ASSERT_STRING_EQUAL(model_eap_users_at(u, 3)->eu_identity, "CORP\\dave");
	CU_ASSERT_EQUAL(model_eap_users_at(u, 3)->eu_password->len, 5); /* UTF-8 bytes */
	CU_ASSERT_PTR_NULL(model_eap_users_at(u, 5));
	/* Lookups by bytes. */
	CU_ASSERT_PTR_EQUAL(model_eap_users_find(u, "bob", 3), model_eap_users_at(u, 1));
	CU_ASSERT_PTR_EQUAL(model_eap_users_find(u, "\xc3\xa9ve@example.com", 16),
			    model_eap_users_at(u, 4));
	CU_ASSERT_PTR_NULL(model_eap_users_find(u, "alic", 4));
	CU_ASSERT_PTR_NULL(model_eap_users_find(u, "alicee", 6));
	CU_ASSERT_PTR_NULL(model_eap_users_find(u, "Alice", 5));
	CU_ASSERT_PTR_NULL(model_eap_users_find(NULL, "alice", 5));
	model_eap_users_free(u);
	model_eap_users_free(NULL);
}

/* Many users: the index is sorted, every one is found. */
static void test_users_many(void)
{
	size_t n = 5000, cap = n * 64 + 8, len = 0;
	char *doc = malloc(cap);
	struct model_eap_users *u = NULL;
	struct model_err err;
	char id[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	len += (size_t)snprintf(doc + len, cap - len, "[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(doc + len, cap - len,
					"%s{\"identity\":\"u%zu\",\"password\":\"p%zu\"}",
					i ? "," : "", (i * 7919) % n, i);
	len += (size_t)snprintf(doc + len, cap - len, "]");
	CU_ASSERT_EQUAL_FATAL(model_eap_users_parse(doc, len, &u, &err), 0);
	for (size_t i = 0; i < n; i++) {
		const struct model_eap_user *e;

		snprintf(id, sizeof(id), "u%zu", i);
		e = model_eap_users_find(u, id, strlen(id));
		CU_ASSERT(e && !strcmp(e->eu_identity, id));
	}
	model_eap_users_free(u);
	free(doc);
}

static const struct bad bad_users[] = {
	{ "{}", "$", "must be an array of users" },
	{ "[1]", "$[0]", "must be an object" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"bogus\":1}]", "$[0]",
	  "unknown key: 'bogus'" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"secret_set\":true}]", "$[0]",
	  "unknown key: 'secret_set'" },
	{ "[{\"password\":\"" SECRET "\"}]", "$[0].identity", "required" },
	{ "[{\"identity\":\"\",\"password\":\"" SECRET "\"}]", "$[0].identity",
	  "must be 1-255 bytes long, not 0" },
	{ "[{\"identity\":5,\"password\":\"" SECRET "\"}]", "$[0].identity", "must be a string" },
	{ "[{\"identity\":\"a\\tb\",\"password\":\"" SECRET "\"}]", "$[0].identity",
	  "control character in the identity: 'a\\x09b'" },
	{ "[{\"identity\":\"a\\u007fb\",\"password\":\"" SECRET "\"}]", "$[0].identity",
	  "control character" },
	{ "[{\"identity\":\"a\"}]", "$[0].password", "required (or nt_hash, for eap-mschapv2)" },
	{ "[{\"identity\":\"a\",\"password\":\"\"}]", "$[0].password", "must be 1-256 characters" },
	{ "[{\"identity\":\"a\",\"password\":5}]", "$[0].password", "must be a string" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-mschapv2\",\"password\":\"" SECRET "\","
	  "\"nt_hash\":\"" NT_HEX "\"}]",
	  "$[0].nt_hash", "give password or nt_hash, not both" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-mschapv2\",\"nt_hash\":\"0123456789abcdef01234\"}"
	  "]",
	  "$[0].nt_hash", "must be a string of 32 hex digits" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-mschapv2\","
	  "\"nt_hash\":\"0123456789abcdef0123456789abcdeg\"}]",
	  "$[0].nt_hash", "must be 32 hex digits" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-mschapv2\",\"nt_hash\":7}]", "$[0].nt_hash",
	  "must be a string of 32 hex digits" },
	{ "[{\"identity\":\"a\",\"nt_hash\":\"" NT_HEX "\"}]", "$[0].nt_hash",
	  "serves eap-mschapv2 only" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-md5\",\"nt_hash\":\"" NT_HEX "\"}]",
	  "$[0].nt_hash", "EAP-MD5 needs the password" },
	{ "[{\"identity\":\"a\",\"method\":\"eap-tls\",\"password\":\"" SECRET "\"}]",
	  "$[0].method", "must be eap-mschapv2, eap-md5 or any: 'eap-tls'" },
	{ "[{\"identity\":\"a\",\"method\":3,\"password\":\"" SECRET "\"}]", "$[0].method",
	  "must be a string" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"changed\":-1}]", "$[0].changed",
	  "must be a unix time" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"changed\":\"now\"}]", "$[0].changed",
	  "must be a unix time" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"changed\":1.5}]", "$[0].changed",
	  "must be a unix time" },
	{ "[{\"identity\":\"alice\",\"password\":\"" SECRET "\"},"
	  "{\"identity\":\"bob\",\"password\":\"" SECRET "\"},"
	  "{\"identity\":\"alice\",\"password\":\"" SECRET "\"}]",
	  "$[2].identity", "identity already defined at $[0]: 'alice'" },
	{ "[{\"identity\":\"ok\",\"password\":\"x\"},{\"identity\":\"b\",\"password\":7}]",
	  "$[1].password", "must be a string" },
	/* Parse errors: where and what, never the text near it. */
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\",\"password\":\"" SECRET "\"}]", "$",
	  "duplicate object key" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET, "$", "line 1" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\\x\"}]", "$", "invalid escape" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\xff\"}]", "$",
	  "invalid character or escape" },
	{ "[{\"identity\":\"a\",\"password\":\"" SECRET "\"} " SECRET "]", "$", "line 1" },
	{ "", "$", "line" },
};

static void test_users_bad(void)
{
	for (size_t i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
		const struct bad *b = &bad_users[i];
		struct model_eap_users *u = (void *)1;
		struct model_err err;

		memset(&err, 0, sizeof(err));
		CU_ASSERT_NOT_EQUAL(model_eap_users_parse(b->b_doc, strlen(b->b_doc), &u, &err), 0);
		CU_ASSERT_PTR_NULL(u);
		CU_ASSERT(msg_has(&err, b, b->b_doc));
		CU_ASSERT_PTR_NULL(strstr(err.me_msg, "S3CRET"));
		CU_ASSERT_PTR_NULL(strstr(err.me_msg, "0123456789"));
	}
}

/* A long identity and password at the limits, and one past. */
static void test_users_limits(void)
{
	char doc[2048], id[300], pw[600];
	struct model_eap_users *u = NULL;
	struct model_err err;

	memset(id, 'i', 255);
	id[255] = '\0';
	pw[0] = '\0';
	for (int i = 0; i < 256; i++)
		strcat(pw, "\xc3\xa9"); /* 256 characters, 512 bytes */
	snprintf(doc, sizeof(doc), "[{\"identity\":\"%s\",\"password\":\"%s\"}]", id, pw);
	CU_ASSERT_EQUAL(model_eap_users_parse(doc, strlen(doc), &u, &err), 0);
	model_eap_users_free(u);
	strcat(pw, "e");
	snprintf(doc, sizeof(doc), "[{\"identity\":\"%s\",\"password\":\"%s\"}]", id, pw);
	CU_ASSERT_EQUAL(model_eap_users_parse(doc, strlen(doc), &u, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$[0].password");
	pw[2] = '\0';
	snprintf(doc, sizeof(doc), "[{\"identity\":\"%si\",\"password\":\"%s\"}]", id, pw);
	CU_ASSERT_EQUAL(model_eap_users_parse(doc, strlen(doc), &u, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$[0].identity");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.me_msg, "not 256"));
}

/* to_json: every user, no secret, the shape the API shows. */
static void test_users_to_json(void)
{
	struct model_eap_users *u = NULL;
	struct model_err err;
	json_t *root, *e;
	char *js;

	CU_ASSERT_EQUAL_FATAL(model_eap_users_parse(good_users, strlen(good_users), &u, &err), 0);
	js = model_eap_users_to_json(u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	CU_ASSERT_PTR_NULL(strstr(js, SECRET));
	CU_ASSERT_PTR_NULL(strstr(js, "md5 pw"));
	CU_ASSERT_PTR_NULL(strstr(js, "0123456789"));
	root = json_loads(js, 0, NULL);
	CU_ASSERT_FATAL(json_is_array(root) && json_array_size(root) == 5);
	for (size_t i = 0; i < 5; i++) {
		CU_ASSERT_PTR_NULL(json_object_get(json_array_get(root, i), "password"));
		CU_ASSERT_PTR_NULL(json_object_get(json_array_get(root, i), "nt_hash"));
	}
	e = json_array_get(root, 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "identity")), "alice");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "method")), "eap-mschapv2");
	CU_ASSERT(json_is_true(json_object_get(e, "secret_set")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "secret_type")), "password");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "changed")), 1700000000);
	e = json_array_get(root, 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "secret_type")), "nt_hash");
	CU_ASSERT_PTR_NULL(json_object_get(e, "changed"));
	e = json_array_get(root, 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "identity")), "CORP\\dave");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "method")), "any");
	json_decref(root);
	free(js);
	model_eap_users_free(u);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_load(void)
{
	char dir[] = "/tmp/palisade-remote.XXXXXX", path[128];
	struct model_eap_users *u = NULL;
	struct model_pools *p = NULL;
	struct model_err err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL(model_eap_users_load(dir, &u, &err), 0);
	CU_ASSERT_EQUAL(model_eap_users_count(u), 0);
	model_eap_users_free(u);
	CU_ASSERT_EQUAL(model_pools_load(dir, &p, &err), 0);
	CU_ASSERT(p && p->ps_n == 0);
	model_pools_free(p);
	snprintf(path, sizeof(path), "%s/eap-users.json", dir);
	write_file(path, good_users);
	CU_ASSERT_EQUAL(model_eap_users_load(dir, &u, &err), 0);
	CU_ASSERT_EQUAL(model_eap_users_count(u), 5);
	model_eap_users_free(u);
	write_file(path, "[{\"identity\":\"a\"}]");
	CU_ASSERT_EQUAL(model_eap_users_load(dir, &u, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$[0].password");
	unlink(path);
	snprintf(path, sizeof(path), "%s/pools.json", dir);
	write_file(path, "[{\"name\":\"p\",\"ranges\":\"10.9.0.0/30\"}]");
	CU_ASSERT_EQUAL(model_pools_load(dir, &p, &err), 0);
	CU_ASSERT(p && p->ps_n == 1 && p->ps_pools[0].p_size == 2);
	model_pools_free(p);
	unlink(path);
	rmdir(dir);
}

/* ---- pools.json ---- */

static struct model_pools *pools_ok(const char *doc)
{
	struct model_pools *p = NULL;
	struct model_err err;
	int rc = model_pools_parse(doc, strlen(doc), &p, &err);

	if (rc)
		fprintf(stderr, "\n%s\n  %s: %s\n", doc, err.me_path, err.me_msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return p;
}

static void addr_is(int family, const uint8_t *a, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family, a, buf, sizeof(buf));
	if (strcmp(buf, text))
		fprintf(stderr, "\naddress %s, expected %s\n", buf, text);
	CU_ASSERT_STRING_EQUAL(buf, text);
}

static void test_pools_good(void)
{
	struct model_pools *ps = pools_ok(
		"[{\"name\": \"rw-v4\", \"ranges\": [\"10.3.0.0/24\"],"
		"  \"dns\": [\"10.1.0.53\", \"2001:db8::53\"]},"
		" {\"name\": \"rw-b\", \"ranges\": \"10.4.0.10-10.4.0.200\"},"
		" {\"name\": \"small\", \"ranges\": [\"10.5.0.0/31\", \"10.5.1.7\", "
		"\"10.5.2.0/32\","
		"  \"10.5.3.0/30\"], \"netmask\": \"255.255.0.0\"},"
		" {\"name\": \"rw-v6\", \"ranges\": [\"fd00::/112\"], \"dns\": [\"fd00::53\"]},"
		" {\"name\": \"v6b\", \"ranges\": [\"fd01::1-fd01::ff\"], \"prefix\": 64}]");
	const struct model_pool *p = model_pools_find(ps, "rw-v4");

	CU_ASSERT_EQUAL_FATAL(ps->ps_n, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->p_family, AF_INET);
	CU_ASSERT_EQUAL(p->p_size, 254); /* network and broadcast excluded */
	addr_is(AF_INET, p->p_ranges[0].pr_start, "10.3.0.1");
	addr_is(AF_INET, p->p_ranges[0].pr_end, "10.3.0.254");
	CU_ASSERT_EQUAL(p->p_prefix, 24);
	CU_ASSERT_FALSE(p->p_prefix_set);
	CU_ASSERT_EQUAL(p->p_n_dns, 2);
	CU_ASSERT_EQUAL(p->p_dns[0].a_family, AF_INET);
	CU_ASSERT_EQUAL(p->p_dns[1].a_family, AF_INET6);
	p = model_pools_find(ps, "rw-b");
	CU_ASSERT_EQUAL(p->p_size, 191);
	CU_ASSERT_EQUAL(p->p_prefix, 24);
	CU_ASSERT_STRING_EQUAL(p->p_ranges[0].pr_text, "10.4.0.10-10.4.0.200");
	p = model_pools_find(ps, "small");
	CU_ASSERT_EQUAL(p->p_size, 2 + 1 + 1 + 2); /* /31 and /32 keep all; /30 drops two */
	CU_ASSERT_EQUAL(p->p_prefix, 16);
	CU_ASSERT_TRUE(p->p_prefix_set);
	p = model_pools_find(ps, "rw-v6");
	CU_ASSERT_EQUAL(p->p_family, AF_INET6);
	CU_ASSERT_EQUAL(p->p_size, 65535); /* without the Subnet-Router anycast address */
	addr_is(AF_INET6, p->p_ranges[0].pr_start, "fd00::1");
	addr_is(AF_INET6, p->p_ranges[0].pr_end, "fd00::ffff");
	CU_ASSERT_EQUAL(p->p_prefix, 112);
	CU_ASSERT_EQUAL(model_pools_find(ps, "v6b")->p_prefix, 64);
	CU_ASSERT_PTR_NULL(model_pools_find(ps, "nope"));
	model_pools_free(ps);
	/* Ranges far apart: the derived netmask is /0, and it reads back. */
	ps = pools_ok("[{\"name\":\"far\",\"ranges\":[\"190.0.0.0/31\",\"1.0.1.16\"]},"
		      "{\"name\":\"far6\",\"ranges\":[\"fd00::1\",\"2001:db8::1\"]},"
		      "{\"name\":\"z\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"0.0.0.0\"}]");
	CU_ASSERT_EQUAL(ps->ps_pools[0].p_prefix, 0);
	CU_ASSERT_EQUAL(ps->ps_pools[1].p_prefix, 0);
	CU_ASSERT_EQUAL(ps->ps_pools[2].p_prefix, 0);
	model_pools_free(ps);
	ps = pools_ok("[]");
	CU_ASSERT_EQUAL(ps->ps_n, 0);
	model_pools_free(ps);
	/* The largest pool allowed: an IPv4 /8 (less two), an IPv6 /104. */
	ps = pools_ok("[{\"name\":\"a\",\"ranges\":\"10.0.0.0/8\"},"
		      "{\"name\":\"b\",\"ranges\":\"fd00::/104\"}]");
	CU_ASSERT_EQUAL(ps->ps_pools[0].p_size, (1u << 24) - 2);
	CU_ASSERT_EQUAL(ps->ps_pools[1].p_size, (1u << 24) - 1);
	model_pools_free(ps);
	model_pools_free(NULL);
}

/* Index <-> address across ranges, both ways, and outside. */
static void test_pools_index(void)
{
	struct model_pools *ps =
		pools_ok("[{\"name\":\"p\",\"ranges\":[\"10.0.0.0/30\",\"10.0.1.250-10.0.2.3\"]},"
			 " {\"name\":\"q\",\"ranges\":[\"fd00::fffe-fd00::1:1\"]}]");
	const struct model_pool *p = &ps->ps_pools[0], *q = &ps->ps_pools[1];
	static const char *const want[] = { "10.0.0.1",   "10.0.0.2",   "10.0.1.250", "10.0.1.251",
					    "10.0.1.252", "10.0.1.253", "10.0.1.254", "10.0.1.255",
					    "10.0.2.0",   "10.0.2.1",   "10.0.2.2",   "10.0.2.3" };
	uint8_t a[16];
	uint64_t idx;

	CU_ASSERT_EQUAL_FATAL(p->p_size, 12);
	for (uint64_t i = 0; i < 12; i++) {
		CU_ASSERT_EQUAL(model_pool_addr(p, i, a), 0);
		addr_is(AF_INET, a, want[i]);
		CU_ASSERT_EQUAL(model_pool_index(p, a, &idx), 0);
		CU_ASSERT_EQUAL(idx, i);
	}
	CU_ASSERT_EQUAL(model_pool_addr(p, 12, a), GW_E_RANGE);
	inet_pton(AF_INET, "10.0.0.0", a);
	CU_ASSERT_EQUAL(model_pool_index(p, a, &idx), GW_E_NOTFOUND);
	inet_pton(AF_INET, "10.0.0.3", a);
	CU_ASSERT_EQUAL(model_pool_index(p, a, &idx), GW_E_NOTFOUND);
	/* IPv6 arithmetic carries across the 16-bit groups. */
	CU_ASSERT_EQUAL(q->p_size, 4);
	CU_ASSERT_EQUAL(model_pool_addr(q, 2, a), 0);
	addr_is(AF_INET6, a, "fd00::1:0");
	CU_ASSERT_EQUAL(model_pool_index(q, a, &idx), 0);
	CU_ASSERT_EQUAL(idx, 2);
	model_pools_free(ps);
}

/* to_json and back: the same pools. */
static void test_pools_round_trip(void)
{
	static const char doc[] =
		"[{\"name\":\"rw-v4\",\"ranges\":[\"10.3.0.0/24\",\"10.3.1.5-10.3.1.9\"],"
		"\"dns\":[\"10.1.0.53\",\"2001:db8::53\"]},"
		"{\"name\":\"rw-v6\",\"ranges\":\"fd00::/120\",\"prefix\":64}]";
	struct model_pools *a = pools_ok(doc), *b;
	char *js = model_pools_to_json(a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"netmask\": \"255.255.254.0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"prefix\": 64"));
	b = pools_ok(js);
	CU_ASSERT_EQUAL_FATAL(b->ps_n, a->ps_n);
	for (size_t i = 0; i < a->ps_n; i++) {
		const struct model_pool *x = &a->ps_pools[i], *y = &b->ps_pools[i];

		CU_ASSERT_STRING_EQUAL(x->p_name, y->p_name);
		CU_ASSERT_EQUAL(x->p_size, y->p_size);
		CU_ASSERT_EQUAL(x->p_prefix, y->p_prefix);
		CU_ASSERT_EQUAL(x->p_n_dns, y->p_n_dns);
		CU_ASSERT_EQUAL(x->p_n_ranges, y->p_n_ranges);
		for (size_t k = 0; k < x->p_n_ranges; k++)
			CU_ASSERT_EQUAL(
				memcmp(&x->p_ranges[k], &y->p_ranges[k], sizeof(x->p_ranges[k])),
				0);
	}
	free(js);
	model_pools_free(a);
	model_pools_free(b);
}

static const struct bad bad_pools[] = {
	{ "{}", "$", "must be an array of pools" },
	{ "[1]", "$[0]", "must be an object" },
	{ "[{\"ranges\":\"10.0.0.0/24\"}]", "$[0].name", "required" },
	{ "[{\"name\":\"rw v4\",\"ranges\":\"10.0.0.0/24\"}]", "$[0].name", "must be a name" },
	{ "[{\"name\":\"a\"}]", "$[0].ranges", "required" },
	{ "[{\"name\":\"a\",\"ranges\":[]}]", "$[0].ranges",
	  "must be an address range or an array of 1-16" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\",\"10.0.0.4\","
	  "\"10.0.0.5\",\"10.0.0.6\",\"10.0.0.7\",\"10.0.0.8\",\"10.0.0.9\",\"10.0.0.10\","
	  "\"10.0.0.11\",\"10.0.0.12\",\"10.0.0.13\",\"10.0.0.14\",\"10.0.0.15\",\"10.0.0.16\","
	  "\"10.0.0.17\"]}]",
	  "$[0].ranges", "array of 1-16" },
	{ "[{\"name\":\"a\",\"ranges\":5}]", "$[0].ranges", "must be an address range" },
	{ "[{\"name\":\"a\",\"ranges\":[7]}]", "$[0].ranges[0]", "must be a string" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.0/33\"]}]", "$[0].ranges[0]",
	  "prefix length must be 0-32" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.1/24\"]}]", "$[0].ranges[0]",
	  "host bits set past the /24 prefix (network is 10.0.0.0/24)" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.9-10.0.0.1\"]}]", "$[0].ranges[0]",
	  "range start is above its end" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.1-fd00::1\"]}]", "$[0].ranges[0]",
	  "range mixes IPv4 and IPv6" },
	{ "[{\"name\":\"a\",\"ranges\":[\"dynamic\"]}]", "$[0].ranges[0]", "not an IP address" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.0/24\",\"fd00::/120\"]}]", "$[0].ranges[1]",
	  "IPv6 range in an IPv4 pool" },
	{ "[{\"name\":\"a\",\"ranges\":[\"fd00::/120\",\"10.0.0.0/24\"]}]", "$[0].ranges[1]",
	  "IPv4 range in an IPv6 pool" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.0/24\",\"10.0.0.128/25\"]}]", "$[0].ranges[1]",
	  "overlaps $[0].ranges[0] (pool 'a'): '10.0.0.128/25'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\"},"
	  "{\"name\":\"b\",\"ranges\":[\"10.1.0.0/24\",\"10.0.0.200-10.0.1.5\"]}]",
	  "$[1].ranges[1]", "overlaps $[0].ranges[0] (pool 'a')" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.100-10.0.0.200\"},"
	  "{\"name\":\"b\",\"ranges\":\"10.0.0.0/24\"}]",
	  "$[1].ranges", "overlaps" },
	{ "[{\"name\":\"a\",\"ranges\":\"fd00::1-fd00::ff\"},"
	  "{\"name\":\"b\",\"ranges\":\"fd00::ff\"}]",
	  "$[1].ranges", "overlaps $[0].ranges[0] (pool 'a'): 'fd00::ff'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\"},{\"name\":\"a\",\"ranges\":\"10.1.0.0/"
	  "24\"}]",
	  "$[1].name", "pool name already used at $[0]: 'a'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/7\"}]", "$[0].ranges",
	  "pool too large: at most 16777216 addresses" },
	{ "[{\"name\":\"a\",\"ranges\":\"fd00::/64\"}]", "$[0].ranges", "pool too large" },
	{ "[{\"name\":\"a\",\"ranges\":[\"10.0.0.0/9\",\"10.128.0.0/9\",\"11.0.0.0/29\"]}]",
	  "$[0].ranges", "pool too large" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"dns\":\"10.1.0.53\"}]", "$[0].dns",
	  "must be an array" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"dns\":[\"nameserver\"]}]", "$[0].dns[0]",
	  "not an IP address: 'nameserver'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"dns\":[1]}]", "$[0].dns[0]",
	  "must be a string" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/"
	  "24\",\"dns\":[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\","
	  "\"1.1.1.4\",\"1.1.1.5\"]}]",
	  "$[0].dns", "at most 4 entries" },
	{ "[{\"name\":\"a\",\"ranges\":\"fd00::/120\",\"netmask\":\"255.255.255.0\"}]",
	  "$[0].netmask", "only for IPv4 pools" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"prefix\":24}]", "$[0].prefix",
	  "only for IPv6 pools" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"255.255.0.0\",\"prefix\":16}]",
	  "$[0].netmask", "not both" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"255.0.255.0\"}]",
	  "$[0].netmask", "not a contiguous netmask: '255.0.255.0'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"0.255.255.255\"}]",
	  "$[0].netmask", "not a contiguous netmask" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"/24\"}]", "$[0].netmask",
	  "must be an IPv4 netmask such as 255.255.255.0: '/24'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"netmask\":\"255.255.255.128\"}]",
	  "$[0].netmask", "/25 does not hold the pool's addresses (they need /24 or shorter)" },
	{ "[{\"name\":\"a\",\"ranges\":\"fd00::/120\",\"prefix\":129}]", "$[0].prefix",
	  "prefix length of 0-128" },
	{ "[{\"name\":\"a\",\"ranges\":\"fd00::/120\",\"prefix\":\"64\"}]", "$[0].prefix",
	  "prefix length of 0-128" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\"}]", "$[0]",
	  "unknown key: 'gateway'" },
	{ "[{\"name\":\"a\",\"ranges\":\"10.0.0.0/24\"}", "$", "line 1" },
};

static void test_pools_bad(void)
{
	for (size_t i = 0; i < sizeof(bad_pools) / sizeof(bad_pools[0]); i++) {
		const struct bad *b = &bad_pools[i];
		struct model_pools *p = (void *)1;
		struct model_err err;

		memset(&err, 0, sizeof(err));
		CU_ASSERT_NOT_EQUAL(model_pools_parse(b->b_doc, strlen(b->b_doc), &p, &err), 0);
		CU_ASSERT_PTR_NULL(p);
		CU_ASSERT(msg_has(&err, b, b->b_doc));
	}
}

static const struct ut_case user_cases[] = {
	{ "good documents and lookups", test_users_good },
	{ "5000 users, all found", test_users_many },
	{ "bad documents: exact paths, no secrets", test_users_bad },
	{ "length limits", test_users_limits },
	{ "to_json without secrets", test_users_to_json },
	{ "load from a directory", test_load },
	{ NULL, NULL },
};

static const struct ut_case pool_cases[] = {
	{ "good documents", test_pools_good },
	{ "index <-> address", test_pools_index },
	{ "to_json round trip", test_pools_round_trip },
	{ "bad documents: exact paths", test_pools_bad },
	{ NULL, NULL },
};

static const struct ut_suite users_suite = { "eap-users.json", user_cases };
static const struct ut_suite pools_suite = { "pools.json", pool_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &users_suite, &pools_suite, NULL };

	model_json_wipe_init();
	return ut_main(suites);
}
