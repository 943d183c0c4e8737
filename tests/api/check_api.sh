#!/bin/bash
# check_api.sh: palisade-mgmtd in front of palisade-gatewayd A, with a
# second gateway B as the peer, each in its own network namespace (the
# helpers of tests/integration). mgmtd gets a CA, a certificate and a
# connection through the API only; B connects; the SA shows in
# /api/v1/sas with growing counters; terminate, initiate, rekey; every
# endpoint, bad input, roles and sessions, the gateway going away and
# coming back (api_test.mjs, every response checked against
# api/openapi.yaml; and every connection read back goes through the
# dashboard's form and validator and is saved unchanged). Here: the
# connection keys of the spec, the dashboard and api/model
# (keys_test.mjs), the start-up refusals (a broken file, a non-loopback
# address without TLS) and HTTPS.
# Usage: GATEWAYD=... PALISADECTL=... MGMTD=... check_api.sh   (KEEP=1 keeps the work dir)
# Prints "N passed, N failed"; exits non-zero on failure.
set -u

GATEWAYD=${GATEWAYD:?set GATEWAYD}
PALISADECTL=${PALISADECTL:?set PALISADECTL}
MGMTD=${MGMTD:?set MGMTD}
API=$(cd "$(dirname "$0")" && pwd)
HERE=$(cd "$API/../integration" && pwd)
TOP=$(cd "$API/../.." && pwd)
P=pap$$
WORK=$(mktemp -d /tmp/check_api.XXXXXX)
. "$HERE/ike_lib.sh"
. "$HERE/ike_pki.sh"
. "$API/mgmtd_lib.sh"
PORT=18080
BASE=http://127.0.0.1:$PORT

if [ "$(id -u)" != 0 ]; then
	echo "check_api.sh: needs root (network namespaces)"
	exit 77
fi
command -v node >/dev/null || { echo "check_api.sh: node is missing"; exit 1; }
command -v promtool >/dev/null || { echo "check_api.sh: promtool is missing (Debian package prometheus)"; exit 1; }

cleanup() {
	kill_pidfile "$WORK/mgmtd.pid"
	kill_pidfile "$WORK/mgmtd-tls.pid"
	kill_pidfile "$WORK/gwa.pid"
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The extra PKI of these tests: an expired CA, and CRLs (p256ca's with
# one revoked certificate, and one signed by evilca).
pki_extra() {
	local d=$1
	openssl req -new -key "$d/p256ca.key" -subj "/O=Palisade Test/CN=Expired CA" \
		-out "$d/expca.csr" 2>/dev/null
	openssl ca -batch -config "$d/ca/ca.cnf" -cert "$d/p256ca.pem" -keyfile "$d/p256ca.key" \
		-in "$d/expca.csr" -out "$d/expca.pem" -notext -startdate 20200101000000Z \
		-enddate 20210101000000Z -extfile "$d/ext.cnf" -extensions ca 2>/dev/null
	openssl ca -config "$d/ca/ca.cnf" -cert "$d/p256ca.pem" -keyfile "$d/p256ca.key" \
		-revoke "$d/aexp.pem" 2>/dev/null
	openssl ca -gencrl -config "$d/ca/ca.cnf" -cert "$d/p256ca.pem" -keyfile "$d/p256ca.key" \
		-crldays 7 -out "$d/p256ca.crl" 2>/dev/null
	openssl ca -gencrl -config "$d/ca/ca.cnf" -cert "$d/evilca.pem" -keyfile "$d/evilca.key" \
		-crldays 7 -out "$d/evil.crl" 2>/dev/null
	[ -s "$d/expca.pem" ] && [ -s "$d/p256ca.crl" ] && [ -s "$d/evil.crl" ]
}

setup() {
	mkdir -p "$WORK/pki"
	pki_make "$WORK/pki" && pki_extra "$WORK/pki" || { echo "PKI failed"; return 1; }
	net_direct
	gwa_scripts
	cfg_new a
	cfg_new b
	settings a "$A_IP"
	settings b "$B_IP"
	cred b b256
	ca b p256ca
	$HELPER conn "$WORK/b/conns/ba.json" local.id=b.test local.auth=pubkey local.cert=b256 \
		local.key=b256 remote.addrs="$A_IP" remote.id=a.test remote.auth=pubkey \
		remote.ca=p256ca ike.proposals=aes256gcm16-prfsha256-x25519 ike.dpd_delay=0 \
		child.name=net child.mode=tunnel child.local_ts=10.2.0.1/32 \
		child.remote_ts=10.1.0.1/32 child.esp_proposals=aes128gcm16
	# a PSK client of A asking for a virtual IP: its lease shows in /api/v1/pools
	$HELPER conn "$WORK/b/conns/bv.json" local.id=bv.test local.auth=psk local.vips=0.0.0.0 \
		remote.addrs="$A_IP" remote.id=vipa.test remote.auth=psk \
		ike.proposals=aes128gcm16-prfsha256-x25519 ike.dpd_delay=0 child.name=net \
		child.mode=tunnel child.local_ts=dynamic child.remote_ts=10.1.0.0/16 \
		child.esp_proposals=aes128gcm16 psk=vip-psk-0123456789abcdef
	# the operator puts A's software key in keys/; the API never carries a key
	cp "$WORK/pki/a256.key" "$WORK/a/keys/a256.pem"
	chmod 600 "$WORK/a/keys/a256.pem"
	gw_start b "$NSB" && "$WORK/gw_start.sh"
}

tokens() {
	local m="$MGMTD"
	TOKEN_ADMIN=$($m token create --config-dir "$WORK/a" --role admin --name admin) &&
		TOKEN_OPERATOR=$($m token create --config-dir "$WORK/a" --role operator --name ops) &&
		TOKEN_VIEWER=$($m token create --config-dir "$WORK/a" --role viewer --name ci) &&
		TOKEN_EXPIRED=$($m token create --config-dir "$WORK/a" --role admin --name short --ttl 1) &&
		TOKEN_REVOKED=$($m token create --config-dir "$WORK/a" --role admin --name gone) &&
		$m token revoke --config-dir "$WORK/a" --name gone &&
		WEB_PASSWORD=web-pass-$$-Xy &&
		echo "$WEB_PASSWORD" | $m user add --config-dir "$WORK/a" --role admin --name web
}

webroot() {
	mkdir -p "$WORK/web"
	echo '<!doctype html><title>palisade</title>' >"$WORK/web/index.html"
	echo 'export const x = 1;' >"$WORK/web/app.js"
	echo 'secret' >"$WORK/web/.secret"
	ln -s /etc "$WORK/web/link"
}

# mgmtd refuses a broken file by name and does not touch it
refuses_broken() {
	local d=$WORK/broken out
	mkdir -p "$d/conns"
	echo '{"name": "x", "local": ' >"$d/conns/x.json"
	out=$("$MGMTD" --config-dir "$d" --gateway-socket "$d/none" --listen 127.0.0.1:18099 2>&1)
	[ $? != 0 ] && echo "$out" | grep -q "conns/x.json" &&
		[ "$(cat "$d/conns/x.json")" = '{"name": "x", "local": ' ]
}

refuses_clear_text() {
	local out
	out=$(nsa "$MGMTD" --config-dir "$WORK/a" --gateway-socket "$WORK/a/run/control.sock" \
		--listen "$A_IP:18098" 2>&1)
	[ $? = 2 ] && echo "$out" | grep -q "without TLS"
}

https_ok() {
	local h
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=mgmt -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2>/dev/null
	setsid ip netns exec "$NSA" "$MGMTD" --config-dir "$WORK/a" \
		--gateway-socket "$WORK/a/run/control.sock" --listen "$A_IP:18443" \
		--tls-cert "$WORK/tls.pem" --tls-key "$WORK/tls.key" >"$WORK/mgmtd-tls.log" 2>&1 \
		</dev/null &
	echo $! >"$WORK/mgmtd-tls.pid"
	for _ in $(seq 100); do
		h=$(nsa curl -s -D - -o /dev/null --cacert "$WORK/tls.pem" \
			--resolve "mgmt:18443:$A_IP" "https://mgmt:18443/healthz" 2>/dev/null) && break
		sleep 0.05
	done
	kill_pidfile "$WORK/mgmtd-tls.pid"
	echo "$h" | grep -q "^HTTP/1.1 200" && echo "$h" | grep -qi "^strict-transport-security"
}

# the connection keys of api/openapi.yaml, web/js/validate and api/model agree
node "$API/keys_test.mjs" >"$WORK/keys.out" 2>&1
cat "$WORK/keys.out"
node_tally "$WORK/keys.out" keys_test.mjs
check "setup: PKI, namespaces, gateways" setup || exit 1
check "tokens and a user made with the CLI" tokens
webroot
check "mgmtd refuses a broken file, naming it, and leaves it alone" refuses_broken
check "mgmtd refuses a non-loopback address without TLS" refuses_clear_text
check "mgmtd serves HTTPS with the given certificate (and HSTS)" https_ok
check "mgmtd starts" mgmtd_start "$WORK/web" || exit 1
sleep 1.2 # the short token expires

nsa env BASE="$BASE" SPEC="$TOP/api/openapi.yaml" PKI="$WORK/pki" CONFIG_DIR="$WORK/a" \
	B_IP="$B_IP" TOKEN_ADMIN="$TOKEN_ADMIN" TOKEN_OPERATOR="$TOKEN_OPERATOR" \
	TOKEN_VIEWER="$TOKEN_VIEWER" TOKEN_EXPIRED="$TOKEN_EXPIRED" TOKEN_REVOKED="$TOKEN_REVOKED" \
	WEB_PASSWORD="$WEB_PASSWORD" MGMTD="$MGMTD" MGMTD_LOG="$WORK/mgmtd.log" \
	PEER_INITIATE="$PALISADECTL --socket $WORK/b/run/control.sock initiate ba" \
	PEER_INITIATE_VIP="$PALISADECTL --socket $WORK/b/run/control.sock initiate bv" \
	PING="ip netns exec $NSA ping -q -c 5 -i 0.1 -W 2 -I 10.1.0.1 10.2.0.1" \
	GW_STOP="$WORK/gw_stop.sh" GW_START="$WORK/gw_start.sh" \
	A_CONNS="$PALISADECTL --socket $WORK/a/run/control.sock --json list-conns" \
	node "$API/api_test.mjs" >"$WORK/node.out" 2>&1
cat "$WORK/node.out"
node_tally "$WORK/node.out" api_test.mjs
check "mgmtd still running after every test" kill -0 "$(cat "$WORK/mgmtd.pid")"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
