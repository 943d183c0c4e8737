#!/bin/sh
# tests/daemon/gatewayd.sh: palisade-gatewayd as a process, on loopback:
# starts on a config directory, validates and logs what arrives on the IKE
# and NAT-T ports (good, bad and truncated messages, an unknown critical
# payload, keepalives, ESP), reloads on SIGHUP, refuses a bad gateway.json
# with the JSON path, and stops cleanly on SIGTERM. Run by `make check`.
set -u
bin=${top_builddir:-.}/gateway/palisade-gatewayd
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/palisade-gwd.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
nok() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then ok "$2"; else nok "$2"; fi; }
# wait_log PATTERN: up to 5 s for the pattern to appear in the log
wait_log() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$work/log" && return 0
		sleep 0.1
	done
	return 1
}

# Free loopback ports: ask the kernel, then use them (small race accepted).
ports=$(python3 -c 'import socket
s=[socket.socket(socket.AF_INET,socket.SOCK_DGRAM) for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
ike=${ports% *}
natt=${ports#* }
mkdir -p "$work/etc" "$work/run"
cat >"$work/etc/gateway.json" <<JSON
{ "listen": ["127.0.0.1"], "ike_port": $ike, "natt_port": $natt, "log_level": "info" }
JSON

"$bin" --foreground --config-dir "$work/etc" --run-dir "$work/run" >"$work/log" 2>&1 &
pid=$!
check 'wait_log "ready"' "starts and says ready"
check 'grep -q "listening on 127.0.0.1\[$ike\]" "$work/log"' "listens on the IKE port"
check 'grep -q "listening on 127.0.0.1\[$natt\] (NAT-T)" "$work/log"' "listens on the NAT-T port"

python3 "$here/send_ike.py" "$ike" init
check 'wait_log "IKE_SA_INIT request #0 \[ SA KE Nonce \]"' "a valid IKE_SA_INIT is parsed and logged"
python3 "$here/send_ike.py" "$ike" garbage
check 'wait_log "refused 200 bytes"' "garbage is refused with a reason"
python3 "$here/send_ike.py" "$ike" short
check 'wait_log "refused 27 bytes"' "a truncated header is refused"
python3 "$here/send_ike.py" "$ike" critical
check 'wait_log "payload type 200 .*critical"' "an unknown critical payload is named"
python3 "$here/send_ike.py" "$natt" natt-init
check 'wait_log "127.0.0.1\[[0-9]*\]: IKE_SA_INIT request #0 \[ SA KE Nonce \] ([0-9]* bytes)" &&
	[ "$(grep -c "IKE_SA_INIT request #0" "$work/log")" -ge 2 ]' "NAT-T: marker stripped, message parsed"
python3 "$here/send_ike.py" "$natt" keepalive
python3 "$here/send_ike.py" "$natt" esp
sleep 0.3
check 'kill -0 "$pid"' "still running after bad input"

sed -i 's/"info"/"debug"/' "$work/etc/gateway.json"
kill -HUP "$pid"
check 'wait_log "configuration reloaded"' "SIGHUP reloads gateway.json"
echo '{ "listen": ["127.0.0.1"], "datapath": "kernel" }' >"$work/etc/gateway.json"
kill -HUP "$pid"
check 'wait_log "reload refused"' "a bad reload keeps the running settings"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	nok "stops on SIGTERM"
else
	wait "$pid"
	check '[ $? -eq 0 ] && grep -q "stopped" "$work/log"' "stops cleanly on SIGTERM"
fi
pid=""

"$bin" --foreground --config-dir "$work/etc" --run-dir "$work/run" >"$work/log2" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "gateway.json: \$.datapath: must be auto, xfrm or userspace: .kernel." "$work/log2"' \
	"a bad gateway.json is refused with its JSON path"
"$bin" --bogus >/dev/null 2>&1
check '[ $? -eq 2 ]' "an unknown option exits 2"
check '"$bin" --help | grep -q "not negotiate SAs yet"' "--help states what this build does"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
