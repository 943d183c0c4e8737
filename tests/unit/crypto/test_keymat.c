/*
 * test_keymat.c: SKEYSEED and the IKE SA keys (RFC 7296 2.14), rekeyed
 * IKE SA keys (2.18) and CHILD SA KEYMAT (2.17), checked structurally
 * against prf_compute/prf_plus. (Frozen strongSwan SKEYSEED vectors come
 * separately.)
 */
#include <string.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

#define NI    "000102030405060708090a0b0c0d0e0f1011121314151617"
#define NR    "f0e0d0c0b0a090807060504030201000ffeeddccbbaa9988"
#define SPI_I 0x0123456789abcdefULL
#define SPI_R 0xfedcba9876543210ULL

struct km_ctx {
	uint8_t ni[32], nr[32];
	size_t ni_len, nr_len;
	struct secret *g;
};

static void km_init(struct km_ctx *k)
{
	k->ni_len = ut_hex(NI, k->ni, sizeof(k->ni));
	k->nr_len = ut_hex(NR, k->nr, sizeof(k->nr));
	k->g = tc_secret("5a*256");
}

/* Ni | Nr | SPIi | SPIr with the SPIs in network order. */
static size_t km_seed(const struct km_ctx *k, uint8_t *out)
{
	static const uint8_t spis[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					  0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };

	memcpy(out, k->ni, k->ni_len);
	memcpy(out + k->ni_len, k->nr, k->nr_len);
	memcpy(out + k->ni_len + k->nr_len, spis, 16);
	return k->ni_len + k->nr_len + 16;
}

/* The seven keys in 2.14 order must be prf+(SKEYSEED, seed) cut up. */
static void check_expansion(const struct ike_suite *s, const struct ike_keys *keys,
			    const struct secret *sks, const struct km_ctx *k, size_t la, size_t le)
{
	const struct secret *parts[7] = { keys->k_d,  keys->k_ai, keys->k_ar, keys->k_ei,
					  keys->k_er, keys->k_pi, keys->k_pr };
	size_t lp = prf_len(s->s_prf), lens[7] = { lp, la, la, le, le, lp, lp }, off = 0;
	struct secret *ref = NULL;
	uint8_t seed[128];
	size_t slen = km_seed(k, seed);

	CU_ASSERT_EQUAL_FATAL(
		prf_plus(s->s_prf, sks->data, sks->len, seed, slen, 3 * lp + 2 * la + 2 * le, &ref),
		0);
	for (int i = 0; i < 7; i++) {
		if (lens[i] == 0) {
			CU_ASSERT_PTR_NULL(parts[i]);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(parts[i]);
		CU_ASSERT_EQUAL(parts[i]->len, lens[i]);
		CU_ASSERT_EQUAL(memcmp(parts[i]->data, ref->data + off, lens[i]), 0);
		off += lens[i];
	}
	secret_free(ref);
}

static void test_ike_sa_cbc(void)
{
	struct ike_suite s = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128,
			       IKE_PRF_HMAC_SHA2_256, IKE_KE_MODP2048 };
	struct ike_keys keys;
	struct secret *sks = NULL;
	uint8_t nonces[64], want[32];
	struct km_ctx k;

	km_init(&k);
	CU_ASSERT_EQUAL_FATAL(
		keymat_ike_sa(&s, k.g, k.ni, k.ni_len, k.nr, k.nr_len, SPI_I, SPI_R, &keys, &sks),
		0);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	memcpy(nonces, k.ni, k.ni_len);
	memcpy(nonces + k.ni_len, k.nr, k.nr_len);
	CU_ASSERT_EQUAL(
		prf_compute(s.s_prf, nonces, k.ni_len + k.nr_len, k.g->data, k.g->len, want), 0);
	CU_ASSERT_EQUAL_FATAL(sks->len, 32);
	CU_ASSERT_EQUAL(memcmp(sks->data, want, 32), 0);
	check_expansion(&s, &keys, sks, &k, 32, 16);
	ike_keys_clear(&keys);
	CU_ASSERT_PTR_NULL(keys.k_d);
	secret_free(sks);
	secret_free(k.g);
}

static void test_ike_sa_aead(void)
{
	struct ike_suite s = { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_384,
			       IKE_KE_CURVE25519 };
	struct ike_suite c = { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_512,
			       IKE_KE_CURVE25519 };
	struct ike_keys keys;
	struct secret *sks = NULL;
	struct km_ctx k;

	km_init(&k);
	CU_ASSERT_EQUAL_FATAL(
		keymat_ike_sa(&s, k.g, k.ni, k.ni_len, k.nr, k.nr_len, SPI_I, SPI_R, &keys, &sks),
		0);
	/* SK_a* absent, SK_e* = 32-byte key + 4-byte salt (RFC 5282 7.1) */
	check_expansion(&s, &keys, sks, &k, 0, 36);
	CU_ASSERT_EQUAL(keys.k_d->len, 48);
	ike_keys_clear(&keys);
	secret_free(sks);
	/* skeyseed is optional; ChaCha20-Poly1305 key + salt = 36 (RFC 7634 2) */
	CU_ASSERT_EQUAL_FATAL(
		keymat_ike_sa(&c, k.g, k.ni, k.ni_len, k.nr, k.nr_len, SPI_I, SPI_R, &keys, NULL),
		0);
	CU_ASSERT_EQUAL(keys.k_ei->len, 36);
	CU_ASSERT_EQUAL(keys.k_pr->len, 64);
	ike_keys_clear(&keys);
	secret_free(k.g);
}

static void test_ike_sa_bad_suite(void)
{
	struct ike_suite aead_integ = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128,
					IKE_PRF_HMAC_SHA2_256, IKE_KE_ECP256 };
	struct ike_suite no_integ = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_256,
				      IKE_KE_ECP256 };
	struct ike_suite bad_prf = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96,
				     IKE_PRF_HMAC_MD5, IKE_KE_ECP256 };
	struct ike_suite bad_len = { IKE_ENCR_AES_CBC, 100, IKE_INTEG_HMAC_SHA1_96,
				     IKE_PRF_HMAC_SHA1, IKE_KE_ECP256 };
	struct ike_keys keys;
	struct secret *sks = NULL;
	struct km_ctx k;

	km_init(&k);
	CU_ASSERT_EQUAL(keymat_ike_sa(&aead_integ, k.g, k.ni, 24, k.nr, 24, 1, 2, &keys, &sks),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(keymat_ike_sa(&no_integ, k.g, k.ni, 24, k.nr, 24, 1, 2, &keys, &sks),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(keymat_ike_sa(&bad_prf, k.g, k.ni, 24, k.nr, 24, 1, 2, &keys, &sks),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(keymat_ike_sa(&bad_len, k.g, k.ni, 24, k.nr, 24, 1, 2, &keys, &sks),
			GW_E_UNSUP);
	CU_ASSERT_PTR_NULL(sks);
	CU_ASSERT_PTR_NULL(keys.k_d);
	secret_free(k.g);
}

/* 2.18: SKEYSEED with the old PRF over SK_d(old) and g^ir | Ni | Nr; the
 * expansion with the new suite's PRF. */
static void test_ike_rekey_old_prf(void)
{
	struct ike_suite s = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256,
			       IKE_PRF_HMAC_SHA2_256, IKE_KE_ECP384 };
	struct secret *old_d = tc_secret("3c*20"), *sks = NULL;
	uint8_t in[512], want_old[20], want_new[32];
	struct ike_keys keys;
	struct km_ctx k;
	size_t n;

	km_init(&k);
	CU_ASSERT_EQUAL_FATAL(keymat_ike_rekey(IKE_PRF_HMAC_SHA1, old_d, &s, k.g, k.ni, k.ni_len,
					       k.nr, k.nr_len, SPI_I, SPI_R, &keys, &sks),
			      0);
	memcpy(in, k.g->data, k.g->len);
	memcpy(in + k.g->len, k.ni, k.ni_len);
	memcpy(in + k.g->len + k.ni_len, k.nr, k.nr_len);
	n = k.g->len + k.ni_len + k.nr_len;
	CU_ASSERT_EQUAL(prf_compute(IKE_PRF_HMAC_SHA1, old_d->data, 20, in, n, want_old), 0);
	CU_ASSERT_EQUAL(prf_compute(IKE_PRF_HMAC_SHA2_256, old_d->data, 20, in, n, want_new), 0);
	CU_ASSERT_EQUAL_FATAL(sks->len, 20); /* the old PRF's length */
	CU_ASSERT_EQUAL(memcmp(sks->data, want_old, 20), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(sks->data, want_new, 20), 0);
	check_expansion(&s, &keys, sks, &k, 64, 32);
	CU_ASSERT_EQUAL(keys.k_d->len, 32); /* the new PRF's length */
	ike_keys_clear(&keys);
	secret_free(sks);
	CU_ASSERT_EQUAL(keymat_ike_rekey(IKE_PRF_HMAC_MD5, old_d, &s, k.g, k.ni, k.ni_len, k.nr,
					 k.nr_len, SPI_I, SPI_R, &keys, &sks),
			GW_E_UNSUP);
	secret_free(old_d);
	secret_free(k.g);
}

static void test_child_keymat(void)
{
	struct secret *sk_d = tc_secret("77*48"), *pfs = NULL, *nopfs = NULL, *ref = NULL;
	uint8_t seed[600];
	struct km_ctx k;
	size_t len = 2 * (32 + 4) + 0, n;

	km_init(&k);
	/* without PFS: prf+(SK_d, Ni | Nr) */
	CU_ASSERT_EQUAL_FATAL(keymat_child(IKE_PRF_HMAC_SHA2_384, sk_d, NULL, k.ni, k.ni_len, k.nr,
					   k.nr_len, len, &nopfs),
			      0);
	memcpy(seed, k.ni, k.ni_len);
	memcpy(seed + k.ni_len, k.nr, k.nr_len);
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_SHA2_384, sk_d->data, sk_d->len, seed,
				 k.ni_len + k.nr_len, len, &ref),
			0);
	CU_ASSERT_EQUAL(nopfs->len, len);
	CU_ASSERT_EQUAL(memcmp(nopfs->data, ref->data, len), 0);
	secret_free(ref);
	/* with PFS: prf+(SK_d, g^ir (new) | Ni | Nr) */
	CU_ASSERT_EQUAL_FATAL(keymat_child(IKE_PRF_HMAC_SHA2_384, sk_d, k.g, k.ni, k.ni_len, k.nr,
					   k.nr_len, len, &pfs),
			      0);
	memcpy(seed, k.g->data, k.g->len);
	memcpy(seed + k.g->len, k.ni, k.ni_len);
	memcpy(seed + k.g->len + k.ni_len, k.nr, k.nr_len);
	n = k.g->len + k.ni_len + k.nr_len;
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_SHA2_384, sk_d->data, sk_d->len, seed, n, len, &ref),
			0);
	CU_ASSERT_EQUAL(memcmp(pfs->data, ref->data, len), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(pfs->data, nopfs->data, len), 0);
	secret_free(ref);
	secret_free(pfs);
	secret_free(nopfs);
	CU_ASSERT_EQUAL(keymat_child(IKE_PRF_HMAC_SHA2_384, sk_d, NULL, k.ni, k.ni_len, k.nr,
				     k.nr_len, 255 * 48 + 1, &pfs),
			GW_E_RANGE);
	CU_ASSERT_PTR_NULL(pfs);
	secret_free(sk_d);
	secret_free(k.g);
}

static const struct ut_case keymat_cases[] = {
	{ "IKE SA keys, AES-CBC + HMAC (2.14)", test_ike_sa_cbc },
	{ "IKE SA keys, AEAD (no SK_a, salted SK_e)", test_ike_sa_aead },
	{ "IKE SA keys, refused suites", test_ike_sa_bad_suite },
	{ "rekey SKEYSEED uses the old PRF (2.18)", test_ike_rekey_old_prf },
	{ "CHILD SA KEYMAT with and without PFS (2.17)", test_child_keymat },
	{ NULL, NULL },
};

const struct ut_suite tc_keymat_suite = { "crypto/keymat", keymat_cases };
