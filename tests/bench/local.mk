# tests/bench: figures, not tests (root). `make bench` writes
# tests/bench/RESULTS.md in the build tree; copy it to the source tree to
# record a run. It runs the data path figures (dp_bench.sh, which writes
# the file) and then the IKE figures (ike_bench.sh, which appends its
# section "IKE setup rate and memory"); `make bench-ike` runs the latter
# alone; then hsm_bench.sh (keys in SoftHSM2: "Keys in SoftHSM2"), `make
# bench-hsm` alone.
EXTRA_DIST += tests/bench/dp_bench.sh tests/bench/swan.sh tests/bench/RESULTS.md \
	tests/bench/ike_bench.sh

# ikeload: the IKE load generator (the project's codec, crypto and auth
# libraries; nothing of the engine). gatewayd-nulldp: palisade-gatewayd
# linked with a data path that installs nothing (tests/bench/dp_null.c),
# to measure the IKE engine alone at 100,000 SAs.
noinst_PROGRAMS += tests/bench/ikeload tests/bench/gatewayd-nulldp
tests_bench_ikeload_SOURCES = tests/bench/ikeload.c tests/bench/ikeload.h \
	tests/bench/lg_cfg.c tests/bench/lg_msg.c tests/bench/lg_sa.c
tests_bench_ikeload_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_bench_ikeload_LDADD = gateway/auth/libpalauth.a $(P11_LIBS) gateway/ike/libpalike.a \
	gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a $(OPENSSL_LIBS)

tests_bench_gatewayd_nulldp_SOURCES = gateway/main.c gateway/cmds.c gateway/cmds.h \
	tests/bench/dp_null.c
tests_bench_gatewayd_nulldp_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_bench_gatewayd_nulldp_LDADD = \
	gateway/control/libpalcontrol.a gateway/sa/libpalsa.a gateway/auth/eap/libpaleap.a \
	gateway/vip/libpalvip.a gateway/auth/libpalauth.a $(P11_LIBS) \
	gateway/net/libpalnet.a gateway/pool/libpalpool.a gateway/ike/libpalike.a \
	api/model/libpalmodel.a gateway/crypto/libpalcrypto.a gateway/util/libpalutil.a \
	$(LIBNL_ROUTE_LIBS) $(LIBNL_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS) $(SYSTEMD_LIBS)

# p11bench: signatures per second through pkcs11/ (hsm_bench.sh)
noinst_PROGRAMS += tests/bench/p11bench
tests_bench_p11bench_SOURCES = tests/bench/p11bench.c
tests_bench_p11bench_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_bench_p11bench_LDADD = $(P11_LIBS) gateway/util/libpalutil.a $(OPENSSL_LIBS)
EXTRA_DIST += tests/bench/hsm_bench.sh

HSM_BENCH_DEPS = tests/bench/p11bench tests/bench/ikeload gateway/palisade-gatewayd \
	gateway/palisadectl pkcs11/palisade-hsm tests/unit/pkcs11/fake_p11.so
HSM_BENCH_RUN = BUILDDIR=$(abs_top_builddir) RESULTS=$(abs_top_builddir)/tests/bench/RESULTS.md \
	$(srcdir)/tests/bench/hsm_bench.sh

IKE_BENCH_DEPS = tests/bench/ikeload tests/bench/gatewayd-nulldp gateway/palisade-gatewayd \
	gateway/palisadectl
IKE_BENCH_RUN = BUILDDIR=$(abs_top_builddir) RESULTS=$(abs_top_builddir)/tests/bench/RESULTS.md \
	$(srcdir)/tests/bench/ike_bench.sh

.PHONY: bench bench-ike bench-hsm
bench: tests/datapath/dptool $(IKE_BENCH_DEPS) $(HSM_BENCH_DEPS)
	DPTOOL=$(abs_top_builddir)/tests/datapath/dptool \
		$(srcdir)/tests/bench/dp_bench.sh $(abs_top_builddir)/tests/bench/RESULTS.md
	$(IKE_BENCH_RUN)
	$(HSM_BENCH_RUN)

# the figures of keys in SoftHSM2 alone (appended to RESULTS.md)
bench-hsm: $(HSM_BENCH_DEPS)
	$(HSM_BENCH_RUN)

bench-ike: $(IKE_BENCH_DEPS)
	$(IKE_BENCH_RUN)
