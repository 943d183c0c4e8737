/*
 * test_mschap.c: the MS-CHAPv2 primitives against published vectors:
 * RFC 2759 section 9.2 (NtPasswordHash, HashNtPasswordHash, ChallengeHash,
 * GenerateNTResponse, GenerateAuthenticatorResponse) and RFC 3079 section
 * 3.5.3 (GetMasterKey, GetAsymmetricStartKey for 128-bit keys), then the
 * IKEv2 MSK built from them, the UTF-16LE conversion and the user-name
 * rule.
 */
#include <string.h>

#include "te.h"
#include "util/err.h"

/* RFC 2759 9.2 "Sample MS-CHAPv2 response"; RFC 3079 3.5 reuses them. */
#define V_USER      "User"
#define V_PASSWORD  "clientPass"
#define V_AUTH_CH   "5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28"
#define V_PEER_CH   "21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E"
#define V_CH_HASH   "D0 2E 43 86 BC E9 12 26"
#define V_NT_HASH   "44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE"
#define V_NT_RESP   "82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF"
#define V_HASH_HASH "41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"
#define V_AUTH_RESP "407A5589115FD0D6209F510FE9C04566932CDA56" /* after "S=" */
/* RFC 3079 3.5.3 "Sample Key Derivations" (128-bit). */
#define V_MASTER_KEY "FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31"
#define V_SEND_128   "8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"
/* Not printed in RFC 3079 (which gives the send key only): the Magic2 key
 * for the same master key, computed independently with python3 hashlib
 * (tests/unit/eap/xcheck.py does the same at every `make check`). */
#define V_RECV_128 "D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26"

static void hex(const char *h, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(ut_hex(h, out, n), n);
}

static void test_rfc2759_nt_hash(void)
{
	uint8_t want[16], got[16], hh[16];

	hex(V_NT_HASH, want, 16);
	CU_ASSERT_EQUAL(
		mschap_nt_hash(te_ctx(), (const uint8_t *)V_PASSWORD, strlen(V_PASSWORD), got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 16), 0);
	hex(V_HASH_HASH, want, 16);
	CU_ASSERT_EQUAL(mschap_nt_hash_hash(te_ctx(), got, hh), 0);
	CU_ASSERT_EQUAL(memcmp(hh, want, 16), 0);
}

static void test_rfc2759_challenge_hash(void)
{
	uint8_t auth[16], peer[16], want[8], got[8];

	hex(V_AUTH_CH, auth, 16);
	hex(V_PEER_CH, peer, 16);
	hex(V_CH_HASH, want, 8);
	CU_ASSERT_EQUAL(
		mschap_challenge_hash(te_ctx(), peer, auth, (const uint8_t *)V_USER, 4, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 8), 0);
}

static void test_rfc2759_nt_response(void)
{
	uint8_t auth[16], peer[16], hash[16], ch[8], want[24], got[24];

	hex(V_AUTH_CH, auth, 16);
	hex(V_PEER_CH, peer, 16);
	hex(V_NT_HASH, hash, 16);
	hex(V_NT_RESP, want, 24);
	CU_ASSERT_EQUAL(
		mschap_nt_response(te_ctx(), auth, peer, (const uint8_t *)V_USER, 4, hash, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 24), 0);
	/* ChallengeResponse alone, from the printed challenge hash. */
	hex(V_CH_HASH, ch, 8);
	memset(got, 0, sizeof(got));
	CU_ASSERT_EQUAL(mschap_challenge_response(te_ctx(), ch, hash, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 24), 0);
}

static void test_rfc2759_auth_response(void)
{
	uint8_t auth[16], peer[16], hash[16], nt[24], got[20];
	char text[41];

	hex(V_AUTH_CH, auth, 16);
	hex(V_PEER_CH, peer, 16);
	hex(V_NT_HASH, hash, 16);
	hex(V_NT_RESP, nt, 24);
	CU_ASSERT_EQUAL(mschap_auth_response(te_ctx(), hash, nt, peer, auth,
					     (const uint8_t *)V_USER, 4, got),
			0);
	eap_hex_upper(got, 20, text);
	CU_ASSERT_STRING_EQUAL(text, V_AUTH_RESP);
}

static void test_rfc3079_keys(void)
{
	uint8_t hh[16], nt[24], mk[16], want[16], key[16], other[16];

	hex(V_HASH_HASH, hh, 16);
	hex(V_NT_RESP, nt, 24);
	hex(V_MASTER_KEY, want, 16);
	CU_ASSERT_EQUAL(mschap_master_key(te_ctx(), hh, nt, mk), 0);
	CU_ASSERT_EQUAL(memcmp(mk, want, 16), 0);
	/* RFC 3079's SendStartKey128 is the server's send key (Magic3). */
	hex(V_SEND_128, want, 16);
	CU_ASSERT_EQUAL(mschap_start_key(te_ctx(), mk, true, true, key), 0);
	CU_ASSERT_EQUAL(memcmp(key, want, 16), 0);
	/* ... which is the client's receive key. */
	CU_ASSERT_EQUAL(mschap_start_key(te_ctx(), mk, false, false, other), 0);
	CU_ASSERT_EQUAL(memcmp(other, want, 16), 0);
	/* The server's receive key = the client's send key (Magic2). */
	hex(V_RECV_128, want, 16);
	CU_ASSERT_EQUAL(mschap_start_key(te_ctx(), mk, false, true, key), 0);
	CU_ASSERT_EQUAL(memcmp(key, want, 16), 0);
	CU_ASSERT_EQUAL(mschap_start_key(te_ctx(), mk, true, false, other), 0);
	CU_ASSERT_EQUAL(memcmp(other, want, 16), 0);
}

/* MSK = server MasterReceiveKey | MasterSendKey | 32 zero bytes. */
static void test_msk_layout(void)
{
	uint8_t hash[16], nt[24], want[64] = { 0 };
	struct secret *msk = NULL;

	hex(V_NT_HASH, hash, 16);
	hex(V_NT_RESP, nt, 24);
	hex(V_RECV_128, want, 16);
	hex(V_SEND_128, want + 16, 16);
	CU_ASSERT_EQUAL_FATAL(mschap_msk(te_ctx(), hash, nt, &msk), 0);
	CU_ASSERT_EQUAL(msk->len, EAP_MSK_LEN);
	CU_ASSERT_EQUAL(memcmp(msk->data, want, 64), 0);
	secret_free(msk);
}

static void check_u16(const char *utf8, size_t len, const char *want_hex)
{
	uint8_t out[4 * EAP_PASSWORD_MAX], want[64];
	size_t n = 0, wn = ut_hex(want_hex, want, sizeof(want));

	CU_ASSERT_EQUAL_FATAL(mschap_utf16le((const uint8_t *)utf8, len, out, &n), 0);
	CU_ASSERT_EQUAL(n, wn);
	CU_ASSERT_EQUAL(memcmp(out, want, wn), 0);
}

static void test_utf16(void)
{
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\x80",             /* lone continuation */
		"\xed\xa0\x80",     /* UTF-16 surrogate */
		"\xe2\x82",         /* truncated */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xff",
	};
	uint8_t out[4 * EAP_PASSWORD_MAX], pw[EAP_PASSWORD_MAX + 1];
	size_t n;

	check_u16("clientPass", 10, "63 00 6C 00 69 00 65 00 6E 00 74 00 50 00 61 00 73 00 73 00");
	check_u16("p\xc3\xa4", 3, "70 00 e4 00");
	check_u16("p\xf0\x9f\x98\x80w", 6, "70 00 3d d8 00 de 77 00"); /* U+1F600: a pair */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(mschap_utf16le((const uint8_t *)bad[i], strlen(bad[i]), out, &n),
				GW_E_INVAL);
	memset(pw, 'x', sizeof(pw));
	CU_ASSERT_EQUAL(mschap_utf16le(pw, EAP_PASSWORD_MAX, out, &n), 0);
	CU_ASSERT_EQUAL(n, 2 * EAP_PASSWORD_MAX);
	CU_ASSERT_EQUAL(mschap_utf16le(pw, EAP_PASSWORD_MAX + 1, out, &n), GW_E_INVAL);
}

/* NT hashes of non-ASCII passwords, computed with python3 hashlib (MD4 of
 * str.encode('utf-16le')). strongSwan widens each byte instead, which
 * agrees only for ASCII; Windows converts properly, as we do. */
static void test_nt_hash_unicode(void)
{
	uint8_t got[16], want[16];
	static const char right[] = "p\xc3\xa4ssw\xc3\xb6rd", capital[] = "p\xc3\xa4sSw\xc3\xb6rd";

	hex("0553152250ac01adb4213cb9938663e4", want, 16);
	CU_ASSERT_EQUAL(mschap_nt_hash(te_ctx(), (const uint8_t *)right, strlen(right), got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 16), 0);
	/* One letter's case makes another password. */
	CU_ASSERT_EQUAL(mschap_nt_hash(te_ctx(), (const uint8_t *)capital, strlen(capital), got),
			0);
	CU_ASSERT_NOT_EQUAL(memcmp(got, want, 16), 0);
	hex("6b06667388f00da5001c1f5f34131271", want, 16);
	CU_ASSERT_EQUAL(mschap_nt_hash(te_ctx(), (const uint8_t *)"p\xf0\x9f\x98\x80w", 6, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, 16), 0);
}

static void check_user(const char *name, const char *want)
{
	const uint8_t *u;
	size_t n;

	mschap_user_name((const uint8_t *)name, strlen(name), &u, &n);
	CU_ASSERT_EQUAL(n, strlen(want));
	CU_ASSERT_EQUAL(memcmp(u, want, n), 0);
}

static void test_user_name(void)
{
	check_user("CORP\\alice", "alice");
	check_user("alice", "alice");
	check_user("a\\b\\c", "b\\c");
	check_user("CORP\\", "");
	check_user("alice@example.com", "alice@example.com");
}

/* MD5 for EAP-MD5 over a known input: RFC 1321's "abc" test, framed as
 * id 'a', secret "b", challenge "c". */
static void test_md5_digest(void)
{
	uint8_t got[16], want[16];

	hex("900150983cd24fb0d6963f7d28e17f72", want, 16);
	CU_ASSERT_EQUAL(eap_md5_digest(te_ctx(), 'a', (const uint8_t *)"b", 1, (const uint8_t *)"c",
				       1, got),
			0);
	CU_ASSERT_EQUAL(memcmp(got, want, 16), 0);
}

static const struct ut_case cases[] = {
	{ "RFC 2759 9.2 NtPasswordHash, HashNtPasswordHash", test_rfc2759_nt_hash },
	{ "RFC 2759 9.2 ChallengeHash", test_rfc2759_challenge_hash },
	{ "RFC 2759 9.2 NT-Response", test_rfc2759_nt_response },
	{ "RFC 2759 9.2 AuthenticatorResponse", test_rfc2759_auth_response },
	{ "RFC 3079 3.5.3 master, send and receive keys", test_rfc3079_keys },
	{ "IKEv2 MSK layout (64 bytes, zero padded)", test_msk_layout },
	{ "UTF-8 to UTF-16LE", test_utf16 },
	{ "NT hash of non-ASCII passwords", test_nt_hash_unicode },
	{ "user name without the domain", test_user_name },
	{ "EAP-MD5 digest (RFC 1321 abc)", test_md5_digest },
	{ NULL, NULL },
};

const struct ut_suite te_mschap_suite = { "mschap", cases };
