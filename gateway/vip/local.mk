# vip (gateway/vip): virtual-IP leases from the pools of pools.json.
# Uses api/model (pools) and crypto/ (random seeds); link libpalmodel.a,
# libpalcrypto.a and libpalutil.a after it.
noinst_LIBRARIES += gateway/vip/libpalvip.a
gateway_vip_libpalvip_a_SOURCES = \
	gateway/vip/vip.h gateway/vip/vip_int.h \
	gateway/vip/vip.c gateway/vip/tab.c
gateway_vip_libpalvip_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
