#!/bin/sh
# tests/daemon/gatewayd.sh: palisade-gatewayd as a process, in a network
# namespace of its own (it creates a TUN device for its userspace data
# path): starts on a config directory, answers what arrives on the IKE and
# NAT-T ports (refusals with the right notify, bad and truncated messages,
# an unknown critical payload, keepalives, stray ESP), reloads on SIGHUP,
# refuses a bad configuration with the file and JSON path, stops cleanly
# on SIGTERM. Run by `make check`; needs root (namespaces).
set -u
bin=${top_builddir:-.}/gateway/palisade-gatewayd
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "needs root (network namespace); skipped"
	exit 77
fi
ns=palgwd$$
work=$(mktemp -d /tmp/palisade-gwd.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
in_ns() { ip netns exec "$ns" "$@"; }
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
send() { in_ns python3 "$here/send_ike.py" "$@"; }

ike=500
natt=4500
mkdir -p "$work/etc/conns" "$work/run"
cat >"$work/etc/gateway.json" <<JSON
{ "listen": ["127.0.0.1"], "datapath": "userspace", "tun_name": "palt$$", "log_level": "info" }
JSON

ip netns exec "$ns" "$bin" --foreground --config-dir "$work/etc" --run-dir "$work/run" >"$work/log" 2>&1 &
pid=$!
check 'wait_log "ready"' "starts and says ready"
check 'grep -q "listening on 127.0.0.1\[$ike\]" "$work/log"' "listens on the IKE port"
check 'grep -q "listening on 127.0.0.1\[$natt\] (NAT-T)" "$work/log"' "listens on the NAT-T port"
check 'grep -q "data path: userspace" "$work/log"' "says which data path it uses"

r=$(send --reply "$ike" init)
check '[ "$r" = "notify 14 " ] && wait_log "no connection accepts the offered proposals (aes256gcm16-prfsha256-x25519)"' \
	"no connection: NO_PROPOSAL_CHOSEN, and the log names what was offered"
r=$(send --reply "$ike" critical)
check '[ "$r" = "notify 1 c8" ] && wait_log "payload type 200 .*critical"' \
	"an unknown critical payload: UNSUPPORTED_CRITICAL_PAYLOAD naming it"
r=$(send --reply "$ike" garbage)
check '[ "$r" = "no reply" ] && wait_log "refused 200 bytes"' "garbage is refused, unanswered"
r=$(send --reply "$ike" short)
check '[ "$r" = "no reply" ]' "a truncated header is unanswered"

# A connection whose preferred group is not the one guessed: INVALID_KE.
cat >"$work/etc/conns/lab.json" <<JSON
{ "local": {"id": "gw.test", "auth": "psk"},
  "remote": {"addrs": ["127.0.0.0/8"], "id": "client.test", "auth": "psk"},
  "ike": {"proposals": ["aes256gcm16-prfsha256-ecp256"]},
  "psk": "test-psk-not-secret-0123" }
JSON
kill -HUP "$pid"
check 'wait_log "configuration reloaded"' "SIGHUP reloads the configuration"
r=$(send --reply "$ike" init2)
check '[ "$r" = "notify 17 0013" ]' "wrong KE group guess: INVALID_KE_PAYLOAD naming group 19"
r=$(send --reply "$natt" natt-init)
check '[ "$r" = "notify 17 0013" ]' "NAT-T port: marker stripped, answered with the marker"
send "$natt" keepalive
send "$natt" esp
sleep 0.3
check 'kill -0 "$pid"' "still running after bad input"

echo '{ "listen": ["127.0.0.1"], "datapath": "kernel" }' >"$work/etc/gateway.json"
kill -HUP "$pid"
check 'wait_log "reload refused"' "a bad reload keeps the running configuration"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	nok "stops on SIGTERM"
else
	wait "$pid"
	check '[ $? -eq 0 ] && grep -q "stopped" "$work/log"' "stops cleanly on SIGTERM"
fi
pid=""
check '! in_ns ip link show "palt$$" >/dev/null 2>&1' "the TUN device is gone"

in_ns "$bin" --foreground --config-dir "$work/etc" --run-dir "$work/run" >"$work/log2" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "gateway.json: \$.datapath: must be auto, xfrm or userspace: .kernel." "$work/log2"' \
	"a bad gateway.json is refused with its JSON path"
echo '{ "listen": ["127.0.0.1"], "datapath": "userspace" }' >"$work/etc/gateway.json"
echo '{ "local": {"auth": "psk"}, "remote": {"auth": "psk"}, "ike": {"proposals": ["aes999"]}, "psk": "x"}' \
	>"$work/etc/conns/lab.json"
in_ns "$bin" --foreground --config-dir "$work/etc" --run-dir "$work/run" >"$work/log3" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "conns/lab.json: \$.ike.proposals\[0\]" "$work/log3"' \
	"a bad connection file is refused with its file and JSON path"
"$bin" --bogus >/dev/null 2>&1
check '[ $? -eq 2 ]' "an unknown option exits 2"
check '"$bin" --help | grep -q "config-dir"' "--help lists the options"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
