/*
 * test_fake.c: pkcs11/ against fake_p11.so, a module that behaves like the
 * quirky tokens in the field on request: each fallback (a refused
 * hash-and-sign mechanism, listed or not; a login before each signature;
 * no user PIN; a PIN pad; unrecognised slots), the start-up checks (wrong
 * PIN never retried, missing key or token, extractable keys), the session
 * pool under parallel signers, and a token pulled out and put back.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "pkcs11/ck.h"
#include "pkcs11/p11_int.h"
#include "tp.h"
#include "util/err.h"

#define URI "pkcs11:token=fake;object=k;type=private"

/* bits of FAKE_REFUSE (fake_p11.h: sha1..512 for rsa, pss, ecdsa) */
#define R_RSA(h)   (1L << (0 + (h)))
#define R_PSS(h)   (1L << (4 + (h)))
#define R_ECDSA(h) (1L << (8 + (h)))

static void setup(void)
{
	tp.reset();
}

static void sign_ec(void)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	p = tp_fake("ec", false, tp.pin, 2, false);
	k = tp_key(p, URI);
	CU_ASSERT_PTR_NOT_NULL(p11_key_public(k));
	CU_ASSERT_EQUAL(EVP_PKEY_eq(p11_key_public(k), tp.ec), 1);
	CU_ASSERT_PTR_NULL(p11_key_cert(k));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, true));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA384, false));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA512, true));
	/* everything by the token's hash-and-sign mechanisms */
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 4);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), 0);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 1);
	p11_key_free(k);
	p11_free(p);
}

static void sign_rsa(void)
{
	struct p11_sigalg bad = { P11_ECDSA, P11_SHA256, 0, false };
	uint8_t sig[512];
	size_t len = sizeof(sig);
	struct p11 *p;
	struct p11_key *k;

	setup();
	p = tp_fake("rsa", false, tp.pin, 2, false);
	k = tp_key(p, "pkcs11:object=k;id=%01");
	CU_ASSERT_EQUAL(EVP_PKEY_eq(p11_key_public(k), tp.rsa), 1);
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PKCS1, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PKCS1, P11_SHA1, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PSS, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PSS, P11_SHA512, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 4);
	/* an ECDSA signature from an RSA key, raw RSA: refused, not attempted */
	CU_ASSERT_EQUAL(p11_sign(k, &bad, (const uint8_t *)"x", 1, sig, &len), GW_E_UNSUP);
	bad.ps_scheme = P11_PKCS1;
	bad.ps_raw = true;
	CU_ASSERT_EQUAL(p11_sign(k, &bad, (const uint8_t *)"x", 1, sig, &len), GW_E_UNSUP);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED) + tp.get(FAKE_CNT_SIGN_RAW), 4);
	p11_key_free(k);
	p11_free(p);
}

/* The module does not list the mechanism: straight to the digest. */
static void fallback_unlisted(void)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_REFUSE, R_ECDSA(P11_SHA256) | R_ECDSA(P11_SHA512));
	p = tp_fake("ec", false, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, true));
	/* SHA-512 on P-256: the digest is cut to the order's 32 bytes (X9.62) */
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA512, false));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA384, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_REFUSED), 0);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), 3);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 1);
	p11_key_free(k);
	p11_free(p);
}

/* Listed, then refused at C_SignInit: one refusal, remembered. */
static void fallback_refused(const char *which, EVP_PKEY *pub, uint8_t scheme, long bits)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_REFUSE, bits);
	tp.set(FAKE_REFUSE_LISTED, 1);
	p = tp_fake(which, false, tp.pin, 1, false);
	k = tp_key(p, URI);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(tp_sign_verify(k, pub, scheme, P11_SHA256, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_REFUSED), 1);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), 3);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 0);
	/* other hashes still go to the token whole */
	CU_ASSERT(tp_sign_verify(k, pub, scheme, P11_SHA384, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 1);
	p11_key_free(k);
	p11_free(p);
}

static void fallback_ecdsa(void)
{
	fallback_refused("ec", tp.ec, P11_ECDSA, R_ECDSA(P11_SHA256));
}

static void fallback_pss(void)
{
	fallback_refused("rsa", tp.rsa, P11_PSS, R_PSS(P11_SHA256));
}

static void fallback_pkcs1(void)
{
	fallback_refused("rsa", tp.rsa, P11_PKCS1, R_RSA(P11_SHA256));
}

/* The module refuses every hash-and-sign mechanism: all by digest. */
static void fallback_all(void)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_REFUSE, 0xfff);
	p = tp_fake("rsa", false, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PSS, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PSS, P11_SHA384, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PKCS1, P11_SHA1, false));
	CU_ASSERT(tp_sign_verify(k, tp.rsa, P11_PKCS1, P11_SHA512, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), 4);
	p11_key_free(k);
	p11_free(p);
}

/* CKA_ALWAYS_AUTHENTICATE: a context-specific login before each C_Sign
 * (the fake refuses the signature without it). */
static void always_authenticate(void)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_ALWAYS_AUTH, 1);
	p = tp_fake("ec", false, tp.pin, 2, false);
	k = tp_key(p, URI);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_CTX_LOGIN), 3);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 1);
	/* and together with a refused mechanism */
	tp.set(FAKE_REFUSE, R_ECDSA(P11_SHA384));
	tp.set(FAKE_REFUSE_LISTED, 1);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA384, true));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_CTX_LOGIN), 4);
	p11_key_free(k);
	p11_free(p);
}

/* A token without a user PIN; a token with a PIN pad. */
static void no_pin(void)
{
	struct p11 *p;
	struct p11_key *k;
	char why[256];

	setup();
	tp.set(FAKE_LOGIN_REQUIRED, 0);
	p = tp_fake("ec", false, NULL, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 0);
	p11_key_free(k);
	p11_free(p);
	/* ... and with a PIN file anyway: C_Login says no user PIN, fine */
	p = tp_fake("ec", false, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	p11_key_free(k);
	p11_free(p);
	/* PIN pad: log in without a PIN */
	setup();
	tp.set(FAKE_PIN_PAD, 1);
	p = tp_fake("ec", false, NULL, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 1);
	p11_key_free(k);
	p11_free(p);
	/* a PIN needed and none configured */
	setup();
	p = tp_fake("ec", false, NULL, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_INVAL);
	CU_ASSERT(tp_has(why, "needs a user PIN: set pkcs11.pin_file"));
	CU_ASSERT(tp_has(why, URI));
	p11_free(p);
}

/* Slots the module cannot read are skipped without a word. */
static void unrecognized_slots(void)
{
	struct p11 *p;
	struct p11_key *k;
	char why[256];

	setup();
	tp.set(FAKE_EMPTY_SLOTS, 3);
	p = tp_fake("ec", false, tp.pin, 1, false);
	struct p11_key *none = NULL;

	k = tp_key(p, "pkcs11:object=k");
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:token=other;object=k", &none, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(none);
	CU_ASSERT(tp_has(why, "no token matches it (tokens: 'fake' (serial 0001))"));
	p11_key_free(k);
	p11_free(p);
}

static void wrong_pin(void)
{
	struct p11_key *k = NULL;
	struct p11_token_status ts;
	struct p11 *p;
	char why[512];

	setup();
	p = tp_fake("ec", false, tp.pin_bad, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, URI));
	CU_ASSERT(tp_has(why, "refused the PIN"));
	CU_ASSERT(tp_has(why, "CKR_PIN_INCORRECT"));
	CU_ASSERT(tp_has(why, "few tries are left"));
	CU_ASSERT(tp_has(why, "not retried"));
	CU_ASSERT_PTR_NULL(strstr(why, "9999"));
	/* a second key, a reload: the token is not asked again */
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, "not tried again"));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 1);
	CU_ASSERT_EQUAL(p11_status(p, &ts, 1), 1);
	CU_ASSERT_EQUAL(ts.ts_state, P11_TOKEN_REFUSED);
	CU_ASSERT_STRING_EQUAL(p11_token_state_name(ts.ts_state), "pin-refused");
	p11_free(p);
	/* one more wrong start: the token says it is the final try */
	p = tp_fake("ec", false, tp.pin_bad, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, "one more wrong PIN locks it"));
	p11_free(p);
	tp.reset();
}

/* libp11 loads the module: a C_Initialize failure comes back through its
 * error queue with the module's own code, and nothing is left loaded. */
static void init_fails(void)
{
	struct p11 *p = NULL;
	char why[256];

	setup();
	tp.set(FAKE_INIT_RV, CKR_DEVICE_ERROR);
	CU_ASSERT_EQUAL(tp_fake_try("ec", tp.pin, 1, false, &p, why, sizeof(why)), GW_E_IO);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT(tp_has(why, "C_Initialize failed: CKR_DEVICE_ERROR"));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_INIT), 1);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* libp11's queue read and emptied */
	/* the next start, with a working module, succeeds */
	tp.set(FAKE_INIT_RV, 0);
	p = tp_fake("ec", false, tp.pin, 1, false);
	p11_free(p);
	tp.reset();
}

static void missing_key(void)
{
	struct p11_key *k = NULL;
	struct p11 *p;
	char why[512];

	setup();
	p = tp_fake("ec", false, tp.pin, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:token=fake;object=nope", &k, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT(
		tp_has(why, "pkcs11:token=fake;object=nope: no such private key on token 'fake'"));
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:object=k;id=%02", &k, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:object=k?module-path=/usr/lib/other.so", &k, why,
				     sizeof(why)),
			GW_E_INVAL);
	CU_ASSERT(tp_has(why, "module-path is not the module"));
	CU_ASSERT_EQUAL(
		p11_key_open(p, "pkcs11:object=k;library-manufacturer=Acme", &k, why, sizeof(why)),
		GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:object=k;slot-id=8", &k, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(k);
	k = tp_key(p, "pkcs11:object=k;slot-id=7;library-manufacturer=Palisade%20tests;"
		      "model=fake?module-name=fake_p11");
	p11_key_free(k);
	p11_free(p);
}

static void extractable(void)
{
	struct p11_key *k = NULL;
	struct p11 *p;
	char why[512];

	setup();
	tp.set(FAKE_EXTRACTABLE, 1);
	p = tp_fake("ec", false, tp.pin, 1, false);
	k = tp_key(p, URI); /* a warning only */
	p11_key_free(k);
	p11_free(p);
	p = tp_fake("ec", false, tp.pin, 1, true);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, URI));
	CU_ASSERT(tp_has(why, "extractable (CKA_EXTRACTABLE true)"));
	CU_ASSERT(tp_has(why, "require_non_extractable"));
	p11_free(p);
	setup();
	tp.set(FAKE_SENSITIVE, 0);
	p = tp_fake("ec", false, tp.pin, 1, true);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, "not sensitive"));
	p11_free(p);
	setup();
	tp.set(FAKE_IMPORTED, 1);
	p = tp_fake("ec", false, tp.pin, 1, true);
	CU_ASSERT_EQUAL(p11_key_open(p, URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, "imported?"));
	p11_free(p);
	/* generated inside, sensitive: fine even when strict */
	setup();
	p = tp_fake("ec", false, tp.pin, 1, true);
	k = tp_key(p, URI);
	p11_key_free(k);
	p11_free(p);
}

static void token_cert(void)
{
	struct p11 *p;
	struct p11_key *k;

	setup();
	p = tp_fake("ec", true, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p11_key_cert(k));
	CU_ASSERT_EQUAL(X509_cmp(p11_key_cert(k), tp.ec_cert), 0);
	p11_key_free(k);
	p11_free(p);
	/* no public key object: the public key comes from the certificate */
	tp.set(FAKE_NO_PUBKEY, 1);
	p = tp_fake("ec", true, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(p11_key_public(k), tp.ec), 1);
	p11_key_free(k);
	p11_free(p);
	/* neither: none, and signing still works */
	p = tp_fake("ec", false, tp.pin, 1, false);
	k = tp_key(p, URI);
	CU_ASSERT_PTR_NULL(p11_key_public(k));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, true));
	p11_key_free(k);
	p11_free(p);
}

struct par {
	struct p11_key *k;
	int ok;
};

static void *signer(void *arg)
{
	struct par *a = arg;

	for (int i = 0; i < 5; i++)
		a->ok += tp_sign_verify(a->k, tp.ec, P11_ECDSA, P11_SHA256, true);
	return NULL;
}

/* n signer threads over a pool of `sessions`; the most at once. */
static long run_parallel(unsigned sessions, int n)
{
	struct p11_token_status ts;
	pthread_t th[8];
	struct par a[8];
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_SIGN_DELAY_US, 20000);
	p = tp_fake("ec", false, tp.pin, sessions, false);
	k = tp_key(p, URI);
	for (int i = 0; i < n; i++) {
		a[i] = (struct par){ k, 0 };
		pthread_create(&th[i], NULL, signer, &a[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(a[i].ok, 5);
	}
	CU_ASSERT_EQUAL(p11_status(p, &ts, 1), 1);
	CU_ASSERT_EQUAL(ts.ts_signatures, (uint64_t)(5 * n));
	CU_ASSERT_EQUAL(ts.ts_sessions, sessions);
	CU_ASSERT_EQUAL(ts.ts_in_use, 0);
	p11_key_free(k);
	p11_free(p);
	return tp.get(FAKE_CNT_MAX_BUSY);
}

static void pool(void)
{
	/* one session: strictly one at a time; four: in parallel, never more */
	CU_ASSERT_EQUAL(run_parallel(1, 4), 1);
	long busy = run_parallel(4, 8);

	CU_ASSERT(busy >= 2 && busy <= 4);
}

/* The token allows fewer sessions than configured: we run with those.
 * libp11 keeps the session it logged in with (its own pool), so of a
 * limit of 3 our pool gets 2. */
static void session_limit(void)
{
	struct p11_token_status ts;
	struct p11 *p;
	struct p11_key *k;

	setup();
	tp.set(FAKE_SESSION_LIMIT, 3);
	p = tp_fake("ec", false, tp.pin, 4, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	p11_status(p, &ts, 1);
	CU_ASSERT_EQUAL(ts.ts_sessions, 2);
	p11_key_free(k);
	p11_free(p);
}

static bool wait_state(struct p11 *p, enum p11_token_state want)
{
	struct p11_token_status ts;

	for (int i = 0; i < 300; i++) {
		if (p11_status(p, &ts, 1) == 1 && ts.ts_state == want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Pulled out: signatures fail fast and are counted, the token comes back
 * on its own (module restart, new login, key found again). */
/* Until the module has been reloaded (C_Initialize called again). */
static bool wait_reload(long inits)
{
	for (int i = 0; i < 300 && tp.get(FAKE_CNT_INIT) <= inits; i++)
		usleep(10000);
	return tp.get(FAKE_CNT_INIT) > inits;
}

/* Digest signatures go through libp11's EVP_PKEY: found when the key is
 * opened, dropped when the module is reloaded under it (libp11's key
 * objects die with its slots), found again when the token is back. */
static void lib_key(void)
{
	struct p11_sigalg a = { P11_ECDSA, P11_SHA256, 0, false };
	uint8_t sig[200];
	struct p11_key *k, *r;
	struct p11 *p;
	long raw, inits;
	size_t len;

	setup();
	tp.set(FAKE_REFUSE, 0xfff); /* none listed: every signature by digest */
	p = tp_fake("ec", false, tp.pin, 2, false);
	k = tp_key(p, URI);
	CU_ASSERT_PTR_NOT_NULL(atomic_load(&k->k_lpriv));
	raw = tp.get(FAKE_CNT_SIGN_RAW);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA512, true)); /* cut, r | s */
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), raw + 2);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_COMBINED), 0);
	inits = tp.get(FAKE_CNT_INIT);
	tp.set(FAKE_REMOVED, 1);
	len = sizeof(sig);
	CU_ASSERT_NOT_EQUAL(p11_sign(k, &a, (const uint8_t *)"m", 1, sig, &len), 0);
	CU_ASSERT_FATAL(wait_reload(inits));
	CU_ASSERT_PTR_NULL(atomic_load(&k->k_lpriv));
	tp.set(FAKE_REMOVED, 0);
	CU_ASSERT_FATAL(wait_state(p, P11_TOKEN_READY));
	CU_ASSERT_PTR_NOT_NULL(atomic_load(&k->k_lpriv));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA384, false));
	p11_key_free(k);
	p11_free(p);
	/* RSA: CKM_RSA_PKCS over the DigestInfo, by libp11 */
	setup();
	tp.set(FAKE_REFUSE, 0xfff);
	p = tp_fake("rsa", false, tp.pin, 1, false);
	r = tp_key(p, URI);
	CU_ASSERT_PTR_NOT_NULL(atomic_load(&r->k_lpriv));
	CU_ASSERT(tp_sign_verify(r, tp.rsa, P11_PKCS1, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(r, tp.rsa, P11_PKCS1, P11_SHA512, false));
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_SIGN_RAW), 2);
	p11_key_free(r);
	p11_free(p);
	tp.reset();
}

static void token_loss(void)
{
	struct p11_sigalg a = { P11_ECDSA, P11_SHA256, 0, false };
	struct p11_token_status ts;
	uint8_t sig[200];
	size_t len;
	struct p11 *p;
	struct p11_key *k;
	long inits;

	setup();
	p = tp_fake("ec", false, tp.pin, 2, false);
	k = tp_key(p, URI);
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	inits = tp.get(FAKE_CNT_INIT);
	tp.set(FAKE_REMOVED, 1);
	len = sizeof(sig);
	CU_ASSERT_NOT_EQUAL(p11_sign(k, &a, (const uint8_t *)"m", 1, sig, &len), 0);
	for (int i = 0; i < 5; i++) {
		len = sizeof(sig);
		CU_ASSERT_EQUAL(p11_sign(k, &a, (const uint8_t *)"m", 1, sig, &len), GW_E_STATE);
	}
	p11_status(p, &ts, 1);
	CU_ASSERT_EQUAL(ts.ts_state, P11_TOKEN_LOST);
	CU_ASSERT_EQUAL(ts.ts_failures, 6);
	CU_ASSERT_EQUAL(ts.ts_losses, 1);
	CU_ASSERT(tp_has(ts.ts_last_error, "CKR_DEVICE_REMOVED"));
	usleep(100000); /* retries while it is out */
	CU_ASSERT(tp.get(FAKE_CNT_INIT) > inits);
	tp.set(FAKE_REMOVED, 0);
	CU_ASSERT_FATAL(wait_state(p, P11_TOKEN_READY));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	p11_status(p, &ts, 1);
	CU_ASSERT_EQUAL(ts.ts_reopened, 1);
	CU_ASSERT(ts.ts_logged_in);
	CU_ASSERT_EQUAL(ts.ts_sessions, 2);
	CU_ASSERT_EQUAL(tp.get(FAKE_CNT_LOGIN), 2);
	p11_key_free(k);
	p11_free(p);
}

/* Sessions closed behind our back: CKR_SESSION_HANDLE_INVALID, reopened. */
static void session_invalid(void)
{
	CK_FUNCTION_LIST *fl = NULL;
	CK_RV (*get)(CK_FUNCTION_LIST **);
	struct p11 *p;
	struct p11_key *k;

	setup();
	p = tp_fake("ec", false, tp.pin, 2, false);
	k = tp_key(p, URI);
	*(void **)&get = dlsym(tp.dl, "C_GetFunctionList");
	CU_ASSERT_FATAL(get != NULL && get(&fl) == CKR_OK);
	fl->C_CloseAllSessions(7);
	CU_ASSERT(!tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT_FATAL(wait_state(p, P11_TOKEN_READY));
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	p11_key_free(k);
	p11_free(p);
}

static const struct ut_case cases[] = {
	{ "ECDSA by the token (DER, r|s, SHA-2)", sign_ec },
	{ "RSA PKCS#1 and PSS by the token", sign_rsa },
	{ "unlisted mechanism: hash here, CKM_ECDSA", fallback_unlisted },
	{ "refused CKM_ECDSA_SHA256: CKM_ECDSA, remembered", fallback_ecdsa },
	{ "refused CKM_SHA256_RSA_PKCS_PSS: CKM_RSA_PKCS_PSS", fallback_pss },
	{ "refused CKM_SHA256_RSA_PKCS: CKM_RSA_PKCS + DigestInfo", fallback_pkcs1 },
	{ "no hash-and-sign at all", fallback_all },
	{ "CKA_ALWAYS_AUTHENTICATE: login per signature", always_authenticate },
	{ "tokens without a user PIN, PIN pad", no_pin },
	{ "slots with CKR_TOKEN_NOT_RECOGNIZED skipped", unrecognized_slots },
	{ "wrong PIN: clear error, never retried", wrong_pin },
	{ "C_Initialize failing under libp11", init_fails },
	{ "key, token, module not matching", missing_key },
	{ "extractable or imported keys", extractable },
	{ "certificate and public key from the token", token_cert },
	{ "session pool: parallel, bounded", pool },
	{ "token with fewer sessions", session_limit },
	{ "token pulled out and put back", token_loss },
	{ "digest signatures by libp11, across a reload", lib_key },
	{ "sessions closed under us", session_invalid },
	{ NULL, NULL },
};

const struct ut_suite tp_suite_fake = { "pkcs11 fake module", cases };
