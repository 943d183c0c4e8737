#!/bin/bash
# ike.sh: two palisade-gatewayd in network namespaces (root), userspace
# data path. IKE and CHILD SAs with PSK, ECDSA P-256/P-384 and RSA
# certificates with an intermediate CA (sent by the peer, or in cas/), in
# tunnel and transport mode, with pings and UDP streams and exact counters
# from `palisadectl --json list-sas` on both sides; the initiator behind a
# NAT namespace (NAT-D, port 4500 with the non-ESP marker, ESP in UDP,
# keepalives, read from a capture with tshark); 20% loss of IKE packets;
# refusals (wrong PSK, untrusted CA, expired certificate, identity
# mismatch, no common IKE or ESP proposal, TS_UNACCEPTABLE) with their
# notify, log lines, events, counters and no state left; and a flood of
# spoofed IKE_SA_INITs against cookie_threshold 10. The PKI is made with
# openssl at every run.
# Usage: GATEWAYD=... PALISADECTL=... ike.sh [TEST...]   (KEEP=1 keeps the
# work dir; TEST: psk transport ecdsa rsa nat loss fail cookie)
# Prints "N passed, N failed"; exits non-zero on failure.
set -u

GATEWAYD=${GATEWAYD:?set GATEWAYD to palisade-gatewayd}
PALISADECTL=${PALISADECTL:?set PALISADECTL to palisadectl}
HERE=$(cd "$(dirname "$0")" && pwd)
P=pik$$
WORK=$(mktemp -d /tmp/ike_it.XXXXXX)
. "$HERE/ike_lib.sh"
. "$HERE/ike_pki.sh"

cleanup() {
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	echo "ike.sh: needs root (network namespaces)"
	exit 77
fi

# established NAME MODE SRC DST HDR: initiate from A, the SA pair, traffic
# from SRC (A) to DST (B), exact counters.
established() {
	local name=$1 mode=$2 src=$3 dst=$4 hdr=$5
	check "$name: initiate succeeds" q ctl a initiate ab
	check "$name: both sides ESTABLISHED/INSTALLED, SPIs and ids crosswise" sa_pair_ok "$mode"
	check "$name: ping and a UDP stream through the tunnel" traffic "$src" "$dst" 3 20 300
	check "$name: exact packet and byte counters on both sides" counters_ok "$hdr" 3 20 300
}

# pair_new: fresh config directories for A and B on the current topology.
pair_new() {
	cfg_new a
	cfg_new b
	settings a "$A_IP" "${1:-}"
	settings b "$B_IP" "${2:-}"
}

psk_logs_ok() {
	local c=ike_sas.0.children.0
	log_has a "IKE_SA ab established with 'b.test' ($IKE_DEF)" &&
		log_has b "IKE_SA ba established with 'a.test' ($IKE_DEF)" &&
		log_has a "CHILD_SA net{$(get a sas $c.uid)} established, aes128gcm16-noesn, SPIs $(get a sas $c.spi_in)_i $(get a sas $c.spi_out)_o, tunnel"
}

t_psk() {
	net_direct
	pair_new
	conn_a
	conn_b
	gw_pair || return
	established "psk/tunnel" tunnel 10.1.0.1 10.2.0.1 20
	check "psk/tunnel: algorithms, auth, no NAT, ports in list-sas" both \
		ike_sas.0.ike.proposal=$IKE_DEF ike_sas.0.ike.encr=aes256gcm16 \
		ike_sas.0.ike.integ=null ike_sas.0.ike.prf=prfsha256 ike_sas.0.ike.dh=x25519 \
		ike_sas.0.children.0.esp.encr=aes128gcm16 ike_sas.0.children.0.esp.integ=null \
		ike_sas.0.local.auth=psk ike_sas.0.remote.auth=psk ike_sas.0.nat.local=false \
		ike_sas.0.nat.remote=false ike_sas.0.local.port=500 ike_sas.0.remote.port=500 \
		ike_sas.0.children.0.encap=false ike_sas.0.children.0.protocol=esp
	check "psk/tunnel: A's ids and selectors" expect a sas ike_sas.0.local.id=a.test \
		ike_sas.0.local.id_type=fqdn ike_sas.0.remote.id=b.test ike_sas.0.remote.addr=$B_IP \
		ike_sas.0.children.0.local_ts.0=10.1.0.1/32 ike_sas.0.children.0.remote_ts.0=10.2.0.1/32
	check "psk/tunnel: logs name the peer, the proposal and the CHILD SA" psk_logs_ok
	check "psk/tunnel: terminate removes both sides' SAs" \
		eval 'ctl a terminate ab >/dev/null && sleep 0.3 && no_state a b'
}

# Transport mode between the two gateways' own addresses. With raw ESP
# the userspace data path routes the gateways' IKE packets on port 500
# into the TUN as soon as the responder installed its SAs (only the NAT-T
# sockets bypass the selector routes), so the IKE_AUTH answer never
# arrives: encap forces IKE onto 4500 and ESP into UDP.
t_transport() {
	net_direct
	pair_new
	conn_a child.mode=transport child.local_ts=dynamic child.remote_ts=dynamic ike.encap=true
	conn_b child.mode=transport child.local_ts=dynamic child.remote_ts=dynamic
	gw_pair || return
	established "psk/transport" transport "$A_IP" "$B_IP" 0
	check "psk/transport: host selectors" expect a sas \
		ike_sas.0.children.0.local_ts="[\"$A_IP/32\"]" \
		ike_sas.0.children.0.remote_ts="[\"$B_IP/32\"]"
	check "psk/transport: forced encapsulation, both on 4500" both \
		ike_sas.0.children.0.encap=true ike_sas.0.local.port=4500 ike_sas.0.remote.port=4500
	check "psk/transport: A forced it, B sees a NAT in front of A" eval \
		'log_has a "UDP encapsulation forced, moving to the NAT-T port" &&
		expect a sas ike_sas.0.nat.encap_forced=true ike_sas.0.nat.local=false &&
		expect b sas ike_sas.0.nat.remote=true ike_sas.0.nat.local=false'
	stop_all
}

# pubkey_pair CERT_A CERT_B CA IKE ESP [FILE_A FILE_B]: certificates on
# both sides, each trusting CA.
pubkey_pair() {
	pair_new
	cred a "$1" ${6:+"$6"}
	cred b "$2" ${7:+"$7"}
	conn_a local.auth=pubkey local.cert="$1" local.key="$1" remote.auth=pubkey \
		remote.ca="$3" ike.proposals="$4" child.esp_proposals="$5" psk=
	conn_b local.auth=pubkey local.cert="$2" local.key="$2" remote.auth=pubkey \
		remote.ca="$3" ike.proposals="$4" child.esp_proposals="$5" psk=
}

t_ecdsa() {
	net_direct
	pubkey_pair a256 b256 p256ca aes128gcm16-prfsha256-ecp256 aes128gcm16
	ca a p256ca
	ca b p256ca
	gw_pair || return
	established "ecdsa-p256" tunnel 10.1.0.1 10.2.0.1 20
	check "ecdsa-p256: algorithms and pubkey auth" both ike_sas.0.ike.dh=ecp256 \
		ike_sas.0.ike.prf=prfsha256 ike_sas.0.local.auth=pubkey ike_sas.0.remote.auth=pubkey
	stop_all

	pubkey_pair a384 b384 p384ca aes256gcm16-prfsha384-ecp384 aes256gcm16
	ca a p384ca
	ca b p384ca
	gw_pair || return
	established "ecdsa-p384" tunnel 10.1.0.1 10.2.0.1 20
	check "ecdsa-p384: algorithms" both ike_sas.0.ike.dh=ecp384 ike_sas.0.ike.prf=prfsha384 \
		ike_sas.0.ike.encr=aes256gcm16 ike_sas.0.children.0.esp.encr=aes256gcm16
	stop_all
}

t_rsa() {
	local dn_a="O=Palisade Test, CN=a.test" dn_b="O=Palisade Test, CN=b.test"
	net_direct
	# the intermediate comes from the peer (certs/ holds leaf + intermediate,
	# cas/ the root only); identities are the certificates' subjects
	pair_new
	cred a arsa
	cred b brsa
	conn_a local.auth=pubkey local.cert=arsa local.key=arsa local.id= remote.auth=pubkey \
		remote.ca=rsaca remote.id="$dn_b" ike.proposals=aes256-sha256-modp2048 \
		child.esp_proposals=aes256-sha256 psk=
	conn_b local.auth=pubkey local.cert=brsa local.key=brsa local.id= remote.auth=pubkey \
		remote.ca=rsaca remote.id="$dn_a" ike.proposals=aes256-sha256-modp2048 \
		child.esp_proposals=aes256-sha256 psk=
	ca a rsaca
	ca b rsaca
	gw_pair || return
	established "rsa/intermediate-sent" tunnel 10.1.0.1 10.2.0.1 20
	check "rsa/intermediate-sent: CBC+HMAC algorithms" both ike_sas.0.ike.encr=aes256 \
		ike_sas.0.ike.integ=sha256 ike_sas.0.ike.dh=modp2048 \
		ike_sas.0.children.0.esp.encr=aes256 ike_sas.0.children.0.esp.integ=sha256
	check "rsa/intermediate-sent: DN identities from the certificates" expect a sas \
		ike_sas.0.local.id="$dn_a" ike_sas.0.local.id_type=der_asn1_dn \
		ike_sas.0.remote.id="$dn_b" ike_sas.0.remote.id_type=der_asn1_dn
	stop_all

	# the intermediate is in cas/, the peers send their leaf only
	cred a arsa arsa.pem
	cred b brsa brsa.pem
	ca a rsaint
	ca b rsaint
	gw_pair || return
	established "rsa/intermediate-in-cas" tunnel 10.1.0.1 10.2.0.1 20
	stop_all

	# neither sent nor in cas/: B cannot build the chain
	rm "$WORK/b/cas/rsaint.pem"
	gw_pair || return
	check "rsa/no-intermediate: refused" eval '! ctl a initiate ab >/dev/null 2>&1'
	check "rsa/no-intermediate: B says which issuer is missing" log_has b \
		"unable to get issuer certificate 'O=Palisade Test, CN=RSA Intermediate' of 'O=Palisade Test, CN=a.test'"
	stop_all
}

# tshark_count FILTER: packets of the NAT capture that match ("error" if
# tshark refuses the filter, so that no check passes on a typo)
tshark_count() {
	local out
	out=$(tshark -r "$WORK/nat.pcap" -Y "$1" 2>"$WORK/tshark.err") || {
		echo error
		return
	}
	[ -z "$out" ] && echo 0 || echo "$out" | wc -l
}

# The initiator behind a masquerading NAT namespace.
t_nat() {
	local n tp ka gaps nat=10.30.0.254
	net_nat
	pair_new '"nat_keepalive": 2'
	conn_a
	conn_b
	gw_pair || return
	ip netns exec "$NSB" tcpdump -U -n -i ${P}vb -w "$WORK/nat.pcap" udp >/dev/null 2>"$WORK/tcpdump.err" &
	tp=$!
	PID[tcpdump]=$tp
	for _ in $(seq 50); do
		grep -q "listening on" "$WORK/tcpdump.err" && break
		sleep 0.1
	done
	established "nat" tunnel 10.1.0.1 10.2.0.1 20
	check "nat: A knows it is behind a NAT, B that A is" eval \
		'expect a sas ike_sas.0.nat.local=true ike_sas.0.nat.remote=false &&
		expect b sas ike_sas.0.nat.local=false ike_sas.0.nat.remote=true'
	check "nat: both on port 4500, B sees the NAT's address, ESP in UDP" eval \
		'both ike_sas.0.local.port=4500 ike_sas.0.remote.port=4500 ike_sas.0.children.0.encap=true &&
		expect b sas ike_sas.0.remote.addr=$nat && expect a sas ike_sas.0.local.addr=$A_IP'
	check "nat: the logs say so" eval \
		'log_has b "IKE_SA_INIT answered ($IKE_DEF), peer behind NAT" &&
		log_has a "NAT detected: we are behind a NAT, moving to the NAT-T port" &&
		log_has b "peer moved to the NAT-T port, so do we" &&
		log_has a "established with '"'"'b.test'"'"' ($IKE_DEF), NAT-T" &&
		log_has b "established with '"'"'a.test'"'"' ($IKE_DEF), NAT-T"'
	sleep 4.5 # two keepalive intervals at least
	# on a loaded machine tcpdump lags behind: let it write out what the
	# kernel has queued for it (the file stops growing) before it stops
	last=-1
	for _ in $(seq 20); do
		size=$(stat -c %s "$WORK/nat.pcap" 2>/dev/null || echo 0)
		[ "$size" = "$last" ] && break
		last=$size
		sleep 0.5
	done
	kill -TERM $tp # (background jobs ignore SIGINT)
	wait $tp 2>/dev/null
	unset "PID[tcpdump]"
	check "nat: IKE_SA_INIT on port 500" [ "$(tshark_count 'udp.port == 500 && isakmp.exchangetype == 34')" = 2 ]
	check "nat: IKE_AUTH on 4500 behind the non-ESP marker" eval \
		'[ "$(tshark_count "udp.port == 500 && isakmp.exchangetype == 35")" = 0 ] &&
		[ "$(tshark_count "udp.port == 4500 && isakmp.exchangetype == 35 && udpencap.non_esp_marker && udp.length == isakmp.length + 12")" = 2 ]'
	n=$(tshark_count 'udp.port == 4500 && esp')
	check "nat: ESP in UDP on 4500, one datagram per packet ($n, want 26)" [ "$n" = 26 ]
	ka="ip.src == $nat && udp.srcport == 4500 && udp.dstport == 4500 && udpencap.nat_keepalive"
	ka="$ka && udp.length == 9 && udp.payload == \"\\xff\""
	n=$(tshark_count "$ka")
	gaps=$(tshark -r "$WORK/nat.pcap" -Y "$ka" -T fields -e frame.time_relative 2>/dev/null |
		awk 'NR > 1 { d = $1 - t; if (d < 1.5 || d > 3.5) bad++ } { t = $1 } END { print bad + 0 }')
	check "nat: keepalives of one 0xFF byte from A, every 2 s ($n, $gaps off time)" \
		[ "$n" != error -a "$n" -ge 2 -a "$gaps" = 0 ]
	check "nat: nothing but IKE, ESP and keepalives on 4500" \
		[ "$(tshark_count 'udp.port == 4500 && !isakmp && !esp && !udpencap.nat_keepalive')" = 0 ]
	stop_all
}

# 20% of the IKE datagrams lost in each direction (nft in B, on the
# path of everything A and B say on 500/4500): retransmission still gets
# both SAs up, every time.
LOSS_RUNS=6
t_loss() {
	local i t0 t1 ok_n=0 rtx=0 drops
	net_direct
	pair_new
	# 8 retransmits: a round trip fails with p = 0.36, an exchange with 0.36^9
	conn_a ike.retransmit_timeout=0.5 ike.retransmit_tries=8
	conn_b ike.retransmit_timeout=0.5 ike.retransmit_tries=8
	ip netns exec "$NSB" nft -f - <<-EOF
		table inet loss {
			chain in {
				type filter hook input priority -10;
				udp dport { 500, 4500 } numgen random mod 5 == 0 counter drop
			}
			chain out {
				type filter hook output priority -10;
				udp sport { 500, 4500 } numgen random mod 5 == 0 counter drop
			}
		}
	EOF
	for i in $(seq $LOSS_RUNS); do
		gw_pair || return
		t0=$(date +%s.%N)
		q ctl a initiate ab
		t1=$(date +%s.%N)
		sa_pair_ok tunnel && ok_n=$((ok_n + 1))
		rtx=$((rtx + $(get a stats packets.retransmits) + $(get b stats packets.retransmits)))
		echo "  run $i: initiate took $(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s"
		stop_all
	done
	drops=$(ip netns exec "$NSB" nft list table inet loss | grep -o 'packets [0-9]*' |
		awk '{s += $2} END {print s}')
	check "loss: ESTABLISHED in $ok_n of $LOSS_RUNS runs ($drops datagrams dropped, $rtx retransmits)" \
		[ $ok_n = $LOSS_RUNS ]
}

# refusal NAME CODE REASON_A REASON_B: start the pair, initiate (it must
# fail with CODE), the failed_by_reason counters of both sides.
refusal() {
	gw_pair || return
	subscribe a
	subscribe b
	ctl a initiate ab >/dev/null 2>"$WORK/init.err"
	check "$1: initiate fails with $2" grep -q "^palisadectl: $2: " "$WORK/init.err"
	snap a
	snap b
	check "$1: failed_by_reason: A $3, B $4" eval \
		"expect a stats setups.failed_by_reason.$3=1 setups.failed=1 setups.ok=0 &&
		expect b stats setups.failed_by_reason.$4=1 setups.failed=1 setups.ok=0"
	check "$1: no state left on either side" no_state a b
}

# child_refusal NAME A_LOG B_LOG: the IKE SA is up, its CHILD SA refused.
child_refusal() {
	gw_pair || return
	ctl a initiate ab >/dev/null 2>"$WORK/init.err"
	check "$1: initiate fails with child-failed" grep -q "^palisadectl: child-failed: " "$WORK/init.err"
	check "$1: A says why" log_has a "$2"
	check "$1: B tells the admin why" log_has b "$3"
	snap a
	snap b
	check "$1: the IKE SA stays up on both sides, without a CHILD SA" eval \
		'both ike_sas.#=1 ike_sas.0.state=ESTABLISHED ike_sas.0.children.#=0 &&
		expect a stats ike_sas.half_open=0 child_sas.total=0 setups.ok=1 setups.failed=0 &&
		expect b stats ike_sas.half_open=0 child_sas.total=0 setups.ok=1 setups.failed=0'
	stop_all
}

# cert_refusal NAME CERT_A B_LOG REASON: A authenticates with CERT_A (its
# own cert and key), B trusts p256ca only; B refuses with AUTHENTICATION_FAILED.
cert_refusal() {
	pubkey_pair "$2" b256 p256ca $IKE_DEF $ESP_DEF
	ca a p256ca
	ca b p256ca
	refusal "$1" auth-failed authentication-failed authentication-failed
	check "$1: A: responder refused IKE_AUTH: AUTHENTICATION_FAILED" \
		log_has a "responder refused IKE_AUTH: AUTHENTICATION_FAILED"
	check "$1: B tells the admin why" log_has b "authentication of a.test failed: $3"
	check "$1: events auth-failed on both sides" eval \
		"event a auth-failed direction=local reason=peer-refused &&
		event b auth-failed direction=peer method=pubkey reason=$4 remote.addr=$A_IP"
	stop_all
}

t_fail() {
	net_direct
	pair_new
	conn_a psk=not-the-psk-of-b-0123456789
	conn_b
	refusal wrong-psk auth-failed authentication-failed authentication-failed
	check "wrong-psk: A: responder refused IKE_AUTH: AUTHENTICATION_FAILED" \
		log_has a "IKE SA setup failed (authentication-failed): responder refused IKE_AUTH: AUTHENTICATION_FAILED"
	check "wrong-psk: B tells the admin why" \
		log_has b "authentication of a.test failed: pre-shared key AUTH does not verify (wrong PSK?)"
	check "wrong-psk: events auth-failed and ike-failed on both sides" eval \
		"event a auth-failed direction=local method=psk reason=peer-refused &&
		event a ike-failed reason=authentication-failed role=initiator conn=ab &&
		event b auth-failed direction=peer method=psk reason=psk-mismatch &&
		event b ike-failed reason=authentication-failed role=responder"
	stop_all

	cert_refusal untrusted-ca aevil \
		"unable to get issuer certificate 'O=Palisade Test, CN=Evil Root' of" cert-untrusted
	cert_refusal expired-cert aexp "certificate 'O=Palisade Test, CN=a.test' expired on" \
		cert-expired
	cert_refusal id-mismatch aother \
		"identity 'a.test' not in certificate (subjectAltName: DNS:other.test)" id-mismatch

	pair_new
	conn_a ike.proposals=aes128-sha256-modp2048
	conn_b
	refusal no-ike-proposal ike-failed no-proposal-chosen no-proposal-chosen
	check "no-ike-proposal: A: responder refused IKE_SA_INIT: NO_PROPOSAL_CHOSEN" \
		log_has a "responder refused IKE_SA_INIT: NO_PROPOSAL_CHOSEN"
	check "no-ike-proposal: B tells the admin what was offered and what it allows" log_has b \
		"$A_IP[500]: IKE_SA_INIT refused: no connection accepts the offered proposals (aes128-sha256-prfsha256-modp2048); allowed here: $IKE_DEF"
	check "no-ike-proposal: event ike-failed on A" \
		event a ike-failed reason=no-proposal-chosen role=initiator
	stop_all

	pair_new
	conn_a child.esp_proposals=aes128gcm16
	conn_b child.esp_proposals=aes256-sha256
	child_refusal no-esp-proposal "CHILD_SA net failed: NO_PROPOSAL_CHOSEN" \
		"no CHILD_SA: NO_PROPOSAL_CHOSEN (no common ESP proposal: offered aes128gcm16-noesn; allowed here: aes256-sha256)"

	pair_new
	conn_a child.remote_ts=10.9.0.0/24
	conn_b
	child_refusal ts-unacceptable "CHILD_SA net failed: TS_UNACCEPTABLE" \
		"no CHILD_SA: TS_UNACCEPTABLE (the proposed traffic selectors fit no child)"
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# cookie_threshold 10 and a flood of 1,000 IKE_SA_INITs from spoofed
# sources of 10.99.0.0/16 (500 at once, 500 over 2.5 s), sent from A's
# namespace through a raw socket; B routes that network back to A, whose kernel drops the answers (no
# forwarding): nothing leaves the namespaces. The legitimate initiator A
# gets a COOKIE, retries with it, and gets in.
FLOOD=1000
t_cookie() {
	local i h ip max=0 samples=0 rss0 rss1 fp sent
	net_direct
	pair_new "" '"cookie_threshold": 10'
	conn_a
	conn_b
	ip -n "$NSB" route add 10.99.0.0/16 via "$A_IP"
	gw_pair || return
	rss0=$(rss_kb "${PID[b]}")
	# half at once (a burst must not slip past the gate before the
	# workers count it), half over 2.5 s (sampled)
	(
		ip netns exec "$NSA" $HELPER flood "$B_IP" 500 $((FLOOD / 2)) 10.99.0.0/16 0
		ip netns exec "$NSA" $HELPER flood "$B_IP" 500 $((FLOOD / 2)) 10.99.0.0/16 2.5
	) >"$WORK/flood.out" &
	fp=$!
	PID[flood]=$fp
	# sample the half-open gauge while the flood runs; A dials in once the
	# gate is closed (or when the flood is over: its half-open SAs stay
	# for 30 s, cookies are still required then)
	ip=""
	for i in $(seq 60); do
		sleep 0.25
		h=$(ctl b --json stats | sed -n 's/^ *"half_open": \([0-9]*\).*/\1/p')
		[ -n "$h" ] && samples=$((samples + 1)) && [ "$h" -gt "$max" ] && max=$h
		if [ -z "$ip" ] && [ "${h:-0}" -ge 10 ] || ! kill -0 $fp 2>/dev/null; then
			[ -n "$ip" ] || {
				"$PALISADECTL" --socket "$WORK/a/run/control.sock" initiate ab \
					>"$WORK/init.out" 2>&1 &
				ip=$!
			}
		fi
		kill -0 $fp 2>/dev/null || break
	done
	wait $fp $ip
	unset "PID[flood]"
	sent=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/flood.out")
	snap a
	snap b
	rss1=$(rss_kb "${PID[b]}")
	check "cookie: $sent spoofed IKE_SA_INITs sent" [ "$sent" = $FLOOD ]
	check "cookie: half-open SAs stay <= 10 + 2 during the flood (max $max in $samples samples)" \
		[ "$samples" -ge 5 -a "$max" -le 12 -a "$max" -ge 10 ]
	# a datagram the kernel dropped on a full receive buffer is counted
	# (socket-overflow); the 4 MiB buffer holds the burst
	check "cookie: B answered the flood with COOKIE ($(get b stats cookies_sent) sent, $(get b stats packets.dropped_by_cause.socket-overflow) lost to a full socket buffer)" \
		[ "$(get b stats cookies_sent)" -ge $((FLOOD - 12)) ]
	check "cookie: A was asked for a cookie and retried" \
		log_has a "responder asks for a cookie, retrying"
	check "cookie: A got in: ESTABLISHED with its CHILD SA on both sides" eval \
		'grep -q "ESTABLISHED" "$WORK/init.out" &&
		expect a sas ike_sas.#=1 ike_sas.0.state=ESTABLISHED ike_sas.0.children.0.state=INSTALLED &&
		expect b stats ike_sas.established=1 child_sas.installed=1 setups.ok=1'
	check "cookie: the tunnel carries traffic" q nsa ping -c 2 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1
	check "cookie: B's memory stays bounded (RSS $rss0 -> $rss1 KiB)" \
		eval '[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 8192 ]'
	stop_all
}

tests=${*:-psk transport ecdsa rsa nat loss fail cookie}
echo "== making the test PKI"
mkdir -p "$WORK/pki"
pki_make "$WORK/pki"
for t in $tests; do
	echo "== $t"
	"t_$t"
	stop_all
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
