include $(srcdir)/gateway/pool/local.mk
include $(srcdir)/gateway/net/local.mk
include $(srcdir)/gateway/sa/local.mk

sbin_PROGRAMS += gateway/palisade-gatewayd
gateway_palisade_gatewayd_SOURCES = gateway/main.c
gateway_palisade_gatewayd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
gateway_palisade_gatewayd_LDADD = \
	gateway/sa/libpalsa.a gateway/net/libpalnet.a gateway/ike/libpalike.a \
	api/model/libpalmodel.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS) $(SYSTEMD_LIBS)

bin_PROGRAMS += gateway/palisadectl
gateway_palisadectl_SOURCES = gateway/ctl/palisadectl.c
