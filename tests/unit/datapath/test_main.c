/* The datapath unit test program: one suite per source file. */
#include "runner.h"

extern const struct ut_suite suite_esp, suite_replay, suite_pkt, suite_table, suite_offload;

int main(void)
{
	static const struct ut_suite *const suites[] = {
		&suite_replay, &suite_esp, &suite_pkt, &suite_table, &suite_offload, NULL,
	};

	return ut_main(suites);
}
