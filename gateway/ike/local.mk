# IKE codec (gateway/ike): RFC 7296 messages and payloads, RFC 7383 fragments.
noinst_LIBRARIES += gateway/ike/libpalike.a
gateway_ike_libpalike_a_SOURCES = \
	gateway/ike/ike.h gateway/ike/ike_int.h \
	gateway/ike/names.c gateway/ike/msg.c gateway/ike/rules.c \
	gateway/ike/build.c gateway/ike/reencode.c \
	gateway/ike/pld_sa.c gateway/ike/pld_ke.c gateway/ike/pld_id.c \
	gateway/ike/pld_cert.c gateway/ike/pld_auth.c gateway/ike/pld_nonce.c \
	gateway/ike/pld_notify.c gateway/ike/pld_delete.c gateway/ike/pld_vendor.c \
	gateway/ike/pld_ts.c gateway/ike/pld_cp.c gateway/ike/pld_eap.c \
	gateway/ike/pld_skf.c gateway/ike/sk.c gateway/ike/frag.c gateway/ike/reasm.c
gateway_ike_libpalike_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
# Link order for users: gateway/ike/libpalike.a gateway/util/libpalutil.a $(OPENSSL_LIBS)
