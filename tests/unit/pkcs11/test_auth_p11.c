/*
 * test_auth_p11.c: auth/ with a key in the token (the fake module): the
 * certificate found by name, by public key in certs/, or on the token;
 * a certificate of another key refused, naming the URI; AUTH payloads
 * signed through the token (RFC 7427 method 14 and the classic methods)
 * verified by auth/'s own verifier.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "auth/auth.h"
#include "tp.h"
#include "util/err.h"
#include "util/iana.h"

#define URI "pkcs11:token=fake;object=k"

/* A config directory: cas/ca.pem, certs/gw-ec.pem, certs/gw-rsa.pem. */
static const char *cfg_dir(void)
{
	static char dir[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/cfg", tp.dir);
	mkdir(dir, 0700);
	mkdir(tp_path("cfg/cas"), 0700);
	mkdir(tp_path("cfg/certs"), 0700);
	if ((f = fopen(tp_path("cfg/cas/ca.pem"), "w")) != NULL) {
		PEM_write_X509(f, tp.ca_cert);
		fclose(f);
	}
	if ((f = fopen(tp_path("cfg/certs/gw-ec.pem"), "w")) != NULL) {
		PEM_write_X509(f, tp.ec_cert);
		fclose(f);
	}
	if ((f = fopen(tp_path("cfg/certs/gw-rsa.pem"), "w")) != NULL) {
		PEM_write_X509(f, tp.rsa_cert);
		fclose(f);
	}
	return dir;
}

static struct auth_creds *creds(struct p11 *p)
{
	struct auth_creds *c = NULL;
	char why[AUTH_WHY_LEN];

	if (auth_creds_load(cfg_dir(), &c, why, sizeof(why)) != 0)
		fprintf(stderr, "\ncreds: %s\n", why);
	CU_ASSERT_FATAL(c != NULL);
	auth_creds_set_p11(c, p);
	return c;
}

/* Sign as IKE_AUTH would and verify as the peer would. */
static bool round_trip(struct auth_local *l, auth_hash_set peer, X509 *cert, uint8_t want_method)
{
	static const uint8_t octets[] = "RealMessage1 | NonceRData | prf(SK_pi, IDi')";
	struct auth_policy pol = { .ap_ca = "ca", .ap_any_id = true };
	struct auth_peer_certs pc = { 0 };
	struct auth_creds *vc;
	uint8_t sig[AUTH_SIG_MAX], method = 0;
	size_t len = sizeof(sig);
	unsigned char *der = NULL;
	struct auth_id id;
	char why[AUTH_WHY_LEN];
	int n, rc;

	if ((rc = auth_sign(l, peer, octets, sizeof(octets), &method, sig, &len)) != 0) {
		fprintf(stderr, "\nauth_sign: %s\n", gw_strerror(rc));
		return false;
	}
	if (method != want_method) {
		fprintf(stderr, "\nmethod %u, want %u\n", method, want_method);
		return false;
	}
	n = i2d_X509(cert, &der);
	pc.pc_n = 1;
	pc.pc_der[0] = der;
	pc.pc_len[0] = (size_t)n;
	auth_local_subject_id(l, &id);
	vc = creds(NULL);
	rc = auth_verify_pubkey(vc, &pol, &pc, &id, method, sig, len, octets, sizeof(octets), why,
				sizeof(why));
	auth_creds_unref(vc);
	if (rc != 0)
		fprintf(stderr, "\nverify: %s\n", why);
	OPENSSL_free(der);
	return rc == 0;
}

/* Is l's certificate x? */
static bool same_cert(const struct auth_local *l, X509 *x)
{
	size_t n;
	const unsigned char *der = auth_local_cert(l, &n);
	X509 *y = d2i_X509(NULL, &der, (long)n);
	bool same = y != NULL && X509_cmp(x, y) == 0;

	X509_free(y);
	return same;
}

#define HASHES(...) hash_bits((const uint8_t[]){ __VA_ARGS__, 0 })

static auth_hash_set hash_bits(const uint8_t *h)
{
	auth_hash_set s = 0;

	for (; *h; h++)
		s |= (auth_hash_set)1 << *h;
	return s;
}

static void ec_key(void)
{
	struct auth_creds *c;
	struct auth_local *l = NULL;
	struct p11 *p;
	char why[AUTH_WHY_LEN];

	tp.reset();
	p = tp_fake("ec", false, tp.pin, 2, false);
	c = creds(p);
	/* by name */
	CU_ASSERT_EQUAL_FATAL(auth_local_new(c, "gw-ec", URI, &l, why, sizeof(why)), 0);
	CU_ASSERT(round_trip(l, HASHES(IKE_HASH_SHA2_256, IKE_HASH_SHA2_384), tp.ec_cert,
			     IKE_AUTH_DIGITAL_SIG));
	CU_ASSERT(round_trip(l, 0, tp.ec_cert, IKE_AUTH_ECDSA_256));
	auth_local_free(l);
	/* by public key, without a name */
	CU_ASSERT_EQUAL_FATAL(auth_local_new(c, "", URI, &l, why, sizeof(why)), 0);
	CU_ASSERT(same_cert(l, tp.ec_cert));
	auth_local_free(l);
	/* the certificate of another key */
	CU_ASSERT_EQUAL(auth_local_new(c, "gw-rsa", URI, &l, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT(tp_has(why, "certs/gw-rsa.pem does not match the key " URI));
	CU_ASSERT_EQUAL(auth_local_new(c, "nope", URI, &l, why, sizeof(why)), GW_E_NOTFOUND);
	auth_creds_unref(c);
	p11_free(p);
}

/* No public key on the token: the test signature tells a wrong cert. */
static void ec_no_pubkey(void)
{
	struct auth_creds *c;
	struct auth_local *l = NULL;
	struct p11 *p;
	char why[AUTH_WHY_LEN];
	EVP_PKEY *other = EVP_EC_gen("P-256");
	X509 *save = tp.ec_cert;

	tp.reset();
	tp.set(FAKE_NO_PUBKEY, 1);
	p = tp_fake("ec", false, tp.pin, 1, false);
	c = creds(p);
	CU_ASSERT_EQUAL(auth_local_new(c, "", URI, &l, why, sizeof(why)), GW_E_NOTFOUND);
	CU_ASSERT(tp_has(why, "no certificate for the key"));
	CU_ASSERT_EQUAL_FATAL(auth_local_new(c, "gw-ec", URI, &l, why, sizeof(why)), 0);
	auth_local_free(l);
	auth_creds_unref(c);
	/* certs/gw-ec.pem for another P-256 key */
	{
		FILE *f = fopen(tp_path("other.crt"), "w");
		X509 *x = X509_dup(tp.ec_cert);

		X509_set_pubkey(x, other);
		X509_sign(x, tp.ca, EVP_sha256());
		tp.ec_cert = x;
		c = creds(p);
		CU_ASSERT_EQUAL(auth_local_new(c, "gw-ec", URI, &l, why, sizeof(why)), GW_E_INVAL);
		CU_ASSERT(tp_has(why,
				 "does not match the key " URI " (its signature does not verify)"));
		auth_creds_unref(c);
		tp.ec_cert = save;
		X509_free(x);
		if (f)
			fclose(f);
	}
	EVP_PKEY_free(other);
	p11_free(p);
	tp.reset();
}

static void token_cert_only(void)
{
	struct auth_creds *c;
	struct auth_local *l = NULL;
	struct p11 *p;
	char why[AUTH_WHY_LEN];

	tp.reset();
	p = tp_fake("ec", true, tp.pin, 1, false);
	c = creds(p);
	remove(tp_path("cfg/certs/gw-ec.pem"));
	/* certs/ has no match once gw-ec.pem is gone: the token's certificate */
	{
		struct auth_creds *c2 = NULL;

		CU_ASSERT_FATAL(auth_creds_load(tp_path("cfg"), &c2, why, sizeof(why)) == 0);
		auth_creds_set_p11(c2, p);
		CU_ASSERT_EQUAL_FATAL(auth_local_new(c2, NULL, URI, &l, why, sizeof(why)), 0);
		CU_ASSERT(same_cert(l, tp.ec_cert));
		auth_creds_unref(c2);
	}
	CU_ASSERT(round_trip(l, HASHES(IKE_HASH_SHA2_512), tp.ec_cert, IKE_AUTH_DIGITAL_SIG));
	auth_local_free(l);
	auth_creds_unref(c);
	p11_free(p);
}

static void rsa_key(void)
{
	struct p11_config cfg = {
		.pc_module = tp.fake, .pc_pin_file = tp.pin, .pc_sessions = 1, .pc_rsa_pss = true
	};
	struct auth_creds *c;
	struct auth_local *l = NULL;
	struct p11 *p = NULL;
	char why[AUTH_WHY_LEN];

	tp.reset();
	p = tp_fake("rsa", false, tp.pin, 1, false);
	c = creds(p);
	CU_ASSERT_EQUAL_FATAL(auth_local_new(c, "gw-rsa", URI, &l, why, sizeof(why)), 0);
	CU_ASSERT(round_trip(l, HASHES(IKE_HASH_SHA2_256), tp.rsa_cert, IKE_AUTH_DIGITAL_SIG));
	CU_ASSERT(round_trip(l, 0, tp.rsa_cert, IKE_AUTH_RSA_SIG));
	CU_ASSERT(tp.get(FAKE_CNT_SIGN_COMBINED) >= 3);
	auth_local_free(l);
	auth_creds_unref(c);
	p11_free(p);
	/* rsa_pss: the token signs PSS (CKM_SHA256_RSA_PKCS_PSS), or with
	 * it refused, CKM_RSA_PKCS_PSS over our digest */
	tp.set(FAKE_REFUSE, 1L << 5);
	setenv("FAKEP11_KEY", tp.rsa_key, 1);
	CU_ASSERT_FATAL(p11_new(&cfg, &p, why, sizeof(why)) == 0);
	c = creds(p);
	CU_ASSERT_EQUAL_FATAL(auth_local_new(c, "gw-rsa", URI, &l, why, sizeof(why)), 0);
	CU_ASSERT(round_trip(l, HASHES(IKE_HASH_SHA2_256, IKE_HASH_SHA2_512), tp.rsa_cert,
			     IKE_AUTH_DIGITAL_SIG));
	CU_ASSERT(round_trip(l, 0, tp.rsa_cert, IKE_AUTH_RSA_SIG));
	CU_ASSERT(tp.get(FAKE_CNT_SIGN_RAW) >= 2);
	auth_local_free(l);
	auth_creds_unref(c);
	p11_free(p);
	tp.reset();
}

static void no_module(void)
{
	struct auth_creds *c = creds(NULL);
	struct auth_local *l = NULL;
	char why[AUTH_WHY_LEN];

	CU_ASSERT_EQUAL(auth_local_new(c, "gw-ec", URI, &l, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT(tp_has(why, "pkcs11 section of gateway.json"));
	auth_creds_unref(c);
}

static const struct ut_case cases[] = {
	{ "EC token key: certificate by name or public key", ec_key },
	{ "no public key on the token: a test signature decides", ec_no_pubkey },
	{ "the certificate stored on the token", token_cert_only },
	{ "RSA token key: PKCS#1, PSS (rsa_pss), classic method 1", rsa_key },
	{ "pkcs11: key without a module", no_module },
	{ NULL, NULL },
};

const struct ut_suite tp_suite_auth = { "auth with token keys", cases };
