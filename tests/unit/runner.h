/*
 * runner.h: the small harness every CUnit test program shares: suites as
 * static tables, one main() per program through ut_main(), hex helpers for
 * vectors, and the path of the source tree's tests/ for data files.
 */
#ifndef PAL_TESTS_RUNNER_H
#define PAL_TESTS_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

struct ut_case {
	const char *name;
	void (*fn)(void);
};

struct ut_suite {
	const char *name;
	const struct ut_case *cases; /* ends with { NULL, NULL } */
};

/* Runs the NULL-terminated suites; CUnit's summary on stdout; exit status. */
int ut_main(const struct ut_suite *const *suites);
/* A program whose prerequisite is missing: says why on stderr and returns
 * 77 (automake's SKIP), or 1 under CHECK_NO_SKIP=1 (scripts/check, which
 * installs every prerequisite: a skip there would hide a missing one). */
int ut_skip(const char *prog, const char *why);

/* Decode hex (whitespace ignored) into out; returns the byte count, or
 * aborts the test program on bad hex or overflow (a broken vector). */
size_t ut_hex(const char *hex, uint8_t *out, size_t max);
/* "$srcdir/tests/<rel>" (static buffer: one call at a time). */
const char *ut_path(const char *rel);
/* Read a whole file into a malloc'd buffer; aborts on error. */
uint8_t *ut_read_file(const char *path, size_t *len);

#endif
