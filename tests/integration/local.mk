# tests/integration: network-namespace tests (root). `make check-integration`
# runs every script in INTEGRATION_RUN; each prints "N passed, N failed".
INTEGRATION_RUN = tests/integration/dp_user.sh tests/integration/ike.sh tests/integration/eap.sh
EXTRA_DIST += $(INTEGRATION_RUN) tests/integration/dp_helper.py \
	tests/integration/ike_helper.py tests/integration/ike_lib.sh tests/integration/ike_pki.sh
# rekey.sh: rekeys under traffic, collisions, DPD (two gatewayds)
INTEGRATION_RUN += tests/integration/rekey.sh
EXTRA_DIST += tests/integration/rk_stream.py

.PHONY: check-integration
check-integration: tests/datapath/dptool gateway/palisade-gatewayd gateway/palisadectl
	@rc=0; for t in $(INTEGRATION_RUN); do \
		echo "== $$t"; \
		DPTOOL=$(abs_top_builddir)/tests/datapath/dptool \
		GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
		PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
		$(srcdir)/$$t || rc=1; \
	done; exit $$rc
