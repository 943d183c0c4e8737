/*
 * test_eap.c: main() of the EAP test program and the helpers its suites
 * share (tests/unit/eap/te.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "te.h"
#include "util/err.h"

static struct eap_ctx *ctx;

const struct eap_ctx *te_ctx(void)
{
	return ctx;
}

uint64_t te_now = 1000000;

uint64_t te_clock(void)
{
	return te_now;
}

/* RFC 2759 9.2's password is "clientPass": its NT hash, for users stored
 * by hash (44EBBA8D5312B8D611474411F56989AE, the vector's PasswordHash). */
const struct te_user te_users[] = {
	{ "alice", EAP_M_ALL, "correct horse", NULL },
	{ "bob", EAP_M_MSCHAPV2, NULL, "44EBBA8D5312B8D611474411F56989AE" },
	{ "carol", EAP_M_MD5, "md5 only", NULL },
	{ "CORP\\dave", EAP_M_MSCHAPV2, "domain pass", NULL },
	{ "erin", EAP_M_ALL, NULL, "44EBBA8D5312B8D611474411F56989AE" },
	{ NULL, 0, NULL, NULL },
};

struct secret *te_secret(const char *s)
{
	struct secret *sec = secret_dup(s, strlen(s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(sec);
	return sec;
}

int te_lookup(void *arg, const uint8_t *id, size_t len, struct eap_cred *out)
{
	const struct te_user *u = arg;

	memset(out, 0, sizeof(*out));
	for (; u->tu_name; u++) {
		if (strlen(u->tu_name) != len || memcmp(u->tu_name, id, len))
			continue;
		/* No CUnit assertions here: `--dump` runs outside CUnit. */
		out->cr_methods = u->tu_methods;
		if (u->tu_password &&
		    !(out->cr_password = secret_dup(u->tu_password, strlen(u->tu_password))))
			return GW_E_NOMEM;
		if (u->tu_nt_hex) {
			if (!(out->cr_nt_hash = secret_new(EAP_NT_HASH_LEN))) {
				eap_cred_clear(out);
				return GW_E_NOMEM;
			}
			ut_hex(u->tu_nt_hex, out->cr_nt_hash->data, EAP_NT_HASH_LEN);
		}
		return 0;
	}
	return GW_E_NOTFOUND;
}

struct eap_server *te_server(unsigned methods, const struct te_user *users, struct eap_rl *rl)
{
	struct eap_server_cfg cfg = {
		.sc_ctx = ctx,
		.sc_methods = methods,
		.sc_lookup = te_lookup,
		.sc_lookup_arg = (void *)users,
		.sc_rl = rl,
		.sc_now_ms = te_clock,
	};
	struct eap_server *s = NULL;

	CU_ASSERT_EQUAL_FATAL(eap_server_new(&cfg, &s), 0);
	return s;
}

struct eap_client *te_client(unsigned methods, const char *identity, const char *password,
			     const char *nt_hex)
{
	struct secret *pw = password ? te_secret(password) : NULL, *nt = NULL;
	struct eap_client_cfg cfg = {
		.cc_ctx = ctx,
		.cc_methods = methods,
		.cc_identity = (const uint8_t *)identity,
		.cc_identity_len = strlen(identity),
		.cc_password = pw,
	};
	struct eap_client *c = NULL;

	if (nt_hex) {
		nt = secret_new(EAP_NT_HASH_LEN);
		ut_hex(nt_hex, nt->data, EAP_NT_HASH_LEN);
		cfg.cc_nt_hash = nt;
	}
	CU_ASSERT_EQUAL_FATAL(eap_client_new(&cfg, &c), 0);
	secret_free(pw);
	secret_free(nt);
	return c;
}

static void record(struct te_run *r, const struct eap_out *o)
{
	if (r->tr_n < TE_MAX_PKTS)
		r->tr_pkt[r->tr_n++] = *o;
}

void te_converse(struct eap_server *s, struct eap_client *c, struct te_run *r)
{
	struct eap_out sout, cout;

	memset(r, 0, sizeof(*r));
	r->tr_srv = r->tr_cli = EAP_CONTINUE;
	CU_ASSERT_EQUAL_FATAL(eap_server_start(s, &sout), 0);
	while (r->tr_n < TE_MAX_PKTS - 2) {
		record(r, &sout);
		CU_ASSERT_EQUAL(eap_client_process(c, sout.o_buf, sout.o_len, &cout, &r->tr_cli),
				0);
		/* The server's last packet (Success/Failure) ends the client too. */
		if (r->tr_srv != EAP_CONTINUE || r->tr_cli != EAP_CONTINUE)
			break;
		record(r, &cout);
		CU_ASSERT_EQUAL(eap_server_process(s, cout.o_buf, cout.o_len, &sout, &r->tr_srv),
				0);
		CU_ASSERT(sout.o_len >= 4);
	}
	CU_ASSERT(r->tr_n < TE_MAX_PKTS - 2);
}

int main(int argc, char **argv)
{
	static const struct ut_suite *const suites[] = {
		&te_mschap_suite, &te_conv_suite, &te_bad_suite, &te_rl_suite, NULL,
	};
	char why[EAP_WHY_LEN];
	int rc;

	if (eap_ctx_new(&ctx, why, sizeof(why)) != 0) {
		fprintf(stderr, "test_eap: no EAP context\n");
		return 1;
	}
	if (!(eap_ctx_methods(ctx) & EAP_M_MSCHAPV2)) {
		/* The legacy provider ships with libssl3 on Debian: its absence
		 * is a broken build host, not a reason to skip. */
		fprintf(stderr, "test_eap: %s\n", why);
		eap_ctx_free(ctx);
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		rc = te_dump(atoi(argv[2]));
	else
		rc = ut_main(suites);
	eap_ctx_free(ctx);
	return rc;
}
