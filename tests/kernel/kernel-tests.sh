#!/bin/bash
# kernel-tests.sh - runs INSIDE the test VM (tests/kernel/run-in-vm.sh,
# `make check-kernel`), as root, on Debian's kernel with real ESP.
#
#   kernel-tests.sh BUILDDIR
#
# 1. xfrm <-> xfrm: two network namespaces, each keyed by its own
#    xfrm_drive (our xfrm backend); ping and a UDP stream through SA pairs
#    with AES-GCM, AES-CBC+HMAC-SHA256, 3DES-CBC+HMAC-SHA1-96 (what old
#    clients offer), ChaCha20-Poly1305 (ESN), AES-GCM in UDP (RFC 3948) and
#    transport mode; `ip -s xfrm state` counters equal
#    the packets sent and dp_sa_stats agrees; deleting an SA stops traffic;
#    closing the backend removes everything it installed.
# 2. xfrm <-> userspace: one side the kernel's ESP, the other our own ESP
#    (tests/datapath/dptool --backend userspace), raw ESP and ESP-in-UDP.
# 3. events: soft and hard expire (byte lifetimes), acquire (trap policy).
# Ends with "N passed, N failed"; exit status 0 only if none failed.
set -u
BUILD=$(cd "${1:?usage: kernel-tests.sh BUILDDIR}" && pwd)
DRV=$BUILD/tests/kernel/xfrm_drive
DPTOOL=$BUILD/tests/datapath/dptool
T=$(mktemp -d /tmp/kt.XXXXXX)
pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }
quiet() { "$@" >/dev/null 2>&1; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

NS=pk$$
L=${NS}l R=${NS}r
OL=192.0.2.1 OR=192.0.2.2 IL=10.1.0.1 IR=10.2.0.1 NL=10.1.0.0/24 NR=10.2.0.0/24
K16=00112233445566778899aabbccddeeff
K20=${K16}01020304
K32=${K16}${K16}
K36=${K32}01020304
K48=${K32}${K16}
K24=${K16}0123456789abcdef

# A driver's stdin and stdout are FIFOs; replies are read with bash's read
# (spawning a grep per poll is slow under TCG). Every line read is also
# appended to $T/NAME.out, where events can be looked up later.
declare -A DFD DOUT DPID
start_drv() { # start_drv NAME NETNS
	local n=$1 in out
	rm -f "$T/$n.in" "$T/$n.fifo"
	mkfifo "$T/$n.in" "$T/$n.fifo"
	: >"$T/$n.out"
	# the other drivers' FIFO ends stay ours: a child holding a write end
	# would keep that driver from ever seeing EOF
	(
		for fd in "${DFD[@]}" "${DOUT[@]}"; do eval "exec $fd>&-"; done
		exec ip netns exec "$2" "$DRV" <"$T/$n.in" >"$T/$n.fifo" 2>&1
	) &
	DPID[$n]=$!
	exec {in}>"$T/$n.in"
	exec {out}<"$T/$n.fifo"
	DFD[$n]=$in
	DOUT[$n]=$out
	wait_for "$n" '^ready' 600 # slow to start under TCG, more so with ASan
}
stop_drv() { # stop_drv NAME: "quit" makes it close the backend and exit
	local n=$1
	[ -n "${DFD[$n]:-}" ] || return 0
	echo quit >&"${DFD[$n]}"
	eval "exec ${DFD[$n]}>&-"
	cat <&"${DOUT[$n]}" >>"$T/$n.out" # to EOF: it may still log
	eval "exec ${DOUT[$n]}<&-"
	wait "${DPID[$n]}" 2>/dev/null
	unset "DFD[$n]" "DOUT[$n]" "DPID[$n]"
}
wait_for() { # wait_for NAME REGEX TENTHS: a line of NAME's output matches
	local line end=$((SECONDS + ($3 + 9) / 10))
	grep -q -E "$2" "$T/$1.out" && return 0
	while [ $SECONDS -lt $end ]; do
		if ! IFS= read -r -t 1 -u "${DOUT[$1]}" line; then
			kill -0 "${DPID[$1]}" 2>/dev/null || return 1
			continue
		fi
		printf '%s\n' "$line" >>"$T/$1.out"
		[[ $line =~ $2 ]] && return 0
	done
	return 1
}
drv() { # drv NAME COMMAND...: one command, its reply in $REPLY
	local n=$1 line
	shift
	echo "$*" >&"${DFD[$n]}"
	REPLY=""
	while IFS= read -r -t 20 -u "${DOUT[$n]}" line; do
		printf '%s\n' "$line" >>"$T/$n.out"
		case "$line" in ok* | err*)
			REPLY=$line
			break
			;;
		esac
	done
	case "$REPLY" in ok*) return 0 ;; esac
	echo "     ($n: $* -> ${REPLY:-no reply})"
	return 1
}

give_up() { # give_up WHAT: a case cannot go on
	bad "$1"
	for n in "${!DFD[@]}"; do stop_drv "$n"; done
}

cleanup() {
	for n in "${!DFD[@]}"; do stop_drv "$n"; done
	ip netns del "$L" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

setup() {
	ip netns del "$L" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	ip netns add "$L" && ip netns add "$R" || return 1
	ip link add vl netns "$L" type veth peer name vr netns "$R" || return 1
	ip -n "$L" link set lo up && ip -n "$R" link set lo up &&
		ip -n "$L" addr add $OL/24 dev vl && ip -n "$R" addr add $OR/24 dev vr &&
		ip -n "$L" addr add $IL/32 dev lo && ip -n "$R" addr add $IR/32 dev lo &&
		ip -n "$L" link set vl up && ip -n "$R" link set vr up &&
		ip -n "$L" route add $NR via $OR src $IL && ip -n "$R" route add $NL via $OL src $IR
}

# udp_stream NS-FROM DRIVER-TO DST COUNT: datagrams DRIVER-TO's sink got
# (bash's /dev/udp sends; the route picks the source address)
udp_stream() {
	local i=0 n=0
	ip netns exec "$1" bash -c 'for i in $(seq "$1"); do
		printf "%s" "palisade-datagram-$i" >/dev/udp/$2/5001; done' - "$4" "$3"
	while [ $i -lt 50 ]; do
		drv "$2" received && n=${REPLY#ok n=}
		[ "$n" -ge "$4" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "$n"
}

# xcount NS SRC DST SPI: "bytes packets" from ip -s xfrm state
xcount() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "0x$4" 2>/dev/null |
		awk '/lifetime current:/ { getline; b = $1; p = $2; sub(/\(.*/, "", b); sub(/\(.*/, "", p); print b, p; exit }'
}

# counted NAME NS DRIVER SRC DST SPI PACKETS: kernel and dp_sa_stats agree
counted() {
	local c b p
	c=$(xcount "$2" "$4" "$5" "$6")
	b=${c% *} p=${c#* }
	if [ "${p:-x}" != "$7" ]; then
		bad "$1: $2 SA 0x$6 counted ${p:-?} packets, sent $7"
		return
	fi
	if drv "$3" stats "$6" "$5" && [ "$REPLY" = "ok bytes=$b packets=$p replay=0 integrity=0" ]; then
		ok "$1: $2 SA 0x$6: $p packets, $b bytes (ip -s xfrm state = dp_sa_stats)"
	else
		bad "$1: $2 SA 0x$6: ip says $b bytes $p packets, dp_sa_stats says '$REPLY'"
	fi
}

# sa_pair A B SPI-AB SPI-BA SRC-A SRC-B ARGS...: A->B and B->A SAs on both
sa_pair() {
	local a=$1 b=$2 s1=$3 s2=$4 x=$5 y=$6
	shift 6
	drv "$a" sa out spi="$s1" src="$x" dst="$y" "$@" && drv "$a" sa in spi="$s2" src="$y" dst="$x" "$@" &&
		drv "$b" sa in spi="$s1" src="$x" dst="$y" "$@" && drv "$b" sa out spi="$s2" src="$y" dst="$x" "$@"
}

tunnel_policies() { # tunnel_policies REQID [trap]
	drv dl policy out src=$NL dst=$NR tsrc=$OL tdst=$OR reqid="$1" &&
		drv dl policy in src=$NR dst=$NL tsrc=$OR tdst=$OL reqid="$1" &&
		drv dl policy fwd src=$NR dst=$NL tsrc=$OR tdst=$OL reqid="$1" &&
		drv dr policy out src=$NR dst=$NL tsrc=$OR tdst=$OL reqid="$1" &&
		drv dr policy in src=$NL dst=$NR tsrc=$OL tdst=$OR reqid="$1" &&
		drv dr policy fwd src=$NL dst=$NR tsrc=$OL tdst=$OR reqid="$1"
}

transport_policies() {
	drv dl policy out src=$OL/32 dst=$OR/32 mode=transport reqid=2 &&
		drv dl policy in src=$OR/32 dst=$OL/32 mode=transport reqid=2 &&
		drv dr policy out src=$OR/32 dst=$OL/32 mode=transport reqid=2 &&
		drv dr policy in src=$OL/32 dst=$OR/32 mode=transport reqid=2
}

# xfrm_case NAME tunnel|transport SA-ARGS...
xfrm_case() {
	local name=$1 mode=$2 a b x y t0=$SECONDS
	shift 2
	setup || { bad "$name: namespaces"; return; }
	start_drv dl "$L" && start_drv dr "$R" && drv dr listen 5001 ||
		{ give_up "$name: xfrm_drive did not start"; return; }
	case " $* " in *" encap="*)
		drv dl encap 4500 && drv dr encap 4500 || { give_up "$name: UDP_ENCAP sockets"; return; } ;;
	esac
	if [ "$mode" = tunnel ]; then
		a=$IL b=$IR
		sa_pair dl dr 1001 1002 $OL $OR mode=tunnel reqid=1 "$@" && tunnel_policies 1
	else
		a=$OL b=$OR
		sa_pair dl dr 1001 1002 $OL $OR mode=transport reqid=2 "$@" && transport_policies
	fi || { give_up "$name: SAs and policies through the xfrm backend"; return; }
	ok "$name: SAs and policies installed through the xfrm backend ($((SECONDS - t0)) s)"
	check "$name: ping $a -> $b" quiet ip netns exec "$L" ping -q -c 5 -i 0.2 -W 2 -I $a $b
	n=$(udp_stream "$L" dr $b 20)
	check "$name: UDP stream $a -> $b: $n/20 datagrams ($((SECONDS - t0)) s)" [ "$n" = 20 ]
	counted "$name" "$L" dl $OL $OR 1001 25
	counted "$name" "$R" dr $OL $OR 1001 25
	counted "$name" "$R" dr $OR $OL 1002 5
	counted "$name" "$L" dl $OR $OL 1002 5
	errs=$(ip netns exec "$R" cat /proc/net/xfrm_stat | awk '$2 != 0 {printf "%s=%s ", $1, $2}')
	check "$name: no XFRM errors on the receiver ${errs:+($errs)}" [ -z "$errs" ]
	case " $* " in
	*" encap="*) check "$name: the kernel SA is UDP-encapsulated" \
		sh -c "ip -n $L xfrm state | grep -q 'encap type espinudp sport 4500 dport 4500'" ;;
	*" esn "*) check "$name: the kernel SA has ESN and a 128-packet window" \
		sh -c "ip -n $L xfrm state | grep -q 'flag.*esn' && ip -n $L xfrm state | grep -q 'replay_window 128'" ;;
	esac
	drv dl del 1001 $OR
	if ip netns exec "$L" ping -q -c 1 -W 1 -I $a $b >/dev/null 2>&1; then
		bad "$name: ping still works after dp_sa_del of the outbound SA"
	else
		ok "$name: no traffic after dp_sa_del of the outbound SA"
	fi
	stop_drv dl
	stop_drv dr
	# what may stay: the kernel's own larval states from acquires (SPI 0)
	left=$(for ns in "$L" "$R"; do ip -n "$ns" xfrm policy; ip -n "$ns" xfrm state | grep 'spi 0x0*[1-9a-f]'; done)
	check "$name: closing the backends removed all their SAs and policies ($((SECONDS - t0)) s)" [ -z "$left" ]
	[ -z "$left" ] || echo "$left" | sed 's/^/     /'
}

# dp_spi_alloc, then the inbound SA on that SPI (UPDSA of the larval
# state); dp_sa_update of lifetimes (UPDSA) and of the encapsulation
# (re-added with its sequence numbers carried over).
update_case() {
	local name=update spi c
	setup || { bad "$name: namespaces"; return; }
	start_drv dl "$L" && start_drv dr "$R" || { give_up "$name: xfrm_drive did not start"; return; }
	drv dr spi $OL $OR && spi=${REPLY#ok spi=0x}
	check "$name: dp_spi_alloc reserved SPI 0x$spi (a larval state)" \
		sh -c "ip -n $R xfrm state | grep -q 'spi 0x$spi '"
	sa_pair dl dr "$spi" 1002 $OL $OR mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 &&
		tunnel_policies 1 || { give_up "$name: SAs on the allocated SPI"; return; }
	c=$(ip -n "$R" xfrm state | grep -c "spi 0x$spi ")
	check "$name: the inbound SA replaced the larval state ($c state with that SPI)" [ "$c" = 1 ]
	check "$name: ping over the allocated SPI" quiet ip netns exec "$L" ping -q -c 5 -i 0.2 -W 2 -I $IL $IR
	drv dl update out spi="$spi" src=$OL dst=$OR mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 time-hard=900
	check "$name: dp_sa_update set a 900 s hard lifetime (UPDSA)" \
		sh -c "ip -n $L -s xfrm state get src $OL dst $OR proto esp spi 0x$spi | grep -q 'hard 900(sec)'"
	drv dl encap 4500 && drv dr encap 4500 &&
		drv dl update out spi="$spi" src=$OL dst=$OR mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 encap=4500:4500 &&
		drv dr update in spi="$spi" src=$OL dst=$OR mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 encap=4500:4500 &&
		drv dl update in spi=1002 src=$OR dst=$OL mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 encap=4500:4500 &&
		drv dr update out spi=1002 src=$OR dst=$OL mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 encap=4500:4500
	check "$name: dp_sa_update moved the SAs into UDP" \
		sh -c "ip -n $L xfrm state | grep -q 'encap type espinudp sport 4500 dport 4500'"
	check "$name: ping after the move" quiet ip netns exec "$L" ping -q -c 5 -i 0.2 -W 2 -I $IL $IR
	check "$name: the outbound sequence number went on (oseq 10, not 5)" \
		sh -c "ip -n $L xfrm state get src $OL dst $OR proto esp spi 0x$spi | grep -q 'oseq 0xa'"
	errs=$(ip netns exec "$R" cat /proc/net/xfrm_stat | awk '$2 != 0 {printf "%s=%s ", $1, $2}')
	check "$name: no replay or other XFRM errors on the receiver ${errs:+($errs)}" [ -z "$errs" ]
	stop_drv dl
	stop_drv dr
}

events_case() {
	local name=events
	setup || { bad "$name: namespaces"; return; }
	start_drv dl "$L" && start_drv dr "$R" || { give_up "$name: xfrm_drive did not start"; return; }
	sa_pair dl dr 1001 1002 $OL $OR mode=tunnel reqid=1 enc=aes128gcm16 key=$K20 \
		bytes-soft=1000 bytes-hard=2000 && tunnel_policies 1 ||
		{ give_up "$name: SAs with byte lifetimes"; return; }
	ip netns exec "$L" ping -q -c 30 -i 0.1 -W 1 -I $IL $IR >/dev/null 2>&1
	check "$name: soft expire of SA 0x1001 reached our callback" \
		wait_for dl '^event soft-expire spi=0x00001001 reqid=1 dst=192.0.2.2' 30
	check "$name: hard expire of SA 0x1001 reached our callback" \
		wait_for dl '^event hard-expire spi=0x00001001 reqid=1 dst=192.0.2.2' 30
	check "$name: the hard expire removed the SA from the kernel" \
		[ -z "$(ip -n "$L" xfrm state get src $OL dst $OR proto esp spi 0x1001 2>/dev/null)" ]
	drv dl stats 1001 $OR
	check "$name: dp_sa_stats no longer knows the expired SA ($REPLY)" [ "$REPLY" = "err not found" ]
	# acquire: a trap policy for traffic that has no SA
	ip -n "$L" route add 10.3.0.0/24 via $OR src $IL
	drv dl policy out src=$IL/32 dst=10.3.0.0/24 proto=1 tsrc=$OL tdst=$OR reqid=9 trap ||
		bad "$name: trap policy"
	ip netns exec "$L" ping -q -c 1 -W 1 -I $IL 10.3.0.7 >/dev/null 2>&1
	check "$name: acquire with the packet's selector reached our callback" \
		wait_for dl '^event acquire spi=0x00000000 reqid=9 dst=192.0.2.2 sel=10.1.0.1/32->10.3.0.7/32 proto=1' 30
	grep '^event' "$T/dl.out" | sed 's/^/     /'
	stop_drv dl
	stop_drv dr
}

# Part 2: the kernel on one side, our userspace ESP on the other.
interop_cases() {
	if [ ! -x "$DPTOOL" ]; then
		skip "xfrm <-> userspace interop: $DPTOOL not built (branch dp-user not merged yet)"
		return
	fi
	# shellcheck source=/dev/null
	. "$(dirname "$0")/interop.sh"
}

echo "kernel: $(uname -r); $(ip -V 2>&1)"
if [ ! -x "$DRV" ]; then
	echo "FAIL - $DRV not built (make check-kernel builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi
out=$(ip netns add ${NS}probe && ip netns exec ${NS}probe "$DRV" <<<"probe" 2>&1)
ip netns del ${NS}probe
case "$out" in
*"ok esp=1"*) ok "dp_xfrm_esp_available() is true on this kernel" ;;
*) bad "dp_xfrm_esp_available() on a kernel with ESP: $out" ;;
esac

xfrm_case "AES-GCM-128 tunnel" tunnel enc=aes128gcm16 key=$K20
xfrm_case "AES-CBC-128+HMAC-SHA256 tunnel" tunnel enc=aes128 key=$K16 integ=sha256 ikey=$K32
xfrm_case "ChaCha20-Poly1305 tunnel, ESN" tunnel enc=chacha20poly1305 key=$K36 esn window=128
xfrm_case "AES-GCM-256 ESP-in-UDP tunnel" tunnel enc=aes256gcm16 key=$K36 encap=4500:4500
xfrm_case "3DES-CBC+HMAC-SHA1-96 tunnel" tunnel enc=3des key=$K24 integ=sha1 ikey=$K20
xfrm_case "AES-CBC-256+HMAC-SHA384 transport" transport enc=aes256 key=$K32 integ=sha384 ikey=$K48
xfrm_case "AES-GCM-128 transport" transport enc=aes128gcm16 key=$K20
update_case
events_case
interop_cases

[ $skipped = 0 ] || echo "($skipped skipped)"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
