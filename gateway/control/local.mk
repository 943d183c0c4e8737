# gateway/control: the control socket server (api/control.md)
noinst_LIBRARIES += gateway/control/libpalcontrol.a
gateway_control_libpalcontrol_a_SOURCES = \
	gateway/control/control.h gateway/control/control_int.h \
	gateway/control/server.c gateway/control/sock.c gateway/control/peer.c \
	gateway/control/conn.c gateway/control/dispatch.c gateway/control/builtins.c \
	gateway/control/events.c gateway/control/args.c
gateway_control_libpalcontrol_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
