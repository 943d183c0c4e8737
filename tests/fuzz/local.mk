# libFuzzer targets (tests/fuzz)
# Each target fuzz_X.c has a seed corpus fuzz_X.in/. The ordinary build links
# it with standalone.c into run_fuzz_X, which `make check` runs over the
# corpus; --enable-fuzzing (clang) also builds the libFuzzer binary fuzz_X,
# which smoke.sh runs for a while on a copy of the corpus.
# fuzz_ike.in/ is written by the unit tests (the messages they build, sealed
# with the target's identity cipher):
#   IKE_CORPUS_DIR=$(srcdir)/tests/fuzz/fuzz_ike.in tests/unit/ike/test_ike
FUZZ_IKE_LIBS = gateway/ike/libpalike.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_ike
TESTS += tests/fuzz/run_fuzz_ike
tests_fuzz_run_fuzz_ike_SOURCES = tests/fuzz/fuzz_ike.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_ike_CFLAGS = $(AM_CFLAGS) -DFUZZ_CORPUS='"fuzz_ike.in"'
tests_fuzz_run_fuzz_ike_LDADD = $(FUZZ_IKE_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ike
FUZZ_TARGETS += tests/fuzz/fuzz_ike
tests_fuzz_fuzz_ike_SOURCES = tests/fuzz/fuzz_ike.c
tests_fuzz_fuzz_ike_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_ike_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ike_LDADD = $(FUZZ_IKE_LIBS)
endif

EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/fuzz_ike.in
