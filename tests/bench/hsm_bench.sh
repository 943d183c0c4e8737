#!/bin/bash
# tests/bench/hsm_bench.sh: figures for private keys in SoftHSM2 (pkcs11/),
# not a test. Run by `make bench` / `make bench-hsm` (root); appends the
# section "Keys in SoftHSM2" to RESULTS.
#   1. signatures per second through pkcs11/ (p11bench): 1, 2 and 4 signer
#      threads through a pool of 4 sessions against the same threads on a
#      single session, EC P-256 and RSA-2048 (PSS), and OpenSSL with the
#      key in a PEM file for scale;
#      and the same through a token that takes SLOW_US per signature (the
#      test module tests/unit/pkcs11/fake_p11.so: a network HSM's round
#      trip), where the session pool is what sets the pace;
#   2. IKE setups per second of palisade-gatewayd as responder (ECDSA P-256
#      certificates, X25519) with its key in a PEM file and in SoftHSM2,
#      alternating in one run, loaded by tests/bench/ikeload.
#
#   BUILDDIR    the build tree (default .)
#   RESULTS     the file to append to (RESULTS=- prints only)
#   SIG_SECONDS seconds per signature run (default 2)
#   ROUNDS      runs per figure, alternating, median (default 3)
#   RATE_COUNT  setups per rate run (default 2000); CONC in flight (default 64)
#   KEEP=1      keep the work directory
# Namespaces hsbl$$ / hsbr$$ are deleted on exit; only processes started
# here are stopped, by PID.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
B=$(cd "${BUILDDIR:-.}" && pwd)
RESULTS=${RESULTS:-$HERE/RESULTS.md}
SIG_SECONDS=${SIG_SECONDS:-2}
ROUNDS=${ROUNDS:-3}
RATE_COUNT=${RATE_COUNT:-2000}
CONC=${CONC:-64}
SLOW_US=${SLOW_US:-5000}
FAKE=$B/tests/unit/pkcs11/fake_p11.so
MODULE=/usr/lib/softhsm/libsofthsm2.so
P11BENCH=$B/tests/bench/p11bench
IKELOAD=$B/tests/bench/ikeload
GWD=$B/gateway/palisade-gatewayd
CTL=$B/gateway/palisadectl
HSM=$B/pkcs11/palisade-hsm
NS_L=hsbl$$
NS_R=hsbr$$
W=$(mktemp -d /tmp/hsm-bench.XXXXXX)
RESP_PID=""
LOG=$W/bench.log

die() { echo "hsm_bench: $*" >&2; exit 1; }
say() { echo "hsm_bench: $*" | tee -a "$LOG" >&2; }

cleanup() {
	resp_stop
	ip netns del "$NS_L" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "hsm_bench: work directory kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for f in "$P11BENCH" "$IKELOAD" "$GWD" "$CTL" "$HSM" "$MODULE" "$FAKE"; do
	[ -e "$f" ] || die "missing $f (make; softhsm2 from scripts/deps)"
done

# ---- keys: a CA, the gateway's keys in SoftHSM2 and in PEM files ----
make_keys() {
	local d=$W/pki n
	mkdir -p "$d" && chmod 700 "$d"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ca.key"
	openssl req -x509 -new -key "$d/ca.key" -subj "/CN=Palisade HSM Bench CA" -days 30 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$d/ca.pem"
	for n in gw client; do
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/$n.key"
		openssl req -new -key "$d/$n.key" -subj "/CN=$n.bench.test" -out "$d/$n.csr"
		printf 'subjectAltName=DNS:%s.bench.test\nkeyUsage=critical,digitalSignature\n' \
			"$n" >"$d/$n.ext"
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 30 -extfile "$d/$n.ext" -out "$d/$n.pem"
	done
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/rsa.key"
	chmod 600 "$d"/*.key
	PALISADE_HSM=$HSM "$TOP/scripts/hsm-init" --dir "$W/hsm" --ca-cert "$d/ca.pem" \
		--ca-key "$d/ca.key" --cn gw.bench.test --label bench-ec --type ec-p256 >/dev/null &&
		PALISADE_HSM=$HSM "$TOP/scripts/hsm-init" --dir "$W/hsm" --ca-cert "$d/ca.pem" \
			--ca-key "$d/ca.key" --cn rsa.bench.test --label bench-rsa \
			--type rsa-2048 >/dev/null
	export SOFTHSM2_CONF=$W/hsm/softhsm2.conf
	mkdir -p "$W/lg/cas" "$W/lg/certs" "$W/lg/keys"
	cp "$d/ca.pem" "$W/lg/cas/ca.pem"
	cp "$d/client.pem" "$W/lg/certs/client.pem"
	install -m 600 "$d/client.key" "$W/lg/keys/client.pem"
} >>"$LOG" 2>&1

# ---- 1: signatures per second ----
med3() { awk -v c="$1" '{ print $c }' "$2" | median; }
sig_rate() { # sig_rate ARGS...: the rate of one p11bench run
	"$P11BENCH" --seconds "$SIG_SECONDS" "$@" 2>>"$LOG" |
		awk '/^RESULT/ { for (i = 2; i <= NF; i++) if ($i ~ /^rate=/) print substr($i, 6) }'
}

# ROUNDS alternating runs of each variant (pool, single session, OpenSSL):
# the machine is shared, so one run alone says little; the median goes in
bench_sigs() {
	local kind uri scheme soft t r pool single sw
	for kind in ec rsa; do
		uri="pkcs11:token=bench-$kind;object=gw-key" scheme=ecdsa soft=$W/pki/gw.key
		[ "$kind" = rsa ] && scheme=pss soft=$W/pki/rsa.key
		for t in 1 2 4; do
			for r in $(seq "$ROUNDS"); do
				pool=$(sig_rate --module "$MODULE" --pin-file "$W/hsm/hsm.pin" \
					--uri "$uri" --scheme "$scheme" --sessions 4 --threads "$t")
				single=$(sig_rate --module "$MODULE" --pin-file "$W/hsm/hsm.pin" \
					--uri "$uri" --scheme "$scheme" --sessions 1 --threads "$t")
				sw=$(sig_rate --soft "$soft" --scheme "$scheme" --threads "$t")
				say "signatures $kind, $t thread(s), round $r: pool $pool/s, single session $single/s, OpenSSL $sw/s"
				echo "$pool $single $sw" >>"$W/sigs-$kind-$t"
			done
			echo "$kind $t $(med3 1 "$W/sigs-$kind-$t") $(med3 2 "$W/sigs-$kind-$t") $(med3 3 "$W/sigs-$kind-$t")" >>"$W/sigs"
		done
	done
}

# A token with a fixed latency per signature: the pool against one session
bench_slow() {
	local t r pool single
	echo 1234 >"$W/fake.pin" && chmod 600 "$W/fake.pin"
	for t in 1 2 4; do
		for r in $(seq "$ROUNDS"); do
			pool=$(FAKEP11_KEY=$W/pki/gw.key FAKEP11_SIGN_DELAY_US=$SLOW_US sig_rate \
				--module "$FAKE" --pin-file "$W/fake.pin" --uri "pkcs11:object=k" \
				--sessions 4 --threads "$t")
			single=$(FAKEP11_KEY=$W/pki/gw.key FAKEP11_SIGN_DELAY_US=$SLOW_US sig_rate \
				--module "$FAKE" --pin-file "$W/fake.pin" --uri "pkcs11:object=k" \
				--sessions 1 --threads "$t")
			say "signatures, $SLOW_US us token, $t thread(s), round $r: pool $pool/s, single session $single/s"
			echo "$pool $single" >>"$W/slow-$t"
		done
		echo "$t $(med3 1 "$W/slow-$t") $(med3 2 "$W/slow-$t")" >>"$W/slow"
	done
}

# ---- 2: IKE setups per second, PEM key vs SoftHSM2 key ----
net_up() {
	ip netns add "$NS_L" && ip netns add "$NS_R" || die "cannot create namespaces"
	ip link add "hsl$$" netns "$NS_L" type veth peer name "hsr$$" netns "$NS_R"
	ip -n "$NS_L" addr add 10.77.0.1/24 dev "hsl$$"
	ip -n "$NS_R" addr add 10.77.0.2/24 dev "hsr$$"
	for ns in "$NS_L" "$NS_R"; do ip -n "$ns" link set lo up; done
	ip -n "$NS_L" link set "hsl$$" up
	ip -n "$NS_R" link set "hsr$$" up
}

gw_config() { # gw_config DIR pem|hsm
	local d=$1 key=gw p11=""
	mkdir -p "$d/conns" "$d/run" "$d/cas" "$d/certs" "$d/keys"
	chmod 700 "$d/keys"
	cp "$W/pki/ca.pem" "$d/cas/ca.pem"
	if [ "$2" = pem ]; then
		cp "$W/pki/gw.pem" "$d/certs/gw.pem"
		install -m 600 "$W/pki/gw.key" "$d/keys/gw.pem"
	else
		cp "$W/hsm/gw.bench.test.crt" "$d/certs/gw.pem"
		key="pkcs11:token=bench-ec;object=gw-key"
		p11=", \"pkcs11\": {\"module\": \"$MODULE\", \"pin_file\": \"$W/hsm/hsm.pin\", \"sessions\": 4}"
	fi
	cat >"$d/gateway.json" <<-EOF
		{"listen": ["10.77.0.2"], "datapath": "userspace", "tun_name": "hsbench0",
		 "log_level": "warning", "cookie_threshold": 0$p11}
	EOF
	cat >"$d/conns/bench.json" <<-EOF
		{"local": {"id": "gw.bench.test", "auth": "pubkey", "cert": "gw", "key": "$key"},
		 "remote": {"addrs": ["10.77.0.0/24"], "id": "%any", "auth": "pubkey", "ca": "ca"},
		 "ike": {"proposals": ["aes256gcm16-prfsha256-x25519"], "dpd_delay": 0},
		 "children": [{"name": "net", "local_ts": ["10.2.0.0/16"], "remote_ts": ["10.128.0.0/10"],
		               "esp_proposals": ["aes256gcm16"]}]}
	EOF
}

resp_start() { # resp_start pem|hsm
	local d=$W/gw-$1 i
	rm -rf "$d"
	gw_config "$d" "$1"
	ip netns exec "$NS_R" "$GWD" --foreground --config-dir "$d" --run-dir "$d/run" \
		>"$d/gatewayd.log" 2>&1 &
	RESP_PID=$!
	RESP_DIR=$d
	for i in $(seq 100); do
		[ -S "$d/run/control.sock" ] && break
		kill -0 "$RESP_PID" 2>/dev/null || { cat "$d/gatewayd.log" >&2; die "gatewayd did not start"; }
		sleep 0.1
	done
	sleep 0.3
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

ikeload() { # ikeload ARGS...: one run's RESULT line
	ip netns exec "$NS_L" "$IKELOAD" --target 10.77.0.2 --local 10.77.0.1 --auth cert \
		--creds "$W/lg" --cert client --key client --id client.bench.test "$@" 2>>"$LOG" |
		grep '^RESULT'
}

field() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

token_sigs() {
	"$CTL" --socket "$RESP_DIR/run/control.sock" --json hsm 2>/dev/null |
		python3 -c 'import json,sys; t=json.load(sys.stdin)["tokens"]; print(t[0]["signatures"] if t else 0)'
}

bench_setups() {
	local r where res s0 s1
	net_up
	for r in $(seq "$ROUNDS"); do
		for where in pem hsm; do
			resp_start "$where"
			# the responder's AUTH checked once per run: the token's signatures are valid
			ikeload --count 50 --concurrency 8 --verify >/dev/null
			s0=$(token_sigs)
			res=$(ikeload --count "$RATE_COUNT" --concurrency "$CONC" --max-seconds 300)
			s1=$(token_sigs)
			say "setups $where round $r: $res (token signatures $s0 -> $s1)"
			echo "$(field rate "$res") $(field failed "$res") $(field lat_p50_ms "$res") $(field lat_p99_ms "$res") $((s1 - s0))" \
				>>"$W/setups-$where"
			resp_stop
		done
	done
}

col() { awk -v c="$2" '{ print $c }' "$W/setups-$1" | median; }
sum() { awk -v c="$2" '{ s += $c } END { print s + 0 }' "$W/setups-$1"; }
runs() { awk '{ printf "%s%.0f", (NR > 1 ? ", " : ""), $1 }' "$W/setups-$1"; }

report() {
	echo
	echo "## Keys in SoftHSM2 (pkcs11/)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), shared; load average before: $LOAD0"
	echo "- palisade: $(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown), SoftHSM $(softhsm2-util --version 2>/dev/null), OpenSSL $(openssl version | cut -d' ' -f2)"
	echo "- \`make bench-hsm\` (tests/bench/hsm_bench.sh): every figure the median of $ROUNDS alternating runs; signatures ${SIG_SECONDS} s per run; setups $RATE_COUNT per run, $CONC in flight"
	echo
	echo "### Signatures per second through pkcs11/ (300-byte message, SHA-256)"
	echo
	echo "| key | signer threads | pool of 4 sessions | single session | OpenSSL, key in a PEM file |"
	echo "|---|---|---|---|---|"
	while read -r kind t pool single sw; do
		printf '| %s | %s | %s | %s | %s |\n' \
			"$([ "$kind" = ec ] && echo "EC P-256, ECDSA" || echo "RSA-2048, RSASSA-PSS")" \
			"$t" "$pool" "$single" "$sw"
	done <"$W/sigs"
	echo
	echo "Through a token that takes $((SLOW_US / 1000)) ms per signature (tests/unit/pkcs11/fake_p11.so, EC P-256:"
	echo "a network HSM's round trip; the pool is what sets the pace here):"
	echo
	echo "| signer threads | pool of 4 sessions | single session |"
	echo "|---|---|---|"
	while read -r t pool single; do
		printf '| %s | %s | %s |\n' "$t" "$pool" "$single"
	done <"$W/slow"
	echo
	echo "### IKE setups per second, responder key in a PEM file vs in SoftHSM2"
	echo
	echo "ECDSA P-256 certificates, aes256gcm16-prfsha256-x25519, userspace data path; ikeload"
	echo "as initiator (every setup IKE_SA_INIT + IKE_AUTH with a CHILD SA, deleted right after)."
	echo
	echo "| responder key | setups/s (median) | runs | failed | latency p50 / p99 ms | token signatures |"
	echo "|---|---|---|---|---|---|"
	echo "| keys/gw.pem (OpenSSL) | $(col pem 1) | $(runs pem) | $(sum pem 2) | $(col pem 3) / $(col pem 4) | - |"
	echo "| pkcs11:token=bench-ec (SoftHSM2) | $(col hsm 1) | $(runs hsm) | $(sum hsm 2) | $(col hsm 3) / $(col hsm 4) | $(sum hsm 5) |"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "work directory $W"
make_keys || { cat "$LOG" >&2; die "cannot make the keys and tokens"; }
bench_sigs
bench_slow
bench_setups
if [ "$RESULTS" = - ]; then report; else report | tee -a "$RESULTS"; fi
