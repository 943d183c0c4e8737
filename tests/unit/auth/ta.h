/*
 * ta.h: shared pieces of the auth test program (tests/unit/auth): the test
 * PKI generated at start-up under mkdtemp (pki.c), helpers to present
 * certificates as a peer would, and one suite per .c file.
 */
#ifndef PAL_TESTS_AUTH_TA_H
#define PAL_TESTS_AUTH_TA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/auth.h"
#include "runner.h"

/*
 * The PKI. Trust: root (P-384) -> inter (P-256) -> most end entities;
 * alt (a second trusted root, cas/alt.pem); other (never trusted).
 * End entities share keys where the test needs our signer for them:
 * every *_p256-keyed cert signs with keys/p256.pem.
 */
struct ta_pki {
	char dir[128];   /* mkdtemp root, removed at exit */
	char cfg_a[192]; /* cas/corp.pem = root, cas/alt.pem = alt; certs/, keys/ */
	char cfg_b[192]; /* cas/corp.pem = root + inter bundle, nothing else */
	EVP_PKEY *k_root, *k_inter, *k_alt, *k_other;
	EVP_PKEY *k_rsa, *k_pss, *k_p256, *k_p384, *k_p521;
	X509 *root, *inter, *alt, *other;
	X509 *ee_rsa;       /* RSA-2048, DNS:rsa.example.com, via inter */
	X509 *ee_pss;       /* RSA-PSS-3072, DNS:pss.example.com, via inter */
	X509 *ee_p256;      /* DNS p256/alt.example.com, IP 192.0.2.1 and 2001:db8::1,
			       email user@example.com, via inter */
	X509 *ee_p384;      /* DNS:p384.example.com, by root */
	X509 *ee_p521;      /* DNS:p521.example.com, by root */
	X509 *ee_expired;   /* p256 key, expired a year ago, via inter */
	X509 *ee_notyet;    /* p256 key, valid from next year, via inter */
	X509 *ee_untrusted; /* p256 key, issued by other */
	X509 *ee_dn;        /* p256 key, subject C=CH, O=Example, CN=dn only, no SAN */
	X509 *ee_ku;        /* p256 key, keyUsage keyEncipherment only */
	X509 *ee_alt;       /* p256 key, DNS:altca.example.com, by alt */
};

extern struct ta_pki ta;

/* Build the PKI and its config directories; false on failure. */
bool ta_pki_init(void);
void ta_pki_cleanup(void);

/* Certificates as CERT payloads (end entity first); free with ta_certs_free. */
struct ta_certs {
	struct auth_peer_certs tc_pc;
	uint8_t *tc_buf[AUTH_MAX_CERTS];
};
void ta_certs(struct ta_certs *tc, X509 *ee, X509 *ca1, X509 *ca2);
void ta_certs_free(struct ta_certs *tc);

/* Load a config directory's credentials (the test fails if it cannot). */
struct auth_creds *ta_creds(const char *cfg);
/* An auth_local for certs/NAME.pem + keys/NAME.pem of cfg_a. */
struct auth_local *ta_local(const struct auth_creds *c, const char *name);
/* An identity from a config string (the test fails if it cannot). */
struct auth_id ta_id(const char *s);
/* Does why contain needle? Prints why when it does not. */
bool ta_why_has(const char *why, const char *needle);

extern const struct ut_suite ta_id_suite;
extern const struct ut_suite ta_psk_suite;
extern const struct ut_suite ta_creds_suite;
extern const struct ut_suite ta_sign_suite;
extern const struct ut_suite ta_chain_suite;
extern const struct ut_suite ta_cli_suite;

#endif
