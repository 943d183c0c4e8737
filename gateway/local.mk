sbin_PROGRAMS += gateway/palisade-gatewayd
gateway_palisade_gatewayd_SOURCES = gateway/main.c
gateway_palisade_gatewayd_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
gateway_palisade_gatewayd_LDADD = gateway/util/libpalutil.a $(JANSSON_LIBS) $(OPENSSL_LIBS)

bin_PROGRAMS += gateway/palisadectl
gateway_palisadectl_SOURCES = gateway/ctl/palisadectl.c
