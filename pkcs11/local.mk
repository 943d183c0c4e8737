# pkcs11/: private keys in a PKCS#11 token (RFC 7512 URIs, login, session
# pool, signatures with fallbacks, token-loss recovery). libp11 loads the
# module, lists its slots and logs in; p11-kit's pkcs11.h gives the
# PKCS#11 v2.40 types for the calls libp11 has no API for (module.c).
noinst_LIBRARIES += pkcs11/libpalp11.a
pkcs11_libpalp11_a_SOURCES = \
	pkcs11/pkcs11.h pkcs11/p11_int.h pkcs11/ck.h \
	pkcs11/module.c pkcs11/pin.c pkcs11/uri.c pkcs11/pool.c \
	pkcs11/token.c pkcs11/open.c pkcs11/key.c pkcs11/sign.c \
	pkcs11/recover.c pkcs11/status.c
pkcs11_libpalp11_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(LIBP11_CFLAGS)
# what a program linking libpalp11.a adds
P11_LIBS = pkcs11/libpalp11.a $(LIBP11_LIBS) $(DL_LIBS)

# palisade-hsm: token set-up for admins (scripts/hsm-init uses it)
bin_PROGRAMS += pkcs11/palisade-hsm
pkcs11_palisade_hsm_SOURCES = pkcs11/hsmtool.c pkcs11/hsmtool_admin.c pkcs11/hsmtool.h
pkcs11_palisade_hsm_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(P11KIT_CFLAGS) $(LIBP11_CFLAGS)
pkcs11_palisade_hsm_LDADD = $(P11_LIBS) gateway/util/libpalutil.a $(OPENSSL_LIBS)
