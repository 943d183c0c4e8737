# tests/api: palisade-mgmtd end to end (root, network namespaces).
# `make check-api` installs the npm packages of tests/api (package-lock.json;
# node_modules is not committed), lints api/openapi.yaml with Redocly,
# runs check_api.sh (two gateways, mgmtd, every endpoint, every response
# validated against the spec, the connection keys of spec, dashboard and
# api/model compared, every connection round-tripped through the
# dashboard's form and validator) and crash.py (SIGKILL during 500 writes).

EXTRA_DIST += tests/api/check_api.sh tests/api/mgmtd_lib.sh tests/api/api_test.mjs tests/api/contract.mjs \
	tests/api/keys_test.mjs \
	tests/api/crash.py tests/api/package.json tests/api/package-lock.json \
	tests/api/npm_setup.sh api/openapi.yaml

.PHONY: check-api
check-api: mgmtd/palisade-mgmtd gateway/palisade-gatewayd gateway/palisadectl
	$(srcdir)/tests/api/npm_setup.sh
	cd $(srcdir)/tests/api && ./node_modules/.bin/redocly lint --format stylish ../../api/openapi.yaml
	@rc=0; \
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	MGMTD=$(abs_top_builddir)/mgmtd/palisade-mgmtd \
		$(srcdir)/tests/api/check_api.sh || rc=1; \
	python3 $(srcdir)/tests/api/crash.py $(abs_top_builddir)/mgmtd/palisade-mgmtd 500 || rc=1; \
	exit $$rc

# `make bench-api`: mgmtd's figures (tests/bench/api_bench.sh): requests/s and
# p99 with 1,000 live SAs, and IKE setups/s with and without 10 dashboard
# pollers. The section "palisade-mgmtd under load" of $(API_RESULTS) (default:
# tests/bench/RESULTS.md in the build tree) is replaced or appended; copy it to
# the source tree to record a run, or give API_RESULTS=$(srcdir)/tests/bench/RESULTS.md.
EXTRA_DIST += tests/bench/api_bench.sh
API_RESULTS = $(abs_top_builddir)/tests/bench/RESULTS.md
.PHONY: bench-api
bench-api: mgmtd/palisade-mgmtd gateway/palisade-gatewayd gateway/palisadectl
	@mkdir -p tests/bench
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	MGMTD=$(abs_top_builddir)/mgmtd/palisade-mgmtd \
		$(srcdir)/tests/bench/api_bench.sh $(API_RESULTS)
