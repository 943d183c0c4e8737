# tests/integration: network-namespace tests (root). `make check-integration`
# runs every script in INTEGRATION_RUN; each prints "N passed, N failed".
INTEGRATION_RUN = tests/integration/dp_user.sh
EXTRA_DIST += $(INTEGRATION_RUN) tests/integration/dp_helper.py

.PHONY: check-integration
check-integration: tests/datapath/dptool
	@rc=0; for t in $(INTEGRATION_RUN); do \
		echo "== $$t"; \
		DPTOOL=$(abs_top_builddir)/tests/datapath/dptool $(srcdir)/$$t || rc=1; \
	done; exit $$rc
