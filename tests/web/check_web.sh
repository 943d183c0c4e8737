#!/bin/bash
# check_web.sh: the admin dashboard (web/) in a real browser. Gateway A
# runs palisade-gatewayd with palisade-mgmtd in front of it (--web-root
# web/), gateway B is the peer: a road warrior that logs in with
# EAP-MSCHAPv2 and asks for a virtual IP, and the far end of a PSK
# site-to-site connection; each in its own network namespace (the helpers
# of tests/integration). web_test.mjs drives Debian's Chromium through
# playwright-core inside A's namespace: log in (by keyboard), upload a CA
# by drag and drop, create a pool, connections (form and JSON view) and
# EAP users (form and CSV), watch B's SA appear with growing counters,
# rekey and terminate it, initiate the site-to-site connection from the
# list, a wrong password in the event log, the viewer's and the
# operator's UI, dark theme and phone width, the gateway going away; the
# forms' validators held against the API; screenshots of every page,
# axe-core on every page, no console error.
# Usage: GATEWAYD=... PALISADECTL=... MGMTD=... check_web.sh ARTIFACT_DIR
#   KEEP=1 keeps the work dir; WEB_DEV=1 sets everything up, prints the
#   URL and credentials and waits (for working on the dashboard).
# Prints "N passed, N failed"; exits non-zero on failure.
set -u

GATEWAYD=${GATEWAYD:?set GATEWAYD}
PALISADECTL=${PALISADECTL:?set PALISADECTL}
MGMTD=${MGMTD:?set MGMTD}
ART=${1:?usage: check_web.sh ARTIFACT_DIR}
WEBT=$(cd "$(dirname "$0")" && pwd)
HERE=$(cd "$WEBT/../integration" && pwd)
TOP=$(cd "$WEBT/../.." && pwd)
P=pwb$$
WORK=$(mktemp -d /tmp/check_web.XXXXXX)
. "$HERE/ike_lib.sh"
. "$HERE/ike_pki.sh"
. "$WEBT/../api/mgmtd_lib.sh"
PORT=18180
BASE=http://127.0.0.1:$PORT
ALICE_PW=alice-Web-$$-pw

if [ "$(id -u)" != 0 ]; then
	echo "check_web.sh: needs root (network namespaces)"
	exit 77
fi
for c in node chromium; do
	command -v $c >/dev/null || { echo "check_web.sh: $c is missing (scripts/deps)"; exit 1; }
done
mkdir -p "$ART"

cleanup() {
	kill_pidfile "$WORK/ping.pid"
	kill_pidfile "$WORK/mgmtd.pid"
	kill_pidfile "$WORK/gwa.pid"
	net_down
	cp "$WORK"/*.log "$WORK"/logs/*.log "$ART/" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# scripts: the helpers the test runs (after net_direct: they name addresses)
scripts() {
# Gateway A is stopped and started by the test (the "gateway down" page).
gwa_scripts
# B, the road warrior: its connection with a password (right or wrong),
# reloaded; then it dials in.
cat >"$WORK/peer_conn.sh" <<EOF
#!/bin/sh
$HELPER conn "$WORK/b/conns/rw.json" local.id=alice@b.test local.auth=eap local.eap_id=alice \
	remote.addrs=$A_IP remote.id=a.test remote.auth=pubkey remote.ca=p256ca \
	ike.proposals=aes256gcm16-prfsha384-x25519 ike.dpd_delay=0 child.name=net \
	child.mode=tunnel child.local_ts=dynamic child.remote_ts=10.1.0.1/32 \
	child.esp_proposals=aes256gcm16 local.vips=0.0.0.0 psk="\$1" &&
"$PALISADECTL" --socket "$WORK/b/run/control.sock" reload >/dev/null
EOF
cat >"$WORK/peer_initiate.sh" <<EOF
#!/bin/sh
exec "$PALISADECTL" --socket "$WORK/b/run/control.sock" --timeout 20 initiate rw
EOF
# Traffic from B's virtual IP to A's inner address until stopped.
cat >"$WORK/ping_start.sh" <<EOF
#!/bin/sh
vip=\$("$PALISADECTL" --socket "$WORK/b/run/control.sock" --json list-sas |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["local"]["vips"][0])')
setsid ip netns exec $NSB ping -q -i 0.2 -s 1000 -I "\$vip" 10.1.0.1 >/dev/null 2>&1 </dev/null &
echo \$! >"$WORK/ping.pid"
EOF
cat >"$WORK/ping_stop.sh" <<EOF
#!/bin/sh
[ -s "$WORK/ping.pid" ] && kill \$(cat "$WORK/ping.pid") 2>/dev/null; rm -f "$WORK/ping.pid"; exit 0
EOF
chmod +x "$WORK"/*.sh
}

setup() {
	mkdir -p "$WORK/pki"
	pki_make "$WORK/pki" || { echo "PKI failed"; return 1; }
	net_direct
	cfg_new a
	cfg_new b
	settings a "$A_IP"
	settings b "$B_IP"
	# A's certificate and key are put in certs/ and keys/ by the operator
	# (the API never carries a key; the dashboard has no page for them)
	cred a a256
	ca b p256ca
	# B also answers a site-to-site connection (PSK) that the dashboard
	# creates on A and initiates
	$HELPER conn "$WORK/b/conns/ba.json" local.id=b.test local.auth=psk remote.addrs="$A_IP" \
		remote.id=s2s.a.test remote.auth=psk ike.proposals=aes256gcm16-prfsha384-x25519 \
		ike.dpd_delay=0 child.name=net child.mode=tunnel child.local_ts=10.2.0.1/32 \
		child.remote_ts=10.1.0.1/32 child.esp_proposals=aes256gcm16 psk=$PSK
	scripts
	gw_start b "$NSB" && "$WORK/gw_start.sh" && "$WORK/peer_conn.sh" "$ALICE_PW"
}

accounts() {
	local m="$MGMTD" d="$WORK/a"
	ADMIN_PW=admin-Web-$$-pw OPERATOR_PW=oper-Web-$$-pw VIEWER_PW=view-Web-$$-pw
	echo "$ADMIN_PW" | $m user add --config-dir "$d" --role admin --name admin &&
		echo "$OPERATOR_PW" | $m user add --config-dir "$d" --role operator --name ops &&
		echo "$VIEWER_PW" | $m user add --config-dir "$d" --role viewer --name view
}

# must NAME COMMAND...: a step the rest needs
must() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; echo "$pass passed, $fail failed"; exit 1; fi
}
must "setup: PKI, namespaces, gateways A and B" setup
must "dashboard accounts made with the CLI (admin, operator, viewer)" accounts
must "mgmtd starts with --web-root web/" mgmtd_start "$TOP/web"

if [ "${WEB_DEV:-0}" = 1 ]; then
	echo "dashboard: $BASE in namespace $NSA (ip netns exec $NSA ...)"
	echo "admin/$ADMIN_PW ops/$OPERATOR_PW view/$VIEWER_PW; alice/$ALICE_PW; work: $WORK"
	echo "peer: $WORK/peer_initiate.sh, $WORK/ping_start.sh, $WORK/peer_conn.sh PASSWORD"
	echo "PKI: $WORK/pki"
	sleep infinity &
	wait $!
fi

nsa env BASE="$BASE" ART="$ART" PKI="$WORK/pki" WEB_ROOT="$TOP/web" \
	ADMIN_PW="$ADMIN_PW" OPERATOR_PW="$OPERATOR_PW" VIEWER_PW="$VIEWER_PW" \
	ALICE_PW="$ALICE_PW" B_IP="$B_IP" S2S_PSK="$PSK" \
	PEER_CONN="$WORK/peer_conn.sh" PEER_INITIATE="$WORK/peer_initiate.sh" \
	PING_START="$WORK/ping_start.sh" PING_STOP="$WORK/ping_stop.sh" \
	GW_STOP="$WORK/gw_stop.sh" GW_START="$WORK/gw_start.sh" \
	node "$WEBT/web_test.mjs" >"$WORK/node.out" 2>&1
cat "$WORK/node.out"
node_tally "$WORK/node.out" web_test.mjs
check "mgmtd still running after every test" kill -0 "$(cat "$WORK/mgmtd.pid")"
echo "artifacts (screenshots, logs): $ART"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
