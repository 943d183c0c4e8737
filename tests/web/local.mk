# tests/web: the admin dashboard (web/) in a real browser (root, network
# namespaces). `make check-web` installs the npm packages of tests/web
# (playwright-core, axe-core; package-lock.json, node_modules is not
# committed) and runs check_web.sh: gateways A and B, mgmtd serving web/,
# Debian's chromium driven headless. Screenshots and logs go to
# tests/web/artifacts in the build tree.
EXTRA_DIST += tests/web/check_web.sh tests/web/web_test.mjs tests/web/npm_setup.sh \
	tests/web/package.json tests/web/package-lock.json
EXTRA_DIST += web/index.html web/favicon.svg web/css/app.css web/js/api.js web/js/app.js \
	web/js/chart.js web/js/dom.js web/js/live.js web/js/session.js web/js/ui.js \
	web/js/validate.js web/js/validate/conn.js web/js/validate/ident.js \
	web/js/validate/net.js web/js/validate/proposal.js web/js/validate/records.js \
	web/js/pages/cas.js web/js/pages/conns.js web/js/pages/eap.js web/js/pages/events.js \
	web/js/pages/overview.js web/js/pages/pools.js web/js/pages/sas.js

.PHONY: check-web
check-web: mgmtd/palisade-mgmtd gateway/palisade-gatewayd gateway/palisadectl
	$(srcdir)/tests/web/npm_setup.sh
	GATEWAYD=$(abs_top_builddir)/gateway/palisade-gatewayd \
	PALISADECTL=$(abs_top_builddir)/gateway/palisadectl \
	MGMTD=$(abs_top_builddir)/mgmtd/palisade-mgmtd \
		$(srcdir)/tests/web/check_web.sh $(abs_top_builddir)/tests/web/artifacts
