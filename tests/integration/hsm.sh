#!/bin/bash
# hsm.sh: palisade-gatewayd with its private keys in SoftHSM2 (root,
# network namespaces). A responder B whose keys live in three tokens
# (EC P-256 and RSA-2048 made by scripts/hsm-init, the RSA one signing
# RSA-PSS with its certificate on the token; and an imported EC key whose
# private value we know) authenticates to an initiator A (keys/ PEM) that
# validates B's certificate up to the test CA. Then: the keys cannot be
# read and no file Palisade wrote holds one; the token's directory is
# moved away and back while SAs are set up in a loop (B survives, counts
# the failures, resumes); and bad input at start-up, each refused with a
# clear message: malformed URIs, a module that is not PKCS#11, an empty
# PIN file, a wrong PIN (not retried), a missing key, a certificate of
# another key, an imported key under require_non_extractable.
# Usage: GATEWAYD=... PALISADECTL=... PALISADE_HSM=... hsm.sh  (KEEP=1
# keeps the work dir). Prints "N passed, N failed"; exit 77: skipped.
set -u

GATEWAYD=${GATEWAYD:?set GATEWAYD to palisade-gatewayd}
PALISADECTL=${PALISADECTL:?set PALISADECTL to palisadectl}
PALISADE_HSM=${PALISADE_HSM:?set PALISADE_HSM to palisade-hsm}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
MODULE=/usr/lib/softhsm/libsofthsm2.so

if [ "$(id -u)" != 0 ]; then
	echo "hsm.sh: needs root (network namespaces); skipped"
	exit 77
fi
if [ ! -f "$MODULE" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
	echo "hsm.sh: needs softhsm2 and opensc (pkcs11-tool); skipped"
	exit 77
fi

P=phs$$
NSA=${P}a NSB=${P}b
WORK=$(mktemp -d /tmp/palisade-hsm.XXXXXX)
A=$WORK/a B=$WORK/b H=$WORK/hsm PKI=$WORK/pki
PID_A="" PID_B="" LOOP_PID=""
pass=0
fail=0
SAN_REPORT="Sanitizer|runtime error:"

cleanup() {
	for p in $LOOP_PID $PID_A $PID_B; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	[ -d "$H/tokens.away" ] && mv "$H/tokens.away" "$H/tokens"
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

ok() {
	pass=$((pass + 1))
	echo "PASS: $*"
}
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# check NAME COMMAND...: one result; a failing command's output is shown
check() {
	local name=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		ok "$name"
	else
		ko "$name"
		sed 's/^/    /' "$WORK/check.out" | tail -20
	fi
}
# wait_for SECONDS COMMAND...
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}
nsa() { ip netns exec "$NSA" "$@"; }
nsb() { ip netns exec "$NSB" "$@"; }
ctl_a() { "$PALISADECTL" --socket "$A/run/control.sock" "$@"; }
ctl_b() { "$PALISADECTL" --socket "$B/run/control.sock" "$@"; }
hsm() { "$PALISADE_HSM" --module "$MODULE" --pin-file "$H/hsm.pin" "$@"; }
# jq-less JSON: python3 -c 'expression over j' < json
jget() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# ---- PKI and tokens ----

pki_make() {
	mkdir -p "$PKI" && chmod 700 "$PKI"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key" &&
		openssl req -x509 -new -key "$PKI/ca.key" -sha256 -days 30 \
			-subj "/O=Palisade test/CN=Palisade HSM test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/ca.crt" &&
		pki_ee a.test "$PKI/a.key" "$PKI/a.crt"
} 2>/dev/null

# pki_ee CN KEY CERT: an end entity with a software key (A's; the imported one)
pki_ee() {
	[ -f "$2" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2"
	printf '%s\n' "subjectAltName=DNS:$1" "extendedKeyUsage=serverAuth,clientAuth" \
		"keyUsage=critical,digitalSignature" >"$PKI/$1.ext"
	openssl req -new -key "$2" -subj "/O=Palisade test/CN=$1" -out "$PKI/$1.csr" &&
		openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
			-CAcreateserial -days 30 -sha256 -extfile "$PKI/$1.ext" -out "$3"
} 2>/dev/null

tokens_make() {
	local init="$TOP/scripts/hsm-init"
	PALISADE_HSM=$PALISADE_HSM "$init" --dir "$H" --ca-cert "$PKI/ca.crt" --ca-key "$PKI/ca.key" \
		--cn gw-ec.test --label pal-ec --type ec-p256 >/dev/null &&
		PALISADE_HSM=$PALISADE_HSM "$init" --dir "$H" --ca-cert "$PKI/ca.crt" \
			--ca-key "$PKI/ca.key" --cn gw-rsa.test --label pal-rsa --type rsa-2048 \
			--on-token >/dev/null || return 1
	export SOFTHSM2_CONF=$H/softhsm2.conf
	# an imported key: we know its private value, so we can look for it
	hsm init-token --label pal-imp --so-pin-file "$H/so.pin" &&
		pki_ee gw-imp.test "$PKI/imp.key" "$PKI/imp.crt" &&
		PIN=$(cat "$H/hsm.pin") pkcs11-tool --module "$MODULE" --token-label pal-imp --login \
			--pin env:PIN --write-object "$PKI/imp.key" --type privkey --id 02 \
			--label imp-key >/dev/null 2>&1
}

# ---- the two gateways ----

net_up() {
	ip netns add "$NSA" && ip netns add "$NSB" || return 1
	ip link add "${P}a0" netns "$NSA" type veth peer name "${P}b0" netns "$NSB"
	ip -n "$NSA" addr add 10.77.0.1/24 dev "${P}a0"
	ip -n "$NSB" addr add 10.77.0.2/24 dev "${P}b0"
	for n in "$NSA ${P}a0" "$NSB ${P}b0"; do
		set -- $n
		ip -n "$1" link set "$2" up
		ip -n "$1" link set lo up
	done
	ip -n "$NSA" addr add 10.1.0.1/32 dev lo
	ip -n "$NSB" addr add 10.2.0.1/32 dev lo
}

# conn_b NAME ID CERT KEY: a responder connection ("" cert: none named)
conn_b() {
	local cert=""
	[ -n "$3" ] && cert="\"cert\": \"$3\","
	cat >"$B/etc/conns/$1.json" <<-EOF
		{ "local": {"id": "$2", "auth": "pubkey", $cert "key": "$4"},
		  "remote": {"addrs": ["10.77.0.0/24"], "id": "a.test", "auth": "pubkey", "ca": "ca"},
		  "ike": {"proposals": ["aes256gcm16-prfsha256-ecp256"]},
		  "children": [{"name": "net", "local_ts": ["10.2.0.0/24"], "remote_ts": ["10.1.0.0/24"],
		                "esp_proposals": ["aes256gcm16"]}] }
	EOF
}

conn_a() {
	cat >"$A/etc/conns/$1.json" <<-EOF
		{ "local": {"id": "a.test", "auth": "pubkey", "cert": "a", "key": "a"},
		  "remote": {"addrs": ["10.77.0.2"], "id": "$2", "auth": "pubkey", "ca": "ca"},
		  "ike": {"proposals": ["aes256gcm16-prfsha256-ecp256"], "retransmit_tries": 1,
		          "retransmit_timeout": 1},
		  "children": [{"name": "net", "local_ts": ["10.1.0.0/24"], "remote_ts": ["10.2.0.0/24"],
		                "esp_proposals": ["aes256gcm16"]}] }
	EOF
}

# b_settings [STRICT]: B's gateway.json (rsa_pss on)
b_settings() {
	cat >"$B/etc/gateway.json" <<-EOF
		{ "listen": ["10.77.0.2"], "datapath": "userspace", "tun_name": "${P}t",
		  "log_level": "debug",
		  "pkcs11": { "module": "$MODULE", "pin_file": "$H/hsm.pin", "sessions": 4,
		              "require_non_extractable": ${1:-false}, "rsa_pss": true } }
	EOF
}

config_make() {
	mkdir -p "$A/etc/conns" "$A/etc/cas" "$A/etc/certs" "$A/etc/keys" "$A/run" \
		"$B/etc/conns" "$B/etc/cas" "$B/etc/certs" "$B/run"
	chmod 700 "$A/etc/keys"
	cp "$PKI/ca.crt" "$A/etc/cas/ca.pem"
	cp "$PKI/ca.crt" "$B/etc/cas/ca.pem"
	cp "$PKI/a.crt" "$A/etc/certs/a.pem"
	install -m 600 "$PKI/a.key" "$A/etc/keys/a.pem"
	cp "$H/gw-ec.test.crt" "$B/etc/certs/gw-ec.pem"
	cp "$PKI/imp.crt" "$B/etc/certs/gw-imp.pem"
	cat >"$A/etc/gateway.json" <<-EOF
		{ "listen": ["10.77.0.1"], "datapath": "userspace", "tun_name": "${P}t",
		  "log_level": "debug" }
	EOF
	b_settings
	conn_b ec gw-ec.test gw-ec "pkcs11:token=pal-ec;object=gw-key;type=private"
	# no cert named: the one stored with the key on the token
	conn_b rsa gw-rsa.test "" "pkcs11:token=pal-rsa;object=gw-key"
	conn_b imp gw-imp.test gw-imp "pkcs11:token=pal-imp;id=%02"
	conn_a ec gw-ec.test
	conn_a rsa gw-rsa.test
	conn_a imp gw-imp.test
}

# ip netns exec execs the daemon: $! is its pid (a shell function run with
# & would leave $! a subshell's, and the daemon behind at the end)
start_b() {
	ip netns exec "$NSB" "$GATEWAYD" --foreground --config-dir "$B/etc" --run-dir "$B/run" \
		>>"$B/log" 2>&1 &
	PID_B=$!
	wait_for 10 test -S "$B/run/control.sock"
}

start_a() {
	ip netns exec "$NSA" "$GATEWAYD" --foreground --config-dir "$A/etc" --run-dir "$A/run" \
		>>"$A/log" 2>&1 &
	PID_A=$!
	wait_for 10 test -S "$A/run/control.sock"
}

# ---- the tests ----

# up NAME SCHEME: A initiates NAME; B's signature is verified by A as SCHEME
up() {
	local n
	n=$(wc -l <"$A/log")
	ctl_a initiate "$1" >/dev/null || { tail -n 5 "$A/log" "$B/log"; return 1; }
	ctl_a --json list-sas --conn "$1" | jget "j['ike_sas'][0]['state']" | grep -qx ESTABLISHED &&
		tail -n +$((n + 1)) "$A/log" | grep "signature ($2) by a .* key verified"
}

t_setups() {
	check "B opens its three tokens and logs in" \
		grep -c "token 'pal-[a-z]*' .* open: logged in" "$B/log"
	check "the imported key is named in a warning" \
		grep -q "key pkcs11:token=pal-imp;id=%02 can leave the token: was exposed once" "$B/log"
	check "EC P-256 key in SoftHSM2: B authenticates, A validates up to the CA (ECDSA)" \
		up ec "ECDSA with SHA-[0-9]*"
	check "traffic through the tunnel" nsa ping -c 2 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1
	ctl_a terminate ec >/dev/null
	check "RSA-2048 in SoftHSM2, certificate from the token: RSASSA-PSS (rsa_pss)" \
		up rsa "RSASSA-PSS with SHA-256"
	ctl_a terminate rsa >/dev/null
	check "imported key (no public key on the token: the test signature decided)" \
		up imp "ECDSA with SHA-[0-9]*"
	ctl_a terminate imp >/dev/null
	check "palisadectl hsm: three tokens ready, logged in, signatures counted" sh -c \
		"ctl_b() { \"$PALISADECTL\" --socket \"$B/run/control.sock\" \"\$@\"; };
		 ctl_b --json hsm | python3 -c '
import json, sys
j = json.load(sys.stdin)
t = {x[\"label\"]: x for x in j[\"tokens\"]}
assert j[\"module\"] == \"$MODULE\", j
assert sorted(t) == [\"pal-ec\", \"pal-imp\", \"pal-rsa\"], t
for x in t.values():
    assert x[\"state\"] == \"ready\" and x[\"present\"] and x[\"logged_in\"], x
    assert x[\"sessions\"] == 4 and x[\"sessions_in_use\"] == 0 and x[\"failures\"] == 0, x
    assert x[\"signatures\"] >= 2, x   # start-up test signature + IKE_AUTH
'"
	check "palisadectl hsm (text)" sh -c "\"$PALISADECTL\" --socket \"$B/run/control.sock\" hsm |
		grep -q \"token 'pal-ec' (serial .*): ready, logged in\""
}

# The private keys stay in the token.
t_unreadable() {
	local k
	for k in "pal-ec;object=gw-key" "pal-rsa;object=gw-key"; do
		check "pkcs11:token=$k: CKA_SENSITIVE true, CKA_EXTRACTABLE false, value refused" \
			sh -c "\"$PALISADE_HSM\" --module $MODULE --pin-file $H/hsm.pin show \
				--key 'pkcs11:token=$k' | tr '\n' ' ' | grep -q \
				'sensitive: true extractable: false always_sensitive: true never_extractable: true .*private_value: CKR_ATTRIBUTE_SENSITIVE'"
	done
	check "pkcs11-tool agrees: sensitive, always sensitive, never extractable" sh -c \
		"PIN=\$(cat $H/hsm.pin) pkcs11-tool --module $MODULE --token-label pal-ec --login \
		 --pin env:PIN --list-objects --type privkey 2>/dev/null |
		 grep -q 'Access: *sensitive, always sensitive, never extractable'"
	check "B's configuration has no keys/ directory at all" test ! -e "$B/etc/keys"
	# Every file Palisade wrote or owns on B's side (config, run dir, log):
	# no PEM or DER private key, and not the imported key's private value.
	openssl pkey -in "$PKI/imp.key" -noout -text 2>/dev/null | python3 -c '
import re, sys
t = sys.stdin.read()
h = re.sub(r"[^0-9a-f]", "", t.split("priv:")[1].split("pub:")[0])
print(h[-64:])' >"$WORK/imp.hex"
	openssl pkey -in "$PKI/imp.key" -outform DER -out "$PKI/imp.der" 2>/dev/null
	check "the imported key's private value was extracted for the search (32 bytes)" \
		test "$(tr -d '\n' <"$WORK/imp.hex" | wc -c)" -eq 64
	check "no file written by Palisade holds a private key or the imported key's value" \
		python3 - "$WORK/imp.hex" "$PKI/imp.der" "$B/etc" "$B/run" "$B/log" "$A/run" "$A/log" <<-'EOF'
			import os, sys
			d = bytes.fromhex(open(sys.argv[1]).read().strip())
			# the search works: the DER key file holds the value
			assert d in open(sys.argv[2], "rb").read(), "control failed"
			sys.argv[1:3] = []
			needles = [d, d.hex().encode(), d.hex().upper().encode(), b"PRIVATE KEY"]
			files = []
			for top in sys.argv[2:]:
			    if os.path.isfile(top):
			        files.append(top)
			    for root, dirs, names in os.walk(top):
			        files += [os.path.join(root, n) for n in names]
			bad = []
			for f in files:
			    try:
			        data = open(f, "rb").read()
			    except OSError:
			        continue  # the control socket
			    bad += [(f, n[:12]) for n in needles if n in data]
			print(len(files), "files searched:", bad)
			sys.exit(1 if bad else 0)
		EOF
}

# The token goes away while SAs are being set up, and comes back.
setup_loop() {
	local i=0
	while [ ! -e "$WORK/loop.stop" ]; do
		i=$((i + 1))
		if ctl_a --timeout 5 initiate ec >/dev/null 2>&1; then
			echo "ok $i $(date +%s.%N)" >>"$WORK/loop.log"
		else
			echo "fail $i $(date +%s.%N)" >>"$WORK/loop.log"
		fi
		ctl_a terminate ec >/dev/null 2>&1
		sleep 0.05
	done
}

count_ok_after() { awk -v t="$1" '$1 == "ok" && $3 > t' "$WORK/loop.log" | wc -l; }

t_fault() {
	local t_back
	: >"$WORK/loop.log"
	setup_loop &
	LOOP_PID=$!
	wait_for 20 sh -c "[ \$(grep -c ^ok $WORK/loop.log) -ge 3 ]"
	mv "$H/tokens" "$H/tokens.away"
	sleep 3
	mv "$H/tokens.away" "$H/tokens"
	t_back=$(date +%s.%N)
	wait_for 40 sh -c "[ \$(awk -v t=$t_back '\$1 == \"ok\" && \$3 > t' $WORK/loop.log | wc -l) -ge 3 ]"
	touch "$WORK/loop.stop"
	wait "$LOOP_PID"
	LOOP_PID=""
	echo "    setups: $(grep -c ^ok "$WORK/loop.log") ok, $(grep -c ^fail "$WORK/loop.log") failed"
	check "B survived the token's absence" kill -0 "$PID_B"
	check "setups failed while the token was away" grep -q ^fail "$WORK/loop.log"
	check "setups resumed once it was back (>= 3), without a restart" \
		test "$(count_ok_after "$t_back")" -ge 3
	check "B logged the loss and the return" sh -c \
		"grep -q \"token 'pal-ec' lost\" $B/log && grep -q \"token 'pal-ec' is back\" $B/log"
	check "palisadectl hsm counts failures, a loss and a reopen; the token is ready" sh -c \
		"\"$PALISADECTL\" --socket \"$B/run/control.sock\" --json hsm | python3 -c '
import json, sys
t = [x for x in json.load(sys.stdin)[\"tokens\"] if x[\"label\"] == \"pal-ec\"][0]
assert t[\"state\"] == \"ready\" and t[\"failures\"] > 0, t
assert t[\"losses\"] >= 1 and t[\"reopened\"] >= 1 and t[\"sessions\"] == 4, t
'"
	check "stats counts the failed setups" sh -c \
		"\"$PALISADECTL\" --socket \"$B/run/control.sock\" --json stats | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j[\"setups\"][\"failed\"] > 0 and j[\"hsm\"][\"failures\"] > 0, j
'"
}

# start_bad NEEDLE: B refuses to start with a message holding NEEDLE
start_bad() {
	nsb timeout 20 "$GATEWAYD" --foreground --config-dir "$B/etc" --run-dir "$B/run" \
		>"$WORK/bad.log" 2>&1
	local rc=$?
	[ $rc -eq 1 ] && grep -qF -- "$1" "$WORK/bad.log" &&
		! grep -q -E "$SAN_REPORT" "$WORK/bad.log" || {
		echo "rc=$rc"
		cat "$WORK/bad.log"
		return 1
	}
}

t_bad_input() {
	local rc
	kill "$PID_B"
	wait "$PID_B" 2>/dev/null
	rc=$?
	PID_B=""
	check "B stops cleanly on SIGTERM after the token came back (status 0)" \
		eval "echo status $rc; [ $rc -eq 0 ] && grep -q 'signal 15: stopping' $B/log"
	rm -f "$B/etc/conns/"*.json
	conn_b ec gw-ec.test gw-ec "pkcs11:token=pal-ec;object=gw-key;colour=red"
	check "malformed URI (unknown attribute): refused by the model" \
		start_bad "conns/ec.json: \$.local.key: unknown pkcs11 URI attribute 'colour'"
	conn_b ec gw-ec.test gw-ec "pkcs11:token=pal-ec;object=gw-key;slot-id=x1"
	check "malformed URI (slot-id): refused, naming the URI" \
		start_bad "pkcs11:token=pal-ec;object=gw-key;slot-id=x1: pkcs11 URI: slot-id must be a decimal number"
	conn_b ec gw-ec.test gw-ec "pkcs11:token=pal-ec;object=no-such-key"
	check "key not found: refused, naming the URI" \
		start_bad "pkcs11:token=pal-ec;object=no-such-key: no such private key on token 'pal-ec'"
	conn_b ec gw-ec.test gw-imp "pkcs11:token=pal-ec;object=gw-key"
	check "certificate of another key: refused, naming the URI" \
		start_bad "certs/gw-imp.pem does not match the key pkcs11:token=pal-ec;object=gw-key"
	conn_b ec gw-ec.test gw-ec "pkcs11:token=pal-ec;object=gw-key"
	local lib
	lib=$(ldd "$GATEWAYD" | awk '/libjansson/ {print $3}')
	sed -i "s|\"module\": \"$MODULE\"|\"module\": \"$lib\"|" "$B/etc/gateway.json"
	check "module path that is not a PKCS#11 module" \
		start_bad "pkcs11: module $lib: not a PKCS#11 module (no C_GetFunctionList)"
	sed -i "s|\"module\": \"$lib\"|\"module\": \"/usr/lib/nonexistent.so\"|" "$B/etc/gateway.json"
	check "module path that does not exist" start_bad "module /usr/lib/nonexistent.so: no such file"
	b_settings
	install -m 600 /dev/null "$H/empty.pin"
	sed -i "s|$H/hsm.pin|$H/empty.pin|" "$B/etc/gateway.json"
	check "empty PIN file" start_bad "PIN file $H/empty.pin is empty"
	chmod 644 "$H/empty.pin" && echo 1234 >"$H/empty.pin"
	check "PIN file readable by others" start_bad "mode 0644 lets others read it"
	chmod 600 "$H/empty.pin" && echo 0000000000000000 >"$H/empty.pin"
	check "wrong PIN: refused, not retried" \
		start_bad "token 'pal-ec' refused the PIN of the pin_file (CKR_PIN_INCORRECT)"
	check "... and the token is not locked by it: the right PIN works" sh -c \
		"\"$PALISADE_HSM\" --module $MODULE --pin-file $H/hsm.pin show \
			--key 'pkcs11:token=pal-ec;object=gw-key' >/dev/null"
	b_settings true
	conn_b imp gw-imp.test gw-imp "pkcs11:token=pal-imp;id=%02"
	check "imported key under require_non_extractable: refused" \
		start_bad "pkcs11:token=pal-imp;id=%02: the key can leave the token: was exposed once (imported?); refused (require_non_extractable)"
	rm -f "$B/etc/conns/imp.json"
	check "generated keys pass require_non_extractable" sh -c \
		"ip netns exec $NSB timeout 3 \"$GATEWAYD\" --foreground --config-dir $B/etc \
			--run-dir $B/run 2>&1 | grep -q ready"
}

# ---- main ----

check "test PKI" pki_make
check "SoftHSM2 tokens (scripts/hsm-init: pal-ec, pal-rsa; pal-imp imported)" tokens_make
check "namespaces" net_up
config_make
check "B (keys in the token) starts" start_b
check "A (PEM key) starts" start_a
if [ "$fail" -eq 0 ]; then
	t_setups
	t_unreadable
	t_fault
	t_bad_input
fi
# A stops too (sanitizer builds: LeakSanitizer reports at exit); then the
# daemons' logs hold no report (the fault test, start-up errors)
stop_a() {
	kill "$PID_A"
	wait "$PID_A"
	local rc=$?
	PID_A=""
	echo "status $rc"
	[ $rc -eq 0 ]
}
[ -n "$PID_A" ] && check "A stops cleanly on SIGTERM (status 0)" stop_a
check "no sanitizer report in A's or B's log" sh -c "! grep -E -A 12 '$SAN_REPORT' $A/log $B/log"
[ "$fail" -eq 0 ] || { echo "--- B log (tail)"; tail -30 "$B/log"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
