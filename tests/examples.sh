#!/bin/sh
# tests/examples.sh: the example configuration (examples/) parses and
# validates as the daemons read it (palisade-mgmtd check, api/model), in a
# copy: the check creates mgmt/. Part of `make check` (no root needed).
set -u
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
d=$(mktemp -d "${TMPDIR:-/tmp}/examples.XXXXXX")
trap 'rm -rf "$d"' EXIT
pass=0 fail=0
cp -R "$srcdir/examples/." "$d/"
chmod -R u+w "$d"
mkdir -p "$d/cas" "$d/certs"
if out=$("$top_builddir/mgmtd/palisade-mgmtd" check --config-dir "$d" 2>&1); then
	pass=$((pass + 1)); echo "ok: examples/ validates: $out"
else
	fail=$((fail + 1)); echo "FAIL: examples/ does not validate: $out"
fi
# and a broken copy is refused (the check can fail)
echo '{"listen": "nowhere"}' >"$d/gateway.json"
if "$top_builddir/mgmtd/palisade-mgmtd" check --config-dir "$d" >/dev/null 2>&1; then
	fail=$((fail + 1)); echo "FAIL: a broken gateway.json passed the check"
else
	pass=$((pass + 1)); echo "ok: a broken gateway.json is refused"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
