# xfrm backend: the kernel's XFRM/ESP through NETLINK_XFRM (libnl-3).
gateway_datapath_libpaldatapath_a_SOURCES += \
	gateway/datapath/xfrm.c gateway/datapath/xfrm_be.h \
	gateway/datapath/xfrm_msg.c gateway/datapath/xfrm_msg.h \
	gateway/datapath/xfrm_parse.c gateway/datapath/xfrm_nl.c \
	gateway/datapath/xfrm_own.c gateway/datapath/xfrm_flush.c \
	gateway/datapath/xfrm_events.c gateway/datapath/xfrm_probe.c
