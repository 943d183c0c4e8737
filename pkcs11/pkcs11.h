/*
 * pkcs11.h: private keys held in a PKCS#11 token (SoftHSM2, a network HSM,
 * a YubiHSM, a smart card through OpenSC). One struct p11 per module: it
 * loads the module, reads the PIN once, opens the tokens that RFC 7512 URIs
 * name (each with a pool of logged-in sessions), finds keys, signs with
 * them, and reopens a token that went away. A key never leaves its token:
 * p11_sign() is the one operation on it. Every function is thread-safe;
 * signatures run in parallel, up to the pool size per token. libp11 does
 * the module loading, slot listing, login and the digest signatures;
 * what it has no API for stays direct (pkcs11/module.c says what, why).
 */
#ifndef PAL_PKCS11_PKCS11_H
#define PAL_PKCS11_PKCS11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define P11_SESSIONS_MAX 64   /* sessions per token */
#define P11_URI_MAX      1024 /* characters of a URI */
#define P11_ATTR_MAX     128  /* bytes of one decoded URI attribute */

struct p11;
struct p11_key;

struct p11_config {
	const char *pc_module;           /* the module's path (a .so exporting C_GetFunctionList) */
	const char *pc_pin_file;         /* NULL or "": the token has no user PIN */
	unsigned pc_sessions;            /* sessions per token, 1..P11_SESSIONS_MAX (libp11
					  * keeps one more: the one it logged in with) */
	bool pc_require_non_extractable; /* refuse keys that were ever extractable */
	bool pc_rsa_pss;                 /* RSA keys sign RSASSA-PSS where the method allows */
	unsigned pc_retry_ms;            /* first back-off step after a token loss (0: 500) */
	unsigned pc_retry_max_ms;        /* back-off ceiling (0: 30000) */
	unsigned pc_wait_ms;             /* longest wait for a free session (0: 10000) */
};

/*
 * Load the module, C_Initialize it, and read the PIN file (a regular file
 * of mode 0600 or stricter holding the PIN and an optional newline). The
 * PIN stays in one locked page of p until p11_free() wipes it: it is
 * needed again to log back in after a token loss and for keys that want a
 * login before each signature. why names the problem ("module
 * /usr/lib/x.so: not a PKCS#11 module (no C_GetFunctionList)").
 */
int p11_new(const struct p11_config *cfg, struct p11 **out, char *why, size_t why_len);
/* Close every session, C_Finalize, unload, wipe the PIN. Keys first. */
void p11_free(struct p11 *p);
const char *p11_module_path(const struct p11 *p);

/* ---- RFC 7512 URIs ---- */

/* A URI with its %-escapes decoded; a member is set when its *_set is. */
struct p11_uri {
	bool u_token_set, u_manuf_set, u_serial_set, u_model_set;
	bool u_object_set, u_id_set, u_slot_id_set, u_slot_desc_set, u_slot_manuf_set;
	bool u_lib_manuf_set, u_lib_desc_set, u_module_path_set, u_module_name_set;
	char u_token[P11_ATTR_MAX], u_manuf[P11_ATTR_MAX], u_serial[P11_ATTR_MAX];
	char u_model[P11_ATTR_MAX], u_object[P11_ATTR_MAX];
	char u_slot_desc[P11_ATTR_MAX], u_slot_manuf[P11_ATTR_MAX];
	char u_lib_manuf[P11_ATTR_MAX], u_lib_desc[P11_ATTR_MAX];
	char u_module_path[P11_ATTR_MAX], u_module_name[P11_ATTR_MAX];
	uint8_t u_id[P11_ATTR_MAX];
	size_t u_id_len;
	unsigned long u_slot_id;
	int u_lib_ver_major, u_lib_ver_minor; /* -1: not given */
};

/*
 * Parse a key URI (RFC 7512 section 2.3): pkcs11: path [? query]. It must
 * name the key (object= and/or id=); type, when given, is private. A
 * pin-value or pin-source is refused (the PIN comes from the PIN file
 * only), so is a repeated or unknown attribute (x-... vendor ones are
 * ignored). why never quotes a value.
 */
int p11_uri_parse(const char *s, struct p11_uri *u, char *why, size_t why_len);

/* ---- keys ---- */

/*
 * Find the private key uri names: match the token (opening it, with its
 * session pool and login, on first use), then the key. Start-up checks
 * with a clear error naming the URI: no such token or key, wrong PIN
 * (with what the token says of the tries left; never retried), a key that
 * cannot sign. A key that is or once was extractable, or not sensitive,
 * is logged as a warning, and refused with pc_require_non_extractable.
 */
int p11_key_open(struct p11 *p, const char *uri, struct p11_key **out, char *why, size_t why_len);
void p11_key_free(struct p11_key *k); /* NULL is fine */
/* The URI as configured (printable: no PIN can be in it). */
const char *p11_key_uri(const struct p11_key *k);
/* The public key, from the key object, its public key object or the
 * token's certificate for it (borrowed); NULL if the token gives none. */
EVP_PKEY *p11_key_public(const struct p11_key *k);
/* The certificate stored on the token with the key (same CKA_ID, else
 * same label), or NULL (borrowed). */
X509 *p11_key_cert(const struct p11_key *k);
/* Does the configuration want this RSA key to sign with PSS? */
bool p11_key_rsa_pss(const struct p11_key *k);

enum p11_hash {
	P11_SHA1,
	P11_SHA256,
	P11_SHA384,
	P11_SHA512,
};

enum p11_scheme {
	P11_PKCS1, /* RSASSA-PKCS1-v1_5 */
	P11_PSS,   /* RSASSA-PSS, MGF1 with the message hash */
	P11_ECDSA,
};

struct p11_sigalg {
	uint8_t ps_scheme; /* enum p11_scheme */
	uint8_t ps_hash;   /* enum p11_hash */
	int ps_salt;       /* PSS: salt bytes (RFC 7427 A.4.3: the hash length) */
	bool ps_raw;       /* ECDSA: r | s, each the size of the order (RFC 4754), not DER */
};

/*
 * Sign data (the whole message: hashing is ours or the token's) into sig
 * (room *sig_len on entry, the length on return). Tries the token's
 * hash-and-sign mechanism first and falls back, once and for the rest of
 * the key's life, to hashing with OpenSSL and signing the digest with
 * CKM_RSA_PKCS / CKM_RSA_PKCS_PSS / CKM_ECDSA where the module refuses it.
 * Fails fast with GW_E_STATE while the token is gone (the loss is logged
 * and counted, the token is reopened in the background).
 */
int p11_sign(struct p11_key *k, const struct p11_sigalg *alg, const uint8_t *data, size_t len,
	     uint8_t *sig, size_t *sig_len);

/* ---- state, for palisadectl ---- */

enum p11_token_state {
	P11_TOKEN_READY,   /* present, logged in (if it has a PIN), sessions open */
	P11_TOKEN_LOST,    /* gone or failing: being reopened with back-off */
	P11_TOKEN_REFUSED, /* the PIN was refused or is locked: never retried */
};

struct p11_token_status {
	char ts_label[33];
	char ts_serial[17];
	char ts_model[17];
	char ts_manufacturer[33];
	unsigned long ts_slot;
	enum p11_token_state ts_state;
	bool ts_logged_in;
	unsigned ts_sessions; /* open */
	unsigned ts_in_use;   /* checked out by a signer now */
	unsigned ts_keys;
	uint64_t ts_signatures;
	uint64_t ts_failures;
	uint64_t ts_losses;   /* times it went away */
	uint64_t ts_reopened; /* times it came back */
	char ts_last_error[128];
};

/* Up to max tokens of p (those opened so far); the count. */
size_t p11_status(struct p11 *p, struct p11_token_status *ts, size_t max);
const char *p11_token_state_name(enum p11_token_state s);

#endif
