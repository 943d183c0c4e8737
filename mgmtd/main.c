/*
 * palisade-mgmtd: the management daemon (REST API and dashboard).
 * Placeholder until its issue lands: it prints its version and says so.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palisade-mgmtd --config-dir DIR --gateway-socket PATH --listen ADDR:PORT\n"
		"\n"
		"This build of palisade-mgmtd is a placeholder: the REST API and the\n"
		"dashboard are not implemented yet.\n"
		"  --version   print the version\n"
		"  --help      this text\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("palisade-mgmtd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	fprintf(stderr, "palisade-mgmtd: not implemented yet (placeholder build)\n");
	return 2;
}
