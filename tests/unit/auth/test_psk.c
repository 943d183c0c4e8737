/*
 * test_psk.c: the signed octets and shared-key AUTH of RFC 7296 2.15,
 * cross-checked against HMAC computed here directly with OpenSSL
 * (EVP_Q_mac), and the RFC 7427 SIGNATURE_HASH_ALGORITHMS helpers.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/auth.h"
#include "crypto/crypto.h"
#include "ta.h"
#include "util/err.h"

static const struct {
	uint16_t prf;
	const char *md;
	size_t len;
} prfs[] = {
	{ IKE_PRF_HMAC_SHA1, "SHA1", 20 },
	{ IKE_PRF_HMAC_SHA2_256, "SHA256", 32 },
	{ IKE_PRF_HMAC_SHA2_384, "SHA384", 48 },
	{ IKE_PRF_HMAC_SHA2_512, "SHA512", 64 },
};

static void hmac(const char *md, const void *key, size_t klen, const void *data, size_t dlen,
		 uint8_t *out, size_t len)
{
	size_t olen = 0;

	CU_ASSERT_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, data, dlen, out, len,
				  &olen) != NULL);
	CU_ASSERT_FATAL(olen == len);
}

static const uint8_t psk[] = "correct horse battery staple";
static const uint8_t octets[] = "msg|nonce|prf(SK_p, IDi')";

static void test_psk_construction(void)
{
	for (size_t i = 0; i < sizeof(prfs) / sizeof(prfs[0]); i++) {
		uint8_t inner[64], want[64], got[64];
		size_t got_len = sizeof(got);

		/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
		hmac(prfs[i].md, psk, sizeof(psk) - 1, "Key Pad for IKEv2", 17, inner, prfs[i].len);
		hmac(prfs[i].md, inner, prfs[i].len, octets, sizeof(octets) - 1, want, prfs[i].len);
		CU_ASSERT_EQUAL(auth_psk_compute(prfs[i].prf, psk, sizeof(psk) - 1, octets,
						 sizeof(octets) - 1, got, &got_len),
				0);
		CU_ASSERT_EQUAL(got_len, prfs[i].len);
		CU_ASSERT_EQUAL(memcmp(got, want, prfs[i].len), 0);
		CU_ASSERT_EQUAL(auth_psk_verify(prfs[i].prf, psk, sizeof(psk) - 1, octets,
						sizeof(octets) - 1, want, prfs[i].len),
				0);
	}
}

static void test_psk_reject(void)
{
	uint16_t prf = IKE_PRF_HMAC_SHA2_256;
	uint8_t mac[64], bad[64];
	size_t len = sizeof(mac), small = 31;

	CU_ASSERT_EQUAL(
		auth_psk_compute(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, mac, &len),
		0);
	/* wrong key, key one byte short, wrong octets */
	CU_ASSERT_EQUAL(auth_psk_verify(prf, (const uint8_t *)"wrong", 5, octets,
					sizeof(octets) - 1, mac, len),
			GW_E_AUTH);
	CU_ASSERT_EQUAL(
		auth_psk_verify(prf, psk, sizeof(psk) - 2, octets, sizeof(octets) - 1, mac, len),
		GW_E_AUTH);
	CU_ASSERT_EQUAL(
		auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 2, mac, len),
		GW_E_AUTH);
	/* truncated, extended, one bit flipped, empty */
	CU_ASSERT_EQUAL(auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, mac,
					len - 1),
			GW_E_AUTH);
	memcpy(bad, mac, len);
	bad[len] = 0;
	CU_ASSERT_EQUAL(auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, bad,
					len + 1),
			GW_E_AUTH);
	bad[len - 1] ^= 1;
	CU_ASSERT_EQUAL(
		auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, bad, len),
		GW_E_AUTH);
	CU_ASSERT_EQUAL(
		auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, bad, 0),
		GW_E_AUTH);
	/* PRF mismatch: a SHA-384 AUTH against SHA-256 */
	len = sizeof(mac);
	CU_ASSERT_EQUAL(auth_psk_compute(IKE_PRF_HMAC_SHA2_384, psk, sizeof(psk) - 1, octets,
					 sizeof(octets) - 1, mac, &len),
			0);
	CU_ASSERT_EQUAL(
		auth_psk_verify(prf, psk, sizeof(psk) - 1, octets, sizeof(octets) - 1, mac, len),
		GW_E_AUTH);
	/* arguments */
	CU_ASSERT_EQUAL(auth_psk_compute(prf, psk, 0, octets, 1, mac, &len), GW_E_INVAL);
	CU_ASSERT_EQUAL(auth_psk_compute(IKE_PRF_HMAC_MD5, psk, 3, octets, 1, mac, &len),
			GW_E_UNSUP);
	CU_ASSERT_EQUAL(auth_psk_compute(prf, psk, 3, octets, 1, mac, &small), GW_E_RANGE);
	CU_ASSERT_EQUAL(auth_psk_verify(prf, psk, 0, octets, 1, mac, 32), GW_E_INVAL);
}

static void test_signed_octets(void)
{
	static const uint8_t msg[] = "IKE_SA_INIT message bytes", nonce[] = "peer nonce value";
	struct secret *skp = secret_dup("SK_p key material 32 bytes long!", 32);
	struct auth_id id = ta_id("vpn.example.com");
	uint8_t rest[4 + 15], mac[48], *out = NULL;
	size_t out_len = 0, m = sizeof(msg) - 1, n = sizeof(nonce) - 1;

	CU_ASSERT_FATAL(skp != NULL);
	/* RestOfIDPayload = IDType | RESERVED | IDData */
	rest[0] = IKE_ID_FQDN;
	memset(rest + 1, 0, 3);
	memcpy(rest + 4, "vpn.example.com", 15);
	hmac("SHA384", skp->data, skp->len, rest, sizeof(rest), mac, 48);
	CU_ASSERT_EQUAL(auth_signed_octets(IKE_PRF_HMAC_SHA2_384, skp, msg, m, nonce, n, &id, &out,
					   &out_len),
			0);
	CU_ASSERT_FATAL(out != NULL && out_len == m + n + 48);
	CU_ASSERT_EQUAL(memcmp(out, msg, m), 0);
	CU_ASSERT_EQUAL(memcmp(out + m, nonce, n), 0);
	CU_ASSERT_EQUAL(memcmp(out + m + n, mac, 48), 0);
	free(out);
	CU_ASSERT_EQUAL(
		auth_signed_octets(IKE_PRF_AES128_XCBC, skp, msg, m, nonce, n, &id, &out, &out_len),
		GW_E_UNSUP);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(auth_signed_octets(IKE_PRF_HMAC_SHA2_256, NULL, msg, m, nonce, n, &id, &out,
					   &out_len),
			GW_E_INVAL);
	CU_ASSERT_EQUAL(auth_signed_octets(IKE_PRF_HMAC_SHA2_256, skp, msg, 70000, nonce, n, &id,
					   &out, &out_len),
			GW_E_RANGE);
	secret_free(skp);
}

static void test_hash_sets(void)
{
	static const uint8_t notify[] = { 0, 2, 0, 3, 0, 4, 0, 1, 0, 99, 0xff, 0xff, 7 };
	uint8_t ours[8];
	auth_hash_set set = auth_hash_set_parse(notify, sizeof(notify));

	CU_ASSERT_EQUAL(set, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4));
	CU_ASSERT_EQUAL(auth_hash_set_parse(notify, 1), 0);
	CU_ASSERT_EQUAL(auth_hash_set_parse(NULL, 4), 0);
	CU_ASSERT_EQUAL(auth_hash_set_ours(ours, sizeof(ours)), 6);
	CU_ASSERT_EQUAL(memcmp(ours, "\0\2\0\3\0\4", 6), 0);
	CU_ASSERT_EQUAL(auth_hash_set_ours(ours, 5), 4);
	CU_ASSERT_EQUAL(auth_hash_set_ours(ours, 1), 0);
}

static const struct ut_case psk_cases[] = {
	{ "PSK AUTH equals HMAC(HMAC(key, pad), octets)", test_psk_construction },
	{ "PSK: wrong key, octets, length, PRF refused", test_psk_reject },
	{ "signed octets", test_signed_octets },
	{ "SIGNATURE_HASH_ALGORITHMS sets", test_hash_sets },
	{ NULL, NULL },
};

const struct ut_suite ta_psk_suite = { "auth PSK and octets", psk_cases };
