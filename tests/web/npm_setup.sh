#!/bin/sh
# npm_setup.sh: playwright-core and axe-core into tests/web/node_modules,
# exactly as package-lock.json pins them (node_modules is not committed;
# the browser is Debian's chromium, never downloaded); skipped when they
# are already there and current.
set -eu
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
	exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
