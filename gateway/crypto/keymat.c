/*
 * keymat.c: IKE SA and CHILD SA key derivation (RFC 7296 sections 2.14,
 * 2.17, 2.18) on top of prf.c. Intermediate buffers are struct secret,
 * wiped on every path.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

static int suite_check(const struct ike_suite *s)
{
	if (!prf_supported(s->s_prf) || !encr_supported(s->s_encr, s->s_encr_keylen))
		return GW_E_UNSUP;
	/* An AEAD carries its own integrity (RFC 5282 section 8). */
	if (encr_is_aead(s->s_encr) ? s->s_integ != IKE_INTEG_NONE : !integ_supported(s->s_integ))
		return GW_E_UNSUP;
	return 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* a | b | c (any may be empty) as a secret. */
static struct secret *cat3(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			   const uint8_t *c, size_t clen)
{
	struct secret *s;

	if (alen > 65536 || blen > 65536 || clen > 65536) /* nonces, g^ir, SK_d */
		return NULL;
	if ((s = secret_new(alen + blen + clen)) == NULL)
		return NULL;
	if (alen)
		memcpy(s->data, a, alen);
	if (blen)
		memcpy(s->data + alen, b, blen);
	if (clen)
		memcpy(s->data + alen + blen, c, clen);
	return s;
}

/* Cut the next len bytes of keymat into a new secret (NULL when len 0). */
static int take(const struct secret *km, size_t *off, size_t len, struct secret **out)
{
	*out = NULL;
	if (len == 0)
		return 0;
	if ((*out = secret_dup(km->data + *off, len)) == NULL)
		return GW_E_NOMEM;
	*off += len;
	return 0;
}

/*
 * 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *   = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
 * SK_d and SK_p* are the PRF's output length, SK_a* the integrity key
 * (none with AEAD), SK_e* the encryption key with any AEAD salt.
 */
static int expand_ike_keys(const struct ike_suite *s, const struct secret *skeyseed,
			   const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			   uint64_t spi_i, uint64_t spi_r, struct ike_keys *out)
{
	size_t lp = prf_len(s->s_prf), la = integ_key_len(s->s_integ);
	size_t le = encr_key_len(s->s_encr, s->s_encr_keylen), off = 0;
	struct secret *seed = NULL, *km = NULL;
	uint8_t spis[16];
	int rc = GW_E_NOMEM;

	memset(out, 0, sizeof(*out));
	put_be64(spis, spi_i);
	put_be64(spis + 8, spi_r);
	if ((seed = cat3(ni, ni_len, nr, nr_len, spis, sizeof(spis))) == NULL)
		goto out;
	if ((rc = prf_plus(s->s_prf, skeyseed->data, skeyseed->len, seed->data, seed->len,
			   3 * lp + 2 * la + 2 * le, &km)) != 0)
		goto out;
	if ((rc = take(km, &off, lp, &out->k_d)) || (rc = take(km, &off, la, &out->k_ai)) ||
	    (rc = take(km, &off, la, &out->k_ar)) || (rc = take(km, &off, le, &out->k_ei)) ||
	    (rc = take(km, &off, le, &out->k_er)) || (rc = take(km, &off, lp, &out->k_pi)) ||
	    (rc = take(km, &off, lp, &out->k_pr)))
		goto out;
out:
	if (rc)
		ike_keys_clear(out);
	secret_free(seed);
	secret_free(km);
	return rc;
}

/* SKEYSEED = prf(key, data) into a new secret. */
static int skeyseed_compute(uint16_t prf, const uint8_t *key, size_t key_len,
			    const struct secret *data, struct secret **out)
{
	struct secret *s;
	int rc;

	*out = NULL;
	if ((s = secret_new(prf_len(prf))) == NULL)
		return GW_E_NOMEM;
	if ((rc = prf_compute(prf, key, key_len, data->data, data->len, s->data)) != 0) {
		secret_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Hands SKEYSEED to the caller if asked, else wipes it. */
static int finish(struct secret *sks, int rc, struct secret **skeyseed)
{
	if (skeyseed != NULL && rc == 0)
		*skeyseed = sks;
	else
		secret_free(sks);
	return rc;
}

int keymat_ike_sa(const struct ike_suite *s, const struct secret *shared, const uint8_t *ni,
		  size_t ni_len, const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
		  struct ike_keys *out, struct secret **skeyseed)
{
	struct secret *nonces = NULL, *sks = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (skeyseed)
		*skeyseed = NULL;
	if ((rc = suite_check(s)) != 0)
		return rc;
	if (shared == NULL || (ni == NULL && ni_len) || (nr == NULL && nr_len))
		return GW_E_INVAL;
	/* 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
	if ((nonces = cat3(ni, ni_len, nr, nr_len, NULL, 0)) == NULL)
		return GW_E_NOMEM;
	rc = skeyseed_compute(s->s_prf, nonces->data, nonces->len, shared, &sks);
	secret_free(nonces);
	if (rc == 0)
		rc = expand_ike_keys(s, sks, ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	return finish(sks, rc, skeyseed);
}

int keymat_ike_rekey(uint16_t old_prf, const struct secret *old_sk_d, const struct ike_suite *s,
		     const struct secret *shared, const uint8_t *ni, size_t ni_len,
		     const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
		     struct ike_keys *out, struct secret **skeyseed)
{
	struct secret *data = NULL, *sks = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (skeyseed)
		*skeyseed = NULL;
	if ((rc = suite_check(s)) != 0)
		return rc;
	if (!prf_supported(old_prf))
		return GW_E_UNSUP;
	if (old_sk_d == NULL || shared == NULL || (ni == NULL && ni_len) || (nr == NULL && nr_len))
		return GW_E_INVAL;
	/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the
	 * old SA's PRF (the exchange belongs to the old SA); prf+ then runs
	 * with the new SA's PRF. */
	if ((data = cat3(shared->data, shared->len, ni, ni_len, nr, nr_len)) == NULL)
		return GW_E_NOMEM;
	rc = skeyseed_compute(old_prf, old_sk_d->data, old_sk_d->len, data, &sks);
	secret_free(data);
	if (rc == 0)
		rc = expand_ike_keys(s, sks, ni, ni_len, nr, nr_len, spi_i, spi_r, out);
	return finish(sks, rc, skeyseed);
}

void ike_keys_clear(struct ike_keys *k)
{
	if (k == NULL)
		return;
	secret_free(k->k_d);
	secret_free(k->k_ai);
	secret_free(k->k_ar);
	secret_free(k->k_ei);
	secret_free(k->k_er);
	secret_free(k->k_pi);
	secret_free(k->k_pr);
	memset(k, 0, sizeof(*k));
}

/*
 * 2.17: KEYMAT = prf+(SK_d, Ni | Nr), or with PFS
 *       KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr).
 */
int keymat_child(uint16_t prf, const struct secret *sk_d, const struct secret *shared,
		 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len, size_t len,
		 struct secret **out)
{
	struct secret *seed;
	int rc;

	*out = NULL;
	if (!prf_supported(prf))
		return GW_E_UNSUP;
	if (sk_d == NULL || (ni == NULL && ni_len) || (nr == NULL && nr_len))
		return GW_E_INVAL;
	seed = shared ? cat3(shared->data, shared->len, ni, ni_len, nr, nr_len)
		      : cat3(ni, ni_len, nr, nr_len, NULL, 0);
	if (seed == NULL)
		return GW_E_NOMEM;
	rc = prf_plus(prf, sk_d->data, sk_d->len, seed->data, seed->len, len, out);
	secret_free(seed);
	return rc;
}
