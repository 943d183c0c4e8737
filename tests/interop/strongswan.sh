#!/bin/bash
# tests/interop/strongswan.sh: palisade-gatewayd against strongSwan (Debian's
# charon + swanctl, ESP in userspace by kernel-libipsec), each in a network
# namespace of its own, in both roles: PSK and ECDSA certificates, directly
# and with the initiator behind a NAT namespace (nft masquerade); several
# IKE/ESP proposals; an INVALID_KE_PAYLOAD round trip in both roles;
# transport mode; DELETE of IKE and CHILD SAs from either side; DPD in both
# directions; strongSwan rekeying both SAs; RFC 7383 fragmentation of
# IKE_AUTH (RSA certificates) in both directions. Every established pair is
# compared crosswise (swanctl --list-sas against palisadectl --json
# list-sas: state, SPIs, ids, algorithms, selectors, NAT) and carries ping
# (and UDP streams) both ways, with the byte/packet counters of both sides
# compared.
#
# Usage (root): GATEWAYD=... PALISADECTL=... strongswan.sh [GROUP...]
#   GROUP: direct proposals invalid-ke transport delete dpd rekey frag nat
#          (default: all). KEEP=1 keeps the work dir (logs, configs, PKI).
# Prints ok/FAIL per check and "N passed, N failed"; exits 1 on failure,
# 77 when it cannot run here (not root, strongSwan missing).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
GATEWAYD=${GATEWAYD:?set GATEWAYD to palisade-gatewayd}
PALISADECTL=${PALISADECTL:?set PALISADECTL to palisadectl}

if [ "$(id -u)" != 0 ]; then
	echo "strongswan.sh: needs root (network namespaces)"
	exit 77
fi
# Debian's python3 (scripts/deps): a version manager's shim in PATH can
# cost half a second per start, and sacheck.py runs a few hundred times
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
for t in /usr/lib/ipsec/charon swanctl openssl nft iperf3 "$PY"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "strongswan.sh: $t not found (run scripts/deps)"
		exit 77
	fi
done

WORK=$(mktemp -d /tmp/palisade-interop.XXXXXX)
. "$HERE/lib.sh"
. "$HERE/pki.sh"
. "$HERE/conf.sh"

EV_PID=""
cleanup() {
	[ -z "$EV_PID" ] || kill "$EV_PID" 2>/dev/null
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sacheck() { "$PY" "$HERE/sacheck.py" "$@"; }
skip() { echo "skip: $*"; }

# snap: fresh views of both sides in $WORK/swan.txt and $WORK/ours.json
snap() {
	swan --list-sas --pretty >"$WORK/swan.txt" 2>&1
	ctl --json list-sas >"$WORK/ours.json" 2>&1
}
# count_is "S G": strongSwan has S IKE SAs, we have G
count_is() {
	snap && [ "$(sacheck count "$WORK/swan.txt" "$WORK/ours.json")" = "$1" ]
}
# the charon log since the last mark
log_mark() { LOG_MARK=$(wc -l <"$SWAN/charon.log"); }
swan_log() { tail -n "+$((LOG_MARK + 1))" "$SWAN/charon.log"; }
# log_has [-c N] PATTERN: the charon log since the mark has PATTERN (N times)
log_has() {
	local n=1 have
	if [ "$1" = -c ]; then n=$2 && shift 2; fi
	have=$(swan_log | grep -c -E -- "$1")
	[ "$have" -ge "$n" ] && return 0
	echo "charon log: $have line(s) matching '$1', expected $n"
	return 1
}

# initiate sw|gw: the initiator sets up IKE SA t with child net
initiate() {
	if [ "$1" = sw ]; then
		swan --initiate --child net --ike t --timeout 10 >"$WORK/initiate.out" 2>&1
	else
		ctl --timeout 15 initiate t >"$WORK/initiate.out" 2>&1
	fi || {
		grep -v -E '^\[(ENC|NET|CFG)\]' "$WORK/initiate.out" | tail -n 8
		echo "--- ours:"
		grep -E '\[(IKE|CHD)\]' "$GW/gatewayd.log" | tail -n 5
		return 1
	}
	# the responder installed before answering; allow for slow machines
	wait_for 3 count_is "1 1"
}

# clear_sas: remove whatever SAs are left, on both sides
clear_sas() {
	swan --terminate --ike t --timeout 3 >/dev/null 2>&1
	ctl terminate t --no-wait >/dev/null 2>&1
	wait_for 5 count_is "0 0" >/dev/null || {
		echo "note: SAs left over: $(sacheck count "$WORK/swan.txt" "$WORK/ours.json")"
	}
}

# sas_match ROLE [sacheck options]: the pair agrees crosswise
sas_match() {
	local role=$1
	shift
	snap && sacheck sas "$WORK/swan.txt" "$WORK/ours.json" --role "$role" --topo "$TOPO" \
		--s-addr "$S_ADDR" --s-seen "$S_SEEN" --g-addr "$G_ADDR" --g-seen "$G_SEEN" "$@"
}

ping_s() { ns_s ping -q -c 3 -i 0.2 -W 2 -I "$S_IN" "$G_IN"; }
ping_g() { ns_g ping -q -c 3 -i 0.2 -W 2 -I "$G_IN" "$S_IN"; }

# rcvbuf_errors NS: UDP datagrams the kernel of NS dropped for a full
# socket receive buffer (/proc/net/snmp Udp RcvbufErrors)
rcvbuf_errors() {
	ip netns exec "$1" awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++)
		if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp
}

# udp_stream [-R]: 1 s of UDP at 2 Mbit/s from strongSwan's side to ours
# (-R: ours to strongSwan's) through the tunnel. At least 100 datagrams
# must arrive; losses beyond 1 % only when the kernels dropped as many for
# full socket buffers (userspace ESP on both ends, a busy machine). Adds
# the datagrams that arrived to STREAM_PKTS. Bounded in time when the
# tunnel does not carry it (connect timeout, timeout(1), server killed).
udp_stream() {
	local pid res rb0 rb1
	rb0=$(($(rcvbuf_errors "$NS_S") + $(rcvbuf_errors "$NS_G")))
	ns_g timeout 15 iperf3 -s -1 -B "$G_IN" -p 5201 >"$WORK/iperf-s.out" 2>&1 &
	pid=$!
	wait_for 3 sh -c "ip netns exec $NS_G ss -ltn | grep -q ':5201 '"
	ns_s timeout 10 iperf3 -c "$G_IN" -B "$S_IN" -p 5201 --connect-timeout 3000 \
		-u -b 2M -l 1200 -t 1 -J "$@" >"$WORK/iperf.json" 2>&1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rb1=$(($(rcvbuf_errors "$NS_S") + $(rcvbuf_errors "$NS_G")))
	res=$("$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(s["packets"], s["lost_packets"])' "$WORK/iperf.json" 2>/dev/null) || {
		echo "iperf3 failed:"
		tail -n 5 "$WORK/iperf.json" "$WORK/iperf-s.out"
		return 1
	}
	set -- $res
	echo "$(($1 - $2)) of $1 datagrams arrived; $((rb1 - rb0)) dropped for full socket buffers"
	STREAM_PKTS=$((STREAM_PKTS + $1 - $2))
	[ $(($1 - $2)) -ge 100 ] && { [ $((100 * $2)) -le "$1" ] || [ "$2" -le $((rb1 - rb0)) ]; }
}

counters_match() {
	snap && sacheck counters "$WORK/swan.txt" "$WORK/ours.json" --min-packets "$1" \
		--slack-in $(($(rcvbuf_errors "$NS_G") - RB_G)) \
		--slack-out $(($(rcvbuf_errors "$NS_S") - RB_S)) && return 0
	# where packets went missing: the kernel's UDP counters on both ends
	echo "UDP (/proc/net/snmp), ours:"
	ns_g grep '^Udp:' /proc/net/snmp
	echo "strongSwan's:"
	ns_s grep '^Udp:' /proc/net/snmp
	return 1
}

# traffic LABEL [stream]: pings both ways (+ UDP streams), then counters
traffic() {
	local label=$1
	STREAM_PKTS=0
	RB_G=$(rcvbuf_errors "$NS_G") RB_S=$(rcvbuf_errors "$NS_S")
	check "$label: ping from strongSwan's protected address" ping_s
	check "$label: ping from our protected address" ping_g
	if [ "${2:-}" = stream ]; then
		check "$label: UDP stream strongSwan -> us" udp_stream
		check "$label: UDP stream us -> strongSwan" udp_stream -R
	fi
	# 3 echo requests one way, 3 replies the other, per ping run
	check "$label: byte/packet counters agree with strongSwan's" \
		counters_match $((6 + STREAM_PKTS / 2))
}

auth_name() { case $AUTH in psk) echo PSK ;; ec) echo ECDSA ;; *) echo RSA ;; esac; }
who() { if [ "$1" = sw ]; then echo "strongSwan initiates"; else echo "we initiate"; fi; }

# establish LABEL ROLE [sacheck options]: load the scenario, initiate from
# ROLE, compare the SAs; false when the SA did not come up
establish() {
	local label=$1 role=$2
	shift 2
	clear_sas
	if ! conf_load >"$WORK/conf.out" 2>&1; then
		nok "$label: configurations load"
		sed 's/^/    /' "$WORK/conf.out"
		return 1
	fi
	log_mark
	check "$label: ESTABLISHED/INSTALLED on both sides" initiate "$role" || return 1
	check "$label: state, ids, SPIs, algorithms, selectors, NAT agree" sas_match "$role" \
		--auth "$( [ "$AUTH" = psk ] && echo psk || echo pubkey)" "$@"
	[ "$AUTH" = psk ] ||
		check "$label: strongSwan verified our $(auth_name) signature (RFC 7427)" \
			log_has "authentication of '$ID_G' with $(auth_name)_[A-Z0-9_]+ successful"
}

# ---- groups of checks ----

# both daemons up on a fresh topology, with the test PKI installed
phase() {
	echo "== topology $1"
	net_up "$1" && swan_start && gw_start && pki_install || {
		nok "topology $1: namespaces, charon and palisade-gatewayd start"
		return 1
	}
	scenario_reset
}
# no_drops: nothing strongSwan sent us was refused as malformed, not
# understood or failing its integrity check (stats dropped_by_cause)
no_drops() {
	local c n bad=0
	for c in malformed unsupported integrity; do
		n=$(stat_get "packets.dropped_by_cause.$c") || return 1
		[ "$n" = 0 ] || { echo "dropped as $c: $n" && bad=1; }
	done
	return $bad
}
phase_end() {
	clear_sas
	check "topology $TOPO: no IKE datagram from strongSwan dropped as malformed, unsupported or failing integrity" \
		no_drops
	check "topology $TOPO: palisade-gatewayd stops cleanly on SIGTERM (exit 0, no sanitizer report)" \
		gw_stop_clean
}

# PSK and ECDSA certificates in both roles, with UDP streams
g_basic() {
	local role a
	for a in psk ec; do
		for role in sw gw; do
			scenario_reset
			AUTH=$a
			L="$(auth_name) $TOPO, $(who "$role")"
			establish "$L" "$role" --ike aes256gcm16,-,prfsha256,ecp256 --esp aes256gcm16,- &&
				traffic "$L" stream
		done
	done
}

g_proposals() {
	local spec ike esp want_ike want_esp role
	for spec in "aes256gcm16-prfsha384-x25519 aes256gcm16 aes256gcm16,-,prfsha384,x25519 aes256gcm16,-" \
		"aes128-sha256-modp2048 aes128-sha256 aes128,sha256,prfsha256,modp2048 aes128,sha256" \
		"chacha20poly1305-prfsha256-ecp384 chacha20poly1305 chacha20poly1305,-,prfsha256,ecp384 chacha20poly1305,-"; do
		set -- $spec
		ike=$1 esp=$2 want_ike=$3 want_esp=$4
		for role in sw gw; do
			scenario_reset
			SW_IKE=$ike GW_IKE="\"$ike\"" SW_ESP=$esp GW_ESP="\"$esp\""
			L="proposal $ike/$esp, $(who "$role")"
			establish "$L" "$role" --ike "$want_ike" --esp "$want_esp" && traffic "$L"
		done
	done
}

# The initiator's first proposal guesses ecp256 (its KE payload); the
# responder accepts only x25519 and answers INVALID_KE_PAYLOAD (RFC 7296
# 1.3); the initiator retries with x25519.
g_invalid_ke() {
	scenario_reset
	SW_IKE=aes256gcm16-prfsha256-ecp256-x25519 GW_IKE='"aes256gcm16-prfsha256-x25519"'
	L="INVALID_KE, strongSwan initiates"
	if establish "$L" sw --ike aes256gcm16,-,prfsha256,x25519; then
		check "$L: strongSwan got our INVALID_KE_PAYLOAD asking for x25519 and retried" \
			log_has "peer didn't accept DH group ECP_256, it requested CURVE_25519"
		traffic "$L"
	fi
	scenario_reset
	GW_IKE='"aes256gcm16-prfsha256-ecp256-x25519"' SW_IKE=aes256gcm16-prfsha256-x25519
	L="INVALID_KE, we initiate"
	if establish "$L" gw --ike aes256gcm16,-,prfsha256,x25519; then
		check "$L: strongSwan refused our ecp256 KE, we retried with x25519" \
			log_has "DH group ECP_256 unacceptable, requesting CURVE_25519"
		traffic "$L"
	fi
}

# host-to-host pings on the outer addresses, counted by the transport SA
ping_hosts() {
	ns_s ping -q -c 3 -i 0.2 -W 2 "$G_ADDR" &&
		ns_g ping -q -c 3 -i 0.2 -W 2 "$S_ADDR"
}

subscribe() {
	: >"$WORK/events.json"
	ctl --json subscribe child-up child-down ike-down >"$WORK/events.json" 2>&1 &
	EV_PID=$!
	wait_for 3 sh -c "'$PALISADECTL' --socket '$GW/run/control.sock' --json stats |
		grep -q '\"subscribers\": [1-9]'"
}
unsubscribe() {
	kill "$EV_PID" 2>/dev/null
	wait "$EV_PID" 2>/dev/null
	EV_PID=""
}

# kernel-libipsec has only tunnel mode: strongSwan negotiates transport
# mode but cannot install it ("IPsec SA: unsupported mode"). The exchange
# up to that point is checked; traffic only if its SAs were installed.
# our_child_ok: our transport CHILD SA with the host selectors was up
our_child_ok() {
	sacheck event "$WORK/events.json" child-up child.mode=transport child.encap=true \
		"child.local_ts=[\"$G_ADDR/32\"]" "child.remote_ts=[\"$S_ADDR/32\"]"
}
libipsec_no_transport() { swan_log | grep -q "IPsec SA: unsupported mode"; }

g_transport() {
	local L="transport mode, strongSwan initiates"
	scenario_reset
	MODE=transport
	clear_sas
	conf_load >"$WORK/conf.out" 2>&1 || { nok "$L: configurations load"; return; }
	subscribe
	log_mark
	swan --initiate --child net --ike t --timeout 10 >"$WORK/initiate.out" 2>&1
	sleep 0.5
	if libipsec_no_transport; then
		check "$L: we accepted and installed the transport CHILD SA ($G_ADDR/32 === $S_ADDR/32, ESP in UDP)" \
			wait_for 3 our_child_ok
		check "$L: strongSwan's DELETE for it (kernel-libipsec: unsupported mode) removes ours" \
			wait_for 3 sacheck event "$WORK/events.json" child-down reason=peer-deleted
		check "$L: the IKE SA stays up on both sides, without CHILD SA" \
			wait_for 2 ike_is "ESTABLISHED 0 ESTABLISHED 0"
		skip "$L: traffic (kernel-libipsec has no transport mode, this kernel no ESP for XFRM)"
	else
		check "$L: ESTABLISHED/INSTALLED on both sides" wait_for 3 count_is "1 1"
		check "$L: state, ids, SPIs, algorithms, selectors agree" sas_match sw --mode transport \
			--local-ts "$G_ADDR/32" --remote-ts "$S_ADDR/32"
		RB_G=$(rcvbuf_errors "$NS_G") RB_S=$(rcvbuf_errors "$NS_S")
		check "$L: host-to-host ping both ways" ping_hosts
		check "$L: byte/packet counters agree" counters_match 6
	fi
	unsubscribe

	L="transport mode, we initiate"
	clear_sas
	log_mark
	ctl --timeout 15 initiate t >"$WORK/initiate.out" 2>&1
	if libipsec_no_transport; then
		check "$L: our IKE_AUTH asks for transport mode (strongSwan parsed N(USE_TRANSP))" \
			log_has "parsed IKE_AUTH request 1 \[.*N\(USE_TRANSP\).*\]"
		check "$L: strongSwan's refusal (its data path) fails only the CHILD SA" \
			grep -q "child-failed" "$WORK/initiate.out"
		check "$L: the IKE SA stays up on both sides, without CHILD SA" \
			wait_for 2 ike_is "ESTABLISHED 0 ESTABLISHED 0"
		skip "$L: traffic (kernel-libipsec has no transport mode)"
	else
		check "$L: ESTABLISHED/INSTALLED on both sides" wait_for 3 count_is "1 1"
		check "$L: state, ids, SPIs, algorithms, selectors agree" sas_match gw --mode transport \
			--local-ts "$G_ADDR/32" --remote-ts "$S_ADDR/32"
		RB_G=$(rcvbuf_errors "$NS_G") RB_S=$(rcvbuf_errors "$NS_S")
		check "$L: host-to-host ping both ways" ping_hosts
		check "$L: byte/packet counters agree" counters_match 6
	fi
}

# ike_is "SW_STATE SW_CHILDREN OUR_STATE OUR_CHILDREN" (see sacheck.py state)
ike_is() {
	local have
	snap && have=$(sacheck state "$WORK/swan.txt" "$WORK/ours.json") || return 1
	[ "$have" = "$1" ] && return 0
	echo "IKE state and CHILD SAs (strongSwan, ours): $have, expected $1"
	return 1
}

g_delete() {
	local L="DELETE" spi
	scenario_reset
	if establish "$L (CHILD SA from strongSwan)" sw; then
		spi=$(sacheck get "$WORK/ours.json" children.0.spi_in)
		log_mark
		swan --terminate --child net --ike t --timeout 5 >/dev/null 2>&1
		check "$L: strongSwan deletes the CHILD SA: ours goes, the IKE SA stays" \
			wait_for 3 ike_is "ESTABLISHED 0 ESTABLISHED 0"
		check "$L: we answered with the DELETE for our inbound SPI $spi" \
			log_has "received DELETE for ESP CHILD_SA with SPI $spi"
		swan --terminate --ike t --timeout 5 >/dev/null 2>&1
		check "$L: strongSwan deletes the IKE SA: ours is gone (list-sas empty)" \
			wait_for 3 count_is "0 0"
	fi
	if establish "$L (IKE SA from us)" gw; then
		log_mark
		check "$L: palisadectl terminate answers" ctl terminate t
		check "$L: we delete the IKE SA: swanctl --list-sas shows nothing" \
			wait_for 3 count_is "0 0"
		check "$L: strongSwan received our DELETE" log_has "received DELETE for IKE_SA t\["
	fi
}

stat_get() {
	ctl --json stats | "$PY" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"
}

# DPD (RFC 7296 2.4): the idle side sends empty INFORMATIONAL requests
dpd_sw_ok() {
	log_has -c 2 'sending DPD request' &&
		log_has -c 2 'parsed INFORMATIONAL response [0-9]+ \[ \]' &&
		! log_has 'retransmit' >/dev/null
}
dpd_gw_ok() {
	log_has -c 2 'parsed INFORMATIONAL request [0-9]+ \[ \]' &&
		log_has -c 2 'generating INFORMATIONAL response [0-9]+ \[ \]'
}

g_dpd() {
	local L="DPD" rx0 rx1
	scenario_reset
	SW_EXTRA="dpd_delay = 1s"
	if establish "$L from strongSwan (dpd_delay 1 s)" sw; then
		rx0=$(stat_get packets.rx)
		log_mark
		sleep 3.5
		rx1=$(stat_get packets.rx)
		check "$L: strongSwan sent DPD requests and got our empty answers" dpd_sw_ok
		check "$L: we counted them ($rx0 -> $rx1 IKE packets in)" [ $((rx1 - rx0)) -ge 2 ]
		check "$L: both sides still ESTABLISHED" ike_is "ESTABLISHED 1 ESTABLISHED 1"
	fi
	scenario_reset
	GW_IKE_EXTRA=', "dpd_delay": 1'
	if establish "$L from us (dpd_delay 1)" gw; then
		log_mark
		sleep 3.5
		check "$L: strongSwan answered our empty INFORMATIONAL requests" dpd_gw_ok
		check "$L: no retransmits on our side" [ "$(stat_get packets.retransmits)" = 0 ]
		check "$L: both sides still ESTABLISHED" ike_is "ESTABLISHED 1 ESTABLISHED 1"
		# strongSwan dies without a DELETE: our DPD gives up on it
		subscribe
		kill -KILL "$SWAN_PID"
		wait "$SWAN_PID" 2>/dev/null
		SWAN_PID=""
		check "$L: strongSwan killed: our DPD retransmits give up, the SA goes (ike-down dpd-timeout)" \
			wait_for 15 sacheck event "$WORK/events.json" ike-down reason=dpd-timeout
		check "$L: ... and list-sas is empty" ours_empty
		unsubscribe
		swan_start >/dev/null || nok "$L: charon restarts"
	fi
}
ours_empty() {
	ctl --json list-sas >"$WORK/ours.json" && grep -q '"ike_sas": \[\]' "$WORK/ours.json" && return 0
	cat "$WORK/ours.json"
	return 1
}

# strongSwan rekeys the CHILD SA, then the IKE SA. We answer
# CREATE_CHILD_SA with NO_ADDITIONAL_SAS (no rekeying yet), and strongSwan
# falls back to a reauthentication (a new IKE SA, then DELETE of the old);
# either way one pair must be left, agreeing and carrying traffic.
g_rekey() {
	local what L
	scenario_reset
	establish "rekey" sw || return
	for what in child ike; do
		L="rekey of the $(echo $what | tr a-z A-Z)_SA by strongSwan"
		if [ $what = child ]; then
			check "$L: swanctl --rekey completes" swan --rekey --child net --ike t
		else
			check "$L: swanctl --rekey completes" swan --rekey --ike t
		fi
		check "$L: one IKE SA with one CHILD SA left on both sides" \
			wait_for 5 ike_is "ESTABLISHED 1 ESTABLISHED 1"
		check "$L: state, ids, SPIs, algorithms, selectors, NAT agree" sas_match sw
		traffic "$L"
	done
}

# RFC 7383: RSA 3072 certificates make IKE_AUTH ~1.8 kB, over the 1280
# bytes both sides fragment at; strongSwan with fragmentation = force
g_frag() {
	local role L
	for role in sw gw; do
		scenario_reset
		AUTH=rsa SW_EXTRA="fragmentation = force" GW_IKE_EXTRA=', "fragmentation": true'
		L="fragmentation, $(who "$role")"
		if establish "$L" "$role"; then
			check "$L: strongSwan fragmented its IKE_AUTH and we reassembled it" \
				log_has "splitting IKE message \([0-9]+ bytes\) into [2-9] fragments"
			check "$L: we fragmented ours and strongSwan reassembled it" \
				log_has "received fragment #[0-9]+ of [2-9], reassembled fragmented IKE message"
			traffic "$L"
		fi
	done
}

# drop_first_big: the first UDP datagram over 1000 bytes we send from port
# 4500 is lost (an nft rule in our namespace, removed once it dropped one)
drop_first_big() {
	ns_g nft -f - <<-EOF || return 1
		table inet lossy {
			chain out {
				type filter hook output priority 0;
				udp sport 4500 meta length > 1000 counter drop
			}
		}
	EOF
	(
		for _ in $(seq 100); do
			ns_g nft list table inet lossy 2>/dev/null | grep -q "packets [1-9]" && break
			sleep 0.05
		done
		ns_g nft delete table inet lossy
	) &
	DROP_PID=$!
}

# RFC 7383 2.6.1: the first fragment of our IKE_AUTH response is lost;
# strongSwan retransmits both fragments of its request; we resend our
# response once, for its fragment 1 only.
g_frag_loss() {
	local L="fragmentation, our first response fragment lost" tx0 tx1
	scenario_reset
	AUTH=rsa SW_EXTRA="fragmentation = force" GW_IKE_EXTRA=', "fragmentation": true'
	clear_sas
	conf_load >"$WORK/conf.out" 2>&1 || { nok "$L: configurations load"; return; }
	drop_first_big || { nok "$L: nft drop rule"; return; }
	tx0=$(stat_get packets.tx)
	log_mark
	check "$L: strongSwan retransmits, ESTABLISHED/INSTALLED on both sides" initiate sw
	wait "$DROP_PID"
	sleep 0.5 # a late extra copy of our response would be counted too
	tx1=$(stat_get packets.tx)
	check "$L: strongSwan retransmitted its fragmented request" \
		log_has "retransmit 1 of request with message ID 1"
	check "$L: we answered the retransmission once (IKE_SA_INIT + 2 x 2 fragments sent)" \
		sent_is 5 $((tx1 - tx0))
}
sent_is() {
	[ "$1" = "$2" ] && return 0
	echo "we sent $2 IKE datagrams"
	return 1
}

# keepalives_seen: two 1-byte 0xFF datagrams from us (through the NAT) to
# strongSwan's port 4500 within 5 s
keepalives_seen() {
	ip netns exec "$NS_N" timeout 5 tcpdump -n -i "${P}no" -c 2 \
		"src 10.31.2.254 and udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff"
}

# ---- main ----

groups=${*:-direct proposals invalid-ke transport delete dpd rekey frag nat}
t0=$(date +%s)
check "test PKI (openssl, ECDSA P-256 and RSA 3072)" pki_make || exit 1
if [ -n "$(echo " $groups " | grep -E ' (direct|proposals|invalid-ke|transport|delete|dpd|rekey|frag) ')" ] &&
	phase direct; then
	for g in $groups; do
		tg=$(date +%s)
		case $g in
		direct) g_basic ;;
		proposals) g_proposals ;;
		invalid-ke) g_invalid_ke ;;
		transport) g_transport ;;
		delete) g_delete ;;
		dpd) g_dpd ;;
		rekey) g_rekey ;;
		frag) g_frag; g_frag_loss ;;
		*) continue ;;
		esac
		echo "-- $g: $(($(date +%s) - tg)) s"
	done
	phase_end
fi
if echo " $groups " | grep -q ' nat '; then
	# the initiator behind the NAT: strongSwan, then us
	phase nat-s && {
		for a in psk ec; do
			scenario_reset
			AUTH=$a
			L="$(auth_name), strongSwan behind NAT initiates"
			establish "$L" sw && traffic "$L" stream
		done
		phase_end
	}
	phase nat-g && {
		for a in psk ec; do
			scenario_reset
			AUTH=$a
			L="$(auth_name), we are behind NAT and initiate"
			establish "$L" gw && traffic "$L" stream &&
				check "$L: we send NAT-T keepalives (RFC 3948 4, every 2 s)" keepalives_seen
		done
		phase_end
	}
fi
net_down
if [ "$fail" -gt 0 ]; then
	echo "--- last lines of the logs (KEEP=1 keeps them all)"
	tail -n 25 "$GW/gatewayd.log" | sed 's/^/  gw: /'
	tail -n 25 "$SWAN/charon.log" | sed 's/^/  sw: /'
fi
echo "runtime: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
