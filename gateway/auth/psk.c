/*
 * psk.c: shared-key authentication (RFC 7296 section 2.15):
 *
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 *
 * with the 17 ASCII octets of the pad and no terminating NUL. EAP uses the
 * same construction with the MSK as the shared secret (2.16). The padded
 * key is wiped after use and AUTH is compared in constant time.
 */
#include <string.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define PSK_PRF_MAX 64 /* HMAC-SHA2-512 */

static const char psk_pad[] = "Key Pad for IKEv2";

static int psk_mac(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *octets,
		   size_t octets_len, uint8_t *out)
{
	uint8_t padded[PSK_PRF_MAX];
	size_t plen = prf_len(prf);
	int rc;

	if (plen == 0 || plen > PSK_PRF_MAX)
		return GW_E_UNSUP;
	if (key == NULL || key_len == 0 || (octets == NULL && octets_len))
		return GW_E_INVAL;
	rc = prf_compute(prf, key, key_len, (const uint8_t *)psk_pad, sizeof(psk_pad) - 1, padded);
	if (rc == 0)
		rc = prf_compute(prf, padded, plen, octets, octets_len, out);
	crypto_wipe(padded, sizeof(padded));
	return rc;
}

int auth_psk_compute(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *octets,
		     size_t octets_len, uint8_t *out, size_t *out_len)
{
	size_t plen = prf_len(prf);
	int rc;

	if (out == NULL || out_len == NULL)
		return GW_E_INVAL;
	if (plen == 0)
		return GW_E_UNSUP;
	if (*out_len < plen)
		return GW_E_RANGE;
	if ((rc = psk_mac(prf, key, key_len, octets, octets_len, out)) != 0)
		return rc;
	*out_len = plen;
	return 0;
}

int auth_psk_verify(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *octets,
		    size_t octets_len, const uint8_t *auth, size_t auth_len)
{
	uint8_t expect[PSK_PRF_MAX];
	size_t plen = prf_len(prf);
	int rc;

	if (auth == NULL && auth_len)
		return GW_E_INVAL;
	if ((rc = psk_mac(prf, key, key_len, octets, octets_len, expect)) != 0)
		return rc;
	/* The length is public (it is the PRF's); only the value is secret. */
	if (auth_len != plen || !crypto_ct_equal(expect, auth, plen))
		rc = GW_E_AUTH;
	crypto_wipe(expect, sizeof(expect));
	return rc;
}
