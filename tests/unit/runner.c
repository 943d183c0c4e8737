#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "runner.h"

int ut_skip(const char *prog, const char *why)
{
	const char *strict = getenv("CHECK_NO_SKIP");
	bool fail = strict && !strcmp(strict, "1");

	fprintf(stderr, "%s: %s: %s\n", prog, why, fail ? "failed (CHECK_NO_SKIP=1)" : "skipped");
	return fail ? 1 : 77;
}

int ut_main(const struct ut_suite *const *suites)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t s = 0; suites[s]; s++) {
		CU_pSuite suite = CU_add_suite(suites[s]->name, NULL, NULL);

		if (!suite)
			return 1;
		for (const struct ut_case *c = suites[s]->cases; c->name; c++)
			if (!CU_add_test(suite, c->name, c->fn))
				return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t ut_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int v;

		if (isspace((unsigned char)*p) || *p == ':')
			continue;
		if ((v = nibble(*p)) < 0 || (hi < 0 && n >= max)) {
			fprintf(stderr, "ut_hex: bad vector '%.40s'\n", hex);
			abort();
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		fprintf(stderr, "ut_hex: odd digit count in '%.40s'\n", hex);
		abort();
	}
	return n;
}

const char *ut_path(const char *rel)
{
	static char buf[4096];
	const char *src = getenv("srcdir");

	snprintf(buf, sizeof(buf), "%s/tests/%s", src && *src ? src : ".", rel);
	return buf;
}

uint8_t *ut_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "ut_read_file: cannot read %s\n", path);
		abort();
	}
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}
