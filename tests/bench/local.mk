# tests/bench: figures, not tests (never part of `make check`).
# `make bench` runs tests/bench/ike_bench.sh (root: network namespaces),
# which measures IKE setups per second, the latency of one setup and the
# memory per established SA of palisade-gatewayd and of strongSwan's
# charon, and appends them to tests/bench/RESULTS.md.
#
# ikeload: the load generator (the project's codec, crypto and auth
# libraries; nothing of the engine). gatewayd-nulldp: palisade-gatewayd
# linked with a data path that installs nothing (tests/bench/dp_null.c),
# to measure the IKE engine alone at 100,000 SAs.
noinst_PROGRAMS += tests/bench/ikeload tests/bench/gatewayd-nulldp
tests_bench_ikeload_SOURCES = tests/bench/ikeload.c tests/bench/ikeload.h \
	tests/bench/lg_cfg.c tests/bench/lg_msg.c tests/bench/lg_sa.c
tests_bench_ikeload_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_bench_ikeload_LDADD = gateway/auth/libpalauth.a gateway/ike/libpalike.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

tests_bench_gatewayd_nulldp_SOURCES = gateway/main.c gateway/cmds.c gateway/cmds.h \
	tests/bench/dp_null.c
tests_bench_gatewayd_nulldp_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_bench_gatewayd_nulldp_LDADD = \
	gateway/control/libpalcontrol.a gateway/sa/libpalsa.a gateway/auth/libpalauth.a \
	gateway/net/libpalnet.a gateway/pool/libpalpool.a gateway/ike/libpalike.a \
	api/model/libpalmodel.a gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a \
	$(JANSSON_LIBS) $(OPENSSL_LIBS) $(SYSTEMD_LIBS)

EXTRA_DIST += tests/bench/ike_bench.sh tests/bench/RESULTS.md

.PHONY: bench
bench: tests/bench/ikeload tests/bench/gatewayd-nulldp gateway/palisade-gatewayd
	BUILDDIR=$(abs_top_builddir) $(srcdir)/tests/bench/ike_bench.sh
