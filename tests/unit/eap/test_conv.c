/*
 * test_conv.c: whole conversations between our server and our client:
 * both methods, NT hashes on either side, wrong passwords, unknown
 * identities, Naks, mutual authentication, and the MSK and EAP-MD5
 * response recomputed here from the packets, with OpenSSL calls written
 * for this test (not mschap.c).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "api/model/model.h"
#include "te.h"
#include "util/err.h"

#define BOB_PASSWORD "clientPass" /* te_users stores its NT hash only */

static void run(unsigned srv_methods, unsigned cli_methods, const char *id, const char *pw,
		const char *nt, struct te_run *r, struct eap_server **sp, struct eap_client **cp)
{
	*sp = te_server(srv_methods, te_users, NULL);
	*cp = te_client(cli_methods, id, pw, nt);
	te_converse(*sp, *cp, r);
}

static void check_success(struct eap_server *s, struct eap_client *c, const struct te_run *r,
			  uint8_t method, const char *id)
{
	const struct secret *sm = eap_server_msk(s), *cm = eap_client_msk(c);
	size_t len;
	const uint8_t *got = eap_server_identity(s, &len);

	CU_ASSERT_EQUAL(r->tr_srv, EAP_SUCCESS);
	CU_ASSERT_EQUAL(r->tr_cli, EAP_SUCCESS);
	CU_ASSERT_STRING_EQUAL(eap_server_why(s), "");
	CU_ASSERT_STRING_EQUAL(eap_client_why(c), "");
	CU_ASSERT_EQUAL(eap_server_method(s), method);
	CU_ASSERT_EQUAL(eap_client_method(c), method);
	CU_ASSERT(len == strlen(id) && got && !memcmp(got, id, len));
	/* The last server packet is EAP-Success, echoing the identifier. */
	CU_ASSERT_EQUAL(r->tr_pkt[r->tr_n - 1].o_len, 4);
	CU_ASSERT_EQUAL(r->tr_pkt[r->tr_n - 1].o_buf[0], EAP_CODE_SUCCESS);
	CU_ASSERT_EQUAL(r->tr_pkt[r->tr_n - 1].o_buf[1], r->tr_pkt[r->tr_n - 2].o_buf[1]);
	if (method == EAP_TYPE_MD5) {
		CU_ASSERT_PTR_NULL(sm);
		CU_ASSERT_PTR_NULL(cm);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(sm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cm);
	CU_ASSERT_EQUAL(sm->len, 64);
	CU_ASSERT_EQUAL(cm->len, 64);
	CU_ASSERT_EQUAL(memcmp(sm->data, cm->data, 64), 0);
}

static void check_failure(struct eap_server *s, struct eap_client *c, const struct te_run *r,
			  const char *why)
{
	CU_ASSERT_EQUAL(r->tr_srv, EAP_FAILURE);
	CU_ASSERT_EQUAL(r->tr_cli, EAP_FAILURE);
	CU_ASSERT_PTR_NULL(eap_server_msk(s));
	CU_ASSERT_PTR_NULL(eap_client_msk(c));
	CU_ASSERT_EQUAL(r->tr_pkt[r->tr_n - 1].o_buf[0], EAP_CODE_FAILURE);
	if (!strstr(eap_server_why(s), why)) {
		fprintf(stderr, "\nwhy '%s' lacks '%s'\n", eap_server_why(s), why);
		CU_FAIL("server's why");
	}
}

/* ---- an independent MS-CHAPv2 computation (RFC 2759, RFC 3079) ---- */

static void md(const char *name, OSSL_LIB_CTX *lib, const void *a, size_t an, const void *b,
	       size_t bn, const void *c, size_t cn, const void *d, size_t dn, uint8_t *out)
{
	EVP_MD *m = EVP_MD_fetch(lib, name, NULL);
	EVP_MD_CTX *x = EVP_MD_CTX_new();

	CU_ASSERT_FATAL(m && x && EVP_DigestInit_ex(x, m, NULL));
	EVP_DigestUpdate(x, a, an);
	EVP_DigestUpdate(x, b, bn);
	EVP_DigestUpdate(x, c, cn);
	EVP_DigestUpdate(x, d, dn);
	CU_ASSERT_FATAL(EVP_DigestFinal_ex(x, out, NULL));
	EVP_MD_CTX_free(x);
	EVP_MD_free(m);
}

/* 7 key bytes -> 8, seven bits each, bit by bit (parity left 0: DES ignores it). */
static void ind_des(OSSL_LIB_CTX *lib, const uint8_t *k7, const uint8_t *in, uint8_t *out)
{
	uint8_t key[8] = { 0 };
	EVP_CIPHER *ci = EVP_CIPHER_fetch(lib, "DES-ECB", NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n;

	for (int bit = 0; bit < 56; bit++)
		if (k7[bit / 8] & (0x80 >> (bit % 8)))
			key[bit / 7] |= (uint8_t)(0x80 >> (bit % 7));
	CU_ASSERT_FATAL(ci && x && EVP_EncryptInit_ex(x, ci, NULL, key, NULL));
	EVP_CIPHER_CTX_set_padding(x, 0);
	CU_ASSERT(EVP_EncryptUpdate(x, out, &n, in, 8) && n == 8);
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(ci);
}

/* The NT-Response and the MSK the server's challenge and the client's
 * response imply for an ASCII password. */
static void independent(const char *pw, const char *user, const uint8_t *auth_ch,
			const uint8_t *peer_ch, uint8_t nt_resp[24], uint8_t msk[64])
{
	static const char m1[] = "This is the MPPE Master Key";
	static const char m2[] = "On the client side, this is the send key; on the server side, it "
				 "is the receive key.";
	static const char m3[] = "On the client side, this is the receive key; on the server side, "
				 "it is the send key.";
	OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(lib, "legacy");
	OSSL_PROVIDER *dflt = OSSL_PROVIDER_load(lib, "default");
	uint8_t u16[512] = { 0 }, h[21] = { 0 }, hh[16], ch[20], mk[20], k[20], pad1[40], pad2[40];
	size_t n = strlen(pw);

	CU_ASSERT_FATAL(lib && legacy && dflt);
	for (size_t i = 0; i < n; i++)
		u16[2 * i] = (uint8_t)pw[i];
	md("MD4", lib, u16, 2 * n, "", 0, "", 0, "", 0, h);
	md("MD4", lib, h, 16, "", 0, "", 0, "", 0, hh);
	md("SHA1", lib, peer_ch, 16, auth_ch, 16, user, strlen(user), "", 0, ch);
	for (int i = 0; i < 3; i++)
		ind_des(lib, h + 7 * i, ch, nt_resp + 8 * i);
	md("SHA1", lib, hh, 16, nt_resp, 24, m1, strlen(m1), "", 0, mk);
	memset(pad1, 0, sizeof(pad1));
	memset(pad2, 0xf2, sizeof(pad2));
	memset(msk, 0, 64);
	md("SHA1", lib, mk, 16, pad1, 40, m2, strlen(m2), pad2, 40, k);
	memcpy(msk, k, 16);
	md("SHA1", lib, mk, 16, pad1, 40, m3, strlen(m3), pad2, 40, k);
	memcpy(msk + 16, k, 16);
	OSSL_PROVIDER_unload(legacy);
	OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(lib);
}

/* Identity, challenge, response, success request, success response, EAP-Success. */
static void test_mschapv2_success(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;
	uint8_t nt[24], msk[64];
	const struct eap_out *chal, *resp;

	run(EAP_M_ALL, EAP_M_ALL, "alice", "correct horse", NULL, &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MSCHAPV2, "alice");
	CU_ASSERT_EQUAL_FATAL(r.tr_n, 7);
	chal = &r.tr_pkt[2];
	resp = &r.tr_pkt[3];
	CU_ASSERT_EQUAL(chal->o_buf[4], EAP_TYPE_MSCHAPV2);
	CU_ASSERT_EQUAL(chal->o_buf[5], 1); /* Challenge */
	CU_ASSERT_EQUAL(chal->o_buf[9], 16);
	CU_ASSERT_EQUAL(resp->o_buf[5], 2); /* Response */
	CU_ASSERT_EQUAL(resp->o_buf[9], 49);
	CU_ASSERT_EQUAL(resp->o_len, 59 + 5);
	CU_ASSERT_EQUAL(memcmp(resp->o_buf + 59, "alice", 5), 0);
	independent("correct horse", "alice", chal->o_buf + 10, resp->o_buf + 10, nt, msk);
	CU_ASSERT_EQUAL(memcmp(resp->o_buf + 34, nt, 24), 0);
	CU_ASSERT_EQUAL(memcmp(eap_server_msk(s)->data, msk, 64), 0);
	CU_ASSERT_EQUAL(memcmp(eap_client_msk(c)->data, msk, 64), 0);
	/* The Success Request: "S=" and 40 upper-case hex digits, then " M=". */
	CU_ASSERT_EQUAL(r.tr_pkt[4].o_buf[5], 3);
	CU_ASSERT_EQUAL(memcmp(r.tr_pkt[4].o_buf + 9, "S=", 2), 0);
	CU_ASSERT_EQUAL(memcmp(r.tr_pkt[4].o_buf + 51, " M=", 3), 0);
	CU_ASSERT_EQUAL(r.tr_pkt[5].o_len, 6);
	eap_server_free(s);
	eap_client_free(c);
}

/* A domain user: the hash takes the part after the backslash, the Name
 * on the wire is the whole identity. */
static void test_mschapv2_domain_user(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;
	uint8_t nt[24], msk[64];

	run(EAP_M_MSCHAPV2, EAP_M_ALL, "CORP\\dave", "domain pass", NULL, &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MSCHAPV2, "CORP\\dave");
	CU_ASSERT_EQUAL_FATAL(r.tr_n, 7);
	independent("domain pass", "dave", r.tr_pkt[2].o_buf + 10, r.tr_pkt[3].o_buf + 10, nt, msk);
	CU_ASSERT_EQUAL(memcmp(r.tr_pkt[3].o_buf + 34, nt, 24), 0);
	CU_ASSERT_EQUAL(memcmp(r.tr_pkt[3].o_buf + 59, "CORP\\dave", 9), 0);
	CU_ASSERT_EQUAL(memcmp(eap_server_msk(s)->data, msk, 64), 0);
	eap_server_free(s);
	eap_client_free(c);
}

/* The server stores the NT hash only; the client knows the password, or
 * the NT hash too. */
static void test_mschapv2_nt_hash(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_ALL, EAP_M_ALL, "bob", BOB_PASSWORD, NULL, &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MSCHAPV2, "bob");
	eap_server_free(s);
	eap_client_free(c);
	run(EAP_M_ALL, EAP_M_ALL, "bob", NULL, "44EBBA8D5312B8D611474411F56989AE", &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MSCHAPV2, "bob");
	eap_server_free(s);
	eap_client_free(c);
}

/* EAP-MD5: identity, challenge, response, EAP-Success; no MSK. The
 * response is MD5(id | password | challenge), checked here (RFC 1994 4.1). */
static void test_md5_success(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;
	uint8_t want[16];
	unsigned n = 0;
	EVP_MD_CTX *x = EVP_MD_CTX_new();

	run(EAP_M_MD5, EAP_M_ALL, "carol", "md5 only", NULL, &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MD5, "carol");
	CU_ASSERT_EQUAL_FATAL(r.tr_n, 5);
	CU_ASSERT_EQUAL(r.tr_pkt[2].o_len, 6 + 16); /* no Name (strongSwan hashes it) */
	CU_ASSERT_FATAL(x && EVP_DigestInit_ex(x, EVP_md5(), NULL));
	EVP_DigestUpdate(x, &r.tr_pkt[3].o_buf[1], 1);
	EVP_DigestUpdate(x, "md5 only", 8);
	EVP_DigestUpdate(x, r.tr_pkt[2].o_buf + 6, 16);
	EVP_DigestFinal_ex(x, want, &n);
	EVP_MD_CTX_free(x);
	CU_ASSERT_EQUAL(r.tr_pkt[3].o_buf[5], 16);
	CU_ASSERT_EQUAL(memcmp(r.tr_pkt[3].o_buf + 6, want, 16), 0);
	eap_server_free(s);
	eap_client_free(c);
}

static void test_wrong_password(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_ALL, EAP_M_ALL, "alice", "incorrect horse", NULL, &r, &s, &c);
	check_failure(s, c, &r, "wrong password for 'alice'");
	CU_ASSERT_EQUAL(r.tr_n, 5); /* identity, challenge, failure */
	CU_ASSERT_STRING_EQUAL(eap_server_why(s), "EAP-MSCHAPv2: wrong password for 'alice'");
	eap_server_free(s);
	eap_client_free(c);
	run(EAP_M_MD5, EAP_M_ALL, "carol", "MD5 only", NULL, &r, &s, &c);
	check_failure(s, c, &r, "EAP-MD5: wrong password for 'carol'");
	eap_server_free(s);
	eap_client_free(c);
	/* The password must never reach a message. */
	run(EAP_M_ALL, EAP_M_ALL, "alice", "s3cr3t-guess", NULL, &r, &s, &c);
	CU_ASSERT_PTR_NULL(strstr(eap_server_why(s), "s3cr3t"));
	CU_ASSERT_PTR_NULL(strstr(eap_client_why(c), "s3cr3t"));
	eap_server_free(s);
	eap_client_free(c);
}

/* An unknown identity gets a challenge like anyone, and fails after. */
static void test_unknown_identity(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_ALL, EAP_M_ALL, "mallory", "x", NULL, &r, &s, &c);
	check_failure(s, c, &r, "unknown identity 'mallory'");
	CU_ASSERT_EQUAL(r.tr_n, 5);
	CU_ASSERT_EQUAL(r.tr_pkt[2].o_buf[4], EAP_TYPE_MSCHAPV2);
	eap_server_free(s);
	eap_client_free(c);
	run(EAP_M_MD5, EAP_M_ALL, "mallory", "x", NULL, &r, &s, &c);
	check_failure(s, c, &r, "EAP-MD5: unknown identity 'mallory'");
	eap_server_free(s);
	eap_client_free(c);
}

/* RFC 3748 5.3.1: the client Naks MS-CHAPv2 asking for MD5; alice may use
 * both, so the server switches. */
static void test_nak_switch(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_ALL, EAP_M_MD5, "alice", "correct horse", NULL, &r, &s, &c);
	check_success(s, c, &r, EAP_TYPE_MD5, "alice");
	CU_ASSERT_EQUAL_FATAL(r.tr_n, 7);
	CU_ASSERT_EQUAL(r.tr_pkt[2].o_buf[4], EAP_TYPE_MSCHAPV2);
	CU_ASSERT_EQUAL(r.tr_pkt[3].o_buf[4], EAP_TYPE_NAK);
	CU_ASSERT_EQUAL(r.tr_pkt[3].o_len, 6);
	CU_ASSERT_EQUAL(r.tr_pkt[3].o_buf[5], EAP_TYPE_MD5);
	CU_ASSERT_EQUAL(r.tr_pkt[4].o_buf[4], EAP_TYPE_MD5);
	CU_ASSERT_EQUAL(r.tr_pkt[4].o_buf[1], (uint8_t)(r.tr_pkt[3].o_buf[1] + 1));
	eap_server_free(s);
	eap_client_free(c);
}

/* A Nak to something not allowed ends it; so does a client that can run
 * nothing (Nak with 0). */
static void test_nak_refused(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_MSCHAPV2, EAP_M_MD5, "alice", "correct horse", NULL, &r, &s, &c);
	check_failure(s, c, &r, "refused EAP-MSCHAPv2 and proposed only types [4]");
	eap_server_free(s);
	eap_client_free(c);
	/* carol may use MD5 only: a Nak from MD5 to MS-CHAPv2 cannot help. */
	run(EAP_M_ALL, EAP_M_MSCHAPV2, "carol", "md5 only", NULL, &r, &s, &c);
	check_failure(s, c, &r, "proposed only types [26]");
	eap_server_free(s);
	eap_client_free(c);
	/* A client with only an NT hash cannot do MD5: it Naks with MS-CHAPv2. */
	run(EAP_M_MD5, EAP_M_ALL, "bob", NULL, "44EBBA8D5312B8D611474411F56989AE", &r, &s, &c);
	CU_ASSERT_EQUAL(r.tr_srv, EAP_FAILURE);
	eap_server_free(s);
	eap_client_free(c);
}

/* The user's method and the connection's do not meet: refused at once. */
static void test_no_common_method(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;

	run(EAP_M_MSCHAPV2, EAP_M_ALL, "carol", "md5 only", NULL, &r, &s, &c);
	check_failure(s, c, &r, "the connection allows eap-mschapv2, the user eap-md5");
	CU_ASSERT_EQUAL(r.tr_n, 3);
	eap_server_free(s);
	eap_client_free(c);
	/* erin has "any" but only an NT hash: no EAP-MD5. */
	run(EAP_M_MD5, EAP_M_ALL, "erin", NULL, "44EBBA8D5312B8D611474411F56989AE", &r, &s, &c);
	check_failure(s, c, &r, "no password stored");
	eap_server_free(s);
	eap_client_free(c);
}

/* A server that does not know the password cannot fake the authenticator
 * response: flip one digit of "S=" and the client refuses. */
static void test_mutual_auth(void)
{
	struct eap_server *s = te_server(EAP_M_ALL, te_users, NULL);
	struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	struct eap_out out, cout;
	enum eap_status st;

	CU_ASSERT_EQUAL_FATAL(eap_server_start(s, &out), 0);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(eap_client_process(c, out.o_buf, out.o_len, &cout, &st), 0);
		CU_ASSERT_EQUAL(eap_server_process(s, cout.o_buf, cout.o_len, &out, &st), 0);
	}
	CU_ASSERT_EQUAL_FATAL(out.o_buf[5], 3); /* Success Request */
	out.o_buf[11] = out.o_buf[11] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(eap_client_process(c, out.o_buf, out.o_len, &cout, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_FAILURE);
	CU_ASSERT_EQUAL(cout.o_len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(eap_client_why(c), "authenticator response is wrong"));
	CU_ASSERT_PTR_NULL(eap_client_msk(c));
	eap_server_free(s);
	eap_client_free(c);
}

/* EAP-Success before the method finished, or with no method at all. */
static void test_early_success(void)
{
	static const uint8_t success[] = { 3, 7, 0, 4 };
	struct eap_server *s = te_server(EAP_M_ALL, te_users, NULL);
	struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	struct eap_out out, cout;
	enum eap_status st;

	CU_ASSERT_EQUAL(eap_client_process(c, success, sizeof(success), &cout, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_FAILURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(eap_client_why(c), "before any method ran"));
	eap_client_free(c);
	/* After the MS-CHAPv2 response, before the server's Success Request. */
	c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	CU_ASSERT_EQUAL_FATAL(eap_server_start(s, &out), 0);
	CU_ASSERT_EQUAL(eap_client_process(c, out.o_buf, out.o_len, &cout, &st), 0);
	CU_ASSERT_EQUAL(eap_server_process(s, cout.o_buf, cout.o_len, &out, &st), 0);
	CU_ASSERT_EQUAL(eap_client_process(c, out.o_buf, out.o_len, &cout, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_CONTINUE);
	CU_ASSERT_EQUAL(eap_client_process(c, success, sizeof(success), &cout, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_FAILURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(eap_client_why(c), "before EAP-MSCHAPv2 finished"));
	eap_server_free(s);
	eap_client_free(c);
}

/* RFC 3748 5.2: a Notification is acknowledged; an unknown method is Naked. */
static void test_client_notification_and_unknown(void)
{
	static const uint8_t note[] = { 1, 9, 0, 9, 2, 'h', 'e', 'l', 'o' };
	static const uint8_t otp[] = { 1, 10, 0, 6, 5, 0 }; /* OTP */
	struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	struct eap_out out;
	enum eap_status st;

	CU_ASSERT_EQUAL(eap_client_process(c, note, sizeof(note), &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_CONTINUE);
	CU_ASSERT(out.o_len == 5 && out.o_buf[0] == 2 && out.o_buf[1] == 9 && out.o_buf[4] == 2);
	CU_ASSERT_EQUAL(eap_client_process(c, otp, sizeof(otp), &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_CONTINUE);
	CU_ASSERT_EQUAL(out.o_len, 7);
	CU_ASSERT(out.o_buf[4] == EAP_TYPE_NAK && out.o_buf[5] == 26 && out.o_buf[6] == 4);
	eap_client_free(c);
}

/* After the end, both refuse to go on; a second start is refused too. */
static void test_after_end(void)
{
	struct eap_server *s;
	struct eap_client *c;
	struct te_run r;
	struct eap_out out;
	enum eap_status st;

	run(EAP_M_ALL, EAP_M_ALL, "alice", "correct horse", NULL, &r, &s, &c);
	CU_ASSERT_EQUAL(eap_server_process(s, r.tr_pkt[5].o_buf, r.tr_pkt[5].o_len, &out, &st),
			GW_E_STATE);
	CU_ASSERT_EQUAL(eap_server_start(s, &out), GW_E_STATE);
	CU_ASSERT_EQUAL(eap_client_process(c, r.tr_pkt[6].o_buf, r.tr_pkt[6].o_len, &out, &st),
			GW_E_STATE);
	/* Still the MSK of the successful run. */
	CU_ASSERT_PTR_NOT_NULL(eap_server_msk(s));
	eap_server_free(s);
	eap_client_free(c);
}

/* Credentials through eap-users.json (api/model), as the daemon does. */
static void test_users_file(void)
{
	static const char doc[] =
		"[{\"identity\": \"alice\", \"method\": \"any\", \"password\": \"correct horse\"},"
		" {\"identity\": \"bob\", \"method\": \"eap-mschapv2\","
		"  \"nt_hash\": \"44EBBA8D5312B8D611474411F56989AE\"}]";
	struct model_eap_users *users = NULL;
	struct model_err err;
	struct eap_server_cfg cfg = { .sc_ctx = te_ctx(),
				      .sc_methods = EAP_M_ALL,
				      .sc_lookup = eap_cred_from_users };
	struct eap_server *s = NULL;
	struct eap_client *c;
	struct te_run r;

	CU_ASSERT_EQUAL_FATAL(model_eap_users_parse(doc, sizeof(doc) - 1, &users, &err), 0);
	cfg.sc_lookup_arg = users;
	CU_ASSERT_EQUAL_FATAL(eap_server_new(&cfg, &s), 0);
	c = te_client(EAP_M_ALL, "bob", BOB_PASSWORD, NULL);
	te_converse(s, c, &r);
	check_success(s, c, &r, EAP_TYPE_MSCHAPV2, "bob");
	eap_server_free(s);
	eap_client_free(c);
	CU_ASSERT_EQUAL_FATAL(eap_server_new(&cfg, &s), 0);
	c = te_client(EAP_M_MD5, "alice", "correct horse", NULL);
	te_converse(s, c, &r);
	check_success(s, c, &r, EAP_TYPE_MD5, "alice");
	eap_server_free(s);
	eap_client_free(c);
	model_eap_users_free(users);
}

static const struct ut_case cases[] = {
	{ "EAP-MSCHAPv2 success, MSK recomputed independently", test_mschapv2_success },
	{ "EAP-MSCHAPv2 DOMAIN\\user", test_mschapv2_domain_user },
	{ "EAP-MSCHAPv2 with stored NT hashes", test_mschapv2_nt_hash },
	{ "EAP-MD5 success, response recomputed", test_md5_success },
	{ "wrong password", test_wrong_password },
	{ "unknown identity", test_unknown_identity },
	{ "Nak switches the method", test_nak_switch },
	{ "Nak to nothing allowed", test_nak_refused },
	{ "no method in common", test_no_common_method },
	{ "mutual authentication (S=)", test_mutual_auth },
	{ "early EAP-Success", test_early_success },
	{ "client: Notification, unknown method", test_client_notification_and_unknown },
	{ "after the end", test_after_end },
	{ "credentials from eap-users.json", test_users_file },
	{ NULL, NULL },
};

const struct ut_suite te_conv_suite = { "conversations", cases };
