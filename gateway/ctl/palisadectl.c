/*
 * palisadectl: the operator's command line for palisade-gatewayd's control
 * socket. Placeholder until the control socket lands (issue 4): it prints
 * its version and says so.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: palisadectl [--socket PATH] [--json] COMMAND\n"
		   "\n"
		   "This build of palisadectl is a placeholder: the control socket of\n"
		   "palisade-gatewayd is not implemented yet, so no command works.\n"
		   "  --version   print the version\n"
		   "  --help      this text\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("palisadectl %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	fprintf(stderr, "palisadectl: not implemented yet (placeholder build)\n");
	return 2;
}
