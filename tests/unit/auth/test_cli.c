/*
 * test_cli.c: a cross-check with an independent implementation, the
 * openssl command line. `openssl dgst -verify` accepts the signatures we
 * make (classic ECDSA after turning r|s into DER, RSA PKCS#1 v1.5 with
 * SHA-1, method 14 PKCS#1, PSS and ECDSA after stripping the
 * AlgorithmIdentifier) and rejects them over other data; signatures made
 * by `openssl dgst -sign` pass our verifier with the matching method.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "ta.h"
#include "util/err.h"

#define A1_SHA256 "300d06092a864886f70d01010b0500"
#define A3_SHA384 "300a06082a8648ce3d040303"
#define A43_PSS_SHA256                                                                         \
	"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886" \
	"f70d010108300d06096086480165030402010500a203020120a303020101"

static const uint8_t octets[] = "octets for the openssl command line, signed both ways";

static char cli_dir[256];

static const char *cli_path(const char *name)
{
	static char buf[4][320]; /* up to four paths in one command */
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", cli_dir, name);
	return buf[i];
}

static void put_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(cli_path(name), "wb");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(data, 1, len, f) == len);
	CU_ASSERT_FATAL(fclose(f) == 0);
}

static size_t get_file(const char *name, uint8_t *out, size_t max)
{
	size_t len = 0;
	uint8_t *p = ut_read_file(cli_path(name), &len);

	CU_ASSERT_FATAL(len <= max);
	memcpy(out, p, len);
	free(p);
	return len;
}

static void cli_setup(void)
{
	static const struct {
		const char *name;
		EVP_PKEY **key;
	} pubs[] = { { "rsa.pub", &ta.k_rsa },
		     { "pss.pub", &ta.k_pss },
		     { "p256.pub", &ta.k_p256 },
		     { "p384.pub", &ta.k_p384 } };
	uint8_t other[sizeof(octets)];

	if (cli_dir[0])
		return;
	snprintf(cli_dir, sizeof(cli_dir), "%s/cli", ta.dir);
	CU_ASSERT_FATAL(mkdir(cli_dir, 0700) == 0);
	for (size_t i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++) {
		FILE *f = fopen(cli_path(pubs[i].name), "w");

		CU_ASSERT_FATAL(f != NULL && PEM_write_PUBKEY(f, *pubs[i].key) == 1);
		fclose(f);
	}
	put_file("data", octets, sizeof(octets));
	memcpy(other, octets, sizeof(other));
	other[0] ^= 1;
	put_file("other", other, sizeof(other));
}

/* Exit status of a shell command (openssl's output discarded). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t raw_to_der(const uint8_t *raw, size_t len, uint8_t *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	unsigned char *p = der;
	int n;

	CU_ASSERT_FATAL(s != NULL);
	ECDSA_SIG_set0(s, BN_bin2bn(raw, (int)len / 2, NULL),
		       BN_bin2bn(raw + len / 2, (int)len / 2, NULL));
	n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

static size_t der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *raw)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL(BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, (int)half) == (int)half);
	CU_ASSERT_FATAL(BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + half, (int)half) == (int)half);
	ECDSA_SIG_free(s);
	return 2 * half;
}

static void our_sign(const char *name, auth_hash_set peer, uint8_t want_method, uint8_t *sig,
		     size_t *len)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = ta_local(c, name);
	uint8_t m = 0;

	*len = AUTH_SIG_MAX;
	CU_ASSERT_FATAL(auth_sign(l, peer, octets, sizeof(octets), &m, sig, len) == 0);
	CU_ASSERT_FATAL(m == want_method);
	auth_local_free(l);
	auth_creds_unref(c);
}

/* openssl verifies sig over data and refuses it over other. */
static void openssl_checks(const char *opts, const char *pub, const uint8_t *sig, size_t len)
{
	put_file("sig", sig, len);
	CU_ASSERT_EQUAL(sh("openssl dgst %s -verify %s -signature %s %s", opts, cli_path(pub),
			   cli_path("sig"), cli_path("data")),
			0);
	CU_ASSERT_NOT_EQUAL(sh("openssl dgst %s -verify %s -signature %s %s", opts, cli_path(pub),
			       cli_path("sig"), cli_path("other")),
			    0);
}

static void test_cli_verifies_ours(void)
{
	uint8_t sig[AUTH_SIG_MAX], der[160];
	size_t len;

	cli_setup();
	our_sign("p256", 0, IKE_AUTH_ECDSA_256, sig, &len);
	CU_ASSERT_FATAL(len == 64);
	openssl_checks("-sha256", "p256.pub", der, raw_to_der(sig, len, der));
	our_sign("p384", 0, IKE_AUTH_ECDSA_384, sig, &len);
	openssl_checks("-sha384", "p384.pub", der, raw_to_der(sig, len, der));
	our_sign("rsa", 0, IKE_AUTH_RSA_SIG, sig, &len);
	openssl_checks("-sha1", "rsa.pub", sig, len);
	our_sign("rsa", 1u << IKE_HASH_SHA2_256, 14, sig, &len);
	openssl_checks("-sha256", "rsa.pub", sig + 1 + sig[0], len - 1 - sig[0]);
	our_sign("pss", 1u << IKE_HASH_SHA2_256, 14, sig, &len);
	openssl_checks("-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "
		       "-sigopt rsa_mgf1_md:sha256",
		       "pss.pub", sig + 1 + sig[0], len - 1 - sig[0]);
	our_sign("p384", 1u << IKE_HASH_SHA2_384, 14, sig, &len);
	openssl_checks("-sha384", "p384.pub", sig + 1 + sig[0], len - 1 - sig[0]);
}

/* Sign data with openssl, and return the signature. */
static size_t openssl_sign(const char *opts, const char *key, uint8_t *sig)
{
	char keypath[320];

	snprintf(keypath, sizeof(keypath), "%s/keys/%s.pem", ta.cfg_a, key);
	CU_ASSERT_FATAL(sh("openssl dgst %s -sign %s -out %s %s", opts, keypath, cli_path("osig"),
			   cli_path("data")) == 0);
	return get_file("osig", sig, AUTH_SIG_MAX);
}

static void verify_theirs(X509 *ee, X509 *ca, const char *id, uint8_t method, const char *alg,
			  const uint8_t *sig, size_t len, int want)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_policy pol = { .ap_any_id = true };
	struct auth_id pid = ta_id(id);
	uint8_t auth[AUTH_SIG_MAX + 128];
	char why[AUTH_WHY_LEN];
	struct ta_certs tc;
	size_t alen = 0;
	int rc;

	if (alg) {
		alen = ut_hex(alg, auth + 1, 100);
		auth[0] = (uint8_t)alen++;
	}
	memcpy(auth + alen, sig, len);
	ta_certs(&tc, ee, ca, NULL);
	rc = auth_verify_pubkey(c, &pol, &tc.tc_pc, &pid, method, auth, alen + len, octets,
				sizeof(octets), why, sizeof(why));
	if (rc != want)
		fprintf(stderr, "\nverify_theirs(%s): %d, %s\n", id, rc, why);
	CU_ASSERT_EQUAL(rc, want);
	if (want == GW_E_AUTH)
		CU_ASSERT_TRUE(ta_why_has(why, "signature invalid"));
	ta_certs_free(&tc);
	auth_creds_unref(c);
}

static void test_cli_we_verify_theirs(void)
{
	uint8_t sig[AUTH_SIG_MAX], raw[160];
	size_t len, rlen;

	cli_setup();
	len = openssl_sign("-sha256", "p256", sig);
	rlen = der_to_raw(sig, len, 32, raw);
	verify_theirs(ta.ee_p256, ta.inter, "p256.example.com", IKE_AUTH_ECDSA_256, NULL, raw, rlen,
		      0);
	len = openssl_sign("-sha512", "p521", sig);
	rlen = der_to_raw(sig, len, 66, raw);
	verify_theirs(ta.ee_p521, NULL, "p521.example.com", IKE_AUTH_ECDSA_521, NULL, raw, rlen, 0);
	len = openssl_sign("-sha1", "rsa", sig);
	verify_theirs(ta.ee_rsa, ta.inter, "rsa.example.com", IKE_AUTH_RSA_SIG, NULL, sig, len, 0);
	len = openssl_sign("-sha256", "rsa", sig);
	verify_theirs(ta.ee_rsa, ta.inter, "rsa.example.com", 14, A1_SHA256, sig, len, 0);
	/* the same signature claimed as SHA-1 method 1 fails */
	verify_theirs(ta.ee_rsa, ta.inter, "rsa.example.com", IKE_AUTH_RSA_SIG, NULL, sig, len,
		      GW_E_AUTH);
	len = openssl_sign("-sha384", "p384", sig);
	verify_theirs(ta.ee_p384, NULL, "p384.example.com", 14, A3_SHA384, sig, len, 0);
	/* PSS from a plain RSA (rsaEncryption) key, and from the RSA-PSS key */
	len = openssl_sign("-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "
			   "-sigopt rsa_mgf1_md:sha256",
			   "rsa", sig);
	verify_theirs(ta.ee_rsa, ta.inter, "rsa.example.com", 14, A43_PSS_SHA256, sig, len, 0);
	len = openssl_sign("-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32", "pss",
			   sig);
	verify_theirs(ta.ee_pss, ta.inter, "pss.example.com", 14, A43_PSS_SHA256, sig, len, 0);
	sig[len / 2] ^= 0x80;
	verify_theirs(ta.ee_pss, ta.inter, "pss.example.com", 14, A43_PSS_SHA256, sig, len,
		      GW_E_AUTH);
}

static const struct ut_case cli_cases[] = {
	{ "openssl dgst -verify accepts our signatures", test_cli_verifies_ours },
	{ "we accept openssl dgst -sign signatures", test_cli_we_verify_theirs },
	{ NULL, NULL },
};

const struct ut_suite ta_cli_suite = { "auth vs openssl(1)", cli_cases };
