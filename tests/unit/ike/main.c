/* test_ike: the IKE codec's unit tests (gateway/ike). */
#include "ike_test.h"

int main(void)
{
	static const struct ut_suite *const suites[] = {
		&ut_ike_payloads, &ut_ike_msg, &ut_ike_rules, &ut_ike_bad,
		&ut_ike_bad_sa,   &ut_ike_sk,  &ut_ike_frag,  NULL,
	};

	return ut_main(suites);
}
