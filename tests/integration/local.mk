# tests/integration: network-namespace tests (root). `make check-integration`
# runs every script in INTEGRATION_RUN; each prints "N passed, N failed".
# Exit 77 (a script's prerequisites missing, e.g. SoftHSM2) is a skip, except
# under CHECK_NO_SKIP=1 (scripts/check, which installs every prerequisite).
INTEGRATION_RUN = tests/integration/dp_user.sh tests/integration/ike.sh tests/integration/eap.sh \
	tests/integration/hsm.sh
EXTRA_DIST += $(INTEGRATION_RUN) tests/integration/dp_helper.py \
	tests/integration/ike_helper.py tests/integration/ike_lib.sh tests/integration/ike_pki.sh \
	scripts/hsm-init
# rekey.sh: rekeys under traffic, collisions, DPD (two gatewayds)
INTEGRATION_RUN += tests/integration/rekey.sh
EXTRA_DIST += tests/integration/rk_stream.py tests/integration/esp_delay.py

.PHONY: check-integration
check-integration: tests/datapath/dptool gateway/palisade-gatewayd gateway/palisadectl \
		pkcs11/palisade-hsm
	@rc=0; for t in $(INTEGRATION_RUN); do \
		echo "== $$t"; \
		DPTOOL=$(abs_top_builddir)/tests/datapath/dptool \
		GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
		PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
		PALISADE_HSM=$(abs_top_builddir)/pkcs11/palisade-hsm \
		$(srcdir)/$$t; r=$$?; [ $$r -eq 0 ] || { [ $$r -eq 77 ] && [ -z "$$CHECK_NO_SKIP" ]; } || rc=1; \
	done; exit $$rc
