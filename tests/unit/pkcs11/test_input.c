/*
 * test_input.c: what an admin can get wrong before any token is involved:
 * RFC 7512 URIs (good ones in their variety, malformed ones each with its
 * own message), PIN files (mode, empty, several lines, too long) and
 * module paths (missing, not a shared object, not a PKCS#11 module).
 */
#include <string.h>
#include <sys/stat.h>

#include "tp.h"
#include "util/err.h"

static void uri_good(void)
{
	struct p11_uri u;
	char why[256];

	CU_ASSERT_EQUAL(p11_uri_parse("pkcs11:token=palisade;object=gw-key;type=private", &u, why,
				      sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(u.u_token, "palisade");
	CU_ASSERT_STRING_EQUAL(u.u_object, "gw-key");
	CU_ASSERT(u.u_token_set && u.u_object_set && !u.u_id_set && !u.u_serial_set);
	/* %-escapes, binary id, slot-id, library version, vendor attribute, query */
	CU_ASSERT_EQUAL(p11_uri_parse("PKCS11:token=My%20Token;id=%01%ff;slot-id=7;"
				      "library-version=2.6;x-vendor=1;serial=0001"
				      "?module-path=/usr/lib/softhsm/libsofthsm2.so&x-q=a/b",
				      &u, why, sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(u.u_token, "My Token");
	CU_ASSERT_EQUAL(u.u_id_len, 2);
	CU_ASSERT(u.u_id[0] == 0x01 && u.u_id[1] == 0xff);
	CU_ASSERT(u.u_slot_id_set && u.u_slot_id == 7);
	CU_ASSERT(u.u_lib_ver_major == 2 && u.u_lib_ver_minor == 6);
	CU_ASSERT_STRING_EQUAL(u.u_module_path, "/usr/lib/softhsm/libsofthsm2.so");
	CU_ASSERT_STRING_EQUAL(u.u_serial, "0001");
	/* object names may hold '&' in the path (RFC 7512 path-res-avail) */
	CU_ASSERT_EQUAL(p11_uri_parse("pkcs11:object=a&b", &u, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(u.u_object, "a&b");
}

static void uri_bad_one(const char *uri, int rc, const char *needle)
{
	struct p11_uri u;
	char why[256];
	int got = p11_uri_parse(uri, &u, why, sizeof(why));

	if (got != rc)
		fprintf(stderr, "\n%s: %d (%s)\n", uri, got, why);
	CU_ASSERT_EQUAL(got, rc);
	CU_ASSERT(tp_has(why, needle));
	/* the message never quotes a value: here the secret "1234" */
	CU_ASSERT_PTR_NULL(strstr(why, "1234"));
}

static void uri_bad(void)
{
	uri_bad_one("file:/etc/key.pem", GW_E_PARSE, "not a pkcs11: URI");
	uri_bad_one("pkcs11:token=palisade", GW_E_INVAL, "object= or id=");
	uri_bad_one("pkcs11:", GW_E_INVAL, "object= or id=");
	uri_bad_one("pkcs11:object=k;colour=red", GW_E_PARSE, "unknown attribute 'colour'");
	uri_bad_one("pkcs11:object=k;object=j", GW_E_PARSE, "'object' given twice");
	uri_bad_one("pkcs11:object=k%2", GW_E_PARSE, "bad %-escape in object");
	uri_bad_one("pkcs11:object=k%zz", GW_E_PARSE, "bad %-escape");
	uri_bad_one("pkcs11:object=k%001234", GW_E_PARSE, "NUL byte");
	uri_bad_one("pkcs11:object=k?pin-value=1234", GW_E_INVAL, "no pin-value");
	uri_bad_one("pkcs11:object=k?pin-source=file:/x", GW_E_INVAL, "pin_file of gateway.json");
	uri_bad_one("pkcs11:object=k;type=cert", GW_E_INVAL, "type must be private");
	uri_bad_one("pkcs11:object=k;token=0123456789012345678901234567890123", GW_E_RANGE,
		    "token longer than 32");
	uri_bad_one("pkcs11:object=k;;id=%01", GW_E_PARSE, "empty attribute");
	uri_bad_one("pkcs11:object=k;", GW_E_PARSE, "empty attribute");
	uri_bad_one("pkcs11:object=k?module-path=/a&", GW_E_PARSE, "empty attribute");
	uri_bad_one("pkcs11:object=k k", GW_E_PARSE, "character not allowed in object");
	uri_bad_one("pkcs11:object=k/x", GW_E_PARSE, "character not allowed");
	uri_bad_one("pkcs11:object=k;slot-id=7a", GW_E_PARSE, "slot-id must be a decimal");
	uri_bad_one("pkcs11:object=k;library-version=x.1", GW_E_PARSE, "M or M.m");
	uri_bad_one("pkcs11:object=k;module-path=/x", GW_E_PARSE, "belongs in the query");
	uri_bad_one("pkcs11:object=k?token=t", GW_E_PARSE, "belongs in the path");
	uri_bad_one("pkcs11:object", GW_E_PARSE, "without name=value");
	uri_bad_one("pkcs11:=x;object=k", GW_E_PARSE, "without name=value");
}

static void pin_one(const char *text, unsigned mode, int rc, const char *needle)
{
	struct p11 *p = NULL;
	char why[256];
	int got;

	CU_ASSERT_FATAL(tp_write(tp_path("pin.t"), text, mode));
	got = tp_fake_try("ec", tp_path("pin.t"), 1, false, &p, why, sizeof(why));
	CU_ASSERT_EQUAL(got, rc);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT(tp_has(why, needle));
	CU_ASSERT_PTR_NULL(strstr(why, "secret"));
	p11_free(p);
}

static void pin_files(void)
{
	struct p11 *p = NULL;
	char why[256];

	pin_one("", 0600, GW_E_INVAL, "is empty");
	pin_one("\n", 0600, GW_E_INVAL, "is empty");
	pin_one("\r\n", 0600, GW_E_INVAL, "is empty");
	pin_one("secret\n", 0644, GW_E_INVAL, "mode 0644 lets others read it");
	pin_one("secret\n", 0640, GW_E_INVAL, "mode 0640");
	pin_one("secret\nmore\n", 0600, GW_E_INVAL, "more than one line");
	pin_one("secret\n\n", 0600, GW_E_INVAL, "more than one line");
	{
		char big[400];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		pin_one(big, 0600, GW_E_RANGE, "larger than a PIN");
	}
	CU_ASSERT_EQUAL(tp_fake_try("ec", tp_path("no-such-pin"), 1, false, &p, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT(tp_has(why, "No such file"));
	CU_ASSERT_EQUAL(tp_fake_try("ec", tp.dir, 1, false, &p, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT(tp_has(why, "not a regular file"));
	/* "1234\r\n" is the PIN 1234 */
	CU_ASSERT_FATAL(tp_write(tp_path("pin.crlf"), "1234\r\n", 0400));
	CU_ASSERT_EQUAL(tp_fake_try("ec", tp_path("pin.crlf"), 1, false, &p, why, sizeof(why)), 0);
	if (p) {
		struct p11_key *k = tp_key(p, "pkcs11:object=k");

		p11_key_free(k);
	}
	p11_free(p);
}

static void module_one(const char *path, int rc, const char *needle)
{
	struct p11_config cfg = { .pc_module = path, .pc_sessions = 1 };
	struct p11 *p = NULL;
	char why[512];

	CU_ASSERT_EQUAL(p11_new(&cfg, &p, why, sizeof(why)), rc);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT(tp_has(why, needle));
}

static void modules(void)
{
	struct p11_config cfg = { .pc_module = tp.fake, .pc_sessions = 0 };
	struct p11 *p = NULL;
	char why[256];

	module_one("/nonexistent/libx.so", GW_E_NOTFOUND, "/nonexistent/libx.so: no such file");
	module_one("libsofthsm2.so", GW_E_INVAL, "not an absolute path");
	module_one(tp.pin, GW_E_INVAL, "not a loadable shared library");
	module_one(tp.not_p11, GW_E_INVAL, "not a PKCS#11 module (no C_GetFunctionList)");
	module_one(tp.dir, GW_E_NOTFOUND, "no such file");
	CU_ASSERT_EQUAL(p11_new(&cfg, &p, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT(tp_has(why, "sessions must be 1-64"));
	cfg.pc_sessions = 65;
	CU_ASSERT_EQUAL(p11_new(&cfg, &p, why, sizeof(why)), GW_E_INVAL);
}

static const struct ut_case cases[] = {
	{ "URIs that parse", uri_good },
	{ "malformed URIs: one message each", uri_bad },
	{ "PIN files", pin_files },
	{ "module paths", modules },
	{ NULL, NULL },
};

const struct ut_suite tp_suite_input = { "pkcs11 input", cases };
