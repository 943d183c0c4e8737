# IKEv2 vectors recorded from strongSwan (tests/vectors/strongswan): the codec
# and crypto against real messages and keys. The data files are read at run
# time through $srcdir (runner.h ut_path).
check_PROGRAMS += tests/unit/vectors/test_strongswan
TESTS += tests/unit/vectors/test_strongswan
tests_unit_vectors_test_strongswan_SOURCES = \
	tests/unit/vectors/test_strongswan.c \
	tests/unit/vectors/test_strongswan_keys.c \
	tests/unit/vectors/test_strongswan_auth.c \
	tests/unit/vectors/vec_load.c tests/unit/vectors/vec_open.c \
	tests/unit/vectors/vec.h
tests_unit_vectors_test_strongswan_CFLAGS = $(UT_CFLAGS)
tests_unit_vectors_test_strongswan_LDADD = $(UT_LDADD) gateway/ike/libpalike.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(OPENSSL_LIBS)
EXTRA_DIST += tests/vectors/strongswan
