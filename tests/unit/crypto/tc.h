/*
 * tc.h: shared pieces of the crypto test program (tests/unit/crypto): one
 * suite per .c file, and byte-spec helpers for the vector tables.
 */
#ifndef PAL_TESTS_CRYPTO_TC_H
#define PAL_TESTS_CRYPTO_TC_H

#include <stddef.h>
#include <stdint.h>

#include "runner.h"

struct secret;

extern const struct ut_suite tc_secret_suite;
extern const struct ut_suite tc_prf_suite;
extern const struct ut_suite tc_keymat_suite;
extern const struct ut_suite tc_ke_suite;
extern const struct ut_suite tc_sk_vec_suite;
extern const struct ut_suite tc_sk_suite;
extern const struct ut_suite tc_proposal_suite;

/*
 * Bytes from a compact spec, for vector tables: "0b0b0b" (hex),
 * "aa*131" (hex repeated N times) or "'Hi There'" (ASCII). Aborts on a
 * broken spec or overflow, like ut_hex.
 */
size_t tc_bytes(const char *spec, uint8_t *out, size_t max);
/* A struct secret from a spec (aborts on failure). */
struct secret *tc_secret(const char *spec);

#endif
