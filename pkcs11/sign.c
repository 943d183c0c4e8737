/*
 * sign.c: one signature on the token (PKCS#11 v2.40 5.12: C_SignInit, then
 * C_Sign). We prefer the token's hash-and-sign mechanisms (CKM_SHA256_RSA_PKCS,
 * CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA_SHA256...). Many modules lack some of
 * them or refuse them for a key; then we hash with OpenSSL and sign the
 * digest: CKM_RSA_PKCS over the DigestInfo (RFC 8017 9.2), CKM_RSA_PKCS_PSS
 * over the digest (PKCS#11 2.1.10, the hash named in its parameters), or
 * CKM_ECDSA over the digest cut to the order's length (X9.62: its leftmost
 * bits). A refusal is remembered per key, so the detour costs one call
 * once. A key with CKA_ALWAYS_AUTHENTICATE gets a context-specific login
 * between C_SignInit and C_Sign (v2.40 4.9, 5.6 C_Login).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

struct plan {
	CK_MECHANISM pl_mech;
	CK_RSA_PKCS_PSS_PARAMS pl_pss;
	const uint8_t *pl_in;
	size_t pl_in_len;
	uint8_t pl_buf[128]; /* a digest or a DigestInfo */
};

static const EVP_MD *hash_md(uint8_t h)
{
	switch (h) {
	case P11_SHA1:
		return EVP_sha1();
	case P11_SHA256:
		return EVP_sha256();
	case P11_SHA384:
		return EVP_sha384();
	case P11_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static void pss_params(struct plan *pl, uint8_t h, int salt)
{
	static const CK_MECHANISM_TYPE hm[] = { CKM_SHA_1, CKM_SHA256, CKM_SHA384, CKM_SHA512 };
	static const CK_RSA_PKCS_MGF_TYPE mgf[] = { CKG_MGF1_SHA1, CKG_MGF1_SHA256, CKG_MGF1_SHA384,
						    CKG_MGF1_SHA512 };

	pl->pl_pss.hashAlg = hm[h];
	pl->pl_pss.mgf = mgf[h];
	pl->pl_pss.sLen = (CK_ULONG)salt;
	pl->pl_mech.pParameter = &pl->pl_pss;
	pl->pl_mech.ulParameterLen = sizeof(pl->pl_pss);
}

static enum p11_combined combined_of(const struct p11_sigalg *a)
{
	int base = a->ps_scheme == P11_PKCS1 ? P11_C_RSA_SHA1
		   : a->ps_scheme == P11_PSS ? P11_C_PSS_SHA1
					     : P11_C_ECDSA_SHA1;

	return (enum p11_combined)(base + a->ps_hash);
}

static void plan_combined(const struct p11_sigalg *a, const uint8_t *data, size_t len,
			  struct plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->pl_mech.mechanism = p11_combined_mech(combined_of(a));
	if (a->ps_scheme == P11_PSS)
		pss_params(pl, a->ps_hash, a->ps_salt);
	pl->pl_in = data;
	pl->pl_in_len = len;
}

/* DigestInfo ::= SEQUENCE { digestAlgorithm (with NULL parameters), digest } */
static int digest_info(const EVP_MD *md, const uint8_t *dg, size_t dlen, struct plan *pl)
{
	X509_SIG *sig = X509_SIG_new();
	unsigned char *p = pl->pl_buf;
	ASN1_OCTET_STRING *os;
	X509_ALGOR *alg;
	int n = -1;

	if (sig != NULL) {
		X509_SIG_getm(sig, &alg, &os);
		if (X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL) &&
		    ASN1_OCTET_STRING_set(os, dg, (int)dlen) &&
		    i2d_X509_SIG(sig, NULL) <= (int)sizeof(pl->pl_buf))
			n = i2d_X509_SIG(sig, &p);
	}
	X509_SIG_free(sig);
	if (n <= 0)
		return GW_E_CRYPTO;
	pl->pl_in = pl->pl_buf;
	pl->pl_in_len = (size_t)n;
	return 0;
}

/* Hash with OpenSSL; the token signs the digest. */
static int plan_raw(const struct p11_key *k, const struct p11_sigalg *a, const uint8_t *data,
		    size_t len, struct plan *pl)
{
	const EVP_MD *md = hash_md(a->ps_hash);
	uint8_t dg[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int r = 0;

	memset(pl, 0, sizeof(*pl));
	if (EVP_Digest(data, len, dg, &dlen, md, NULL) != 1)
		return GW_E_CRYPTO;
	if (a->ps_scheme == P11_PKCS1) {
		pl->pl_mech.mechanism = CKM_RSA_PKCS;
		r = digest_info(md, dg, dlen, pl);
	} else {
		pl->pl_mech.mechanism = a->ps_scheme == P11_PSS ? CKM_RSA_PKCS_PSS : CKM_ECDSA;
		if (a->ps_scheme == P11_PSS)
			pss_params(pl, a->ps_hash, a->ps_salt);
		else if (dlen > k->k_size)
			dlen = (unsigned)k->k_size; /* X9.62: the leftmost bits */
		memcpy(pl->pl_buf, dg, dlen);
		pl->pl_in = pl->pl_buf;
		pl->pl_in_len = dlen;
	}
	OPENSSL_cleanse(dg, sizeof(dg));
	return r;
}

/* The module will not do this mechanism (for this key). */
static bool rv_refused(CK_RV rv)
{
	return rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID ||
	       rv == CKR_KEY_TYPE_INCONSISTENT || rv == CKR_FUNCTION_NOT_SUPPORTED ||
	       rv == CKR_KEY_FUNCTION_NOT_PERMITTED;
}

/* libp11 gives ECDSA as DER (its method builds an ECDSA_SIG); back to
 * what the token gave it, r | s of the order's size (v2.40 2.3.1). */
static CK_RV lib_ec_raw(const struct p11_key *k, const uint8_t *der, size_t len, uint8_t *out,
			CK_ULONG *out_len)
{
	const unsigned char *q = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)len);
	const BIGNUM *r, *s;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (es == NULL || q != der + len || *out_len < 2 * k->k_size)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)k->k_size) < 0 ||
	    BN_bn2binpad(s, out + k->k_size, (int)k->k_size) < 0)
		goto out;
	*out_len = 2 * k->k_size;
	rv = CKR_OK;
out:
	ECDSA_SIG_free(es);
	return rv;
}

/*
 * A digest signature through libp11's EVP_PKEY (PKCS11_get_private_key):
 * EVP_PKEY_sign hands the DigestInfo (CKM_RSA_PKCS, PKCS#1 padding) or
 * the cut digest (CKM_ECDSA) to libp11's RSA / EC method, which signs in
 * the token on a session of libp11's own pool. The token's CKR code of a
 * failure comes back through OpenSSL's error queue, so a loss is still
 * told from a refusal.
 */
static CK_RV lib_sign(struct p11_key *k, EVP_PKEY *pk, const struct plan *pl, uint8_t *out,
		      CK_ULONG *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	uint8_t der[P11_SIG_MAX];
	size_t len = pl->pl_mech.mechanism == CKM_ECDSA ? sizeof(der) : *out_len;
	CK_RV rv = CKR_OK;

	ERR_clear_error();
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    (pl->pl_mech.mechanism == CKM_RSA_PKCS &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_sign(ctx, pl->pl_mech.mechanism == CKM_ECDSA ? der : out, &len, pl->pl_in,
			  pl->pl_in_len) != 1)
		rv = p11_lib_rv();
	else if (pl->pl_mech.mechanism == CKM_ECDSA)
		rv = lib_ec_raw(k, der, len, out, out_len);
	else
		*out_len = len;
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/*
 * C_SignInit [C_Login context-specific] C_Sign. *dirty: an operation may
 * still be active on the session (only closing it ends it for sure).
 * Digest signatures (CKM_RSA_PKCS, CKM_ECDSA) go through libp11 when it
 * holds the key; not CKM_RSA_PKCS_PSS (libp11 0.4.12's RSA method would
 * pad here and sign with CKM_RSA_X_509, which tokens often refuse) nor a
 * key wanting a context-specific login (libp11 would ask its UI for the
 * PIN).
 */
static CK_RV sign_once(struct p11_key *k, CK_SESSION_HANDLE h, struct plan *pl, uint8_t *out,
		       CK_ULONG *out_len, bool *dirty)
{
	struct p11 *p = k->k_tok->t_p11;
	EVP_PKEY *pk = atomic_load(&k->k_lpriv);
	CK_RV rv;

	*dirty = false;
	if (pk != NULL && !k->k_always_auth &&
	    (pl->pl_mech.mechanism == CKM_RSA_PKCS || pl->pl_mech.mechanism == CKM_ECDSA))
		return lib_sign(k, pk, pl, out, out_len);
	rv = p->p_fn->C_SignInit(h, &pl->pl_mech, atomic_load(&k->k_handle));
	if (rv != CKR_OK)
		return rv;
	if (k->k_always_auth && (rv = p11_login(p, h, CKU_CONTEXT_SPECIFIC)) != CKR_OK) {
		*dirty = true;
		return rv;
	}
	rv = p->p_fn->C_Sign(h, (CK_BYTE_PTR)pl->pl_in, pl->pl_in_len, out, out_len);
	*dirty = rv == CKR_BUFFER_TOO_SMALL;
	return rv;
}

static const char *mech_name(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_RSA_PKCS:
		return "CKM_RSA_PKCS";
	case CKM_RSA_PKCS_PSS:
		return "CKM_RSA_PKCS_PSS";
	case CKM_ECDSA:
		return "CKM_ECDSA";
	case CKM_SHA1_RSA_PKCS:
		return "CKM_SHA1_RSA_PKCS";
	case CKM_SHA256_RSA_PKCS:
		return "CKM_SHA256_RSA_PKCS";
	case CKM_SHA384_RSA_PKCS:
		return "CKM_SHA384_RSA_PKCS";
	case CKM_SHA512_RSA_PKCS:
		return "CKM_SHA512_RSA_PKCS";
	case CKM_SHA1_RSA_PKCS_PSS:
		return "CKM_SHA1_RSA_PKCS_PSS";
	case CKM_SHA256_RSA_PKCS_PSS:
		return "CKM_SHA256_RSA_PKCS_PSS";
	case CKM_SHA384_RSA_PKCS_PSS:
		return "CKM_SHA384_RSA_PKCS_PSS";
	case CKM_SHA512_RSA_PKCS_PSS:
		return "CKM_SHA512_RSA_PKCS_PSS";
	case CKM_ECDSA_SHA1:
		return "CKM_ECDSA_SHA1";
	case CKM_ECDSA_SHA256:
		return "CKM_ECDSA_SHA256";
	case CKM_ECDSA_SHA384:
		return "CKM_ECDSA_SHA384";
	default:
		return "CKM_ECDSA_SHA512";
	}
}

/* Remember a refusal; say so once per key and mechanism. */
static void refused(struct p11_key *k, enum p11_combined c, CK_RV rv)
{
	uint32_t bit = 1u << c;
	char b[40];

	atomic_fetch_or(&k->k_refused, bit);
	if (atomic_fetch_or(&k->k_logged, bit) & bit)
		return;
	log_info(LOG_SUB_P11,
		 "pkcs11: key %s: the module refuses %s (%s): hashing with OpenSSL, the token "
		 "signs the digest",
		 k->k_uri, mech_name(p11_combined_mech(c)), p11_rv_name(rv, b, sizeof(b)));
}

/* Token output to what the caller asked for: RSA as is; ECDSA r | s or DER. */
static int sig_out(const struct p11_key *k, const struct p11_sigalg *a, const uint8_t *t,
		   size_t tlen, uint8_t *sig, size_t *sig_len)
{
	size_t n = k->k_size;
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *q = sig;
	int len;

	if (a->ps_scheme != P11_ECDSA || a->ps_raw) {
		if (tlen > *sig_len || (a->ps_raw && tlen != 2 * n))
			return a->ps_raw ? GW_E_CRYPTO : GW_E_RANGE;
		memcpy(sig, t, tlen);
		*sig_len = tlen;
		return 0;
	}
	if (tlen != 2 * n) /* v2.40 2.3.1: the token gives r | s */
		return GW_E_CRYPTO;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(t, (int)n, NULL);
	s = BN_bin2bn(t + n, (int)n, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return GW_E_NOMEM;
	}
	len = i2d_ECDSA_SIG(es, NULL);
	if (len > 0 && (size_t)len <= *sig_len)
		len = i2d_ECDSA_SIG(es, &q);
	ECDSA_SIG_free(es);
	if (len <= 0 || (size_t)len > *sig_len)
		return len <= 0 ? GW_E_CRYPTO : GW_E_RANGE;
	*sig_len = (size_t)len;
	return 0;
}

/* A session with an operation left open: replace it by a fresh one. */
static void sess_replace(struct p11_token *t, struct p11_sess *s)
{
	struct p11 *p = t->t_p11;
	CK_SESSION_HANDLE h;
	CK_RV rv;

	p->p_fn->C_CloseSession(s->ss_h);
	p11_pool_drop(&t->t_pool, s);
	rv = p->p_fn->C_OpenSession(atomic_load(&t->t_slot), CKF_SERIAL_SESSION, NULL, NULL, &h);
	if (rv == CKR_OK && !p11_pool_add(&t->t_pool, h, s->ss_gen))
		p->p_fn->C_CloseSession(h);
	else if (rv != CKR_OK && p11_rv_is_loss(rv))
		p11_token_lost(t, rv, "C_OpenSession");
}

/* The plan for this attempt: combined unless refused or not listed. */
static int plan_pick(struct p11_key *k, const struct p11_sigalg *a, const uint8_t *data, size_t len,
		     bool *combined, struct plan *pl)
{
	struct p11_token *t = k->k_tok;
	uint32_t bit = 1u << combined_of(a);

	*combined = !(atomic_load(&k->k_refused) & bit) &&
		    (!atomic_load(&t->t_mechs_known) || (atomic_load(&t->t_mechs) & bit));
	if (*combined) {
		plan_combined(a, data, len, pl);
		return 0;
	}
	return plan_raw(k, a, data, len, pl);
}

/* Sign on session s; the combined mechanism first, then the digest. */
static CK_RV sign_sess(struct p11_key *k, const struct p11_sigalg *a, const uint8_t *data,
		       size_t len, const struct p11_sess *s, uint8_t *out, CK_ULONG *out_len,
		       bool *dirty)
{
	CK_ULONG room = *out_len;
	struct plan pl;
	bool combined;
	CK_RV rv;

	if (plan_pick(k, a, data, len, &combined, &pl) != 0)
		return CKR_FUNCTION_FAILED;
	rv = sign_once(k, s->ss_h, &pl, out, out_len, dirty);
	if (!combined || !rv_refused(rv) || *dirty)
		goto out;
	refused(k, combined_of(a), rv);
	if (plan_raw(k, a, data, len, &pl) != 0)
		return CKR_FUNCTION_FAILED;
	*out_len = room;
	rv = sign_once(k, s->ss_h, &pl, out, out_len, dirty);
out:
	OPENSSL_cleanse(pl.pl_buf, sizeof(pl.pl_buf));
	return rv;
}

static bool alg_fits(const struct p11_key *k, const struct p11_sigalg *a)
{
	if (a->ps_hash > P11_SHA512 || hash_md(a->ps_hash) == NULL)
		return false;
	if (a->ps_scheme == P11_ECDSA)
		return k->k_type == CKK_EC;
	if (a->ps_raw || k->k_type != CKK_RSA)
		return false;
	return a->ps_scheme == P11_PKCS1 ||
	       (a->ps_scheme == P11_PSS && a->ps_salt >= 0 &&
		(size_t)a->ps_salt + (size_t)EVP_MD_get_size(hash_md(a->ps_hash)) + 2 <= k->k_size);
}

/* Count and log a failed signature (rate-limited: a peer can trigger it). */
static int sign_failed(struct p11_key *k, int r, const char *what)
{
	struct p11_token *t = k->k_tok;
	unsigned missed = 0;

	atomic_fetch_add(&t->t_fails, 1);
	if (log_rl_allow(&t->t_rl, &missed))
		log_warn(LOG_SUB_P11, "pkcs11: key %s: no signature: %s%s", k->k_uri, what,
			 missed ? " (and earlier failures not logged)" : "");
	return r;
}

/* After C_Sign: the session goes back, is replaced, or died with the token. */
static int sign_result(struct p11_key *k, struct p11_sess *s, CK_RV rv, bool dirty)
{
	struct p11_token *t = k->k_tok;
	char b[40], what[64];

	if (rv == CKR_OK) {
		p11_pool_put(&t->t_pool, s);
		return 0;
	}
	snprintf(what, sizeof(what), "%s", p11_rv_name(rv, b, sizeof(b)));
	if (p11_rv_is_loss(rv)) {
		p11_pool_drop(&t->t_pool, s);
		p11_token_lost(t, rv, "C_Sign");
	} else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED) {
		/* the context-specific login: the PIN no longer works */
		atomic_store(&t->t_state, P11_TOKEN_REFUSED);
		p11_pool_reset(&t->t_pool, NULL, NULL);
		p11_token_set_error(t, "PIN refused in a context-specific login: %s", b);
		log_err(LOG_SUB_P11, "pkcs11: token '%s' refused the PIN (%s): not retried",
			t->t_label, b);
	} else if (dirty) {
		sess_replace(t, s);
	} else {
		p11_pool_put(&t->t_pool, s);
	}
	return sign_failed(k, rv == CKR_HOST_MEMORY ? GW_E_NOMEM : GW_E_CRYPTO, what);
}

int p11_sign(struct p11_key *k, const struct p11_sigalg *alg, const uint8_t *data, size_t len,
	     uint8_t *sig, size_t *sig_len)
{
	struct p11_token *t;
	uint8_t out[P11_SIG_MAX];
	CK_ULONG olen = sizeof(out);
	struct p11_sess s;
	bool dirty = false;
	CK_RV rv;
	int r;

	if (k == NULL || alg == NULL || (data == NULL && len) || sig == NULL || sig_len == NULL)
		return GW_E_INVAL;
	if (!alg_fits(k, alg))
		return GW_E_UNSUP;
	t = k->k_tok;
	if (atomic_load(&t->t_state) != P11_TOKEN_READY)
		return sign_failed(k, GW_E_STATE, "the token is not available (being reopened)");
	if (atomic_load(&k->k_handle) == CK_INVALID_HANDLE)
		return sign_failed(k, GW_E_NOTFOUND, "the key is no longer on the token");
	if ((r = p11_call_lock(t->t_p11)) != 0)
		return sign_failed(k, r, "module busy");
	if ((r = p11_pool_get(&t->t_pool, t->t_p11->p_wait_ms, &s)) != 0) {
		p11_call_unlock(t->t_p11);
		return sign_failed(k, r,
				   r == GW_E_AGAIN ? "no free session in time"
						   : "the token is not available");
	}
	rv = sign_sess(k, alg, data, len, &s, out, &olen, &dirty);
	r = sign_result(k, &s, rv, dirty);
	p11_call_unlock(t->t_p11);
	if (r == 0 && (r = sig_out(k, alg, out, olen, sig, sig_len)) != 0)
		sign_failed(k, r, "unexpected signature from the token");
	if (r == 0)
		atomic_fetch_add(&t->t_signs, 1);
	OPENSSL_cleanse(out, sizeof(out));
	ERR_clear_error();
	return r;
}
