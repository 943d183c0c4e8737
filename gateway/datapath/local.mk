# datapath (gateway/datapath): the ESP data path, xfrm and userspace backends
noinst_LIBRARIES += gateway/datapath/libpaldatapath.a
gateway_datapath_libpaldatapath_a_SOURCES = \
	gateway/datapath/datapath.h gateway/datapath/backend.h \
	gateway/datapath/datapath.c \
	gateway/datapath/esp.c gateway/datapath/esp.h \
	gateway/datapath/esp_crypto.c gateway/datapath/esp_crypto.h \
	gateway/datapath/esp_replay.c gateway/datapath/esp_replay.h \
	gateway/datapath/pkt.c gateway/datapath/pkt.h \
	gateway/datapath/offload.c gateway/datapath/offload.h \
	gateway/datapath/tun.c gateway/datapath/tun.h \
	gateway/datapath/tun_route.c gateway/datapath/tun_route.h \
	gateway/datapath/user_table.c gateway/datapath/user_table.h \
	gateway/datapath/user_io.c gateway/datapath/user_io.h \
	gateway/datapath/userspace.c gateway/datapath/userspace.h
EXTRA_DIST += gateway/datapath/README.md
gateway_datapath_libpaldatapath_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(LIBNL_CFLAGS) $(LIBNL_ROUTE_CFLAGS) $(LIBNL_XFRM_CFLAGS)
# What a program linking libpaldatapath.a adds (after it, before libpalutil.a).
DATAPATH_LIBS = $(LIBNL_XFRM_LIBS) $(LIBNL_ROUTE_LIBS) $(LIBNL_LIBS) $(OPENSSL_LIBS)

include $(srcdir)/gateway/datapath/xfrm.mk
