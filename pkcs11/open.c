/*
 * open.c: bringing a token into service and noticing when it leaves.
 * Opening logs in once (PKCS#11 v2.40 5.6: the login state belongs to
 * the application and covers every session on the token), then fills the
 * session pool and notes which hash-and-sign mechanisms the token lists.
 * Tokens differ: a token without CKF_LOGIN_REQUIRED needs no PIN, one
 * with CKF_PROTECTED_AUTHENTICATION_PATH takes it on its own PIN pad
 * (C_Login with no PIN), and a wrong PIN is reported with what the token
 * says of the tries left and never retried.
 */
#include <stdio.h>
#include <string.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

bool p11_rv_is_loss(CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_DEVICE_REMOVED:
	case CKR_DEVICE_ERROR:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
	case CKR_USER_NOT_LOGGED_IN:
	case CKR_GENERAL_ERROR:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
	case CKR_SLOT_ID_INVALID:
		return true;
	default:
		return false;
	}
}

void p11_token_lost(struct p11_token *t, CK_RV rv, const char *what)
{
	int up = P11_TOKEN_READY;
	char b[40];

	if (!atomic_compare_exchange_strong(&t->t_state, &up, P11_TOKEN_LOST))
		return; /* already known (or refused) */
	atomic_fetch_add(&t->t_losses, 1);
	atomic_store(&t->t_logged_in, false);
	p11_pool_reset(&t->t_pool, NULL, NULL); /* the sessions died with it */
	p11_token_set_error(t, "%s: %s", what, p11_rv_name(rv, b, sizeof(b)));
	log_warn(LOG_SUB_P11,
		 "pkcs11: token '%s' lost (%s: %s): signatures fail until it is back; reopening",
		 t->t_label, what, b);
	p11_recover_kick(t->t_p11);
}

/* What the token says of the user PIN after a refusal (v2.40 3.3 flags). */
static const char *pin_tries(CK_FLAGS f)
{
	if (f & CKF_USER_PIN_LOCKED)
		return "; the token says the PIN is now locked";
	if (f & CKF_USER_PIN_FINAL_TRY)
		return "; the token says one more wrong PIN locks it";
	if (f & CKF_USER_PIN_COUNT_LOW)
		return "; the token says few tries are left";
	return "";
}

static int login_refused(struct p11_token *t, CK_RV rv, char *why, size_t why_len)
{
	struct p11 *p = t->t_p11;
	CK_TOKEN_INFO ti;
	CK_FLAGS f = 0;
	char b[40];

	/* direct: libp11 keeps the CK_TOKEN_INFO of its enumeration, and the
	 * tries-left flags change with this very refusal */
	if (p->p_fn->C_GetTokenInfo(atomic_load(&t->t_slot), &ti) == CKR_OK)
		f = ti.flags;
	atomic_store(&t->t_state, P11_TOKEN_REFUSED);
	p11_why(why, why_len,
		"token '%s' refused the PIN of the pin_file (%s)%s; not retried (tokens lock "
		"after a few wrong PINs): fix the PIN file and restart",
		t->t_label, p11_rv_name(rv, b, sizeof(b)), pin_tries(f));
	p11_token_set_error(t, "PIN refused: %s", b);
	return GW_E_AUTH;
}

/*
 * C_Login as the user through libp11 (PKCS11_login on its slot, in a
 * session of its own pool). The login belongs to the application, so our
 * sessions share it. libp11 wants the PIN as a C string: the PIN page is
 * zero-filled beyond the PIN and pin.c refuses a NUL inside it. libp11
 * keeps a copy in its slot (to log in again after a fork()) that we
 * cannot wipe ourselves: it lives until the slot is released
 * (p11_module_fini: recovery and p11_free). With no PIN file, NULL:
 * the token's PIN pad asks (protected authentication path).
 */
static CK_RV token_lib_login(struct p11_token *t)
{
	struct p11 *p = t->t_p11;
	PKCS11_SLOT *slot = p11_lib_slot(p, atomic_load(&t->t_slot));

	if (slot == NULL)
		return CKR_SLOT_ID_INVALID;
	if (p->p_has_pin && p->p_pin[p->p_pin_len] != '\0')
		return CKR_PIN_LEN_RANGE; /* cannot be: pin.c leaves room */
	if (PKCS11_login(slot, 0, p->p_has_pin ? (const char *)p->p_pin : NULL) < 0)
		return p11_lib_rv();
	return CKR_OK;
}

/* Log in, as the token wants it (h: a session of ours, unused by libp11's
 * login but kept open across it so the token stays in the same state). */
static int token_login(struct p11_token *t, CK_SESSION_HANDLE h, char *why, size_t why_len)
{
	struct p11 *p = t->t_p11;
	char b[40];
	CK_RV rv;

	if (t->t_flags & CKF_USER_PIN_LOCKED)
		return login_refused(t, CKR_PIN_LOCKED, why, why_len);
	if (!p->p_has_pin && !(t->t_flags & CKF_LOGIN_REQUIRED))
		return 0; /* a token without a user PIN */
	if (!p->p_has_pin && !(t->t_flags & CKF_PROTECTED_AUTHENTICATION_PATH)) {
		p11_why(why, why_len, "token '%s' needs a user PIN: set pkcs11.pin_file",
			t->t_label);
		return GW_E_INVAL;
	}
	(void)h;
	rv = token_lib_login(t);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		atomic_store(&t->t_logged_in, true);
		return 0;
	}
	if (rv == CKR_USER_PIN_NOT_INITIALIZED && !(t->t_flags & CKF_LOGIN_REQUIRED)) {
		log_info(LOG_SUB_P11, "pkcs11: token '%s' has no user PIN: not logging in",
			 t->t_label);
		return 0;
	}
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED ||
	    rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE)
		return login_refused(t, rv, why, why_len);
	p11_why(why, why_len, "token '%s': C_Login failed: %s", t->t_label,
		p11_rv_name(rv, b, sizeof(b)));
	return GW_E_IO;
}

/* The combined mechanisms the token lists for signing (v2.40 5.5). */
static void token_mechs(struct p11_token *t)
{
	struct p11 *p = t->t_p11;
	CK_SLOT_ID slot = atomic_load(&t->t_slot);
	uint32_t bits = 0;

	for (int c = 0; c < P11_C_MAX; c++) {
		CK_MECHANISM_INFO mi;
		CK_RV rv = p->p_fn->C_GetMechanismInfo(slot, p11_combined_mech(c), &mi);

		if (rv == CKR_OK && (mi.flags & CKF_SIGN))
			bits |= 1u << c;
		else if (rv != CKR_OK && rv != CKR_MECHANISM_INVALID)
			return; /* it cannot tell: find out when signing */
	}
	atomic_store(&t->t_mechs, bits);
	atomic_store(&t->t_mechs_known, true);
}

/* Sessions 2..n; a token may allow fewer than configured. */
static void token_fill(struct p11_token *t, uint32_t gen)
{
	struct p11 *p = t->t_p11;
	char b[40];

	for (unsigned i = 1; i < p->p_sessions; i++) {
		CK_SESSION_HANDLE h;
		CK_RV rv = p->p_fn->C_OpenSession(atomic_load(&t->t_slot), CKF_SERIAL_SESSION, NULL,
						  NULL, &h);

		if (rv != CKR_OK) {
			log_warn(LOG_SUB_P11, "pkcs11: token '%s': %u of %u sessions (%s)",
				 t->t_label, i, p->p_sessions, p11_rv_name(rv, b, sizeof(b)));
			return;
		}
		if (!p11_pool_add(&t->t_pool, h, gen))
			p->p_fn->C_CloseSession(h);
	}
}

int p11_token_open(struct p11_token *t, char *why, size_t why_len)
{
	struct p11 *p = t->t_p11;
	CK_SESSION_HANDLE h;
	uint32_t gen;
	char b[40];
	CK_RV rv;
	int r;

	gen = p11_pool_reset(&t->t_pool, NULL, NULL);
	rv = p->p_fn->C_OpenSession(atomic_load(&t->t_slot), CKF_SERIAL_SESSION, NULL, NULL, &h);
	if (rv != CKR_OK) {
		p11_why(why, why_len, "token '%s': C_OpenSession failed: %s", t->t_label,
			p11_rv_name(rv, b, sizeof(b)));
		return GW_E_IO;
	}
	if ((r = token_login(t, h, why, why_len)) != 0) {
		p->p_fn->C_CloseSession(h);
		return r;
	}
	if (!p11_pool_add(&t->t_pool, h, gen))
		p->p_fn->C_CloseSession(h);
	token_fill(t, gen);
	token_mechs(t);
	/* the sessions are usable; signers wait for READY, which the caller
	 * sets once the keys are known again */
	p11_pool_up(&t->t_pool);
	log_info(LOG_SUB_P11, "pkcs11: token '%s' (serial %s, slot %lu) open: %s, %u session(s)",
		 t->t_label, t->t_serial, (unsigned long)atomic_load(&t->t_slot),
		 atomic_load(&t->t_logged_in) ? "logged in" : "no login", p->p_sessions);
	return 0;
}
