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

# fuzz_conn: connection documents (api/model), with the to_json round trip
# shared with the unit tests (tests/unit/model/conn_rt.c). fuzz_conn.dict
# (the document's keys and keywords) speeds up longer runs: -dict=...
FUZZ_CONN_SRCS = tests/fuzz/fuzz_conn.c tests/unit/model/conn_rt.c tests/unit/model/conn_rt.h
FUZZ_CONN_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests/unit/model
FUZZ_CONN_LIBS = api/model/libpalmodel.a gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_conn
TESTS += tests/fuzz/run_fuzz_conn
tests_fuzz_run_fuzz_conn_SOURCES = $(FUZZ_CONN_SRCS) tests/fuzz/standalone.c
tests_fuzz_run_fuzz_conn_CFLAGS = $(FUZZ_CONN_CFLAGS) -DFUZZ_CORPUS='"fuzz_conn.in"'
tests_fuzz_run_fuzz_conn_LDADD = $(FUZZ_CONN_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conn
FUZZ_TARGETS += tests/fuzz/fuzz_conn
tests_fuzz_fuzz_conn_SOURCES = $(FUZZ_CONN_SRCS)
tests_fuzz_fuzz_conn_CFLAGS = $(FUZZ_CONN_CFLAGS)
tests_fuzz_fuzz_conn_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_conn_LDADD = $(FUZZ_CONN_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_conn.in tests/fuzz/fuzz_conn.dict

# fuzz_config: gateway.json (api/model daemon settings)
FUZZ_CONFIG_LIBS = api/model/libpalmodel.a gateway/crypto/libpalcrypto.a \
	gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_config
TESTS += tests/fuzz/run_fuzz_config
tests_fuzz_run_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_config_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -DFUZZ_CORPUS='"fuzz_config.in"'
tests_fuzz_run_fuzz_config_LDADD = $(FUZZ_CONFIG_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_config
FUZZ_TARGETS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = $(FUZZ_CONFIG_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_config.in

include $(srcdir)/tests/fuzz/auth.mk
include $(srcdir)/tests/fuzz/eap.mk

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

# fuzz_responder: datagrams into the engine's receive path (gateway/sa)
FUZZ_RESP_LIBS = $(SA_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_responder
TESTS += tests/fuzz/run_fuzz_responder
tests_fuzz_run_fuzz_responder_SOURCES = tests/fuzz/fuzz_responder.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_responder_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"fuzz_responder.in"'
tests_fuzz_run_fuzz_responder_LDADD = $(FUZZ_RESP_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_responder
FUZZ_TARGETS += tests/fuzz/fuzz_responder
tests_fuzz_fuzz_responder_SOURCES = tests/fuzz/fuzz_responder.c
tests_fuzz_fuzz_responder_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_responder_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_responder_LDADD = $(FUZZ_RESP_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_responder.in

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

EXTRA_DIST += tests/fuzz/fuzz_esp.in

# fuzz_p11uri: RFC 7512 PKCS#11 URIs (pkcs11/uri.c)
FUZZ_P11URI_LIBS = pkcs11/libpalp11.a gateway/util/libpalutil.a $(LIBP11_LIBS) $(OPENSSL_LIBS) $(DL_LIBS)

check_PROGRAMS += tests/fuzz/run_fuzz_p11uri
TESTS += tests/fuzz/run_fuzz_p11uri
tests_fuzz_run_fuzz_p11uri_SOURCES = tests/fuzz/fuzz_p11uri.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_p11uri_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -DFUZZ_CORPUS='"fuzz_p11uri.in"'
tests_fuzz_run_fuzz_p11uri_LDADD = $(FUZZ_P11URI_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_p11uri
FUZZ_TARGETS += tests/fuzz/fuzz_p11uri
tests_fuzz_fuzz_p11uri_SOURCES = tests/fuzz/fuzz_p11uri.c
tests_fuzz_fuzz_p11uri_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_p11uri_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_p11uri_LDADD = $(FUZZ_P11URI_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_p11uri.in

# fuzz_rest: what palisade-mgmtd parses from clients (JSON bodies through
# merge patch and api/model, PEM bundles, CRLs, request paths, EAP imports)
FUZZ_REST_LIBS = $(MGMTD_LIBS)
FUZZ_REST_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)

check_PROGRAMS += tests/fuzz/run_fuzz_rest
TESTS += tests/fuzz/run_fuzz_rest
tests_fuzz_run_fuzz_rest_SOURCES = tests/fuzz/fuzz_rest.c tests/fuzz/standalone.c
tests_fuzz_run_fuzz_rest_CFLAGS = $(FUZZ_REST_CFLAGS) -DFUZZ_CORPUS='"fuzz_rest.in"'
tests_fuzz_run_fuzz_rest_LDADD = $(FUZZ_REST_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_rest
FUZZ_TARGETS += tests/fuzz/fuzz_rest
tests_fuzz_fuzz_rest_SOURCES = tests/fuzz/fuzz_rest.c
tests_fuzz_fuzz_rest_CFLAGS = $(FUZZ_REST_CFLAGS)
tests_fuzz_fuzz_rest_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rest_LDADD = $(FUZZ_REST_LIBS)
endif

EXTRA_DIST += tests/fuzz/fuzz_rest.in
