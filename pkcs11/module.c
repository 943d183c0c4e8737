/*
 * module.c: the PKCS#11 module (PKCS#11 v2.40 section 5.4), through
 * libp11: PKCS11_CTX_load() loads it and C_Initializes it with
 * CKF_OS_LOCKING_OK (our threads call it concurrently, so it must lock
 * with the OS primitives); PKCS11_CTX_unload() finalizes it; recovery
 * reloads the context. Before that we check the file ourselves, because
 * libp11 says only "load module error" and an admin needs to know whether
 * the path, the library or its PKCS#11 version is wrong.
 *
 * What stays a direct call, and why: libp11 0.4.12 exports no function
 * list and has no API for C_GetMechanismInfo, for choosing a mechanism
 * (CKM_ECDSA_SHA256, CKM_SHA256_RSA_PKCS_PSS: its EVP_PKEY hashes in
 * OpenSSL and signs raw; its PSS goes through CKM_RSA_X_509), for
 * CKA_SENSITIVE / CKA_EXTRACTABLE / CKA_ALWAYS_SENSITIVE /
 * CKA_NEVER_EXTRACTABLE / CKA_ALWAYS_AUTHENTICATE, for a context-specific
 * login, for sizing or checking out a session of its own pool (it keeps
 * up to 16 per slot, not configurable), for the library version of
 * CK_INFO, for fresh token flags after a refused PIN, or for telling a
 * lost token apart from other failures of a signature. So the same
 * module's C_GetFunctionList (the library libp11 loaded: dlopen() of the
 * same path returns the same instance) serves our session pool, key
 * lookup and attributes, and signatures (open.c, key.c, sign.c), inside
 * the login libp11 made (PKCS#11 v2.40 5.6: a login covers every session
 * of the application on the token). palisade-hsm (hsmtool_admin.c) is
 * still direct as well: libp11 has PKCS11_init_token, PKCS11_init_pin and
 * SO logins, but its key generation (PKCS11_generate_key, deprecated, RSA
 * only) cannot make an EC key nor set CKA_SENSITIVE / CKA_EXTRACTABLE, so
 * the tool keeps its own C_GenerateKeyPair templates; moving its token
 * set-up onto libp11 is left to do.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

/*
 * LeakSanitizer (sanitizer builds; LSan alone reads it): libp11 0.4.12
 * keeps a few blocks (token strings) after PKCS11_release_all_slots() and
 * PKCS11_CTX_free(); they are its own, not ours. Here, because every
 * program that loads a module through us (palisade-gatewayd, the tests)
 * has libp11 in it. It also hides a libp11 object we would forget to
 * free: key.c drops its EVP_PKEY before every release of the slots.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libp11.so\n";
}

void p11_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

void p11_text(char *out, size_t outsz, const unsigned char *in, size_t len)
{
	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\0'))
		len--;
	/* token text is the module's: escape it like any foreign string */
	log_escape(out, outsz, in, len);
}

const char *p11_rv_name(CK_RV rv, char *buf, size_t len)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
		{ CKR_OK, "CKR_OK" },
		{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
		{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
		{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
		{ CKR_CANT_LOCK, "CKR_CANT_LOCK" },
		{ CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE" },
		{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
		{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED" },
		{ CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED" },
		{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
		{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
		{ CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID" },
		{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
		{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
		{ CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED" },
		{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
		{ CKR_PIN_INVALID, "CKR_PIN_INVALID" },
		{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
		{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
		{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
		{ CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED" },
		{ CKR_SESSION_COUNT, "CKR_SESSION_COUNT" },
		{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
		{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
		{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED" },
		{ CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID" },
		{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
		{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
		{ CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED" },
		{ CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED" },
	};

	/* always in buf: callers may print buf after the call */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].rv == rv) {
			snprintf(buf, len, "%s", names[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "CKR 0x%lx", (unsigned long)rv);
	return buf;
}

int p11_call_lock(struct p11 *p)
{
	return pthread_rwlock_rdlock(&p->p_mod_lock) == 0 ? 0 : GW_E_STATE;
}

void p11_call_unlock(struct p11 *p)
{
	pthread_rwlock_unlock(&p->p_mod_lock);
}

/* dlopen() says why it failed in words of its own: keep them short. */
static int module_load(struct p11 *p, char *why, size_t why_len)
{
	CK_C_GetFunctionList get;
	struct stat st;
	CK_RV rv;

	if (p->p_module[0] != '/') {
		p11_why(why, why_len, "module %s: not an absolute path", p->p_module);
		return GW_E_INVAL;
	}
	if (stat(p->p_module, &st) < 0 || !S_ISREG(st.st_mode)) {
		p11_why(why, why_len, "module %s: no such file", p->p_module);
		return GW_E_NOTFOUND;
	}
	/* RTLD_LOCAL: two modules may export the same C_* names */
	if ((p->p_dl = dlopen(p->p_module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		const char *e = dlerror();

		p11_why(why, why_len, "module %s: not a loadable shared library (%.120s)",
			p->p_module, e ? e : "dlopen failed");
		return GW_E_INVAL;
	}
	*(void **)&get = dlsym(p->p_dl, "C_GetFunctionList");
	if (get == NULL) {
		p11_why(why, why_len, "module %s: not a PKCS#11 module (no C_GetFunctionList)",
			p->p_module);
		return GW_E_INVAL;
	}
	if ((rv = get(&p->p_fn)) != CKR_OK || p->p_fn == NULL) {
		char b[32];

		p11_why(why, why_len, "module %s: C_GetFunctionList failed: %s", p->p_module,
			p11_rv_name(rv, b, sizeof(b)));
		return GW_E_INVAL;
	}
	if (p->p_fn->version.major != 2) {
		p11_why(why, why_len, "module %s: PKCS#11 version %u.%u, need 2.x", p->p_module,
			p->p_fn->version.major, p->p_fn->version.minor);
		return GW_E_UNSUP;
	}
	return 0;
}

CK_RV p11_lib_rv(void)
{
	unsigned long e, lib = (unsigned long)ERR_get_CKR_code();
	CK_RV rv = CKR_FUNCTION_FAILED;

	/* libp11 queues the module's CKR_* code as the reason of an error of
	 * its own "CKR" library; the last one is the module's answer */
	while ((e = ERR_get_error()) != 0) {
		if (ERR_GET_LIB(e) == (int)lib)
			rv = ERR_GET_REASON(e);
	}
	return rv;
}

PKCS11_SLOT *p11_lib_slot(struct p11 *p, CK_SLOT_ID id)
{
	for (unsigned i = 0; i < p->p_nslots; i++) {
		if (PKCS11_get_slotid_from_slot(&p->p_slots[i]) == id)
			return &p->p_slots[i];
	}
	return NULL;
}

/* Load and C_Initialize through libp11; also what recovery calls to
 * restart the module. */
int p11_module_init(struct p11 *p, char *why, size_t why_len)
{
	char b[48];

	if (PKCS11_CTX_load(p->p_ctx, p->p_module) < 0) {
		p11_why(why, why_len, "module %s: C_Initialize failed: %s", p->p_module,
			p11_rv_name(p11_lib_rv(), b, sizeof(b)));
		return GW_E_IO;
	}
	p->p_loaded = true;
	if (PKCS11_enumerate_slots(p->p_ctx, &p->p_slots, &p->p_nslots) < 0) {
		p11_why(why, why_len, "module %s: cannot list its slots: %s", p->p_module,
			p11_rv_name(p11_lib_rv(), b, sizeof(b)));
		p11_module_fini(p);
		return GW_E_IO;
	}
	return 0;
}

/* libp11 releases its slots (closing its sessions), C_Finalizes and
 * unloads; our dlopen() keeps the library mapped for p_fn. */
void p11_module_fini(struct p11 *p)
{
	if (p->p_slots != NULL)
		PKCS11_release_all_slots(p->p_ctx, p->p_slots, p->p_nslots);
	p->p_slots = NULL;
	p->p_nslots = 0;
	if (p->p_loaded)
		PKCS11_CTX_unload(p->p_ctx);
	p->p_loaded = false;
	ERR_clear_error();
}

static int p11_setup(struct p11 *p, const struct p11_config *cfg)
{
	pthread_rwlockattr_t ra;
	int r = 0;

	snprintf(p->p_module, sizeof(p->p_module), "%s", cfg->pc_module ? cfg->pc_module : "");
	p->p_sessions = cfg->pc_sessions;
	p->p_strict = cfg->pc_require_non_extractable;
	p->p_rsa_pss = cfg->pc_rsa_pss;
	p->p_retry_ms = cfg->pc_retry_ms ? cfg->pc_retry_ms : 500;
	p->p_retry_max_ms = cfg->pc_retry_max_ms ? cfg->pc_retry_max_ms : 30000;
	if (p->p_retry_max_ms < p->p_retry_ms)
		p->p_retry_max_ms = p->p_retry_ms;
	p->p_wait_ms = cfg->pc_wait_ms ? cfg->pc_wait_ms : 10000;
	/* recovery must not starve behind a steady stream of signers */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&p->p_mod_lock, &ra) != 0)
		r = GW_E_NOMEM;
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&p->p_open_lock, NULL);
	pthread_mutex_init(&p->p_lock, NULL);
	pthread_cond_init(&p->p_cond, NULL);
	return r;
}

int p11_new(const struct p11_config *cfg, struct p11 **out, char *why, size_t why_len)
{
	struct p11 *p;
	int r;

	p11_why(why, why_len, "%s", "");
	if (cfg == NULL || out == NULL || cfg->pc_module == NULL)
		return GW_E_INVAL;
	*out = NULL;
	if (cfg->pc_sessions < 1 || cfg->pc_sessions > P11_SESSIONS_MAX) {
		p11_why(why, why_len, "sessions must be 1-%d", P11_SESSIONS_MAX);
		return GW_E_INVAL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return GW_E_NOMEM;
	if ((r = p11_setup(p, cfg)) != 0) {
		free(p);
		return r;
	}
	/* the PIN first: a bad PIN file should not cost a module load */
	if (cfg->pc_pin_file != NULL && cfg->pc_pin_file[0] != '\0') {
		if ((r = p11_pin_read(cfg->pc_pin_file, &p->p_pin, &p->p_pin_len, why, why_len)) !=
		    0)
			goto fail;
		p->p_has_pin = true;
	}
	if ((p->p_ctx = PKCS11_CTX_new()) == NULL) {
		r = GW_E_NOMEM;
		goto fail;
	}
	if ((r = module_load(p, why, why_len)) != 0 ||
	    (r = p11_module_init(p, why, why_len)) != 0 || (r = p11_recover_start(p)) != 0)
		goto fail;
	log_info(LOG_SUB_P11, "pkcs11: module %s loaded (%u session(s) per token, %s)", p->p_module,
		 p->p_sessions, p->p_has_pin ? "PIN from file" : "no PIN");
	*out = p;
	return 0;
fail:
	p11_free(p);
	return r;
}

void p11_free(struct p11 *p)
{
	struct p11_token *t, *next;

	if (p == NULL)
		return;
	p11_recover_stop(p);
	for (t = p->p_tokens; t != NULL; t = next) {
		next = t->t_next;
		if (p->p_fn != NULL && p->p_loaded)
			p->p_fn->C_CloseAllSessions(atomic_load(&t->t_slot));
		p11_token_free(t);
	}
	if (p->p_ctx != NULL) {
		p11_module_fini(p);
		PKCS11_CTX_free(p->p_ctx);
	}
	if (p->p_dl != NULL)
		dlclose(p->p_dl);
	p11_pin_free(p->p_pin, p->p_pin_len);
	pthread_rwlock_destroy(&p->p_mod_lock);
	pthread_mutex_destroy(&p->p_open_lock);
	pthread_mutex_destroy(&p->p_lock);
	pthread_cond_destroy(&p->p_cond);
	free(p);
}

const char *p11_module_path(const struct p11 *p)
{
	return p->p_module;
}
