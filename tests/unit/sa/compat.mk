# sa/ against the client-compatibility presets of api/model: what each
# preset selects from the proposals common clients send (test_compat.c).
check_PROGRAMS += tests/unit/sa/test_compat
TESTS += tests/unit/sa/test_compat
tests_unit_sa_test_compat_SOURCES = tests/unit/sa/test_compat.c
tests_unit_sa_test_compat_CFLAGS = $(UT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_sa_test_compat_LDADD = $(UT_LDADD) gateway/sa/libpalsa.a gateway/ike/libpalike.a \
	api/model/libpalmodel.a gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS)
