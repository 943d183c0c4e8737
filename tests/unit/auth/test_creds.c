/*
 * test_creds.c: loading cas/, certs/ and keys/ (and refusing broken
 * files with a message that names them), our local side (certificate,
 * chain, key match, identities), and CERTREQ contents.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ta.h"
#include "util/err.h"

/* A fresh config directory under the PKI's, with one file written. */
static void bad_cfg(const char *name, const char *rel, const char *text, mode_t mode, char *cfg,
		    size_t len)
{
	char path[512];
	int fd;

	snprintf(cfg, len, "%s/%s", ta.dir, name);
	CU_ASSERT_FATAL(mkdir(cfg, 0700) == 0);
	snprintf(path, sizeof(path), "%s/%.*s", cfg, (int)(strchr(rel, '/') - rel), rel);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/%s", cfg, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static char *pem_of_key(EVP_PKEY *k, const EVP_CIPHER *enc)
{
	static char buf[8192];
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_FATAL(PEM_write_bio_PrivateKey(b, k, enc, (unsigned char *)"pw", enc ? 2 : 0,
						 NULL, NULL) == 1);
	n = BIO_read(b, buf, sizeof(buf) - 1);
	CU_ASSERT_FATAL(n > 0);
	buf[n] = '\0';
	BIO_free(b);
	return buf;
}

static char *pem_of_cert(X509 *x)
{
	static char buf[8192];
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	CU_ASSERT_FATAL(b != NULL && PEM_write_bio_X509(b, x) == 1);
	n = BIO_read(b, buf, sizeof(buf) - 1);
	CU_ASSERT_FATAL(n > 0);
	buf[n] = '\0';
	BIO_free(b);
	return buf;
}

static void expect_load_error(const char *cfg, int rc_want, const char *n1, const char *n2)
{
	struct auth_creds *c = NULL;
	char why[AUTH_WHY_LEN];

	CU_ASSERT_EQUAL(auth_creds_load(cfg, &c, why, sizeof(why)), rc_want);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_TRUE(ta_why_has(why, n1));
	CU_ASSERT_TRUE(ta_why_has(why, n2));
}

static void test_creds_load(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a), *c2;
	char cfg[256];

	CU_ASSERT_TRUE(auth_creds_has_ca(c, "corp"));
	CU_ASSERT_TRUE(auth_creds_has_ca(c, "corp.pem"));
	CU_ASSERT_TRUE(auth_creds_has_ca(c, "alt"));
	CU_ASSERT_FALSE(auth_creds_has_ca(c, "p256"));
	CU_ASSERT_FALSE(auth_creds_has_ca(c, "cor"));
	CU_ASSERT_FALSE(auth_creds_has_ca(NULL, "corp"));
	c2 = auth_creds_ref(c);
	CU_ASSERT_PTR_EQUAL(c2, c);
	auth_creds_unref(c);
	CU_ASSERT_TRUE(auth_creds_has_ca(c2, "corp")); /* still alive */
	auth_creds_unref(c2);
	auth_creds_unref(NULL);
	/* A directory without cas/, certs/, keys/ is empty, not an error. */
	snprintf(cfg, sizeof(cfg), "%s/empty", ta.dir);
	CU_ASSERT_FATAL(mkdir(cfg, 0700) == 0);
	c = ta_creds(cfg);
	CU_ASSERT_FALSE(auth_creds_has_ca(c, "corp"));
	auth_creds_unref(c);
}

static void test_creds_bad_files(void)
{
	char cfg[256];

	bad_cfg("lax", "keys/lax.pem", pem_of_key(ta.k_p256, NULL), 0640, cfg, sizeof(cfg));
	expect_load_error(cfg, GW_E_INVAL, "keys/lax.pem", "group or others (mode 0640)");
	bad_cfg("enc", "keys/enc.pem", pem_of_key(ta.k_p256, EVP_aes_128_cbc()), 0600, cfg,
		sizeof(cfg));
	expect_load_error(cfg, GW_E_PARSE, "keys/enc.pem", "encrypted");
	bad_cfg("nokey", "keys/x.pem", "hello\n", 0600, cfg, sizeof(cfg));
	expect_load_error(cfg, GW_E_PARSE, "keys/x.pem", "no PEM private key");
	bad_cfg("junk", "cas/junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA!!\n", 0644, cfg,
		sizeof(cfg));
	expect_load_error(cfg, GW_E_PARSE, "cas/junk.pem", "PEM");
	bad_cfg("nocert", "cas/e.pem", "nothing here\n", 0644, cfg, sizeof(cfg));
	expect_load_error(cfg, GW_E_PARSE, "cas/e.pem", "no PEM certificate");
	bad_cfg("notca", "cas/ee.pem", pem_of_cert(ta.ee_p256), 0644, cfg, sizeof(cfg));
	expect_load_error(cfg, GW_E_INVAL, "cas/ee.pem", "not a CA certificate");
	bad_cfg("keyincerts", "certs/k.pem", pem_of_key(ta.k_p256, NULL), 0600, cfg, sizeof(cfg));
	expect_load_error(cfg, GW_E_PARSE, "certs/k.pem", "expected CERTIFICATE");
}

static void test_local(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = ta_local(c, "p256");
	unsigned char *ee = NULL, *inter = NULL;
	int ee_len = i2d_X509(ta.ee_p256, &ee), inter_len = i2d_X509(ta.inter, &inter);
	struct auth_id sid, want = ta_id("C=CH, O=Example, CN=p256.example.com");
	struct auth_id ip = ta_id("2001:db8::1"), mail = ta_id("USER@example.com");
	struct auth_id other = ta_id("p384.example.com");
	const uint8_t *der;
	size_t len;

	der = auth_local_cert(l, &len);
	CU_ASSERT(len == (size_t)ee_len && memcmp(der, ee, len) == 0);
	der = auth_local_chain(l, 0, &len);
	CU_ASSERT(der && len == (size_t)inter_len && memcmp(der, inter, len) == 0);
	CU_ASSERT_PTR_NULL(auth_local_chain(l, 1, &len));
	CU_ASSERT_EQUAL(len, 0);
	/* The cert's PrintableString DN equals our UTF8String parse of it. */
	CU_ASSERT_EQUAL(auth_local_subject_id(l, &sid), 0);
	CU_ASSERT_TRUE(auth_id_equal(&sid, &want));
	CU_ASSERT_TRUE(auth_local_has_id(l, &sid));
	CU_ASSERT_TRUE(auth_local_has_id(l, &ip));
	CU_ASSERT_TRUE(auth_local_has_id(l, &mail));
	CU_ASSERT_FALSE(auth_local_has_id(l, &other));
	auth_local_free(l);
	/* The local side keeps its own references beyond the creds. */
	l = ta_local(c, "p384");
	auth_creds_unref(c);
	CU_ASSERT_PTR_NOT_NULL(auth_local_cert(l, &len));
	CU_ASSERT_PTR_NULL(auth_local_chain(l, 0, &len)); /* the root is not sent */
	auth_local_free(l);
	auth_local_free(NULL);
	OPENSSL_free(ee);
	OPENSSL_free(inter);
}

static void test_local_errors(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = NULL;
	char why[AUTH_WHY_LEN];

	CU_ASSERT_EQUAL(auth_local_new(c, "rsa", "p256", &l, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT_TRUE(ta_why_has(why, "keys/p256.pem does not match"));
	CU_ASSERT_EQUAL(auth_local_new(c, "nope", "p256", &l, why, sizeof(why)), GW_E_NOTFOUND);
	CU_ASSERT_TRUE(ta_why_has(why, "certs/nope.pem"));
	CU_ASSERT_EQUAL(auth_local_new(c, "p256", "nope", &l, why, sizeof(why)), GW_E_NOTFOUND);
	CU_ASSERT_TRUE(ta_why_has(why, "keys/nope.pem"));
	/* no pkcs11 module configured: pointed to gateway.json, the URI not echoed */
	CU_ASSERT_EQUAL(auth_local_new(c, "p256", "pkcs11:token=t;object=k?pin-value=1234", &l, why,
				       sizeof(why)),
			GW_E_INVAL);
	CU_ASSERT_TRUE(ta_why_has(why, "gateway.json"));
	CU_ASSERT_PTR_NULL(strstr(why, "1234"));
	CU_ASSERT_PTR_NULL(l);
	CU_ASSERT_EQUAL(auth_local_new(c, "p256.pem", "p256.pem", &l, why, sizeof(why)), 0);
	auth_local_free(l);
	auth_creds_unref(c);
}

/* CERTREQ: SHA-1 of each CA's DER SubjectPublicKeyInfo (RFC 7296 3.7). */
static void spki_sha1(X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(X509_get0_pubkey(x), &der);
	size_t len = 0;

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(EVP_Q_digest(NULL, "SHA1", NULL, der, (size_t)n, out, &len) == 1);
	OPENSSL_free(der);
}

static void test_certreq(void)
{
	struct auth_creds *a = ta_creds(ta.cfg_a), *b = ta_creds(ta.cfg_b);
	uint8_t out[100], h_root[20], h_inter[20], h_alt[20];
	size_t len = 0;

	spki_sha1(ta.root, h_root);
	spki_sha1(ta.inter, h_inter);
	spki_sha1(ta.alt, h_alt);
	CU_ASSERT_EQUAL(auth_certreq(a, "corp", out, sizeof(out), &len), 0);
	CU_ASSERT(len == 20 && memcmp(out, h_root, 20) == 0);
	/* all of cas/, in name order: alt.pem, corp.pem */
	CU_ASSERT_EQUAL(auth_certreq(a, NULL, out, sizeof(out), &len), 0);
	CU_ASSERT(len == 40 && memcmp(out, h_alt, 20) == 0 && memcmp(out + 20, h_root, 20) == 0);
	CU_ASSERT_EQUAL(auth_certreq(b, "", out, sizeof(out), &len), 0);
	CU_ASSERT(len == 40 && memcmp(out, h_root, 20) == 0 && memcmp(out + 20, h_inter, 20) == 0);
	CU_ASSERT_EQUAL(auth_certreq(b, "corp", out, 39, &len), GW_E_RANGE);
	CU_ASSERT_EQUAL(auth_certreq(a, "nope", out, sizeof(out), &len), GW_E_NOTFOUND);
	auth_creds_unref(a);
	auth_creds_unref(b);
}

static const struct ut_case creds_cases[] = {
	{ "load, names, refcount, empty dir", test_creds_load },
	{ "broken files refused with their name", test_creds_bad_files },
	{ "local side: cert, chain, subject id, SAN ids", test_local },
	{ "local side errors; no PKCS#11 PIN in why", test_local_errors },
	{ "CERTREQ hashes", test_certreq },
	{ NULL, NULL },
};

const struct ut_suite ta_creds_suite = { "auth credentials", creds_cases };
