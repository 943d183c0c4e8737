/*
 * standalone.c: a main() for fuzz targets built without libFuzzer (the
 * ordinary gcc build), so `make check` runs each target over its corpus.
 * Arguments are files or directories; with none, the corpus
 * $srcdir/tests/fuzz/FUZZ_CORPUS. No input at all is a failure: a missing
 * corpus must not pass silently.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		rc = 0;
	}
	free(buf);
	fclose(f);
	return rc;
}

/* Runs path (a file, or the files of a directory); returns the count run,
 * or -1 on an unreadable entry. */
static long run_path(const char *path)
{
	struct dirent *e;
	struct stat st;
	char sub[4096];
	long count = 0;
	DIR *d;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(sub) != 0) {
			count = -1;
			break;
		}
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	const char *src = getenv("srcdir");
	char def[4096];
	long total = 0;

	if (argc < 2) {
		snprintf(def, sizeof(def), "%s/tests/fuzz/%s", src && *src ? src : ".",
			 FUZZ_CORPUS);
		argv[1] = def;
		argc = 2;
	}
	for (int i = 1; i < argc; i++) {
		long n = run_path(argv[i]);

		if (n < 0) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
			return 1;
		}
		printf("%s: %ld inputs\n", argv[i], n);
		total += n;
	}
	return total > 0 ? 0 : 1;
}
