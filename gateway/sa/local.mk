# sa/: the IKE engine
noinst_LIBRARIES += gateway/sa/libpalsa.a
gateway_sa_libpalsa_a_SOURCES = gateway/sa/sa.h gateway/sa/engine.c gateway/sa/sk_ops.c
