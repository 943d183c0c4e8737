/*
 * sign.c: the AUTH payload data we send, and the SIGNATURE_HASH_ALGORITHMS
 * notify (RFC 7427 section 4). When the peer announced hashes we use the
 * Digital Signature method 14 with a common SHA-2 hash (the curve's own for
 * ECDSA, else the strongest):
 *
 *   | ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature Value |
 *
 * RSA keys sign PKCS#1 v1.5 there, RSA-PSS keys (id-RSASSA-PSS in keys/)
 * sign PSS with the RFC 7427 A.4.3 parameters (SHA-256 preferred, since
 * those are the RFC's), ECDSA keys sign DER ECDSA. Without the notify we
 * use the key's classic method: 1 (RSASSA-PKCS1-v1_5 over SHA-1, RFC 7296
 * 3.8, as strongSwan does), or 9/10/11 (ECDSA P-256/384/521 with
 * SHA-256/384/512, RFC 4754). A PSS key has no classic method: it signs
 * method 14 in any case, the only way it can sign at all.
 */
#include <string.h>

#include "auth/auth_int.h"
#include "pkcs11/pkcs11.h"
#include "util/err.h"
#include "util/reader.h"
#include "util/writer.h"

#define HASH_BIT(h) ((auth_hash_set)1 << (h))

static const uint16_t hashes_ours[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 };

auth_hash_set auth_hash_set_parse(const uint8_t *data, size_t len)
{
	auth_hash_set set = 0;
	struct reader rd;

	if (data == NULL)
		return 0;
	/* 2-octet hash ids (RFC 7427 section 4); a stray odd octet is ignored. */
	rd_init(&rd, data, len - len % 2);
	while (rd_left(&rd) >= 2) {
		uint16_t h = rd_u16(&rd);

		if (h < 32)
			set |= HASH_BIT(h);
	}
	return set;
}

size_t auth_hash_set_ours(uint8_t *out, size_t max)
{
	struct writer wr;

	if (out == NULL)
		return 0;
	wr_init_fixed(&wr, out, max);
	for (size_t i = 0; i < sizeof(hashes_ours) / sizeof(hashes_ours[0]); i++)
		if (wr_len(&wr) + 2 <= max)
			wr_u16(&wr, hashes_ours[i]);
	return wr_ok(&wr) ? wr_len(&wr) : 0;
}

/* The hash that matches an ECDSA curve's strength (FIPS 186-4, RFC 4754):
 * a bigger one adds nothing and some peers check the pairing. */
static uint8_t curve_hash(enum auth_key_kind kind)
{
	return kind == AUTH_KEY_EC256   ? IKE_HASH_SHA2_256
	       : kind == AUTH_KEY_EC384 ? IKE_HASH_SHA2_384
	       : kind == AUTH_KEY_EC521 ? IKE_HASH_SHA2_512
					: 0;
}

static uint8_t hash_pick(enum auth_key_kind kind, auth_hash_set peer)
{
	static const uint8_t pref[] = { IKE_HASH_SHA2_512, IKE_HASH_SHA2_384, IKE_HASH_SHA2_256 };
	uint8_t ch = curve_hash(kind);

	if (kind == AUTH_KEY_RSA_PSS && (peer & HASH_BIT(IKE_HASH_SHA2_256)))
		return IKE_HASH_SHA2_256;
	if (ch && (peer & HASH_BIT(ch)))
		return ch;
	for (size_t i = 0; i < sizeof(pref); i++)
		if (peer & HASH_BIT(pref[i]))
			return pref[i];
	return 0;
}

static size_t hash_len(uint8_t hash)
{
	return hash == IKE_HASH_SHA2_512 ? 64 : hash == IKE_HASH_SHA2_384 ? 48 : 32;
}

static int sign_choose(enum auth_key_kind kind, auth_hash_set peer, struct auth_sigalg *sa,
		       uint8_t *method)
{
	uint8_t h = hash_pick(kind, peer);

	memset(sa, 0, sizeof(*sa));
	if (kind == AUTH_KEY_NONE)
		return GW_E_UNSUP;
	if (h == 0 && kind == AUTH_KEY_RSA_PSS)
		h = IKE_HASH_SHA2_256;
	if (h != 0) {
		*method = IKE_AUTH_DIGITAL_SIG;
		sa->sa_hash = h;
		sa->sa_scheme = kind == AUTH_KEY_RSA       ? AUTH_SCHEME_PKCS1
				: kind == AUTH_KEY_RSA_PSS ? AUTH_SCHEME_PSS
							   : AUTH_SCHEME_ECDSA;
		sa->sa_salt = (int)hash_len(h);
		return 0;
	}
	sa->sa_scheme = AUTH_SCHEME_ECDSA;
	sa->sa_raw = true;
	switch (kind) {
	case AUTH_KEY_RSA:
		*method = IKE_AUTH_RSA_SIG;
		sa->sa_scheme = AUTH_SCHEME_PKCS1;
		sa->sa_hash = IKE_HASH_SHA1;
		sa->sa_raw = false;
		return 0;
	case AUTH_KEY_EC256:
		*method = IKE_AUTH_ECDSA_256;
		sa->sa_hash = IKE_HASH_SHA2_256;
		return 0;
	case AUTH_KEY_EC384:
		*method = IKE_AUTH_ECDSA_384;
		sa->sa_hash = IKE_HASH_SHA2_384;
		return 0;
	case AUTH_KEY_EC521:
		*method = IKE_AUTH_ECDSA_521;
		sa->sa_hash = IKE_HASH_SHA2_512;
		return 0;
	default:
		return GW_E_UNSUP;
	}
}

/* IKE hash ids (RFC 7427 section 7) as pkcs11/ names them. */
static int p11_hash(uint8_t hash, uint8_t *out)
{
	switch (hash) {
	case IKE_HASH_SHA1:
		*out = P11_SHA1;
		return 0;
	case IKE_HASH_SHA2_256:
		*out = P11_SHA256;
		return 0;
	case IKE_HASH_SHA2_384:
		*out = P11_SHA384;
		return 0;
	case IKE_HASH_SHA2_512:
		*out = P11_SHA512;
		return 0;
	default:
		return GW_E_UNSUP;
	}
}

int auth_local_sig_make(const struct auth_local *l, const struct auth_sigalg *sa,
			const uint8_t *data, size_t data_len, uint8_t *sig, size_t *sig_len)
{
	struct p11_sigalg ps = { 0 };

	if (l->lo_p11 == NULL)
		return auth_sig_make(l->lo_key, sa, data, data_len, sig, sig_len);
	if (p11_hash(sa->sa_hash, &ps.ps_hash) != 0)
		return GW_E_UNSUP;
	ps.ps_scheme = sa->sa_scheme == AUTH_SCHEME_PKCS1 ? P11_PKCS1
		       : sa->sa_scheme == AUTH_SCHEME_PSS ? P11_PSS
							  : P11_ECDSA;
	ps.ps_salt = sa->sa_salt;
	ps.ps_raw = sa->sa_raw;
	return p11_sign(l->lo_p11, &ps, data, data_len, sig, sig_len);
}

/* What the key signs as: an RSA token key with pkcs11.rsa_pss signs PSS
 * where the peer reads RFC 7427, PKCS#1 v1.5 in the classic method 1. */
static enum auth_key_kind sign_kind(const struct auth_local *l, auth_hash_set peer)
{
	enum auth_key_kind kind = auth_key_kind(l->lo_key);

	return kind == AUTH_KEY_RSA && l->lo_pss && peer != 0 ? AUTH_KEY_RSA_PSS : kind;
}

int auth_sign(const struct auth_local *l, auth_hash_set peer_hashes, const uint8_t *octets,
	      size_t octets_len, uint8_t *method, uint8_t *sig, size_t *sig_len)
{
	struct auth_sigalg sa;
	const uint8_t *blob;
	size_t blen, slen;
	int rc;

	if (l == NULL || (octets == NULL && octets_len) || method == NULL || sig == NULL ||
	    sig_len == NULL)
		return GW_E_INVAL;
	if ((rc = sign_choose(sign_kind(l, peer_hashes), peer_hashes, &sa, method)) != 0)
		return rc;
	if (*method != IKE_AUTH_DIGITAL_SIG) {
		slen = *sig_len;
		if ((rc = auth_local_sig_make(l, &sa, octets, octets_len, sig, &slen)) == 0)
			*sig_len = slen;
		return rc;
	}
	if ((blob = auth_sigalg_blob(&sa, &blen)) == NULL)
		return GW_E_UNSUP;
	if (*sig_len < 1 + blen)
		return GW_E_RANGE;
	sig[0] = (uint8_t)blen;
	memcpy(sig + 1, blob, blen);
	slen = *sig_len - 1 - blen;
	if ((rc = auth_local_sig_make(l, &sa, octets, octets_len, sig + 1 + blen, &slen)) != 0)
		return rc;
	*sig_len = 1 + blen + slen;
	return 0;
}
