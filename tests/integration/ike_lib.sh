# ike_lib.sh: topologies, daemons and checks for ike.sh (sourced).
# Needs GATEWAYD, PALISADECTL, WORK, P (namespace prefix) and HERE set.

HELPER="python3 $HERE/ike_helper.py"
DPH="python3 $HERE/dp_helper.py"
NSA=${P}a NSB=${P}b NSN=${P}n
TUN=${P}t
pass=0
fail=0
declare -A PID

ok() {
	pass=$((pass + 1))
	echo "ok: $*"
}
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# check NAME COMMAND...: one result.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
nsa() { ip netns exec "$NSA" "$@"; }
nsb() { ip netns exec "$NSB" "$@"; }

# ---- topologies: A initiates, B responds ----

# stop_all: stop every daemon and helper; their logs are kept as
# $WORK/logs/N.SIDE.log (N counts the pairs started).
stop_all() {
	local s rc
	for s in a b; do # a daemon that died on the way is a failure of its own
		[ -n "${PID[$s]:-}" ] || continue
		if kill -0 "${PID[$s]}" 2>/dev/null; then
			kill "${PID[$s]}"
			wait "${PID[$s]}"
			rc=$?
			[ $rc = 0 ] || ko "gatewayd $s (run $RUN) stopped with status $rc"
		else
			wait "${PID[$s]}"
			ko "gatewayd $s (run $RUN) died early with status $?: $(tail -1 "$WORK/$s.log")"
		fi
		unset "PID[$s]"
	done
	for n in "${!PID[@]}"; do
		kill "${PID[$n]}" 2>/dev/null
	done
	for n in "${!PID[@]}"; do
		wait "${PID[$n]}" 2>/dev/null
	done
	PID=()
	mkdir -p "$WORK/logs"
	for s in a b; do
		[ -s "$WORK/$s.log" ] && mv "$WORK/$s.log" "$WORK/logs/$RUN.$s.log"
	done
	RUN=$((RUN + 1))
}
RUN=1

net_down() {
	stop_all
	for ns in $NSA $NSB $NSN; do ip netns del "$ns" 2>/dev/null; done
}

ns_base() {
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# Protected "networks" are addresses on lo; pings use -I.
inner_addrs() {
	ip -n "$NSA" addr add 10.1.0.1/32 dev lo
	ip -n "$NSB" addr add 10.2.0.1/32 dev lo
}

# A 10.10.0.1 <-veth-> B 10.10.0.2
net_direct() {
	net_down
	ns_base "$NSA"
	ns_base "$NSB"
	ip link add ${P}va netns "$NSA" type veth peer name ${P}vb netns "$NSB"
	ip -n "$NSA" addr add 10.10.0.1/24 dev ${P}va
	ip -n "$NSB" addr add 10.10.0.2/24 dev ${P}vb
	ip -n "$NSA" link set ${P}va up
	ip -n "$NSB" link set ${P}vb up
	inner_addrs
	A_IP=10.10.0.1 B_IP=10.10.0.2
}

# A 10.20.0.1 -> N (10.20.0.254 | 10.30.0.254, masquerade) -> B 10.30.0.2
net_nat() {
	net_down
	ns_base "$NSA"
	ns_base "$NSB"
	ns_base "$NSN"
	ip link add ${P}va netns "$NSA" type veth peer name ${P}na netns "$NSN"
	ip link add ${P}vb netns "$NSB" type veth peer name ${P}nb netns "$NSN"
	ip -n "$NSA" addr add 10.20.0.1/24 dev ${P}va
	ip -n "$NSN" addr add 10.20.0.254/24 dev ${P}na
	ip -n "$NSN" addr add 10.30.0.254/24 dev ${P}nb
	ip -n "$NSB" addr add 10.30.0.2/24 dev ${P}vb
	for l in "$NSA ${P}va" "$NSN ${P}na" "$NSN ${P}nb" "$NSB ${P}vb"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$NSA" route add default via 10.20.0.254
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
	A_IP=10.20.0.1 B_IP=10.30.0.2
}

# ---- configuration ----

# cfg_new SIDE: an empty config directory $WORK/SIDE (conns, cas, certs, keys).
cfg_new() {
	rm -rf "${WORK:?}/$1"
	mkdir -p "$WORK/$1/conns" "$WORK/$1/cas" "$WORK/$1/certs" "$WORK/$1/keys" "$WORK/$1/run"
	chmod 700 "$WORK/$1/keys"
}

# settings SIDE LISTEN [JSON MEMBERS]: gateway.json
settings() {
	cat >"$WORK/$1/gateway.json" <<-EOF
		{ "listen": ["$2"], "datapath": "userspace", "tun_name": "$TUN",
		  "log_level": "info"${3:+, $3} }
	EOF
}

# cred SIDE NAME [FILE]: certs/NAME.pem from the PKI's FILE (NAME.chain.pem:
# with its chain) and keys/NAME.pem
cred() {
	cp "$WORK/pki/${3:-$2.chain.pem}" "$WORK/$1/certs/$2.pem"
	cp "$WORK/pki/$2.key" "$WORK/$1/keys/$2.pem"
	chmod 600 "$WORK/$1/keys/$2.pem"
}
# ca SIDE NAME...: cas/NAME.pem
ca() {
	local side=$1
	shift
	for n in "$@"; do cp "$WORK/pki/$n.pem" "$WORK/$side/cas/$n.pem"; done
}

PSK=ike-it-psk-0123456789abcdef
IKE_DEF=aes256gcm16-prfsha256-x25519
ESP_DEF=aes128gcm16

# conn_a [KEY=VALUE...]: conns/ab.json of A (PSK, tunnel by default); the
# arguments override or add members (ike_helper.py conn).
conn_a() {
	$HELPER conn "$WORK/a/conns/ab.json" local.id=a.test local.auth=psk \
		remote.addrs="$B_IP" remote.id=b.test remote.auth=psk ike.proposals=$IKE_DEF \
		child.name=net child.mode=tunnel child.local_ts=10.1.0.1/32 \
		child.remote_ts=10.2.0.1/32 child.esp_proposals=$ESP_DEF psk=$PSK "$@"
}
conn_b() {
	$HELPER conn "$WORK/b/conns/ba.json" local.id=b.test local.auth=psk remote.addrs=%any \
		remote.id=a.test remote.auth=psk ike.proposals=$IKE_DEF child.name=net \
		child.mode=tunnel child.local_ts=10.2.0.1/32 child.remote_ts=10.1.0.1/32 \
		child.esp_proposals=$ESP_DEF psk=$PSK "$@"
}

# ---- daemons ----

# gw_start SIDE NS: palisade-gatewayd on config $WORK/SIDE, waits for "ready".
gw_start() {
	local side=$1 ns=$2
	: >"$WORK/$side.log"
	ip netns exec "$ns" "$GATEWAYD" --foreground --config-dir "$WORK/$side" \
		--run-dir "$WORK/$side/run" >>"$WORK/$side.log" 2>&1 &
	PID[$side]=$!
	for _ in $(seq 100); do
		grep -q "ready" "$WORK/$side.log" && return 0
		kill -0 "${PID[$side]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "gatewayd $side did not start:"
	tail -5 "$WORK/$side.log"
	return 1
}

# gw_pair: B then A with what is in $WORK/{a,b}.
gw_pair() {
	gw_start b "$NSB" && gw_start a "$NSA"
}

# subscribe SIDE: events of SIDE into $WORK/SIDE.events (until stop_all).
subscribe() {
	: >"$WORK/$1.events"
	"$PALISADECTL" --socket "$WORK/$1/run/control.sock" --json subscribe \
		>"$WORK/$1.events" 2>/dev/null &
	PID[$1-sub]=$!
	for _ in $(seq 40); do
		[ "$(ctl "$1" --json stats | sed -n 's/.*"subscribers": \([0-9]*\).*/\1/p')" = 1 ] &&
			return 0
		sleep 0.05
	done
}

# q COMMAND...: quietly
q() { "$@" >/dev/null; }
ctl() {
	local side=$1
	shift
	"$PALISADECTL" --socket "$WORK/$side/run/control.sock" "$@"
}

# snap SIDE: list-sas and stats of SIDE into $WORK/SIDE.sas, $WORK/SIDE.stats
snap() {
	ctl "$1" --json list-sas >"$WORK/$1.sas"
	ctl "$1" --json stats >"$WORK/$1.stats"
}
expect() { # expect SIDE sas|stats PATH=VALUE...
	local f=$WORK/$1.$2
	shift 2
	$HELPER expect "$f" "$@"
}
get() { $HELPER get "$WORK/$1.$2" "$3"; }

# log_has SIDE TEXT: a fixed string in SIDE's log (up to 3 s).
log_has() {
	for _ in $(seq 30); do
		grep -qF -- "$2" "$WORK/$1.log" && return 0
		sleep 0.1
	done
	echo "  $1.log has no '$2'"
	return 1
}
# event SIDE EVENT K=V...: at least one such event (up to 3 s).
event() {
	local side=$1
	shift
	for _ in $(seq 30); do
		[ "$($HELPER events "$WORK/$side.events" "$@")" -ge 1 ] && return 0
		sleep 0.1
	done
	echo "  $side: no event $*"
	return 1
}

# ---- established SAs ----

# sa_pair_ok MODE: both sides have one ESTABLISHED IKE SA with one
# INSTALLED CHILD SA in MODE; SPIs and identities match crosswise.
sa_pair_ok() {
	local mode=$1 bad=0
	snap a
	snap b
	expect a sas ike_sas.#=1 ike_sas.0.state=ESTABLISHED ike_sas.0.role=initiator \
		ike_sas.0.children.#=1 ike_sas.0.children.0.state=INSTALLED \
		ike_sas.0.children.0.mode="$mode" || bad=1
	expect b sas ike_sas.#=1 ike_sas.0.state=ESTABLISHED ike_sas.0.role=responder \
		ike_sas.0.children.#=1 ike_sas.0.children.0.state=INSTALLED \
		ike_sas.0.children.0.mode="$mode" || bad=1
	local s=ike_sas.0 c=ike_sas.0.children.0
	$HELPER cross "$WORK/a.sas" "$WORK/b.sas" $s.spi_i=$s.spi_i $s.spi_r=$s.spi_r \
		$c.spi_in=$c.spi_out $c.spi_out=$c.spi_in $s.local.id=$s.remote.id \
		$s.remote.id=$s.local.id $s.ike.proposal=$s.ike.proposal \
		$c.esp.proposal=$c.esp.proposal $c.local_ts=$c.remote_ts \
		$c.remote_ts=$c.local_ts || bad=1
	return $bad
}

# both SIDE-independent expectations on the two list-sas snapshots
both() {
	expect a sas "$@" && expect b sas "$@"
}

# traffic SRC DST NPING NUDP SIZE: pings and a UDP stream from A's SRC to
# B's DST; all datagrams must arrive.
traffic() {
	local src=$1 dst=$2 np=$3 nu=$4 size=$5 got
	nsa ping -q -c "$np" -i 0.2 -W 2 -I "$src" "$dst" >/dev/null || {
		echo "  ping $src -> $dst failed"
		return 1
	}
	nsb $DPH udp-recv --bind "$dst" --port 7000 --count "$nu" --size "$size" \
		--timeout 5 >"$WORK/udp.out" &
	local rpid=$!
	for _ in $(seq 100); do # bound? (python starts slowly on a busy machine)
		nsb ss -Hlun "sport = :7000" | grep -q 7000 && break
		sleep 0.05
	done
	nsa $DPH udp-send --src "$src" --dst "$dst" --port 7000 --count "$nu" --size "$size" \
		--gap 0.002
	wait $rpid
	got=$(cat "$WORK/udp.out")
	[ "$got" = "$nu" ] || {
		echo "  UDP: $got of $nu datagrams arrived"
		return 1
	}
}

# counters_ok HDR NPING NUDP SIZE: exact CHILD SA counters on both sides
# after traffic(): HDR is the inner IP header counted per packet (20 in
# tunnel mode, 0 in transport mode, where the payload is counted).
counters_ok() {
	local hdr=$1 np=$2 nu=$3 size=$4
	local icmp=$((64 + hdr)) udp=$((8 + size + hdr))
	local fwd_p=$((np + nu)) fwd_b=$((np * icmp + nu * udp)) back_b=$((np * icmp))
	snap a
	snap b
	local c=ike_sas.0.children.0
	expect a sas $c.packets_out=$fwd_p $c.bytes_out=$fwd_b $c.packets_in="$np" \
		$c.bytes_in=$back_b &&
		expect b sas $c.packets_in=$fwd_p $c.bytes_in=$fwd_b $c.packets_out="$np" \
			$c.bytes_out=$back_b
}

# no_state SIDE...: nothing left: no SA, none half-open, no CHILD SA.
no_state() {
	local s bad=0
	for s in "$@"; do
		snap "$s"
		expect "$s" sas ike_sas.#=0 || bad=1
		expect "$s" stats ike_sas.total=0 ike_sas.half_open=0 child_sas.total=0 || bad=1
	done
	return $bad
}
