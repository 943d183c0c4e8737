noinst_LIBRARIES += gateway/util/libpalutil.a
gateway_util_libpalutil_a_SOURCES = \
	gateway/util/err.c gateway/util/err.h \
	gateway/util/reader.c gateway/util/reader.h \
	gateway/util/writer.c gateway/util/writer.h \
	gateway/util/log.c gateway/util/log.h \
	gateway/util/cpus.c gateway/util/cpus.h \
	gateway/util/hex.c gateway/util/hex.h \
	gateway/util/iana.h
gateway_util_libpalutil_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
