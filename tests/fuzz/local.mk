# libFuzzer targets (tests/fuzz)
# Each target fuzz_X.c has a seed corpus fuzz_X.in/. The ordinary build links
# it with standalone.c into run_fuzz_X, which `make check` runs over the
# corpus; --enable-fuzzing (clang) also builds the libFuzzer binary fuzz_X,
# which smoke.sh runs for a while on a copy of the corpus.

# fuzz_esp: ESP decapsulation (gateway/datapath/esp.c, pkt.c).
FUZZ_ESP_LIBS = gateway/datapath/libpaldatapath.a gateway/util/libpalutil.a $(DATAPATH_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_esp
TESTS += tests/fuzz/run_fuzz_esp
tests_fuzz_run_fuzz_esp_SOURCES = tests/fuzz/fuzz_esp.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_esp_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -DFUZZ_CORPUS='"fuzz_esp.in"'
tests_fuzz_run_fuzz_esp_LDADD = $(FUZZ_ESP_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_esp
FUZZ_TARGETS += tests/fuzz/fuzz_esp
tests_fuzz_fuzz_esp_SOURCES = tests/fuzz/fuzz_esp.c
tests_fuzz_fuzz_esp_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_esp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_esp_LDADD = $(FUZZ_ESP_LIBS)
endif

EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/fuzz_esp.in
