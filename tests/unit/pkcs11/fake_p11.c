/*
 * fake_p11.c: a small PKCS#11 module for the unit tests, built as a shared
 * object and loaded by path like any vendor module. One token ("fake",
 * serial 0001) in slot 7 holding one private key (label "k", id 01) read
 * from the PEM file in $FAKEP11_KEY, its public key object (EC) and
 * optionally a certificate ($FAKEP11_CERT). It signs with OpenSSL; with
 * $FAKEP11_SIGN_DELAY_US each signature takes that long (a token across a
 * network, for tests/bench).
 *
 * It misbehaves on request, the way real tokens do (fake_p11_set()):
 * refusing chosen hash-and-sign mechanisms (listed or not), a key that
 * wants a context-specific login before each signature, a token without
 * a user PIN or with a PIN pad, extra slots whose token it does not
 * recognise, the token being pulled out, slow signatures, a session
 * limit. Counters (fake_p11_get()) let a test see what was called.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pkcs11/ck.h"

#include "fake_p11.h"

#define SLOT     7
#define MAX_SESS 128
#define PIN      "1234"
#define H_PRIV   1
#define H_PUB    2
#define H_CERT   3

struct fsess {
	bool open;
	bool finding;
	unsigned find_pos;
	CK_OBJECT_HANDLE found[3];
	unsigned nfound;
	bool signing;
	CK_MECHANISM_TYPE mech;
	CK_RSA_PKCS_PSS_PARAMS pss;
	bool ctx_logged;
};

static struct {
	pthread_mutex_t lock;
	bool init;
	EVP_PKEY *key;
	X509 *cert;
	struct fsess s[MAX_SESS];
	bool logged_in;
	long opt[FAKE_OPT_MAX];
	_Atomic long cnt[FAKE_CNT_MAX];
	_Atomic long busy;
	int pin_fails;
} F = { .lock = PTHREAD_MUTEX_INITIALIZER };

void fake_p11_set(enum fake_opt o, long v)
{
	pthread_mutex_lock(&F.lock);
	F.opt[o] = v;
	if (o == FAKE_REMOVED && v) {
		/* pulled out: sessions and login die */
		memset(F.s, 0, sizeof(F.s));
		F.logged_in = false;
	}
	pthread_mutex_unlock(&F.lock);
}

long fake_p11_get(enum fake_cnt c)
{
	return atomic_load(&F.cnt[c]);
}

void fake_p11_reset(void)
{
	pthread_mutex_lock(&F.lock);
	memset(F.opt, 0, sizeof(F.opt));
	F.opt[FAKE_LOGIN_REQUIRED] = 1;
	F.opt[FAKE_SENSITIVE] = 1;
	F.pin_fails = 0;
	for (int i = 0; i < FAKE_CNT_MAX; i++)
		atomic_store(&F.cnt[i], 0);
	pthread_mutex_unlock(&F.lock);
}

static bool removed(void)
{
	return F.opt[FAKE_REMOVED] != 0;
}

static void pad(unsigned char *dst, size_t n, const char *s)
{
	memset(dst, ' ', n);
	memcpy(dst, s, strlen(s) < n ? strlen(s) : n);
}

static CK_RV load_key(void)
{
	const char *kp = getenv("FAKEP11_KEY"), *cp = getenv("FAKEP11_CERT");
	FILE *f;

	if (kp == NULL || (f = fopen(kp, "r")) == NULL)
		return CKR_GENERAL_ERROR;
	F.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (cp != NULL && cp[0] && (f = fopen(cp, "r")) != NULL) {
		F.cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	return F.key ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV f_Initialize(void *args)
{
	CK_RV rv = CKR_OK;

	(void)args;
	pthread_mutex_lock(&F.lock);
	atomic_fetch_add(&F.cnt[FAKE_CNT_INIT], 1);
	if (F.opt[FAKE_INIT_RV] != 0)
		rv = (CK_RV)F.opt[FAKE_INIT_RV];
	else if (F.init)
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	else if ((rv = load_key()) == CKR_OK)
		F.init = true;
	/* for tests/bench: a token whose every signature takes this long */
	if (getenv("FAKEP11_SIGN_DELAY_US"))
		F.opt[FAKE_SIGN_DELAY_US] = atol(getenv("FAKEP11_SIGN_DELAY_US"));
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static CK_RV f_Finalize(void *r)
{
	(void)r;
	pthread_mutex_lock(&F.lock);
	EVP_PKEY_free(F.key);
	X509_free(F.cert);
	F.key = NULL;
	F.cert = NULL;
	memset(F.s, 0, sizeof(F.s));
	F.logged_in = false;
	F.init = false;
	pthread_mutex_unlock(&F.lock);
	return CKR_OK;
}

static CK_RV f_GetInfo(CK_INFO *i)
{
	memset(i, 0, sizeof(*i));
	i->cryptokiVersion.major = 2;
	i->cryptokiVersion.minor = 40;
	pad(i->manufacturerID, sizeof(i->manufacturerID), "Palisade tests");
	pad(i->libraryDescription, sizeof(i->libraryDescription), "fake module");
	i->libraryVersion.major = 1;
	return CKR_OK;
}

static CK_RV f_GetSlotList(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *n)
{
	CK_ULONG want = (CK_ULONG)F.opt[FAKE_EMPTY_SLOTS] + (removed() ? 0 : 1), i = 0;

	(void)present;
	if (!F.init)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (list == NULL) {
		*n = want;
		return CKR_OK;
	}
	if (*n < want) {
		*n = want;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (long e = 0; e < F.opt[FAKE_EMPTY_SLOTS]; e++)
		list[i++] = 100 + (CK_SLOT_ID)e;
	if (!removed())
		list[i++] = SLOT;
	*n = want;
	return CKR_OK;
}

static CK_RV f_GetSlotInfo(CK_SLOT_ID s, CK_SLOT_INFO *si)
{
	if (s != SLOT && (s < 100 || s >= 100 + (CK_SLOT_ID)F.opt[FAKE_EMPTY_SLOTS]))
		return CKR_SLOT_ID_INVALID;
	memset(si, 0, sizeof(*si));
	pad(si->slotDescription, sizeof(si->slotDescription), "fake slot");
	pad(si->manufacturerID, sizeof(si->manufacturerID), "Palisade tests");
	si->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
	return CKR_OK;
}

static CK_RV f_GetTokenInfo(CK_SLOT_ID s, CK_TOKEN_INFO *ti)
{
	if (s >= 100 && s < 100 + (CK_SLOT_ID)F.opt[FAKE_EMPTY_SLOTS])
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (s != SLOT)
		return CKR_SLOT_ID_INVALID;
	if (removed())
		return CKR_TOKEN_NOT_PRESENT;
	memset(ti, 0, sizeof(*ti));
	pad(ti->label, sizeof(ti->label), "fake");
	pad(ti->manufacturerID, sizeof(ti->manufacturerID), "Palisade tests");
	pad(ti->model, sizeof(ti->model), "fake");
	pad(ti->serialNumber, sizeof(ti->serialNumber), "0001");
	ti->flags = CKF_TOKEN_INITIALIZED | CKF_RNG;
	if (F.opt[FAKE_LOGIN_REQUIRED])
		ti->flags |= CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
	if (F.opt[FAKE_PIN_PAD])
		ti->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	if (F.pin_fails == 1)
		ti->flags |= CKF_USER_PIN_COUNT_LOW;
	if (F.pin_fails == 2)
		ti->flags |= CKF_USER_PIN_FINAL_TRY;
	if (F.pin_fails >= 3)
		ti->flags |= CKF_USER_PIN_LOCKED;
	ti->ulMaxSessionCount = MAX_SESS;
	return CKR_OK;
}

static const CK_MECHANISM_TYPE combined[12] = {
	CKM_SHA1_RSA_PKCS,       CKM_SHA256_RSA_PKCS,     CKM_SHA384_RSA_PKCS,
	CKM_SHA512_RSA_PKCS,     CKM_SHA1_RSA_PKCS_PSS,   CKM_SHA256_RSA_PKCS_PSS,
	CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS, CKM_ECDSA_SHA1,
	CKM_ECDSA_SHA256,        CKM_ECDSA_SHA384,        CKM_ECDSA_SHA512,
};

/* Refused: a combined mechanism whose bit is in FAKE_REFUSE. */
static bool mech_refused(CK_MECHANISM_TYPE m)
{
	for (int i = 0; i < 12; i++)
		if (combined[i] == m)
			return (F.opt[FAKE_REFUSE] >> i) & 1;
	return false;
}

static CK_RV f_GetMechanismList(CK_SLOT_ID s, CK_MECHANISM_TYPE *list, CK_ULONG *n)
{
	CK_MECHANISM_TYPE all[16];
	CK_ULONG k = 0;

	if (s != SLOT)
		return CKR_SLOT_ID_INVALID;
	for (int i = 0; i < 12; i++)
		if (F.opt[FAKE_REFUSE_LISTED] || !mech_refused(combined[i]))
			all[k++] = combined[i];
	all[k++] = CKM_RSA_PKCS;
	all[k++] = CKM_RSA_PKCS_PSS;
	all[k++] = CKM_ECDSA;
	if (list != NULL && *n < k) {
		*n = k;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (list != NULL)
		memcpy(list, all, k * sizeof(*all));
	*n = k;
	return CKR_OK;
}

static CK_RV f_GetMechanismInfo(CK_SLOT_ID s, CK_MECHANISM_TYPE m, CK_MECHANISM_INFO *mi)
{
	if (s != SLOT)
		return CKR_SLOT_ID_INVALID;
	if (mech_refused(m) && !F.opt[FAKE_REFUSE_LISTED])
		return CKR_MECHANISM_INVALID;
	memset(mi, 0, sizeof(*mi));
	mi->ulMinKeySize = 256;
	mi->ulMaxKeySize = 8192;
	mi->flags = CKF_SIGN | CKF_HW;
	return CKR_OK;
}

static CK_RV f_OpenSession(CK_SLOT_ID s, CK_FLAGS fl, void *app, CK_NOTIFY n, CK_SESSION_HANDLE *h)
{
	long open = 0;
	CK_RV rv = CKR_SESSION_COUNT;

	(void)fl;
	(void)app;
	(void)n;
	if (!F.init)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (s != SLOT)
		return CKR_SLOT_ID_INVALID;
	if (removed())
		return CKR_DEVICE_REMOVED;
	pthread_mutex_lock(&F.lock);
	for (int i = 1; i < MAX_SESS; i++)
		open += F.s[i].open;
	for (int i = 1; i < MAX_SESS; i++) {
		if (F.s[i].open || (F.opt[FAKE_SESSION_LIMIT] && open >= F.opt[FAKE_SESSION_LIMIT]))
			continue;
		memset(&F.s[i], 0, sizeof(F.s[i]));
		F.s[i].open = true;
		*h = (CK_SESSION_HANDLE)i;
		rv = CKR_OK;
		break;
	}
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static struct fsess *sess(CK_SESSION_HANDLE h, CK_RV *rv)
{
	if (!F.init) {
		*rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		return NULL;
	}
	if (removed()) {
		*rv = CKR_DEVICE_REMOVED;
		return NULL;
	}
	if (h == 0 || h >= MAX_SESS || !F.s[h].open) {
		*rv = CKR_SESSION_HANDLE_INVALID;
		return NULL;
	}
	*rv = CKR_OK;
	return &F.s[h];
}

static CK_RV f_CloseSession(CK_SESSION_HANDLE h)
{
	CK_RV rv;
	struct fsess *s;
	bool any = false;

	pthread_mutex_lock(&F.lock);
	if ((s = sess(h, &rv)) != NULL)
		s->open = false;
	for (int i = 1; i < MAX_SESS; i++)
		any |= F.s[i].open;
	if (!any) /* v2.40 5.6: the last session closed logs the user out */
		F.logged_in = false;
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static CK_RV f_CloseAllSessions(CK_SLOT_ID s)
{
	(void)s;
	pthread_mutex_lock(&F.lock);
	memset(F.s, 0, sizeof(F.s));
	F.logged_in = false;
	pthread_mutex_unlock(&F.lock);
	return CKR_OK;
}

static CK_RV f_Login(CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR *pin, CK_ULONG len)
{
	bool ok;
	CK_RV rv;
	struct fsess *s;

	pthread_mutex_lock(&F.lock);
	atomic_fetch_add(&F.cnt[who == CKU_CONTEXT_SPECIFIC ? FAKE_CNT_CTX_LOGIN : FAKE_CNT_LOGIN],
			 1);
	if ((s = sess(h, &rv)) == NULL)
		goto out;
	if (!F.opt[FAKE_LOGIN_REQUIRED]) {
		rv = CKR_USER_PIN_NOT_INITIALIZED;
		goto out;
	}
	if (F.pin_fails >= 3) {
		rv = CKR_PIN_LOCKED;
		goto out;
	}
	ok = F.opt[FAKE_PIN_PAD] ? pin == NULL
				 : pin != NULL && len == strlen(PIN) && !memcmp(pin, PIN, len);
	if (!ok) {
		F.pin_fails++;
		rv = CKR_PIN_INCORRECT;
		goto out;
	}
	F.pin_fails = 0;
	if (who == CKU_CONTEXT_SPECIFIC) {
		rv = s->signing ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
		s->ctx_logged = s->signing;
	} else {
		rv = F.logged_in ? CKR_USER_ALREADY_LOGGED_IN : CKR_OK;
		F.logged_in = true;
	}
out:
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static CK_RV f_Logout(CK_SESSION_HANDLE h)
{
	(void)h;
	F.logged_in = false;
	return CKR_OK;
}

/* ---- objects ---- */

static bool is_rsa(void)
{
	return EVP_PKEY_get_base_id(F.key) == EVP_PKEY_RSA;
}

static bool visible(CK_OBJECT_HANDLE o)
{
	if (o == H_CERT && F.cert == NULL)
		return false;
	if (o == H_PRIV)
		return F.logged_in || !F.opt[FAKE_LOGIN_REQUIRED];
	return o == H_PUB || o == H_CERT;
}

static size_t put_ulong(uint8_t *out, CK_ULONG v)
{
	memcpy(out, &v, sizeof(v));
	return sizeof(v);
}

static size_t put_bool(uint8_t *out, bool v)
{
	out[0] = v ? CK_TRUE : CK_FALSE;
	return 1;
}

static size_t put_bn(uint8_t *out, const char *name)
{
	BIGNUM *bn = NULL;
	size_t n = 0;

	if (EVP_PKEY_get_bn_param(F.key, name, &bn))
		n = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
	return n;
}

static size_t put_ec_params(uint8_t *out)
{
	char group[64];
	size_t gl;
	ASN1_OBJECT *obj;
	unsigned char *q = out;
	int n;

	if (!EVP_PKEY_get_utf8_string_param(F.key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    &gl) ||
	    (obj = OBJ_txt2obj(group, 0)) == NULL)
		return 0;
	n = i2d_ASN1_OBJECT(obj, &q);
	ASN1_OBJECT_free(obj);
	return n > 0 ? (size_t)n : 0;
}

static size_t put_ec_point(uint8_t *out)
{
	uint8_t pt[200];
	size_t len = 0;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	unsigned char *q = out;
	int n = 0;

	if (EVP_PKEY_get_octet_string_param(F.key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len) &&
	    os != NULL && ASN1_OCTET_STRING_set(os, pt, (int)len))
		n = i2d_ASN1_OCTET_STRING(os, &q);
	ASN1_OCTET_STRING_free(os);
	return n > 0 ? (size_t)n : 0;
}

/* The value of attribute a of object o into out (4096 bytes); false: none. */
static bool attr(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE a, uint8_t *out, size_t *len)
{
	bool imported = F.opt[FAKE_IMPORTED] != 0;
	unsigned char *q = out;

	switch (a) {
	case CKA_CLASS:
		*len = put_ulong(out, o == H_PRIV  ? CKO_PRIVATE_KEY
				      : o == H_PUB ? CKO_PUBLIC_KEY
						   : CKO_CERTIFICATE);
		return true;
	case CKA_LABEL:
		memcpy(out, "k", 1);
		*len = 1;
		return true;
	case CKA_ID:
		out[0] = 1;
		*len = 1;
		return true;
	case CKA_KEY_TYPE:
		*len = put_ulong(out, is_rsa() ? CKK_RSA : CKK_EC);
		return o != H_CERT;
	case CKA_CERTIFICATE_TYPE:
		*len = put_ulong(out, CKC_X_509);
		return o == H_CERT;
	case CKA_VALUE:
		if (o != H_CERT)
			return false;
		*len = (size_t)i2d_X509(F.cert, &q);
		return true;
	case CKA_SIGN:
		*len = put_bool(out, true);
		return o == H_PRIV;
	case CKA_SENSITIVE:
		*len = put_bool(out, F.opt[FAKE_SENSITIVE]);
		return o == H_PRIV;
	case CKA_EXTRACTABLE:
		*len = put_bool(out, F.opt[FAKE_EXTRACTABLE]);
		return o == H_PRIV;
	case CKA_ALWAYS_SENSITIVE:
		*len = put_bool(out, F.opt[FAKE_SENSITIVE] && !imported);
		return o == H_PRIV;
	case CKA_NEVER_EXTRACTABLE:
		*len = put_bool(out, !F.opt[FAKE_EXTRACTABLE] && !imported);
		return o == H_PRIV;
	case CKA_ALWAYS_AUTHENTICATE:
		*len = put_bool(out, F.opt[FAKE_ALWAYS_AUTH]);
		return o == H_PRIV && !F.opt[FAKE_NO_AA_ATTR];
	case CKA_MODULUS:
		*len = put_bn(out, OSSL_PKEY_PARAM_RSA_N);
		return o != H_CERT && is_rsa();
	case CKA_PUBLIC_EXPONENT:
		*len = put_bn(out, OSSL_PKEY_PARAM_RSA_E);
		return o != H_CERT && is_rsa();
	case CKA_EC_PARAMS:
		*len = put_ec_params(out);
		return o != H_CERT && !is_rsa();
	case CKA_EC_POINT:
		*len = put_ec_point(out);
		return o == H_PUB && !is_rsa() && !F.opt[FAKE_NO_PUBKEY];
	default:
		return false;
	}
}

static CK_RV f_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *t,
				 CK_ULONG n)
{
	static _Thread_local uint8_t buf[4096];
	CK_RV rv, res = CKR_OK;
	size_t len;

	if (sess(h, &rv) == NULL)
		return rv;
	if (o < H_PRIV || o > H_CERT || !visible(o))
		return CKR_OBJECT_HANDLE_INVALID;
	for (CK_ULONG i = 0; i < n; i++) {
		if (!attr(o, t[i].type, buf, &len)) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			res = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (t[i].pValue == NULL) {
			t[i].ulValueLen = len;
		} else if (t[i].ulValueLen < len) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			res = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy(t[i].pValue, buf, len);
			t[i].ulValueLen = len;
		}
	}
	return res;
}

static bool obj_matches(CK_OBJECT_HANDLE o, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	static _Thread_local uint8_t buf[4096];
	size_t len;

	if (!visible(o))
		return false;
	for (CK_ULONG i = 0; i < n; i++)
		if (!attr(o, t[i].type, buf, &len) || len != t[i].ulValueLen ||
		    memcmp(buf, t[i].pValue, len) != 0)
			return false;
	return true;
}

static CK_RV f_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG n)
{
	struct fsess *s;
	CK_RV rv;

	pthread_mutex_lock(&F.lock);
	if ((s = sess(h, &rv)) != NULL) {
		s->nfound = 0;
		s->find_pos = 0;
		s->finding = true;
		for (CK_OBJECT_HANDLE o = H_PRIV; o <= H_CERT; o++)
			if (obj_matches(o, t, n))
				s->found[s->nfound++] = o;
	}
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static CK_RV f_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *n)
{
	struct fsess *s;
	CK_RV rv;

	pthread_mutex_lock(&F.lock);
	*n = 0;
	if ((s = sess(h, &rv)) != NULL && !s->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	while (rv == CKR_OK && *n < max && s->find_pos < s->nfound)
		out[(*n)++] = s->found[s->find_pos++];
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static CK_RV f_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct fsess *s;
	CK_RV rv;

	pthread_mutex_lock(&F.lock);
	if ((s = sess(h, &rv)) != NULL)
		s->finding = false;
	pthread_mutex_unlock(&F.lock);
	return rv;
}

/* ---- signing ---- */

static bool mech_known(CK_MECHANISM_TYPE m)
{
	for (int i = 0; i < 12; i++)
		if (combined[i] == m)
			return true;
	return m == CKM_RSA_PKCS || m == CKM_RSA_PKCS_PSS || m == CKM_ECDSA;
}

static CK_RV f_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM *m, CK_OBJECT_HANDLE k)
{
	struct fsess *s;
	CK_RV rv;

	pthread_mutex_lock(&F.lock);
	if ((s = sess(h, &rv)) == NULL)
		goto out;
	if (s->signing) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if (k != H_PRIV || !visible(k)) {
		rv = CKR_KEY_HANDLE_INVALID;
		goto out;
	}
	if (!mech_known(m->mechanism) || mech_refused(m->mechanism)) {
		atomic_fetch_add(&F.cnt[FAKE_CNT_REFUSED], 1);
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	s->mech = m->mechanism;
	if (m->ulParameterLen == sizeof(s->pss) && m->pParameter)
		memcpy(&s->pss, m->pParameter, sizeof(s->pss));
	s->signing = true;
	s->ctx_logged = false;
out:
	pthread_mutex_unlock(&F.lock);
	return rv;
}

static const EVP_MD *md_of(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_SHA_1:
	case CKM_SHA1_RSA_PKCS:
	case CKM_SHA1_RSA_PKCS_PSS:
	case CKM_ECDSA_SHA1:
		return EVP_sha1();
	case CKM_SHA256:
	case CKM_SHA256_RSA_PKCS:
	case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_ECDSA_SHA256:
		return EVP_sha256();
	case CKM_SHA384:
	case CKM_SHA384_RSA_PKCS:
	case CKM_SHA384_RSA_PKCS_PSS:
	case CKM_ECDSA_SHA384:
		return EVP_sha384();
	case CKM_SHA512:
	case CKM_SHA512_RSA_PKCS:
	case CKM_SHA512_RSA_PKCS_PSS:
	case CKM_ECDSA_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static bool is_pss(CK_MECHANISM_TYPE m)
{
	return m == CKM_RSA_PKCS_PSS ||
	       (m >= CKM_SHA256_RSA_PKCS_PSS && m <= CKM_SHA512_RSA_PKCS_PSS) ||
	       m == CKM_SHA1_RSA_PKCS_PSS;
}

/* OpenSSL signs; ECDSA comes back DER and leaves as r | s (v2.40 2.3.1). */
static CK_RV do_sign(const struct fsess *s, const uint8_t *in, size_t len, uint8_t *out,
		     size_t *olen)
{
	bool raw = s->mech == CKM_RSA_PKCS || s->mech == CKM_RSA_PKCS_PSS || s->mech == CKM_ECDSA;
	const EVP_MD *md = md_of(raw ? s->pss.hashAlg : s->mech);
	uint8_t der[600], dg[64];
	size_t dlen = sizeof(der);
	unsigned dglen = 0;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(F.key, NULL);
	CK_RV rv = CKR_FUNCTION_FAILED;
	bool ec = !is_rsa();

	if (c == NULL || EVP_PKEY_sign_init(c) != 1)
		goto out;
	if (!raw) { /* hash-and-sign: the token hashes */
		EVP_Digest(in, len, dg, &dglen, md, NULL);
		in = dg;
		len = dglen;
	}
	if (s->mech == CKM_RSA_PKCS) { /* the DigestInfo comes in */
		EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
	} else if (!ec && !is_pss(s->mech)) {
		EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
		EVP_PKEY_CTX_set_signature_md(c, md);
	} else if (is_pss(s->mech)) {
		if (md == NULL || len != (size_t)EVP_MD_get_size(md))
			goto out;
		EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_signature_md(c, md);
		EVP_PKEY_CTX_set_rsa_mgf1_md(c, md);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(c, (int)s->pss.sLen);
	}
	if (EVP_PKEY_sign(c, ec ? der : out, ec ? &dlen : olen, in, len) != 1)
		goto out;
	rv = CKR_OK;
	if (ec) {
		const unsigned char *q = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dlen);
		int n = (EVP_PKEY_get_bits(F.key) + 7) / 8;

		if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), out, n) != n ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), out + n, n) != n)
			rv = CKR_FUNCTION_FAILED;
		*olen = 2 * (size_t)n;
		ECDSA_SIG_free(es);
	}
out:
	EVP_PKEY_CTX_free(c);
	return rv;
}

static void slow(void)
{
	long now = atomic_fetch_add(&F.busy, 1) + 1, max;

	while ((max = atomic_load(&F.cnt[FAKE_CNT_MAX_BUSY])) < now &&
	       !atomic_compare_exchange_weak(&F.cnt[FAKE_CNT_MAX_BUSY], &max, now))
		;
	if (F.opt[FAKE_SIGN_DELAY_US])
		usleep((useconds_t)F.opt[FAKE_SIGN_DELAY_US]);
	atomic_fetch_sub(&F.busy, 1);
}

static CK_RV f_Sign(CK_SESSION_HANDLE h, CK_BYTE *in, CK_ULONG len, CK_BYTE *out, CK_ULONG *olen)
{
	uint8_t sig[1100];
	size_t slen = sizeof(sig);
	struct fsess copy, *s;
	CK_RV rv;

	pthread_mutex_lock(&F.lock);
	if ((s = sess(h, &rv)) != NULL && !s->signing)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv == CKR_OK && F.opt[FAKE_ALWAYS_AUTH] && !s->ctx_logged) {
		s->signing = false;
		rv = CKR_USER_NOT_LOGGED_IN;
	}
	if (rv == CKR_OK) {
		copy = *s;
		s->signing = false;
	}
	pthread_mutex_unlock(&F.lock);
	if (rv != CKR_OK)
		return rv;
	slow();
	if ((rv = do_sign(&copy, in, len, sig, &slen)) != CKR_OK)
		return rv;
	if (out == NULL || *olen < slen) {
		*olen = slen;
		return out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	}
	memcpy(out, sig, slen);
	*olen = slen;
	atomic_fetch_add(&F.cnt[copy.mech == CKM_RSA_PKCS || copy.mech == CKM_RSA_PKCS_PSS ||
						copy.mech == CKM_ECDSA
					? FAKE_CNT_SIGN_RAW
					: FAKE_CNT_SIGN_COMBINED],
			 1);
	return CKR_OK;
}

/* ---- the function list ---- */

static CK_RV f_unsupported(void)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV f_GetFunctionList(CK_FUNCTION_LIST **out);

static CK_FUNCTION_LIST fl;

static void fl_fill(void)
{
	void **slot = (void **)&fl.C_Initialize;
	size_t n = (sizeof(fl) - offsetof(CK_FUNCTION_LIST, C_Initialize)) / sizeof(void *);

	for (size_t i = 0; i < n; i++)
		slot[i] = (void *)f_unsupported;
	fl.version.major = 2;
	fl.version.minor = 40;
	fl.C_Initialize = f_Initialize;
	fl.C_Finalize = f_Finalize;
	fl.C_GetInfo = f_GetInfo;
	fl.C_GetFunctionList = f_GetFunctionList;
	fl.C_GetSlotList = f_GetSlotList;
	fl.C_GetSlotInfo = f_GetSlotInfo;
	fl.C_GetTokenInfo = f_GetTokenInfo;
	fl.C_GetMechanismList = f_GetMechanismList;
	fl.C_GetMechanismInfo = f_GetMechanismInfo;
	fl.C_OpenSession = f_OpenSession;
	fl.C_CloseSession = f_CloseSession;
	fl.C_CloseAllSessions = f_CloseAllSessions;
	fl.C_Login = f_Login;
	fl.C_Logout = f_Logout;
	fl.C_GetAttributeValue = f_GetAttributeValue;
	fl.C_FindObjectsInit = f_FindObjectsInit;
	fl.C_FindObjects = f_FindObjects;
	fl.C_FindObjectsFinal = f_FindObjectsFinal;
	fl.C_SignInit = f_SignInit;
	fl.C_Sign = f_Sign;
}

static CK_RV f_GetFunctionList(CK_FUNCTION_LIST **out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (fl.C_Initialize == NULL) {
		fl_fill();
		fake_p11_reset();
	}
	*out = &fl;
	return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	return f_GetFunctionList(out);
}
