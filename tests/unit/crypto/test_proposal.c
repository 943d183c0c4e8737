/*
 * test_proposal.c: strongSwan-style proposal strings: parse, canonical
 * form, round trip stability, and named errors.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

static const struct {
	uint8_t proto;
	const char *in, *canon;
} good[] = {
	{ IKE_PROTO_IKE, "aes256gcm16-prfsha384-x25519", "aes256gcm16-prfsha384-x25519" },
	/* no PRF named: one per integrity algorithm, as strongSwan does */
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048" },
	{ IKE_PROTO_IKE, "aes256-sha384-ecp384", "aes256-sha384-prfsha384-ecp384" },
	{ IKE_PROTO_IKE, "chacha20poly1305-prfsha256-curve25519",
	  "chacha20poly1305-prfsha256-x25519" },
	{ IKE_PROTO_IKE, "aes128-aes256-sha256-sha384-modp2048-ecp256",
	  "aes128-aes256-sha256-sha384-prfsha256-prfsha384-modp2048-ecp256" },
	{ IKE_PROTO_IKE, "aes-sha-modp3072", "aes128-sha1-prfsha1-modp3072" },
	/* what old clients offer (weak, accepted only when written) */
	{ IKE_PROTO_IKE, "3des-sha1-modp1024", "3des-sha1-prfsha1-modp1024" },
	{ IKE_PROTO_IKE, "aes256-3des-sha256-sha1-modp2048-modp1536-modp1024",
	  "aes256-3des-sha256-sha1-prfsha256-prfsha1-modp2048-modp1536-modp1024" },
	/* case-insensitive; within a type the admin's order (preference) is kept */
	{ IKE_PROTO_IKE, "AES256GCM128-PRFSHA512-Curve448-ecp521",
	  "aes256gcm16-prfsha512-x448-ecp521" },
	{ IKE_PROTO_IKE, "aes192-sha2_512-prfsha1-modp4096-x448",
	  "aes192-sha512-prfsha1-modp4096-x448" },
	{ IKE_PROTO_IKE, "aes128gcm8-aes256gcm96-prfsha256-ecp256",
	  "aes128gcm8-aes256gcm12-prfsha256-ecp256" },
	/* ESP: no ESN keyword means no ESN, printed explicitly */
	{ IKE_PROTO_ESP, "aes256gcm16", "aes256gcm16-noesn" },
	{ IKE_PROTO_ESP, "aes128gcm16-modp2048", "aes128gcm16-modp2048-noesn" },
	{ IKE_PROTO_ESP, "aes128-sha256-esn", "aes128-sha256-esn" },
	{ IKE_PROTO_ESP, "aes256-sha512-noesn", "aes256-sha512-noesn" },
	{ IKE_PROTO_ESP, "esn-aes128-sha1-noesn", "aes128-sha1-esn-noesn" },
	{ IKE_PROTO_ESP, "chacha20poly1305-x25519", "chacha20poly1305-x25519-noesn" },
	{ IKE_PROTO_ESP, "3des-sha1", "3des-sha1-noesn" },
};

static bool xf_has(const struct proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == type && p->p_xf[i].x_id == id &&
		    p->p_xf[i].x_keylen == keylen)
			return true;
	return false;
}

static void test_examples_round_trip(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct proposal a, b;
		char err[128], out[256], out2[256];

		if (proposal_parse(good[i].in, good[i].proto, &a, err, sizeof(err)) != 0) {
			CU_FAIL(good[i].in);
			continue;
		}
		CU_ASSERT_EQUAL(a.p_proto, good[i].proto);
		CU_ASSERT_EQUAL_FATAL(proposal_format(&a, out, sizeof(out)), 0);
		if (strcmp(out, good[i].canon) != 0) {
			fprintf(stderr, "'%s' printed as '%s'\n", good[i].in, out);
			CU_FAIL(good[i].canon);
		}
		/* parse -> format -> parse is stable */
		CU_ASSERT_EQUAL_FATAL(proposal_parse(out, good[i].proto, &b, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(a.p_n, b.p_n);
		for (size_t x = 0; x < a.p_n && x < b.p_n; x++) {
			CU_ASSERT_EQUAL(a.p_xf[x].x_type, b.p_xf[x].x_type);
			CU_ASSERT_EQUAL(a.p_xf[x].x_id, b.p_xf[x].x_id);
			CU_ASSERT_EQUAL(a.p_xf[x].x_keylen, b.p_xf[x].x_keylen);
		}
		CU_ASSERT_EQUAL(proposal_format(&b, out2, sizeof(out2)), 0);
		CU_ASSERT_STRING_EQUAL(out, out2);
	}
}

static void test_transforms(void)
{
	struct proposal p;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("aes256gcm16-prfsha384-x25519", IKE_PROTO_IKE, &p, err, sizeof(err)),
		0);
	CU_ASSERT_EQUAL(p.p_n, 3);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_PRF, IKE_PRF_HMAC_SHA2_384, 0));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_KE, IKE_KE_CURVE25519, 0));
	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("aes128-sha256-modp2048", IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.p_n, 4);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_KE, IKE_KE_MODP2048, 0));
	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("aes128-sha256-esn", IKE_PROTO_ESP, &p, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_ESN, IKE_ESN_YES, 0));
	CU_ASSERT_FALSE(xf_has(&p, IKE_XF_ESN, IKE_ESN_NO, 0));
	CU_ASSERT_EQUAL_FATAL(proposal_parse("aes256gcm16", IKE_PROTO_ESP, &p, err, sizeof(err)),
			      0);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_ESN, IKE_ESN_NO, 0));
	CU_ASSERT_EQUAL(p.p_proto, IKE_PROTO_ESP);
	/* 3DES has no Key Length attribute (RFC 7296 3.3.5: fixed key) */
	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("3des-sha1-modp1024", IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_ENCR, IKE_ENCR_3DES, 0));
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_KE, IKE_KE_MODP1024, 0));
	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("aes256-sha256-modp1536", IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(xf_has(&p, IKE_XF_KE, IKE_KE_MODP1536, 0));
}

/* Every keyword names an algorithm crypto/ implements. */
static void test_keywords_supported(void)
{
	static const char *const encr[] = { "aes",         "aes128",      "aes192",
					    "aes256",      "aes128gcm16", "aes256gcm128",
					    "aes192gcm12", "aes128gcm64", "chacha20poly1305",
					    "3des" };
	static const char *const integ[] = {
		"sha", "sha1", "sha256", "sha2_256", "sha384", "sha512"
	};
	static const char *const ke[] = { "modp1024", "modp1536",   "modp2048", "modp3072",
					  "modp4096", "ecp256",     "ecp384",   "ecp521",
					  "x25519",   "curve25519", "x448",     "curve448" };
	char buf[128], err[128];
	struct proposal p;

	for (size_t i = 0; i < sizeof(encr) / sizeof(encr[0]); i++) {
		snprintf(buf, sizeof(buf), "%s-prfsha256-x25519", encr[i]);
		if (strstr(encr[i], "gcm") == NULL && strstr(encr[i], "poly") == NULL)
			snprintf(buf, sizeof(buf), "%s-sha256-x25519", encr[i]);
		CU_ASSERT_EQUAL_FATAL(proposal_parse(buf, IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(encr_supported(p.p_xf[0].x_id, p.p_xf[0].x_keylen));
	}
	for (size_t i = 0; i < sizeof(integ) / sizeof(integ[0]); i++) {
		snprintf(buf, sizeof(buf), "aes128-%s-ecp256", integ[i]);
		CU_ASSERT_EQUAL_FATAL(proposal_parse(buf, IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(integ_supported(p.p_xf[1].x_id));
		CU_ASSERT_TRUE(prf_supported(p.p_xf[2].x_id));
	}
	for (size_t i = 0; i < sizeof(ke) / sizeof(ke[0]); i++) {
		snprintf(buf, sizeof(buf), "aes128gcm16-prfsha512-%s", ke[i]);
		CU_ASSERT_EQUAL_FATAL(proposal_parse(buf, IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(ke_group_supported(p.p_xf[2].x_id));
	}
}

static const struct {
	uint8_t proto;
	const char *in;
	int rc;
	const char *msg; /* must appear in errbuf */
} bad[] = {
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048-foo", GW_E_INVAL, "unknown algorithm 'foo'" },
	/* not implemented: MODP 768 (group 1), single DES, MD5 */
	{ IKE_PROTO_IKE, "aes128-sha256-modp768", GW_E_INVAL, "unknown algorithm 'modp768'" },
	{ IKE_PROTO_IKE, "des-sha1-modp2048", GW_E_INVAL, "unknown algorithm 'des'" },
	{ IKE_PROTO_ESP, "aes128-md5", GW_E_INVAL, "unknown algorithm 'md5'" },
	{ IKE_PROTO_IKE, "aes256gcm16-sha256-prfsha256-x25519", GW_E_INVAL,
	  "AEAD 'aes256gcm16' cannot take integrity algorithm 'sha256'" },
	{ IKE_PROTO_ESP, "aes128gcm16-sha1", GW_E_INVAL,
	  "AEAD 'aes128gcm16' cannot take integrity algorithm 'sha1'" },
	{ IKE_PROTO_IKE, "aes128-aes128gcm16-sha256-modp2048", GW_E_INVAL,
	  "AEAD 'aes128gcm16' and non-AEAD 'aes128'" },
	{ IKE_PROTO_IKE, "sha256-prfsha256-modp2048", GW_E_INVAL, "no encryption algorithm" },
	{ IKE_PROTO_IKE, "aes256gcm16-x25519", GW_E_INVAL, "needs a PRF" },
	{ IKE_PROTO_IKE, "aes128-sha256", GW_E_INVAL, "needs a key exchange group" },
	{ IKE_PROTO_IKE, "aes128-prfsha256-modp2048", GW_E_INVAL,
	  "'aes128' needs an integrity algorithm" },
	{ IKE_PROTO_ESP, "aes128", GW_E_INVAL, "'aes128' needs an integrity algorithm" },
	{ IKE_PROTO_ESP, "aes128-sha256-prfsha256", GW_E_INVAL,
	  "'prfsha256': an ESP proposal has no PRF" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048-esn", GW_E_INVAL, "'esn': ESN is for ESP" },
	{ IKE_PROTO_IKE, "aes128-aes128-sha256-modp2048", GW_E_INVAL,
	  "algorithm 'aes128' given twice" },
	{ IKE_PROTO_IKE, "aes128--sha256-modp2048", GW_E_INVAL, "empty algorithm name" },
	{ IKE_PROTO_IKE, "aes128-sha256-modp2048-", GW_E_INVAL, "empty algorithm name" },
	{ IKE_PROTO_IKE, "", GW_E_INVAL, "empty proposal" },
	{ IKE_PROTO_IKE, "aes128-\001x", GW_E_INVAL, "unknown algorithm '\\x01x'" },
	{ IKE_PROTO_AH, "aes128-sha256", GW_E_UNSUP, "IKE or ESP" },
};

static void test_errors_named(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proposal p;
		char err[160] = "";
		int rc = proposal_parse(bad[i].in, bad[i].proto, &p, err, sizeof(err));

		CU_ASSERT_EQUAL(rc, bad[i].rc);
		if (strstr(err, bad[i].msg) == NULL)
			CU_FAIL(bad[i].msg);
		CU_ASSERT_EQUAL(p.p_n, 0); /* nothing half-parsed is left */
	}
	/* no error buffer is fine */
	{
		struct proposal p;

		CU_ASSERT_EQUAL(proposal_parse("nope", IKE_PROTO_IKE, &p, NULL, 0), GW_E_INVAL);
		CU_ASSERT_EQUAL(proposal_parse(NULL, IKE_PROTO_IKE, &p, NULL, 0), GW_E_INVAL);
	}
}

static void test_format_limits(void)
{
	struct proposal p;
	char err[64], small[10];

	CU_ASSERT_EQUAL_FATAL(
		proposal_parse("aes128-sha256-modp2048", IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(proposal_format(&p, small, sizeof(small)), GW_E_RANGE);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(proposal_format(&p, small, 0), GW_E_RANGE);
	/* a transform with no keyword cannot be printed */
	p.p_xf[0].x_id = IKE_ENCR_AES_CTR;
	p.p_xf[0].x_keylen = 128;
	CU_ASSERT_EQUAL(proposal_format(&p, err, sizeof(err)), GW_E_INVAL);
}

static const struct ut_case proposal_cases[] = {
	{ "examples parse and print back", test_examples_round_trip },
	{ "transform IDs and key lengths", test_transforms },
	{ "every keyword is implemented", test_keywords_supported },
	{ "errors name the problem", test_errors_named },
	{ "format buffer limits", test_format_limits },
	{ NULL, NULL },
};

const struct ut_suite tc_proposal_suite = { "crypto/proposal", proposal_cases };
