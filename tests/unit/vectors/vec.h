/*
 * vec.h: loading the strongSwan capture vectors of tests/vectors/strongswan/
 * (format in its README.md): a scenario is a folder with NN-*.bin IKE
 * messages and a keys.txt of "name = value" lines. Test code only; a broken
 * vector file aborts the program (it is a broken test, not a failed check).
 */
#ifndef PAL_TESTS_VEC_H
#define PAL_TESTS_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "crypto/crypto.h"
#include "ike/ike.h"

#define VEC_MAX_SCN  16
#define VEC_MAX_MSGS 64
#define VEC_NAME_MAX 64

struct vec_msg {
	char vm_name[VEC_NAME_MAX]; /* file name, e.g. "03-ike_auth-req.bin" */
	uint8_t *vm_buf;
	size_t vm_len;
	/* payload types as recorded in messages.txt (extract.py's parse):
	 * outer; inner when vm_has_inner (SK, or the last SKF fragment) */
	uint8_t vm_outer[VEC_MAX_MSGS];
	size_t vm_nouter;
	bool vm_has_inner;
	uint8_t vm_inner[VEC_MAX_MSGS];
	size_t vm_ninner;
};

struct vec_kv {
	char *kv_name;
	char *kv_val; /* text after '=', trimmed */
};

struct vec_scn {
	char s_name[VEC_NAME_MAX];
	char s_dir[1024];
	struct vec_kv *s_kv;
	size_t s_nkv;
	struct vec_msg s_msg[VEC_MAX_MSGS];
	size_t s_nmsg;
};

/* Scenario folders under tests/vectors/strongswan (those with a keys.txt),
 * sorted; returns the count. */
size_t vec_scn_list(char names[][VEC_NAME_MAX], size_t max);
struct vec_scn *vec_scn_load(const char *name);
void vec_scn_free(struct vec_scn *s);

/* Value of a key, NULL if absent. */
const char *vec_get(const struct vec_scn *s, const char *name);
bool vec_has(const struct vec_scn *s, const char *name);
/* Hex value into out (aborts if absent or too long); returns its length. */
size_t vec_hex(const struct vec_scn *s, const char *name, uint8_t *out, size_t max);
/* Hex value as a secret (aborts if absent). */
struct secret *vec_secret(const struct vec_scn *s, const char *name);
/* Decimal value (aborts if absent or not a number). */
unsigned long vec_num(const struct vec_scn *s, const char *name);
/* 16 hex digits (an IKE SPI) as a host-order integer. */
uint64_t vec_spi(const struct vec_scn *s, const char *name);

/*
 * One IKE SA of a scenario: n = 1 is the SA of IKE_SA_INIT (keys "spi_i",
 * "sk_d", transforms "ike_encr", ...), n >= 2 a rekeyed one (all keys
 * "ike<n>_..."). vec_sa_key() builds the key name for field ("sk_d", "ni",
 * ...) into buf.
 */
struct vec_sa {
	unsigned sa_n;
	uint64_t sa_spi_i;
	uint64_t sa_spi_r;
	struct ike_suite sa_suite;
};

const char *vec_sa_key(unsigned n, const char *field, char *buf, size_t len);
/* false if the scenario has no IKE SA n. */
bool vec_sa_get(const struct vec_scn *s, unsigned n, struct vec_sa *sa);
/* The IKE SA whose SPIs are in the message header; false if none. */
bool vec_sa_of_msg(const struct vec_scn *s, const uint8_t *msg, size_t len, struct vec_sa *sa);

/* A CUnit check that also says which scenario and what failed. */
#define VEC_CHECK(s, cond, ...)                                           \
	do {                                                              \
		bool vec_ok_ = (cond);                                    \
		CU_ASSERT_TRUE(vec_ok_);                                  \
		if (!vec_ok_)                                             \
			vec_report((s), __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

void vec_report(const struct vec_scn *s, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "GW_E_x: <ike_err detail>" (static buffer: one call at a time). */
const char *vec_errstr(int rc, const struct ike_err *err);

/* Load every scenario folder in turn and run fn on it. */
void vec_for_each(void (*fn)(const struct vec_scn *s));

/* ---- SK payloads (vec_open.c) ---- */

/* One direction's SK cipher from the recorded SK_e / SK_a, wrapped as the
 * struct ike_sk_ops the codec takes. */
struct vec_sk {
	struct sk_cipher *vs_c;
	struct ike_sk_ops vs_ops;
};

int vec_sk_new(const struct vec_scn *s, const struct vec_sa *sa, bool from_initiator,
	       struct vec_sk *out);
void vec_sk_free(struct vec_sk *sk);
/* The cipher for a message: its IKE SA by SPIs, direction by the I flag. */
int vec_sk_for_msg(const struct vec_scn *s, const struct vec_msg *m, struct vec_sk *out);

/* A decrypted message: outer payloads plus the inner ones (p_in_sk). */
struct vec_opened {
	size_t o_idx;     /* in s_msg; the last fragment for SKF */
	unsigned o_nfrag; /* fragments reassembled, 0 for SK */
	struct ike_msg o_msg;
	uint8_t *o_buf;   /* decrypted copy of the message */
	uint8_t *o_inner; /* SKF: the reassembled inner chain */
	size_t o_inner_len;
	uint8_t o_first; /* first inner payload type */
};

/*
 * Parse and open every SK and SKF message of s with ike_msg_open_sk /
 * ike_msg_open_skf + ike_reasm; every failure is a CUnit failure. Returns
 * the number of opened messages in *out (free with vec_opened_free).
 */
size_t vec_open_all(const struct vec_scn *s, struct vec_opened **out);
void vec_opened_free(struct vec_opened *o, size_t n);

/* IKE_AUTH contents against the recorded configuration (auth tests). */
void vec_check_inner(const struct vec_scn *s, const struct vec_opened *o);

/* The suites of the other test files (test_strongswan.c has main). */
struct ut_suite;
extern const struct ut_suite vec_keys_suite;
extern const struct ut_suite vec_auth_suite;

#endif
