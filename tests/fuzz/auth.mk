# fuzz_auth (tests/fuzz): ID payloads, RFC 7427 AlgorithmIdentifiers,
# identity strings. Seed corpus in fuzz_auth.in/, replayed by make check
# through tests/unit/auth/test_fuzz.c.
FUZZ_AUTH_LIBS = gateway/auth/libpalauth.a gateway/crypto/libpalcrypto.a \
	gateway/util/libpalutil.a $(OPENSSL_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_auth
FUZZ_TARGETS += tests/fuzz/fuzz_auth
tests_fuzz_fuzz_auth_SOURCES = tests/fuzz/fuzz_auth.c
tests_fuzz_fuzz_auth_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_auth_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_auth_LDADD = $(FUZZ_AUTH_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_auth.in
