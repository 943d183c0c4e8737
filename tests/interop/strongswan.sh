#!/bin/bash
# tests/interop/strongswan.sh: palisade-gatewayd against strongSwan (Debian's
# charon + swanctl, ESP in userspace by kernel-libipsec), each in a network
# namespace of its own, in both roles: PSK and ECDSA certificates, directly
# and with the initiator behind a NAT namespace (nft masquerade); several
# IKE/ESP proposals; an INVALID_KE_PAYLOAD round trip in both roles;
# transport mode; DELETE of IKE and CHILD SAs from either side; DPD in both
# directions; RFC 7383 fragmentation of IKE_AUTH (RSA certificates) in both
# directions. Every established pair is compared crosswise (swanctl
# --list-sas against palisadectl --json list-sas: state, SPIs, ids,
# algorithms, selectors, NAT) and carries ping and a UDP stream both ways,
# with the byte/packet counters of both sides compared.
#
# Usage (root): GATEWAYD=... PALISADECTL=... strongswan.sh [GROUP...]
#   GROUP: direct proposals invalid-ke transport delete dpd frag nat
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
for t in /usr/lib/ipsec/charon swanctl openssl nft iperf3 python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "strongswan.sh: $t not found (run scripts/deps)"
		exit 77
	fi
done

WORK=$(mktemp -d /tmp/palisade-interop.XXXXXX)
. "$HERE/lib.sh"
. "$HERE/pki.sh"
. "$HERE/conf.sh"
. "$HERE/clients.sh"

EV_PID=""
cleanup() {
	[ -z "$EV_PID" ] || kill "$EV_PID" 2>/dev/null
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sacheck() { python3 "$HERE/sacheck.py" "$@"; }
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

ping_s() { ns_s ping -q -c 3 -i 0.2 -W 2 -I "$S_IN" "$G_IN" >/dev/null; }
ping_g() { ns_g ping -q -c 3 -i 0.2 -W 2 -I "$G_IN" "$S_IN" >/dev/null; }

# udp_stream [-R]: 1 s of UDP at 4 Mbit/s from strongSwan's side to ours
# (-R: ours to strongSwan's) through the tunnel; at most 1 % lost. Adds the
# datagrams that arrived to STREAM_PKTS.
udp_stream() {
	local pid res
	ns_g iperf3 -s -1 -B "$G_IN" -p 5201 >"$WORK/iperf-s.out" 2>&1 &
	pid=$!
	wait_for 3 sh -c "ip netns exec $NS_G ss -ltn | grep -q ':5201 '"
	ns_s iperf3 -c "$G_IN" -B "$S_IN" -p 5201 -u -b 4M -l 1200 -t 1 -J "$@" \
		>"$WORK/iperf.json" 2>&1
	wait "$pid" 2>/dev/null
	res=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(s["packets"] - s["lost_packets"], s["lost_percent"])' "$WORK/iperf.json" 2>/dev/null) || {
		echo "iperf3 failed:"
		tail -n 5 "$WORK/iperf.json" "$WORK/iperf-s.out"
		return 1
	}
	set -- $res
	echo "$1 datagrams arrived, $2 % lost"
	STREAM_PKTS=$((STREAM_PKTS + $1))
	[ "$1" -ge 100 ] && python3 -c "import sys; sys.exit(float('$2') > 1.0)"
}

counters_match() {
	snap && sacheck counters "$WORK/swan.txt" "$WORK/ours.json" --min-packets "$1"
}

# traffic LABEL [stream]: pings both ways (+ UDP streams), then counters
traffic() {
	local label=$1
	STREAM_PKTS=0
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
	ns_s ping -q -c 3 -i 0.2 -W 2 "$G_ADDR" >/dev/null &&
		ns_g ping -q -c 3 -i 0.2 -W 2 "$S_ADDR" >/dev/null
}

subscribe() {
	: >"$WORK/events.json"
	ctl --json subscribe child-up child-down >"$WORK/events.json" 2>&1 &
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
			our_child_ok
		check "$L: strongSwan's DELETE for it (kernel-libipsec: unsupported mode) removes ours" \
			sacheck event "$WORK/events.json" child-down reason=peer-deleted
		check "$L: the IKE SA stays up on both sides, without CHILD SA" \
			wait_for 2 ike_is "ESTABLISHED 0 ESTABLISHED 0"
		skip "$L: traffic (kernel-libipsec has no transport mode, this kernel no ESP for XFRM)"
	else
		check "$L: ESTABLISHED/INSTALLED on both sides" wait_for 3 count_is "1 1"
		check "$L: state, ids, SPIs, algorithms, selectors agree" sas_match sw --mode transport \
			--local-ts "$G_ADDR/32" --remote-ts "$S_ADDR/32"
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
	ctl --json stats | python3 -c 'import json,sys; d=json.load(sys.stdin)
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
	fi
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

# ---- main ----

groups=${*:-direct proposals invalid-ke transport delete dpd frag nat}
t0=$(date +%s)
check "test PKI (openssl, ECDSA P-256 and RSA 3072)" pki_make || exit 1
if [ -n "$(echo " $groups " | grep -E ' (direct|proposals|invalid-ke|transport|delete|dpd|frag) ')" ] &&
	phase direct; then
	for g in $groups; do
		tg=$(date +%s)
		case $g in
		direct) g_basic ;;
		proposals) g_proposals; g_clients ;;
		invalid-ke) g_invalid_ke ;;
		transport) g_transport ;;
		delete) g_delete ;;
		dpd) g_dpd ;;
		frag) g_frag ;;
		*) continue ;;
		esac
		echo "-- $g: $(($(date +%s) - tg)) s"
	done
	clear_sas
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
	}
	phase nat-g && {
		for a in psk ec; do
			scenario_reset
			AUTH=$a
			L="$(auth_name), we are behind NAT and initiate"
			establish "$L" gw && traffic "$L" stream
		done
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
