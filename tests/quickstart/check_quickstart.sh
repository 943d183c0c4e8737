#!/bin/bash
# check_quickstart.sh: scripts/quickstart as a newcomer runs it (root).
# Run 1 in the background, stopped like Ctrl-C (SIGINT to its process
# group): the dashboard answers 200 at /, every demo client's IKE SA is
# ESTABLISHED in GET /api/v1/sas with its CHILD SA's packet and byte
# counters above zero, the curl example it prints works; after the
# interrupt nothing it created is left (namespaces, links, processes,
# XFRM state, the working directory). Run 2 is --check (the second run
# works; its own check passes) with the same leftovers check. Also: a port
# in use and a missing privilege are refused with a clear message.
# Usage: BUILD_DIR=... check_quickstart.sh   (QS_PORT, default 18443)
# Prints "N passed, N failed"; exits non-zero on failure.
set -u

BUILD_DIR=${BUILD_DIR:?set BUILD_DIR to a built tree}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
QS=$TOP/scripts/quickstart
PORT=${QS_PORT:-18443}
T=$(mktemp -d /tmp/check_qs.XXXXXX)
pass=0 fail=0
QS_PID=""

ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

cleanup() {
	# a run that went wrong: stop it the way a user would
	if [ -n "$QS_PID" ] && kill -0 "$QS_PID" 2>/dev/null; then
		kill -INT -- "-$QS_PID" 2>/dev/null
		wait "$QS_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	echo "check_quickstart.sh: needs root (network namespaces)"
	exit 77
fi
[ -f /usr/lib/softhsm/libsofthsm2.so ] || { echo "check_quickstart.sh: softhsm2 missing"; exit 77; }

QS_ARGS=(--no-deps --no-build --build-dir "$BUILD_DIR" --port "$PORT")

# field OUT LABEL: the value after "LABEL:" in the quickstart's banner
field() { sed -n "s/^  $2: *//p" "$1" | head -n 1; }

# wait_banner OUT: the banner is out (up to 240 s: a busy machine)
wait_banner() {
	for _ in $(seq 2400); do
		grep -q "^  API token:" "$1" && return 0
		kill -0 "$QS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# parse OUT: URL TOKEN CACERT PREFIX WORKDIR from the banner
parse() {
	URL=$(field "$1" Dashboard)
	TOKEN=$(field "$1" "API token")
	CACERT=$(sed -n 's/^  TLS: *self-signed certificate //p' "$1")
	PREFIX=$(field "$1" Namespaces | sed 's/\*.*//')
	WORKDIR=$(sed -n 's/.*Working directory: //p' "$1")
	NCLIENTS=$(field "$1" Clients | sed 's/ .*//')
	[ -n "$URL" ] && [ -n "$TOKEN" ] && [ -n "$CACERT" ] && [ -n "$PREFIX" ] &&
		[ -n "$WORKDIR" ] && [ -n "$NCLIENTS" ]
}

dashboard_200() {
	local code
	code=$(curl -s -o "$T/index.html" -w '%{http_code}' --cacert "$CACERT" "$URL")
	[ "$code" = 200 ] && grep -qi "<!doctype html\|<html" "$T/index.html" || {
		echo "  GET $URL: $code"
		return 1
	}
}

# sas_ok: every demo client's SA ESTABLISHED with traffic both ways (the
# clients ping once a second: up to 20 s for the counters)
sas_ok() {
	for _ in $(seq 20); do
		curl -sf --cacert "$CACERT" -H "Authorization: Bearer $TOKEN" "${URL}api/v1/sas" \
			>"$T/sas.json" && python3 - "$T/sas.json" "$NCLIENTS" <<-'EOF' && return 0
			import json, sys
			items = json.load(open(sys.argv[1]))["items"]
			want = int(sys.argv[2])
			good = [s for s in items if s["state"] == "ESTABLISHED" and s["role"] == "responder"
			        and s["remote"]["eap_id"] and s["remote"]["vips"]
			        and any(c["state"] == "INSTALLED" and c["packets_in"] > 0
			                and c["packets_out"] > 0 and c["bytes_in"] > 0
			                and c["bytes_out"] > 0 for c in s["children"])]
			ids = sorted({s["remote"]["eap_id"] for s in good})
			print("  %d of %d clients established with traffic: %s" % (len(ids), want, ids))
			sys.exit(0 if len(ids) == want else 1)
			EOF
		sleep 1
	done
	return 1
}

# curl_example OUT: the banner's curl line, run as printed
curl_example() {
	local cmd
	cmd=$(sed -n 's/^  Try: *//p' "$1")
	[ -n "$cmd" ] && eval "$cmd -sf" | python3 -c 'import json,sys; json.load(sys.stdin)["items"]'
}

# snapshot: what the quickstart started, while it runs (pids of its
# children and of processes naming its working directory)
snapshot() {
	{
		pgrep -P "$QS_PID"
		pgrep -f "$WORKDIR"
	} | sort -u >"$T/pids"
	[ -s "$T/pids" ]
}

# nothing_left: after the run
nothing_left() {
	local bad=0 p
	if ip netns list | grep -q "^$PREFIX"; then
		echo "  namespaces left: $(ip netns list | grep "^$PREFIX" | tr '\n' ' ')"
		bad=1
	fi
	if ip -o link show | grep -q "$PREFIX"; then
		echo "  links left: $(ip -o link show | grep "$PREFIX")"
		bad=1
	fi
	for p in $(cat "$T/pids"); do
		if kill -0 "$p" 2>/dev/null; then
			echo "  process left: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
			bad=1
		fi
	done
	if pgrep -f "$WORKDIR" >/dev/null; then
		echo "  processes naming $WORKDIR left"
		bad=1
	fi
	if ip xfrm state 2>/dev/null | grep -q "10\.200\.\|10\.98\."; then
		echo "  XFRM state of the demo left in this namespace"
		bad=1
	fi
	if ip xfrm policy 2>/dev/null | grep -q "10\.99\.0\.\|10\.98\."; then
		echo "  XFRM policies of the demo left in this namespace"
		bad=1
	fi
	if ! ip -o link show palisade0 >/dev/null 2>&1; then :; elif [ -z "$TUN_BEFORE" ]; then
		echo "  TUN device palisade0 left in this namespace"
		bad=1
	fi
	if [ -e "$WORKDIR" ]; then
		echo "  working directory $WORKDIR left"
		bad=1
	fi
	return $bad
}

TUN_BEFORE=$(ip -o link show palisade0 2>/dev/null)

# ---- refusals ----
no_root() {
	local out rc d
	# a copy nobody can reach (the checkout may sit in a directory of mode 0700)
	d=$(mktemp -d) && chmod 755 "$d" && cp "$QS" "$d/quickstart" && chmod 755 "$d/quickstart" ||
		return 1
	out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$d/quickstart" \
		"${QS_ARGS[@]}" 2>&1)
	rc=$?
	rm -rf "$d"
	[ $rc != 0 ] && echo "$out" | grep -q "run as root"
}
check "without root: refused with 'run as root'" no_root

# ---- run 1: in the background, stopped like Ctrl-C ----
# its own process group (set -m), SIGINT at its default as in a terminal,
# even when this check was started with it ignored (a background job of a
# non-interactive shell: bash cannot trap a signal ignored on entry)
set -m
env --default-signal=INT "$QS" "${QS_ARGS[@]}" --exit-after 600 >"$T/run1.out" 2>&1 &
QS_PID=$!
set +m
if wait_banner "$T/run1.out" && parse "$T/run1.out"; then
	ok "run 1: up, banner printed ($NCLIENTS clients, $URL)"
	check "run 1: the dashboard answers 200 at /" dashboard_200
	check "run 1: every client's SA ESTABLISHED with traffic in GET /api/v1/sas" sas_ok
	check "run 1: the printed curl example works" curl_example "$T/run1.out"
	check "run 1: its processes are known" snapshot
	busy() {
		local out
		out=$("$QS" "${QS_ARGS[@]}" 2>&1)
		[ $? != 0 ] && echo "$out" | grep -q "port $PORT .*already in use"
	}
	check "another run on the same port: refused with 'already in use'" busy
	kill -INT -- "-$QS_PID"
	wait "$QS_PID"
	rc=$?
	QS_PID=""
	check "run 1: Ctrl-C stops it (status $rc)" [ "$rc" = 130 -o "$rc" = 0 ]
	check "run 1: nothing left (namespaces, links, processes, XFRM, TUN, directory)" nothing_left
else
	ko "run 1: the demo came up"
	tail -n 30 "$T/run1.out"
fi

# ---- run 2: --check ----
set -m
"$QS" "${QS_ARGS[@]}" --check --clients 1 >"$T/run2.out" 2>&1 &
QS_PID=$!
set +m
if wait_banner "$T/run2.out" && parse "$T/run2.out"; then
	snapshot
	wait "$QS_PID"
	rc=$?
	QS_PID=""
	grep "check:" "$T/run2.out" | sed 's/^/  /'
	check "run 2 (--check): its checks pass" [ "$rc" = 0 ]
	check "run 2: nothing left" nothing_left
else
	ko "run 2: the demo came up"
	tail -n 30 "$T/run2.out"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
