/*
 * p11_int.h: inside pkcs11/ only. The module (function list, the PIN, the
 * recovery thread), its tokens (identity, state, session pool, counters)
 * and the keys opened on them. Lock order: p_open_lock, then p_mod_lock,
 * then a token's t_lock or pool lock, then p_lock. The signing path takes
 * p_mod_lock for reading (shared) and a pool lock for a few instructions:
 * no lock is held by one signer while another waits on the token.
 */
#ifndef PAL_PKCS11_P11_INT_H
#define PAL_PKCS11_P11_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkcs11/ck.h"

#include <libp11.h>

#include "pkcs11/pkcs11.h"
#include "util/log.h"

#define P11_WHY_LEN   256
#define P11_PIN_MAX   256 /* bytes of a PIN (PKCS#11 tokens take far fewer) */
#define P11_SIG_MAX   2048
#define P11_ID_MAX    P11_ATTR_MAX
#define P11_SLOTS_MAX 256

/* Combined (hash-and-sign) mechanisms, one bit each in k_refused. */
enum p11_combined {
	P11_C_RSA_SHA1,
	P11_C_RSA_SHA256,
	P11_C_RSA_SHA384,
	P11_C_RSA_SHA512,
	P11_C_PSS_SHA1,
	P11_C_PSS_SHA256,
	P11_C_PSS_SHA384,
	P11_C_PSS_SHA512,
	P11_C_ECDSA_SHA1,
	P11_C_ECDSA_SHA256,
	P11_C_ECDSA_SHA384,
	P11_C_ECDSA_SHA512,
	P11_C_MAX
};

/* ---- the session pool (pool.c) ---- */

struct p11_pool {
	pthread_mutex_t pl_lock;
	pthread_cond_t pl_cond;
	CK_SESSION_HANDLE pl_free[P11_SESSIONS_MAX];
	unsigned pl_nfree;
	unsigned pl_open; /* sessions of this generation, free or in use */
	unsigned pl_in_use;
	uint32_t pl_gen; /* bumped when the sessions are thrown away */
	bool pl_down;    /* the token is gone: get fails at once */
};

struct p11_sess {
	CK_SESSION_HANDLE ss_h;
	uint32_t ss_gen;
};

void p11_pool_init(struct p11_pool *pl);
void p11_pool_destroy(struct p11_pool *pl);
/* A free session; waits up to wait_ms for one. GW_E_STATE when down,
 * GW_E_AGAIN on time-out. */
int p11_pool_get(struct p11_pool *pl, unsigned wait_ms, struct p11_sess *s);
/* Give it back (a session of an old generation is dropped). */
void p11_pool_put(struct p11_pool *pl, const struct p11_sess *s);
/* It is broken: forget it (the caller closed it or the token is gone). */
void p11_pool_drop(struct p11_pool *pl, const struct p11_sess *s);
/* Add a freshly opened session of generation gen (false: stale, close it). */
bool p11_pool_add(struct p11_pool *pl, CK_SESSION_HANDLE h, uint32_t gen);
/* Mark down, wake the waiters, forget every session; the new generation.
 * Free sessions are copied to closeme (up to P11_SESSIONS_MAX) for the
 * caller to close. */
uint32_t p11_pool_reset(struct p11_pool *pl, CK_SESSION_HANDLE *closeme, unsigned *nclose);
void p11_pool_up(struct p11_pool *pl);
void p11_pool_counts(struct p11_pool *pl, unsigned *open, unsigned *in_use);

/* ---- module, tokens, keys ---- */

struct p11_token;
struct p11_key;

struct p11 {
	char p_module[4096];
	/* libp11 owns the module: it loads it, C_Initializes it (with
	 * CKF_OS_LOCKING_OK), enumerates its slots and logs in (module.c,
	 * open.c). p_fn is the same module's function list, for the calls
	 * libp11 0.4.12 has no API for (see module.c); p_dl only holds the
	 * library mapped for it across a libp11 reload. */
	PKCS11_CTX *p_ctx;
	bool p_loaded;
	PKCS11_SLOT *p_slots; /* libp11's slot list of this load */
	unsigned p_nslots;
	void *p_dl;
	CK_FUNCTION_LIST *p_fn;
	/* every module call holds it shared; C_Finalize/C_Initialize hold
	 * it exclusive (recover.c) */
	pthread_rwlock_t p_mod_lock;
	/* token opening and recovery, one at a time (never on the sign path) */
	pthread_mutex_t p_open_lock;
	/* the PIN: one mlock()ed page, wiped in p11_free() */
	uint8_t *p_pin;
	size_t p_pin_len;
	bool p_has_pin;
	unsigned p_sessions;
	bool p_strict;
	bool p_rsa_pss;
	unsigned p_retry_ms, p_retry_max_ms, p_wait_ms;
	/* the token list and the recovery thread's state */
	pthread_mutex_t p_lock;
	pthread_cond_t p_cond;
	struct p11_token *p_tokens;
	pthread_t p_thread;
	bool p_thread_started;
	bool p_stop;
	bool p_recover; /* a token is lost: the thread has work */
};

struct p11_token {
	struct p11_token *t_next;
	struct p11 *t_p11;
	/* what identifies it again after a loss (the slot id may change) */
	char t_label[33], t_serial[17], t_model[17], t_manuf[33];
	_Atomic CK_SLOT_ID t_slot;
	_Atomic int t_state; /* enum p11_token_state */
	_Atomic bool t_logged_in;
	CK_FLAGS t_flags; /* CK_TOKEN_INFO flags when opened */
	struct p11_pool t_pool;
	/* mechanisms the token lists for signing (bit per enum p11_combined),
	 * and whether it listed any at all */
	_Atomic uint32_t t_mechs;
	_Atomic bool t_mechs_known;
	_Atomic uint64_t t_signs, t_fails, t_losses, t_reopened;
	struct log_rl t_rl;     /* failures while lost */
	pthread_mutex_t t_lock; /* t_keys, t_last_error */
	struct p11_key *t_keys;
	char t_last_error[128];
};

struct p11_key {
	struct p11_key *k_next; /* on t_keys */
	struct p11_token *k_tok;
	char k_uri[P11_URI_MAX];
	struct p11_uri k_u;
	_Atomic CK_OBJECT_HANDLE k_handle;
	CK_KEY_TYPE k_type; /* CKK_RSA or CKK_EC */
	bool k_always_auth;
	bool k_sensitive, k_extractable; /* CKA_SENSITIVE, CKA_EXTRACTABLE */
	bool k_always_sensitive, k_never_extractable;
	size_t k_size; /* RSA: modulus bytes; EC: order bytes */
	EVP_PKEY *k_pub;
	X509 *k_cert;
	uint8_t k_id[P11_ID_MAX];
	size_t k_id_len;
	/* libp11's handle on the key (PKCS11_get_private_key): the digest
	 * signatures go through it (sign.c). NULL when libp11 did not find
	 * it or the module is being reloaded; freed under the exclusive
	 * module lock, before libp11 releases its slots. */
	_Atomic(EVP_PKEY *) k_lpriv;
	_Atomic uint32_t k_refused; /* combined mechanisms the module refused */
	_Atomic uint32_t k_logged;  /* fallbacks already logged */
};

/* module.c */
int p11_module_init(struct p11 *p, char *why, size_t why_len);
void p11_module_fini(struct p11 *p);
int p11_call_lock(struct p11 *p);
void p11_call_unlock(struct p11 *p);
/* The CKR_* code of libp11's last failure (from the OpenSSL error queue,
 * which it empties); CKR_FUNCTION_FAILED when libp11 gave none. */
CK_RV p11_lib_rv(void);
/* libp11's slot with this id (token.c keeps the list); NULL if it has
 * none. Caller holds p_open_lock. */
PKCS11_SLOT *p11_lib_slot(struct p11 *p, CK_SLOT_ID id);
/* "CKR_PIN_INCORRECT" written into buf (returned) */
const char *p11_rv_name(CK_RV rv, char *buf, size_t len);
/* Fixed-size, blank-padded PKCS#11 text into a C string (trailing blanks off). */
void p11_text(char *out, size_t outsz, const unsigned char *in, size_t len);
void p11_why(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* pin.c */
int p11_pin_read(const char *path, uint8_t **pin, size_t *len, char *why, size_t why_len);
void p11_pin_free(uint8_t *pin, size_t len);

/* token.c */
CK_MECHANISM_TYPE p11_combined_mech(enum p11_combined c);
/* The opened token the URI names, opening it if needed (caller holds
 * p_open_lock). */
int p11_token_get(struct p11 *p, const struct p11_uri *u, const char *uri, struct p11_token **out,
		  char *why, size_t why_len);
/* Open the sessions and log in (caller holds p_open_lock and the module
 * lock shared); the state stays as it was: the caller makes it READY. */
int p11_token_open(struct p11_token *t, char *why, size_t why_len);
/* Find the token's slot again by its identity (after a loss). */
int p11_token_find_slot(struct p11_token *t);
void p11_token_free(struct p11_token *t);
/* rv says the token or its session is gone: start recovery. */
bool p11_rv_is_loss(CK_RV rv);
void p11_token_lost(struct p11_token *t, CK_RV rv, const char *what);
void p11_token_set_error(struct p11_token *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Context-specific or user login on session h with the PIN. */
CK_RV p11_login(struct p11 *p, CK_SESSION_HANDLE h, CK_USER_TYPE who);

/* key.c */
/* Find the key object on the token again (after a reopen). */
int p11_key_refind(struct p11_key *k, CK_SESSION_HANDLE h);

/* libp11's private key object for k (after key_describe), or none. */
void p11_key_lib_find(struct p11_key *k);
/* Drop it: the module is about to be reloaded or k freed. */
void p11_key_lib_drop(struct p11_key *k);

/* recover.c */
int p11_recover_start(struct p11 *p);
void p11_recover_stop(struct p11 *p);
void p11_recover_kick(struct p11 *p);

#endif
