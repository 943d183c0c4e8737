/*
 * test_ke.c: key exchange groups. Published vectors (RFC 7748 for
 * X25519/X448, RFC 5903 for ECP) through ke_new_private + ke_derive,
 * agreement between fresh key pairs, and refused public values.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

static void check_derive(struct ke *ke, const char *peer_hex, const char *want_hex)
{
	uint8_t peer[200], want[100];
	size_t plen = ut_hex(peer_hex, peer, sizeof(peer));
	size_t wlen = ut_hex(want_hex, want, sizeof(want));
	struct secret *s = NULL;

	CU_ASSERT_EQUAL_FATAL(ke_derive(ke, peer, plen, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s->len, wlen);
	CU_ASSERT_EQUAL(memcmp(s->data, want, wlen), 0);
	secret_free(s);
}

static struct ke *ke_priv(uint16_t group, const char *priv_hex)
{
	uint8_t priv[100];
	size_t n = ut_hex(priv_hex, priv, sizeof(priv));
	struct ke *ke = NULL;

	CU_ASSERT_EQUAL(ke_new_private(group, priv, n, &ke), 0);
	return ke;
}

static void check_public(const struct ke *ke, const char *want_hex)
{
	uint8_t want[200];
	size_t wlen = ut_hex(want_hex, want, sizeof(want)), len = 0;
	const uint8_t *pub = ke_public(ke, &len);

	CU_ASSERT_EQUAL_FATAL(len, wlen);
	CU_ASSERT_EQUAL(memcmp(pub, want, wlen), 0);
}

/* RFC 7748 section 5.2: X25519(scalar, u) for the two single-call vectors. */
static void test_x25519_rfc7748_5_2(void)
{
	struct ke *a = ke_priv(IKE_KE_CURVE25519,
			       "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
	struct ke *b = ke_priv(IKE_KE_CURVE25519,
			       "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	check_derive(a, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* this u has its top bit set: it must be masked (section 5) */
	check_derive(b, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
	ke_free(a);
	ke_free(b);
}

/* RFC 7748 section 6.1 (X25519) and 6.2 (X448): Alice and Bob. */
static const struct {
	uint16_t group;
	const char *a_priv, *a_pub, *b_priv, *b_pub, *shared;
} rfc7748_6[] = {
	{ IKE_KE_CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ IKE_KE_CURVE448,
	  "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6"
	  "f127ab1d9ac2d8c0a598726b",
	  "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da"
	  "88120d53177f80e532c41fa0",
	  "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c92"
	  "1b09d1b0366f10b65173992d",
	  "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb5"
	  "7aec3dae07bdc1c67bf33609",
	  "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c2440"
	  "3085d59a449a5037514a879d" },
};

static void test_xdh_rfc7748_6(void)
{
	for (size_t i = 0; i < sizeof(rfc7748_6) / sizeof(rfc7748_6[0]); i++) {
		struct ke *a = ke_priv(rfc7748_6[i].group, rfc7748_6[i].a_priv);
		struct ke *b = ke_priv(rfc7748_6[i].group, rfc7748_6[i].b_priv);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		check_public(a, rfc7748_6[i].a_pub);
		check_public(b, rfc7748_6[i].b_pub);
		check_derive(a, rfc7748_6[i].b_pub, rfc7748_6[i].shared);
		check_derive(b, rfc7748_6[i].a_pub, rfc7748_6[i].shared);
		ke_free(a);
		ke_free(b);
	}
}

/*
 * Low-order u values give an all-zero X25519/X448 output, which RFC 7748
 * section 6 says to refuse: 0, 1, an order-8 point, p-1 (order 2), p and
 * p+1 (non-canonical 0 and 1).
 */
static void test_xdh_low_order(void)
{
	static const char *const bad25519[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct ke *x = NULL, *y = NULL;
	struct secret *s = NULL;
	uint8_t u[56];

	CU_ASSERT_EQUAL_FATAL(ke_new(IKE_KE_CURVE25519, &x), 0);
	CU_ASSERT_EQUAL_FATAL(ke_new(IKE_KE_CURVE448, &y), 0);
	for (size_t i = 0; i < sizeof(bad25519) / sizeof(bad25519[0]); i++) {
		ut_hex(bad25519[i], u, 32);
		CU_ASSERT_EQUAL(ke_derive(x, u, 32, &s), GW_E_INVAL);
		CU_ASSERT_PTR_NULL(s);
	}
	memset(u, 0, sizeof(u));
	CU_ASSERT_EQUAL(ke_derive(y, u, 56, &s), GW_E_INVAL);
	u[0] = 1;
	CU_ASSERT_EQUAL(ke_derive(y, u, 56, &s), GW_E_INVAL);
	CU_ASSERT_EQUAL(ke_derive(x, u, 31, &s), GW_E_PARSE);
	CU_ASSERT_EQUAL(ke_derive(y, u, 57 - 2, &s), GW_E_PARSE);
	CU_ASSERT_PTR_NULL(s);
	ke_free(x);
	ke_free(y);
}

/* RFC 5903 section 8: i, g^i = (gix, giy), r, g^r, and g^ir's x. */
static const struct {
	const char *sect;
	uint16_t group;
	const char *i, *gi, *r, *gr, *girx;
} rfc5903[] = {
	{ "8.1", IKE_KE_ECP256, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ "8.2", IKE_KE_ECP384,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA"
	  "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	  "EB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571"
	  "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	  "F83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ "8.3", IKE_KE_ECP521,
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	  "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E"
	  "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
	  "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	  "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F"
	  "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
	  "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA" },
};

static void test_ecp_rfc5903(void)
{
	for (size_t i = 0; i < sizeof(rfc5903) / sizeof(rfc5903[0]); i++) {
		struct ke *a = ke_priv(rfc5903[i].group, rfc5903[i].i);
		struct ke *b = ke_priv(rfc5903[i].group, rfc5903[i].r);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		check_public(a, rfc5903[i].gi);
		check_public(b, rfc5903[i].gr);
		check_derive(a, rfc5903[i].gr, rfc5903[i].girx);
		check_derive(b, rfc5903[i].gi, rfc5903[i].girx);
		ke_free(a);
		ke_free(b);
	}
}

/* A point off the curve, (0, 0), x >= p, and wrong lengths are refused. */
static void test_ecp_invalid_points(void)
{
	for (size_t i = 0; i < sizeof(rfc5903) / sizeof(rfc5903[0]); i++) {
		struct ke *a = ke_priv(rfc5903[i].group, rfc5903[i].i);
		uint8_t pt[200];
		size_t n = ut_hex(rfc5903[i].gr, pt, sizeof(pt));
		struct secret *s = NULL;

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_EQUAL(n, ke_public_len(rfc5903[i].group));
		pt[n - 1] ^= 1; /* y + 1 or y - 1: not on the curve */
		CU_ASSERT_EQUAL(ke_derive(a, pt, n, &s), GW_E_INVAL);
		pt[n - 1] ^= 1;
		memset(pt, 0xff, n / 2); /* x = 2^k - 1 > p */
		CU_ASSERT_EQUAL(ke_derive(a, pt, n, &s), GW_E_INVAL);
		memset(pt, 0, n);
		CU_ASSERT_EQUAL(ke_derive(a, pt, n, &s), GW_E_INVAL);
		CU_ASSERT_EQUAL(ke_derive(a, pt, n - 1, &s), GW_E_PARSE);
		CU_ASSERT_EQUAL(ke_derive(a, pt, n + 1, &s), GW_E_PARSE);
		CU_ASSERT_PTR_NULL(s);
		CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* nothing left queued */
		ke_free(a);
	}
}

static void agree(uint16_t group)
{
	struct ke *a = NULL, *b = NULL;
	struct secret *sa = NULL, *sb = NULL;
	const uint8_t *pa, *pb;
	size_t la, lb;

	CU_ASSERT_EQUAL_FATAL(ke_new(group, &a), 0);
	CU_ASSERT_EQUAL_FATAL(ke_new(group, &b), 0);
	CU_ASSERT_EQUAL(ke_group(a), group);
	pa = ke_public(a, &la);
	pb = ke_public(b, &lb);
	CU_ASSERT_EQUAL(la, ke_public_len(group));
	CU_ASSERT_EQUAL(lb, ke_public_len(group));
	CU_ASSERT_NOT_EQUAL(memcmp(pa, pb, la), 0);
	CU_ASSERT_EQUAL_FATAL(ke_derive(a, pb, lb, &sa), 0);
	CU_ASSERT_EQUAL_FATAL(ke_derive(b, pa, la, &sb), 0);
	CU_ASSERT_EQUAL(sa->len, sb->len);
	CU_ASSERT_EQUAL(memcmp(sa->data, sb->data, sa->len), 0);
	secret_free(sa);
	secret_free(sb);
	ke_free(a);
	ke_free(b);
}

static void test_all_groups_agree(void)
{
	static const uint16_t groups[] = { IKE_KE_MODP1024, IKE_KE_MODP1536, IKE_KE_MODP2048,
					   IKE_KE_MODP3072, IKE_KE_MODP4096, IKE_KE_ECP256,
					   IKE_KE_ECP384,   IKE_KE_ECP521,   IKE_KE_CURVE25519,
					   IKE_KE_CURVE448 };
	static const size_t lens[] = { 128, 192, 256, 384, 512, 64, 96, 132, 32, 56 };

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		CU_ASSERT_TRUE(ke_group_supported(groups[i]));
		CU_ASSERT_EQUAL(ke_public_len(groups[i]), lens[i]);
		agree(groups[i]);
	}
}

static const uint16_t modp_groups[] = { IKE_KE_MODP1024, IKE_KE_MODP1536, IKE_KE_MODP2048,
					IKE_KE_MODP3072, IKE_KE_MODP4096 };
#define N_MODP (sizeof(modp_groups) / sizeof(modp_groups[0]))

/* The primes as OpenSSL publishes them: RFC 2409 section 6.2 (group 2),
 * RFC 3526 sections 2-5 (groups 5, 14, 15, 16). */
static BIGNUM *modp_prime(uint16_t group)
{
	switch (group) {
	case IKE_KE_MODP1024:
		return BN_get_rfc2409_prime_1024(NULL);
	case IKE_KE_MODP1536:
		return BN_get_rfc3526_prime_1536(NULL);
	case IKE_KE_MODP2048:
		return BN_get_rfc3526_prime_2048(NULL);
	case IKE_KE_MODP3072:
		return BN_get_rfc3526_prime_3072(NULL);
	}
	return BN_get_rfc3526_prime_4096(NULL);
}

/* 1 < y < p-1 (RFC 7296, RFC 6989 section 2.2): 0, 1, p-1, p, 2^k-1 and
 * wrong lengths are refused; 2 and p-2 are in range. */
static void test_modp_range(void)
{
	const uint16_t *groups = modp_groups;

	for (size_t g = 0; g < N_MODP; g++) {
		size_t n = ke_public_len(groups[g]);
		BIGNUM *p = modp_prime(groups[g]);
		struct secret *s = NULL;
		struct ke *ke = NULL;
		uint8_t y[513];

		CU_ASSERT_EQUAL_FATAL(ke_new(groups[g], &ke), 0);
		memset(y, 0, n);
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), GW_E_INVAL); /* 0 */
		y[n - 1] = 1;
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), GW_E_INVAL); /* 1 */
		y[n - 1] = 2;
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), 0); /* 2 = g: in range */
		secret_free(s);
		s = NULL;
		BN_bn2binpad(p, y, (int)n);
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), GW_E_INVAL); /* p */
		y[n - 1] -= 1;
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), GW_E_INVAL); /* p-1 */
		memset(y, 0xff, n);
		CU_ASSERT_EQUAL(ke_derive(ke, y, n, &s), GW_E_INVAL); /* > p */
		CU_ASSERT_EQUAL(ke_derive(ke, y, n - 1, &s), GW_E_PARSE);
		CU_ASSERT_EQUAL(ke_derive(ke, y, n + 1, &s), GW_E_PARSE);
		CU_ASSERT_PTR_NULL(s);
		BN_free(p);
		ke_free(ke);
	}
}

/* A known private value: x = 2 gives y = 2^2 = 4, padded to 256 bytes. */
static void test_modp_known_private(void)
{
	uint8_t x[1] = { 2 }, want[256] = { 0 };
	struct ke *ke = NULL;
	const uint8_t *pub;
	size_t len;

	want[255] = 4;
	CU_ASSERT_EQUAL_FATAL(ke_new_private(IKE_KE_MODP2048, x, 1, &ke), 0);
	pub = ke_public(ke, &len);
	CU_ASSERT_EQUAL(len, 256);
	CU_ASSERT_EQUAL(memcmp(pub, want, 256), 0);
	ke_free(ke);
	x[0] = 1;
	CU_ASSERT_EQUAL(ke_new_private(IKE_KE_MODP2048, x, 1, &ke), GW_E_INVAL);
	CU_ASSERT_PTR_NULL(ke);
}

/* y = 2^x mod p by BIGNUM arithmetic, independent of the EVP path. */
static BIGNUM *modexp(const BIGNUM *base, const uint8_t *x, size_t xl, const BIGNUM *p)
{
	BIGNUM *e = BN_bin2bn(x, (int)xl, NULL), *r = BN_new();
	BN_CTX *bc = BN_CTX_new();

	CU_ASSERT_FATAL(e && r && bc && BN_mod_exp(r, base, e, p, bc) == 1);
	BN_free(e);
	BN_CTX_free(bc);
	return r;
}

static void check_bn(const uint8_t *have, size_t len, const BIGNUM *want)
{
	uint8_t w[512];

	CU_ASSERT_FATAL(len <= sizeof(w) && BN_bn2binpad(want, w, (int)len) == (int)len);
	CU_ASSERT_EQUAL(memcmp(have, w, len), 0);
}

/*
 * Known private values a and b in every MODP group: both public values
 * are 2^a and 2^b mod p, and both sides derive (2^b)^a mod p, all checked
 * against BIGNUM arithmetic on the published primes. Shows that group 2,
 * whose p and g ke_modp.c passes explicitly, uses the RFC 2409 prime and
 * generator 2, and that g^ir keeps the prime's length (3.4).
 */
static void test_modp_known_shared(void)
{
	/* arbitrary 160-bit exponents */
	static const uint8_t a[] = { 0x5a, 0x17, 0xc3, 0x09, 0x88, 0x41, 0xee, 0x23, 0x6d, 0x02,
				     0x9f, 0x70, 0x31, 0xb4, 0x55, 0xd8, 0x1c, 0x63, 0xaf, 0x47 };
	static const uint8_t b[] = { 0x03, 0x9e, 0x21, 0x7b, 0x44, 0xf0, 0x12, 0xcd, 0x58, 0xa6,
				     0x3b, 0x90, 0xe7, 0x0d, 0x62, 0x19, 0xc8, 0x75, 0x2e, 0xb1 };

	for (size_t g = 0; g < N_MODP; g++) {
		BIGNUM *p = modp_prime(modp_groups[g]), *two = BN_new(), *pa, *pb, *sh;
		struct ke *ka = NULL, *kb = NULL;
		struct secret *sa = NULL, *sb = NULL;
		const uint8_t *ya, *yb;
		size_t la, lb;

		CU_ASSERT_FATAL(p && two && BN_set_word(two, 2) == 1);
		CU_ASSERT_EQUAL_FATAL(ke_new_private(modp_groups[g], a, sizeof(a), &ka), 0);
		CU_ASSERT_EQUAL_FATAL(ke_new_private(modp_groups[g], b, sizeof(b), &kb), 0);
		pa = modexp(two, a, sizeof(a), p);
		pb = modexp(two, b, sizeof(b), p);
		ya = ke_public(ka, &la);
		yb = ke_public(kb, &lb);
		CU_ASSERT_EQUAL(la, (size_t)BN_num_bytes(p));
		check_bn(ya, la, pa);
		check_bn(yb, lb, pb);
		CU_ASSERT_EQUAL_FATAL(ke_derive(ka, yb, lb, &sa), 0);
		CU_ASSERT_EQUAL_FATAL(ke_derive(kb, ya, la, &sb), 0);
		CU_ASSERT_EQUAL_FATAL(sa->len, la);
		sh = modexp(pb, a, sizeof(a), p); /* (2^b)^a */
		check_bn(sa->data, sa->len, sh);
		CU_ASSERT_EQUAL(memcmp(sa->data, sb->data, sa->len), 0);
		secret_free(sa);
		secret_free(sb);
		ke_free(ka);
		ke_free(kb);
		BN_free(pa);
		BN_free(pb);
		BN_free(sh);
		BN_free(two);
		BN_free(p);
	}
}

/*
 * Fresh key pairs: y lies in the subgroup of order q = (p-1)/2 that g = 2
 * generates (these primes are safe and 2 is a quadratic residue mod p), so
 * y^q = 1 mod p. A key made with another generator would fail half the
 * time; ten pairs per group make a silent mistake unlikely.
 */
static void test_modp_subgroup(void)
{
	for (size_t g = 0; g < N_MODP; g++) {
		BIGNUM *p = modp_prime(modp_groups[g]), *q = BN_new(), *y = NULL, *r = BN_new();
		BN_CTX *bc = BN_CTX_new();

		CU_ASSERT_FATAL(p && q && r && bc && BN_rshift1(q, p) == 1);
		for (int i = 0; i < 10; i++) {
			struct ke *ke = NULL;
			const uint8_t *pub;
			size_t len;

			CU_ASSERT_EQUAL_FATAL(ke_new(modp_groups[g], &ke), 0);
			pub = ke_public(ke, &len);
			CU_ASSERT_PTR_NOT_NULL_FATAL(y = BN_bin2bn(pub, (int)len, y));
			CU_ASSERT_EQUAL_FATAL(BN_mod_exp(r, y, q, p, bc), 1);
			CU_ASSERT_TRUE(BN_is_one(r));
			ke_free(ke);
		}
		BN_free(p);
		BN_free(q);
		BN_free(y);
		BN_free(r);
		BN_CTX_free(bc);
	}
}

static void test_unsupported(void)
{
	struct ke *ke = (struct ke *)1;
	uint8_t x[32] = { 1 };

	CU_ASSERT_FALSE(ke_group_supported(IKE_KE_MODP6144));
	CU_ASSERT_FALSE(ke_group_supported(IKE_KE_BP256));
	CU_ASSERT_FALSE(ke_group_supported(1)); /* MODP 768, RFC 2409 group 1 */
	CU_ASSERT_EQUAL(ke_public_len(IKE_KE_MODP6144), 0);
	CU_ASSERT_EQUAL(ke_new(IKE_KE_MODP6144, &ke), GW_E_UNSUP);
	CU_ASSERT_PTR_NULL(ke);
	CU_ASSERT_EQUAL(ke_new_private(IKE_KE_CURVE25519, x, 31, &ke), GW_E_INVAL);
	CU_ASSERT_EQUAL(ke_new_private(IKE_KE_ECP256, x, 31, &ke), GW_E_INVAL);
	ke_free(NULL);
}

static const struct ut_case ke_cases[] = {
	{ "X25519 RFC 7748 5.2", test_x25519_rfc7748_5_2 },
	{ "X25519/X448 RFC 7748 6.1/6.2", test_xdh_rfc7748_6 },
	{ "X25519/X448 low-order points refused", test_xdh_low_order },
	{ "ECP RFC 5903 section 8", test_ecp_rfc5903 },
	{ "ECP invalid points refused", test_ecp_invalid_points },
	{ "every group agrees with itself", test_all_groups_agree },
	{ "MODP public value range", test_modp_range },
	{ "MODP known private value", test_modp_known_private },
	{ "MODP 2/5/14/15/16 known private values and g^ir", test_modp_known_shared },
	{ "MODP public values in the subgroup of 2", test_modp_subgroup },
	{ "unsupported groups and bad private values", test_unsupported },
	{ NULL, NULL },
};

const struct ut_suite tc_ke_suite = { "crypto/ke", ke_cases };
