# auth (gateway/auth): identities, signed octets, PSK, X.509 credentials,
# RFC 7427 / classic signatures, chain validation. Uses crypto/ and util/.
noinst_LIBRARIES += gateway/auth/libpalauth.a
gateway_auth_libpalauth_a_SOURCES = \
	gateway/auth/auth.h gateway/auth/auth_int.h \
	gateway/auth/str.c \
	gateway/auth/id.c gateway/auth/dn.c \
	gateway/auth/octets.c gateway/auth/psk.c \
	gateway/auth/pem.c gateway/auth/creds.c gateway/auth/local.c gateway/auth/p11local.c \
	gateway/auth/sigalg.c gateway/auth/sigops.c gateway/auth/sign.c \
	gateway/auth/bind.c gateway/auth/chain.c gateway/auth/verify.c \
	gateway/auth/certreq.c gateway/auth/x509cache.c gateway/auth/chaincache.c
gateway_auth_libpalauth_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
include $(srcdir)/gateway/auth/eap/local.mk
# auth/ signs with token keys through pkcs11/: programs linking libpalauth.a
# add $(P11_LIBS) after it
