/*
 * test_bad.c: what a hostile or broken peer can send: every truncation
 * of every packet of a conversation (with the Length field as sent and
 * patched to match), wrong identifiers, wrong types and codes, broken Naks
 * and broken MS-CHAPv2 fields. The server must end with EAP-Failure and a
 * reason, the client with EAP_FAILURE and nothing to send; nothing may
 * crash or read past the packet (the ASan build checks that).
 */
#include <stdlib.h>
#include <string.h>

#include "te.h"
#include "util/err.h"

enum stage {
	AT_IDENTITY,     /* server sent Request/Identity */
	AT_MS_CHALLENGE, /* ... the MS-CHAPv2 challenge */
	AT_MS_SUCCESS,   /* ... the MS-CHAPv2 Success Request */
	AT_MD5,          /* ... the EAP-MD5 challenge */
	N_STAGES,
};

/* A server at a stage, kept as a prototype: each input goes to a copy,
 * so they all meet the same identifiers and challenges. */
struct stage_ctx {
	enum stage sc_stage;
	struct eap_server *sc_proto;
	struct eap_out sc_req;  /* the server's request at that stage */
	struct eap_out sc_resp; /* our client's valid response to it */
};

static void stage_init(struct stage_ctx *sc, enum stage st)
{
	struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	enum eap_status cst, sst;
	int steps = st == AT_IDENTITY ? 0 : st == AT_MS_SUCCESS ? 2 : 1;

	sc->sc_stage = st;
	sc->sc_proto = te_server(st == AT_MD5 ? EAP_M_MD5 : EAP_M_ALL, te_users, NULL);
	CU_ASSERT_EQUAL_FATAL(eap_server_start(sc->sc_proto, &sc->sc_req), 0);
	CU_ASSERT_EQUAL_FATAL(
		eap_client_process(c, sc->sc_req.o_buf, sc->sc_req.o_len, &sc->sc_resp, &cst), 0);
	for (int i = 0; i < steps; i++) {
		CU_ASSERT_EQUAL_FATAL(eap_server_process(sc->sc_proto, sc->sc_resp.o_buf,
							 sc->sc_resp.o_len, &sc->sc_req, &sst),
				      0);
		CU_ASSERT_EQUAL_FATAL(sst, EAP_CONTINUE);
		CU_ASSERT_EQUAL_FATAL(eap_client_process(c, sc->sc_req.o_buf, sc->sc_req.o_len,
							 &sc->sc_resp, &cst),
				      0);
	}
	CU_ASSERT_EQUAL_FATAL(cst, EAP_CONTINUE);
	eap_client_free(c);
}

static struct secret *dup_or_null(const struct secret *x)
{
	return x ? secret_dup(x->data, x->len) : NULL;
}

/* A deep copy of a running server (test only: it knows the struct). */
static struct eap_server *clone(const struct eap_server *p)
{
	struct eap_server *s = malloc(sizeof(*s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memcpy(s, p, sizeof(*s));
	s->s_cred.cr_password = dup_or_null(p->s_cred.cr_password);
	s->s_cred.cr_nt_hash = dup_or_null(p->s_cred.cr_nt_hash);
	s->s_msk_pending = dup_or_null(p->s_msk_pending);
	s->s_msk = dup_or_null(p->s_msk);
	return s;
}

/* Feed pkt to a copy of the stage's server; returns the status, and the
 * reason in why. */
static enum eap_status feed(const struct stage_ctx *sc, const uint8_t *pkt, size_t len, char *why,
			    size_t wl)
{
	struct eap_server *s = clone(sc->sc_proto);
	struct eap_out out;
	enum eap_status sst = EAP_CONTINUE;

	CU_ASSERT_EQUAL(eap_server_process(s, pkt, len, &out, &sst), 0);
	if (sst == EAP_FAILURE) {
		CU_ASSERT(out.o_len == 4 && out.o_buf[0] == EAP_CODE_FAILURE);
		CU_ASSERT(eap_server_why(s)[0] != '\0');
	} else {
		CU_ASSERT(out.o_len >= 4);
	}
	if (why)
		snprintf(why, wl, "%s", eap_server_why(s));
	eap_server_free(s);
	return sst;
}

static bool has(const char *why, const char *needle)
{
	if (strstr(why, needle))
		return true;
	fprintf(stderr, "\nwhy '%s' lacks '%s'\n", why, needle);
	return false;
}

/* Every prefix of the valid response: Length as sent (too long for the
 * bytes: refused), and patched to the prefix (a shorter packet, refused
 * unless it is still a valid one: an identity cut short). */
static void test_server_truncations(void)
{
	for (enum stage st = 0; st < N_STAGES; st++) {
		struct stage_ctx sc;
		const struct eap_out *resp = &sc.sc_resp;
		uint8_t buf[EAP_MSG_MAX];

		stage_init(&sc, st);
		for (size_t len = 0; len < resp->o_len; len++) {
			memcpy(buf, resp->o_buf, len);
			CU_ASSERT_EQUAL(feed(&sc, buf, len, NULL, 0), EAP_FAILURE);
			if (len < 4)
				continue;
			buf[2] = (uint8_t)(len >> 8);
			buf[3] = (uint8_t)len;
			if (st == AT_IDENTITY && len > 5) {
				CU_ASSERT_EQUAL(feed(&sc, buf, len, NULL, 0), EAP_CONTINUE);
			} else {
				CU_ASSERT_EQUAL(feed(&sc, buf, len, NULL, 0), EAP_FAILURE);
			}
		}
		/* The valid response passes, and RFC 3748 4.1: bytes past
		 * Length are padding. */
		memcpy(buf, resp->o_buf, resp->o_len);
		memset(buf + resp->o_len, 0xee, 3);
		for (size_t pad = 0; pad <= 3; pad += 3)
			CU_ASSERT_EQUAL(feed(&sc, buf, resp->o_len + pad, NULL, 0),
					st == AT_MS_SUCCESS || st == AT_MD5 ? EAP_SUCCESS
									    : EAP_CONTINUE);
		eap_server_free(sc.sc_proto);
	}
}

static void test_server_wrong_id_code_type(void)
{
	char why[EAP_WHY_LEN];

	for (enum stage st = 0; st < N_STAGES; st++) {
		struct stage_ctx sc;
		uint8_t *b = sc.sc_resp.o_buf;
		size_t n;

		stage_init(&sc, st);
		n = sc.sc_resp.o_len;
		b[1]++;
		CU_ASSERT_EQUAL(feed(&sc, b, n, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, "EAP identifier"));
		b[1]--;
		b[0] = EAP_CODE_REQUEST;
		CU_ASSERT_EQUAL(feed(&sc, b, n, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, "not a response"));
		b[0] = 9;
		CU_ASSERT_EQUAL(feed(&sc, b, n, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, "unknown EAP code 9"));
		b[0] = EAP_CODE_RESPONSE;
		/* The right identifier, the wrong type. */
		b[4] = st == AT_MD5 ? EAP_TYPE_MSCHAPV2 : EAP_TYPE_MD5;
		if (st == AT_IDENTITY)
			b[4] = EAP_TYPE_NOTIFICATION;
		CU_ASSERT_EQUAL(feed(&sc, b, n, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, "EAP response of type"));
		/* A Success from the client. */
		b[0] = EAP_CODE_SUCCESS;
		b[2] = 0;
		b[3] = 4;
		CU_ASSERT_EQUAL(feed(&sc, b, 4, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, "not a response"));
		eap_server_free(sc.sc_proto);
	}
}

static void ident(uint8_t *buf, uint8_t id, const void *name, size_t n)
{
	buf[0] = EAP_CODE_RESPONSE;
	buf[1] = id;
	buf[2] = (uint8_t)((n + 5) >> 8);
	buf[3] = (uint8_t)(n + 5);
	buf[4] = EAP_TYPE_IDENTITY;
	memcpy(buf + 5, name, n);
}

/* Identities: empty, with a NUL, too long; a Nak in place of one. */
static void test_server_bad_identity(void)
{
	struct stage_ctx sc;
	uint8_t buf[600], name[300], id;
	char why[EAP_WHY_LEN];

	stage_init(&sc, AT_IDENTITY);
	id = sc.sc_req.o_buf[1];
	ident(buf, id, "", 0);
	CU_ASSERT_EQUAL(feed(&sc, buf, 5, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "EAP identity refused: 0 bytes"));
	ident(buf, id, "al\0ce", 5);
	CU_ASSERT_EQUAL(feed(&sc, buf, 10, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "no NUL"));
	memset(name, 'a', sizeof(name));
	ident(buf, id, name, 256);
	CU_ASSERT_EQUAL(feed(&sc, buf, 261, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "256 bytes"));
	ident(buf, id, name, 255);
	CU_ASSERT_EQUAL(feed(&sc, buf, 260, why, sizeof(why)), EAP_CONTINUE);
	/* An unknown identity with control characters: escaped in the reason. */
	ident(buf, id, "x\x1b[31m", 6);
	CU_ASSERT_EQUAL(feed(&sc, buf, 11, why, sizeof(why)), EAP_CONTINUE);
	buf[4] = EAP_TYPE_NAK;
	CU_ASSERT_EQUAL(feed(&sc, buf, 11, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "of type 3 (Nak), expected Identity"));
	eap_server_free(sc.sc_proto);
}

/* The reason of a failed run for an identity with an escape sequence. */
static void test_server_escapes_identity(void)
{
	struct eap_server *s = te_server(EAP_M_ALL, te_users, NULL);
	struct eap_client *c = te_client(EAP_M_ALL, "x\x1b[31m\x7f", "pw", NULL);
	struct te_run r;

	te_converse(s, c, &r);
	CU_ASSERT_EQUAL(r.tr_srv, EAP_FAILURE);
	CU_ASSERT(has(eap_server_why(s), "unknown identity 'x\\x1b[31m\\x7f'"));
	CU_ASSERT_PTR_NULL(strchr(eap_server_why(s), 0x1b));
	eap_server_free(s);
	eap_client_free(c);
}

static void nak(uint8_t *buf, uint8_t id, const uint8_t *types, size_t n)
{
	buf[0] = EAP_CODE_RESPONSE;
	buf[1] = id;
	buf[2] = 0;
	buf[3] = (uint8_t)(n + 5);
	buf[4] = EAP_TYPE_NAK;
	if (n)
		memcpy(buf + 5, types, n);
}

static void test_server_bad_nak(void)
{
	static const uint8_t md5[] = { EAP_TYPE_MD5 }, ms[] = { EAP_TYPE_MSCHAPV2 };
	static const uint8_t junk[] = { 0, 1, 2, 3, 254, 255 };
	struct stage_ctx sc;
	struct eap_server *s;
	struct eap_out out;
	enum eap_status st;
	uint8_t buf[64], id;
	char why[EAP_WHY_LEN];

	/* A Nak to MD5 switches; a second Nak (back to MS-CHAPv2) ends it. */
	stage_init(&sc, AT_MS_CHALLENGE);
	id = sc.sc_req.o_buf[1];
	s = clone(sc.sc_proto);
	nak(buf, id, md5, 1);
	CU_ASSERT_EQUAL(eap_server_process(s, buf, 6, &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_CONTINUE);
	CU_ASSERT_EQUAL(out.o_buf[4], EAP_TYPE_MD5);
	nak(buf, out.o_buf[1], ms, 1);
	CU_ASSERT_EQUAL(eap_server_process(s, buf, 6, &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_FAILURE);
	CU_ASSERT(has(eap_server_why(s), "second Nak"));
	eap_server_free(s);
	/* Empty, the method we already run, and junk types. */
	nak(buf, id, NULL, 0);
	CU_ASSERT_EQUAL(feed(&sc, buf, 5, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "empty Nak"));
	nak(buf, id, ms, 1);
	CU_ASSERT_EQUAL(feed(&sc, buf, 6, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "proposed only types [26]"));
	nak(buf, id, junk, sizeof(junk));
	CU_ASSERT_EQUAL(feed(&sc, buf, 5 + sizeof(junk), why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "proposed only types [0,1,2,3,254,255]"));
	eap_server_free(sc.sc_proto);
	/* A Nak after the MS-CHAPv2 exchange went on is out of place. */
	stage_init(&sc, AT_MS_SUCCESS);
	nak(buf, sc.sc_req.o_buf[1], md5, 1);
	CU_ASSERT_EQUAL(feed(&sc, buf, 6, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "of type 3 (Nak)"));
	eap_server_free(sc.sc_proto);
}

/* MS-CHAPv2 fields: ID, MS-Length, Value-Size, OpCode, the response itself. */
static void test_server_bad_mschapv2(void)
{
	static const struct {
		size_t off;
		uint8_t delta;
		const char *why;
	} cases[] = {
		{ 6, 1, "MS-CHAPv2-ID" },    { 8, 1, "MS-Length" },
		{ 9, 1, "value size 50" },   { 5, 2, "OpCode 4" },
		{ 5, 5, "OpCode 7" },        { 34, 1, "wrong password" }, /* NT-Response */
		{ 10, 1, "wrong password" },                              /* Peer-Challenge */
		{ 60, 1, "wrong password" }, /* Name: the hash covers it */
	};
	struct stage_ctx sc;
	uint8_t buf[EAP_MSG_MAX];
	char why[EAP_WHY_LEN];
	size_t n;

	stage_init(&sc, AT_MS_CHALLENGE);
	n = sc.sc_resp.o_len;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, sc.sc_resp.o_buf, n);
		buf[cases[i].off] = (uint8_t)(buf[cases[i].off] + cases[i].delta);
		CU_ASSERT_EQUAL(feed(&sc, buf, n, why, sizeof(why)), EAP_FAILURE);
		CU_ASSERT(has(why, cases[i].why));
	}
	/* Reserved and Flags are ignored (RFC 2759 4). */
	memcpy(buf, sc.sc_resp.o_buf, n);
	buf[26] = 0xff;
	buf[58] = 0xff;
	CU_ASSERT_EQUAL(feed(&sc, buf, n, why, sizeof(why)), EAP_CONTINUE);
	eap_server_free(sc.sc_proto);
	/* The client's Failure Response to our Success Request. */
	stage_init(&sc, AT_MS_SUCCESS);
	memcpy(buf, sc.sc_resp.o_buf, sc.sc_resp.o_len);
	buf[5] = 4;
	CU_ASSERT_EQUAL(feed(&sc, buf, sc.sc_resp.o_len, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "refused our authenticator response"));
	eap_server_free(sc.sc_proto);
}

static void test_server_bad_md5(void)
{
	struct stage_ctx sc;
	uint8_t buf[EAP_MSG_MAX];
	char why[EAP_WHY_LEN];
	size_t n;

	stage_init(&sc, AT_MD5);
	n = sc.sc_resp.o_len;
	memcpy(buf, sc.sc_resp.o_buf, n);
	buf[5] = 15;
	CU_ASSERT_EQUAL(feed(&sc, buf, n, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "value size 15"));
	buf[5] = 16;
	buf[6] ^= 1;
	CU_ASSERT_EQUAL(feed(&sc, buf, n, why, sizeof(why)), EAP_FAILURE);
	CU_ASSERT(has(why, "EAP-MD5: wrong password for 'alice'"));
	/* A Name after the value is allowed (RFC 1994) and ignored. */
	memcpy(buf, sc.sc_resp.o_buf, n);
	memcpy(buf + n, "alice", 5);
	buf[3] = (uint8_t)(n + 5);
	CU_ASSERT_EQUAL(feed(&sc, buf, n + 5, why, sizeof(why)), EAP_SUCCESS);
	eap_server_free(sc.sc_proto);
}

/* Client side: each request of a conversation cut at every length, to a
 * client at the matching point of its own conversation. */
static void test_client_truncations(void)
{
	for (enum stage st = 0; st < N_STAGES; st++) {
		struct stage_ctx sc;
		const struct eap_out *req = &sc.sc_req;
		uint8_t buf[EAP_MSG_MAX];

		stage_init(&sc, st);
		for (size_t len = 0; len <= req->o_len; len++) {
			for (int patch = 0; patch < 2; patch++) {
				struct eap_client *c =
					te_client(EAP_M_ALL, "alice", "correct horse", NULL);
				struct eap_out out;
				enum eap_status cst;

				/* A client waiting for the Success Request: give it
				 * a challenge first (the S= will not match ours,
				 * which is fine for parsing). */
				if (st == AT_MS_SUCCESS) {
					struct stage_ctx c2;

					stage_init(&c2, AT_MS_CHALLENGE);
					eap_client_process(c, c2.sc_req.o_buf, c2.sc_req.o_len,
							   &out, &cst);
					eap_server_free(c2.sc_proto);
				}
				memcpy(buf, req->o_buf, len);
				if (patch && len >= 4) {
					buf[2] = (uint8_t)(len >> 8);
					buf[3] = (uint8_t)len;
				}
				CU_ASSERT_EQUAL(eap_client_process(c, buf, len, &out, &cst), 0);
				if (cst == EAP_FAILURE)
					CU_ASSERT_EQUAL(out.o_len, 0);
				if (len < 5 || (!patch && len < req->o_len))
					CU_ASSERT_EQUAL(cst, EAP_FAILURE);
				eap_client_free(c);
			}
		}
		eap_server_free(sc.sc_proto);
	}
}

static void test_client_bad_requests(void)
{
	static const uint8_t resp[] = { 2, 1, 0, 5, 1 };       /* a response */
	static const uint8_t nak_req[] = { 1, 1, 0, 6, 3, 4 }; /* Nak as a request */
	static const uint8_t ms_fail[] = { 1, 1, 0, 0x0e, 26, 4, 1, 0, 9, 'E', '=', '6', '9', '1' };
	static const uint8_t ms_op9[] = { 1, 1, 0, 9, 26, 9, 1, 0, 4 };
	static const uint8_t md5_zero[] = { 1, 1, 0, 6, 4, 0 }; /* value size 0 */
	static const struct {
		const uint8_t *p;
		size_t n;
		const char *why;
	} cases[] = {
		{ resp, sizeof(resp), "EAP response sent to the client" },
		{ nak_req, sizeof(nak_req), "Nak in a request" },
		{ ms_fail, sizeof(ms_fail), "failure from the server: 'E=691'" },
		{ ms_op9, sizeof(ms_op9), "OpCode 9" },
		{ md5_zero, sizeof(md5_zero), "value size 0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
		struct eap_out out;
		enum eap_status st;

		CU_ASSERT_EQUAL(eap_client_process(c, cases[i].p, cases[i].n, &out, &st), 0);
		CU_ASSERT_EQUAL(st, EAP_FAILURE);
		CU_ASSERT_EQUAL(out.o_len, 0);
		CU_ASSERT(has(eap_client_why(c), cases[i].why));
		eap_client_free(c);
	}
}

/* A server that switches methods in the middle. */
static void test_client_method_switch(void)
{
	struct stage_ctx sc;
	struct eap_client *c = te_client(EAP_M_ALL, "alice", "correct horse", NULL);
	static const uint8_t md5[] = { 1, 9, 0, 22, 4,  16, 1,  2,  3,  4,  5,
				       6, 7, 8, 9,  10, 11, 12, 13, 14, 15, 16 };
	struct eap_out out;
	enum eap_status st;

	stage_init(&sc, AT_MS_CHALLENGE);
	CU_ASSERT_EQUAL(eap_client_process(c, sc.sc_req.o_buf, sc.sc_req.o_len, &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_CONTINUE);
	CU_ASSERT_EQUAL(eap_client_process(c, md5, sizeof(md5), &out, &st), 0);
	CU_ASSERT_EQUAL(st, EAP_FAILURE);
	CU_ASSERT(has(eap_client_why(c), "switched from EAP-MSCHAPv2"));
	eap_server_free(sc.sc_proto);
	eap_client_free(c);
}

static void test_bad_arguments(void)
{
	struct eap_server_cfg scfg = { 0 };
	struct eap_client_cfg ccfg = { .cc_ctx = te_ctx(),
				       .cc_identity = (const uint8_t *)"",
				       .cc_identity_len = 0 };
	struct eap_server *s = (void *)1;
	struct eap_client *c = (void *)1;

	CU_ASSERT_EQUAL(eap_server_new(&scfg, &s), GW_E_INVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(eap_client_new(&ccfg, &c), GW_E_INVAL);
	CU_ASSERT_PTR_NULL(c);
	eap_server_free(NULL);
	eap_client_free(NULL);
	eap_cred_clear(NULL);
	CU_ASSERT_FALSE(eap_identity_ok(NULL, 0));
	CU_ASSERT_FALSE(eap_identity_ok((const uint8_t *)"a\0b", 3));
	CU_ASSERT_TRUE(eap_identity_ok((const uint8_t *)"a b", 3));
}

static const struct ut_case cases[] = {
	{ "server: every truncation", test_server_truncations },
	{ "server: wrong identifier, code, type", test_server_wrong_id_code_type },
	{ "server: bad identities", test_server_bad_identity },
	{ "server: identities escaped in reasons", test_server_escapes_identity },
	{ "server: bad Naks", test_server_bad_nak },
	{ "server: bad MS-CHAPv2 fields", test_server_bad_mschapv2 },
	{ "server: bad EAP-MD5 responses", test_server_bad_md5 },
	{ "client: every truncation", test_client_truncations },
	{ "client: bad requests", test_client_bad_requests },
	{ "client: method switch", test_client_method_switch },
	{ "bad arguments", test_bad_arguments },
	{ NULL, NULL },
};

const struct ut_suite te_bad_suite = { "malformed", cases };
