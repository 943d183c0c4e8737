#!/bin/bash
# api_bench.sh: figures of palisade-mgmtd (root; not a test). Gateway A
# (one certificate connection, remote id %any) with mgmtd in front of it,
# gateway B with N connections that all dial A, in network namespaces.
#   1. IKE setups per second of SETUP_N SAs from B on top of 1,000 -
#      SETUP_N standing ones (terminated before each run, set up again),
#      alone and while 10 dashboard clients poll mgmtd (GET /api/v1/sas
#      and /api/v1/stats, once a second each), alternating, REPS times each.
#   2. With 1,000 live SAs: wrk, 64 connections, GET /api/v1/sas?limit=1000
#      (the whole table), and a mix (80 % GET /api/v1/sas?limit=100, 10 %
#      GET /api/v1/stats, 10 % PUT of an EAP user: a write, fsync, reload).
# The figures go to RESULTS_FILE as the section "## palisade-mgmtd under
# load": a section of that name is replaced, the rest of the file is left
# alone; without one the section is appended. RESULTS_FILE - prints only.
# Environment: SETUP_N (300), REPS (5), DURATION (wrk seconds, 15), KEEP=1
# keeps the work directory.
# Usage: GATEWAYD=... PALISADECTL=... MGMTD=... api_bench.sh RESULTS_FILE
set -u

GATEWAYD=${GATEWAYD:?set GATEWAYD}
PALISADECTL=${PALISADECTL:?set PALISADECTL}
MGMTD=${MGMTD:?set MGMTD}
OUT=${1:?usage: api_bench.sh RESULTS_FILE}
BENCH=$(cd "$(dirname "$0")" && pwd)
HERE=$(cd "$BENCH/../integration" && pwd)
P=pab$$
WORK=$(mktemp -d /tmp/api_bench.XXXXXX)
. "$HERE/ike_lib.sh"
. "$HERE/ike_pki.sh"
N=1000
SETUP_N=${SETUP_N:-300}
REPS=${REPS:-5}
DURATION=${DURATION:-15}
BASE=http://127.0.0.1:18080

[ "$(id -u)" = 0 ] || { echo "api_bench.sh: needs root"; exit 77; }
command -v wrk >/dev/null || { echo "api_bench.sh: wrk is missing (scripts/deps)"; exit 1; }

cleanup() {
	[ -s "$WORK/mgmtd.pid" ] && kill "$(cat "$WORK/mgmtd.pid")" 2>/dev/null
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# batch CMD FROM TO STAT TARGET: B sends CMD (initiate or terminate, no
# wait) for bFROM..bTO over one control connection, pipelined, so the
# client costs nothing next to the IKE work; then A's stats are read over
# one kept connection every 20 ms until STAT (established or total) of its
# IKE SAs is >= TARGET (initiate) or <= TARGET (terminate). Prints the
# seconds from the first request to that moment; fails after 120 s.
batch() {
	python3 - "$WORK/b/run/control.sock" "$WORK/a/run/control.sock" "$@" <<-'EOF'
		import json, socket, sys, threading, time
		bsock, asock, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
		lo, hi, stat, target = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
		def conn(path):
		    s = socket.socket(socket.AF_UNIX)
		    s.connect(path)
		    return s, s.makefile("w"), s.makefile("r")
		a, aw, ar = conn(asock)
		def count():
		    aw.write('{"id":0,"cmd":"stats"}\n')
		    aw.flush()
		    return json.loads(ar.readline())["result"]["ike_sas"][stat]
		b, bw, br = conn(bsock)
		def send():
		    for i in range(lo, hi + 1):
		        bw.write(json.dumps({"id": i, "cmd": cmd,
		                             "args": {"conn": "b%04d" % i, "wait": False}}) + "\n")
		    bw.flush()
		t0 = time.monotonic()
		t = threading.Thread(target=send)
		t.start()
		up = cmd == "initiate"
		while True:
		    n = count()
		    if (n >= target) if up else (n <= target):
		        break
		    if time.monotonic() - t0 > 120:
		        sys.exit("%s: %s is %d, not %d, after 120 s" % (cmd, stat, n, target))
		    time.sleep(0.02)
		dt = time.monotonic() - t0
		for _ in range(lo, hi + 1):
		    br.readline()
		t.join()
		print("%.2f" % dt)
	EOF
}

# setup_time: b0001..bSETUP_N are terminated (the table is down to
# N - SETUP_N), then the seconds for them to come up again (back at N). A
# gateway takes at most 1024 connections: B cannot have N + SETUP_N.
# Prints "SECONDS A_CPU_MS MGMTD_CPU_MS": the CPU time gateway A and mgmtd
# used in the timed part (all threads; what a setup or a poll costs,
# whatever share of the shared CPUs they got).
setup_time() {
	local t a0 a1 m0 m1 mp
	mp=$(cat "$WORK/mgmtd.pid")
	batch terminate 1 "$SETUP_N" total $((N - SETUP_N)) >/dev/null || return 1
	a0=$(cputicks "${PID[a]}")
	m0=$(cputicks "$mp")
	t=$(batch initiate 1 "$SETUP_N" established "$N") || return 1
	a1=$(cputicks "${PID[a]}")
	m1=$(cputicks "$mp")
	echo "$t $(((a1 - a0) * 1000 / CLK_TCK)) $(((m1 - m0) * 1000 / CLK_TCK))"
}

# cputicks PID: user + system time of the process, all threads, in ticks
cputicks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
CLK_TCK=$(getconf CLK_TCK)

# ok_2xx: mgmtd's count of 2xx answers (what the pollers got served)
ok_2xx() {
	nsa curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/stats" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["mgmtd"]["http_requests"]["2xx"])'
}

load1() {
	cut -d' ' -f1 /proc/loadavg
}

# run_row KIND "SECONDS A_MS MGMTD_MS" POLLS: a row of the setup table
run_row() {
	set -- "$1" $2 "$3"
	echo "| $1 | $2 | $(awk -v n="$SETUP_N" -v t="$2" 'BEGIN { printf "%.0f", n / t }') |" \
		"$(awk -v n="$SETUP_N" -v c="$3" 'BEGIN { printf "%.2f", c / n }') | $4 | $5 | $(load1) |" \
		>>"$WORK/setups"
}

# cpu_per_setup "A_MS ...": mean of gateway A's CPU ms per setup
cpu_per_setup() {
	echo "$1" | awk -v n="$SETUP_N" '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.2f", s / NF / n }' 
}

# spread "T1 T2 ...": "fastest-slowest" run in setups/s
spread() {
	echo "$1" | awk -v n="$SETUP_N" '{ lo = hi = n / $1; for (i = 2; i <= NF; i++) { r = n / $i; if (r < lo) lo = r; if (r > hi) hi = r }
		printf "%.0f-%.0f", lo, hi }'
}

# mean_rate "T1 T2 ...": SETUP_N / mean time
mean_rate() {
	echo "$1" | awk -v n="$SETUP_N" '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", n / (s / NF) }'
}

configure() {
	net_direct
	cfg_new a
	cfg_new b
	settings a "$A_IP" '"cookie_threshold": 100000'
	settings b "$B_IP" '"cookie_threshold": 100000'
	cred a a256
	cred b b256
	ca a p256ca
	ca b p256ca
	$HELPER conn "$WORK/a/conns/rw.json" local.id=a.test local.auth=pubkey local.cert=a256 \
		local.key=a256 remote.addrs=%any remote.id=%any remote.auth=pubkey remote.ca=p256ca \
		ike.proposals=aes128gcm16-prfsha256-x25519 ike.dpd_delay=0 child.name=net \
		child.mode=tunnel child.local_ts=10.1.0.0/16 child.remote_ts=10.2.0.0/16 \
		child.esp_proposals=aes128gcm16
	$HELPER conn "$WORK/b/conns/b0001.json" local.id=b.test local.auth=pubkey local.cert=b256 \
		local.key=b256 remote.addrs="$A_IP" remote.id=a.test remote.auth=pubkey \
		remote.ca=p256ca ike.proposals=aes128gcm16-prfsha256-x25519 ike.dpd_delay=0 \
		child.name=net child.mode=tunnel child.local_ts=10.2.0.0/16 \
		child.remote_ts=10.1.0.0/16 child.esp_proposals=aes128gcm16
	for i in $(seq 2 $N); do
		sed "s/b0001/$(printf b%04d "$i")/" "$WORK/b/conns/b0001.json" \
			>"$WORK/b/conns/$(printf b%04d "$i").json"
	done
}

gateways() {
	stop_all
	gw_start b "$NSB" && gw_start a "$NSA"
}

mgmtd_start() {
	[ -n "${TOKEN:-}" ] ||
		TOKEN=$("$MGMTD" token create --config-dir "$WORK/a" --role admin --name bench)
	ip netns exec "$NSA" "$MGMTD" --config-dir "$WORK/a" \
		--gateway-socket "$WORK/a/run/control.sock" --listen 127.0.0.1:18080 \
		--log-level warning >"$WORK/mgmtd.log" 2>&1 &
	echo $! >"$WORK/mgmtd.pid"
	for _ in $(seq 100); do
		nsa curl -sf "$BASE/healthz" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# pollers start|stop: 10 dashboard clients (one process, a thread and a
# kept-alive connection each, as browsers have), each GET /api/v1/sas and
# /api/v1/stats once a second
pollers() {
	if [ "$1" = start ]; then
		ip netns exec "$NSA" python3 - "$TOKEN" <<-'EOF' &
			import http.client, sys, threading, time
			def poll():
			    c = http.client.HTTPConnection("127.0.0.1", 18080, timeout=30)
			    h = {"Authorization": "Bearer " + sys.argv[1]}
			    while True:
			        t = time.time()
			        for p in ("/api/v1/sas", "/api/v1/stats"):
			            c.request("GET", p, headers=h)
			            c.getresponse().read()
			        time.sleep(max(0, 1 - (time.time() - t)))
			for _ in range(10):
			    threading.Thread(target=poll, daemon=True).start()
			time.sleep(3600)
		EOF
		echo $! >"$WORK/pollers"
	else
		kill "$(cat "$WORK/pollers")" 2>/dev/null
		: >"$WORK/pollers"
	fi
}

# wrk_run NAME ARGS...: "rps p99" of one wrk run
wrk_run() {
	local name=$1 f=$WORK/wrk.$RANDOM
	shift
	nsa wrk -t2 -c64 -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$@" \
		>"$f" 2>&1
	local rps p50 p99 errs st
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$f")
	p50=$(awk '$1 == "50%" { print $2 }' "$f")
	p99=$(awk '$1 == "99%" { print $2 }' "$f")
	errs=$(awk '/Non-2xx/ { print $NF }' "$f")
	st=$(awk '/^status / { printf "%s%s %s", n++ ? ", " : " (", $2, $3 } END { if (n) printf ")" }' "$f")
	errs="${errs:-0}$st"
	echo "| $name | ${rps:-?} | ${p50:-?} | ${p99:-?} | $errs |" >>"$WORK/table"
	cp "$f" "$WORK/wrk.last"
}

# section FILE: replace (or append) our section of FILE with $WORK/section
section() {
	python3 - "$1" "$WORK/section" <<-'EOF'
		import sys
		path, new = sys.argv[1], open(sys.argv[2]).read()
		head = "## palisade-mgmtd under load"
		try:
		    lines = open(path).read().split("\n")
		except FileNotFoundError:
		    lines = []
		start = next((i for i, l in enumerate(lines) if l.startswith(head)), None)
		if start is None:
		    text = "\n".join(lines).rstrip("\n") + ("\n\n" if lines else "") + new
		else:
		    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
		    rest = "\n".join(lines[end:])
		    text = "\n".join(lines[:start]) + "\n" + new + ("\n" + rest if rest else "")
		open(path, "w").write(text.rstrip("\n") + "\n")
	EOF
}

main() {
	local t_alone="" t_poll="" c_alone="" c_poll="" t_standing t c n0 load0 started
	started=$(date -u '+%F %H:%M UTC')
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	mkdir -p "$WORK/pki"
	pki_make "$WORK/pki"
	configure
	: >"$WORK/pollers"
	: >"$WORK/setups"
	gateways && mgmtd_start || return 1
	# the table: N SAs, as the wrk runs below see it too
	t_standing=$(batch initiate 1 $N established $N) || return 1
	# alternate: alone, with pollers, alone, ...; each run takes SETUP_N of
	# them down and times setting them up again
	for r in $(seq "$REPS"); do
		n0=$(ok_2xx)
		t=$(setup_time) || return 1
		t_alone="$t_alone ${t%% *}"
		c=$(echo "$t" | cut -d' ' -f2)
		c_alone="$c_alone $c"
		run_row "$r: alone" "$t" $(($(ok_2xx) - n0 - 1))
		pollers start
		sleep 1
		n0=$(ok_2xx)
		t=$(setup_time) || return 1
		run_row "$r: 10 pollers" "$t" $(($(ok_2xx) - n0 - 1))
		pollers stop
		t_poll="$t_poll ${t%% *}"
		c=$(echo "$t" | cut -d' ' -f2)
		c_poll="$c_poll $c"
	done
	# mgmtd's list-sas is shared for a second: let it catch up with the table
	sleep 2
	sas=$(nsa curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/sas?limit=1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	bytes=$(nsa curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/sas?limit=1000" | wc -c)
	: >"$WORK/table"
	wrk_run "GET /api/v1/sas?limit=1000 ($sas SAs, $bytes bytes)" "$BASE/api/v1/sas?limit=1000"
	cat >"$WORK/mix.lua" <<-'EOF'
		local n = 0
		local put_headers = nil
		request = function()
		  n = n + 1
		  local r = math.random(100)
		  if r <= 10 then
		    -- headers given to wrk.format replace wrk.headers (the -H
		    -- Authorization): a write needs both
		    if not put_headers then
		      put_headers = {}
		      for k, v in pairs(wrk.headers) do put_headers[k] = v end
		      put_headers["Content-Type"] = "application/json"
		    end
		    local body = '{"method":"eap-mschapv2","password":"bench-pw-' .. n .. '"}'
		    return wrk.format("PUT", "/api/v1/eap-users/bench" .. (n % 50), put_headers, body)
		  elseif r <= 20 then
		    return wrk.format("GET", "/api/v1/stats")
		  end
		  return wrk.format("GET", "/api/v1/sas?limit=100")
		end
		-- answers by method and status, summed over the threads
		local threads = {}
		setup = function(thread) table.insert(threads, thread) end
		init = function() codes = {} end
		response = function(status, headers, body)
		  codes[status] = (codes[status] or 0) + 1
		end
		done = function()
		  local t = {}
		  for _, th in ipairs(threads) do
		    for k, v in pairs(th:get("codes")) do t[k] = (t[k] or 0) + v end
		  end
		  for k, v in pairs(t) do io.write(string.format("status %d: %d\n", k, v)) end
		end
	EOF
	wrk_run "mix: 80% GET sas (100), 10% GET stats, 10% PUT eap-user" -s "$WORK/mix.lua" "$BASE"
	# what a write answers (the non-2xx column above, if any)
	nsa curl -s -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"method":"eap-mschapv2","password":"bench-pw-x"}' -w ' %{http_code}\n' \
		"$BASE/api/v1/eap-users/bench-check" >"$WORK/put.out" 2>&1
	report "$started" "$load0" >"$WORK/section"
	if [ "$OUT" = - ]; then
		cat "$WORK/section"
	else
		section "$OUT"
		cat "$WORK/section"
		echo "api_bench.sh: section written to $OUT"
	fi
}

# report STARTED LOAD0: the section
report() {
	local a p
	a=$(mean_rate "$t_alone")
	p=$(mean_rate "$t_poll")
	echo "## palisade-mgmtd under load (tests/bench/api_bench.sh)"
	echo
	echo "- run: $1, \`make bench-api\` (SETUP_N=$SETUP_N REPS=$REPS DURATION=$DURATION)," \
		"palisade $(git -C "$BENCH" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "- machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
		"shared: load average before the run $2, after $(cut -d' ' -f1-3 /proc/loadavg);" \
		"gateways, mgmtd, wrk and the pollers all run on these CPUs"
	echo "- set-up: gateway A (userspace data path, one certificate connection, remote id %any)" \
		"with palisade-mgmtd in front of it, gateway B with $N connections that all dial A," \
		"ECDSA P-256 certificates, IKE aes128gcm16-prfsha256-x25519, ESP aes128gcm16;" \
		"network namespaces on one veth"
	echo
	echo "### IKE setups with and without 10 dashboard pollers"
	echo
	echo "$N SAs are set up at the start (in $t_standing s). Each run, B terminates $SETUP_N of them"
	echo "(untimed; the table is down to $((N - SETUP_N))), then initiates them again at once (no wait)"
	echo "and the time until A counts $N established is taken (A's stats read every 20 ms over one"
	echo "control connection). So every run starts from the same table. Runs alternate alone /"
	echo "with pollers. Pollers: 10 clients with a kept-alive connection each, GET /api/v1/sas and"
	echo "GET /api/v1/stats once a second (as the dashboard does; the first page of a table of"
	echo "$((N - SETUP_N))-$N SAs); \"polls served\" is what mgmtd answered with 2xx during the run,"
	echo "tear-down included. Load: the 1-minute load average at the end of the run."
	echo
	echo "| run | seconds | setups/s | gateway A CPU ms per setup | mgmtd CPU ms | polls served | load |"
	echo "|---|---|---|---|---|---|---|"
	cat "$WORK/setups"
	echo
	echo "| | mean setups/s | runs (setups/s) |"
	echo "|---|---|---|"
	echo "| alone | $a | $(spread "$t_alone") |"
	echo "| 10 pollers | $p | $(spread "$t_poll") |"
	echo "| pollers / alone | $(awk -v a="$a" -v p="$p" 'BEGIN { printf "%.2f", p / a }') | |"
	echo
	echo "CPU time is steadier than wall time on a shared machine: gateway A (the responder, all"
	echo "threads, its list-sas answers to mgmtd included) used $(cpu_per_setup "$c_alone") ms per setup alone and"
	echo "$(cpu_per_setup "$c_poll") ms with the pollers (means of the runs); mgmtd's own CPU time is in the table."
	echo "A slowdown by the pollers shows as a setup rate ratio below 1 beyond the spread of the"
	echo "runs alone, and as more CPU per setup."
	echo
	echo "### Requests per second and p99 latency with $sas live IKE SAs"
	echo
	echo "wrk, 2 threads, 64 connections, ${DURATION} s each:"
	echo
	echo "| request | requests/s | p50 latency | p99 latency | non-2xx (answers by status) |"
	echo "|---|---|---|---|---|"
	cat "$WORK/table"
	echo
	echo "A write after the mix answered: $(cat "$WORK/put.out")"
	echo
	echo "The mix is a closed loop: each of the 64 connections sends its next request when the"
	echo "last one is answered, and writes are serialised (temporary file, fsync, rename, fsync"
	echo "of the directory, then the gateway's reload), so connections gather behind the writes"
	echo "and the writes set the pace of the whole mix; the reads alone are the first row's"
	echo "order (served from one list-sas per second and one serialisation per page)."
}

main
