#!/bin/bash
# tests/bench/ike_bench.sh: IKE setup rate, latency of one setup and memory
# per established SA, palisade-gatewayd against strongSwan's charon, both
# as responders in the same namespaces, loaded by tests/bench/ikeload.
# Figures, not a test: run by `make bench` (root), results appended to
# tests/bench/RESULTS.md under "IKE setup rate and memory".
#
#   BUILDDIR     the build tree (default: .)
#   RESULTS      the file to append to (default: tests/bench/RESULTS.md
#                next to this script; RESULTS=- prints only)
#   ROUNDS       rate runs per responder and mode, alternating (default 3)
#   RATE_COUNT   setups per rate run (default 4000)
#   CONC         setups in flight (default 64)
#   LAT_COUNT    single setups for the latency figure (default 300)
#   MEM_COUNTS   SA counts for the memory figures (default "10000 100000")
#   CHARON_MEM   SA count for charon's memory figure (default 10000)
#   DP_COUNT     SAs for the userspace data path scaling run (default 2000)
#   HOLD_CONC    setups in flight while filling for the memory figures (20)
#   GW_WORKERS   palisade-gatewayd worker threads (default: the daemon's own
#                default, one per CPU it may run on; charon runs its default 16)
#   PIN          1 (default with 2 or more CPUs): the load generator runs on
#                the last CPU, the responder on the others (taskset), so the
#                generator's own work does not take the responder's CPU
#                time; 0: all share every CPU
#   CHARON_MEM=0 skips charon's memory run (it takes ~10 minutes)
#   HOLD_MAX_S   limit of one memory run in seconds (default 2400)
#   ONLY         a space-separated subset of: rate latency memory dpscale
#   RESPONDERS   responders of the rate and latency runs (default "gw gw-null
#                sw": palisade-gatewayd with the userspace data path, the
#                same with the null data path, charon)
#   KE_REUSE     setups per load generator key pair (default 1000; RFC 7296
#                2.12 lets an initiator reuse its KE value; the responder's
#                work is the same, the generator's is a quarter less)
#   KEEP=1       keep the work directory (configs, logs) after the run
#
# Namespaces ikbl$$ (load generator, 10.77.0.1) and ikbr$$ (responder,
# 10.77.0.2) are deleted on exit; only processes started here are killed,
# by PID.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=$(cd "${BUILDDIR:-.}" && pwd)
IKELOAD=$B/tests/bench/ikeload
GWD=$B/gateway/palisade-gatewayd
GWD_NULL=$B/tests/bench/gatewayd-nulldp
CTL=$B/gateway/palisadectl
CHARON=${CHARON:-/usr/lib/ipsec/charon}
RESULTS=${RESULTS:-$HERE/RESULTS.md}
ROUNDS=${ROUNDS:-3}
RATE_COUNT=${RATE_COUNT:-4000}
CONC=${CONC:-64}
LAT_COUNT=${LAT_COUNT:-300}
MEM_COUNTS=${MEM_COUNTS:-10000 100000}
CHARON_MEM=${CHARON_MEM:-10000}
DP_COUNT=${DP_COUNT:-2000}
HOLD_CONC=${HOLD_CONC:-20}
# Each daemon with its default thread count, as an admin runs it.
GW_WORKERS=${GW_WORKERS:-0}
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then PIN=${PIN:-1}; else PIN=0; fi
if [ "$PIN" = 1 ]; then
	LOAD_CPUS=$((NCPU - 1))
	RESP_CPUS=0-$((NCPU - 2))
	ON_LOAD=(taskset -c "$LOAD_CPUS")
	ON_RESP=(taskset -c "$RESP_CPUS")
else
	LOAD_CPUS=all
	RESP_CPUS=all
	ON_LOAD=()
	ON_RESP=()
fi
HOLD_MAX_S=${HOLD_MAX_S:-2400}
ONLY=${ONLY:-rate latency memory dpscale}
RESPONDERS=${RESPONDERS:-gw gw-null sw}
KE_REUSE=${KE_REUSE:-1000}
NS_L=ikbl$$
NS_R=ikbr$$
ADDR_L=10.77.0.1
ADDR_R=10.77.0.2
W=$(mktemp -d /tmp/ike-bench.XXXXXX)
RESP_PID=""
LOAD_PID=""
LOG=$W/bench.log

die() { echo "ike_bench: $*" >&2; exit 1; }
say() { echo "ike_bench: $*" | tee -a "$LOG" >&2; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
	resp_stop
	ip netns del "$NS_L" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "ike_bench: work directory kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for f in "$IKELOAD" "$GWD" "$GWD_NULL" "$CTL" "$CHARON"; do
	[ -x "$f" ] || die "missing $f (make, and strongSwan from scripts/deps)"
done
command -v swanctl >/dev/null || die "swanctl missing (scripts/deps)"

# ---- network: two namespaces on a veth pair ----
net_up() {
	ip netns add "$NS_L" && ip netns add "$NS_R" || die "cannot create namespaces"
	ip link add "ikl$$" netns "$NS_L" type veth peer name "ikr$$" netns "$NS_R"
	ip -n "$NS_L" addr add "$ADDR_L/24" dev "ikl$$"
	ip -n "$NS_R" addr add "$ADDR_R/24" dev "ikr$$"
	for ns in "$NS_L" "$NS_R"; do ip -n "$ns" link set lo up; done
	ip -n "$NS_L" link set "ikl$$" up
	ip -n "$NS_R" link set "ikr$$" up
	ip -n "$NS_R" addr add 10.2.0.1/32 dev lo # the protected net, 10.2.0.0/16
}

# ---- credentials: an ECDSA P-256 CA, the responder's and the client's certs ----
make_certs() {
	local d=$W/pki n
	mkdir -p "$d"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$d/ca.key" -subj "/CN=Palisade Bench CA" -days 30 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$d/ca.pem" 2>/dev/null
	for n in gw client; do
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/$n.key" 2>/dev/null
		openssl req -new -key "$d/$n.key" -subj "/CN=$n.bench.test" -out "$d/$n.csr" 2>/dev/null
		printf 'subjectAltName=DNS:%s.bench.test\nkeyUsage=critical,digitalSignature\n' "$n" >"$d/$n.ext"
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 30 -extfile "$d/$n.ext" -out "$d/$n.pem" 2>/dev/null
	done
	[ -s "$d/gw.pem" ] && [ -s "$d/client.pem" ] || die "openssl could not make the test PKI"
	chmod 600 "$d"/*.key
	# the load generator's credentials directory (auth/ layout)
	mkdir -p "$W/lg/cas" "$W/lg/certs" "$W/lg/keys"
	cp "$d/ca.pem" "$W/lg/cas/ca.pem"
	cp "$d/client.pem" "$W/lg/certs/client.pem"
	install -m 600 "$d/client.key" "$W/lg/keys/client.pem"
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/psk"
	echo >>"$W/psk"
}

# ---- palisade-gatewayd ----
gw_config() { # gw_config DIR MODE(psk|cert) DATAPATH
	local d=$1 mode=$2 dp=$3 auth local remote
	mkdir -p "$d/conns" "$d/run" "$d/cas" "$d/certs" "$d/keys"
	chmod 700 "$d/keys"
	cat >"$d/gateway.json" <<EOF
{"listen": ["$ADDR_R"], "datapath": "$dp", "tun_name": "pbench0", "log_level": "warning",
 "cookie_threshold": 0, "workers": $GW_WORKERS}
EOF
	if [ "$mode" = psk ]; then
		local="{\"id\": \"gw.bench.test\", \"auth\": \"psk\"}"
		remote="{\"addrs\": [\"10.77.0.0/24\"], \"id\": \"client.bench.test\", \"auth\": \"psk\"}"
		auth=", \"psk\": \"$(cat "$W/psk")\""
	else
		cp "$W/pki/ca.pem" "$d/cas/ca.pem"
		cp "$W/pki/gw.pem" "$d/certs/gw.pem"
		install -m 600 "$W/pki/gw.key" "$d/keys/gw.pem"
		local="{\"id\": \"gw.bench.test\", \"auth\": \"pubkey\", \"cert\": \"gw\", \"key\": \"gw\"}"
		remote="{\"addrs\": [\"10.77.0.0/24\"], \"id\": \"%any\", \"auth\": \"pubkey\", \"ca\": \"ca\"}"
		auth=""
	fi
	cat >"$d/conns/bench.json" <<EOF
{"local": $local, "remote": $remote,
 "ike": {"proposals": ["aes256gcm16-prfsha256-x25519"], "dpd_delay": 0},
 "children": [{"name": "net", "local_ts": ["10.2.0.0/16"], "remote_ts": ["10.128.0.0/10"],
               "esp_proposals": ["aes256gcm16"]}]$auth}
EOF
	chmod 600 "$d/conns/bench.json"
}

gw_start() { # gw_start BINARY MODE DATAPATH
	local d=$W/gw-$2-$3 i
	rm -rf "$d"
	gw_config "$d" "$2" "$3"
	ip netns exec "$NS_R" "${ON_RESP[@]}" "$1" --foreground --config-dir "$d" --run-dir "$d/run" \
		>"$d/gatewayd.log" 2>&1 &
	RESP_PID=$!
	RESP_KIND=gw
	RESP_DIR=$d
	for i in $(seq 100); do
		[ -S "$d/run/control.sock" ] && break
		kill -0 "$RESP_PID" 2>/dev/null || { cat "$d/gatewayd.log" >&2; die "gatewayd did not start"; }
		sleep 0.1
	done
	[ -S "$d/run/control.sock" ] || die "gatewayd: no control socket"
}

# ---- strongSwan charon (private /run for its pid file, VICI outside it) ----
sw_config() { # sw_config DIR MODE
	local d=$1 mode=$2 conf=$1/conf
	mkdir -p "$d/run" "$conf/x509" "$conf/x509ca" "$conf/private"
	cat >"$d/strongswan.conf" <<EOF
# generated by ike_bench.sh: openssl first so that it does the crypto
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey hmac kdf curve25519 kernel-libipsec kernel-netlink socket-default vici
	threads = 16
	ikesa_table_size = 32768
	ikesa_table_segments = 16
	dos_protection = no
	cookie_threshold = 100000000
	cookie_threshold_ip = 100000000
	block_threshold = 100000000
	init_limit_half_open = 0
	half_open_timeout = 30
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
		kernel-libipsec {
			allow_peer_ts = no
		}
	}
	syslog {
		daemon {
			default = -1
		}
		auth {
			default = -1
		}
	}
}
swanctl {
	socket = unix://$d/charon.vici
}
EOF
	if [ "$mode" = psk ]; then
		cat >"$conf/swanctl.conf" <<EOF
connections {
	bench {
		local_addrs = $ADDR_R
		remote_addrs = 10.77.0.0/24
		proposals = aes256gcm16-prfsha256-x25519
		local {
			auth = psk
			id = gw.bench.test
		}
		remote {
			auth = psk
			id = client.bench.test
		}
		children {
			net {
				local_ts = 10.2.0.0/16
				remote_ts = 10.128.0.0/10
				esp_proposals = aes256gcm16
			}
		}
	}
}
secrets {
	ike-bench {
		secret = $(cat "$W/psk")
	}
}
EOF
	else
		cp "$W/pki/ca.pem" "$conf/x509ca/ca.pem"
		cp "$W/pki/gw.pem" "$conf/x509/gw.pem"
		install -m 600 "$W/pki/gw.key" "$conf/private/gw.pem"
		cat >"$conf/swanctl.conf" <<EOF
connections {
	bench {
		local_addrs = $ADDR_R
		remote_addrs = 10.77.0.0/24
		proposals = aes256gcm16-prfsha256-x25519
		local {
			auth = pubkey
			certs = gw.pem
			id = gw.bench.test
		}
		remote {
			auth = pubkey
			cacerts = ca.pem
			id = %any
		}
		children {
			net {
				local_ts = 10.2.0.0/16
				remote_ts = 10.128.0.0/10
				esp_proposals = aes256gcm16
			}
		}
	}
}
EOF
	fi
}

swan() { # swan ARGS...: swanctl against the running charon
	SWANCTL_DIR="$RESP_DIR/conf" STRONGSWAN_CONF="$RESP_DIR/strongswan.conf" \
		swanctl "$@" --uri "unix://$RESP_DIR/charon.vici"
}

sw_start() { # sw_start MODE
	local d=$W/sw-$1 i pid=""
	rm -rf "$d"
	sw_config "$d" "$1"
	STRONGSWAN_CONF="$d/strongswan.conf" setsid -f ip netns exec "$NS_R" \
		unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run && shift && exec "$@"' sh "$d/run" "${ON_RESP[@]}" "$CHARON" \
		</dev/null >"$d/charon.out" 2>&1
	for i in $(seq 100); do
		pid=$(cat "$d/run/charon.pid" 2>/dev/null || true)
		[ -n "$pid" ] && [ -S "$d/charon.vici" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] && grep -qa charon "/proc/$pid/cmdline" 2>/dev/null ||
		{ cat "$d/charon.out" >&2; die "charon did not start"; }
	RESP_PID=$pid
	RESP_KIND=sw
	RESP_DIR=$d
	swan --load-all --noprompt --file "$d/conf/swanctl.conf" >"$d/load.log" 2>&1 ||
		{ cat "$d/load.log" >&2; die "swanctl --load-all failed"; }
}

resp_stop() {
	local i
	[ -n "$RESP_PID" ] || return 0
	kill -TERM "$RESP_PID" 2>/dev/null
	for i in $(seq 100); do kill -0 "$RESP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$RESP_PID" 2>/dev/null
	wait "$RESP_PID" 2>/dev/null
	RESP_PID=""
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$RESP_PID/status"; }
# CPU time of the responder (all its threads), ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$RESP_PID/stat"; }

# The responder's own count of established IKE SAs.
resp_sas() {
	if [ "$RESP_KIND" = gw ]; then
		"$CTL" --socket "$RESP_DIR/run/control.sock" --json stats 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"]["established"])' 2>/dev/null
	else
		swan --stats 2>/dev/null | awk '/^IKE_SAs:/ { print $2 }'
	fi
}

# ---- the load ----
load_args() { # load_args MODE
	if [ "$1" = psk ]; then
		echo "--auth psk --psk-file $W/psk --ke-reuse $KE_REUSE"
	else
		echo "--auth cert --creds $W/lg --cert client --key client --id client.bench.test --ke-reuse $KE_REUSE"
	fi
}

ikeload() { # ikeload MODE ARGS...: one run, prints its RESULT line
	local mode=$1
	shift
	# shellcheck disable=SC2046
	ip netns exec "$NS_L" "${ON_LOAD[@]}" "$IKELOAD" --target "$ADDR_R" --local "$ADDR_L" \
		$(load_args "$mode") "$@" 2>>"$LOG" | grep '^RESULT'
}

field() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

start_resp() { # start_resp gw|gw-null|sw MODE
	case $1 in
	gw) gw_start "$GWD" "$2" userspace ;;
	gw-null) gw_start "$GWD_NULL" "$2" userspace ;;
	sw) sw_start "$2" ;;
	esac
	sleep 0.5
}

# Setups per second: ROUNDS alternating runs of RATE_COUNT setups (each
# deleted right after it is up, so the tables stay small), median.
bench_rate() { # bench_rate MODE
	local mode=$1 r who res c0 c1 cpu
	for r in $(seq "$ROUNDS"); do
		for who in $RESPONDERS; do
			start_resp "$who" "$mode"
			ikeload "$mode" --count 200 --concurrency "$CONC" >/dev/null # warm-up
			c0=$(cpu_ms)
			res=$(ikeload "$mode" --count "$RATE_COUNT" --concurrency "$CONC" --max-seconds 300)
			c1=$(cpu_ms)
			cpu=$(awk -v a="$c0" -v b="$c1" -v n="$(field ok "$res")" 'BEGIN { printf "%.3f", n ? (b - a) / n : 0 }')
			say "rate $mode $who round $r: $res responder_cpu_ms_per_setup=$cpu"
			echo "$(field rate "$res") $(field failed "$res") $cpu $(field cpu_s "$res")" >>"$W/rate-$mode-$who"
			resp_stop
		done
	done
}

# One setup at a time: the median of LAT_COUNT setups.
bench_latency() { # bench_latency MODE
	local mode=$1 who res
	for who in $RESPONDERS; do
		start_resp "$who" "$mode"
		ikeload "$mode" --count 20 --concurrency 1 >/dev/null
		res=$(ikeload "$mode" --count "$LAT_COUNT" --concurrency 1 --max-seconds 300)
		say "latency $mode $who: $res"
		echo "$res" >"$W/lat-$mode-$who"
		resp_stop
	done
}

# RSS per established SA: warm up, hold N SAs, read VmRSS. palisade's SAs
# are then deleted (VmRSS after delete shows what is not given back);
# charon is stopped instead (with kernel-libipsec, deleting 10,000 SAs one
# by one takes longer than filling). Appends "WHO N up delta per_sa rate"
# to $W/mem. Runs in this shell: RESP_PID must stay visible to cleanup.
hold_run() { # hold_run WHO MODE N
	local who=$1 mode=$2 n=$3 base held up out i res after=""
	start_resp "$who" "$mode"
	ikeload "$mode" --count 1000 --concurrency "$CONC" >/dev/null
	sleep 1
	base=$(rss_kib)
	out=$W/hold-$who-$mode-$n.out
	# shellcheck disable=SC2046
	ip netns exec "$NS_L" "${ON_LOAD[@]}" "$IKELOAD" --target "$ADDR_R" --local "$ADDR_L" \
		$(load_args "$mode") --count "$n" --concurrency "$HOLD_CONC" --hold --tsi-base 10.129.0.0 \
		--max-seconds "$HOLD_MAX_S" --rto 5000 --progress 10 >"$out" 2>>"$LOG" &
	LOAD_PID=$!
	for i in $(seq "$HOLD_MAX_S"); do
		grep -q '^HELD' "$out" && break
		kill -0 "$LOAD_PID" 2>/dev/null || break
		sleep 1
	done
	sleep 2
	held=$(rss_kib)
	up=$(resp_sas)
	say "hold $who $mode $n: $(grep '^HELD' "$out"), responder says $up established, VmRSS $base -> $held KiB"
	if [ "$who" = sw ]; then
		resp_stop
		kill -TERM "$LOAD_PID" 2>/dev/null
	else
		kill -USR1 "$LOAD_PID" 2>/dev/null
	fi
	wait "$LOAD_PID"
	LOAD_PID=""
	res=$(grep '^RESULT' "$out")
	[ -n "$RESP_PID" ] && after=", VmRSS after deleting them $(rss_kib) KiB"
	say "hold $who $mode $n: $res$after"
	resp_stop
	awk -v w="$who" -v N="$n" -v n="${up:-0}" -v b="$base" -v h="$held" -v r="$(field rate "$res")" \
		'BEGIN { d = h - b; printf "%s %d %d %d %.0f %s\n", w, N, n, d, n ? d * 1024 / n : 0, r }' >>"$W/mem"
}

workers_text() {
	if [ "$GW_WORKERS" = 0 ]; then
		echo "its default IKE workers (one per CPU it may run on: $([ "$PIN" = 1 ] && echo $((NCPU - 1)) || echo "$NCPU"))"
	else
		echo "$GW_WORKERS IKE workers"
	fi
}

pin_text() {
	if [ "$PIN" = 1 ]; then
		echo "CPUs pinned with taskset (PIN=1): the load generator on CPU $LOAD_CPUS, the responder (palisade or charon, all its threads) on CPU $RESP_CPUS, so the rate is the responder's own, not a share it wins from the generator."
	else
		echo "Responder and load generator share all $NCPU CPUs (PIN=0): the rate includes the generator's share of the CPUs."
	fi
}

machine() {
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- palisade: $(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown), strongSwan: $("$CHARON" --version 2>/dev/null | head -1 || echo 5.9.x)"
}

# ---- the figures, as markdown ----
rate_of() { [ -f "$W/rate-$1-$2" ] && awk '{ print $1 }' "$W/rate-$1-$2" | median || echo nan; }
cpu_of() { [ -f "$W/rate-$1-$2" ] && awk '{ print $3 }' "$W/rate-$1-$2" | median || echo nan; }
fails_of() { [ -f "$W/rate-$1-$2" ] && awk '{ s += $2 } END { print s + 0 }' "$W/rate-$1-$2" || echo 0; }
runs_of() { [ -f "$W/rate-$1-$2" ] && awk '{ printf "%s%.0f", (NR > 1 ? ", " : ""), $1 }' "$W/rate-$1-$2"; }
lat_of() { [ -f "$W/lat-$1-$2" ] && field "$3" "$(cat "$W/lat-$1-$2")" || echo nan; }
mode_name() { [ "$1" = psk ] && echo "PSK + X25519" || echo "ECDSA P-256 + X25519"; }

report() { # report HEADER COMMAND
	local mode gw gn sw who n up d per r label
	echo
	echo "## IKE setup rate and memory"
	echo
	echo "$1"
	echo "- command: \`$2\`"
	echo "- set-up: tests/bench/ikeload (one thread, 16 UDP sockets; one key pair per $KE_REUSE setups, as RFC 7296 2.12 allows an initiator: a fresh one for every setup on the responder's side) in one network namespace, the responder in another, one veth between them; palisade-gatewayd (userspace data path; and tests/bench/gatewayd-nulldp, the same daemon with a data path that installs nothing: the IKE engine alone; $(workers_text), log level warning, cookies off) then strongSwan charon (kernel-libipsec, openssl plugin first, 16 threads, no logging, DoS protection off, IKE_SA table 32768) on the same addresses with the same algorithms: IKE aes256gcm16-prfsha256-x25519, ESP aes256gcm16, one CHILD_SA (TSi a /32 per client out of 10.128.0.0/10, TSr 10.2.0.0/16) in IKE_AUTH. charon's kernel-libipsec fakes NAT-D, so against charon the load generator floats to UDP 4500 as RFC 7296 2.23 requires (against palisade it stays on 500). $(pin_text)"
	echo
	if want rate; then
		echo "### IKE_SA + CHILD_SA setups per second"
		echo
		echo "Median of $ROUNDS runs of $RATE_COUNT setups, $CONC in flight, responders alternating; every SA is deleted as soon as it is up, so the tables stay small."
		echo
		echo "| auth | palisade-gatewayd, userspace data path | palisade-gatewayd, null data path (engine only) | strongSwan charon | userspace / strongSwan | null / strongSwan | goal |"
		echo "|---|---|---|---|---|---|---|"
		for mode in psk cert; do
			gw=$(rate_of "$mode" gw)
			gn=$(rate_of "$mode" gw-null)
			sw=$(rate_of "$mode" sw)
			printf '| %s | %.0f/s (runs: %s; %s failed) | %.0f/s (runs: %s; %s failed) | %.0f/s (runs: %s; %s failed) | **%s** | **%s** | >= 3 |\n' \
				"$(mode_name "$mode")" "$gw" "$(runs_of "$mode" gw)" "$(fails_of "$mode" gw)" \
				"$gn" "$(runs_of "$mode" gw-null)" "$(fails_of "$mode" gw-null)" \
				"$sw" "$(runs_of "$mode" sw)" "$(fails_of "$mode" sw)" "$(ratio "$gw" "$sw")" "$(ratio "$gn" "$sw")"
		done
		echo
		echo "The same runs, CPU time of the responder process per setup (all its threads, /proc/PID/stat, median): what a setup costs, whatever share of the CPUs the responder got on a shared machine. strongSwan / palisade = how many times more setups palisade makes of the same CPU time."
		echo
		echo "| auth | palisade-gatewayd, userspace | palisade-gatewayd, null | strongSwan charon | strongSwan / userspace | strongSwan / null |"
		echo "|---|---|---|---|---|---|"
		for mode in psk cert; do
			gw=$(cpu_of "$mode" gw)
			gn=$(cpu_of "$mode" gw-null)
			sw=$(cpu_of "$mode" sw)
			printf '| %s | %s ms | %s ms | %s ms | **%s** | **%s** |\n' "$(mode_name "$mode")" "$gw" "$gn" "$sw" \
				"$(ratio "$sw" "$gw")" "$(ratio "$sw" "$gn")"
		done
		echo
	fi
	if want latency; then
		echo "### Latency of one setup"
		echo
		echo "One setup at a time (IKE_SA_INIT sent to IKE_AUTH answered, as the load generator sees it), $LAT_COUNT setups: p50 / p99 in ms."
		echo
		echo "| auth | palisade-gatewayd, userspace | palisade-gatewayd, null | strongSwan charon | userspace / strongSwan (p50) | null / strongSwan (p50) |"
		echo "|---|---|---|---|---|---|"
		for mode in psk cert; do
			gw=$(lat_of "$mode" gw lat_p50_ms)
			gn=$(lat_of "$mode" gw-null lat_p50_ms)
			sw=$(lat_of "$mode" sw lat_p50_ms)
			printf '| %s | %s / %s | %s / %s | %s / %s | %s | %s |\n' "$(mode_name "$mode")" \
				"$gw" "$(lat_of "$mode" gw lat_p99_ms)" "$gn" "$(lat_of "$mode" gw-null lat_p99_ms)" \
				"$sw" "$(lat_of "$mode" sw lat_p99_ms)" "$(ratio "$gw" "$sw")" "$(ratio "$gn" "$sw")"
		done
		echo
	fi
	if [ -f "$W/mem" ]; then
		echo "### Resident memory per established IKE_SA + CHILD_SA"
		echo
		echo "PSK. VmRSS of the responder (/proc/PID/status) after a warm-up of 1000 setups, then with N SAs held up (count from the responder itself: palisadectl stats, swanctl --stats); per SA = delta / N. The setup rate of the hold run is for N SAs growing from 0."
		echo
		echo "| responder | SAs up | VmRSS delta | per SA | goal | setups/s while filling |"
		echo "|---|---|---|---|---|---|"
		while read -r who n up d per r; do
			goal="< 4096 B"
			case $who in
			gw-null) label="palisade-gatewayd, null data path (tests/bench/gatewayd-nulldp)" ;;
			gw) label="palisade-gatewayd, userspace data path" ;;
			sw) label="strongSwan charon, kernel-libipsec" goal="-" ;;
			esac
			printf '| %s | %s of %s | %s KiB | %s B | %s | %.0f/s |\n' "$label" "$up" "$n" "$d" "$per" "$goal" "$r"
		done <"$W/mem"
		echo
	fi
}

net_up
make_certs
HEADER=$(machine)
say "work directory $W"
echo "$HEADER" >>"$LOG"
for mode in psk cert; do
	want rate && bench_rate "$mode"
	want latency && bench_latency "$mode"
done
if want memory; then
	for n in $MEM_COUNTS; do
		hold_run gw-null psk "$n"
	done
	[ "$CHARON_MEM" -gt 0 ] && hold_run sw psk "$CHARON_MEM"
fi
want dpscale && hold_run gw psk "$DP_COUNT"

HEADER="$HEADER
- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds and tests share the 2 CPUs)"
HOW="tests/bench/ike_bench.sh"
[ -n "${MAKELEVEL:-}" ] && HOW="make bench-ike (tests/bench/ike_bench.sh)"
report "$HEADER" "$HOW; PIN=$PIN KE_REUSE=$KE_REUSE GW_WORKERS=$GW_WORKERS ROUNDS=$ROUNDS RATE_COUNT=$RATE_COUNT CONC=$CONC LAT_COUNT=$LAT_COUNT MEM_COUNTS='$MEM_COUNTS' CHARON_MEM=$CHARON_MEM DP_COUNT=$DP_COUNT ONLY='$ONLY' RESPONDERS='$RESPONDERS'" >"$W/report.md"
cat "$W/report.md"
if [ "$RESULTS" != - ]; then
	cat "$W/report.md" >>"$RESULTS"
	say "appended to $RESULTS"
fi
