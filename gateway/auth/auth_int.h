/*
 * auth_int.h: helpers shared inside gateway/auth only (never included from
 * another module): the credential and local-side structures, DN text
 * parsing and printing, key classification, RFC 7427 AlgorithmIdentifiers,
 * the low-level sign/verify on EVP_PKEY, certificate identity binding, and
 * a bounded string builder for admin-readable reasons.
 */
#ifndef PAL_AUTH_AUTH_INT_H
#define PAL_AUTH_AUTH_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/auth.h"

#define AUTH_FILE_MAX   (1u << 20) /* bytes in one PEM file */
#define AUTH_BUNDLE_MAX 64         /* certificates in one PEM file */
#define AUTH_FILES_MAX  1024       /* .pem files per directory */
#define AUTH_NAME_MAX   128        /* NAME of cas/NAME.pem and friends */
#define AUTH_RSA_MIN    2048       /* bits: smaller RSA keys are refused */
#define AUTH_CHAIN_MAX  8          /* verification depth */

/* ---- credentials (creds.c, pem.c) ---- */

struct auth_ca_file {
	char caf_name[AUTH_NAME_MAX];
	STACK_OF(X509) * caf_certs;
};

struct auth_cert_file {
	char cf_name[AUTH_NAME_MAX];
	X509 *cf_cert;             /* end entity: the file's first certificate */
	STACK_OF(X509) * cf_chain; /* the certificates after it */
};

struct auth_key_file {
	char kf_name[AUTH_NAME_MAX];
	EVP_PKEY *kf_key;
};

struct auth_creds {
	atomic_int cr_refs;
	uint64_t cr_gen;      /* one per load: names the trust store in caches */
	X509_STORE *cr_store; /* every certificate of cas/ */
	struct auth_ca_file *cr_cas;
	size_t cr_ncas;
	struct auth_cert_file *cr_certs;
	size_t cr_ncerts;
	struct auth_key_file *cr_keys;
	size_t cr_nkeys;
	struct p11 *cr_p11; /* borrowed: the PKCS#11 module for pkcs11: keys */
};

const struct auth_ca_file *auth_creds_find_ca(const struct auth_creds *c, const char *name);
const struct auth_cert_file *auth_creds_find_cert(const struct auth_creds *c, const char *name);
const struct auth_key_file *auth_creds_find_key(const struct auth_creds *c, const char *name);

/*
 * Read a PEM file (bounded size). rel is the name for messages
 * ("cas/corp.pem"). With is_key, a mode readable by group or others is
 * refused. The buffer is wiped and freed with auth_file_free().
 */
int auth_file_read(const char *path, const char *rel, bool is_key, uint8_t **buf, size_t *len,
		   char *why, size_t why_len);
void auth_file_free(uint8_t *buf, size_t len);
/* Every CERTIFICATE block of a PEM buffer, in order (at least one). */
int auth_pem_certs(const uint8_t *buf, size_t len, const char *rel, STACK_OF(X509) * *out,
		   char *why, size_t why_len);
/* The private key of a PEM buffer (unencrypted PKCS#8 or traditional). */
int auth_pem_key(const uint8_t *buf, size_t len, const char *rel, EVP_PKEY **out, char *why,
		 size_t why_len);

/* ---- our side (local.c) ---- */

struct p11_key;

struct auth_local {
	X509 *lo_cert;
	EVP_PKEY *lo_key;       /* keys/ file; for a token key, the certificate's public key */
	struct p11_key *lo_p11; /* the token key, or NULL */
	bool lo_pss;            /* an RSA token key that signs PSS (pkcs11.rsa_pss) */
	uint8_t *lo_der;
	size_t lo_der_len;
	size_t lo_nchain;
	uint8_t *lo_chain_der[AUTH_MAX_CERTS - 1];
	size_t lo_chain_len[AUTH_MAX_CERTS - 1];
};

/* ---- keys and signature schemes (sigalg.c) ---- */

enum auth_key_kind {
	AUTH_KEY_NONE,
	AUTH_KEY_RSA,     /* rsaEncryption: PKCS#1 v1.5 or PSS */
	AUTH_KEY_RSA_PSS, /* id-RSASSA-PSS key: PSS only */
	AUTH_KEY_EC256,
	AUTH_KEY_EC384,
	AUTH_KEY_EC521,
};

enum auth_scheme {
	AUTH_SCHEME_PKCS1, /* RSASSA-PKCS1-v1_5 */
	AUTH_SCHEME_PSS,   /* RSASSA-PSS, MGF1 with the same hash */
	AUTH_SCHEME_ECDSA,
};

struct auth_sigalg {
	uint8_t sa_scheme; /* enum auth_scheme */
	uint8_t sa_hash;   /* enum ike_hash_alg */
	int sa_salt;       /* PSS salt bytes */
	bool sa_raw;       /* ECDSA r|s of fixed length (RFC 4754), not DER */
};

enum auth_key_kind auth_key_kind(const EVP_PKEY *key);
/* "RSA-2048", "RSA-PSS-3072", "ECDSA P-256", "ED25519"... */
const char *auth_key_desc(const EVP_PKEY *key, char *buf, size_t len);
/* Bytes of r (and of s) in a raw ECDSA signature, 0 if not ECDSA. */
size_t auth_key_ecdsa_len(enum auth_key_kind kind);
/* "ECDSA with SHA-256", "RSASSA-PSS with SHA-384"... */
const char *auth_sigalg_desc(const struct auth_sigalg *sa, char *buf, size_t len);
/* OpenSSL digest name for an IKE hash id; NULL if not usable. */
const char *auth_hash_md(uint8_t hash);
/* The RFC 7427 appendix A AlgorithmIdentifier we send for sa. */
const uint8_t *auth_sigalg_blob(const struct auth_sigalg *sa, size_t *len);
/*
 * Decode a peer's AlgorithmIdentifier (RFC 7427 section 3): 0, or
 * GW_E_AUTH with the reason (unknown algorithm, SHA-1, bad PSS parameters).
 */
int auth_sigalg_parse(const uint8_t *der, size_t len, struct auth_sigalg *sa, char *why,
		      size_t why_len);
/* Does the key type fit the scheme (and, for raw ECDSA, the curve)? */
bool auth_sigalg_fits(const struct auth_sigalg *sa, enum auth_key_kind kind);

/* ---- signatures on EVP_PKEY (sigops.c) ---- */

/* Sign into sig (capacity *sig_len; the length on return). */
int auth_sig_make(EVP_PKEY *key, const struct auth_sigalg *sa, const uint8_t *data, size_t data_len,
		  uint8_t *sig, size_t *sig_len);
/* 0 if sig is a valid signature of data, else GW_E_AUTH. */
int auth_sig_check(EVP_PKEY *key, const struct auth_sigalg *sa, const uint8_t *data,
		   size_t data_len, const uint8_t *sig, size_t sig_len);

/* Sign with our key, wherever it lives (sign.c): keys/ through EVP,
 * a token key through pkcs11/. Same contract as auth_sig_make(). */
int auth_local_sig_make(const struct auth_local *l, const struct auth_sigalg *sa,
			const uint8_t *data, size_t data_len, uint8_t *sig, size_t *sig_len);
/* A token key for a connection (p11local.c); fills lo_cert, lo_key, lo_p11. */
int auth_local_p11(const struct auth_creds *c, const char *cert_name, const char *uri,
		   struct auth_local *l, char *why, size_t why_len);
/* DER of l->lo_cert and the intermediates of chain into l (local.c);
 * what names the certificate's source for the message. */
int auth_local_encode(struct auth_local *l, STACK_OF(X509) * chain, const char *what, char *why,
		      size_t why_len);

/* ---- trust in a peer's certificate (chain.c) ---- */

/* A peer certificate from its DER (exactly one, at most 65535 bytes), as
 * a new reference: from the parse cache (x509cache.c) when the same DER was
 * parsed before. GW_E_INVAL when it is not X.509 DER. */
int auth_x509_parse(const uint8_t *der, size_t len, X509 **out);
/* Empties the parse cache (tests; a clean exit). */
void auth_x509_cache_clear(void);

/* Chains X509_verify_cert accepted (chaincache.c), by credentials
 * generation and certificate objects (auth_x509_parse's): get gives the
 * verified chain (new references) when every certificate of it is valid
 * at now, else NULL (verify afresh); hits counts the chains it gave;
 * clear empties it (tests, exit). */
STACK_OF(X509) * auth_chain_cache_get(uint64_t gen, X509 *ee, STACK_OF(X509) * sent, time_t now);
void auth_chain_cache_put(uint64_t gen, X509 *ee, STACK_OF(X509) * sent, STACK_OF(X509) * chain,
			  time_t now);
uint64_t auth_chain_cache_hits(void);
void auth_chain_cache_clear(void);

/*
 * The chain of ee (untrusted: the peer's other certificates) to a trust
 * anchor of cas/, or ee being the pinned certificate; validity dates; the
 * policy's ca. 0, or GW_E_AUTH with the reason.
 */
int auth_chain_check(const struct auth_creds *c, const struct auth_policy *pol, X509 *ee,
		     STACK_OF(X509) * untrusted, char *why, size_t why_len);

/* ---- identities and certificates (dn.c, bind.c) ---- */

/* "C=CH, O=Example, CN=gw" or "/C=CH/O=Example/CN=gw" into an X509_NAME. */
int auth_dn_parse(const char *s, X509_NAME **out);
/* Escaped "C=CH, O=Example, CN=gw": safe to log, parses back. */
const char *auth_dn_str(const X509_NAME *n, char *buf, size_t len);
struct sbuf;
void auth_dn_put(struct sbuf *sb, const X509_NAME *n);
/* Is id the certificate's subject DN, or in its subjectAltName? */
bool auth_cert_has_id(X509 *cert, const struct auth_id *id);
/* "DNS:a.example.com, IP:192.0.2.1" (escaped), or "none". */
const char *auth_cert_sans(X509 *cert, char *buf, size_t len);
/* Subject DN of a certificate, escaped. */
const char *auth_cert_subject(const X509 *cert, char *buf, size_t len);
/* "2026-01-01 00:00:00 UTC" */
const char *auth_time_str(const ASN1_TIME *t, char *buf, size_t len);

/* ---- bounded string building (str.c) ---- */

struct sbuf {
	char *sb_p;
	size_t sb_cap;
	size_t sb_len;
};

void sb_init(struct sbuf *sb, char *buf, size_t cap);
void sb_putc(struct sbuf *sb, char c);
void sb_puts(struct sbuf *sb, const char *s);
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Untrusted bytes: printable ASCII as is, the rest (and '\\') as \xNN. */
void sb_escape(struct sbuf *sb, const uint8_t *p, size_t n);

/* Write a reason into why (NULL or 0 length: nothing). */
void auth_why(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
