# crypto (gateway/crypto): OpenSSL 3 EVP wrappers (key exchange, PRF, keymat,
# SK payload protection, proposal strings). Uses util/ only.
noinst_LIBRARIES += gateway/crypto/libpalcrypto.a
gateway_crypto_libpalcrypto_a_SOURCES = \
	gateway/crypto/crypto.h gateway/crypto/crypto_int.h \
	gateway/crypto/secret.c \
	gateway/crypto/alg.c \
	gateway/crypto/prf.c \
	gateway/crypto/keymat.c \
	gateway/crypto/ke.c gateway/crypto/ke_modp.c gateway/crypto/ke_ec.c \
	gateway/crypto/ke_pool.c \
	gateway/crypto/sk.c \
	gateway/crypto/proposal.c
gateway_crypto_libpalcrypto_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
