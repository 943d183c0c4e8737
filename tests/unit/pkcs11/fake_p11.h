/*
 * fake_p11.h: the controls of the fake PKCS#11 module (fake_p11.c). A test
 * reaches them with dlsym() on the handle of the loaded module.
 */
#ifndef PAL_TESTS_FAKE_P11_H
#define PAL_TESTS_FAKE_P11_H

enum fake_opt {
	FAKE_REFUSE,         /* bit i: refuse combined mechanism i (sha1..512 x rsa, pss, ecdsa) */
	FAKE_REFUSE_LISTED,  /* refused mechanisms still listed (refused at C_SignInit only) */
	FAKE_ALWAYS_AUTH,    /* the key wants a context-specific login per signature */
	FAKE_NO_AA_ATTR,     /* CKA_ALWAYS_AUTHENTICATE unknown to the module */
	FAKE_LOGIN_REQUIRED, /* 0: a token without a user PIN */
	FAKE_PIN_PAD,        /* CKF_PROTECTED_AUTHENTICATION_PATH: C_Login without PIN */
	FAKE_EMPTY_SLOTS,    /* slots whose token is CKR_TOKEN_NOT_RECOGNIZED */
	FAKE_REMOVED,        /* the token is pulled out */
	FAKE_SENSITIVE,      /* CKA_SENSITIVE (default 1) */
	FAKE_EXTRACTABLE,    /* CKA_EXTRACTABLE */
	FAKE_IMPORTED,       /* CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE false */
	FAKE_NO_PUBKEY,      /* no CKA_EC_POINT on the public key object */
	FAKE_SIGN_DELAY_US,  /* each C_Sign takes this long */
	FAKE_SESSION_LIMIT,  /* CKR_SESSION_COUNT beyond this many sessions */
	FAKE_INIT_RV,        /* C_Initialize fails with this CKR_* code */
	FAKE_OPT_MAX
};

enum fake_cnt {
	FAKE_CNT_INIT,          /* C_Initialize calls */
	FAKE_CNT_LOGIN,         /* C_Login CKU_USER */
	FAKE_CNT_CTX_LOGIN,     /* C_Login CKU_CONTEXT_SPECIFIC */
	FAKE_CNT_REFUSED,       /* C_SignInit refusals */
	FAKE_CNT_SIGN_COMBINED, /* signatures by a hash-and-sign mechanism */
	FAKE_CNT_SIGN_RAW,      /* signatures over a digest */
	FAKE_CNT_MAX_BUSY,      /* most C_Sign calls running at once */
	FAKE_CNT_MAX
};

void fake_p11_set(enum fake_opt o, long v);
long fake_p11_get(enum fake_cnt c);
void fake_p11_reset(void); /* defaults, counters zero */

#endif
