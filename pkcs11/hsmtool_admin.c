/*
 * hsmtool_admin.c: the token-changing commands of palisade-hsm, on the
 * module's function list (PKCS#11 v2.40 5.4-5.8, 5.14): C_InitToken and
 * C_InitPIN, C_GenerateKeyPair with an explicit template (the private key
 * CKA_SENSITIVE and not CKA_EXTRACTABLE, so the token marks it
 * CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE), and C_CreateObject for
 * a certificate. The gateway itself never changes a token.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pkcs11/hsmtool.h"
#include "pkcs11/p11_int.h"
#include "util/err.h"

static int fail(const char *what, CK_RV rv)
{
	char b[48];

	fprintf(stderr, "palisade-hsm: %s: %s\n", what, p11_rv_name(rv, b, sizeof(b)));
	return 1;
}

/* Ask for the private value itself (CKA_VALUE of an EC key, the private
 * exponent of an RSA key): a sensitive key answers CKR_ATTRIBUTE_SENSITIVE
 * (v2.40 5.7, C_GetAttributeValue). */
static void key_value(const struct p11_key *k, char *out, size_t len)
{
	struct p11 *p = k->k_tok->t_p11;
	CK_ATTRIBUTE a = { k->k_type == CKK_RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE, NULL, 0 };
	struct p11_sess s;
	CK_RV rv;

	if (p11_pool_get(&k->k_tok->t_pool, p->p_wait_ms, &s) != 0) {
		snprintf(out, len, "no session");
		return;
	}
	rv = p->p_fn->C_GetAttributeValue(s.ss_h, atomic_load(&k->k_handle), &a, 1);
	p11_pool_put(&k->k_tok->t_pool, &s);
	if (rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
		snprintf(out, len, "READABLE (%lu bytes)", (unsigned long)a.ulValueLen);
	else
		p11_rv_name(rv, out, len);
}

void hsm_key_info(const struct p11_key *k, struct hsm_key_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	if (k->k_type == CKK_RSA)
		snprintf(ki->ki_type, sizeof(ki->ki_type), "RSA-%zu", k->k_size * 8);
	else
		snprintf(ki->ki_type, sizeof(ki->ki_type), "EC P-%zu",
			 k->k_size == 66 ? (size_t)521 : k->k_size * 8);
	ki->ki_sensitive = k->k_sensitive;
	ki->ki_extractable = k->k_extractable;
	ki->ki_always_sensitive = k->k_always_sensitive;
	ki->ki_never_extractable = k->k_never_extractable;
	ki->ki_always_auth = k->k_always_auth;
	key_value(k, ki->ki_value, sizeof(ki->ki_value));
}

/* The slot of the initialised token labelled label, or of the first
 * uninitialised one (label NULL). */
static int find_slot(struct p11 *p, const char *label, CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	CK_ULONG n = P11_SLOTS_MAX;
	char have[40];

	if (p->p_fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return GW_E_IO;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (p->p_fn->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		p11_text(have, sizeof(have), ti.label, sizeof(ti.label));
		if (label == NULL ? !(ti.flags & CKF_TOKEN_INITIALIZED)
				  : (ti.flags & CKF_TOKEN_INITIALIZED) && !strcmp(have, label)) {
			*slot = slots[i];
			return 0;
		}
	}
	return GW_E_NOTFOUND;
}

/* A read-write session on token, logged in as the user when asked. */
static int open_rw(struct p11 *p, const char *token, bool login, CK_SESSION_HANDLE *h)
{
	CK_SLOT_ID slot;
	CK_RV rv;

	if (find_slot(p, token, &slot) != 0) {
		fprintf(stderr, "palisade-hsm: no initialised token '%s'\n", token);
		return 1;
	}
	rv = p->p_fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, h);
	if (rv != CKR_OK)
		return fail("C_OpenSession", rv);
	if (login && p->p_has_pin && (rv = p11_login(p, *h, CKU_USER)) != CKR_OK &&
	    rv != CKR_USER_ALREADY_LOGGED_IN) {
		p->p_fn->C_CloseSession(*h);
		return fail("C_Login", rv);
	}
	return 0;
}

static int init_pin(struct p11 *p, const char *label, const uint8_t *so, size_t so_len)
{
	CK_SESSION_HANDLE h;
	CK_RV rv;
	int rc;

	if ((rc = open_rw(p, label, false, &h)) != 0)
		return rc;
	if ((rv = p->p_fn->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR)so, so_len)) != CKR_OK) {
		p->p_fn->C_CloseSession(h);
		return fail("C_Login (SO)", rv);
	}
	rv = p->p_fn->C_InitPIN(h, p->p_pin, p->p_pin_len);
	p->p_fn->C_Logout(h);
	p->p_fn->C_CloseSession(h);
	return rv == CKR_OK ? 0 : fail("C_InitPIN", rv);
}

int hsm_init_token(struct hsm_opts *o)
{
	struct p11 *p = o->ho_p11;
	CK_UTF8CHAR label[32];
	uint8_t *so = NULL;
	size_t so_len = 0;
	char why[256];
	CK_SLOT_ID slot;
	CK_RV rv;
	int rc = 1;

	if (!o->ho_label || !o->ho_so_pin_file || !p->p_has_pin || strlen(o->ho_label) > 32) {
		fprintf(stderr, "palisade-hsm: init-token needs --label (32 characters at most), "
				"--so-pin-file and --pin-file\n");
		return 2;
	}
	if (p11_pin_read(o->ho_so_pin_file, &so, &so_len, why, sizeof(why)) != 0) {
		fprintf(stderr, "palisade-hsm: %s\n", why);
		return 1;
	}
	if (find_slot(p, NULL, &slot) != 0) {
		fprintf(stderr, "palisade-hsm: no free (uninitialised) token\n");
		goto out;
	}
	memset(label, ' ', sizeof(label));
	memcpy(label, o->ho_label, strlen(o->ho_label));
	if ((rv = p->p_fn->C_InitToken(slot, so, so_len, label)) != CKR_OK) {
		rc = fail("C_InitToken", rv);
		goto out;
	}
	/* SoftHSM2 gives the new token a slot of its own: look again */
	p11_module_fini(p);
	if (p11_module_init(p, why, sizeof(why)) != 0) {
		fprintf(stderr, "palisade-hsm: %s\n", why);
		goto out;
	}
	rc = init_pin(p, o->ho_label, so, so_len);
out:
	p11_pin_free(so, so_len);
	return rc;
}

/* CKA_EC_PARAMS: the named curve's OID, DER. */
static size_t ec_params(const char *type, uint8_t *out)
{
	ASN1_OBJECT *obj =
		OBJ_nid2obj(!strcmp(type, "ec-p384") ? NID_secp384r1 : NID_X9_62_prime256v1);
	unsigned char *q = out;
	int n = i2d_ASN1_OBJECT(obj, &q);

	return n > 0 ? (size_t)n : 0;
}

static int key_exists(struct p11 *p, CK_SESSION_HANDLE h, const char *label, const uint8_t *id,
		      size_t id_len)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE byl[] = { { CKA_CLASS, &cls, sizeof(cls) },
			       { CKA_LABEL, (void *)label, strlen(label) } };
	CK_ATTRIBUTE byi[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_ID, (void *)id, id_len } };
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0, m = 0;

	if (p->p_fn->C_FindObjectsInit(h, byl, 2) == CKR_OK) {
		p->p_fn->C_FindObjects(h, &o, 1, &n);
		p->p_fn->C_FindObjectsFinal(h);
	}
	if (p->p_fn->C_FindObjectsInit(h, byi, 2) == CKR_OK) {
		p->p_fn->C_FindObjects(h, &o, 1, &m);
		p->p_fn->C_FindObjectsFinal(h);
	}
	return n + m > 0;
}

struct keygen_tmpl {
	CK_BBOOL yes, no, aa;
	CK_ULONG bits;
	CK_BYTE e[3];
	uint8_t params[16];
	CK_ATTRIBUTE pub[8], priv[12];
	CK_ULONG npub, npriv;
};

#define ADD(arr, n, t, p, l) ((arr)[(n)++] = (CK_ATTRIBUTE){ (t), (void *)(p), (l) })

static void keygen_template(struct hsm_opts *o, const uint8_t *id, size_t id_len, bool rsa,
			    struct keygen_tmpl *k)
{
	k->yes = CK_TRUE;
	k->no = CK_FALSE;
	k->aa = o->ho_always_auth ? CK_TRUE : CK_FALSE;
	memcpy(k->e, "\x01\x00\x01", 3); /* 65537 */
	k->bits = (CK_ULONG)atoi(o->ho_type + 4);
	ADD(k->pub, k->npub, CKA_TOKEN, &k->yes, 1);
	ADD(k->pub, k->npub, CKA_VERIFY, &k->yes, 1);
	ADD(k->pub, k->npub, CKA_LABEL, o->ho_label, strlen(o->ho_label));
	ADD(k->pub, k->npub, CKA_ID, id, id_len);
	if (rsa) {
		ADD(k->pub, k->npub, CKA_MODULUS_BITS, &k->bits, sizeof(k->bits));
		ADD(k->pub, k->npub, CKA_PUBLIC_EXPONENT, k->e, sizeof(k->e));
	} else {
		ADD(k->pub, k->npub, CKA_EC_PARAMS, k->params, ec_params(o->ho_type, k->params));
	}
	ADD(k->priv, k->npriv, CKA_TOKEN, &k->yes, 1);
	ADD(k->priv, k->npriv, CKA_PRIVATE, &k->yes, 1);
	ADD(k->priv, k->npriv, CKA_SENSITIVE, &k->yes, 1);
	ADD(k->priv, k->npriv, CKA_EXTRACTABLE, &k->no, 1);
	ADD(k->priv, k->npriv, CKA_SIGN, &k->yes, 1);
	ADD(k->priv, k->npriv, CKA_DECRYPT, &k->no, 1);
	ADD(k->priv, k->npriv, CKA_LABEL, o->ho_label, strlen(o->ho_label));
	ADD(k->priv, k->npriv, CKA_ID, id, id_len);
	if (o->ho_always_auth)
		ADD(k->priv, k->npriv, CKA_ALWAYS_AUTHENTICATE, &k->aa, 1);
}

int hsm_keygen(struct hsm_opts *o)
{
	static const char *const types[] = { "ec-p256", "ec-p384", "rsa-2048", "rsa-3072",
					     "rsa-4096" };
	struct p11 *p = o->ho_p11;
	struct keygen_tmpl k = { 0 };
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_SESSION_HANDLE h;
	uint8_t id[64];
	size_t id_len, i;
	CK_RV rv;
	int rc;

	for (i = 0; o->ho_type && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(o->ho_type, types[i]))
			break;
	if (!o->ho_token || !o->ho_label || !o->ho_id || !o->ho_type ||
	    i == sizeof(types) / sizeof(types[0]) || hsm_hex(o->ho_id, id, sizeof(id), &id_len)) {
		fprintf(stderr, "palisade-hsm: keygen needs --token, --label, --id HEX and --type "
				"ec-p256|ec-p384|rsa-2048|rsa-3072|rsa-4096\n");
		return 2;
	}
	if ((rc = open_rw(p, o->ho_token, true, &h)) != 0)
		return rc;
	if (key_exists(p, h, o->ho_label, id, id_len)) {
		fprintf(stderr, "palisade-hsm: token '%s' has a key labelled %s or with id %s\n",
			o->ho_token, o->ho_label, o->ho_id);
		p->p_fn->C_CloseSession(h);
		return 1;
	}
	keygen_template(o, id, id_len, o->ho_type[0] == 'r', &k);
	if (o->ho_type[0] == 'r')
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
	rv = p->p_fn->C_GenerateKeyPair(h, &mech, k.pub, k.npub, k.priv, k.npriv, &hpub, &hpriv);
	p->p_fn->C_CloseSession(h);
	if (rv != CKR_OK)
		return fail("C_GenerateKeyPair", rv);
	printf("pkcs11:token=%s;object=%s;type=private\n", o->ho_token, o->ho_label);
	return 0;
}

int hsm_import_cert(struct hsm_opts *o)
{
	struct p11 *p = o->ho_p11;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	unsigned char *der = NULL, *subj = NULL;
	CK_OBJECT_HANDLE obj;
	CK_SESSION_HANDLE h;
	uint8_t id[64];
	size_t id_len;
	X509 *x = NULL;
	FILE *f;
	int n, sn, rc = 1;
	CK_RV rv;

	if (!o->ho_token || !o->ho_label || !o->ho_id || !o->ho_cert ||
	    hsm_hex(o->ho_id, id, sizeof(id), &id_len)) {
		fprintf(stderr, "palisade-hsm: import-cert needs --token, --label, --id, --cert\n");
		return 2;
	}
	if ((f = fopen(o->ho_cert, "r")) != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x == NULL || (n = i2d_X509(x, &der)) <= 0 ||
	    (sn = i2d_X509_NAME(X509_get_subject_name(x), &subj)) <= 0) {
		fprintf(stderr, "palisade-hsm: %s: not a PEM certificate\n", o->ho_cert);
		goto out;
	}
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_LABEL, (void *)o->ho_label, strlen(o->ho_label) },
		{ CKA_ID, id, id_len },
		{ CKA_SUBJECT, subj, (CK_ULONG)sn },
		{ CKA_VALUE, der, (CK_ULONG)n },
	};
	if ((rc = open_rw(p, o->ho_token, true, &h)) != 0)
		goto out;
	rv = p->p_fn->C_CreateObject(h, t, sizeof(t) / sizeof(t[0]), &obj);
	p->p_fn->C_CloseSession(h);
	rc = rv == CKR_OK ? 0 : fail("C_CreateObject", rv);
out:
	OPENSSL_free(der);
	OPENSSL_free(subj);
	X509_free(x);
	return rc;
}
