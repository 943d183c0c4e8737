/*
 * eap.h: EAP inside IKE_AUTH (RFC 7296 2.16). The server authenticates a
 * remote-access client, the client is palisade-gatewayd as an initiator:
 * EAP-Identity, EAP-MD5 (RFC 3748 5.4) and EAP-MSCHAPv2 (RFC 2759,
 * draft-kamath-pppext-eap-mschapv2, MSK from RFC 3079), and the rate
 * limiter for repeated failures per identity. Pure state machines over EAP
 * packet bytes (RFC 3748 4: code, identifier, length, type, data): no I/O,
 * nothing about IKE. struct eap_ctx and struct eap_rl are shared by every
 * worker (thread-safe); a server or client belongs to one IKE SA (caller
 * holds checkout).
 */
#ifndef PAL_AUTH_EAP_H
#define PAL_AUTH_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "util/iana.h"

#define EAP_MSG_MAX      1024 /* largest EAP packet we build or accept */
#define EAP_IDENTITY_MAX 255  /* bytes of an EAP identity */
#define EAP_PASSWORD_MAX 256  /* characters (RFC 2759: up to 256 Unicode) */
#define EAP_NT_HASH_LEN  16   /* MD4 of the UTF-16LE password */
#define EAP_MSK_LEN      64   /* EAP-MSCHAPv2 MSK as IKEv2 uses it */
#define EAP_WHY_LEN      256

/* Methods, as a set. */
enum eap_method_bit {
	EAP_M_MD5 = 1u << 0,
	EAP_M_MSCHAPV2 = 1u << 1,
	EAP_M_ALL = EAP_M_MD5 | EAP_M_MSCHAPV2,
};

/* ---- shared crypto context (mschap.c) ---- */

/*
 * MD4 and DES (NtPasswordHash, ChallengeResponse) exist only in OpenSSL's
 * legacy provider; it is loaded into a library context of its own so the
 * rest of the process never sees those algorithms. Without the provider the
 * context still works, for EAP-MD5 only (eap_ctx_methods() says so, and why
 * tells the admin). Create once at start-up; read-only afterwards.
 */
struct eap_ctx;
int eap_ctx_new(struct eap_ctx **out, char *why, size_t why_len);
void eap_ctx_free(struct eap_ctx *c); /* NULL is fine */
unsigned eap_ctx_methods(const struct eap_ctx *c);

/* ---- results ---- */

enum eap_status {
	EAP_CONTINUE, /* send out, wait for the next packet */
	EAP_SUCCESS,  /* authenticated (out: EAP-Success for a server, the last response or nothing
			 for a client) */
	EAP_FAILURE,  /* refused (out: EAP-Failure for a server; nothing for a client) */
};

/* One EAP packet to send; o_len 0 means nothing. */
struct eap_out {
	size_t o_len;
	uint8_t o_buf[EAP_MSG_MAX];
};

/* Is this a possible EAP identity: 1..EAP_IDENTITY_MAX bytes, no NUL? */
bool eap_identity_ok(const uint8_t *id, size_t len);

/* ---- credentials ---- */

/* A user's credential as the lookup hands it over (the server frees it). */
struct eap_cred {
	unsigned cr_methods;        /* EAP_M_* the user may use */
	struct secret *cr_password; /* UTF-8, or NULL */
	struct secret *cr_nt_hash;  /* EAP_NT_HASH_LEN bytes, or NULL */
};
void eap_cred_clear(struct eap_cred *c); /* wipes and frees; zeroes the struct */

/* identity -> credential: 0, GW_E_NOTFOUND (unknown identity), or another
 * error. Called from the worker running the server; must be thread-safe. */
typedef int (*eap_cred_fn)(void *arg, const uint8_t *id, size_t len, struct eap_cred *out);

/* An eap_cred_fn over eap-users.json: arg is a const struct model_eap_users *
 * (api/model/model.h) that outlives the call. */
int eap_cred_from_users(void *arg, const uint8_t *id, size_t len, struct eap_cred *out);

/* ---- rate limiting of failures per identity (rl.c) ---- */

struct eap_rl_cfg {
	unsigned rc_failures;    /* this many failures ... (1..EAP_RL_MAX_FAILURES) */
	unsigned rc_window_s;    /* ... within this many seconds block the identity ... */
	unsigned rc_block_s;     /* ... for this long, doubled on each new block ... */
	unsigned rc_block_max_s; /* ... up to this */
	size_t rc_slots;         /* identities tracked (memory bound), rounded up to 8 */
};
#define EAP_RL_MAX_FAILURES 8

/* 5 failures in 60 s block for 60 s (doubling up to 15 min); 4096 slots. */
void eap_rl_defaults(struct eap_rl_cfg *cfg);
struct eap_rl;
int eap_rl_new(const struct eap_rl_cfg *cfg, struct eap_rl **out); /* cfg NULL: defaults */
void eap_rl_free(struct eap_rl *rl);
/* 0 if the identity may try now; GW_E_AGAIN while it is blocked, with the
 * seconds left in *retry_s (may be NULL). Times are monotonic ms. */
int eap_rl_check(struct eap_rl *rl, const uint8_t *id, size_t len, uint64_t now_ms,
		 unsigned *retry_s);
/* Count a failure; true when it starts a block (logged once, throttled). */
bool eap_rl_failed(struct eap_rl *rl, const uint8_t *id, size_t len, uint64_t now_ms);
/* A success forgets the identity's failures. */
void eap_rl_succeeded(struct eap_rl *rl, const uint8_t *id, size_t len);
/* Identities tracked now (tests, stats). */
size_t eap_rl_tracked(struct eap_rl *rl);

/* ---- server (server.c) ---- */

struct eap_server_cfg {
	const struct eap_ctx *sc_ctx; /* required */
	unsigned sc_methods;          /* EAP_M_* the connection allows */
	const char *sc_name;          /* MS-CHAPv2 Name field; NULL: "palisade" */
	eap_cred_fn sc_lookup;        /* required */
	void *sc_lookup_arg;
	struct eap_rl *sc_rl;        /* optional, shared */
	uint64_t (*sc_now_ms)(void); /* optional monotonic clock (tests) */
};

/*
 * One server per IKE SA. start gives EAP-Request/Identity; each response
 * from the client goes to process, which gives the next request, or
 * EAP-Success (status EAP_SUCCESS) or EAP-Failure (EAP_FAILURE) to send.
 * A peer's fault (wrong password, unknown identity, malformed packet, a
 * wrong identifier or type, a Nak to nothing we allow) is EAP_FAILURE with
 * return value 0 and a reason in eap_server_why(); a negative return is
 * our own trouble (GW_E_NOMEM, GW_E_CRYPTO) or misuse (GW_E_STATE after
 * the end), and still leaves an EAP-Failure in out where one is due.
 * An unknown identity runs the method like a known one and fails at the
 * end, so a client cannot probe which identities exist.
 */
struct eap_server;
int eap_server_new(const struct eap_server_cfg *cfg, struct eap_server **out);
void eap_server_free(struct eap_server *s); /* wipes; NULL is fine */
int eap_server_start(struct eap_server *s, struct eap_out *out);
int eap_server_process(struct eap_server *s, const uint8_t *pkt, size_t len, struct eap_out *out,
		       enum eap_status *st);
/* Why it failed, for the log: never secret, identities escaped. "" while
 * running or after success. Borrowed; valid until eap_server_free. */
const char *eap_server_why(const struct eap_server *s);
/* The identity the client gave (raw bytes, not terminated; escape before
 * logging), NULL before it did. Borrowed. */
const uint8_t *eap_server_identity(const struct eap_server *s, size_t *len);
/* EAP_TYPE_MD5 / EAP_TYPE_MSCHAPV2 once chosen, else 0. */
uint8_t eap_server_method(const struct eap_server *s);
/* After EAP_SUCCESS: the MSK (EAP_MSK_LEN bytes, EAP-MSCHAPv2), or NULL for a
 * method without one (EAP-MD5: AUTH then uses SK_pi/SK_pr, RFC 7296 2.16).
 * Borrowed; valid until eap_server_free. */
const struct secret *eap_server_msk(const struct eap_server *s);

/* ---- client (client.c) ---- */

struct eap_client_cfg {
	const struct eap_ctx *cc_ctx; /* required */
	unsigned cc_methods;          /* EAP_M_* we accept */
	const uint8_t *cc_identity;   /* EAP identity (eap_identity_ok) */
	size_t cc_identity_len;
	const struct secret *cc_password; /* UTF-8; NULL if only the NT hash is known */
	const struct secret *cc_nt_hash;  /* optional (MSCHAPv2 only) */
};

/*
 * One client per IKE SA; the credentials are copied. Each request from the
 * server goes to process, which gives the response to send (EAP_CONTINUE),
 * EAP_SUCCESS on EAP-Success once the method completed (for MSCHAPv2 only
 * after the server's authenticator response was verified: mutual
 * authentication), or EAP_FAILURE (EAP-Failure, a wrong authenticator
 * response, an MS-CHAPv2 failure, a malformed request) with nothing to send.
 * A method we do not accept is answered with a Nak naming those we do.
 */
struct eap_client;
int eap_client_new(const struct eap_client_cfg *cfg, struct eap_client **out);
void eap_client_free(struct eap_client *c); /* wipes; NULL is fine */
int eap_client_process(struct eap_client *c, const uint8_t *pkt, size_t len, struct eap_out *out,
		       enum eap_status *st);
const char *eap_client_why(const struct eap_client *c);
uint8_t eap_client_method(const struct eap_client *c);
/* After EAP_SUCCESS; NULL for EAP-MD5. Borrowed. */
const struct secret *eap_client_msk(const struct eap_client *c);

#endif
