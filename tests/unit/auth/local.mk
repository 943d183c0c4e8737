# auth tests (tests/unit/auth): one program, one suite per file; the test
# PKI is generated at start-up (pki.c), and test_cli.c runs openssl(1).
check_PROGRAMS += tests/unit/auth/test_auth
TESTS += tests/unit/auth/test_auth
tests_unit_auth_test_auth_SOURCES = \
	tests/unit/auth/ta.h \
	tests/unit/auth/test_auth.c \
	tests/unit/auth/pki.c \
	tests/unit/auth/test_id.c \
	tests/unit/auth/test_psk.c \
	tests/unit/auth/test_creds.c \
	tests/unit/auth/test_sign.c \
	tests/unit/auth/test_chain.c \
	tests/unit/auth/test_cli.c
tests_unit_auth_test_auth_CFLAGS = $(UT_CFLAGS)
tests_unit_auth_test_auth_LDADD = $(UT_LDADD) gateway/auth/libpalauth.a $(P11_LIBS) \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

