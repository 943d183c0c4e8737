# fuzz_auth (tests/fuzz): ID payload bodies, RFC 7427 AlgorithmIdentifiers,
# identity config strings, SIGNATURE_HASH_ALGORITHMS; seed corpus in
# fuzz_auth.in/ (str_regress_* are inputs the fuzzer once broke).
FUZZ_AUTH_LIBS = gateway/auth/libpalauth.a $(P11_LIBS) gateway/crypto/libpalcrypto.a \
	gateway/util/libpalutil.a $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_auth
TESTS += tests/fuzz/run_fuzz_auth
tests_fuzz_run_fuzz_auth_SOURCES = tests/fuzz/fuzz_auth.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_auth_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -DFUZZ_CORPUS='"fuzz_auth.in"'
tests_fuzz_run_fuzz_auth_LDADD = $(FUZZ_AUTH_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_auth
FUZZ_TARGETS += tests/fuzz/fuzz_auth
tests_fuzz_fuzz_auth_SOURCES = tests/fuzz/fuzz_auth.c
tests_fuzz_fuzz_auth_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_auth_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_auth_LDADD = $(FUZZ_AUTH_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_auth.in
