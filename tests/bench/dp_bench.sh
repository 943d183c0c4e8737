#!/bin/bash
# dp_bench.sh: figures for the userspace ESP data path (not a test).
# Two namespaces on a veth pair; iperf3 TCP (1 and 4 flows) and 64-byte UDP
# through: the bare veth, our userspace tunnel (dptool) with AES-GCM-128
# and with AES-CBC-128 + HMAC-SHA-256, and strongSwan's kernel-libipsec
# with the same algorithms in the same run; CPU of the ESP processes per
# gigabit; the OpenSSL AES-GCM bound of one core. Writes a Markdown report.
# Usage: DPTOOL=/path/to/dptool dp_bench.sh OUT.md
# (root; BENCH_SECONDS=10 per figure, BENCH_ROUNDS=3)
set -u

DPTOOL=${DPTOOL:?set DPTOOL to the dptool binary}
OUT=${1:?usage: dp_bench.sh OUT.md}
DUR=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
P=dpb$$
NSA=${P}a NSB=${P}b
WORK=$(mktemp -d /tmp/dp_bench.XXXXXX)
HZ=$(getconf CLK_TCK)
declare -A PID
. "$HERE/swan.sh"

cleanup() {
	for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null; done
	swan_stop a 2>/dev/null
	swan_stop b 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || {
	echo "dp_bench.sh: needs root"
	exit 1
}

net_up() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip netns add "$NSA"
	ip netns add "$NSB"
	ip link add ${P}va netns "$NSA" type veth peer name ${P}vb netns "$NSB"
	ip -n "$NSA" addr add 10.0.1.1/24 dev ${P}va
	ip -n "$NSB" addr add 10.0.1.2/24 dev ${P}vb
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NSA" link set ${P}va up
	ip -n "$NSB" link set ${P}vb up
	ip -n "$NSA" addr add 10.11.0.1/32 dev lo
	ip -n "$NSB" addr add 10.22.0.1/32 dev lo
}

# cpu_ticks PID...: user + system time of the processes (all threads).
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo $t
}

json_get() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"
}

# tcp SRC DST FLOWS PIDS...: Gbit/s received; CPU-s of PIDS per Gbit -> $WORK/cpu
tcp() {
	local src=$1 dst=$2 flows=$3 c0 c1 gbps
	shift 3
	ip netns exec "$NSB" iperf3 -s -1 -B "$dst" -p 5201 >/dev/null 2>&1 &
	local spid=$!
	sleep 0.5
	c0=$(cpu_ticks "$@")
	ip netns exec "$NSA" iperf3 -c "$dst" -B "$src" -p 5201 -t "$DUR" -P "$flows" -J \
		>"$WORK/tcp.json" 2>/dev/null
	c1=$(cpu_ticks "$@")
	wait $spid
	gbps=$(json_get "$WORK/tcp.json" "round(d['end']['sum_received']['bits_per_second']/1e9, 3)" \
		2>/dev/null || echo 0)
	echo - >"$WORK/cpu"
	[ $# -gt 0 ] && python3 -c 'import sys
g = float(sys.argv[1]) * float(sys.argv[2])
c = (int(sys.argv[4]) - int(sys.argv[3])) / float(sys.argv[5])
print(round(c / g, 2) if g > 0 else "-")' "$gbps" "$DUR" "$c0" "$c1" "$HZ" >"$WORK/cpu"
	echo "$gbps"
}

# udp64 SRC DST: 64-byte UDP datagrams received per second (thousands).
udp64() {
	ip netns exec "$NSB" iperf3 -s -1 -B "$2" -p 5202 >/dev/null 2>&1 &
	local spid=$!
	sleep 0.5
	ip netns exec "$NSA" iperf3 -c "$2" -B "$1" -p 5202 -u -l 64 -b 0 -t "$DUR" -J \
		>"$WORK/udp.json" 2>/dev/null
	wait $spid
	json_get "$WORK/udp.json" \
		"round((d['end']['sum']['packets']-d['end']['sum']['lost_packets'])/d['end']['sum']['seconds']/1e3, 1)" \
		2>/dev/null || echo 0
}

# row NAME PIDS...: one line of figures through the current path.
row() {
	local name=$1 t1 t4 c1 c4 u
	shift
	t1=$(tcp 10.11.0.1 10.22.0.1 1 "$@")
	c1=$(cat "$WORK/cpu")
	t4=$(tcp 10.11.0.1 10.22.0.1 4 "$@")
	c4=$(cat "$WORK/cpu")
	u=$(udp64 10.11.0.1 10.22.0.1)
	echo "$round|$name|$t1|$t4|$u|$c1|$c4" | tee -a "$WORK/rows"
}

# dptool_up ALG [udp]: our tunnel between the namespaces (both ends), raw
# ESP or ESP in UDP.
dptool_up() {
	local encap="" port=""
	if [ "${2:-}" = udp ]; then
		encap=--encap
		port="--udp-port 4500"
	fi
	python3 "$HERE/../integration/dp_helper.py" config --alg "$1" $encap --a 10.0.1.1 \
		--b 10.0.1.2 --net-a 10.11.0.0/24 --net-b 10.22.0.0/24 --out-a "$WORK/a.json" \
		--out-b "$WORK/b.json"
	for side in a b; do
		local ns=$NSA
		[ $side = b ] && ns=$NSB
		ip netns exec "$ns" "$DPTOOL" --backend userspace --tun ${P}t --log-level warning \
			$port --config "$WORK/$side.json" >"$WORK/$side.out" 2>"$WORK/$side.err" &
		PID[$side]=$!
	done
	for _ in $(seq 50); do
		grep -q ready "$WORK/a.out" && grep -q ready "$WORK/b.out" && break
		sleep 0.1
	done
	ip netns exec "$NSA" ping -q -c 2 -i 0.2 -I 10.11.0.1 10.22.0.1 >/dev/null
}

dptool_down() {
	kill "${PID[a]}" "${PID[b]}"
	wait "${PID[a]}" "${PID[b]}" 2>/dev/null
	PID=()
}

swan_up() {
	swan_conf a 10.0.1.1 10.0.1.2 10.11.0.0/24 10.22.0.0/24 "$1"
	swan_conf b 10.0.1.2 10.0.1.1 10.22.0.0/24 10.11.0.0/24 "$1"
	swan_start b "$NSB" && swan_start a "$NSA" && swan_initiate a &&
		ip netns exec "$NSA" ping -q -c 2 -i 0.2 -I 10.11.0.1 10.22.0.1 >/dev/null
}

# openssl_gbps ALG [-hmac]: one core's rate at 1400-byte buffers.
openssl_gbps() {
	openssl speed -seconds 3 -bytes 1400 "$@" 2>/dev/null | tail -1 |
		awk '{ v = $NF; sub("k", "", v); printf "%.2f\n", v * 8 / 1e6 }'
}

net_up
# The bare path: routes in the main table (the tunnels' tables come first).
ip -n "$NSA" route add 10.22.0.0/24 via 10.0.1.2
ip -n "$NSB" route add 10.11.0.0/24 via 10.0.1.1
: >"$WORK/rows"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# Rounds, each path once per round and each of our rows next to its
# strongSwan peer, so a change in the machine's load hits both; medians.
for round in $(seq "$ROUNDS"); do
	echo "round $round of $ROUNDS"
	for alg in aes-gcm-128 aes-cbc-sha256; do
		dptool_up $alg
		row "Palisade userspace, $alg" "${PID[a]}" "${PID[b]}"
		dptool_down
		esp=aes128gcm16
		[ $alg = aes-cbc-sha256 ] && esp=aes128-sha256
		if swan_available && swan_up $esp; then
			row "strongSwan kernel-libipsec, $esp" "$(swan_pid a)" "$(swan_pid b)"
		fi
		swan_stop a
		swan_stop b
	done
	dptool_up aes-gcm-128 udp
	row "Palisade userspace, aes-gcm-128 in UDP" "${PID[a]}" "${PID[b]}"
	dptool_down
	row "veth, no IPsec"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
gcm=$(openssl_gbps -evp aes-128-gcm)
cbc=$(openssl_gbps -evp aes-128-cbc)
sha=$(openssl_gbps -hmac sha256)

mkdir -p "$(dirname "$OUT")"
python3 - "$WORK/rows" "$OUT" "$DUR" "$gcm" "$cbc" "$sha" "$load0" "$load1" "$ROUNDS" <<'PY'
import os, platform, statistics, sys, time
rows_path, out, dur, gcm, cbc, sha, load0, load1, rounds = sys.argv[1:]
gcm, cbc, sha = float(gcm), float(cbc), float(sha)
cbc_sha = 1 / (1 / cbc + 1 / sha) if cbc and sha else 0
FIELDS = ["TCP 1 flow Gbit/s", "TCP 4 flows Gbit/s", "UDP 64 B kpps",
          "CPU-s/Gbit (1 flow)", "CPU-s/Gbit (4 flows)"]
runs = {}  # name -> round -> [values]
order = []
for line in open(rows_path):
    f = line.rstrip("\n").split("|")
    if len(f) != 7:
        continue
    vals = []
    for x in f[2:]:
        try:
            vals.append(float(x))
        except ValueError:
            vals.append(None)
    if f[1] not in runs:
        runs[f[1]] = {}
        order.append(f[1])
    runs[f[1]][f[0]] = vals
def med(name, i):
    v = [r[i] for r in runs.get(name, {}).values() if r[i] is not None]
    return statistics.median(v) if v else None
def fmt(v, nd=3):
    return "-" if v is None else f"{v:.{nd}f}".rstrip("0").rstrip(".")
def ratio(a, b, i, invert=False):
    """Median over rounds of a/b (b/a with invert) for field i, with range."""
    rs = []
    for rnd, va in runs.get(a, {}).items():
        vb = runs.get(b, {}).get(rnd)
        if vb and va[i] and vb[i]:
            rs.append(vb[i] / va[i] if invert else va[i] / vb[i])
    if not rs:
        return "-"
    m = statistics.median(rs)
    return f"{m:.1f}x ({min(rs):.1f}-{max(rs):.1f})" if len(rs) > 1 else f"{m:.1f}x"
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
L = ["# Userspace ESP data path: benchmark results\n"]
L.append(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}: "
         f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}; load average "
         f"{load0} before, {load1} after: the machine is shared with other builds and "
         "tests, so figures move by tens of percent between runs; the ratios come from "
         "runs next to each other.\n")
L.append(f"Two network namespaces on a veth pair; iperf3 {dur} s per figure, TCP from 10.11.0.1 "
         "to 10.22.0.1 (inner addresses), 64-byte UDP with `-b 0` (iperf3's sender is the "
         f"limit there, even on the bare veth); {rounds} rounds, medians. Palisade: "
         "`dptool --backend userspace` at each end (2 packet threads, TUN MTU 1400 with TSO "
         "and GRO, raw ESP unless \"in UDP\"). strongSwan 5.9.8: charon with "
         "kernel-libipsec and the openssl plugin at each end (always ESP in UDP), same "
         "namespaces, between our runs. CPU: user + system time of the two ESP processes "
         "(dptool or charon) per gigabit received. `make bench` (tests/bench/dp_bench.sh).\n")
L.append("| path | " + " | ".join(FIELDS) + " |")
L.append("|---" * (len(FIELDS) + 1) + "|")
for name in order:
    L.append(f"| {name} | " + " | ".join(
        fmt(med(name, i), 3 if i < 2 else 2 if i > 2 else 1) for i in range(5)) + " |")
L.append("")
PG, PC = "Palisade userspace, aes-gcm-128", "Palisade userspace, aes-cbc-sha256"
SG, SC = "strongSwan kernel-libipsec, aes128gcm16", "strongSwan kernel-libipsec, aes128-sha256"
L.append("## Ratios (median of the rounds, range)\n")
L.append("| comparison | TCP 1 flow | TCP 4 flows | UDP 64 B | CPU per Gbit, 1 flow | CPU per Gbit, 4 flows |")
L.append("|---|---|---|---|---|---|")
for p, s, what in ((PG, SG, "AES-GCM-128"), (PC, SC, "AES-CBC + HMAC-SHA-256")):
    L.append(f"| Palisade / strongSwan, {what} | {ratio(p, s, 0)} | {ratio(p, s, 1)} | "
             f"{ratio(p, s, 2)} | {ratio(p, s, 3, True)} less | {ratio(p, s, 4, True)} less |")
def pct(a, b, i):
    rs = [va[i] / runs[b][r][i] for r, va in runs.get(a, {}).items()
          if va[i] and runs.get(b, {}).get(r) and runs[b][r][i]]
    return f"{100 * statistics.median(rs):.0f}%" if rs else "-"
L.append(f"| Palisade AES-GCM-128 / bare veth | {pct(PG, 'veth, no IPsec', 0)} | "
         f"{pct(PG, 'veth, no IPsec', 1)} | {pct(PG, 'veth, no IPsec', 2)} | | |")
L.append("")
L.append("## Crypto bound (OpenSSL 3, one core, 1400-byte buffers)\n")
L.append(f"`openssl speed -evp aes-128-gcm`: {gcm:.2f} Gbit/s; AES-128-CBC {cbc:.2f} Gbit/s "
         f"and HMAC-SHA-256 {sha:.2f} Gbit/s, together {cbc_sha:.2f} Gbit/s.\n")
pg, pc = med(PG, 0), med(PC, 0)
if pg and med(PG, 3):
    L.append(f"Palisade AES-GCM-128 moves {pg:.2f} Gbit/s over one flow, {100 * pg / gcm:.0f}% of "
             "one core's AES-GCM rate. Every packet is encrypted at one end and decrypted at "
             "the other on the same two shared cores, next to both iperf3 ends and the "
             f"kernel's TCP, TUN and veth work; the two dptools spend {med(PG, 3):.2f} CPU-seconds "
             f"per gigabit, of which AES-GCM is {2 / gcm:.2f} (both ends).")
if pc:
    L.append(f"Palisade AES-CBC + HMAC-SHA-256: {pc:.2f} Gbit/s, {100 * pc / cbc_sha:.0f}% of "
             "the CBC+HMAC bound.")
open(out, "w").write("\n".join(L) + "\n")
PY
cat "$OUT"
