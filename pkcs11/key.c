/*
 * key.c: the private key a URI names (PKCS#11 v2.40 4.9, 4.10: CKO_PRIVATE_KEY
 * found by CKA_LABEL (object=) and/or CKA_ID (id=)), what it allows
 * (CKA_SIGN, CKA_ALWAYS_AUTHENTICATE), whether it can leave the token
 * (CKA_SENSITIVE, CKA_EXTRACTABLE, and CKA_ALWAYS_SENSITIVE /
 * CKA_NEVER_EXTRACTABLE, which tell an imported key from one generated
 * inside), its public key (RSA: CKA_MODULUS and CKA_PUBLIC_EXPONENT of the
 * key itself; EC: CKA_EC_POINT of the public key object with the same
 * CKA_ID, else the certificate's) and the certificate stored with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

/* One attribute, allocated; CKR_ATTRIBUTE_TYPE_INVALID etc. as returned. */
static CK_RV attr_get(struct p11 *p, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
		      CK_ATTRIBUTE_TYPE type, uint8_t **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	*len = 0;
	if ((rv = p->p_fn->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK)
		return rv;
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > (1u << 16))
		return CKR_ATTRIBUTE_SENSITIVE;
	if ((a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = p->p_fn->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

/* A CK_BBOOL attribute; dflt when the module does not know it. */
static bool attr_bool(struct p11 *p, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
		      CK_ATTRIBUTE_TYPE type, bool dflt)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { type, &b, sizeof(b) };

	if (p->p_fn->C_GetAttributeValue(h, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof(b))
		return dflt;
	return b == CK_TRUE;
}

/* Objects of class cls with the key's label and/or id; up to max. */
static CK_RV find(struct p11 *p, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls, const char *label,
		  const uint8_t *id, size_t id_len, CK_OBJECT_HANDLE *out, CK_ULONG max,
		  CK_ULONG *n)
{
	CK_ATTRIBUTE t[3] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_ULONG nt = 1;
	CK_RV rv;

	if (label != NULL)
		t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (id != NULL)
		t[nt++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	*n = 0;
	if ((rv = p->p_fn->C_FindObjectsInit(h, t, nt)) != CKR_OK)
		return rv;
	rv = p->p_fn->C_FindObjects(h, out, max, n);
	p->p_fn->C_FindObjectsFinal(h);
	return rv;
}

static CK_RV find_key(struct p11_key *k, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *o, CK_ULONG *n)
{
	CK_OBJECT_HANDLE found[2];
	CK_RV rv = find(k->k_tok->t_p11, h, CKO_PRIVATE_KEY,
			k->k_u.u_object_set ? k->k_u.u_object : NULL,
			k->k_u.u_id_set ? k->k_u.u_id : NULL, k->k_u.u_id_len, found, 2, n);

	if (rv == CKR_OK && *n > 0)
		*o = found[0];
	return rv;
}

int p11_key_refind(struct p11_key *k, CK_SESSION_HANDLE h)
{
	CK_OBJECT_HANDLE o;
	CK_ULONG n;

	if (find_key(k, h, &o, &n) != CKR_OK || n != 1)
		return GW_E_NOTFOUND;
	atomic_store(&k->k_handle, o);
	return 0;
}

static EVP_PKEY *pub_from_params(const char *type, OSSL_PARAM_BLD *b)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *pub_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;

	if (bn != NULL && be != NULL && b != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		pk = pub_from_params("RSA", b);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return pk;
}

/* CKA_EC_POINT is a DER OCTET STRING (v2.40 2.3.3); a few modules give the
 * bare point. */
static EVP_PKEY *pub_ec(int nid, const uint8_t *pt, size_t len)
{
	const unsigned char *q = pt;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)len);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;

	if (os != NULL && q == pt + len) {
		pt = os->data;
		len = (size_t)os->length;
	}
	if (b != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, len))
		pk = pub_from_params("EC", b);
	OSSL_PARAM_BLD_free(b);
	ASN1_OCTET_STRING_free(os);
	ERR_clear_error();
	return pk;
}

/* CKA_EC_PARAMS: the curve's OID (namedCurve); P-256, P-384, P-521 only. */
static int ec_curve(const uint8_t *der, size_t len, int *nid, size_t *order_len)
{
	const unsigned char *q = der;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &q, (long)len);

	*nid = obj ? OBJ_obj2nid(obj) : NID_undef;
	ASN1_OBJECT_free(obj);
	ERR_clear_error();
	switch (*nid) {
	case NID_X9_62_prime256v1:
		*order_len = 32;
		return 0;
	case NID_secp384r1:
		*order_len = 48;
		return 0;
	case NID_secp521r1:
		*order_len = 66;
		return 0;
	default:
		return GW_E_UNSUP;
	}
}

static void key_pub_rsa(struct p11_key *k, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
	struct p11 *p = k->k_tok->t_p11;
	uint8_t *n = NULL, *e = NULL;
	size_t nlen, elen, skip = 0;

	if (attr_get(p, h, o, CKA_MODULUS, &n, &nlen) == CKR_OK &&
	    attr_get(p, h, o, CKA_PUBLIC_EXPONENT, &e, &elen) == CKR_OK) {
		k->k_pub = pub_rsa(n, nlen, e, elen);
		while (skip < nlen && n[skip] == 0)
			skip++;
		k->k_size = nlen - skip;
	}
	free(n);
	free(e);
}

/* EC: the curve from the key, the point from its public key object. */
static int key_pub_ec(struct p11_key *k, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, char *why,
		      size_t why_len)
{
	struct p11 *p = k->k_tok->t_p11;
	uint8_t *der = NULL, *pt = NULL;
	CK_OBJECT_HANDLE pubo;
	size_t len, ptlen;
	CK_ULONG n = 0;
	int nid, r;

	if (attr_get(p, h, o, CKA_EC_PARAMS, &der, &len) != CKR_OK ||
	    (r = ec_curve(der, len, &nid, &k->k_size)) != 0) {
		free(der);
		p11_why(why, why_len, "its curve is not P-256, P-384 or P-521");
		return GW_E_UNSUP;
	}
	free(der);
	if (k->k_id_len > 0 &&
	    find(p, h, CKO_PUBLIC_KEY, NULL, k->k_id, k->k_id_len, &pubo, 1, &n) == CKR_OK &&
	    n == 1 && attr_get(p, h, pubo, CKA_EC_POINT, &pt, &ptlen) == CKR_OK)
		k->k_pub = pub_ec(nid, pt, ptlen);
	free(pt);
	return 0;
}

/* The certificate stored with the key: same CKA_ID, else same label. */
static void key_cert(struct p11_key *k, CK_SESSION_HANDLE h, const char *label)
{
	struct p11 *p = k->k_tok->t_p11;
	CK_OBJECT_HANDLE certs[8];
	CK_ULONG n = 0;

	if (k->k_id_len > 0)
		find(p, h, CKO_CERTIFICATE, NULL, k->k_id, k->k_id_len, certs, 8, &n);
	if (n == 0 && label != NULL)
		find(p, h, CKO_CERTIFICATE, label, NULL, 0, certs, 8, &n);
	for (CK_ULONG i = 0; i < n && k->k_cert == NULL; i++) {
		const unsigned char *q;
		uint8_t *der;
		size_t len;
		X509 *x;

		if (attr_get(p, h, certs[i], CKA_VALUE, &der, &len) != CKR_OK)
			continue;
		q = der;
		x = d2i_X509(NULL, &q, (long)len);
		free(der);
		if (x != NULL &&
		    (k->k_pub == NULL || EVP_PKEY_eq(X509_get0_pubkey(x), k->k_pub) == 1))
			k->k_cert = x;
		else
			X509_free(x);
	}
	ERR_clear_error();
	if (k->k_pub == NULL && k->k_cert != NULL && X509_get0_pubkey(k->k_cert) != NULL &&
	    EVP_PKEY_up_ref(X509_get0_pubkey(k->k_cert)))
		k->k_pub = X509_get0_pubkey(k->k_cert);
}

/* Can the key leave the token? A warning, or with require_non_extractable
 * an error (v2.40 4.9: an imported key has CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE false even when it is sensitive now). */
static int key_exposure(struct p11_key *k, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, char *why,
			size_t why_len)
{
	struct p11 *p = k->k_tok->t_p11;
	char list[160] = "";

	/* unknown to the module counts as the unsafe answer */
	k->k_sensitive = attr_bool(p, h, o, CKA_SENSITIVE, false);
	k->k_extractable = attr_bool(p, h, o, CKA_EXTRACTABLE, true);
	k->k_never_extractable = attr_bool(p, h, o, CKA_NEVER_EXTRACTABLE, false);
	k->k_always_sensitive = attr_bool(p, h, o, CKA_ALWAYS_SENSITIVE, false);
	if (!k->k_sensitive)
		strcat(list, ", not sensitive (CKA_SENSITIVE false)");
	if (k->k_extractable)
		strcat(list, ", extractable (CKA_EXTRACTABLE true)");
	if (!k->k_never_extractable || !k->k_always_sensitive)
		strcat(list, ", was exposed once (imported?)");
	if (list[0] == '\0')
		return 0;
	if (p->p_strict) {
		p11_why(why, why_len,
			"the key can leave the token: %s; refused (require_non_extractable)",
			list + 2);
		return GW_E_AUTH;
	}
	log_warn(LOG_SUB_P11,
		 "pkcs11: key %s can leave the token: %s; generate it on the token, sensitive "
		 "and not extractable",
		 k->k_uri, list + 2);
	return 0;
}

/* Everything about the key object o, checked. */
static int key_describe(struct p11_key *k, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, char *why,
			size_t why_len)
{
	struct p11 *p = k->k_tok->t_p11;
	CK_KEY_TYPE type = (CK_KEY_TYPE)-1;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &type, sizeof(type) };
	uint8_t *id = NULL, *label = NULL;
	size_t len = 0, llen = 0;
	int r;

	if (p->p_fn->C_GetAttributeValue(h, o, &a, 1) != CKR_OK ||
	    (type != CKK_RSA && type != CKK_EC)) {
		p11_why(why, why_len, "not an RSA or EC key");
		return GW_E_UNSUP;
	}
	k->k_type = type;
	if (!attr_bool(p, h, o, CKA_SIGN, true)) {
		p11_why(why, why_len, "the key may not sign (CKA_SIGN false)");
		return GW_E_INVAL;
	}
	k->k_always_auth = attr_bool(p, h, o, CKA_ALWAYS_AUTHENTICATE, false);
	if (attr_get(p, h, o, CKA_ID, &id, &len) == CKR_OK && len <= sizeof(k->k_id)) {
		memcpy(k->k_id, id, len);
		k->k_id_len = len;
	}
	free(id);
	if (type == CKK_RSA)
		key_pub_rsa(k, h, o);
	else if ((r = key_pub_ec(k, h, o, why, why_len)) != 0)
		return r;
	if (attr_get(p, h, o, CKA_LABEL, &label, &llen) == CKR_OK && llen < P11_ATTR_MAX) {
		char l[P11_ATTR_MAX];

		memcpy(l, label, llen);
		l[llen] = '\0';
		key_cert(k, h, l);
	} else {
		key_cert(k, h, NULL);
	}
	free(label);
	if (type == CKK_RSA && k->k_size == 0 && k->k_pub != NULL)
		k->k_size = (size_t)EVP_PKEY_get_size(k->k_pub);
	if (type == CKK_RSA && (k->k_size < 256 || k->k_size > 1024)) {
		p11_why(why, why_len, "RSA keys must have 2048 to 8192 bits");
		return GW_E_UNSUP;
	}
	return key_exposure(k, h, o, why, why_len);
}

static int key_locate(struct p11_key *k, CK_SESSION_HANDLE h, char *why, size_t why_len)
{
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	char b[40];
	CK_RV rv;

	if ((rv = find_key(k, h, &o, &n)) != CKR_OK) {
		if (p11_rv_is_loss(rv))
			p11_token_lost(k->k_tok, rv, "C_FindObjects");
		p11_why(why, why_len, "token '%s': cannot search it: %s", k->k_tok->t_label,
			p11_rv_name(rv, b, sizeof(b)));
		return GW_E_IO;
	}
	if (n == 0) {
		p11_why(why, why_len, "no such private key on token '%s'", k->k_tok->t_label);
		return GW_E_NOTFOUND;
	}
	if (n > 1) {
		p11_why(why, why_len, "it names more than one private key on token '%s': add id=",
			k->k_tok->t_label);
		return GW_E_INVAL;
	}
	atomic_store(&k->k_handle, o);
	return key_describe(k, h, o, why, why_len);
}

/* Does libp11's key object lk hold the key we found ourselves? */
static bool lib_key_is(const struct p11_key *k, const PKCS11_KEY *lk)
{
	if (!lk->isPrivate)
		return false;
	if (k->k_u.u_object_set && (lk->label == NULL || strcmp(lk->label, k->k_u.u_object) != 0))
		return false;
	return lk->id_len == k->k_id_len &&
	       (k->k_id_len == 0 || memcmp(lk->id, k->k_id, k->k_id_len) == 0);
}

/*
 * The same key among libp11's (PKCS11_enumerate_keys on its slot: the
 * private keys it can see after its login), and its EVP_PKEY, whose
 * private operations libp11 sends to the token (CKM_RSA_PKCS,
 * CKM_ECDSA). Exactly one must match, else the digest signatures stay on
 * our own calls (logged). Caller holds p_open_lock.
 */
void p11_key_lib_find(struct p11_key *k)
{
	PKCS11_SLOT *slot = p11_lib_slot(k->k_tok->t_p11, atomic_load(&k->k_tok->t_slot));
	PKCS11_KEY *keys = NULL, *hit = NULL;
	unsigned n = 0, matches = 0;
	EVP_PKEY *pk = NULL;

	if (slot != NULL && slot->token != NULL &&
	    PKCS11_enumerate_keys(slot->token, &keys, &n) == 0) {
		for (unsigned i = 0; i < n; i++) {
			if (lib_key_is(k, &keys[i]) && matches++ == 0)
				hit = &keys[i];
		}
	}
	if (matches == 1)
		pk = PKCS11_get_private_key(hit);
	ERR_clear_error();
	if (pk == NULL) {
		log_info(LOG_SUB_P11,
			 "pkcs11: key %s: libp11 does not single it out (%u match(es)): digest "
			 "signatures by direct calls",
			 k->k_uri, matches);
		return;
	}
	EVP_PKEY_free(atomic_exchange(&k->k_lpriv, pk));
}

void p11_key_lib_drop(struct p11_key *k)
{
	EVP_PKEY_free(atomic_exchange(&k->k_lpriv, NULL));
}

/* Token and key; the caller holds p_open_lock. */
static int key_open_locked(struct p11 *p, struct p11_key *k, char *why, size_t why_len)
{
	struct p11_sess s;
	int r;

	if ((r = p11_call_lock(p)) != 0)
		return r;
	if ((r = p11_token_get(p, &k->k_u, k->k_uri, &k->k_tok, why, why_len)) != 0)
		goto out;
	if ((r = p11_pool_get(&k->k_tok->t_pool, p->p_wait_ms, &s)) != 0) {
		p11_why(why, why_len, "token '%s' is not available now (%s)", k->k_tok->t_label,
			p11_token_state_name(atomic_load(&k->k_tok->t_state)));
		goto out;
	}
	r = key_locate(k, s.ss_h, why, why_len);
	p11_pool_put(&k->k_tok->t_pool, &s);
	if (r == 0) { /* known to recovery from now on (it holds p_open_lock) */
		p11_key_lib_find(k);
		pthread_mutex_lock(&k->k_tok->t_lock);
		k->k_next = k->k_tok->t_keys;
		k->k_tok->t_keys = k;
		pthread_mutex_unlock(&k->k_tok->t_lock);
	}
out:
	p11_call_unlock(p);
	return r;
}

int p11_key_open(struct p11 *p, const char *uri, struct p11_key **out, char *why, size_t why_len)
{
	char sub[P11_WHY_LEN];
	struct p11_key *k;
	int r;

	p11_why(why, why_len, "%s", "");
	if (p == NULL || uri == NULL || out == NULL)
		return GW_E_INVAL;
	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return GW_E_NOMEM;
	if ((r = p11_uri_parse(uri, &k->k_u, sub, sizeof(sub))) != 0) {
		/* the URI is named unless it may hold a PIN (pin-value) */
		if (strstr(uri, "pin-") == NULL) {
			log_escape(k->k_uri, sizeof(k->k_uri), uri, strlen(uri));
			p11_why(why, why_len, "%s: %s", k->k_uri, sub);
		} else {
			p11_why(why, why_len, "%s", sub);
		}
		free(k);
		return r;
	}
	log_escape(k->k_uri, sizeof(k->k_uri), uri, strlen(uri));
	pthread_mutex_lock(&p->p_open_lock);
	r = key_open_locked(p, k, sub, sizeof(sub));
	pthread_mutex_unlock(&p->p_open_lock);
	if (r != 0) {
		p11_why(why, why_len, "%s: %s", k->k_uri, sub);
		k->k_tok = NULL;
		p11_key_free(k);
		return r;
	}
	log_info(LOG_SUB_P11, "pkcs11: key %s: %s%zu%s%s", k->k_uri,
		 k->k_type == CKK_RSA ? "RSA-" : "EC P-",
		 k->k_type == CKK_RSA ? k->k_size * 8
		 : k->k_size == 66    ? 521
				      : k->k_size * 8,
		 k->k_always_auth ? ", login before each signature" : "",
		 k->k_cert ? ", certificate on the token" : "");
	*out = k;
	return 0;
}

void p11_key_free(struct p11_key *k)
{
	struct p11_key **pp;

	if (k == NULL)
		return;
	if (k->k_tok != NULL) {
		pthread_mutex_lock(&k->k_tok->t_lock);
		for (pp = &k->k_tok->t_keys; *pp != NULL && *pp != k; pp = &(*pp)->k_next)
			;
		if (*pp == k)
			*pp = k->k_next;
		pthread_mutex_unlock(&k->k_tok->t_lock);
	}
	p11_key_lib_drop(k);
	EVP_PKEY_free(k->k_pub);
	X509_free(k->k_cert);
	free(k);
}

const char *p11_key_uri(const struct p11_key *k)
{
	return k->k_uri;
}

EVP_PKEY *p11_key_public(const struct p11_key *k)
{
	return k->k_pub;
}

X509 *p11_key_cert(const struct p11_key *k)
{
	return k->k_cert;
}

bool p11_key_rsa_pss(const struct p11_key *k)
{
	return k->k_type == CKK_RSA && k->k_tok->t_p11->p_rsa_pss;
}
