#!/bin/sh
# tests/unit/control/ctl.sh: palisadectl against fake_gatewayd (canned
# answers that follow api/control.md): every command's human and --json
# output against tests/unit/control/expected/, the exit statuses (0 ok,
# 1 daemon error, 2 usage, 3 cannot connect), --timeout, and subscribe's
# event stream (human and raw). Run by `make check`.
# CTL_SH_REGEN=1 rewrites the expected files from this run (review them!).
set -u
top=${top_builddir:-.}
ctl=$top/gateway/palisadectl
fake=$top/tests/unit/control/fake_gatewayd
exp=$(cd "$(dirname "$0")" && pwd)/expected
work=$(mktemp -d /tmp/palisade-ctl.XXXXXX)
sock=$work/control.sock
fpid=""
spids=""
trap 'for p in $spids $fpid; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
nok() { fail=$((fail + 1)); echo "FAIL: $*"; }

# Event times and live counters differ from run to run (canned values
# such as established_at stay as they are).
normalize() {
	sed -E -e 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z /TIME /' \
		-e 's/"time":"[^"]*"/"time":"TIME"/' -e 's/"by":\{"uid":[0-9]+,"pid":[0-9]+\}/"by":BY/' \
		-e 's/"(clients|subscribers|accepted|refused|requests|errors|events|events_dropped)": [0-9]+/"\1": N/' \
		-e 's/^control: .*/control: N/'
}

# same NAME FILE: FILE (normalized) equals expected/NAME
same() {
	normalize <"$2" >"$2.norm"
	if [ "${CTL_SH_REGEN:-}" = 1 ]; then
		cp "$2.norm" "$exp/$1"
	fi
	if diff -u "$exp/$1" "$2.norm"; then ok "$1: output"; else nok "$1: output differs"; fi
}

# run NAME STATUS ARGS...: palisadectl ARGS exits with STATUS; stdout in
# $work/NAME, stderr in $work/NAME.err; compared with expected/NAME if
# that file exists (or CTL_SH_REGEN is set and NAME has a suffix).
run() {
	name=$1
	want=$2
	shift 2
	"$ctl" --socket "$sock" "$@" >"$work/$name" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name: exit $rc"
	else
		nok "$name: exit $rc, want $want: $(cat "$work/$name.err")"
	fi
	if [ -f "$exp/$name" ] || { [ "${CTL_SH_REGEN:-}" = 1 ] && [ "${name%.*}" != "$name" ]; }; then
		same "$name" "$work/$name"
	fi
}

# err NAME TEXT: stderr of run NAME contains TEXT
err() {
	if grep -qF -- "$2" "$work/$1.err"; then ok "$1: says '$2'"; else nok "$1: stderr lacks '$2': $(cat "$work/$1.err")"; fi
}

"$fake" "$sock" >"$work/fake.out" 2>"$work/fake.log" &
fpid=$!
for _ in $(seq 50); do
	grep -q ready "$work/fake.out" && break
	sleep 0.1
done
grep -q ready "$work/fake.out" || { echo "FAIL: fake_gatewayd did not start"; cat "$work/fake.log"; exit 1; }

# ---- every command, human and --json ----
run version.txt 0 version
run version.json 0 --json version
run list-conns.txt 0 list-conns
run list-conns.json 0 list-conns --json
run list-conns-site.txt 0 list-conns --conn site
run list-conns-missing 1 list-conns --conn nope
err list-conns-missing "palisadectl: not-found: no connection 'nope'"
run list-sas.txt 0 list-sas
run list-sas.json 0 --json list-sas
run list-sas-id.txt 0 list-sas --id 9
run list-sas-none.txt 0 list-sas --conn rw --id 9
run initiate.txt 0 initiate rw
run initiate.json 0 initiate --json rw
run initiate-nowait.txt 0 initiate rw --child net --no-wait
run initiate-fail 1 initiate site
err initiate-fail "palisadectl: auth-failed: peer answered AUTHENTICATION_FAILED"
run initiate-fail.json 1 --json initiate site
run initiate-nochild 1 initiate rw --child lan
err initiate-nochild "not-found: connection 'rw' has no child 'lan'"
run terminate.txt 0 terminate 7
run terminate-conn.txt 0 terminate rw --no-wait
run terminate-child.txt 0 terminate --child 12
run terminate.json 0 --json terminate --child net
run terminate-missing 1 terminate 99
err terminate-missing "palisadectl: not-found: no SA matches"
run rekey.txt 0 rekey 7
run rekey-reauth.txt 0 rekey rw --reauth
run rekey-nowait.txt 0 rekey --child net --no-wait
run rekey.json 0 --json rekey --child 12
run rekey-state 1 rekey 9
err rekey-state "palisadectl: bad-state: IKE SA #9 is CONNECTING"
run stats.txt 0 stats
run stats.json 0 stats --json
run reload.txt 0 reload
run reload-conn.txt 0 reload conns rw
run reload-bad.txt 1 reload conns bad
run reload.json 0 --json reload settings
run reload-what 1 reload everything
err reload-what "palisadectl: invalid-argument: argument 'what': unknown 'everything'"
run reload-name 1 reload pools main
err reload-name "invalid-argument: argument 'name' goes with conns, cas or certs"

# ---- usage: exit 2 ----
run usage-none 2
run usage-unknown 2 lsit-sas
err usage-unknown "unknown command 'lsit-sas'"
run usage-id 2 list-sas --id abc
run usage-id0 2 list-sas --id 0
run usage-missing 2 initiate
run usage-extra 2 initiate rw site
run usage-opt 2 terminate 7 --reauth
run usage-reauth 2 rekey --child 12 --reauth
run usage-timeout 2 --timeout soon stats
run usage-timeout2 2 stats --timeout -1
run usage-reload 2 reload conns rw extra
"$ctl" --help >"$work/help" 2>&1 && grep -q "Exit status" "$work/help" && ok "--help" || nok "--help"
"$ctl" --version | grep -qx "palisadectl [0-9.]*" && ok "--version" || nok "--version"

# ---- cannot connect: exit 3 ----
"$ctl" --socket "$work/nope.sock" list-sas >"$work/noconn" 2>"$work/noconn.err"
rc=$?
[ $rc -eq 3 ] && ok "no socket: exit 3" || nok "no socket: exit $rc"
grep -qF "cannot connect to $work/nope.sock: No such file or directory (is palisade-gatewayd running?)" \
	"$work/noconn.err" && ok "no socket: message" || nok "no socket: $(cat "$work/noconn.err")"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$work/stale.sock"
"$ctl" --socket "$work/stale.sock" version >"$work/stale" 2>"$work/stale.err"
rc=$?
[ $rc -eq 3 ] && ok "stale socket: exit 3" || nok "stale socket: exit $rc"
grep -q "Connection refused" "$work/stale.err" && ok "stale socket: message" || nok "stale: $(cat "$work/stale.err")"
grep -qx "palisadectl [0-9.]*" "$work/stale" && ok "version without daemon: own version" || nok "version without daemon"

# ---- timeout: the fake answers initiate slow after 3 s ----
start=$(date +%s)
run timeout 1 --timeout 1 initiate slow
err timeout "no answer from $sock within 1 s"
[ $(($(date +%s) - start)) -le 3 ] && ok "timeout: prompt" || nok "timeout: took too long"

# ---- subscribe: events of the commands above, human and raw ----
"$ctl" --socket "$sock" subscribe >"$work/sub" 2>"$work/sub.err" &
spid1=$!
"$ctl" --socket "$sock" --json subscribe ike-up child-up reload >"$work/sub-json" 2>&1 &
spid2=$!
spids="$spid1 $spid2"
for _ in $(seq 50); do
	"$ctl" --socket "$sock" --json stats | grep -q '"subscribers": 2' && break
	sleep 0.1
done
"$ctl" --socket "$sock" initiate rw >/dev/null
"$ctl" --socket "$sock" terminate 7 >/dev/null
"$ctl" --socket "$sock" rekey 7 >/dev/null
"$ctl" --socket "$sock" initiate site 2>/dev/null
"$ctl" --socket "$sock" reload >/dev/null
for _ in $(seq 50); do
	[ "$(wc -l <"$work/sub")" -ge 8 ] && [ "$(wc -l <"$work/sub-json")" -ge 3 ] && break
	sleep 0.1
done
kill -INT "$spid1" "$spid2"
wait "$spid1"
rc1=$?
wait "$spid2"
rc2=$?
spids=""
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && ok "subscribe: exit 0 on SIGINT" || nok "subscribe: exit $rc1/$rc2"
same subscribe.txt "$work/sub"
sed -E 's/"seq":[0-9]+/"seq":N/' "$work/sub-json" >"$work/sub-json2"
same subscribe.json "$work/sub-json2"
run subscribe-bad 1 subscribe Bad-Name
err subscribe-bad "invalid-argument"

kill "$fpid"
wait "$fpid"
rc=$?
fpid=""
# under ASan a leak or error in the server shows here
[ $rc -eq 0 ] && ok "fake_gatewayd: clean exit" || { nok "fake_gatewayd: exit $rc"; cat "$work/fake.log"; }
echo "ctl.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
