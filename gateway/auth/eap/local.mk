# eap (gateway/auth/eap): EAP server and client state machines (EAP-MD5,
# EAP-MSCHAPv2 with the RFC 2759/3079 primitives), the failure rate
# limiter, and the credential lookup over api/model's eap-users.json.
# Link after it: api/model/libpalmodel.a, gateway/crypto/libpalcrypto.a,
# gateway/util/libpalutil.a, OpenSSL, pthreads.
noinst_LIBRARIES += gateway/auth/eap/libpaleap.a
gateway_auth_eap_libpaleap_a_SOURCES = \
	gateway/auth/eap/eap.h gateway/auth/eap/eap_int.h \
	gateway/auth/eap/pkt.c \
	gateway/auth/eap/mschap.c \
	gateway/auth/eap/md5.c \
	gateway/auth/eap/mschapv2.c gateway/auth/eap/mschapv2_client.c \
	gateway/auth/eap/server.c gateway/auth/eap/client.c \
	gateway/auth/eap/rl.c \
	gateway/auth/eap/cred.c
gateway_auth_eap_libpaleap_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
