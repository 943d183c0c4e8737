/*
 * test_sign.c: every signing method we produce round-trips through the
 * verifier (RSA classic 1; method 14 with RSA PKCS#1 v1.5 SHA-256/384/512,
 * RSASSA-PSS, ECDSA SHA-256/384/512; ECDSA classic 9/10/11), with the RFC
 * 7427 appendix A AlgorithmIdentifiers transcribed here independently;
 * tampering fails; methods that do not fit the key fail; SHA-1 in method
 * 14 is refused; malformed AUTH payloads are refused, never over-read.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ta.h"
#include "util/err.h"

#define H(x)       ((auth_hash_set)1 << (x))
#define ALL_HASHES (H(IKE_HASH_SHA2_256) | H(IKE_HASH_SHA2_384) | H(IKE_HASH_SHA2_512))

/* RFC 7427 appendix A, as printed there. */
#define A1_SHA256 "300d06092a864886f70d01010b0500"
#define A1_SHA384 "300d06092a864886f70d01010c0500"
#define A1_SHA512 "300d06092a864886f70d01010d0500"
#define A1_SHA1   "300d06092a864886f70d0101050500"
#define A3_SHA256 "300a06082a8648ce3d040302"
#define A3_SHA384 "300a06082a8648ce3d040303"
#define A3_SHA512 "300a06082a8648ce3d040304"
#define A3_SHA1   "300906072a8648ce3d0401"
#define A41_PSS   "300b06092a864886f70d01010a"
#define A42_PSS_SHA1                                                                           \
	"303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d0101" \
	"08300906052b0e03021a0500a203020114a303020101"
#define A43_PSS_SHA256                                                                         \
	"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886" \
	"f70d010108300d06096086480165030402010500a203020120a303020101"
/* A.4.3 with the hash and salt of SHA-384 */
#define PSS_SHA384                                                                             \
	"304606092a864886f70d01010a3039a00f300d06096086480165030402020500a11c301a06092a864886" \
	"f70d010108300d06096086480165030402020500a203020130a303020101"
/* as strongSwan writes it: trailerField left at its default */
#define PSS_SHA256_NO_TRAILER                                                                  \
	"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886" \
	"f70d010108300d06096086480165030402010500a203020120"
/* SHA-256 message hash but MGF1 with SHA-384 */
#define PSS_MGF_MISMATCH                                                                       \
	"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886" \
	"f70d010108300d06096086480165030402020500a203020120a303020101"
#define ED25519_ALG "300506032b6570"

static const uint8_t octets[] = "InitiatorSignedOctets: message | nonce | prf(SK_pi, IDi')";

struct signer {
	const char *sg_name; /* certs/ and keys/ of cfg_a */
	X509 **sg_ee;
	X509 **sg_ca; /* intermediate to send, or NULL */
	const char *sg_id;
};

static const struct signer s_rsa = { "rsa", &ta.ee_rsa, &ta.inter, "rsa.example.com" };
static const struct signer s_pss = { "pss", &ta.ee_pss, &ta.inter, "pss.example.com" };
static const struct signer s_p256 = { "p256", &ta.ee_p256, &ta.inter, "p256.example.com" };
static const struct signer s_p384 = { "p384", &ta.ee_p384, NULL, "p384.example.com" };
static const struct signer s_p521 = { "p521", &ta.ee_p521, NULL, "p521.example.com" };

static int verify_as(const struct signer *s, uint8_t method, const uint8_t *auth, size_t len,
		     const uint8_t *data, size_t data_len, char *why)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_policy pol = { .ap_any_id = true };
	struct auth_id id = ta_id(s->sg_id);
	struct ta_certs tc;
	int rc;

	ta_certs(&tc, *s->sg_ee, s->sg_ca ? *s->sg_ca : NULL, NULL);
	rc = auth_verify_pubkey(c, &pol, &tc.tc_pc, &id, method, auth, len, data, data_len, why,
				AUTH_WHY_LEN);
	ta_certs_free(&tc);
	auth_creds_unref(c);
	return rc;
}

static void sign_as(const struct signer *s, auth_hash_set peer, uint8_t *method, uint8_t *sig,
		    size_t *len)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = ta_local(c, s->sg_name);

	*len = AUTH_SIG_MAX;
	CU_ASSERT_FATAL(auth_sign(l, peer, octets, sizeof(octets), method, sig, len) == 0);
	auth_local_free(l);
	auth_creds_unref(c);
}

struct sign_case {
	const struct signer *sc_signer;
	auth_hash_set sc_peer;
	uint8_t sc_method;
	const char *sc_alg;  /* method 14: the AlgorithmIdentifier, hex */
	size_t sc_sig_len;   /* classic ECDSA: r | s; 0 = not fixed */
	const char *sc_desc; /* in why when tampered */
};

static const struct sign_case sign_cases[] = {
	{ &s_rsa, 0, IKE_AUTH_RSA_SIG, NULL, 256, "RSA PKCS#1 v1.5 with SHA-1" },
	{ &s_rsa, H(IKE_HASH_SHA2_256), 14, A1_SHA256, 0, "RSA PKCS#1 v1.5 with SHA-256" },
	{ &s_rsa, H(IKE_HASH_SHA2_384), 14, A1_SHA384, 0, "RSA PKCS#1 v1.5 with SHA-384" },
	{ &s_rsa, H(IKE_HASH_SHA2_512) | H(IKE_HASH_SHA1), 14, A1_SHA512, 0, "with SHA-512" },
	{ &s_rsa, ALL_HASHES, 14, A1_SHA512, 0, "RSA PKCS#1 v1.5 with SHA-512" },
	{ &s_rsa, H(IKE_HASH_SHA1), IKE_AUTH_RSA_SIG, NULL, 256, "with SHA-1" },
	{ &s_pss, ALL_HASHES, 14, A43_PSS_SHA256, 0, "RSASSA-PSS with SHA-256" },
	{ &s_pss, H(IKE_HASH_SHA2_384), 14, PSS_SHA384, 0, "RSASSA-PSS with SHA-384" },
	{ &s_pss, 0, 14, A43_PSS_SHA256, 0, "RSASSA-PSS with SHA-256" },
	{ &s_p256, 0, IKE_AUTH_ECDSA_256, NULL, 64, "ECDSA with SHA-256" },
	{ &s_p384, 0, IKE_AUTH_ECDSA_384, NULL, 96, "ECDSA with SHA-384" },
	{ &s_p521, 0, IKE_AUTH_ECDSA_521, NULL, 132, "ECDSA with SHA-512" },
	{ &s_p256, H(IKE_HASH_SHA2_256), 14, A3_SHA256, 0, "ECDSA with SHA-256" },
	{ &s_p256, H(IKE_HASH_SHA2_384), 14, A3_SHA384, 0, "ECDSA with SHA-384" },
	{ &s_p256, ALL_HASHES, 14, A3_SHA256, 0, "ECDSA with SHA-256" }, /* the curve's own hash */
	{ &s_p384, H(IKE_HASH_SHA2_256), 14, A3_SHA256, 0, "ECDSA with SHA-256" },
	{ &s_p521, H(IKE_HASH_SHA2_512), 14, A3_SHA512, 0, "ECDSA with SHA-512" },
};

static void check_case(const struct sign_case *sc)
{
	uint8_t sig[AUTH_SIG_MAX], alg[128], data[sizeof(octets)];
	char why[AUTH_WHY_LEN];
	uint8_t method = 0;
	size_t len = 0, alen;

	sign_as(sc->sc_signer, sc->sc_peer, &method, sig, &len);
	CU_ASSERT_EQUAL(method, sc->sc_method);
	if (sc->sc_alg) {
		alen = ut_hex(sc->sc_alg, alg, sizeof(alg));
		CU_ASSERT(len > 1 + alen && sig[0] == alen && memcmp(sig + 1, alg, alen) == 0);
	}
	if (sc->sc_sig_len)
		CU_ASSERT_EQUAL(len, sc->sc_sig_len);
	CU_ASSERT_EQUAL(verify_as(sc->sc_signer, method, sig, len, octets, sizeof(octets), why), 0);
	CU_ASSERT_STRING_EQUAL(why, "");
	/* one octet of the signed data changed */
	memcpy(data, octets, sizeof(data));
	data[7] ^= 0x20;
	CU_ASSERT_EQUAL(verify_as(sc->sc_signer, method, sig, len, data, sizeof(data), why),
			GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, "signature invalid"));
	CU_ASSERT_TRUE(ta_why_has(why, sc->sc_desc));
	/* the last signature byte changed */
	sig[len - 1] ^= 1;
	CU_ASSERT_EQUAL(verify_as(sc->sc_signer, method, sig, len, octets, sizeof(octets), why),
			GW_E_AUTH);
	/* truncated */
	sig[len - 1] ^= 1;
	CU_ASSERT_EQUAL(verify_as(sc->sc_signer, method, sig, len - 1, octets, sizeof(octets), why),
			GW_E_AUTH);
}

static void test_sign_roundtrips(void)
{
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++)
		check_case(&sign_cases[i]);
}

/* Replace the AlgorithmIdentifier of a method 14 AUTH payload. */
static size_t realg(const uint8_t *sig, size_t len, const char *alg_hex, uint8_t *out)
{
	uint8_t alg[128];
	size_t alen = ut_hex(alg_hex, alg, sizeof(alg)), old = 1 + sig[0];

	out[0] = (uint8_t)alen;
	memcpy(out + 1, alg, alen);
	memcpy(out + 1 + alen, sig + old, len - old);
	return 1 + alen + len - old;
}

static void expect_fail(const struct signer *s, uint8_t method, const uint8_t *auth, size_t len,
			const char *n1, const char *n2)
{
	char why[AUTH_WHY_LEN];

	CU_ASSERT_EQUAL(verify_as(s, method, auth, len, octets, sizeof(octets), why), GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, n1));
	if (n2)
		CU_ASSERT_TRUE(ta_why_has(why, n2));
}

static void test_sign_misfit(void)
{
	uint8_t sig[AUTH_SIG_MAX], alt[AUTH_SIG_MAX + 128], m;
	size_t len;

	sign_as(&s_p256, 0, &m, sig, &len);
	expect_fail(&s_p256, IKE_AUTH_ECDSA_384, sig, len, "ECDSA P-384 (10)",
		    "does not fit the certificate's ECDSA P-256 key");
	expect_fail(&s_rsa, IKE_AUTH_ECDSA_256, sig, len, "does not fit", "RSA-2048");
	sign_as(&s_p384, 0, &m, sig, &len);
	expect_fail(&s_p384, IKE_AUTH_ECDSA_256, sig, len, "does not fit", "ECDSA P-384 key");
	sign_as(&s_rsa, 0, &m, sig, &len);
	expect_fail(&s_p256, IKE_AUTH_RSA_SIG, sig, len, "RSA signature (1)", "ECDSA P-256 key");
	/* PKCS#1 v1.5 is not a scheme of an RSA-PSS key */
	expect_fail(&s_pss, IKE_AUTH_RSA_SIG, sig, len, "does not fit", "RSA-PSS-3072 key");
	sign_as(&s_rsa, H(IKE_HASH_SHA2_256), &m, sig, &len);
	expect_fail(&s_p256, 14, sig, len, "RSA PKCS#1 v1.5 with SHA-256", "does not fit");
	len = realg(sig, len, A3_SHA256, alt);
	expect_fail(&s_rsa, 14, alt, len, "ECDSA with SHA-256", "does not fit");
	expect_fail(&s_rsa, IKE_AUTH_PSK, sig, 32, "AUTH method 2", "not a signature method");
	expect_fail(&s_rsa, IKE_AUTH_NULL, sig, 32, "AUTH method 13", NULL);
}

static void test_sign_sha1_refused(void)
{
	uint8_t sig[AUTH_SIG_MAX], alt[AUTH_SIG_MAX + 128], m;
	size_t len, alen;

	/* A valid PKCS#1 v1.5 SHA-1 signature, labelled as method 14 */
	sign_as(&s_rsa, 0, &m, sig, &len);
	CU_ASSERT_FATAL(m == IKE_AUTH_RSA_SIG);
	alen = ut_hex(A1_SHA1, alt + 1, 64);
	alt[0] = (uint8_t)alen;
	memcpy(alt + 1 + alen, sig, len);
	expect_fail(&s_rsa, 14, alt, 1 + alen + len, "SHA-1", "refused");
	len = realg(alt, 1 + alen + len, A41_PSS, sig);
	expect_fail(&s_rsa, 14, sig, len, "SHA-1", "refused");
	len = realg(sig, len, A42_PSS_SHA1, alt);
	expect_fail(&s_rsa, 14, alt, len, "SHA-1", "refused");
	sign_as(&s_p256, H(IKE_HASH_SHA2_256), &m, sig, &len);
	len = realg(sig, len, A3_SHA1, alt);
	expect_fail(&s_p256, 14, alt, len, "ECDSA with SHA-1", "refused");
}

static void test_sign_malformed(void)
{
	static const uint8_t no_alg[] = { 0, 1, 2, 3 }, past_end[] = { 40, 0x30, 0x0d };
	uint8_t sig[AUTH_SIG_MAX], alt[AUTH_SIG_MAX + 128], m;
	size_t len, n;

	sign_as(&s_pss, ALL_HASHES, &m, sig, &len);
	expect_fail(&s_pss, 14, no_alg, sizeof(no_alg), "malformed AUTH payload", NULL);
	expect_fail(&s_pss, 14, past_end, sizeof(past_end), "malformed AUTH payload", NULL);
	expect_fail(&s_pss, 14, sig, 1 + sig[0], "malformed AUTH payload", NULL);
	n = realg(sig, len, ED25519_ALG, alt);
	expect_fail(&s_pss, 14, alt, n, "unsupported signature algorithm", "ED25519");
	n = realg(sig, len, "300306010aff", alt);
	expect_fail(&s_pss, 14, alt, n, "malformed AlgorithmIdentifier", NULL);
	n = realg(sig, len, PSS_MGF_MISMATCH, alt);
	expect_fail(&s_pss, 14, alt, n, "MGF1", NULL);
	/* wrong salt length claimed: 48 instead of 32 */
	n = realg(sig, len, PSS_SHA256_NO_TRAILER, alt);
	alt[1 + 0x42] = 0x30;
	expect_fail(&s_pss, 14, alt, n, "signature invalid", "RSASSA-PSS with SHA-256");
	expect_fail(&s_pss, 14, sig, 0, "AUTH payload of 0 bytes", NULL);
	expect_fail(&s_pss, 14, alt, AUTH_SIG_MAX + 1, "AUTH payload of", NULL);
}

/* The same PSS parameters encoded as strongSwan does (no trailerField)
 * verify too: we decode the parameters instead of comparing bytes. */
static void test_sign_pss_interop(void)
{
	uint8_t sig[AUTH_SIG_MAX], alt[AUTH_SIG_MAX + 128], m;
	const unsigned char *p;
	RSA_PSS_PARAMS *pss;
	X509_ALGOR *alg;
	char why[AUTH_WHY_LEN];
	size_t len, n;

	sign_as(&s_pss, H(IKE_HASH_SHA2_256), &m, sig, &len);
	n = realg(sig, len, PSS_SHA256_NO_TRAILER, alt);
	CU_ASSERT_EQUAL(verify_as(&s_pss, 14, alt, n, octets, sizeof(octets), why), 0);
	/* and the blob we send decodes, with OpenSSL, to SHA-256 / salt 32 */
	p = sig + 1;
	alg = d2i_X509_ALGOR(NULL, &p, sig[0]);
	CU_ASSERT_FATAL(alg != NULL && p == sig + 1 + sig[0]);
	CU_ASSERT_EQUAL(OBJ_obj2nid(alg->algorithm), NID_rsassaPss);
	pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
	CU_ASSERT_FATAL(pss != NULL);
	CU_ASSERT_EQUAL(OBJ_obj2nid(pss->hashAlgorithm->algorithm), NID_sha256);
	CU_ASSERT_EQUAL(ASN1_INTEGER_get(pss->saltLength), 32);
	RSA_PSS_PARAMS_free(pss);
	X509_ALGOR_free(alg);
	/* a PSS signature checked with another RSA key fails */
	sign_as(&s_pss, H(IKE_HASH_SHA2_256), &m, sig, &len);
	expect_fail(&s_rsa, 14, sig, len, "signature invalid", "RSASSA-PSS");
}

static void test_sign_small_buffer(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = ta_local(c, "rsa");
	uint8_t sig[AUTH_SIG_MAX], m;
	size_t len = 100;

	CU_ASSERT_EQUAL(auth_sign(l, 0, octets, sizeof(octets), &m, sig, &len), GW_E_RANGE);
	len = 10;
	CU_ASSERT_EQUAL(auth_sign(l, ALL_HASHES, octets, sizeof(octets), &m, sig, &len),
			GW_E_RANGE);
	len = sizeof(sig);
	CU_ASSERT_EQUAL(auth_sign(NULL, 0, octets, sizeof(octets), &m, sig, &len), GW_E_INVAL);
	auth_local_free(l);
	auth_creds_unref(c);
}

static const struct ut_case sign_cases_tab[] = {
	{ "every method round-trips; tampering fails", test_sign_roundtrips },
	{ "methods that do not fit the key", test_sign_misfit },
	{ "SHA-1 refused in method 14", test_sign_sha1_refused },
	{ "malformed AUTH payloads", test_sign_malformed },
	{ "PSS parameters decoded, not compared", test_sign_pss_interop },
	{ "output buffer too small", test_sign_small_buffer },
	{ NULL, NULL },
};

const struct ut_suite ta_sign_suite = { "auth signatures", sign_cases_tab };
