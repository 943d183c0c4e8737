include $(srcdir)/gateway/auth/local.mk
include $(srcdir)/gateway/pool/local.mk
include $(srcdir)/gateway/vip/local.mk
include $(srcdir)/gateway/net/local.mk
include $(srcdir)/gateway/sa/local.mk
include $(srcdir)/gateway/control/local.mk

sbin_PROGRAMS += gateway/palisade-gatewayd
gateway_palisade_gatewayd_SOURCES = gateway/main.c gateway/cmds.c gateway/cmds.h
gateway_palisade_gatewayd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS)
gateway_palisade_gatewayd_LDADD = gateway/control/libpalcontrol.a $(SA_LIBS) $(SYSTEMD_LIBS)

bin_PROGRAMS += gateway/palisadectl
gateway_palisadectl_SOURCES = \
	gateway/ctl/palisadectl.c gateway/ctl/ctl.h gateway/ctl/client.c gateway/ctl/fmt.c \
	gateway/ctl/show_sas.c gateway/ctl/show_conns.c gateway/ctl/show_misc.c \
	gateway/ctl/show_events.c
gateway_palisadectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
gateway_palisadectl_LDADD = $(JANSSON_LIBS)
