/*
 * test_sk.c: SK payload behaviour: round trips for every supported
 * cipher, tampering with any byte, IV uniqueness, refused arguments.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

struct suite_def {
	uint16_t encr, keylen, integ;
};

static const struct suite_def all_suites[] = {
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_12, 256, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_8, 128, IKE_INTEG_NONE },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA2_256_128 },
};

#define N_SUITES (sizeof(all_suites) / sizeof(all_suites[0]))
#define HDR_LEN  32 /* IKE header + SK generic header */

struct pair {
	struct sk_cipher *seal, *open;
	struct secret *ek, *ak;
};

/* Two ciphers with the same random keys: one seals, the other opens. */
static void pair_new(const struct suite_def *s, struct pair *p)
{
	size_t el = encr_key_len(s->encr, s->keylen), al = integ_key_len(s->integ);

	memset(p, 0, sizeof(*p));
	p->ek = secret_new(el);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->ek);
	CU_ASSERT_EQUAL_FATAL(crypto_random(p->ek->data, el), 0);
	if (al) {
		p->ak = secret_new(al);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p->ak);
		CU_ASSERT_EQUAL_FATAL(crypto_random(p->ak->data, al), 0);
	}
	CU_ASSERT_EQUAL_FATAL(sk_cipher_new(s->encr, s->keylen, s->integ, p->ek, p->ak, &p->seal),
			      0);
	CU_ASSERT_EQUAL_FATAL(sk_cipher_new(s->encr, s->keylen, s->integ, p->ek, p->ak, &p->open),
			      0);
}

static void pair_free(struct pair *p)
{
	sk_cipher_free(p->seal);
	sk_cipher_free(p->open);
	secret_free(p->ek);
	secret_free(p->ak);
}

/* Plaintext length rounded up to the cipher's block. */
static size_t ct_len_for(const struct sk_cipher *c, size_t plain)
{
	size_t b = sk_cipher_block_len(c);

	return (plain + b - 1) / b * b;
}

/* Builds header | IV | plaintext | ICV space; returns the total length. */
static size_t msg_fill(const struct sk_cipher *c, uint8_t *msg, size_t ct, uint8_t seed)
{
	size_t iv = sk_cipher_iv_len(c);

	for (size_t i = 0; i < HDR_LEN; i++)
		msg[i] = (uint8_t)(0xc0 + i);
	memset(msg + HDR_LEN, 0, iv);
	for (size_t i = 0; i < ct; i++)
		msg[HDR_LEN + iv + i] = (uint8_t)(seed + i * 3);
	return HDR_LEN + iv + ct + sk_cipher_icv_len(c);
}

static void test_round_trips(void)
{
	for (size_t s = 0; s < N_SUITES; s++) {
		struct pair p;

		pair_new(&all_suites[s], &p);
		/* several messages: contexts are reused, never rebuilt */
		for (uint8_t m = 0; m < 4; m++) {
			uint8_t msg[400], orig[400];
			size_t ct = ct_len_for(p.seal, 45 + 30 * m);
			size_t len = msg_fill(p.seal, msg, ct, m);
			size_t iv = sk_cipher_iv_len(p.seal);

			memcpy(orig, msg, len);
			CU_ASSERT_EQUAL_FATAL(sk_cipher_seal(p.seal, msg, HDR_LEN, ct, true), 0);
			CU_ASSERT_EQUAL(memcmp(msg, orig, HDR_LEN), 0);
			CU_ASSERT_NOT_EQUAL(memcmp(msg + HDR_LEN + iv, orig + HDR_LEN + iv, ct), 0);
			CU_ASSERT_EQUAL_FATAL(sk_cipher_open(p.open, msg, HDR_LEN, ct), 0);
			CU_ASSERT_EQUAL(memcmp(msg + HDR_LEN + iv, orig + HDR_LEN + iv, ct), 0);
			/* the sealing side can open its own output as well */
			CU_ASSERT_EQUAL(sk_cipher_seal(p.seal, msg, HDR_LEN, ct, true), 0);
			CU_ASSERT_EQUAL(sk_cipher_open(p.seal, msg, HDR_LEN, ct), 0);
			CU_ASSERT_EQUAL(memcmp(msg + HDR_LEN + iv, orig + HDR_LEN + iv, ct), 0);
		}
		pair_free(&p);
	}
}

/* Flipping any bit of header, IV, ciphertext or ICV: GW_E_AUTH, and the
 * message is left exactly as received. */
static void test_tamper_every_byte(void)
{
	for (size_t s = 0; s < N_SUITES; s++) {
		uint8_t msg[200], sealed[200];
		struct pair p;
		size_t ct, len;

		pair_new(&all_suites[s], &p);
		ct = ct_len_for(p.seal, 37);
		len = msg_fill(p.seal, msg, ct, 9);
		CU_ASSERT_EQUAL_FATAL(sk_cipher_seal(p.seal, msg, HDR_LEN, ct, true), 0);
		memcpy(sealed, msg, len);
		for (size_t i = 0; i < len; i++) {
			msg[i] ^= (uint8_t)(1u << (i % 8));
			if (sk_cipher_open(p.open, msg, HDR_LEN, ct) != GW_E_AUTH)
				CU_FAIL("tampered message accepted");
			msg[i] ^= (uint8_t)(1u << (i % 8));
			if (memcmp(msg, sealed, len) != 0) {
				CU_FAIL("failed open changed the message");
				memcpy(msg, sealed, len);
			}
		}
		CU_ASSERT_EQUAL(sk_cipher_open(p.open, msg, HDR_LEN, ct), 0);
		pair_free(&p);
	}
}

static int iv_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

/* AEAD IVs come from a per-cipher counter: none repeats. */
static void test_aead_iv_unique(void)
{
	static const struct suite_def aead[] = {
		{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE },
		{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
	};
	enum { N = 5000 };
	uint8_t(*ivs)[8] = malloc(N * 8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ivs);
	for (size_t s = 0; s < 2; s++) {
		struct pair p;
		uint8_t msg[100];
		size_t dups = 0;

		pair_new(&aead[s], &p);
		for (size_t i = 0; i < N; i++) {
			msg_fill(p.seal, msg, 16, (uint8_t)i);
			CU_ASSERT_EQUAL_FATAL(sk_cipher_seal(p.seal, msg, HDR_LEN, 16, true), 0);
			memcpy(ivs[i], msg + HDR_LEN, 8);
		}
		qsort(ivs, N, 8, iv_cmp);
		for (size_t i = 1; i < N; i++)
			dups += memcmp(ivs[i - 1], ivs[i], 8) == 0;
		CU_ASSERT_EQUAL(dups, 0);
		pair_free(&p);
	}
	free(ivs);
}

/* CBC IVs are random: the same plaintext twice gives different IVs and
 * ciphertexts. */
static void test_cbc_iv_random(void)
{
	uint8_t a[100], b[100];
	struct pair p;
	size_t len;

	pair_new(&all_suites[1], &p);
	len = msg_fill(p.seal, a, 32, 1);
	memcpy(b, a, len);
	CU_ASSERT_EQUAL(sk_cipher_seal(p.seal, a, HDR_LEN, 32, true), 0);
	CU_ASSERT_EQUAL(sk_cipher_seal(p.seal, b, HDR_LEN, 32, true), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a + HDR_LEN, b + HDR_LEN, 16), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a + HDR_LEN + 16, b + HDR_LEN + 16, 32), 0);
	pair_free(&p);
}

static void test_sizes(void)
{
	static const size_t want[N_SUITES][3] = {
		{ 16, 12, 16 }, { 16, 16, 16 }, { 16, 24, 16 }, { 16, 32, 16 }, { 16, 16, 16 },
		{ 8, 16, 1 },   { 8, 16, 1 },   { 8, 16, 1 },   { 8, 12, 1 },   { 8, 8, 1 },
		{ 8, 16, 1 },   { 8, 12, 8 },   { 8, 16, 8 },
	};

	for (size_t s = 0; s < N_SUITES; s++) {
		struct pair p;

		pair_new(&all_suites[s], &p);
		CU_ASSERT_EQUAL(sk_cipher_iv_len(p.seal), want[s][0]);
		CU_ASSERT_EQUAL(sk_cipher_icv_len(p.seal), want[s][1]);
		CU_ASSERT_EQUAL(sk_cipher_block_len(p.seal), want[s][2]);
		pair_free(&p);
	}
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_AES_CBC, 192), 24);
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_AES_GCM_16, 256), 36);
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_CHACHA20_POLY1305, 0), 36);
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_CHACHA20_POLY1305, 256), 0); /* RFC 7634: no KL */
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_AES_CBC, 0), 0);             /* AES needs KL */
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_3DES, 0), 24);               /* RFC 2451 2.2 */
	CU_ASSERT_EQUAL(encr_key_len(IKE_ENCR_3DES, 192), 0);              /* no KL for 3DES */
	CU_ASSERT_FALSE(encr_is_aead(IKE_ENCR_3DES));
	CU_ASSERT_TRUE(encr_is_aead(IKE_ENCR_AES_GCM_8));
	CU_ASSERT_FALSE(encr_is_aead(IKE_ENCR_AES_CBC));
	CU_ASSERT_FALSE(integ_supported(IKE_INTEG_HMAC_MD5_96));
	CU_ASSERT_EQUAL(integ_key_len(IKE_INTEG_HMAC_SHA2_384_192), 48);
}

static void test_refused_arguments(void)
{
	struct secret *k16 = tc_secret("01*16"), *k20 = tc_secret("02*20");
	struct secret *k32 = tc_secret("03*32"), *k36 = tc_secret("04*36");
	struct sk_cipher *c = (struct sk_cipher *)1;
	uint8_t msg[128] = { 0 };

	/* wrong key sizes */
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, k16, k20, &c),
			GW_E_INVAL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, k16, k32, &c),
			GW_E_INVAL);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, k16, NULL, &c),
			GW_E_INVAL);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, k16, NULL, &c),
			GW_E_INVAL); /* missing salt */
	/* AEAD with an integrity transform, CBC without */
	CU_ASSERT_EQUAL(
		sk_cipher_new(IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_HMAC_SHA1_96, k36, k20, &c),
		GW_E_INVAL);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, k16, NULL, &c),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, k16, k20, &c),
			GW_E_INVAL); /* 3DES takes 24 key bytes */
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_3DES, 192, IKE_INTEG_HMAC_SHA1_96, k32, k20, &c),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(sk_cipher_new(2 /* ENCR_DES */, 0, IKE_INTEG_HMAC_SHA1_96, k16, k20, &c),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(sk_cipher_new(IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_MD5_96, k16, k16, &c),
			GW_E_UNSUP);
	CU_ASSERT_PTR_NULL(c);
	/* CBC lengths must be whole blocks */
	CU_ASSERT_EQUAL_FATAL(
		sk_cipher_new(IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, k16, k20, &c), 0);
	CU_ASSERT_EQUAL(sk_cipher_seal(c, msg, 4, 17, true), GW_E_INVAL);
	CU_ASSERT_EQUAL(sk_cipher_open(c, msg, 4, 17), GW_E_PARSE);
	CU_ASSERT_EQUAL(sk_cipher_open(c, NULL, 4, 16), GW_E_INVAL);
	CU_ASSERT_EQUAL(sk_cipher_open(c, msg, (size_t)-1, 16), GW_E_RANGE);
	sk_cipher_free(c);
	/* 3DES: whole 8-byte blocks (RFC 2451 section 2.1) */
	{
		struct secret *k24 = tc_secret("05*24");

		CU_ASSERT_EQUAL_FATAL(
			sk_cipher_new(IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, k24, k20, &c), 0);
		CU_ASSERT_EQUAL(sk_cipher_seal(c, msg, 4, 12, true), GW_E_INVAL);
		CU_ASSERT_EQUAL(sk_cipher_open(c, msg, 4, 20), GW_E_PARSE);
		CU_ASSERT_EQUAL(sk_cipher_seal(c, msg, 4, 24, true), 0);
		CU_ASSERT_EQUAL(sk_cipher_open(c, msg, 4, 24), 0);
		sk_cipher_free(c);
		secret_free(k24);
	}
	sk_cipher_free(NULL);
	secret_free(k16);
	secret_free(k20);
	secret_free(k32);
	secret_free(k36);
}

static const struct ut_case sk_cases[] = {
	{ "round trips, every cipher", test_round_trips },
	{ "tampering any byte gives GW_E_AUTH", test_tamper_every_byte },
	{ "AEAD IVs never repeat", test_aead_iv_unique },
	{ "CBC IVs are random", test_cbc_iv_random },
	{ "IV, ICV and block sizes", test_sizes },
	{ "refused keys and lengths", test_refused_arguments },
	{ NULL, NULL },
};

const struct ut_suite tc_sk_suite = { "crypto/sk", sk_cases };
