/*
 * test_auth.c: main() of the auth test program (the PKI is built once for
 * every suite, removed at exit) and the helpers the suites share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "ta.h"
#include "util/err.h"

void ta_certs(struct ta_certs *tc, X509 *ee, X509 *ca1, X509 *ca2)
{
	X509 *xs[3] = { ee, ca1, ca2 };

	memset(tc, 0, sizeof(*tc));
	for (size_t i = 0; i < 3 && xs[i]; i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(xs[i], &der);

		CU_ASSERT_FATAL(n > 0);
		tc->tc_buf[i] = der;
		tc->tc_pc.pc_der[i] = der;
		tc->tc_pc.pc_len[i] = (size_t)n;
		tc->tc_pc.pc_n = i + 1;
	}
}

void ta_certs_free(struct ta_certs *tc)
{
	for (size_t i = 0; i < AUTH_MAX_CERTS; i++)
		OPENSSL_free(tc->tc_buf[i]);
	memset(tc, 0, sizeof(*tc));
}

struct auth_creds *ta_creds(const char *cfg)
{
	struct auth_creds *c = NULL;
	char why[AUTH_WHY_LEN];
	int rc = auth_creds_load(cfg, &c, why, sizeof(why));

	if (rc != 0)
		fprintf(stderr, "\nta_creds(%s): %s: %s\n", cfg, gw_strerror(rc), why);
	CU_ASSERT_FATAL(rc == 0 && c != NULL);
	return c;
}

struct auth_local *ta_local(const struct auth_creds *c, const char *name)
{
	struct auth_local *l = NULL;
	char why[AUTH_WHY_LEN];
	int rc = auth_local_new(c, name, name, &l, why, sizeof(why));

	if (rc != 0)
		fprintf(stderr, "\nta_local(%s): %s: %s\n", name, gw_strerror(rc), why);
	CU_ASSERT_FATAL(rc == 0 && l != NULL);
	return l;
}

struct auth_id ta_id(const char *s)
{
	struct auth_id id;
	int rc = auth_id_from_string(s, &id);

	if (rc != 0)
		fprintf(stderr, "\nta_id('%s'): %s\n", s, gw_strerror(rc));
	CU_ASSERT_FATAL(rc == 0);
	return id;
}

bool ta_why_has(const char *why, const char *needle)
{
	if (strstr(why, needle) != NULL)
		return true;
	fprintf(stderr, "\nwhy '%s' lacks '%s'\n", why, needle);
	return false;
}

int main(void)
{
	static const struct ut_suite *const suites[] = {
		&ta_id_suite,  &ta_psk_suite, &ta_creds_suite, &ta_sign_suite, &ta_chain_suite,
		&ta_cli_suite, NULL,
	};
	int rc;

	if (!ta_pki_init()) {
		fprintf(stderr, "test_auth: cannot build the test PKI\n");
		ta_pki_cleanup();
		return 1;
	}
	rc = ut_main(suites);
	ta_pki_cleanup();
	return rc;
}
