# interop.sh - sourced by kernel-tests.sh inside the VM: the kernel's ESP
# (dptool --backend xfrm) in namespace $L against our userspace ESP
# (dptool --backend userspace) in $R, same keys, raw ESP and ESP-in-UDP
# (RFC 3948). Traffic both ways; the kernel's counters and dp_sa_stats()
# of the userspace backend must agree on packets and bytes: both count
# the inner IP packet in tunnel mode.
# Uses ok/bad/check/quiet/setup/xcount and $L $R $OL $OR $IL $IR $NL $NR
# $K20 $K16 $K32 $DPTOOL $T from kernel-tests.sh.

# dpt_config FILE SPI-OUT SPI-IN ME PEER MY-NET THEIR-NET SA-EXTRA-JSON POLICY-DIRS
dpt_config() {
	local f=$1 so=$2 si=$3 me=$4 peer=$5 mine=$6 theirs=$7 extra=$8 dirs=$9 d sep="" src dst ts td
	{
		echo '{ "sas": ['
		echo "  { \"spi\": \"$so\", \"inbound\": false, \"src\": \"$me\", \"dst\": \"$peer\", \"reqid\": 1 $extra },"
		echo "  { \"spi\": \"$si\", \"inbound\": true, \"src\": \"$peer\", \"dst\": \"$me\", \"reqid\": 1 $extra }"
		echo '], "policies": ['
		for d in $dirs; do
			if [ "$d" = out ]; then
				src=$mine dst=$theirs ts=$me td=$peer
			else
				src=$theirs dst=$mine ts=$peer td=$me
			fi
			echo "  $sep{ \"dir\": \"$d\", \"src\": \"$src\", \"dst\": \"$dst\", \"mode\": \"tunnel\", \"tmpl_src\": \"$ts\", \"tmpl_dst\": \"$td\", \"reqid\": 1 }"
			sep=","
		done
		echo '] }'
	} >"$f"
}

declare -A DPT_PID
# dpt_start NAME NS BACKEND ARGS...: dptool in NS, waits for "ready"
dpt_start() {
	local n=$1 ns=$2 be=$3 i
	shift 3
	ip netns exec "$ns" "$DPTOOL" --backend "$be" --config "$T/$n.json" --stats "$T/$n.stats" \
		--log-level warning "$@" >"$T/$n.dpt" 2>&1 &
	DPT_PID[$n]=$!
	for i in $(seq 600); do
		grep -q '"event":"ready"' "$T/$n.dpt" && return 0
		kill -0 "${DPT_PID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/     /' "$T/$n.dpt"
	return 1
}
dpt_stop() { # dpt_stop NAME: SIGTERM; true if it said "stopped" and exited 0
	local n=$1 rc
	[ -n "${DPT_PID[$n]:-}" ] || return 0
	kill -TERM "${DPT_PID[$n]}" 2>/dev/null
	wait "${DPT_PID[$n]}"
	rc=$?
	unset "DPT_PID[$n]"
	[ $rc = 0 ] && grep -q '"event":"stopped"' "$T/$n.dpt"
}
# dpt_stat NAME SPI-HEX FIELD: one counter from a fresh --stats file
dpt_stat() {
	rm -f "$T/$1.stats"
	kill -USR1 "${DPT_PID[$1]}"
	for _ in $(seq 50); do [ -s "$T/$1.stats" ] && break; sleep 0.1; done
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if sys.argv[2] == "counters":
    print(d["counters"][sys.argv[3]])
else:
    print([s for s in d["sas"] if s["spi_hex"] == sys.argv[2]][0].get(sys.argv[3], "?"))' \
		"$T/$1.stats" "$2" "$3" 2>/dev/null || echo "?"
}

# py_udp NS-FROM NS-TO SRC DST COUNT: datagrams received (python both ends)
py_udp() {
	rm -f "$T/udp.ready" "$T/udp.count"
	ip netns exec "$2" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5001)); s.settimeout(60)
open(sys.argv[2], "w").close()
n = 0
try:
    while True:
        s.recv(2048); n += 1; s.settimeout(2)
except socket.timeout:
    pass
open(sys.argv[3], "w").write(str(n))' "$4" "$T/udp.ready" "$T/udp.count" &
	local rpid=$! i=0
	while [ ! -e "$T/udp.ready" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[3])):
    s.sendto(b"palisade-interop-%d" % i, (sys.argv[2], 5001))' "$3" "$4" "$5"
	wait $rpid
	cat "$T/udp.count" 2>/dev/null || echo 0
}

# interop_case NAME SA-EXTRA-JSON [--udp-port 4500]
interop_case() {
	local name=$1 extra=$2 n c b p ub up
	shift 2
	setup || { bad "$name: namespaces"; return; }
	dpt_config "$T/k.json" 0x1001 0x1002 $OL $OR $NL $NR "$extra" "out in fwd"
	dpt_config "$T/u.json" 0x1002 0x1001 $OR $OL $NR $NL "$extra" "out in"
	if ! dpt_start k "$L" xfrm "$@" || ! dpt_start u "$R" userspace --tun pal0 --threads 1 "$@"; then
		bad "$name: dptool did not start"
		dpt_stop k
		dpt_stop u
		return
	fi
	ok "$name: kernel ESP in $L (dptool --backend xfrm), ours in $R (--backend userspace)"
	check "$name: ping kernel -> userspace" quiet ip netns exec "$L" ping -q -c 5 -i 0.2 -W 2 -I $IL $IR
	check "$name: ping userspace -> kernel" quiet ip netns exec "$R" ping -q -c 5 -i 0.2 -W 2 -I $IR $IL
	n=$(py_udp "$L" "$R" $IL $IR 20)
	check "$name: UDP kernel -> userspace: $n/20" [ "$n" = 20 ]
	n=$(py_udp "$R" "$L" $IR $IL 20)
	check "$name: UDP userspace -> kernel: $n/20" [ "$n" = 20 ]
	for spi in 1001 1002; do
		if [ $spi = 1001 ]; then c=$(xcount "$L" $OL $OR $spi); else c=$(xcount "$L" $OR $OL $spi); fi
		b=${c% *} p=${c#* }
		up=$(dpt_stat u 0x0000$spi packets)
		ub=$(dpt_stat u 0x0000$spi bytes)
		check "$name: SA 0x$spi: kernel $p packets/$b bytes, userspace $up/$ub (30 sent)" \
			sh -c '[ "$1" = 30 ] && [ "$2" = 30 ] && [ "$3" = "$4" ]' - "$p" "$up" "$b" "$ub"
	done
	for k in integrity replay malformed no_sa; do
		c=$(dpt_stat u counters $k)
		check "$name: userspace drop counter $k = $c" [ "$c" = 0 ]
	done
	case " $* " in *" --udp-port "*)
		c=$(dpt_stat u counters udp_esp)
		check "$name: the userspace side got $c ESP-in-UDP datagrams (30 sent)" [ "$c" = 30 ]
		check "$name: the kernel SA is UDP-encapsulated" \
			sh -c "ip -n $L xfrm state | grep -q 'encap type espinudp sport 4500 dport 4500'" ;;
	esac
	errs=$(ip netns exec "$L" cat /proc/net/xfrm_stat | awk '$2 != 0 {printf "%s=%s ", $1, $2}')
	check "$name: no XFRM errors in the kernel ${errs:+($errs)}" [ -z "$errs" ]
	check "$name: dptool (xfrm) stops cleanly" dpt_stop k
	check "$name: dptool (userspace) stops cleanly" dpt_stop u
	check "$name: nothing left in the kernel" [ -z "$(ip -n "$L" xfrm policy; ip -n "$L" xfrm state | grep 'spi 0x0*[1-9a-f]')" ]
}

interop_case "interop AES-GCM-128 raw ESP" ", \"encr\": \"aes-gcm-16\", \"keylen\": 128, \"enc_key\": \"$K20\""
interop_case "interop AES-CBC+HMAC-SHA256 raw ESP" \
	", \"encr\": \"aes-cbc\", \"keylen\": 128, \"enc_key\": \"$K16\", \"integ\": \"hmac-sha2-256-128\", \"int_key\": \"$K32\""
interop_case "interop 3DES-CBC+HMAC-SHA1-96 raw ESP" \
	", \"encr\": \"3des-cbc\", \"enc_key\": \"$K24\", \"integ\": \"hmac-sha1-96\", \"int_key\": \"$K20\""
interop_case "interop AES-GCM-128 ESP-in-UDP" \
	", \"encr\": \"aes-gcm-16\", \"keylen\": 128, \"enc_key\": \"$K20\", \"encap\": { \"sport\": 4500, \"dport\": 4500 }" \
	--udp-port 4500
interop_case "interop ChaCha20-Poly1305 ESN" \
	", \"encr\": \"chacha20-poly1305\", \"enc_key\": \"$K36\", \"esn\": true"
