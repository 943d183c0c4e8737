# pkcs11 tests (tests/unit/pkcs11). test_pkcs11 runs against fake_p11.so,
# a PKCS#11 module built here that refuses mechanisms, wants logins, loses
# its token... on request; test_softhsm against a throw-away SoftHSM2
# token (exit 77, skipped, without softhsm2-util and pkcs11-tool).
check_PROGRAMS += tests/unit/pkcs11/fake_p11.so tests/unit/pkcs11/not_p11.so
tests_unit_pkcs11_fake_p11_so_SOURCES = tests/unit/pkcs11/fake_p11.c tests/unit/pkcs11/fake_p11.h
tests_unit_pkcs11_fake_p11_so_CFLAGS = $(AM_CFLAGS) -fPIC $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS)
tests_unit_pkcs11_fake_p11_so_LDFLAGS = $(AM_LDFLAGS) -shared
tests_unit_pkcs11_fake_p11_so_LDADD = $(OPENSSL_LIBS)
tests_unit_pkcs11_not_p11_so_SOURCES = tests/unit/pkcs11/not_p11.c
tests_unit_pkcs11_not_p11_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_unit_pkcs11_not_p11_so_LDFLAGS = $(AM_LDFLAGS) -shared

check_PROGRAMS += tests/unit/pkcs11/test_pkcs11
TESTS += tests/unit/pkcs11/test_pkcs11
tests_unit_pkcs11_test_pkcs11_SOURCES = tests/unit/pkcs11/tp.h tests/unit/pkcs11/tp.c \
	tests/unit/pkcs11/test_pkcs11.c tests/unit/pkcs11/test_input.c \
	tests/unit/pkcs11/test_fake.c tests/unit/pkcs11/test_auth_p11.c
tests_unit_pkcs11_test_pkcs11_CFLAGS = $(UT_CFLAGS) $(P11KIT_CFLAGS)
tests_unit_pkcs11_test_pkcs11_LDADD = $(UT_LDADD) gateway/auth/libpalauth.a $(P11_LIBS) \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

# a real module: SoftHSM2 (and libp11 as a second opinion on the token)
check_PROGRAMS += tests/unit/pkcs11/test_softhsm
TESTS += tests/unit/pkcs11/test_softhsm
tests_unit_pkcs11_test_softhsm_SOURCES = tests/unit/pkcs11/tp.h tests/unit/pkcs11/tp.c \
	tests/unit/pkcs11/test_softhsm.c
tests_unit_pkcs11_test_softhsm_CFLAGS = $(UT_CFLAGS) $(P11KIT_CFLAGS) $(LIBP11_CFLAGS)
tests_unit_pkcs11_test_softhsm_LDADD = $(UT_LDADD) $(P11_LIBS) gateway/util/libpalutil.a \
	$(LIBP11_LIBS) $(OPENSSL_LIBS)
