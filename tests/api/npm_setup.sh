#!/bin/sh
# npm_setup.sh: the npm packages of the API tests (Ajv, yaml, Redocly CLI)
# into tests/api/node_modules, exactly as package-lock.json pins them;
# skipped when they are already there and current.
set -eu
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
