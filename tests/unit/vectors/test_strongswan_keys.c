/*
 * test_strongswan_keys.c: our key derivation (gateway/crypto) against the
 * keys strongSwan 5.9.8 logged for the recorded runs: SKEYSEED and SK_*
 * (RFC 7296 2.14), rekeyed IKE SAs (2.18), CHILD_SA KEYMAT with and
 * without PFS (2.17), and proposal strings as strongSwan reads them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "util/err.h"
#include "vec.h"

#define VEC_KEY_MAX 1024

static const char *const sk_names[] = { "sk_d",  "sk_ai", "sk_ar", "sk_ei",
					"sk_er", "sk_pi", "sk_pr", NULL };

/* strongSwan logs a zero-length key for SK_a* with AEAD: NULL or empty is fine. */
static bool same_secret(const struct secret *got, const struct secret *want)
{
	if (want->len == 0)
		return !got || got->len == 0;
	return got && got->len == want->len && memcmp(got->data, want->data, want->len) == 0;
}

static struct secret **ike_key_slot(struct ike_keys *k, size_t i)
{
	struct secret **slots[] = { &k->k_d,  &k->k_ai, &k->k_ar, &k->k_ei,
				    &k->k_er, &k->k_pi, &k->k_pr };

	return slots[i];
}

static void compare_ike_keys(const struct vec_scn *s, unsigned n, struct ike_keys *got,
			     const struct secret *skeyseed)
{
	char k[64];
	struct secret *want = vec_secret(s, vec_sa_key(n, "skeyseed", k, sizeof(k)));

	VEC_CHECK(s, same_secret(skeyseed, want), "IKE SA %u: SKEYSEED differs", n);
	secret_free(want);
	for (size_t i = 0; sk_names[i]; i++) {
		want = vec_secret(s, vec_sa_key(n, sk_names[i], k, sizeof(k)));
		VEC_CHECK(s, same_secret(*ike_key_slot(got, i), want), "IKE SA %u: %s differs", n,
			  sk_names[i]);
		secret_free(want);
	}
}

/* One IKE SA: from IKE_SA_INIT (n = 1) or from a rekey of SA n - 1. */
static void keymat_one(const struct vec_scn *s, const struct vec_sa *sa)
{
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	struct secret *shared, *skeyseed = NULL;
	struct ike_keys keys;
	size_t ni_len, nr_len;
	unsigned n = sa->sa_n;
	char k[64];
	int rc;

	memset(&keys, 0, sizeof(keys));
	shared = vec_secret(s, vec_sa_key(n, "g_ir", k, sizeof(k)));
	ni_len = vec_hex(s, vec_sa_key(n, "ni", k, sizeof(k)), ni, sizeof(ni));
	nr_len = vec_hex(s, vec_sa_key(n, "nr", k, sizeof(k)), nr, sizeof(nr));
	if (n == 1) {
		rc = keymat_ike_sa(&sa->sa_suite, shared, ni, ni_len, nr, nr_len, sa->sa_spi_i,
				   sa->sa_spi_r, &keys, &skeyseed);
	} else {
		struct secret *old_d = vec_secret(s, vec_sa_key(n - 1, "sk_d", k, sizeof(k)));
		struct vec_sa old;

		vec_sa_get(s, n - 1, &old);
		rc = keymat_ike_rekey(old.sa_suite.s_prf, old_d, &sa->sa_suite, shared, ni, ni_len,
				      nr, nr_len, sa->sa_spi_i, sa->sa_spi_r, &keys, &skeyseed);
		secret_free(old_d);
	}
	VEC_CHECK(s, rc == 0, "IKE SA %u: keymat: %s", n, vec_errstr(rc, NULL));
	if (rc == 0)
		compare_ike_keys(s, n, &keys, skeyseed);
	ike_keys_clear(&keys);
	secret_free(skeyseed);
	secret_free(shared);
}

static void keymat_all(const struct vec_scn *s)
{
	struct vec_sa sa;
	unsigned n;

	for (n = 1; vec_sa_get(s, n, &sa); n++)
		keymat_one(s, &sa);
	VEC_CHECK(s, n > 1, "no IKE SA in keys.txt");
}

static void test_keymat_ike(void)
{
	vec_for_each(keymat_all);
}

static void test_keymat_rekey_present(void)
{
	struct vec_scn *s = vec_scn_load("psk-cbc");
	struct vec_sa sa;

	/* the folder that must exercise 2.18 really has a rekeyed IKE SA */
	VEC_CHECK(s, vec_sa_get(s, 2, &sa), "psk-cbc has no ike2_* keys");
	vec_scn_free(s);
}

/* ---- CHILD_SA keys (2.17) ---- */

static const char *child_key(unsigned n, const char *field, char *buf, size_t len)
{
	if (n == 1)
		snprintf(buf, len, "esp_%s", field);
	else
		snprintf(buf, len, "esp%u_%s", n, field);
	return buf;
}

/* The IKE SA whose SK_d made CHILD_SA n ("espN_ike_sa" names its spi_i). */
static bool child_parent(const struct vec_scn *s, unsigned n, struct vec_sa *sa)
{
	char k[64];

	if (!vec_has(s, child_key(n, "ike_sa", k, sizeof(k))))
		return vec_sa_get(s, 1, sa);
	for (unsigned i = 1; vec_sa_get(s, i, sa); i++)
		if (sa->sa_spi_i == vec_spi(s, k))
			return true;
	return false;
}

static void expect_keymat(const struct vec_scn *s, unsigned n, uint8_t *want, size_t len)
{
	static const char *const parts[] = { "ei", "ai", "er", "ar", NULL };
	size_t off = 0;
	char k[64];

	for (size_t i = 0; parts[i]; i++)
		off += vec_hex(s, child_key(n, parts[i], k, sizeof(k)), want + off,
			       VEC_KEY_MAX - off);
	VEC_CHECK(s, off == len, "CHILD_SA %u: keys.txt has %zu bytes of keys, crypto says %zu", n,
		  off, len);
}

static void child_one(const struct vec_scn *s, unsigned n)
{
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX], want[VEC_KEY_MAX];
	uint16_t encr, keylen, integ;
	struct secret *sk_d, *shared = NULL, *out = NULL;
	size_t ni_len, nr_len, len;
	struct vec_sa sa;
	char k[64];
	int rc;

	encr = (uint16_t)vec_num(s, child_key(n, "encr", k, sizeof(k)));
	keylen = (uint16_t)vec_num(s, child_key(n, "encr_keylen", k, sizeof(k)));
	integ = (uint16_t)vec_num(s, child_key(n, "integ", k, sizeof(k)));
	len = 2 * (encr_key_len(encr, keylen) + (integ ? integ_key_len(integ) : 0));
	VEC_CHECK(s, encr_key_len(encr, keylen) > 0, "CHILD_SA %u: ENCR %u/%u unsupported", n, encr,
		  keylen);
	if (!child_parent(s, n, &sa)) {
		VEC_CHECK(s, false, "CHILD_SA %u: no parent IKE SA", n);
		return;
	}
	sk_d = vec_secret(s, vec_sa_key(sa.sa_n, "sk_d", k, sizeof(k)));
	ni_len = vec_hex(s, n == 1 ? "ni" : child_key(n, "ni", k, sizeof(k)), ni, sizeof(ni));
	nr_len = vec_hex(s, n == 1 ? "nr" : child_key(n, "nr", k, sizeof(k)), nr, sizeof(nr));
	if (vec_num(s, child_key(n, "dh", k, sizeof(k))) != 0)
		shared = vec_secret(s, child_key(n, "g_ir", k, sizeof(k)));
	expect_keymat(s, n, want, len);
	rc = keymat_child(sa.sa_suite.s_prf, sk_d, shared, ni, ni_len, nr, nr_len, len, &out);
	VEC_CHECK(s, rc == 0, "CHILD_SA %u: keymat_child: %s", n, vec_errstr(rc, NULL));
	VEC_CHECK(s, rc || (out && out->len == len && memcmp(out->data, want, len) == 0),
		  "CHILD_SA %u (%s): KEYMAT differs from strongSwan's", n,
		  shared ? "PFS" : "no PFS");
	secret_free(out);
	secret_free(shared);
	secret_free(sk_d);
}

static void child_all(const struct vec_scn *s)
{
	char k[64];
	unsigned n;

	for (n = 1; vec_has(s, child_key(n, "encr", k, sizeof(k))); n++)
		child_one(s, n);
	VEC_CHECK(s, n > 1, "no CHILD_SA keys in keys.txt");
}

static void test_keymat_child(void)
{
	vec_for_each(child_all);
}

/* ---- proposal strings ---- */

static bool has_xf(const struct proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == type && p->p_xf[i].x_id == id &&
		    p->p_xf[i].x_keylen == keylen)
			return true;
	return false;
}

static bool has_type(const struct proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == type)
			return true;
	return false;
}

/* parse -> format -> parse gives the same transforms. */
static void check_format_roundtrip(const struct vec_scn *s, const struct proposal *p)
{
	struct proposal again;
	char buf[256], eb[128];
	bool same;
	int rc;

	rc = proposal_format(p, buf, sizeof(buf));
	VEC_CHECK(s, rc == 0, "proposal_format: %s", vec_errstr(rc, NULL));
	if (rc)
		return;
	memset(&again, 0, sizeof(again));
	rc = proposal_parse(buf, p->p_proto, &again, eb, sizeof(eb));
	same = rc == 0 && again.p_n == p->p_n;
	for (size_t i = 0; same && i < p->p_n; i++)
		same = has_xf(&again, p->p_xf[i].x_type, p->p_xf[i].x_id, p->p_xf[i].x_keylen);
	VEC_CHECK(s, same, "'%s' does not parse back to the same proposal", buf);
}

static void ike_proposal_one(const struct vec_scn *s)
{
	const char *str = vec_get(s, "ike_proposal");
	struct proposal p;
	struct vec_sa sa;
	char eb[128] = "";
	int rc;

	memset(&p, 0, sizeof(p));
	vec_sa_get(s, 1, &sa);
	rc = proposal_parse(str, IKE_PROTO_IKE, &p, eb, sizeof(eb));
	VEC_CHECK(s, rc == 0, "proposal_parse('%s'): %s: %s", str, vec_errstr(rc, NULL), eb);
	if (rc)
		return;
	VEC_CHECK(s,
		  has_xf(&p, IKE_XF_ENCR, sa.sa_suite.s_encr, sa.sa_suite.s_encr_keylen) &&
			  has_xf(&p, IKE_XF_PRF, sa.sa_suite.s_prf, 0) &&
			  has_xf(&p, IKE_XF_KE, sa.sa_suite.s_ke, 0) &&
			  (sa.sa_suite.s_integ ? has_xf(&p, IKE_XF_INTEG, sa.sa_suite.s_integ, 0)
					       : !has_type(&p, IKE_XF_INTEG)),
		  "'%s' is not what strongSwan negotiated from it", str);
	check_format_roundtrip(s, &p);
}

static void esp_proposal_one(const struct vec_scn *s)
{
	const char *str = vec_get(s, "esp_proposal");
	unsigned long integ = vec_num(s, "esp_integ");
	struct proposal p;
	char eb[128] = "", k[64];
	bool ok;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = proposal_parse(str, IKE_PROTO_ESP, &p, eb, sizeof(eb));
	VEC_CHECK(s, rc == 0, "proposal_parse('%s'): %s: %s", str, vec_errstr(rc, NULL), eb);
	if (rc)
		return;
	ok = has_xf(&p, IKE_XF_ENCR, (uint16_t)vec_num(s, "esp_encr"),
		    (uint16_t)vec_num(s, "esp_encr_keylen")) &&
	     (integ ? has_xf(&p, IKE_XF_INTEG, (uint16_t)integ, 0) : !has_type(&p, IKE_XF_INTEG));
	/* a KE group in the string shows in the rekeyed CHILD_SAs (PFS) */
	for (unsigned n = 2; vec_has(s, child_key(n, "dh", k, sizeof(k))); n++) {
		unsigned long dh = vec_num(s, k);

		ok = ok && (dh ? has_xf(&p, IKE_XF_KE, (uint16_t)dh, 0) : !has_type(&p, IKE_XF_KE));
	}
	VEC_CHECK(s, ok, "'%s' is not what strongSwan negotiated from it", str);
	check_format_roundtrip(s, &p);
}

static void proposals_all(const struct vec_scn *s)
{
	ike_proposal_one(s);
	esp_proposal_one(s);
}

static void test_proposals(void)
{
	vec_for_each(proposals_all);
}

static const struct ut_case keys_cases[] = {
	{ "SKEYSEED and SK_* (2.14), rekeyed IKE SAs (2.18)", test_keymat_ike },
	{ "psk-cbc has a rekeyed IKE SA", test_keymat_rekey_present },
	{ "CHILD_SA KEYMAT with and without PFS (2.17)", test_keymat_child },
	{ "proposal strings as strongSwan reads them", test_proposals },
	{ NULL, NULL },
};

const struct ut_suite vec_keys_suite = { "strongswan vectors: keys", keys_cases };
