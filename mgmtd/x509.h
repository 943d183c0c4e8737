/*
 * x509.h: PEM bundles as mgmtd accepts them (OpenSSL 3): strict parsing
 * (nothing but CERTIFICATE blocks and whitespace; a private key is refused
 * outright), the checks of a CA bundle and of a certificate chain, and
 * the JSON the API shows for a certificate. mgmtd never handles a private
 * key. Pure functions; any thread.
 */
#ifndef PAL_MGMTD_X509_H
#define PAL_MGMTD_X509_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/x509.h>

#define X509_BUNDLE_MAX 16

struct x509_err {
	char xe_path[48]; /* "$.pem", "$.pem[2]" */
	char xe_msg[384];
};

/* Every CERTIFICATE block of text, in order. */
int x509_bundle_parse(const char *text, size_t len, STACK_OF(X509) * *out, struct x509_err *err);
/* A trust chain: every certificate a CA (basicConstraints CA:TRUE), valid
 * now, exactly one self-signed root, and every other certificate chains
 * to it within the bundle. */
int x509_ca_bundle_check(STACK_OF(X509) * sk, struct x509_err *err);
/* Our certificate: the first an end entity, valid now; the rest (its
 * intermediates) chain it upwards. */
int x509_cert_bundle_check(STACK_OF(X509) * sk, struct x509_err *err);
/* The certificates re-encoded as PEM (what is stored: no stray text). */
char *x509_bundle_pem(STACK_OF(X509) * sk);
/* subject, issuer, serial, validity, key, fingerprint, basicConstraints... */
json_t *x509_info(X509 *x);
/* The subjects from the bundle's lowest certificate up to its root. */
json_t *x509_chain_json(STACK_OF(X509) * sk);

/* One X509 CRL block, signed by a certificate of ca, not past nextUpdate. */
int x509_crl_parse(const char *text, size_t len, STACK_OF(X509) * ca, X509_CRL **out,
		   struct x509_err *err);
json_t *x509_crl_info(X509_CRL *crl);
char *x509_crl_pem(X509_CRL *crl);

#endif
