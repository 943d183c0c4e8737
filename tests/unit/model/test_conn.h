/* test_conn.h: the suites of the test_conn program (one per file). */
#ifndef PAL_TESTS_MODEL_TEST_CONN_H
#define PAL_TESTS_MODEL_TEST_CONN_H

#include "runner.h"

extern const struct ut_suite conn_good_suite; /* test_conn.c */
extern const struct ut_suite conn_bad_suite;  /* test_conn_bad.c */
extern const struct ut_suite ts_suite;        /* test_ts.c */
extern const struct ut_suite preset_suite;    /* test_preset.c */

#endif
