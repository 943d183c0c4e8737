/*
 * test_softhsm.c: pkcs11/ against a real module: a throw-away SoftHSM2
 * token under mkdtemp() (SOFTHSM2_CONF points at it), keys generated in
 * it by pkcs11-tool (EC P-256 and P-384, RSA-2048, all sensitive) and one
 * imported. Every signature is verified with OpenSSL; the public key we
 * read is checked against libp11's reading of the same token (a second,
 * independent PKCS#11 client). Then the start-up errors, parallel signers,
 * and the token directory moved away and back. Exit 77 (skipped) without
 * softhsm2-util and pkcs11-tool.
 */
#include <libp11.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp.h"
#include "util/err.h"
#include "util/log.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define EC_URI "pkcs11:token=palisade;object=ec-key;type=private"

static char conf[256];

/* LeakSanitizer: libp11's own leftovers are suppressed in pkcs11/module.c */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The token: "palisade" with PIN 1234 (test values), four keys. */
static bool token_make(void)
{
	const char *tool = "pkcs11-tool --module " MODULE
			   " --token-label palisade --login --pin 1234 >/dev/null 2>&1";

	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", tp.dir);
	if (!tp_write(conf, "", 0600) || mkdir(tp_path("tokens"), 0700) != 0)
		return false;
	{
		char text[512];

		snprintf(text, sizeof(text),
			 "directories.tokendir = %s/tokens/\nobjectstore.backend = file\n"
			 "log.level = ERROR\nslots.removable = false\n",
			 tp.dir);
		tp_write(conf, text, 0600);
	}
	setenv("SOFTHSM2_CONF", conf, 1);
	return sh("softhsm2-util --init-token --free --label palisade --so-pin 5678 --pin 1234 "
		  ">/dev/null") == 0 &&
	       sh("%s --keypairgen --key-type EC:prime256v1 --id 01 --label ec-key --usage-sign "
		  "--sensitive",
		  tool) == 0 &&
	       sh("%s --keypairgen --key-type EC:secp384r1 --id 02 --label ec384-key "
		  "--usage-sign --sensitive",
		  tool) == 0 &&
	       sh("%s --keypairgen --key-type rsa:2048 --id 03 --label rsa-key --usage-sign "
		  "--sensitive",
		  tool) == 0 &&
	       sh("%s --write-object %s --type privkey --id 04 --label imported", tool,
		  tp.ec_key) == 0;
}

static struct p11 *open_hsm(const char *pin, unsigned sessions, bool strict)
{
	struct p11_config cfg = { .pc_module = MODULE,
				  .pc_pin_file = pin,
				  .pc_sessions = sessions,
				  .pc_require_non_extractable = strict,
				  .pc_retry_ms = 20,
				  .pc_retry_max_ms = 200 };
	struct p11 *p = NULL;
	char why[256];
	int rc = p11_new(&cfg, &p, why, sizeof(why));

	if (rc != 0)
		fprintf(stderr, "\np11_new: %s\n", why);
	CU_ASSERT_FATAL(rc == 0);
	return p;
}

/* Does libp11 read the same public key for label as we did? */
static bool libp11_agrees(const char *label, EVP_PKEY *ours)
{
	PKCS11_CTX *ctx = PKCS11_CTX_new();
	PKCS11_SLOT *slots = NULL, *slot;
	PKCS11_KEY *keys = NULL;
	unsigned nslots = 0, nkeys = 0, nall;
	bool same = false;

	if (ctx == NULL || PKCS11_CTX_load(ctx, MODULE) != 0)
		goto out;
	if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0)
		goto unload;
	nall = nslots;
	for (slot = NULL; nslots > 0 && slot == NULL; nslots--)
		if (slots[nslots - 1].token && slots[nslots - 1].token->label &&
		    !strcmp(slots[nslots - 1].token->label, "palisade"))
			slot = &slots[nslots - 1];
	if (slot != NULL && PKCS11_enumerate_public_keys(slot->token, &keys, &nkeys) == 0)
		for (unsigned i = 0; i < nkeys && !same; i++) {
			EVP_PKEY *theirs;

			if (!keys[i].label || strcmp(keys[i].label, label) ||
			    (theirs = PKCS11_get_public_key(&keys[i])) == NULL)
				continue;
			same = EVP_PKEY_eq(theirs, ours) == 1;
			EVP_PKEY_free(theirs); /* a new reference (libp11 >= 0.4.10) */
		}
	PKCS11_release_all_slots(ctx, slots, nall);
unload:
	PKCS11_CTX_unload(ctx);
out:
	PKCS11_CTX_free(ctx);
	return same;
}

static void ec_keys(void)
{
	struct p11 *p = open_hsm(tp.pin, 2, true);
	struct p11_key *k = tp_key(p, EC_URI), *k384;
	EVP_PKEY *ours = EVP_PKEY_dup(p11_key_public(k));

	CU_ASSERT_PTR_NOT_NULL_FATAL(ours);
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(ours), 256);
	CU_ASSERT(tp_sign_verify(k, ours, P11_ECDSA, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, ours, P11_ECDSA, P11_SHA256, true));
	CU_ASSERT(tp_sign_verify(k, ours, P11_ECDSA, P11_SHA384, false));
	CU_ASSERT(tp_sign_verify(k, ours, P11_ECDSA, P11_SHA512, true));
	k384 = tp_key(p, "pkcs11:token=palisade;id=%02");
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(p11_key_public(k384)), 384);
	CU_ASSERT(tp_sign_verify(k384, p11_key_public(k384), P11_ECDSA, P11_SHA384, true));
	CU_ASSERT(tp_sign_verify(k384, p11_key_public(k384), P11_ECDSA, P11_SHA256, false));
	p11_key_free(k);
	p11_key_free(k384);
	p11_free(p);
	/* libp11, on its own, reads the same public key */
	CU_ASSERT(libp11_agrees("ec-key", ours));
	EVP_PKEY_free(ours);
}

static void rsa_key(void)
{
	struct p11 *p = open_hsm(tp.pin, 2, true);
	struct p11_key *k = tp_key(p, "pkcs11:object=rsa-key");
	EVP_PKEY *pub = p11_key_public(k);

	CU_ASSERT_EQUAL_FATAL(EVP_PKEY_get_bits(pub), 2048);
	CU_ASSERT(tp_sign_verify(k, pub, P11_PKCS1, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, pub, P11_PKCS1, P11_SHA1, false));
	CU_ASSERT(tp_sign_verify(k, pub, P11_PSS, P11_SHA256, false));
	CU_ASSERT(tp_sign_verify(k, pub, P11_PSS, P11_SHA384, false));
	CU_ASSERT(tp_sign_verify(k, pub, P11_PSS, P11_SHA512, false));
	p11_key_free(k);
	p11_free(p);
}

static void start_errors(void)
{
	struct p11_key *k = NULL;
	struct p11 *p;
	char why[512];

	p = open_hsm(tp.pin_bad, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, EC_URI, &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, EC_URI ": token 'palisade' refused the PIN"));
	CU_ASSERT(tp_has(why, "CKR_PIN_INCORRECT"));
	p11_free(p);
	p = open_hsm(tp.pin, 1, false);
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:token=palisade;object=nope", &k, why, sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT(tp_has(why, "no such private key on token 'palisade'"));
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:token=other;object=ec-key", &k, why, sizeof(why)),
			GW_E_NOTFOUND);
	/* SoftHSM2's spare uninitialised slot is not listed among the tokens */
	CU_ASSERT(tp_has(why, "no token matches it (tokens: 'palisade' (serial "));
	/* the imported key: fine with a warning, refused when strict */
	k = tp_key(p, "pkcs11:object=imported");
	CU_ASSERT(tp_sign_verify(k, tp.ec, P11_ECDSA, P11_SHA256, false));
	p11_key_free(k);
	p11_free(p);
	p = open_hsm(tp.pin, 1, true);
	CU_ASSERT_EQUAL(p11_key_open(p, "pkcs11:object=imported", &k, why, sizeof(why)), GW_E_AUTH);
	CU_ASSERT(tp_has(why, "was exposed once (imported?)"));
	p11_free(p);
}

struct par {
	struct p11_key *k;
	int ok;
};

static void *signer(void *arg)
{
	struct par *a = arg;

	for (int i = 0; i < 20; i++)
		a->ok += tp_sign_verify(a->k, p11_key_public(a->k), P11_ECDSA, P11_SHA256, true);
	return NULL;
}

static void parallel(void)
{
	struct p11 *p = open_hsm(tp.pin, 4, false);
	struct p11_key *k = tp_key(p, EC_URI);
	struct p11_token_status ts;
	struct par a[6];
	pthread_t th[6];

	for (int i = 0; i < 6; i++) {
		a[i] = (struct par){ k, 0 };
		pthread_create(&th[i], NULL, signer, &a[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(a[i].ok, 20);
	}
	CU_ASSERT_EQUAL(p11_status(p, &ts, 1), 1);
	CU_ASSERT_EQUAL(ts.ts_signatures, 120);
	CU_ASSERT_EQUAL(ts.ts_sessions, 4);
	CU_ASSERT_EQUAL(ts.ts_in_use, 0);
	CU_ASSERT(ts.ts_logged_in);
	p11_key_free(k);
	p11_free(p);
}

/* The token's directory goes away (SoftHSM2 then answers with handle and
 * general errors) and comes back: reopened without a new struct p11. */
static void token_moved(void)
{
	struct p11_sigalg a = { P11_ECDSA, P11_SHA256, 0, false };
	struct p11 *p = open_hsm(tp.pin, 2, false);
	struct p11_key *k = tp_key(p, EC_URI);
	struct p11_token_status ts;
	char away[256];
	uint8_t sig[128];
	size_t len = sizeof(sig);

	CU_ASSERT(tp_sign_verify(k, p11_key_public(k), P11_ECDSA, P11_SHA256, false));
	snprintf(away, sizeof(away), "%s/tokens.away", tp.dir);
	CU_ASSERT_FATAL(rename(tp_path("tokens"), away) == 0);
	CU_ASSERT_NOT_EQUAL(p11_sign(k, &a, (const uint8_t *)"x", 1, sig, &len), 0);
	usleep(300000);
	p11_status(p, &ts, 1);
	CU_ASSERT_EQUAL(ts.ts_state, P11_TOKEN_LOST);
	CU_ASSERT(ts.ts_failures >= 1);
	CU_ASSERT_FATAL(rename(away, tp_path("tokens")) == 0);
	for (int i = 0; i < 300 && ts.ts_state != P11_TOKEN_READY; i++) {
		usleep(10000);
		p11_status(p, &ts, 1);
	}
	CU_ASSERT_EQUAL(ts.ts_state, P11_TOKEN_READY);
	CU_ASSERT(tp_sign_verify(k, p11_key_public(k), P11_ECDSA, P11_SHA256, true));
	p11_status(p, &ts, 1);
	CU_ASSERT_EQUAL(ts.ts_losses, 1);
	CU_ASSERT_EQUAL(ts.ts_reopened, 1);
	p11_key_free(k);
	p11_free(p);
}

static const struct ut_case cases[] = {
	{ "EC P-256/P-384 keys (libp11 agrees on the public key)", ec_keys },
	{ "RSA-2048: PKCS#1 v1.5 and PSS", rsa_key },
	{ "wrong PIN, missing key or token, imported key", start_errors },
	{ "six signers on four sessions", parallel },
	{ "token directory moved away and back", token_moved },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "pkcs11 SoftHSM2", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };
	int rc;

	if (access(MODULE, R_OK) != 0 || sh("command -v softhsm2-util >/dev/null") != 0 ||
	    sh("command -v pkcs11-tool >/dev/null") != 0) {
		return ut_skip("test_softhsm", "SoftHSM2 or pkcs11-tool missing");
	}
	log_init("test_softhsm", false, LOG_ERR);
	if (!tp_init() || !token_make()) {
		fprintf(stderr, "test_softhsm: cannot make the SoftHSM2 token\n");
		tp_cleanup();
		return 1;
	}
	rc = ut_main(suites);
	tp_cleanup();
	return rc;
}
