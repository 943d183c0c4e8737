# net/: UDP 500/4500 sockets and the receiver thread
noinst_LIBRARIES += gateway/net/libpalnet.a
gateway_net_libpalnet_a_SOURCES = \
	gateway/net/net.h gateway/net/net_int.h \
	gateway/net/sock.c gateway/net/recv.c gateway/net/send.c gateway/net/addr.c
gateway_net_libpalnet_a_CFLAGS = $(AM_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_ROUTE_CFLAGS)
