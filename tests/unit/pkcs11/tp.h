/*
 * tp.h: shared pieces of the pkcs11 test programs: a scratch directory
 * (mkdtemp, removed at exit) with test keys, certificates and PIN files,
 * the fake module and its controls, and small assertion helpers.
 */
#ifndef PAL_TESTS_PKCS11_TP_H
#define PAL_TESTS_PKCS11_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fake_p11.h"
#include "pkcs11/pkcs11.h"
#include "runner.h"

struct tp {
	char dir[128];
	char fake[4096];    /* absolute path of fake_p11.so */
	char not_p11[4096]; /* a shared object without C_GetFunctionList */
	char pin[192];      /* "1234\n", mode 0600 */
	char pin_bad[192];  /* "9999" */
	char ec_key[192], ec_crt[192], rsa_key[192], rsa_crt[192];
	EVP_PKEY *ec, *rsa, *ca;
	X509 *ec_cert, *rsa_cert, *ca_cert; /* ca_cert issued both */
	void *dl; /* our handle on the fake module: its state outlives p11_free */
	void (*set)(enum fake_opt, long);
	long (*get)(enum fake_cnt);
	void (*reset)(void);
};

extern struct tp tp;

bool tp_init(void);
void tp_cleanup(void);
/* "$dir/name" (static buffer, one at a time) */
const char *tp_path(const char *name);
bool tp_write(const char *path, const char *text, unsigned mode);
/* The fake module with key "ec" or "rsa" (and its certificate on the
 * token when with_cert); pin: a PIN file path or NULL. */
struct p11 *tp_fake(const char *which, bool with_cert, const char *pin, unsigned sessions,
		    bool strict);
int tp_fake_try(const char *which, const char *pin, unsigned sessions, bool strict,
		struct p11 **out, char *why, size_t why_len);
struct p11_key *tp_key(struct p11 *p, const char *uri);
/* sign data with alg and verify with pub (DER or r|s), true when valid */
bool tp_sign_verify(struct p11_key *k, EVP_PKEY *pub, uint8_t scheme, uint8_t hash, bool raw);
bool tp_has(const char *why, const char *needle);

#endif
