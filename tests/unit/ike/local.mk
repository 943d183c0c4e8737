# ike codec tests (tests/unit/ike)
check_PROGRAMS += tests/unit/ike/test_ike
TESTS += tests/unit/ike/test_ike
tests_unit_ike_test_ike_SOURCES = \
	tests/unit/ike/ike_test.h tests/unit/ike/main.c \
	tests/unit/ike/mock_gcm.c tests/unit/ike/samples.c tests/unit/ike/regen.c \
	tests/unit/ike/test_payloads.c tests/unit/ike/test_msg.c tests/unit/ike/test_rules.c \
	tests/unit/ike/test_bad.c tests/unit/ike/test_bad_sa.c tests/unit/ike/test_sk.c \
	tests/unit/ike/test_frag.c
tests_unit_ike_test_ike_CFLAGS = $(UT_CFLAGS)
tests_unit_ike_test_ike_LDADD = $(UT_LDADD) gateway/ike/libpalike.a gateway/util/libpalutil.a \
	$(OPENSSL_LIBS)
