/*
 * octets.c: the data each side signs or MACs (RFC 7296 section 2.15):
 *
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
 *   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 *   RestOfInitIDPayload = IDType | RESERVED | InitIDData
 *
 * and the same with the responder's message, the initiator's nonce and
 * SK_pr. RESERVED is taken as three zero octets, as RFC 7296 3.5 has every
 * sender write it. (strongSwan hashes the bytes it received; a peer that
 * sets bits there, against the MUST, fails to authenticate with us.)
 */
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "util/err.h"

/* An IKE message is at most 64 KiB; nonces at most 256 bytes (2.10). */
#define OCTETS_MSG_MAX   65535
#define OCTETS_NONCE_MAX 256

int auth_signed_octets(uint16_t prf, const struct secret *sk_p, const uint8_t *msg, size_t msg_len,
		       const uint8_t *nonce, size_t nonce_len, const struct auth_id *id,
		       uint8_t **out, size_t *out_len)
{
	uint8_t rest[4 + AUTH_ID_MAX];
	size_t plen = prf_len(prf), total;
	uint8_t *buf;
	int rc;

	if (out == NULL || out_len == NULL)
		return GW_E_INVAL;
	*out = NULL;
	*out_len = 0;
	if (plen == 0)
		return GW_E_UNSUP;
	if (sk_p == NULL || id == NULL || (msg == NULL && msg_len) || (nonce == NULL && nonce_len))
		return GW_E_INVAL;
	if (msg_len > OCTETS_MSG_MAX || nonce_len > OCTETS_NONCE_MAX || id->id_len > AUTH_ID_MAX)
		return GW_E_RANGE;
	total = msg_len + nonce_len + plen;
	if ((buf = malloc(total)) == NULL)
		return GW_E_NOMEM;
	rest[0] = id->id_type;
	memset(rest + 1, 0, 3);
	memcpy(rest + 4, id->id_data, id->id_len);
	if (msg_len)
		memcpy(buf, msg, msg_len);
	if (nonce_len)
		memcpy(buf + msg_len, nonce, nonce_len);
	rc = prf_compute(prf, sk_p->data, sk_p->len, rest, 4 + id->id_len,
			 buf + msg_len + nonce_len);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = total;
	return 0;
}
