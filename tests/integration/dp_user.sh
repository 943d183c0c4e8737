#!/bin/bash
# dp_user.sh: the userspace ESP data path between two dptool instances in
# network namespaces (root). Tunnel and transport mode, raw ESP and
# ESP-in-UDP through a NAT namespace, IPv4 and IPv6; ping, UDP streams and
# TCP; exact SA counters from dptool --stats; replayed, tampered,
# wrong-SPI, truncated and garbage packets; lifetimes and acquires.
# Usage: DPTOOL=/path/to/dptool dp_user.sh [t_name...]   (KEEP=1 keeps the
# work dir)
# Prints "N passed, N failed"; exits non-zero on failure.
set -u

DPTOOL=${DPTOOL:?set DPTOOL to the dptool binary}
HERE=$(cd "$(dirname "$0")" && pwd)
HELPER="python3 $HERE/dp_helper.py"
P=dpu$$
NSA=${P}a NSB=${P}b NSN=${P}n
TUN=${P}t
WORK=$(mktemp -d /tmp/dp_user.XXXXXX)
pass=0
fail=0
declare -A PID

cleanup() {
	for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $NSA $NSB $NSN; do ip netns del "$ns" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	echo "dp_user.sh: needs root (network namespaces)"
	exit 77
fi

ok() {
	pass=$((pass + 1))
	echo "PASS: $*"
}
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# check NAME COMMAND...: one test result.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
nsa() { ip netns exec "$NSA" "$@"; }
nsb() { ip netns exec "$NSB" "$@"; }

# ---- topologies ----

net_down() {
	for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null; done
	wait 2>/dev/null
	PID=()
	for ns in $NSA $NSB $NSN; do ip netns del "$ns" 2>/dev/null; done
}

ns_base() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# Protected networks are addresses on lo (no dummy devices on this kernel).
inner_addrs() {
	ip -n "$NSA" addr add 10.11.0.1/32 dev lo
	ip -n "$NSA" addr add fd11::1/128 dev lo
	ip -n "$NSB" addr add 10.22.0.1/32 dev lo
	ip -n "$NSB" addr add fd22::1/128 dev lo
}

# A 10.0.1.1 / fd00:1::1 <-veth-> B 10.0.1.2 / fd00:1::2
net_direct() {
	net_down
	ns_base "$NSA"
	ns_base "$NSB"
	ip link add ${P}va netns "$NSA" type veth peer name ${P}vb netns "$NSB"
	ip -n "$NSA" addr add 10.0.1.1/24 dev ${P}va
	ip -n "$NSA" addr add fd00:1::1/64 dev ${P}va nodad
	ip -n "$NSB" addr add 10.0.1.2/24 dev ${P}vb
	ip -n "$NSB" addr add fd00:1::2/64 dev ${P}vb nodad
	ip -n "$NSA" link set ${P}va up
	ip -n "$NSB" link set ${P}vb up
	inner_addrs
}

# A 10.0.2.1 -> N (10.0.2.254 | 10.0.3.254, masquerade) -> B 10.0.3.2
net_nat() {
	net_down
	ns_base "$NSA"
	ns_base "$NSB"
	ns_base "$NSN"
	ip link add ${P}va netns "$NSA" type veth peer name ${P}na netns "$NSN"
	ip link add ${P}vb netns "$NSB" type veth peer name ${P}nb netns "$NSN"
	ip -n "$NSA" addr add 10.0.2.1/24 dev ${P}va
	ip -n "$NSN" addr add 10.0.2.254/24 dev ${P}na
	ip -n "$NSN" addr add 10.0.3.254/24 dev ${P}nb
	ip -n "$NSB" addr add 10.0.3.2/24 dev ${P}vb
	for l in "$NSA ${P}va" "$NSN ${P}na" "$NSN ${P}nb" "$NSB ${P}vb"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$NSA" route add default via 10.0.2.254
	ip netns exec "$NSN" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NSN" nft -f - <<-EOF
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "${P}nb" masquerade
			}
		}
	EOF
	inner_addrs
}

# ---- dptool ----

# start NAME NS CONFIG [ARGS...]: dptool in NS, waits for its "ready".
start() {
	local name=$1 ns=$2 cfg=$3
	shift 3
	ip netns exec "$ns" "$DPTOOL" --backend userspace --tun "$TUN" --threads 2 \
		--config "$cfg" --stats "$WORK/$name.stats" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	PID[$name]=$!
	for _ in $(seq 50); do
		grep -q '"ready"' "$WORK/$name.out" 2>/dev/null && return 0
		kill -0 "${PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "dptool $name did not start:"
	cat "$WORK/$name.err"
	return 1
}

# stats NAME: fresh counters in $WORK/NAME.stats.
stats() {
	rm -f "$WORK/$1.stats"
	kill -USR1 "${PID[$1]}" 2>/dev/null || return 1
	for _ in $(seq 50); do
		[ -s "$WORK/$1.stats" ] && return 0
		sleep 0.1
	done
	return 1
}

# expect NAME CHECK...: counters of dptool NAME (e.g. 0x1001.packets=5).
expect() {
	local name=$1
	shift
	stats "$name" && $HELPER expect "$WORK/$name.stats" "$@"
}

# stop NAME: SIGTERM; it must exit 0 and leave no TUN device behind.
stop() {
	local name=$1 ns=$2 rc
	kill -TERM "${PID[$name]}"
	wait "${PID[$name]}"
	rc=$?
	unset "PID[$name]"
	[ $rc = 0 ] && grep -q '"stopped"' "$WORK/$name.out" &&
		! ip netns exec "$ns" ip link show "$TUN" >/dev/null 2>&1 &&
		! ip netns exec "$ns" ip rule | grep -q 20545
}

alive() {
	kill -0 "${PID[$1]}" 2>/dev/null
}

# pings NS COUNT ARGS...: COUNT echo requests, true if all answered (else
# both ends' counters go to the log).
pings() {
	local ns=$1 n=$2 name
	shift 2
	ip netns exec "$ns" ping -q -c "$n" -i 0.2 -W 2 "$@" >"$WORK/ping.out" &&
		grep -q " $n received" "$WORK/ping.out" && return 0
	grep transmitted "$WORK/ping.out"
	for name in "${!PID[@]}"; do
		stats "$name" && python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ", sys.argv[2], d["counters"], [(s["spi_hex"], s.get("packets")) for s in d["sas"]])' \
			"$WORK/$name.stats" "$name"
	done
	return 1
}

# udp_stream SRC DST COUNT SIZE: true if every datagram arrived.
udp_stream() {
	local got
	nsb $HELPER udp-recv --bind "$2" --count "$3" --size "$4" >"$WORK/udp.out" &
	local rpid=$!
	sleep 0.4
	nsa $HELPER udp-send --src "$1" --dst "$2" --count "$3" --size "$4" --gap 0.001
	wait $rpid
	got=$(cat "$WORK/udp.out")
	[ "$got" = "$3" ] || echo "  udp stream: $got of $3 arrived"
	[ "$got" = "$3" ]
}

# tcp_xfer FROM_NS TO_NS SRC DST SIZE: the bytes arrive intact.
tcp_xfer() {
	ip netns exec "$2" $HELPER tcp-recv --bind "$4" --size "$5" --port 7001 \
		>"$WORK/tcp.out" &
	local rpid=$!
	sleep 0.4
	ip netns exec "$1" $HELPER tcp-send --src "$3" --dst "$4" --size "$5" --port 7001
	wait $rpid
	grep -q '^ok$' "$WORK/tcp.out"
}

# config NAME ARGS...: $WORK/NAME-a.json and NAME-b.json.
config() {
	local name=$1
	shift
	$HELPER config --out-a "$WORK/$name-a.json" --out-b "$WORK/$name-b.json" "$@"
}

hex_rand() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# ---- the tests ----

# Tunnel mode, raw ESP over IPv4, AES-GCM-128; then attacks on B's
# inbound SA with a captured packet.
t_tunnel_raw4() {
	local pkt tam
	net_direct
	config t1 --a 10.0.1.1 --b 10.0.1.2 --net-a 10.11.0.0/24 --net-b 10.22.0.0/24
	start a "$NSA" "$WORK/t1-a.json" && start b "$NSB" "$WORK/t1-b.json" || { ko "dptool did not start"; return; }
	nsb tcpdump -U -n -i ${P}vb -w "$WORK/t1.pcap" esp 2>/dev/null &
	local tpid=$!
	sleep 1
	check "tunnel/raw/v4: ping" pings "$NSA" 5 -I 10.11.0.1 10.22.0.1
	kill -TERM $tpid
	wait $tpid
	check "tunnel/raw/v4: UDP stream" udp_stream 10.11.0.1 10.22.0.1 100 200
	# 5 x 84 (ICMP) + 100 x 228 (UDP) bytes of inner packets.
	check "tunnel/raw/v4: A counters" expect a 0x1001.packets=105 0x1001.bytes=23220 \
		0x2002.packets=5 0x2002.bytes=420 0x2002.replay_errors=0
	check "tunnel/raw/v4: B counters" expect b 0x1001.packets=105 0x1001.bytes=23220 \
		0x2002.packets=5 0x2002.bytes=420 0x1001.integrity_failures=0
	pkt=$($HELPER esp-from-pcap "$WORK/t1.pcap" --spi 0x1001 --count 1)
	if [ -z "$pkt" ]; then
		ko "tunnel/raw/v4: no ESP captured"
		return
	fi
	# A packet seen before: dropped by the window, counted.
	nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "$pkt"
	sleep 0.3
	check "tunnel/raw/v4: replayed packet dropped, counted" \
		expect b 0x1001.replay_errors=1 replay=1 0x1001.packets=105
	# A new sequence number the sender never authenticated; then a
	# flipped ICV bit.
	tam=${pkt:0:8}00100000${pkt:16}
	nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "$tam"
	tam=${pkt:0:8}00100001${pkt:16:$((${#pkt} - 18))}$(printf %02x $((0x${pkt: -2} ^ 1)))
	nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "$tam"
	sleep 0.3
	check "tunnel/raw/v4: tampered packets dropped as integrity failures" \
		expect b 0x1001.integrity_failures=2 integrity=2 0x1001.packets=105 rx_ok=105
	# Unknown SPI: one from the capture, twenty of garbage (long enough to
	# be ESP: shorter ones would count as malformed instead).
	nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "deadbeef${pkt:8}"
	for _ in $(seq 20); do
		nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "ffff$(hex_rand $((16 + RANDOM % 184)))"
	done
	sleep 0.3
	check "tunnel/raw/v4: wrong SPI counted" expect b no_sa=21
	# Every length below the smallest AES-GCM packet (8 + 8 + 2 + 16).
	for n in $(seq 0 33); do
		nsa $HELPER esp-send --src 10.0.1.1 --dst 10.0.1.2 "${pkt:0:$((2 * n))}"
	done
	sleep 0.3
	check "tunnel/raw/v4: truncated packets counted as malformed" expect b malformed=34
	check "tunnel/raw/v4: alive after bad packets" alive b
	check "tunnel/raw/v4: ping after bad packets" pings "$NSA" 2 -I 10.11.0.1 10.22.0.1
	check "tunnel/raw/v4: B counters after" expect b 0x1001.packets=107 0x2002.packets=7 \
		0x1001.replay_errors=1 0x1001.integrity_failures=2
	check "tunnel/raw/v4: TCP 300 kB" tcp_xfer "$NSA" "$NSB" 10.11.0.1 10.22.0.1 300000
	check "tunnel/raw/v4: A stops cleanly" stop a "$NSA"
	check "tunnel/raw/v4: B stops cleanly" stop b "$NSB"
}

# Tunnel mode over IPv6 (inner and outer), AES-CBC + HMAC-SHA-256.
t_tunnel_raw6() {
	net_direct
	config t2 --alg aes-cbc-sha256 --a fd00:1::1 --b fd00:1::2 --net-a fd11::/64 \
		--net-b fd22::/64
	start a "$NSA" "$WORK/t2-a.json" && start b "$NSB" "$WORK/t2-b.json" || { ko "dptool did not start"; return; }
	check "tunnel/raw/v6: ping" pings "$NSA" 5 -6 -I fd11::1 fd22::1
	check "tunnel/raw/v6: UDP stream" udp_stream fd11::1 fd22::1 100 200
	# 5 x 104 + 100 x 248
	check "tunnel/raw/v6: A counters" expect a 0x1001.packets=105 0x1001.bytes=25320 \
		0x2002.packets=5 0x2002.bytes=520
	check "tunnel/raw/v6: B counters" expect b 0x1001.packets=105 0x1001.bytes=25320 \
		0x2002.packets=5 0x2002.bytes=520 no_sa=0 malformed=0
	check "tunnel/raw/v6: TCP 300 kB" tcp_xfer "$NSA" "$NSB" fd11::1 fd22::1 300000
	check "tunnel/raw/v6: stop" stop a "$NSA"
	check "tunnel/raw/v6: stop" stop b "$NSB"
}

# IPv6 inside IPv4, ChaCha20-Poly1305 with 64-bit ESN.
t_tunnel_6in4() {
	net_direct
	config t3 --alg chacha20-poly1305 --esn --a 10.0.1.1 --b 10.0.1.2 --net-a fd11::/64 \
		--net-b fd22::/64
	start a "$NSA" "$WORK/t3-a.json" && start b "$NSB" "$WORK/t3-b.json" || { ko "dptool did not start"; return; }
	check "tunnel/raw/6in4/ESN: ping" pings "$NSA" 5 -6 -I fd11::1 fd22::1
	check "tunnel/raw/6in4/ESN: counters" expect b 0x1001.packets=5 0x1001.bytes=520 \
		0x2002.packets=5 0x2002.bytes=520
	check "tunnel/raw/6in4/ESN: stop" stop a "$NSA"
	check "tunnel/raw/6in4/ESN: stop" stop b "$NSB"
}

# Transport mode, raw ESP, AES-GCM-256: the payload is what is counted.
t_transport_raw4() {
	net_direct
	config t4 --mode transport --alg aes-gcm-256 --a 10.0.1.1 --b 10.0.1.2
	start a "$NSA" "$WORK/t4-a.json" && start b "$NSB" "$WORK/t4-b.json" || { ko "dptool did not start"; return; }
	check "transport/raw/v4: ping" pings "$NSA" 5 10.0.1.2
	check "transport/raw/v4: UDP stream" udp_stream 10.0.1.1 10.0.1.2 100 200
	# 5 x 64 (ICMP) + 100 x 208 (UDP header + data)
	check "transport/raw/v4: A counters" expect a 0x1001.packets=105 0x1001.bytes=21120 \
		0x2002.packets=5 0x2002.bytes=320
	check "transport/raw/v4: B counters" expect b 0x1001.packets=105 0x1001.bytes=21120 \
		0x2002.packets=5 0x2002.bytes=320
	check "transport/raw/v4: TCP 300 kB" tcp_xfer "$NSA" "$NSB" 10.0.1.1 10.0.1.2 300000
	check "transport/raw/v4: stop" stop a "$NSA"
	check "transport/raw/v4: stop" stop b "$NSB"
}

# Tunnel mode, ESP in UDP (RFC 3948) from behind a NAT, AES-GCM-256; then
# keepalives, IKE and bad datagrams on B's port 4500.
t_tunnel_udp_nat() {
	net_nat
	config t5 --encap --alg aes-gcm-256 --a 10.0.2.1 --b 10.0.3.2 --a-nat 10.0.3.254 \
		--net-a 10.11.0.0/24 --net-b 10.22.0.0/24
	start a "$NSA" "$WORK/t5-a.json" --udp-port 4500 &&
		start b "$NSB" "$WORK/t5-b.json" --udp-port 4500 || { ko "dptool did not start"; return; }
	check "tunnel/udp/nat: ping" pings "$NSA" 5 -I 10.11.0.1 10.22.0.1
	check "tunnel/udp/nat: UDP stream" udp_stream 10.11.0.1 10.22.0.1 100 200
	check "tunnel/udp/nat: A counters" expect a 0x1001.packets=105 0x1001.bytes=23220 \
		0x2002.packets=5 0x2002.bytes=420 udp_esp=5
	check "tunnel/udp/nat: B counters" expect b 0x1001.packets=105 0x1001.bytes=23220 \
		0x2002.packets=5 0x2002.bytes=420 udp_esp=105 rx_esp=105
	# RFC 3948 keepalive, an IKE message (non-ESP marker), then ESP that
	# is too short or has an SPI nobody knows.
	nsa $HELPER esp-send --src 10.0.2.1 --dst 10.0.3.2 --udp 4500 --sport 4600 ff
	nsa $HELPER esp-send --src 10.0.2.1 --dst 10.0.3.2 --udp 4500 --sport 4600 \
		"00000000$(hex_rand 40)"
	for n in $(seq 4 33); do
		nsa $HELPER esp-send --src 10.0.2.1 --dst 10.0.3.2 --udp 4500 --sport 4600 \
			"00001001$(hex_rand $((n - 4)))"
	done
	nsa $HELPER esp-send --src 10.0.2.1 --dst 10.0.3.2 --udp 4500 --sport 4600 \
		"fffffff1$(hex_rand 60)"
	sleep 0.3
	check "tunnel/udp/nat: keepalive, IKE, truncated, unknown SPI" \
		expect b udp_keepalive=1 udp_ike=1 malformed=30 no_sa=1 0x1001.packets=105
	check "tunnel/udp/nat: ping after bad datagrams" pings "$NSA" 2 -I 10.11.0.1 10.22.0.1
	check "tunnel/udp/nat: TCP 300 kB" tcp_xfer "$NSA" "$NSB" 10.11.0.1 10.22.0.1 300000
	check "tunnel/udp/nat: stop" stop a "$NSA"
	check "tunnel/udp/nat: stop" stop b "$NSB"
}

# Transport mode in UDP behind a NAT, AES-CBC + HMAC-SHA1-96: B sees A as
# the NAT's address, so TCP and UDP checksums must be fixed (RFC 3948
# section 3.1.2) for the streams to arrive.
t_transport_udp_nat() {
	net_nat
	config t6 --mode transport --encap --alg aes-cbc-sha1 --a 10.0.2.1 --b 10.0.3.2 \
		--a-nat 10.0.3.254
	start a "$NSA" "$WORK/t6-a.json" --udp-port 4500 &&
		start b "$NSB" "$WORK/t6-b.json" --udp-port 4500 || { ko "dptool did not start"; return; }
	check "transport/udp/nat: ping" pings "$NSA" 5 10.0.3.2
	check "transport/udp/nat: UDP stream (checksums fixed)" \
		udp_stream 10.0.2.1 10.0.3.2 100 200
	check "transport/udp/nat: A counters" expect a 0x1001.packets=105 0x1001.bytes=21120 \
		0x2002.packets=5 0x2002.bytes=320
	check "transport/udp/nat: B counters" expect b 0x1001.packets=105 0x1001.bytes=21120 \
		0x2002.packets=5 0x2002.bytes=320
	check "transport/udp/nat: TCP 300 kB (checksums fixed)" \
		tcp_xfer "$NSA" "$NSB" 10.0.2.1 10.0.3.2 300000
	check "transport/udp/nat: stop" stop a "$NSA"
	check "transport/udp/nat: stop" stop b "$NSB"
}

# B's inbound SA: soft expire at 3 packets, hard at 6 (as XFRM: checked
# before each packet). Events arrive on dptool's stdout; the SA goes.
t_lifetimes() {
	net_direct
	config t7 --a 10.0.1.1 --b 10.0.1.2 --net-a 10.11.0.0/24 --net-b 10.22.0.0/24 \
		--life-packets 3,6
	start a "$NSA" "$WORK/t7-a.json" && start b "$NSB" "$WORK/t7-b.json" || { ko "dptool did not start"; return; }
	nsa ping -q -c 8 -i 0.2 -W 1 -I 10.11.0.1 10.22.0.1 >"$WORK/t7.ping"
	check "lifetime: 6 of 8 pings through" grep -q " 6 received" "$WORK/t7.ping"
	check "lifetime: soft then hard expire events" \
		sh -c "grep -o '\"event\":\"[a-z-]*\"' '$WORK/b.out' | tr '\n' ' ' |
		       grep -q 'ready.*soft-expire.*hard-expire'"
	check "lifetime: event names the SA" grep -q '"event":"hard-expire".*"spi":4097' \
		"$WORK/b.out"
	sleep 2
	check "lifetime: expired SA removed" expect b expired=2 0x1001.packets=None
	check "lifetime: stop" stop a "$NSA"
	check "lifetime: stop" stop b "$NSB"
}

# A trap policy without an SA: one acquire per policy while traffic waits.
t_acquire() {
	net_direct
	config t8 --a 10.0.1.1 --b 10.0.1.2 --net-a 10.11.0.0/24 --net-b 10.22.0.0/24 --no-sa-a
	start a "$NSA" "$WORK/t8-a.json" || { ko "dptool did not start"; return; }
	local sent
	nsa ping -q -c 3 -i 0.2 -W 1 -I 10.11.0.1 10.22.0.1 >"$WORK/t8.ping"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORK/t8.ping")
	check "acquire: one event for the flow" \
		test "$(grep -c '"event":"acquire"' "$WORK/a.out")" = 1
	check "acquire: the packet's selector" grep -q \
		'"event":"acquire".*"reqid":1.*"sel":{"dport":0,"dst":"10.22.0.1/32","proto":1,"sport":8,"src":"10.11.0.1/32"}' \
		"$WORK/a.out"
	check "acquire: every packet counted" expect a no_sa_out="${sent:-?}"
	check "acquire: stop" stop a "$NSA"
}

TESTS="t_tunnel_raw4 t_tunnel_raw6 t_tunnel_6in4 t_transport_raw4 t_tunnel_udp_nat
	t_transport_udp_nat t_lifetimes t_acquire"
for t in ${*:-$TESTS}; do
	echo "== $t"
	$t
done
net_down
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
