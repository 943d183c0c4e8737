# fuzz_eap (tests/fuzz): the EAP server and client fed arbitrary packets at
# every stage of a real conversation; fuzz_eapusers: eap-users.json and
# pools.json (api/model). Seed corpora in fuzz_eap.in/ and fuzz_eapusers.in/.
FUZZ_EAP_LIBS = gateway/auth/eap/libpaleap.a api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_eap
TESTS += tests/fuzz/run_fuzz_eap
tests_fuzz_run_fuzz_eap_SOURCES = tests/fuzz/fuzz_eap.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_eap_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -DFUZZ_CORPUS='"fuzz_eap.in"'
tests_fuzz_run_fuzz_eap_LDADD = $(FUZZ_EAP_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_eapusers
TESTS += tests/fuzz/run_fuzz_eapusers
tests_fuzz_run_fuzz_eapusers_SOURCES = tests/fuzz/fuzz_eapusers.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_eapusers_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS) \
	-DFUZZ_CORPUS='"fuzz_eapusers.in"'
tests_fuzz_run_fuzz_eapusers_LDADD = $(FUZZ_EAP_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_eap tests/fuzz/fuzz_eapusers
FUZZ_TARGETS += tests/fuzz/fuzz_eap tests/fuzz/fuzz_eapusers
tests_fuzz_fuzz_eap_SOURCES = tests/fuzz/fuzz_eap.c
tests_fuzz_fuzz_eap_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_eap_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_eap_LDADD = $(FUZZ_EAP_LIBS)
tests_fuzz_fuzz_eapusers_SOURCES = tests/fuzz/fuzz_eapusers.c
tests_fuzz_fuzz_eapusers_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_eapusers_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_eapusers_LDADD = $(FUZZ_EAP_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_eap.in tests/fuzz/fuzz_eapusers.in
