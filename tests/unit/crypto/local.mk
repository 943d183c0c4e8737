# crypto tests (tests/unit/crypto): one program, one suite per file.
check_PROGRAMS += tests/unit/crypto/test_crypto
TESTS += tests/unit/crypto/test_crypto
tests_unit_crypto_test_crypto_SOURCES = \
	tests/unit/crypto/tc.h \
	tests/unit/crypto/test_crypto.c \
	tests/unit/crypto/test_prf.c \
	tests/unit/crypto/test_keymat.c \
	tests/unit/crypto/test_ke.c \
	tests/unit/crypto/test_sk_vec.c \
	tests/unit/crypto/test_sk.c \
	tests/unit/crypto/test_proposal.c
tests_unit_crypto_test_crypto_CFLAGS = $(UT_CFLAGS)
tests_unit_crypto_test_crypto_LDADD = $(UT_LDADD) gateway/crypto/libpalcrypto.a \
	gateway/util/libpalutil.a $(OPENSSL_LIBS)
