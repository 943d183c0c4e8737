/*
 * token.c: finding the token a URI names among the module's slots (RFC
 * 7512 section 2.5: each path attribute compared with its CK_TOKEN_INFO,
 * CK_SLOT_INFO or CK_INFO field; the slots and their token fields as
 * libp11 read them, CK_INFO's version by C_GetInfo, which libp11 does
 * not keep), and opening it: the session pool and
 * the login (PKCS#11 v2.40 5.6: one C_Login logs in every session of the
 * application on that token). Slots whose token the module cannot read
 * (CKR_TOKEN_NOT_RECOGNIZED, an uninitialised token, as SoftHSM2 always
 * offers one) are skipped quietly. A refused PIN is never tried again:
 * tokens lock after a few wrong ones.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

static const CK_MECHANISM_TYPE combined_mechs[P11_C_MAX] = {
	CKM_SHA1_RSA_PKCS,       CKM_SHA256_RSA_PKCS,     CKM_SHA384_RSA_PKCS,
	CKM_SHA512_RSA_PKCS,     CKM_SHA1_RSA_PKCS_PSS,   CKM_SHA256_RSA_PKCS_PSS,
	CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS, CKM_ECDSA_SHA1,
	CKM_ECDSA_SHA256,        CKM_ECDSA_SHA384,        CKM_ECDSA_SHA512,
};

CK_MECHANISM_TYPE p11_combined_mech(enum p11_combined c)
{
	return combined_mechs[c];
}

void p11_token_set_error(struct p11_token *t, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&t->t_lock);
	va_start(ap, fmt);
	vsnprintf(t->t_last_error, sizeof(t->t_last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&t->t_lock);
}

CK_RV p11_login(struct p11 *p, CK_SESSION_HANDLE h, CK_USER_TYPE who)
{
	if (!p->p_has_pin) /* protected authentication path: the reader asks */
		return p->p_fn->C_Login(h, who, NULL, 0);
	return p->p_fn->C_Login(h, who, p->p_pin, p->p_pin_len);
}

/* Text attribute of the URI against a blank-padded field. */
static bool field_eq(bool set, const char *want, const unsigned char *field, size_t len)
{
	size_t n = len;

	if (!set)
		return true;
	while (n > 0 && field[n - 1] == ' ')
		n--;
	return strlen(want) == n && memcmp(want, field, n) == 0;
}

/* A libp11 string (blanks at the end already cut) against the URI's. */
static bool lib_eq(bool set, const char *want, const char *have)
{
	return !set || (have != NULL && strcmp(want, have) == 0);
}

static bool slot_matches(const struct p11_uri *u, CK_SLOT_ID id, const PKCS11_SLOT *slot)
{
	const PKCS11_TOKEN *tk = slot->token;

	return lib_eq(u->u_token_set, u->u_token, tk->label) &&
	       lib_eq(u->u_manuf_set, u->u_manuf, tk->manufacturer) &&
	       lib_eq(u->u_serial_set, u->u_serial, tk->serialnr) &&
	       lib_eq(u->u_model_set, u->u_model, tk->model) &&
	       lib_eq(u->u_slot_desc_set, u->u_slot_desc, slot->description) &&
	       lib_eq(u->u_slot_manuf_set, u->u_slot_manuf, slot->manufacturer) &&
	       (!u->u_slot_id_set || u->u_slot_id == id);
}

/* Library attributes and module-path/-name against the module we have. */
static int module_matches(struct p11 *p, const struct p11_uri *u, char *why, size_t why_len)
{
	const char *base = strrchr(p->p_module, '/');
	char want[P11_ATTR_MAX + 8];
	CK_INFO info;

	base = base ? base + 1 : p->p_module;
	if (u->u_module_path_set && strcmp(u->u_module_path, p->p_module) != 0) {
		p11_why(why, why_len, "its module-path is not the module of gateway.json (%s)",
			p->p_module);
		return GW_E_INVAL;
	}
	/* module-name (2.3): the name without "lib" and ".so" */
	snprintf(want, sizeof(want), "lib%s.so", u->u_module_name);
	if (u->u_module_name_set && strcmp(base, want) != 0 && strcmp(base, want + 3) != 0) {
		p11_why(why, why_len, "its module-name is not the module of gateway.json (%s)",
			p->p_module);
		return GW_E_INVAL;
	}
	if (!u->u_lib_manuf_set && !u->u_lib_desc_set && u->u_lib_ver_major < 0)
		return 0;
	if (p->p_fn->C_GetInfo(&info) != CKR_OK ||
	    !field_eq(u->u_lib_manuf_set, u->u_lib_manuf, info.manufacturerID,
		      sizeof(info.manufacturerID)) ||
	    !field_eq(u->u_lib_desc_set, u->u_lib_desc, info.libraryDescription,
		      sizeof(info.libraryDescription)) ||
	    (u->u_lib_ver_major >= 0 && info.libraryVersion.major != u->u_lib_ver_major) ||
	    (u->u_lib_ver_minor >= 0 && info.libraryVersion.minor != u->u_lib_ver_minor)) {
		p11_why(why, why_len, "its library attributes do not match module %s", p->p_module);
		return GW_E_NOTFOUND;
	}
	return 0;
}

/*
 * libp11's slots (C_GetSlotList, then each slot's CK_SLOT_INFO and
 * CK_TOKEN_INFO). Read again while no token is open, so the first key
 * sees the tokens of now; once one is open, its libp11 slot holds the
 * login and libp11's session, so the list stays as it is until the next
 * module reload (recovery), and a token that arrives in between is found
 * after that. Not PKCS11_update_slots(): in libp11 0.4.12 a login on a
 * slot it kept crashes (seen here with both modules). Called under
 * p_open_lock only: never on the sign path.
 */
static int lib_slots(struct p11 *p)
{
	if (p->p_tokens != NULL)
		return 0;
	if (p->p_slots != NULL)
		PKCS11_release_all_slots(p->p_ctx, p->p_slots, p->p_nslots);
	p->p_slots = NULL;
	p->p_nslots = 0;
	if (PKCS11_enumerate_slots(p->p_ctx, &p->p_slots, &p->p_nslots) < 0) {
		ERR_clear_error();
		return GW_E_IO;
	}
	return 0;
}

/* An initialised token libp11 could read; false to skip the slot (no
 * token, CKR_TOKEN_NOT_RECOGNIZED, or an uninitialised one, as SoftHSM2
 * always offers). */
static bool slot_token(const PKCS11_SLOT *slot)
{
	if (slot->token == NULL || !slot->token->initialized) {
		log_debug(LOG_SUB_P11, "pkcs11: slot %lu skipped: no initialised token",
			  PKCS11_get_slotid_from_slot((PKCS11_SLOT *)slot));
		return false;
	}
	return true;
}

static void lib_text(char *out, size_t outsz, const char *in)
{
	p11_text(out, outsz, (const unsigned char *)(in ? in : ""), in ? strlen(in) : 0);
}

/* What open.c needs of CK_TOKEN_INFO.flags, from libp11's copy. */
static CK_FLAGS lib_flags(const PKCS11_TOKEN *tk)
{
	CK_FLAGS f = CKF_TOKEN_INITIALIZED;

	if (tk->loginRequired)
		f |= CKF_LOGIN_REQUIRED;
	if (tk->secureLogin)
		f |= CKF_PROTECTED_AUTHENTICATION_PATH;
	if (tk->userPinLocked)
		f |= CKF_USER_PIN_LOCKED;
	if (tk->userPinFinalTry)
		f |= CKF_USER_PIN_FINAL_TRY;
	if (tk->userPinCountLow)
		f |= CKF_USER_PIN_COUNT_LOW;
	return f;
}

static void token_identity(struct p11_token *t, const PKCS11_TOKEN *tk)
{
	lib_text(t->t_label, sizeof(t->t_label), tk->label);
	lib_text(t->t_serial, sizeof(t->t_serial), tk->serialnr);
	lib_text(t->t_model, sizeof(t->t_model), tk->model);
	lib_text(t->t_manuf, sizeof(t->t_manuf), tk->manufacturer);
}

static bool same_identity(const struct p11_token *a, const struct p11_token *b)
{
	return !strcmp(a->t_label, b->t_label) && !strcmp(a->t_serial, b->t_serial) &&
	       !strcmp(a->t_model, b->t_model) && !strcmp(a->t_manuf, b->t_manuf);
}

/* The one slot whose token matches u; why lists what was seen otherwise. */
static int slot_find(struct p11 *p, const struct p11_uri *u, struct p11_token *found, char *why,
		     size_t why_len)
{
	char seen[160] = "", one[64];
	unsigned matches = 0;

	if (lib_slots(p) != 0) {
		p11_why(why, why_len, "module %s: cannot list its slots", p->p_module);
		return GW_E_IO;
	}
	for (unsigned i = 0; i < p->p_nslots; i++) {
		PKCS11_SLOT *slot = &p->p_slots[i];
		CK_SLOT_ID id = PKCS11_get_slotid_from_slot(slot);
		struct p11_token t;

		if (!slot_token(slot))
			continue;
		token_identity(&t, slot->token);
		snprintf(one, sizeof(one), "%s'%s' (serial %s)", seen[0] ? ", " : "", t.t_label,
			 t.t_serial);
		if (strlen(seen) + strlen(one) < sizeof(seen))
			strcat(seen, one);
		if (!slot_matches(u, id, slot))
			continue;
		if (matches++ == 0) {
			token_identity(found, slot->token);
			atomic_store(&found->t_slot, id);
			found->t_flags = lib_flags(slot->token);
		}
	}
	if (matches == 1)
		return 0;
	if (matches == 0)
		p11_why(why, why_len, "no token matches it (tokens: %s)", seen[0] ? seen : "none");
	else
		p11_why(why, why_len, "it matches %u tokens (%s): add token= or serial=", matches,
			seen);
	return matches == 0 ? GW_E_NOTFOUND : GW_E_INVAL;
}

int p11_token_find_slot(struct p11_token *t)
{
	struct p11 *p = t->t_p11;

	if (lib_slots(p) != 0)
		return GW_E_IO;
	for (unsigned i = 0; i < p->p_nslots; i++) {
		PKCS11_SLOT *slot = &p->p_slots[i];
		struct p11_token seen;

		if (!slot_token(slot))
			continue;
		token_identity(&seen, slot->token);
		if (same_identity(&seen, t)) {
			atomic_store(&t->t_slot, PKCS11_get_slotid_from_slot(slot));
			t->t_flags = lib_flags(slot->token);
			return 0;
		}
	}
	return GW_E_NOTFOUND;
}

static struct p11_token *token_alloc(struct p11 *p)
{
	struct p11_token *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->t_p11 = p;
	atomic_init(&t->t_state, P11_TOKEN_LOST);
	p11_pool_init(&t->t_pool);
	pthread_mutex_init(&t->t_lock, NULL);
	t->t_rl.rl_burst = 5;
	return t;
}

void p11_token_free(struct p11_token *t)
{
	if (t == NULL)
		return;
	p11_pool_destroy(&t->t_pool);
	pthread_mutex_destroy(&t->t_lock);
	free(t);
}

int p11_token_get(struct p11 *p, const struct p11_uri *u, const char *uri, struct p11_token **out,
		  char *why, size_t why_len)
{
	struct p11_token *t = token_alloc(p), *have;
	int r;

	if (t == NULL)
		return GW_E_NOMEM;
	if ((r = module_matches(p, u, why, why_len)) != 0 ||
	    (r = slot_find(p, u, t, why, why_len)) != 0)
		goto fail;
	pthread_mutex_lock(&p->p_lock);
	for (have = p->p_tokens; have != NULL && !same_identity(have, t); have = have->t_next)
		;
	pthread_mutex_unlock(&p->p_lock);
	if (have != NULL) {
		p11_token_free(t);
		*out = have;
		if (atomic_load(&have->t_state) == P11_TOKEN_REFUSED) {
			p11_why(why, why_len, "token '%s' refused the PIN before: not tried again",
				have->t_label);
			return GW_E_AUTH;
		}
		return 0;
	}
	if ((r = p11_token_open(t, why, why_len)) == 0)
		atomic_store(&t->t_state, P11_TOKEN_READY);
	/* kept even when refused: the PIN is then never tried again */
	if (r == 0 || atomic_load(&t->t_state) == P11_TOKEN_REFUSED) {
		pthread_mutex_lock(&p->p_lock);
		t->t_next = p->p_tokens;
		p->p_tokens = t;
		pthread_mutex_unlock(&p->p_lock);
		*out = t;
		return r;
	}
fail:
	p11_token_free(t);
	(void)uri;
	return r;
}
