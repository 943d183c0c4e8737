/*
 * test_prf.c: the IKEv2 PRFs against published HMAC vectors, and prf+
 * (RFC 7296 section 2.13) against its definition computed here.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

struct prf_vec {
	const char *name;
	uint16_t prf;
	const char *key;  /* tc_bytes spec */
	const char *data; /* tc_bytes spec */
	const char *out;  /* hex; shorter than prf_len = truncated vector */
};

#define LONG_KEY_DATA                                                                            \
	"'This is a test using a larger than block-size key and a larger than block-size data. " \
	"The key needs to be hashed before being used by the HMAC algorithm.'"

/*
 * RFC 4231 section 4, test cases 1-7 (HMAC-SHA-256/384/512). RFC 4868
 * section 2.7.1 uses the same cases as its PRF-HMAC-SHA2 vectors. Test
 * case 5 publishes only the first 128 bits.
 */
static const struct prf_vec rfc4231[] = {
	{ "4231 TC1", IKE_PRF_HMAC_SHA2_256, "0b*20", "'Hi There'",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "4231 TC1", IKE_PRF_HMAC_SHA2_384, "0b*20", "'Hi There'",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ "4231 TC1", IKE_PRF_HMAC_SHA2_512, "0b*20", "'Hi There'",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4231 TC2", IKE_PRF_HMAC_SHA2_256, "'Jefe'", "'what do ya want for nothing?'",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ "4231 TC2", IKE_PRF_HMAC_SHA2_384, "'Jefe'", "'what do ya want for nothing?'",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649" },
	{ "4231 TC2", IKE_PRF_HMAC_SHA2_512, "'Jefe'", "'what do ya want for nothing?'",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "4231 TC3", IKE_PRF_HMAC_SHA2_256, "aa*20", "dd*50",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "4231 TC3", IKE_PRF_HMAC_SHA2_384, "aa*20", "dd*50",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27" },
	{ "4231 TC3", IKE_PRF_HMAC_SHA2_512, "aa*20", "dd*50",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "4231 TC4", IKE_PRF_HMAC_SHA2_256, "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cd*50", "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ "4231 TC4", IKE_PRF_HMAC_SHA2_384, "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cd*50",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb" },
	{ "4231 TC4", IKE_PRF_HMAC_SHA2_512, "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cd*50",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ "4231 TC5", IKE_PRF_HMAC_SHA2_256, "0c*20", "'Test With Truncation'",
	  "a3b6167473100ee06e0c796c2955552b" },
	{ "4231 TC5", IKE_PRF_HMAC_SHA2_384, "0c*20", "'Test With Truncation'",
	  "3abf34c3503b2a23a46efc619baef897" },
	{ "4231 TC5", IKE_PRF_HMAC_SHA2_512, "0c*20", "'Test With Truncation'",
	  "415fad6271580a531d4179bc891d87a6" },
	{ "4231 TC6", IKE_PRF_HMAC_SHA2_256, "aa*131",
	  "'Test Using Larger Than Block-Size Key - Hash Key First'",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ "4231 TC6", IKE_PRF_HMAC_SHA2_384, "aa*131",
	  "'Test Using Larger Than Block-Size Key - Hash Key First'",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952" },
	{ "4231 TC6", IKE_PRF_HMAC_SHA2_512, "aa*131",
	  "'Test Using Larger Than Block-Size Key - Hash Key First'",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "4231 TC7", IKE_PRF_HMAC_SHA2_256, "aa*131", LONG_KEY_DATA,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	{ "4231 TC7", IKE_PRF_HMAC_SHA2_384, "aa*131", LONG_KEY_DATA,
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e" },
	{ "4231 TC7", IKE_PRF_HMAC_SHA2_512, "aa*131", LONG_KEY_DATA,
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

/* RFC 2202 section 3, HMAC-SHA-1 test cases 1-7. */
static const struct prf_vec rfc2202[] = {
	{ "2202 TC1", IKE_PRF_HMAC_SHA1, "0b*20", "'Hi There'",
	  "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ "2202 TC2", IKE_PRF_HMAC_SHA1, "'Jefe'", "'what do ya want for nothing?'",
	  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ "2202 TC3", IKE_PRF_HMAC_SHA1, "aa*20", "dd*50",
	  "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ "2202 TC4", IKE_PRF_HMAC_SHA1, "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cd*50", "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
	{ "2202 TC5", IKE_PRF_HMAC_SHA1, "0c*20", "'Test With Truncation'",
	  "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
	{ "2202 TC6", IKE_PRF_HMAC_SHA1, "aa*80",
	  "'Test Using Larger Than Block-Size Key - Hash Key First'",
	  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ "2202 TC7", IKE_PRF_HMAC_SHA1, "aa*80",
	  "'Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'",
	  "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
};

static void run_prf_vecs(const struct prf_vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t key[256], data[256], want[64], got[64];
		size_t klen = tc_bytes(v[i].key, key, sizeof(key));
		size_t dlen = tc_bytes(v[i].data, data, sizeof(data));
		size_t wlen = ut_hex(v[i].out, want, sizeof(want));

		CU_ASSERT_EQUAL_FATAL(prf_compute(v[i].prf, key, klen, data, dlen, got), 0);
		if (memcmp(got, want, wlen) != 0)
			CU_FAIL(v[i].name);
		CU_ASSERT_TRUE(wlen <= prf_len(v[i].prf));
	}
}

static void test_rfc4231(void)
{
	run_prf_vecs(rfc4231, sizeof(rfc4231) / sizeof(rfc4231[0]));
}

static void test_rfc2202(void)
{
	run_prf_vecs(rfc2202, sizeof(rfc2202) / sizeof(rfc2202[0]));
}

static void test_prf_sizes(void)
{
	uint8_t out[64];

	CU_ASSERT_EQUAL(prf_len(IKE_PRF_HMAC_SHA1), 20);
	CU_ASSERT_EQUAL(prf_len(IKE_PRF_HMAC_SHA2_256), 32);
	CU_ASSERT_EQUAL(prf_len(IKE_PRF_HMAC_SHA2_384), 48);
	CU_ASSERT_EQUAL(prf_len(IKE_PRF_HMAC_SHA2_512), 64);
	CU_ASSERT_FALSE(prf_supported(IKE_PRF_HMAC_MD5));
	CU_ASSERT_FALSE(prf_supported(IKE_PRF_AES128_XCBC));
	CU_ASSERT_EQUAL(prf_len(IKE_PRF_HMAC_MD5), 0);
	CU_ASSERT_EQUAL(prf_compute(IKE_PRF_HMAC_MD5, out, 4, out, 4, out), GW_E_UNSUP);
	/* empty key and data are legal HMAC inputs */
	CU_ASSERT_EQUAL(prf_compute(IKE_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0, out), 0);
}

/* T1 | T2 | ... computed here from prf_compute, per 2.13. */
static void prf_plus_ref(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed,
			 size_t slen, uint8_t *out, size_t len)
{
	size_t pl = prf_len(prf), done = 0;
	uint8_t t[64], in[64 + 256 + 1];

	for (unsigned n = 1; done < len; n++) {
		size_t il = 0, take = len - done < pl ? len - done : pl;

		if (n > 1) {
			memcpy(in, t, pl);
			il = pl;
		}
		memcpy(in + il, seed, slen);
		il += slen;
		in[il++] = (uint8_t)n;
		CU_ASSERT_EQUAL_FATAL(prf_compute(prf, key, klen, in, il, t), 0);
		memcpy(out + done, t, take);
		done += take;
	}
}

static void test_prf_plus_chaining(void)
{
	static const uint16_t prfs[] = { IKE_PRF_HMAC_SHA1, IKE_PRF_HMAC_SHA2_256,
					 IKE_PRF_HMAC_SHA2_384, IKE_PRF_HMAC_SHA2_512 };
	static const size_t lens[] = { 1, 20, 31, 32, 33, 100, 150, 255 };
	uint8_t key[40], seed[80], ref[300];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0xf0 ^ i);
	for (size_t p = 0; p < 4; p++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct secret *s = NULL;

			CU_ASSERT_EQUAL_FATAL(prf_plus(prfs[p], key, sizeof(key), seed,
						       sizeof(seed), lens[l], &s),
					      0);
			CU_ASSERT_EQUAL(s->len, lens[l]);
			prf_plus_ref(prfs[p], key, sizeof(key), seed, sizeof(seed), ref, lens[l]);
			CU_ASSERT_EQUAL(memcmp(s->data, ref, lens[l]), 0);
			secret_free(s);
		}
	}
}

static void test_prf_plus_limits(void)
{
	struct secret *s = (struct secret *)1;
	uint8_t key[32] = { 1 }, last[64];

	/* 255 blocks is the most an octet counter allows (2.13). */
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_SHA2_256, key, 32, key, 32, 255 * 32, &s), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->len, 255 * 32);
	/* the last block is T255: distinct from T254 (the counter moved on) */
	memcpy(last, s->data + 254 * 32, 32);
	CU_ASSERT_NOT_EQUAL(memcmp(last, s->data + 253 * 32, 32), 0);
	secret_free(s);
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_SHA2_256, key, 32, key, 32, 255 * 32 + 1, &s),
			GW_E_RANGE);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_SHA2_256, key, 32, key, 32, 0, &s), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->len, 0);
	secret_free(s);
	CU_ASSERT_EQUAL(prf_plus(IKE_PRF_HMAC_MD5, key, 32, key, 32, 16, &s), GW_E_UNSUP);
}

static const struct ut_case prf_cases[] = {
	{ "RFC 4231 / RFC 4868 2.7.1 HMAC-SHA2 vectors", test_rfc4231 },
	{ "RFC 2202 HMAC-SHA1 vectors", test_rfc2202 },
	{ "PRF sizes and unsupported PRFs", test_prf_sizes },
	{ "prf+ T1|T2 chaining (2.13)", test_prf_plus_chaining },
	{ "prf+ limits", test_prf_plus_limits },
	{ NULL, NULL },
};

const struct ut_suite tc_prf_suite = { "crypto/prf", prf_cases };
