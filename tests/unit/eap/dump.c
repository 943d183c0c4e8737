/*
 * dump.c: `test_eap --dump N` runs N EAP-MSCHAPv2 and N EAP-MD5
 * conversations between our server and client with assorted identities
 * and passwords (domain users, UTF-8, random ones) and prints what crossed
 * the wire, one line each, for xcheck.py to recompute with python3
 * (hashlib and the cryptography package, not our code):
 *   MS <user hex> <password hex> <auth challenge> <peer challenge>
 *      <NT-Response> <authenticator response> <MSK>
 *   MD5 <password hex> <identifier> <challenge> <response>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "te.h"
#include "util/err.h"

static void put_hex(const uint8_t *p, size_t n)
{
	putchar(' ');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* A password: fixed awkward ones first, then random printable ASCII. */
static void pick(int i, char *user, size_t ul, char *pw, size_t pl)
{
	static const char *const fixed[][2] = {
		{ "User", "clientPass" },
		{ "CORP\\dave", "p\xc3\xa4ssw\xc3\xb6rd \xe2\x98\x83" },
		{ "alice@example.com", "\xf0\x9f\x98\x80 emoji" },
		{ "x", "a" },
	};
	uint8_t r[48];
	size_t n;

	if (i < 4) {
		snprintf(user, ul, "%s", fixed[i][0]);
		snprintf(pw, pl, "%s", fixed[i][1]);
		return;
	}
	crypto_random(r, sizeof(r));
	n = 1 + r[0] % 40;
	for (size_t k = 0; k < n && k < pl - 1; k++)
		pw[k] = (char)(0x20 + r[1 + k] % 95);
	pw[n] = '\0';
	snprintf(user, ul, "%suser%d", r[47] & 1 ? "DOM\\" : "", i);
}

static bool converse(unsigned methods, const char *user, const char *pw, struct te_run *r,
		     struct eap_server **sp)
{
	struct te_user users[2] = { { user, EAP_M_ALL, pw, NULL }, { NULL, 0, NULL, NULL } };
	struct eap_server_cfg cfg = { .sc_ctx = te_ctx(),
				      .sc_methods = methods,
				      .sc_lookup = te_lookup,
				      .sc_lookup_arg = users };
	struct secret *sec = secret_dup(pw, strlen(pw));
	struct eap_client_cfg ccfg = { .cc_ctx = te_ctx(),
				       .cc_methods = methods,
				       .cc_identity = (const uint8_t *)user,
				       .cc_identity_len = strlen(user),
				       .cc_password = sec };
	struct eap_client *c = NULL;
	struct eap_out sout, cout;
	bool ok;

	memset(r, 0, sizeof(*r));
	if (eap_server_new(&cfg, sp) || eap_client_new(&ccfg, &c) || eap_server_start(*sp, &sout))
		return false;
	r->tr_srv = r->tr_cli = EAP_CONTINUE;
	while (r->tr_n < TE_MAX_PKTS - 2) {
		r->tr_pkt[r->tr_n++] = sout;
		if (eap_client_process(c, sout.o_buf, sout.o_len, &cout, &r->tr_cli) ||
		    r->tr_srv != EAP_CONTINUE || r->tr_cli != EAP_CONTINUE)
			break;
		r->tr_pkt[r->tr_n++] = cout;
		if (eap_server_process(*sp, cout.o_buf, cout.o_len, &sout, &r->tr_srv))
			break;
	}
	ok = r->tr_srv == EAP_SUCCESS && r->tr_cli == EAP_SUCCESS;
	if (ok && methods == EAP_M_MSCHAPV2)
		ok = eap_client_msk(c) && eap_server_msk(*sp) &&
		     !memcmp(eap_client_msk(c)->data, eap_server_msk(*sp)->data, EAP_MSK_LEN);
	eap_client_free(c);
	secret_free(sec);
	return ok;
}

int te_dump(int n)
{
	char user[64], pw[64];
	struct eap_server *s = NULL;
	struct te_run r;

	for (int i = 0; i < n; i++) {
		pick(i, user, sizeof(user), pw, sizeof(pw));
		if (!converse(EAP_M_MSCHAPV2, user, pw, &r, &s) || r.tr_n != 7) {
			fprintf(stderr, "MS-CHAPv2 conversation %d failed\n", i);
			return 1;
		}
		printf("MS");
		put_hex((const uint8_t *)user, strlen(user));
		put_hex((const uint8_t *)pw, strlen(pw));
		put_hex(r.tr_pkt[2].o_buf + 10, 16);
		put_hex(r.tr_pkt[3].o_buf + 10, 16);
		put_hex(r.tr_pkt[3].o_buf + 34, 24);
		put_hex(r.tr_pkt[4].o_buf + 11, 40); /* the hex digits after "S=" */
		put_hex(eap_server_msk(s)->data, EAP_MSK_LEN);
		putchar('\n');
		eap_server_free(s);
		if (!converse(EAP_M_MD5, user, pw, &r, &s) || r.tr_n != 5) {
			fprintf(stderr, "EAP-MD5 conversation %d failed\n", i);
			return 1;
		}
		printf("MD5");
		put_hex((const uint8_t *)pw, strlen(pw));
		printf(" %02x", r.tr_pkt[3].o_buf[1]);
		put_hex(r.tr_pkt[2].o_buf + 6, 16);
		put_hex(r.tr_pkt[3].o_buf + 6, 16);
		putchar('\n');
		eap_server_free(s);
	}
	return 0;
}
