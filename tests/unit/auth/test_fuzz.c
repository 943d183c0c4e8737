/*
 * test_fuzz.c: make check replays the seed corpus of tests/fuzz/fuzz_auth
 * (tests/fuzz/fuzz_auth.in) through the fuzz target, whose invariants
 * abort on a violation; clang builds with --enable-fuzzing run it under
 * libFuzzer proper.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void test_fuzz_corpus(void)
{
	char dir[4096], path[4352];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", ut_path("fuzz/fuzz_auth.in"));
	d = opendir(dir);
	CU_ASSERT_FATAL(d != NULL);
	while ((de = readdir(d)) != NULL) {
		uint8_t *buf;
		size_t len = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = ut_read_file(path, &len);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	CU_ASSERT(n >= 20);
}

/* Each selector on every prefix of every seed: bounds, not content. */
static void test_fuzz_prefixes(void)
{
	static const char *const seeds[] = { "id_dn", "alg_pss256", "str_03", "id_ipv6" };
	char path[4352];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t len = 0;
		uint8_t *buf;

		snprintf(path, sizeof(path), "%s/%s", ut_path("fuzz/fuzz_auth.in"), seeds[i]);
		buf = ut_read_file(path, &len);
		for (uint8_t sel = 0; sel < 4; sel++) {
			buf[0] = sel;
			for (size_t n = 0; n <= len; n++)
				LLVMFuzzerTestOneInput(buf, n);
		}
		free(buf);
	}
	CU_PASS("no crash, no invariant broken");
}

static const struct ut_case fuzz_cases[] = {
	{ "seed corpus through the fuzz target", test_fuzz_corpus },
	{ "every prefix of some seeds", test_fuzz_prefixes },
	{ NULL, NULL },
};

const struct ut_suite ta_fuzz_suite = { "auth fuzz corpus", fuzz_cases };
