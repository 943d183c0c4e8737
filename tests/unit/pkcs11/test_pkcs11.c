/* test_pkcs11.c: main() of the pkcs11 test program (fake module). */
#include <stdio.h>

#include "tp.h"
#include "util/log.h"

extern const struct ut_suite tp_suite_input, tp_suite_fake, tp_suite_auth;

int main(void)
{
	static const struct ut_suite *const suites[] = { &tp_suite_input, &tp_suite_fake,
							 &tp_suite_auth, NULL };
	int rc;

	/* warnings are expected here (extractable keys, lost tokens) */
	log_init("test_pkcs11", false, LOG_ERR);
	if (!tp_init()) {
		fprintf(stderr, "test_pkcs11: cannot set up the scratch directory or module\n");
		tp_cleanup();
		return 1;
	}
	rc = ut_main(suites);
	tp_cleanup();
	return rc;
}
