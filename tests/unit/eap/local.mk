# EAP tests (tests/unit/eap): RFC 2759 / RFC 3079 vectors, server<->client
# conversations, malformed packets, the rate limiter; xcheck.sh recomputes
# a conversation with python3 (hashlib MD4 via OpenSSL's legacy provider).
check_PROGRAMS += tests/unit/eap/test_eap
TESTS += tests/unit/eap/test_eap tests/unit/eap/xcheck.sh
tests_unit_eap_test_eap_SOURCES = \
	tests/unit/eap/te.h tests/unit/eap/test_eap.c \
	tests/unit/eap/test_mschap.c tests/unit/eap/test_conv.c \
	tests/unit/eap/test_bad.c tests/unit/eap/test_rl.c tests/unit/eap/dump.c
tests_unit_eap_test_eap_CFLAGS = $(UT_CFLAGS)
tests_unit_eap_test_eap_LDADD = $(UT_LDADD) gateway/auth/eap/libpaleap.a api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)
EXTRA_DIST += tests/unit/eap/xcheck.sh tests/unit/eap/xcheck.py
