# libFuzzer targets (tests/fuzz)
# Each target fuzz_X.c has a seed corpus fuzz_X.in/. The ordinary build links
# it with standalone.c into run_fuzz_X, which `make check` runs over the
# corpus; --enable-fuzzing (clang) also builds the libFuzzer binary fuzz_X,
# which smoke.sh runs for a while on a copy of the corpus.
FUZZ_IKE_LIBS = gateway/ike/libpalike.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_ike
TESTS += tests/fuzz/run_fuzz_ike
tests_fuzz_run_fuzz_ike_SOURCES = tests/fuzz/fuzz_ike.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_ike_CFLAGS = $(AM_CFLAGS) -DFUZZ_CORPUS='"fuzz_ike.in"'
tests_fuzz_run_fuzz_ike_LDADD = $(FUZZ_IKE_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ike
tests_fuzz_fuzz_ike_SOURCES = tests/fuzz/fuzz_ike.c
tests_fuzz_fuzz_ike_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_ike_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ike_LDADD = $(FUZZ_IKE_LIBS)
endif

EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/fuzz_ike.in

# fuzz_control: the control server's request path (gateway/control)
FUZZ_CONTROL_LIBS = gateway/control/libpalcontrol.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_control
TESTS += tests/fuzz/run_fuzz_control
tests_fuzz_run_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_control_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"fuzz_control.in"'
tests_fuzz_run_fuzz_control_LDADD = $(FUZZ_CONTROL_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_control
FUZZ_TARGETS += tests/fuzz/fuzz_control
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c
tests_fuzz_fuzz_control_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_control_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_control_LDADD = $(FUZZ_CONTROL_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_control.in
