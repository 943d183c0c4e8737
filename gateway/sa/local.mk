# sa/: the IKE engine
noinst_LIBRARIES += gateway/sa/libpalsa.a
gateway_sa_libpalsa_a_SOURCES = gateway/sa/sa.h gateway/sa/sa_int.h \
	gateway/sa/config.c gateway/sa/config.h gateway/sa/table.c gateway/sa/table.h \
	gateway/sa/cookie.c gateway/sa/cookie.h \
	gateway/sa/engine.c gateway/sa/input.c gateway/sa/msg.c gateway/sa/ike_sa.c \
	gateway/sa/select.c gateway/sa/ts.c gateway/sa/nat.c gateway/sa/child.c gateway/sa/policy.c \
	gateway/sa/exch_init.c gateway/sa/exch_auth.c gateway/sa/exch_info.c gateway/sa/exch_eap.c gateway/sa/cp.c \
	gateway/sa/ctl.c gateway/sa/json.c gateway/sa/events.c gateway/sa/sk_ops.c
gateway_sa_libpalsa_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)

# What a program linking the engine needs, in link order (after libpalsa.a
# come the layers below it).
SA_LIBS = gateway/sa/libpalsa.a gateway/auth/eap/libpaleap.a gateway/vip/libpalvip.a \
	gateway/auth/libpalauth.a gateway/pool/libpalpool.a gateway/net/libpalnet.a \
	gateway/ike/libpalike.a gateway/datapath/libpaldatapath.a api/model/libpalmodel.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a \
	$(DATAPATH_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
