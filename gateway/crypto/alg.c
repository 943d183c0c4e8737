/*
 * alg.c: key, IV and ICV sizes of the IKE transforms we implement, and the
 * OpenSSL names behind them. One table per transform type; everything else
 * in crypto/ asks here, so adding an algorithm is one row.
 */
#include <pthread.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

struct encr_info {
	uint16_t e_id;
	uint16_t e_keylen; /* bits; 0 = no Key Length attribute (fixed key) */
	size_t e_key;      /* cipher key bytes */
	size_t e_salt;     /* RFC 5282 section 7.1 / RFC 7634 section 2 */
	size_t e_icv;      /* AEAD tag bytes, 0 for CBC */
	const char *e_cipher;
};

/*
 * AES-CBC (RFC 3602), AES-GCM with 8/12/16-byte ICV (RFC 4106 and, for
 * IKEv2, RFC 5282), ChaCha20-Poly1305 (RFC 7634: no Key Length attribute),
 * and 3DES-CBC (RFC 2451 section 2.2: three 64-bit DES keys, parity bits
 * included, no Key Length attribute) for the old clients that still offer
 * it (weak: 64-bit block, 112-bit strength at best).
 */
static const struct encr_info encr_tab[] = {
	{ IKE_ENCR_3DES, 0, 24, 0, 0, "DES-EDE3-CBC" },
	{ IKE_ENCR_AES_CBC, 128, 16, 0, 0, "AES-128-CBC" },
	{ IKE_ENCR_AES_CBC, 192, 24, 0, 0, "AES-192-CBC" },
	{ IKE_ENCR_AES_CBC, 256, 32, 0, 0, "AES-256-CBC" },
	{ IKE_ENCR_AES_GCM_8, 128, 16, 4, 8, "AES-128-GCM" },
	{ IKE_ENCR_AES_GCM_8, 192, 24, 4, 8, "AES-192-GCM" },
	{ IKE_ENCR_AES_GCM_8, 256, 32, 4, 8, "AES-256-GCM" },
	{ IKE_ENCR_AES_GCM_12, 128, 16, 4, 12, "AES-128-GCM" },
	{ IKE_ENCR_AES_GCM_12, 192, 24, 4, 12, "AES-192-GCM" },
	{ IKE_ENCR_AES_GCM_12, 256, 32, 4, 12, "AES-256-GCM" },
	{ IKE_ENCR_AES_GCM_16, 128, 16, 4, 16, "AES-128-GCM" },
	{ IKE_ENCR_AES_GCM_16, 192, 24, 4, 16, "AES-192-GCM" },
	{ IKE_ENCR_AES_GCM_16, 256, 32, 4, 16, "AES-256-GCM" },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, 32, 4, 16, "ChaCha20-Poly1305" },
};

struct integ_info {
	uint16_t i_id;
	size_t i_key; /* RFC 2404 section 3, RFC 4868 section 2.1.1 */
	size_t i_icv; /* truncated output, RFC 2404 / RFC 4868 section 2.3 */
	const char *i_digest;
};

static const struct integ_info integ_tab[] = {
	{ IKE_INTEG_HMAC_SHA1_96, 20, 12, "SHA1" },
	{ IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "SHA256" },
	{ IKE_INTEG_HMAC_SHA2_384_192, 48, 24, "SHA384" },
	{ IKE_INTEG_HMAC_SHA2_512_256, 64, 32, "SHA512" },
};

static const struct encr_info *encr_find(uint16_t encr, uint16_t keylen_bits)
{
	for (size_t i = 0; i < sizeof(encr_tab) / sizeof(encr_tab[0]); i++)
		if (encr_tab[i].e_id == encr && encr_tab[i].e_keylen == keylen_bits)
			return &encr_tab[i];
	return NULL;
}

static const struct encr_info *encr_find_any(uint16_t encr)
{
	for (size_t i = 0; i < sizeof(encr_tab) / sizeof(encr_tab[0]); i++)
		if (encr_tab[i].e_id == encr)
			return &encr_tab[i];
	return NULL;
}

static const struct integ_info *integ_find(uint16_t integ)
{
	for (size_t i = 0; i < sizeof(integ_tab) / sizeof(integ_tab[0]); i++)
		if (integ_tab[i].i_id == integ)
			return &integ_tab[i];
	return NULL;
}

size_t encr_key_len(uint16_t encr, uint16_t keylen_bits)
{
	const struct encr_info *e = encr_find(encr, keylen_bits);

	return e ? e->e_key + e->e_salt : 0;
}

bool encr_is_aead(uint16_t encr)
{
	const struct encr_info *e = encr_find_any(encr);

	return e != NULL && e->e_icv != 0;
}

bool encr_supported(uint16_t encr, uint16_t keylen_bits)
{
	return encr_find(encr, keylen_bits) != NULL;
}

size_t integ_key_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->i_key : 0;
}

size_t integ_icv_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->i_icv : 0;
}

bool integ_supported(uint16_t integ)
{
	return integ_find(integ) != NULL;
}

const char *alg_integ_digest(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->i_digest : NULL;
}

const char *alg_encr_cipher(uint16_t encr, uint16_t keylen_bits)
{
	const struct encr_info *e = encr_find(encr, keylen_bits);

	return e ? e->e_cipher : NULL;
}

/* Each row's cipher implementation, fetched once: EVP_CIPHER_fetch looks
 * the name up in OpenSSL's method store under its lock, and each IKE SA
 * needs two SK ciphers. NULL where the provider lacks one (fetched again
 * per call, and failing there as it would have). */
static EVP_CIPHER *encr_impl[sizeof(encr_tab) / sizeof(encr_tab[0])];
static pthread_once_t encr_impl_once = PTHREAD_ONCE_INIT;

static void encr_impl_init(void)
{
	for (size_t i = 0; i < sizeof(encr_tab) / sizeof(encr_tab[0]); i++)
		encr_impl[i] = EVP_CIPHER_fetch(NULL, encr_tab[i].e_cipher, NULL);
}

EVP_CIPHER *alg_encr_fetch(uint16_t encr, uint16_t keylen_bits)
{
	const struct encr_info *e = encr_find(encr, keylen_bits);
	EVP_CIPHER *c;

	if (e == NULL)
		return NULL;
	pthread_once(&encr_impl_once, encr_impl_init);
	c = encr_impl[e - encr_tab];
	if (c != NULL && EVP_CIPHER_up_ref(c) == 1)
		return c;
	return EVP_CIPHER_fetch(NULL, e->e_cipher, NULL);
}

size_t alg_encr_salt_len(uint16_t encr)
{
	const struct encr_info *e = encr_find_any(encr);

	return e ? e->e_salt : 0;
}

size_t alg_encr_icv_len(uint16_t encr)
{
	const struct encr_info *e = encr_find_any(encr);

	return e ? e->e_icv : 0;
}
