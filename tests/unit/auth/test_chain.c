/*
 * test_chain.c: the peer's certificate chain and identity. Each case
 * presents certificates as CERT payloads with a valid ECDSA signature by
 * the P-256 key those certificates share, so only trust, dates, policy
 * or identity can fail, and checks the reason the admin would read.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth_int.h"
#include "ta.h"
#include "util/err.h"

#define DAY (24 * 3600L)

struct chain_case {
	const char *cc_name;
	int cc_cfg; /* 0: cfg_a (cas: root, alt), 1: cfg_b (cas: root + inter) */
	X509 **cc_ee, **cc_ca1, **cc_ca2;
	const char *cc_peer_id;
	const char *cc_conf_id; /* NULL: %any */
	const char *cc_ca;
	const char *cc_pinned;
	long cc_now; /* seconds from now for ap_now, 0 = unset */
	int cc_rc;
	const char *cc_why1, *cc_why2;
};

#define INTER_DN "C=CH, O=Palisade Test, CN=Test Intermediate"
#define P256_DN  "C=CH, O=Example, CN=p256.example.com"

static const struct chain_case chain_cases[] = {
	{ "intermediate sent by the peer", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com",
	  "p256.example.com", NULL, NULL, 0, 0, NULL, NULL },
	{ "intermediate only in cas/", 1, &ta.ee_p256, NULL, NULL, "p256.example.com", NULL, "corp",
	  NULL, 0, 0, NULL, NULL },
	{ "intermediate and root both sent", 0, &ta.ee_p256, &ta.inter, &ta.root,
	  "p256.example.com", NULL, NULL, NULL, 0, 0, NULL, NULL },
	{ "missing intermediate", 0, &ta.ee_p256, NULL, NULL, "p256.example.com", NULL, NULL, NULL,
	  0, GW_E_AUTH, "unable to get issuer certificate '" INTER_DN "'", "of '" P256_DN "'" },
	{ "missing intermediate, ca set", 0, &ta.ee_p256, NULL, NULL, "p256.example.com", NULL,
	  "corp", NULL, 0, GW_E_AUTH, "unable to get issuer", "not in cas/corp.pem" },
	{ "untrusted root not sent", 0, &ta.ee_untrusted, NULL, NULL, "untrusted.example.com", NULL,
	  NULL, NULL, 0, GW_E_AUTH, "unable to get issuer certificate", "CN=Other Root" },
	{ "untrusted root sent", 0, &ta.ee_untrusted, &ta.other, NULL, "untrusted.example.com",
	  NULL, NULL, NULL, 0, GW_E_AUTH, "untrusted self-signed certificate", "CN=Other Root" },
	{ "ca restriction met", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL,
	  "corp.pem", NULL, 0, 0, NULL, NULL },
	{ "wrong ca restriction", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL, "alt",
	  NULL, 0, GW_E_AUTH, "does not lead to cas/alt.pem",
	  "anchor 'C=CH, O=Palisade Test, "
	  "CN=Test Root'" },
	{ "second root, its own ca", 0, &ta.ee_alt, NULL, NULL, "altca.example.com", NULL, "alt",
	  NULL, 0, 0, NULL, NULL },
	{ "second root, other ca", 0, &ta.ee_alt, NULL, NULL, "altca.example.com", NULL, "corp",
	  NULL, 0, GW_E_AUTH, "does not lead to cas/corp.pem", "CN=Alt Root" },
	{ "unknown ca", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL, "nope", NULL, 0,
	  GW_E_AUTH, "ca is not loaded", NULL },
	{ "expired", 0, &ta.ee_expired, &ta.inter, NULL, "expired.example.com", NULL, NULL, NULL, 0,
	  GW_E_AUTH, "certificate 'C=CH, O=Example, CN=expired.example.com' expired on ", " UTC" },
	{ "not yet valid", 0, &ta.ee_notyet, &ta.inter, NULL, "notyet.example.com", NULL, NULL,
	  NULL, 0, GW_E_AUTH, "CN=notyet.example.com' is not valid before ", NULL },
	{ "expired at ap_now", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL, NULL,
	  NULL, 800 * DAY, GW_E_AUTH, "expired on", NULL },
	{ "not yet valid at ap_now", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL,
	  NULL, NULL, -3 * DAY, GW_E_AUTH, "not valid before", NULL },
	{ "identity not in certificate", 0, &ta.ee_p256, &ta.inter, NULL, "other.example.com", NULL,
	  NULL, NULL, 0, GW_E_AUTH,
	  "identity 'other.example.com' not in certificate (subjectAltName: "
	  "DNS:p256.example.com, DNS:alt.example.com, IP:192.0.2.1, IP:2001:db8::1, "
	  "email:user@example.com)",
	  NULL },
	{ "identity not the configured one", 0, &ta.ee_p256, &ta.inter, NULL, "alt.example.com",
	  "p256.example.com", NULL, NULL, 0, GW_E_AUTH, "identity 'alt.example.com'",
	  "not the configured remote id 'p256.example.com'" },
	{ "second dNSName", 0, &ta.ee_p256, &ta.inter, NULL, "ALT.example.com", "alt.example.com",
	  NULL, NULL, 0, 0, NULL, NULL },
	{ "DN identity", 0, &ta.ee_dn, &ta.inter, NULL, "C=CH, O=Example, CN=dn only",
	  "/C=CH/O=Example/CN=dn only", NULL, NULL, 0, 0, NULL, NULL },
	{ "DN identity, other DN", 0, &ta.ee_dn, &ta.inter, NULL, "C=CH, O=Example, CN=other", NULL,
	  NULL, NULL, 0, GW_E_AUTH, "identity 'C=CH, O=Example, CN=other'",
	  "not the certificate subject 'C=CH, O=Example, CN=dn only'" },
	{ "DN identity of a cert with SANs", 0, &ta.ee_p256, &ta.inter, NULL, P256_DN, NULL, NULL,
	  NULL, 0, 0, NULL, NULL },
	{ "FQDN, cert without SAN", 0, &ta.ee_dn, &ta.inter, NULL, "dn.example.com", NULL, NULL,
	  NULL, 0, GW_E_AUTH, "'dn.example.com' not in certificate (subjectAltName: none)", NULL },
	{ "IPv4 identity", 0, &ta.ee_p256, &ta.inter, NULL, "192.0.2.1", "192.0.2.1", NULL, NULL, 0,
	  0, NULL, NULL },
	{ "IPv6 identity", 0, &ta.ee_p256, &ta.inter, NULL, "2001:db8::1", NULL, NULL, NULL, 0, 0,
	  NULL, NULL },
	{ "IPv4 identity not in cert", 0, &ta.ee_p256, &ta.inter, NULL, "192.0.2.2", NULL, NULL,
	  NULL, 0, GW_E_AUTH, "identity '192.0.2.2' not in certificate", "IP:192.0.2.1" },
	{ "RFC822 identity", 0, &ta.ee_p256, &ta.inter, NULL, "User@Example.com",
	  "user@example.com", NULL, NULL, 0, 0, NULL, NULL },
	{ "RFC822 identity not in cert", 0, &ta.ee_p256, &ta.inter, NULL, "other@example.com", NULL,
	  NULL, NULL, 0, GW_E_AUTH, "'other@example.com' not in", "email:user@example.com" },
	{ "KEY_ID without a pinned cert", 0, &ta.ee_p256, &ta.inter, NULL, "keyid:0102", NULL, NULL,
	  NULL, 0, GW_E_AUTH, "KEY_ID identity 'keyid:0102' needs a pinned certificate", NULL },
	{ "pinned cert, untrusted issuer", 0, &ta.ee_untrusted, NULL, NULL, "untrusted.example.com",
	  NULL, NULL, "pinned", 0, 0, NULL, NULL },
	{ "pinned cert, KEY_ID", 0, &ta.ee_untrusted, NULL, NULL, "keyid:0102", "keyid:0102", NULL,
	  "pinned", 0, 0, NULL, NULL },
	{ "pinned cert, another presented", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com",
	  NULL, NULL, "pinned", 0, GW_E_AUTH, "is not the pinned certs/pinned.pem", P256_DN },
	{ "pinned cert expired at ap_now", 0, &ta.ee_untrusted, NULL, NULL, "untrusted.example.com",
	  NULL, NULL, "pinned", 400 * DAY, GW_E_AUTH, "expired on", NULL },
	{ "pinned cert plus ca", 0, &ta.ee_untrusted, NULL, NULL, "untrusted.example.com", NULL,
	  "corp", "pinned", 0, GW_E_AUTH, "unable to get issuer", NULL },
	{ "unknown pinned cert", 0, &ta.ee_p256, &ta.inter, NULL, "p256.example.com", NULL, NULL,
	  "nope", 0, GW_E_AUTH, "pinned certificate is not loaded", NULL },
	{ "keyUsage without digitalSignature", 0, &ta.ee_ku, &ta.inter, NULL, "ku.example.com",
	  NULL, NULL, NULL, 0, GW_E_AUTH, "keyUsage does not allow digitalSignature", NULL },
};

static const uint8_t octets[] = "ResponderSignedOctets";

static void run_case(const struct chain_case *cc, const uint8_t *sig, size_t sig_len)
{
	struct auth_creds *c = ta_creds(cc->cc_cfg ? ta.cfg_b : ta.cfg_a);
	struct auth_id peer = ta_id(cc->cc_peer_id), conf;
	struct auth_policy pol = { .ap_ca = cc->cc_ca, .ap_pinned = cc->cc_pinned };
	char why[AUTH_WHY_LEN];
	struct ta_certs tc;
	int rc;

	pol.ap_any_id = cc->cc_conf_id == NULL;
	if (cc->cc_conf_id) {
		conf = ta_id(cc->cc_conf_id);
		pol.ap_id = &conf;
	}
	if (cc->cc_now)
		pol.ap_now = (uint64_t)(time(NULL) + cc->cc_now);
	ta_certs(&tc, *cc->cc_ee, cc->cc_ca1 ? *cc->cc_ca1 : NULL, cc->cc_ca2 ? *cc->cc_ca2 : NULL);
	rc = auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, sig_len, octets,
				sizeof(octets), why, sizeof(why));
	if (rc != cc->cc_rc)
		fprintf(stderr, "\n%s: rc %d (%s), want %d\n", cc->cc_name, rc, why, cc->cc_rc);
	CU_ASSERT_EQUAL(rc, cc->cc_rc);
	if (cc->cc_rc == 0)
		CU_ASSERT_STRING_EQUAL(why, "");
	if (cc->cc_why1)
		CU_ASSERT_TRUE(ta_why_has(why, cc->cc_why1));
	if (cc->cc_why2)
		CU_ASSERT_TRUE(ta_why_has(why, cc->cc_why2));
	ta_certs_free(&tc);
	auth_creds_unref(c);
}

static void p256_sign(uint8_t *sig, size_t *len)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_local *l = ta_local(c, "p256");
	uint8_t m = 0;

	*len = AUTH_SIG_MAX;
	CU_ASSERT_FATAL(auth_sign(l, 0, octets, sizeof(octets), &m, sig, len) == 0);
	CU_ASSERT_FATAL(m == IKE_AUTH_ECDSA_256);
	auth_local_free(l);
	auth_creds_unref(c);
}

static void test_chain_cases(void)
{
	uint8_t sig[AUTH_SIG_MAX];
	size_t len;

	p256_sign(sig, &len);
	for (size_t i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++)
		run_case(&chain_cases[i], sig, len);
}

static void test_chain_bad_certs(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_id peer = ta_id("p256.example.com");
	struct auth_policy pol = { .ap_any_id = true };
	uint8_t sig[AUTH_SIG_MAX], junk[64];
	char why[AUTH_WHY_LEN];
	struct ta_certs tc;
	size_t len, n;

	p256_sign(sig, &len);
	ta_certs(&tc, ta.ee_p256, ta.inter, NULL);
	/* one byte short: not DER of a certificate */
	tc.tc_pc.pc_len[1]--;
	CU_ASSERT_EQUAL(auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, "certificate 2 from the peer is not valid X.509 DER"));
	tc.tc_pc.pc_len[1]++;
	memset(junk, 0x30, sizeof(junk));
	tc.tc_pc.pc_der[0] = junk;
	tc.tc_pc.pc_len[0] = sizeof(junk);
	CU_ASSERT_EQUAL(auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, "certificate 1 from the peer"));
	n = tc.tc_pc.pc_n;
	tc.tc_pc.pc_n = 0;
	CU_ASSERT_EQUAL(auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, "no certificate received"));
	tc.tc_pc.pc_n = AUTH_MAX_CERTS + 1;
	CU_ASSERT_EQUAL(auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_AUTH);
	CU_ASSERT_TRUE(ta_why_has(why, "too many certificates"));
	tc.tc_pc.pc_n = n;
	CU_ASSERT_EQUAL(auth_verify_pubkey(c, &pol, NULL, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_AUTH);
	CU_ASSERT_EQUAL(auth_verify_pubkey(NULL, &pol, NULL, &peer, IKE_AUTH_ECDSA_256, sig, len,
					   octets, sizeof(octets), why, sizeof(why)),
			GW_E_INVAL);
	ta_certs_free(&tc);
	auth_creds_unref(c);
}

/* Everything a thread needs is made beforehand: CUnit is single-threaded. */
struct thr_arg {
	struct auth_creds *ta_c;
	const struct auth_id *ta_peer;
	const uint8_t *ta_sig;
	size_t ta_len;
	struct ta_certs ta_certs;
	int ta_bad;
};

/* Verifications from several threads on one shared, immutable creds. */
static void *thr_verify(void *p)
{
	struct thr_arg *a = p;
	struct auth_policy pol = { .ap_any_id = true, .ap_ca = "corp" };
	struct auth_peer_certs pc = a->ta_certs.tc_pc;
	char why[AUTH_WHY_LEN];

	for (int i = 0; i < 40; i++) {
		pc.pc_n = 2;
		if (auth_verify_pubkey(a->ta_c, &pol, &pc, a->ta_peer, IKE_AUTH_ECDSA_256,
				       a->ta_sig, a->ta_len, octets, sizeof(octets), why,
				       sizeof(why)) != 0)
			a->ta_bad++;
		/* and a failing one: the intermediate missing */
		pc.pc_n = 1;
		if (auth_verify_pubkey(a->ta_c, &pol, &pc, a->ta_peer, IKE_AUTH_ECDSA_256,
				       a->ta_sig, a->ta_len, octets, sizeof(octets), why,
				       sizeof(why)) != GW_E_AUTH)
			a->ta_bad++;
	}
	return NULL;
}

static void test_chain_threads(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a);
	struct auth_id peer = ta_id("p256.example.com");
	struct thr_arg args[4];
	pthread_t th[4];
	uint8_t sig[AUTH_SIG_MAX];
	size_t len;

	p256_sign(sig, &len);
	for (int i = 0; i < 4; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].ta_c = auth_creds_ref(c);
		args[i].ta_peer = &peer;
		args[i].ta_sig = sig;
		args[i].ta_len = len;
		ta_certs(&args[i].ta_certs, ta.ee_p256, ta.inter, NULL);
	}
	auth_creds_unref(c); /* the threads hold the last references */
	for (int i = 0; i < 4; i++)
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, thr_verify, &args[i]) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].ta_bad, 0);
		auth_creds_unref(args[i].ta_c);
		ta_certs_free(&args[i].ta_certs);
	}
}

/* x509cache.c: the same DER gives the same parsed object; anything but
 * exactly one certificate is refused even when its prefix is cached; the
 * cache stays bounded (entries pushed out are parsed again). */
static void test_chain_parse_cache(void)
{
	X509 *certs[] = { ta.ee_p256, ta.inter, ta.root, ta.ee_rsa };
	uint8_t *der = NULL, *big;
	X509 *a = NULL, *b = NULL, *c = NULL;
	int n = i2d_X509(ta.ee_p256, &der);

	CU_ASSERT_FATAL(n > 0);
	auth_x509_cache_clear();
	CU_ASSERT_EQUAL(auth_x509_parse(der, (size_t)n, &a), 0);
	CU_ASSERT_EQUAL(auth_x509_parse(der, (size_t)n, &b), 0);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(X509_cmp(a, ta.ee_p256), 0);
	big = malloc((size_t)n + 1);
	CU_ASSERT_FATAL(big != NULL);
	memcpy(big, der, (size_t)n);
	big[n] = 0;
	CU_ASSERT_EQUAL(auth_x509_parse(big, (size_t)n + 1, &c), GW_E_INVAL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(auth_x509_parse(der, (size_t)n - 1, &c), GW_E_INVAL);
	CU_ASSERT_EQUAL(auth_x509_parse(NULL, 10, &c), GW_E_INVAL);
	/* 200 distinct certificates (the 4 with a changed byte in the
	 * signature, which parses) through 64 slots */
	for (int i = 0; i < 200; i++) {
		uint8_t *d = NULL;
		int m = i2d_X509(certs[i % 4], &d);
		X509 *x = NULL;

		CU_ASSERT_FATAL(m > 8);
		d[m - 1] ^= (uint8_t)(i / 4 + 1);
		d[m - 2] ^= (uint8_t)(i / 4 >> 8);
		CU_ASSERT_EQUAL(auth_x509_parse(d, (size_t)m, &x), 0);
		X509_free(x);
		OPENSSL_free(d);
	}
	CU_ASSERT_EQUAL(auth_x509_parse(der, (size_t)n, &c), 0);
	CU_ASSERT_EQUAL(X509_cmp(c, ta.ee_p256), 0);
	X509_free(a);
	X509_free(b);
	X509_free(c);
	free(big);
	OPENSSL_free(der);
	auth_x509_cache_clear();
}

/* One verification of ee_p256 (+ inter when sent) under c: rc, hits
 * of the chain cache it made, the reason. */
static int cached_verify(struct auth_creds *c, bool inter, const char *ca, int64_t now_off,
			 uint64_t *hits, char *why)
{
	struct auth_id peer = ta_id("p256.example.com");
	struct auth_policy pol = { .ap_ca = ca, .ap_any_id = true };
	uint64_t h0 = auth_chain_cache_hits();
	uint8_t sig[AUTH_SIG_MAX];
	struct ta_certs tc;
	size_t len;
	int rc;

	p256_sign(sig, &len);
	if (now_off)
		pol.ap_now = (uint64_t)(time(NULL) + now_off);
	ta_certs(&tc, ta.ee_p256, inter ? ta.inter : NULL, NULL);
	rc = auth_verify_pubkey(c, &pol, &tc.tc_pc, &peer, IKE_AUTH_ECDSA_256, sig, len, octets,
				sizeof(octets), why, AUTH_WHY_LEN);
	ta_certs_free(&tc);
	*hits = auth_chain_cache_hits() - h0;
	return rc;
}

/* chaincache.c: a chain verified once is taken from the cache while the
 * same certificates come under the same credentials, and never where a
 * fresh verification would refuse: dates (ap_now past the end entity's),
 * the connection's ca, other credentials, other intermediates. */
static void test_chain_verified_cache(void)
{
	struct auth_creds *c = ta_creds(ta.cfg_a), *c2 = ta_creds(ta.cfg_a);
	char why[AUTH_WHY_LEN];
	uint64_t hits;

	auth_chain_cache_clear();
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_EQUAL(cached_verify(c, true, "corp.pem", 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 1);
	/* the ca restriction is checked on a cached chain too */
	CU_ASSERT_EQUAL(cached_verify(c, true, "alt", 0, &hits, why), GW_E_AUTH);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_TRUE(ta_why_has(why, "does not lead to cas/alt.pem"));
	/* out of its dates: verified afresh, which says why (and an entry
	 * older than its time to live, as it looks from there, is dropped) */
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, 800 * DAY, &hits, why), GW_E_AUTH);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_TRUE(ta_why_has(why, "expired"));
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, -3 * DAY, &hits, why), GW_E_AUTH);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_TRUE(ta_why_has(why, "not valid before"));
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 0);
	/* other credentials (a reload) and other intermediates: not a hit */
	CU_ASSERT_EQUAL(cached_verify(c2, true, NULL, 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(cached_verify(c, false, NULL, 0, &hits, why), GW_E_AUTH);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(cached_verify(c, true, NULL, 0, &hits, why), 0);
	CU_ASSERT_EQUAL(hits, 1);
	auth_creds_unref(c);
	auth_creds_unref(c2);
	auth_chain_cache_clear();
}

static const struct ut_case chain_cases_tab[] = {
	{ "trust, dates, ca restriction, pinning, identities", test_chain_cases },
	{ "broken, missing and too many certificates", test_chain_bad_certs },
	{ "one shared creds, four threads", test_chain_threads },
	{ "parse cache of peer certificates", test_chain_parse_cache },
	{ "cache of verified chains", test_chain_verified_cache },
	{ NULL, NULL },
};

const struct ut_suite ta_chain_suite = { "auth chains and identities", chain_cases_tab };
