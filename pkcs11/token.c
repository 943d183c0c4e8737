/*
 * token.c: finding the token a URI names among the module's slots (RFC
 * 7512 section 2.5: each path attribute compared with its CK_TOKEN_INFO,
 * CK_SLOT_INFO or CK_INFO field), and opening it: the session pool and
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

static bool slot_matches(const struct p11_uri *u, CK_SLOT_ID slot, const CK_SLOT_INFO *si,
			 const CK_TOKEN_INFO *ti)
{
	return field_eq(u->u_token_set, u->u_token, ti->label, sizeof(ti->label)) &&
	       field_eq(u->u_manuf_set, u->u_manuf, ti->manufacturerID,
			sizeof(ti->manufacturerID)) &&
	       field_eq(u->u_serial_set, u->u_serial, ti->serialNumber, sizeof(ti->serialNumber)) &&
	       field_eq(u->u_model_set, u->u_model, ti->model, sizeof(ti->model)) &&
	       field_eq(u->u_slot_desc_set, u->u_slot_desc, si->slotDescription,
			sizeof(si->slotDescription)) &&
	       field_eq(u->u_slot_manuf_set, u->u_slot_manuf, si->manufacturerID,
			sizeof(si->manufacturerID)) &&
	       (!u->u_slot_id_set || u->u_slot_id == slot);
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

/* Slots with a token present (v2.40 5.5: ask for the count, then fill;
 * the count may grow in between). */
static int slot_list(struct p11 *p, CK_SLOT_ID *slots, CK_ULONG *n)
{
	CK_RV rv;

	*n = P11_SLOTS_MAX;
	rv = p->p_fn->C_GetSlotList(CK_TRUE, slots, n);
	if (rv == CKR_BUFFER_TOO_SMALL)
		*n = P11_SLOTS_MAX; /* more than we look at: the first ones */
	return rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL ? 0 : GW_E_IO;
}

/* CK_TOKEN_INFO of an initialised, readable token; false to skip the slot. */
static bool slot_token(struct p11 *p, CK_SLOT_ID slot, CK_SLOT_INFO *si, CK_TOKEN_INFO *ti)
{
	char b[40];
	CK_RV rv;

	if (p->p_fn->C_GetSlotInfo(slot, si) != CKR_OK)
		return false;
	rv = p->p_fn->C_GetTokenInfo(slot, ti);
	if (rv != CKR_OK) {
		log_debug(LOG_SUB_P11, "pkcs11: slot %lu skipped: %s", (unsigned long)slot,
			  p11_rv_name(rv, b, sizeof(b)));
		return false;
	}
	if (!(ti->flags & CKF_TOKEN_INITIALIZED)) {
		log_debug(LOG_SUB_P11, "pkcs11: slot %lu skipped: token not initialised",
			  (unsigned long)slot);
		return false;
	}
	return true;
}

static void token_identity(struct p11_token *t, const CK_TOKEN_INFO *ti)
{
	p11_text(t->t_label, sizeof(t->t_label), ti->label, sizeof(ti->label));
	p11_text(t->t_serial, sizeof(t->t_serial), ti->serialNumber, sizeof(ti->serialNumber));
	p11_text(t->t_model, sizeof(t->t_model), ti->model, sizeof(ti->model));
	p11_text(t->t_manuf, sizeof(t->t_manuf), ti->manufacturerID, sizeof(ti->manufacturerID));
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
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	char seen[160] = "", one[64];
	unsigned matches = 0;
	CK_ULONG n;

	if (slot_list(p, slots, &n) != 0) {
		p11_why(why, why_len, "module %s: cannot list its slots", p->p_module);
		return GW_E_IO;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		struct p11_token t;
		CK_SLOT_INFO si;
		CK_TOKEN_INFO ti;

		if (!slot_token(p, slots[i], &si, &ti))
			continue;
		token_identity(&t, &ti);
		snprintf(one, sizeof(one), "%s'%s' (serial %s)", seen[0] ? ", " : "", t.t_label,
			 t.t_serial);
		if (strlen(seen) + strlen(one) < sizeof(seen))
			strcat(seen, one);
		if (!slot_matches(u, slots[i], &si, &ti))
			continue;
		if (matches++ == 0) {
			token_identity(found, &ti);
			atomic_store(&found->t_slot, slots[i]);
			found->t_flags = ti.flags;
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
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	CK_ULONG n;

	if (slot_list(p, slots, &n) != 0)
		return GW_E_IO;
	for (CK_ULONG i = 0; i < n; i++) {
		struct p11_token seen;
		CK_SLOT_INFO si;
		CK_TOKEN_INFO ti;

		if (!slot_token(p, slots[i], &si, &ti))
			continue;
		token_identity(&seen, &ti);
		if (same_identity(&seen, t)) {
			atomic_store(&t->t_slot, slots[i]);
			t->t_flags = ti.flags;
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
