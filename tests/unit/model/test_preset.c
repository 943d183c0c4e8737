/*
 * Unit tests for the proposal presets of api/model (conn_preset.c): every
 * preset parses as IKE and ESP, "preset:NAME" expands in order, runs
 * print back as the entry that was written, overlapping presets share
 * proposals, and bad entries are refused with their JSON path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/model/model.h"
#include "conn_rt.h"
#include "gateway/util/err.h"
#include "test_conn.h"

/* A PSK site with IKE proposals I and ESP proposals E (JSON lists). */
#define DOC(i, e)                                                         \
	"{\"local\": {\"auth\": \"psk\"},"                                \
	" \"remote\": {\"auth\": \"psk\", \"id\": \"peer.example\"},"     \
	" \"ike\": {\"proposals\": [" i "]},"                             \
	" \"children\": [{\"name\": \"c\", \"esp_proposals\": [" e "]}]," \
	" \"psk\": \"s3cret-Key-77\"}"

static const char *const names[] = {
	"modern", "compat", "windows-default", "apple-default", "android-strongswan", "strongswan"
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static size_t count(const char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

static struct model_conn *parse_ok(const char *json)
{
	struct model_conn *c = NULL;
	struct model_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = model_conn_parse(json, strlen(json), "rw", &c, &err);
	if (rc)
		fprintf(stderr, "parse failed: %s: %s\n", err.me_path, err.me_msg);
	CU_ASSERT_EQUAL(rc, 0);
	return c;
}

/* The names the README documents, and nothing else. */
static void test_names(void)
{
	size_t i;

	for (i = 0; model_preset_name(i); i++) {
		CU_ASSERT_TRUE(i < N_NAMES);
		if (i < N_NAMES)
			CU_ASSERT_STRING_EQUAL(model_preset_name(i), names[i]);
		CU_ASSERT(strlen(model_preset_name(i)) < MODEL_PRESET_LEN);
	}
	CU_ASSERT_EQUAL(i, N_NAMES);
	CU_ASSERT_PTR_NULL(model_preset("nope", IKE_PROTO_IKE));
	CU_ASSERT_PTR_NULL(model_preset("Modern", IKE_PROTO_IKE));
	CU_ASSERT_PTR_NULL(model_preset("", IKE_PROTO_ESP));
}

/* Each string of every preset is a proposal of its protocol, fits
 * mp_str, and no list repeats one; the weak algorithms stay out of
 * "modern" and "compat". */
static void test_every_preset_parses(void)
{
	for (size_t i = 0; i < N_NAMES; i++) {
		for (uint8_t proto = IKE_PROTO_IKE; proto <= IKE_PROTO_ESP; proto += 2) {
			const char *const *l = model_preset(names[i], proto);
			struct proposal p[MODEL_MAX_PROPS];
			char err[128];
			size_t n = count(l);

			CU_ASSERT_TRUE(n >= 1 && n <= 4);
			for (size_t k = 0; k < n; k++) {
				if (strlen(l[k]) >= sizeof(((struct model_proposal *)0)->mp_str) ||
				    proposal_parse(l[k], proto, &p[k], err, sizeof(err))) {
					fprintf(stderr, "preset %s: '%s': %s\n", names[i], l[k],
						err);
					CU_FAIL("a preset proposal does not parse");
					continue;
				}
				for (size_t j = 0; j < k; j++)
					CU_ASSERT_NOT_EQUAL(strcmp(l[j], l[k]), 0);
				if (i < 2) {
					CU_ASSERT_PTR_NULL(strstr(l[k], "modp1024"));
					CU_ASSERT_PTR_NULL(strstr(l[k], "modp1536"));
					CU_ASSERT_PTR_NULL(strstr(l[k], "3des"));
					CU_ASSERT_PTR_NULL(strstr(l[k], "sha1"));
				}
			}
		}
	}
}

/* "preset:NAME" becomes NAME's proposals, in NAME's order, between the
 * entries written around it; mp_preset says where each came from. */
static void test_expansion_order(void)
{
	struct model_conn *c =
		parse_ok(DOC("\"aes128-sha256-x25519\", \"preset:windows-default\"",
			     "\"aes128gcm16\", \"preset:apple-default\", \"3des-sha1\""));
	const char *const *wi = model_preset("windows-default", IKE_PROTO_IKE);
	const char *const *ae = model_preset("apple-default", IKE_PROTO_ESP);
	const struct model_child *ch;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->c_n_props, 1 + count(wi));
	CU_ASSERT_STRING_EQUAL(c->c_props[0].mp_str, "aes128-sha256-x25519");
	CU_ASSERT_STRING_EQUAL(c->c_props[0].mp_preset, "");
	for (size_t k = 0; k < count(wi); k++) {
		CU_ASSERT_STRING_EQUAL(c->c_props[1 + k].mp_str, wi[k]);
		CU_ASSERT_STRING_EQUAL(c->c_props[1 + k].mp_preset, "windows-default");
		CU_ASSERT_EQUAL(c->c_props[1 + k].mp_prop.p_proto, IKE_PROTO_IKE);
	}
	/* Windows without registry changes: aes256 + sha1 + MODP 1024 */
	CU_ASSERT_PTR_NOT_NULL(strstr(wi[count(wi) - 1], "modp1024"));
	ch = &c->c_children[0];
	CU_ASSERT_EQUAL_FATAL(ch->c_n_props, 2 + count(ae));
	CU_ASSERT_STRING_EQUAL(ch->c_props[0].mp_str, "aes128gcm16");
	for (size_t k = 0; k < count(ae); k++) {
		CU_ASSERT_STRING_EQUAL(ch->c_props[1 + k].mp_str, ae[k]);
		CU_ASSERT_STRING_EQUAL(ch->c_props[1 + k].mp_preset, "apple-default");
		CU_ASSERT_EQUAL(ch->c_props[1 + k].mp_prop.p_proto, IKE_PROTO_ESP);
	}
	CU_ASSERT_STRING_EQUAL(ch->c_props[1 + count(ae)].mp_str, "3des-sha1");
	model_conn_free(c);
}

/* to_json(c)'s list at path ("ike" or "children.0"), as one string. */
static void json_list(const struct model_conn *c, bool esp, char *out, size_t len)
{
	char *s = model_conn_to_json(c);
	json_t *root = s ? json_loads(s, 0, NULL) : NULL, *a;
	size_t i, n = 0;
	json_t *v;

	out[0] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	if (esp)
		a = json_object_get(json_array_get(json_object_get(root, "children"), 0),
				    "esp_proposals");
	else
		a = json_object_get(json_object_get(root, "ike"), "proposals");
	json_array_foreach(a, i, v)
	{
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? "," : "", json_string_value(v));
		if (n >= len)
			break;
	}
	json_decref(root);
	free(s);
}

/*
 * to_json gives back the entries as written; parsing that again gives the
 * same struct (conn_rt_check). Two presets that share proposals: the
 * second keeps only what it adds ("compat" after "modern": its CBC
 * proposal), and still prints as its own entry.
 */
static void test_round_trip(void)
{
	static const char *const docs[][3] = {
		{ DOC("\"preset:windows-default\"", "\"preset:windows-default\""),
		  "preset:windows-default", "preset:windows-default" },
		{ DOC("\"preset:modern\", \"preset:compat\", \"aes128-sha1-modp1024\"",
		      "\"aes256-sha1\", \"preset:compat\""),
		  "preset:modern,preset:compat,aes128-sha1-modp1024", "aes256-sha1,preset:compat" },
		{ DOC("\"preset:compat\", \"preset:windows-default\", \"preset:apple-default\"",
		      "\"preset:modern\", \"preset:windows-default\", \"preset:apple-default\""),
		  "preset:compat,preset:windows-default,preset:apple-default",
		  "preset:modern,preset:windows-default,preset:apple-default" },
		{ DOC("\"preset:strongswan\"", "\"preset:android-strongswan\""),
		  "preset:strongswan", "preset:android-strongswan" },
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct model_conn *c = parse_ok(docs[i][0]);
		char why[4096], got[512];

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		json_list(c, false, got, sizeof(got));
		CU_ASSERT_STRING_EQUAL(got, docs[i][1]);
		json_list(c, true, got, sizeof(got));
		CU_ASSERT_STRING_EQUAL(got, docs[i][2]);
		if (conn_rt_check(c, "rw", why, sizeof(why))) {
			fprintf(stderr, "round trip %zu: %s\n", i, why);
			CU_FAIL("parse -> to_json -> parse changed the connection");
		}
		model_conn_free(c);
	}
}

/* Overlap: "compat" repeats "modern"'s proposal, which is kept once. */
static void test_overlap(void)
{
	struct model_conn *c =
		parse_ok(DOC("\"preset:modern\", \"preset:compat\"", "\"aes256gcm16\""));
	const char *const *m = model_preset("modern", IKE_PROTO_IKE);
	const char *const *k = model_preset("compat", IKE_PROTO_IKE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(k[0], m[0]); /* compat starts with modern */
	CU_ASSERT_EQUAL(c->c_n_props, count(k));
	CU_ASSERT_STRING_EQUAL(c->c_props[0].mp_preset, "modern");
	for (size_t i = 1; i < c->c_n_props; i++) {
		CU_ASSERT_STRING_EQUAL(c->c_props[i].mp_str, k[i]);
		CU_ASSERT_STRING_EQUAL(c->c_props[i].mp_preset, "compat");
	}
	model_conn_free(c);
}

struct bad_case {
	const char *json, *path, *msg_part;
};

static const struct bad_case bad[] = {
	{ DOC("\"aes128-sha256-x25519\", \"preset:nope\"", "\"aes256gcm16\""), "$.ike.proposals[1]",
	  "unknown proposal preset 'nope' (there are: modern, compat," },
	{ DOC("\"preset:\"", "\"aes256gcm16\""), "$.ike.proposals[0]",
	  "unknown proposal preset ''" },
	{ DOC("\"preset:Modern\"", "\"aes256gcm16\""), "$.ike.proposals[0]",
	  "unknown proposal preset 'Modern'" },
	{ DOC("\"preset:modern\\u0001\"", "\"aes256gcm16\""), "$.ike.proposals[0]",
	  "unknown proposal preset 'modern\\x01'" },
	{ DOC("\"preset:windows-default-with-a-very-long-name\"", "\"aes256gcm16\""),
	  "$.ike.proposals[0]", "unknown proposal preset" },
	{ DOC("\"aes128-sha256-x25519\"", "\"aes256gcm16\", \"preset:apple\""),
	  "$.children[0].esp_proposals[1]", "unknown proposal preset 'apple'" },
	/* a preset that brings nothing new is a mistake */
	{ DOC("\"preset:compat\", \"preset:modern\"", "\"aes256gcm16\""), "$.ike.proposals[1]",
	  "adds nothing: its proposals are all in the list already: 'preset:modern'" },
	{ DOC("\"preset:modern\", \"preset:modern\"", "\"aes256gcm16\""), "$.ike.proposals[1]",
	  "adds nothing" },
	{ DOC("\"preset:compat\"", "\"preset:compat\", \"preset:modern\""),
	  "$.children[0].esp_proposals[1]", "adds nothing" },
	/* written out after a preset that has it: a duplicate, as before */
	{ DOC("\"preset:apple-default\", \"aes256-sha256-modp2048-ecp256\"", "\"aes256gcm16\""),
	  "$.ike.proposals[1]", "same proposal as entry 0" },
	{ DOC("\"aes128-sha256-x25519\", \"preset:modern\", \"aes256-sha1-modp1024\","
	      " \"AES256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-x25519-ecp384-"
	      "ecp256\"",
	      "\"aes256gcm16\""),
	  "$.ike.proposals[3]", "same proposal as entry 1" },
	/* more than MODEL_MAX_PROPS once expanded */
	{ DOC("\"preset:windows-default\", \"preset:compat\", \"preset:apple-default\","
	      " \"aes128-sha1-modp1024\", \"3des-sha1-modp1024\"",
	      "\"aes256gcm16\""),
	  "$.ike.proposals[4]", "more than 8 proposals" },
	{ DOC("\"aes128-sha1-modp1024\", \"aes128-sha256-modp1024\", \"aes192-sha1-modp1024\","
	      " \"aes192-sha256-modp1024\", \"3des-sha1-modp1024\", \"3des-sha256-modp1024\","
	      " \"preset:windows-default\"",
	      "\"aes256gcm16\""),
	  "$.ike.proposals[6]", "more than 8 proposals once the preset is expanded" },
	/* the prefix is case-sensitive: anything else is a proposal */
	{ DOC("\"Preset:modern\"", "\"aes256gcm16\""), "$.ike.proposals[0]",
	  "not an IKE proposal" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct model_conn *c = (struct model_conn *)1;
		struct model_err err;
		int rc;

		memset(&err, 0, sizeof(err));
		rc = model_conn_parse(bad[i].json, strlen(bad[i].json), "rw", &c, &err);
		CU_ASSERT_NOT_EQUAL(rc, 0);
		CU_ASSERT_PTR_NULL(c);
		if (strcmp(err.me_path, bad[i].path) || !strstr(err.me_msg, bad[i].msg_part)) {
			fprintf(stderr, "case %zu: got %s: %s\n  want %s: ...%s...\n", i,
				err.me_path, err.me_msg, bad[i].path, bad[i].msg_part);
			CU_FAIL("wrong path or message");
		}
		if (strstr(err.me_msg, "s3cret"))
			CU_FAIL("the PSK is in the error");
		model_conn_free(c == (struct model_conn *)1 ? NULL : c);
	}
}

static const struct ut_case preset_cases[] = {
	{ "the preset names", test_names },
	{ "every preset parses (IKE and ESP)", test_every_preset_parses },
	{ "preset:NAME expands in order", test_expansion_order },
	{ "to_json writes the preset entry back; round trip", test_round_trip },
	{ "overlapping presets share proposals", test_overlap },
	{ "bad preset entries refused with their path", test_bad },
	{ NULL, NULL },
};

const struct ut_suite preset_suite = { "model/presets", preset_cases };
