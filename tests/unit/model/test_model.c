/* Unit tests for api/model: gateway.json validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/model/model.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "runner.h"

static int parse(const char *json, struct gw_settings *gs, struct model_err *err)
{
	return gw_settings_parse(json, strlen(json), gs, err);
}

static void test_defaults(void)
{
	struct gw_settings gs;
	struct model_err err;

	CU_ASSERT_EQUAL_FATAL(parse("{}", &gs, &err), 0);
	CU_ASSERT_EQUAL(gs.gs_n_listen, 2);
	CU_ASSERT_STRING_EQUAL(gs.gs_listen[1], "::");
	CU_ASSERT_EQUAL(gs.gs_ike_port, 500);
	CU_ASSERT_EQUAL(gs.gs_natt_port, 4500);
	CU_ASSERT_EQUAL(gs.gs_datapath, MODEL_DP_AUTO);
	CU_ASSERT_EQUAL(gs.gs_replay_window, 1024);
	CU_ASSERT_EQUAL(gs.gs_nat_keepalive, 20);
}

static void test_full(void)
{
	struct gw_settings gs;
	struct model_err err;
	const char *json = "{\"listen\": [\"192.0.2.1\", \"2001:db8::1\", \"127.0.0.1\"],"
			   " \"ike_port\": 1500, \"natt_port\": 14500, \"workers\": 4,"
			   " \"datapath\": \"userspace\", \"tun_name\": \"vpn7\","
			   " \"replay_window\": 4096, \"cookie_threshold\": 0,"
			   " \"nat_keepalive\": 0, \"log_level\": \"debug\"}";

	CU_ASSERT_EQUAL_FATAL(parse(json, &gs, &err), 0);
	CU_ASSERT_EQUAL(gs.gs_n_listen, 3);
	CU_ASSERT_STRING_EQUAL(gs.gs_listen[1], "2001:db8::1");
	CU_ASSERT_EQUAL(gs.gs_ike_port, 1500);
	CU_ASSERT_EQUAL(gs.gs_natt_port, 14500);
	CU_ASSERT_EQUAL(gs.gs_workers, 4);
	CU_ASSERT_EQUAL(gs.gs_datapath, MODEL_DP_USERSPACE);
	CU_ASSERT_STRING_EQUAL(gs.gs_tun_name, "vpn7");
	CU_ASSERT_EQUAL(gs.gs_replay_window, 4096);
	CU_ASSERT_EQUAL(gs.gs_cookie_threshold, 0);
	CU_ASSERT_EQUAL(gs.gs_log_level, LOG_DEBUG);
}

/* Each bad document: the error names the path, and the output is untouched. */
static void test_bad(void)
{
	static const struct {
		const char *json;
		const char *path;
		const char *msg_part;
	} bad[] = {
		{ "", "$", "line" },
		{ "[1]", "$", "JSON object" },
		{ "{\"listen\": []}", "$.listen", "non-empty" },
		{ "{\"listen\": [\"10.0.0\"]}", "$.listen[0]", "'10.0.0'" },
		{ "{\"listen\": [\"::1\", 5]}", "$.listen[1]", "string" },
		{ "{\"ike_port\": 0}", "$.ike_port", "between 1 and 65535" },
		{ "{\"ike_port\": 70000}", "$.ike_port", "'70000'" },
		{ "{\"natt_port\": \"4500\"}", "$.natt_port", "integer" },
		{ "{\"ike_port\": 600, \"natt_port\": 600}", "$.natt_port", "differ" },
		{ "{\"datapath\": \"kernel\"}", "$.datapath", "'kernel'" },
		{ "{\"tun_name\": \"a/b\"}", "$.tun_name", "interface name" },
		{ "{\"tun_name\": \"0123456789abcdef\"}", "$.tun_name", "interface name" },
		{ "{\"replay_window\": 1}", "$.replay_window", "between" },
		{ "{\"log_level\": \"loud\"}", "$.log_level", "'loud'" },
		{ "{\"lissten\": []}", "$", "unknown setting: 'lissten'" },
		{ "{\"workers\": 1, \"workers\": 2}", "$", "duplicate" },
		{ "{\"x\": \"\\u0001\\n\"}", "$", "'x'" },
		{ "{\"pkcs11\": true}", "$.pkcs11", "must be an object" },
		{ "{\"pkcs11\": {}}", "$.pkcs11.module", "required" },
		{ "{\"pkcs11\": {\"module\": \"libsofthsm2.so\"}}", "$.pkcs11.module",
		  "absolute path: 'libsofthsm2.so'" },
		{ "{\"pkcs11\": {\"module\": \"/usr/lib/../x.so\"}}", "$.pkcs11.module",
		  "absolute path" },
		{ "{\"pkcs11\": {\"module\": 5}}", "$.pkcs11.module", "must be a string" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"pin_file\": \"\"}}", "$.pkcs11.pin_file",
		  "absolute path" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"pin_file\": \"/a\\nb\"}}",
		  "$.pkcs11.pin_file", "absolute path" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"sessions\": 0}}", "$.pkcs11.sessions",
		  "between 1 and 64" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"sessions\": 65}}", "$.pkcs11.sessions",
		  "'65'" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"rsa_pss\": \"yes\"}}", "$.pkcs11.rsa_pss",
		  "true or false" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"require_non_extractable\": 1}}",
		  "$.pkcs11.require_non_extractable", "true or false" },
		{ "{\"pkcs11\": {\"module\": \"/m.so\", \"pin\": \"1234\"}}", "$.pkcs11",
		  "unknown setting: 'pin'" },
	};
	struct gw_settings gs;
	struct model_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&gs, 0x5a, sizeof(gs));
		memset(&err, 0, sizeof(err));
		CU_ASSERT_NOT_EQUAL(parse(bad[i].json, &gs, &err), 0);
		CU_ASSERT_STRING_EQUAL(err.me_path, bad[i].path);
		if (!strstr(err.me_msg, bad[i].msg_part)) {
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err.me_msg,
				bad[i].msg_part);
			CU_FAIL("message does not name the problem");
		}
		CU_ASSERT_EQUAL(gs.gs_ike_port, 0x5a5a);
	}
}

static void test_escape_in_errors(void)
{
	struct gw_settings gs;
	struct model_err err;
	char buf[300];

	CU_ASSERT_NOT_EQUAL(parse("{\"datapath\": \"x\\ny\\u001b[31m\"}", &gs, &err), 0);
	CU_ASSERT_PTR_NULL(strchr(err.me_msg, '\n'));
	CU_ASSERT_PTR_NULL(strchr(err.me_msg, 0x1b));
	model_err_str(&err, "gateway.json", buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "gateway.json: $.datapath: "));
}

static void test_pkcs11(void)
{
	const char *json = "{\"pkcs11\": {\"module\": \"/usr/lib/softhsm/libsofthsm2.so\","
			   " \"pin_file\": \"/etc/palisade/hsm.pin\", \"sessions\": 8,"
			   " \"require_non_extractable\": true, \"rsa_pss\": true}}";
	struct gw_settings gs;
	struct model_err err;

	CU_ASSERT_EQUAL_FATAL(parse("{}", &gs, &err), 0);
	CU_ASSERT_FALSE(gs.gs_pkcs11.p_enabled);
	CU_ASSERT_EQUAL(gs.gs_pkcs11.p_sessions, 4);
	CU_ASSERT_EQUAL_FATAL(parse(json, &gs, &err), 0);
	CU_ASSERT_TRUE(gs.gs_pkcs11.p_enabled);
	CU_ASSERT_STRING_EQUAL(gs.gs_pkcs11.p_module, "/usr/lib/softhsm/libsofthsm2.so");
	CU_ASSERT_STRING_EQUAL(gs.gs_pkcs11.p_pin_file, "/etc/palisade/hsm.pin");
	CU_ASSERT_EQUAL(gs.gs_pkcs11.p_sessions, 8);
	CU_ASSERT_TRUE(gs.gs_pkcs11.p_require_non_extractable);
	CU_ASSERT_TRUE(gs.gs_pkcs11.p_rsa_pss);
	/* only the module is required: a token without a user PIN */
	CU_ASSERT_EQUAL_FATAL(parse("{\"pkcs11\": {\"module\": \"/m.so\"}}", &gs, &err), 0);
	CU_ASSERT_STRING_EQUAL(gs.gs_pkcs11.p_pin_file, "");
	CU_ASSERT_EQUAL(gs.gs_pkcs11.p_sessions, 4);
	CU_ASSERT_FALSE(gs.gs_pkcs11.p_require_non_extractable);
}

static void test_load_file(void)
{
	char dir[] = "/tmp/palisade-model-XXXXXX";
	char path[sizeof(dir) + 20];
	struct gw_settings gs;
	struct model_err err;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL(gw_settings_load(dir, &gs, &err), 0); /* absent: defaults */
	CU_ASSERT_EQUAL(gs.gs_ike_port, 500);
	snprintf(path, sizeof(path), "%s/gateway.json", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "w"));
	fputs("{\"ike_port\": 5000}", f);
	fclose(f);
	CU_ASSERT_EQUAL(gw_settings_load(dir, &gs, &err), 0);
	CU_ASSERT_EQUAL(gs.gs_ike_port, 5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "w"));
	fputs("{\"ike_port\": ", f);
	fclose(f);
	CU_ASSERT_EQUAL(gw_settings_load(dir, &gs, &err), GW_E_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.me_msg, "line 1"));
	unlink(path);
	rmdir(dir);
}

static const struct ut_case cases[] = {
	{ "defaults", test_defaults },
	{ "every setting", test_full },
	{ "bad documents", test_bad },
	{ "peer text escaped in errors", test_escape_in_errors },
	{ "pkcs11 section", test_pkcs11 },
	{ "load from a directory", test_load_file },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "model/gateway.json", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	model_json_wipe_init(); /* every test below runs on the wiping allocator */
	return ut_main(suites);
}
