/*
 * te.h: helpers shared by the EAP test suites: the crypto context, a user
 * table behind the credential callback, and a driver that runs a server
 * and a client against each other.
 */
#ifndef PAL_TESTS_EAP_TE_H
#define PAL_TESTS_EAP_TE_H

#include <stdbool.h>

#include "auth/eap/eap_int.h"
#include "runner.h"

extern const struct ut_suite te_mschap_suite;
extern const struct ut_suite te_conv_suite;
extern const struct ut_suite te_bad_suite;
extern const struct ut_suite te_rl_suite;

/* The context of the program (created in main). */
const struct eap_ctx *te_ctx(void);

/* A user for te_lookup: methods EAP_M_*, password or NT hash (hex). */
struct te_user {
	const char *tu_name;
	unsigned tu_methods;
	const char *tu_password;
	const char *tu_nt_hex;
};
/* eap_cred_fn over a te_user array ending with tu_name NULL. */
int te_lookup(void *arg, const uint8_t *id, size_t len, struct eap_cred *out);
extern const struct te_user te_users[];

/* A fake monotonic clock for the rate limiter. */
extern uint64_t te_now;
uint64_t te_clock(void);

struct eap_server *te_server(unsigned methods, const struct te_user *users, struct eap_rl *rl);
/* A client for identity with a password (or NULL) and an NT hash in hex (or NULL). */
struct eap_client *te_client(unsigned methods, const char *identity, const char *password,
			     const char *nt_hex);

/* Everything that crossed the wire, for checks after a run. */
#define TE_MAX_PKTS 16
struct te_run {
	enum eap_status tr_srv, tr_cli;
	size_t tr_n;                        /* packets exchanged */
	struct eap_out tr_pkt[TE_MAX_PKTS]; /* server, client, server, ... */
};
/* Runs the conversation to its end. */
void te_converse(struct eap_server *s, struct eap_client *c, struct te_run *r);

struct secret *te_secret(const char *s);
/* dump.c: `test_eap --dump N` for xcheck.py. */
int te_dump(int n);

#endif
