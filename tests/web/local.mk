# tests/web: the admin dashboard (web/) in a real browser (root, network
# namespaces). `make check-web` installs the npm packages of tests/web
# (playwright-core, axe-core; package-lock.json, node_modules is not
# committed) and runs check_web.sh: gateways A and B, mgmtd serving web/,
# Debian's chromium driven headless. Screenshots and logs go to
# tests/web/artifacts in the build tree.
EXTRA_DIST += tests/web/check_web.sh tests/web/web_test.mjs tests/web/npm_setup.sh \
	tests/web/package.json tests/web/package-lock.json

.PHONY: check-web
check-web: mgmtd/palisade-mgmtd gateway/palisade-gatewayd gateway/palisadectl
	$(srcdir)/tests/web/npm_setup.sh
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	MGMTD=$(abs_top_builddir)/mgmtd/palisade-mgmtd \
		$(srcdir)/tests/web/check_web.sh $(abs_top_builddir)/tests/web/artifacts
