#!/bin/bash
# tests/interop/eap.sh: strongSwan (Debian's charon + swanctl, ESP in
# userspace by kernel-libipsec) as remote-access clients of
# palisade-gatewayd: EAP-MSCHAPv2 and EAP-MD5 against our ECDSA
# certificate (a PEM key), a virtual IP from our pool (strongSwan: vips =
# 0.0.0.0) and two DNS servers (written by charon's resolve plugin), traffic
# from the virtual IP through the tunnel with both sides' counters compared;
# a wrong password refused with each method (our log line and auth-failed
# event with eap-failure); a client insisting on a method we do not allow
# (its Nak refused, named in our log); two clients in two namespaces at once with
# different addresses; a client that reconnects gets its address back;
# both methods again with our key in SoftHSM2.
#
#   client 1 10.31.2.1 --+
#                        +-- bridge in G: palisade-gatewayd 10.31.2.2,
#   client 2 10.31.2.3 --+   protects 10.31.22.0/24 (10.31.22.1 on lo),
#                            pool 10.31.100.0/24
#
# Usage (root): GATEWAYD=... PALISADECTL=... eap.sh [GROUP...]
#   GROUP: mschapv2 md5 mismatch two hsm (default: all; hsm needs
#   PALISADE_HSM and SoftHSM2, else it is skipped). KEEP=1 keeps the work dir.
# Prints ok/FAIL per check and "N passed, N failed"; exits 1 on failure,
# 77 when it cannot run here (not root, strongSwan missing).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
GATEWAYD=${GATEWAYD:?set GATEWAYD to palisade-gatewayd}
PALISADECTL=${PALISADECTL:?set PALISADECTL to palisadectl}

if [ "$(id -u)" != 0 ]; then
	echo "eap.sh: needs root (network namespaces)"
	exit 77
fi
for t in /usr/lib/ipsec/charon swanctl openssl iperf3 python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "eap.sh: $t not found (run scripts/deps)"
		exit 77
	fi
done
for p in eap-mschapv2 eap-md5 eap-identity resolve; do
	if [ ! -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ]; then
		echo "eap.sh: strongSwan plugin $p missing (libcharon-extauth-plugins, libcharon-extra-plugins)"
		exit 77
	fi
done

WORK=$(mktemp -d /tmp/palisade-eap.XXXXXX)
. "$HERE/lib.sh"
. "$HERE/pki.sh"

NS_C1=${P}c1 NS_C2=${P}c2
C_ADDR=([1]=10.31.2.1 [2]=10.31.2.3)
G_ADDR=10.31.2.2
POOL=10.31.100.0/24
DNS1=10.31.22.53 DNS2=10.31.22.54
PW_ALICE=alice-Passw0rd PW_BOB='bob secret 2'
SWAN_PLUGINS="$SWAN_PLUGINS eap-identity eap-md5 eap-mschapv2 resolve"
declare -A CPID=()
EV_PID=""

# ---- clients: one charon per namespace, under $WORK/cN ----

cdir() { echo "$WORK/c$1"; }
ns_c() {
	local n=$1
	shift
	ip netns exec "${P}c$n" "$@"
}
# sw N ARGS...: swanctl against client N's charon
sw() {
	local c
	c=$(cdir "$1")
	shift
	SWANCTL_DIR="$c/conf" STRONGSWAN_CONF="$c/strongswan.conf" \
		swanctl "$@" --uri "unix://$c/charon.vici"
}

client_charon_conf() {
	local c=$1
	cat >"$c/strongswan.conf" <<-EOF
		charon {
			load_modular = no
			load = $(echo $SWAN_PLUGINS)
			retransmit_tries = 2
			retransmit_timeout = 1
			retransmit_base = 1.8
			plugins {
				vici {
					socket = unix://$c/charon.vici
				}
				kernel-libipsec {
					allow_peer_ts = no
				}
				# the DNS servers we hand out land here, not in /etc
				resolve {
					file = $c/resolv.conf
				}
			}
			filelog {
				rw {
					path = $c/charon.log
					time_format = %H:%M:%S
					time_add_ms = yes
					append = yes
					flush_line = yes
					default = 1
					ike = 2
					cfg = 2
					enc = 1
					chd = 2
				}
			}
			syslog {
				daemon {
					default = -1
				}
			}
		}
		swanctl {
			load = pem pkcs1 pkcs8 x509 openssl pubkey random nonce sha1 sha2 aes
			socket = unix://$c/charon.vici
		}
	EOF
}

# client_start N: charon of client N in its namespace (private /run, as
# lib.sh's swan_start)
client_start() {
	local n=$1 c
	c=$(cdir "$n")
	mkdir -p "$c/run" "$c/conf/x509ca"
	: >"$c/resolv.conf"
	cp "$PKI/ec-ca.crt" "$c/conf/x509ca/ec-ca.crt"
	client_charon_conf "$c"
	STRONGSWAN_CONF="$c/strongswan.conf" ip netns exec "${P}c$n" \
		unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$c/run" "$CHARON" \
		</dev/null >>"$c/charon.stdout" 2>&1 &
	CPID[$n]=$!
	wait_for 10 test -S "$c/charon.vici" || {
		tail -20 "$c/charon.stdout" "$c/charon.log"
		return 1
	}
}

client_stop() {
	local n=$1 pid=${CPID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "CPID[$n]"
}

# client_conf N EAP_ID PASSWORD METHOD: connection "rw" of client N,
# asking for a virtual IP; loaded
client_conf() {
	local n=$1 id=$2 pw=$3 method=$4 c
	c=$(cdir "$n")
	cat >"$c/conf/swanctl.conf" <<-EOF
		connections {
			rw {
				version = 2
				local_addrs = ${C_ADDR[$n]}
				remote_addrs = $G_ADDR
				vips = 0.0.0.0
				proposals = aes256gcm16-prfsha256-ecp256
				local {
					auth = $method
					id = $id@interop.test
					eap_id = $id
				}
				remote {
					auth = pubkey
					id = $ID_G
					cacerts = ec-ca.crt
				}
				children {
					net {
						remote_ts = $G_NET
						esp_proposals = aes256gcm16
					}
				}
			}
		}
		secrets {
			eap-$id {
				id = $id
				secret = "$pw"
			}
		}
	EOF
	sw "$n" --load-all --noprompt --file "$c/conf/swanctl.conf" >"$WORK/load.out" 2>&1 || {
		cat "$WORK/load.out"
		return 1
	}
}

# the charon log of client N since its mark
clog_mark() { eval "CMARK_$1=\$(wc -l <\"\$(cdir $1)/charon.log\")"; }
clog() {
	local m
	eval "m=\${CMARK_$1:-0}"
	tail -n "+$((m + 1))" "$(cdir "$1")/charon.log"
}
# clog_has N PATTERN: client N logged PATTERN (extended regex) since the mark
clog_has() {
	clog "$1" | grep -q -E -- "$2" && return 0
	echo "charon log of client $1: no line matching '$2'"
	return 1
}
# glog_has TEXT: our log has TEXT (fixed string) since the mark
glog_mark() { GMARK=$(wc -l <"$GW/gatewayd.log"); }
glog_has() {
	tail -n "+$((GMARK + 1))" "$GW/gatewayd.log" | grep -q -F -- "$1" && return 0
	echo "our log: no line with '$1'"
	return 1
}

# ---- network and gateway ----

rw_net_up() {
	local n
	ns_new "$NS_G" || return 1
	ip -n "$NS_G" link add "${P}br" type bridge
	ip -n "$NS_G" addr add "$G_ADDR/24" dev "${P}br"
	ip -n "$NS_G" link set "${P}br" up
	for n in 1 2; do
		ns_new "${P}c$n" || return 1
		ip link add "${P}c$n" netns "${P}c$n" type veth peer name "${P}g$n" netns "$NS_G"
		ip -n "${P}c$n" addr add "${C_ADDR[$n]}/24" dev "${P}c$n"
		ip -n "${P}c$n" link set "${P}c$n" up
		ip -n "$NS_G" link set "${P}g$n" master "${P}br" up
	done
	ip -n "$NS_G" addr add "$G_IN/32" dev lo
}

rw_net_down() {
	local n
	[ -z "$EV_PID" ] || kill "$EV_PID" 2>/dev/null
	for n in "${!CPID[@]}"; do client_stop "$n"; done
	gw_stop
	for ns in $NS_G $NS_C1 $NS_C2; do ip netns del "$ns" 2>/dev/null; done
	return 0
}

# gw_setup: our certificate, users, pool, then the daemon
gw_setup() {
	local e=$GW/etc
	mkdir -p "$e/cas" "$e/certs" "$e/keys" "$e/conns" && chmod 700 "$e/keys"
	cp "$PKI/ec-ca.crt" "$e/cas/ec-ca.pem"
	cp "$PKI/ec-gw.crt" "$e/certs/ec-gw.pem"
	cp "$PKI/ec-gw.key" "$e/keys/ec-gw.pem"
	chmod 600 "$e/keys/ec-gw.pem"
	cat >"$e/eap-users.json" <<-EOF
		[{"identity": "alice", "password": "$PW_ALICE"},
		 {"identity": "bob", "password": "$PW_BOB"}]
	EOF
	chmod 600 "$e/eap-users.json"
	cat >"$e/pools.json" <<-EOF
		[{"name": "rw", "ranges": ["$POOL"], "dns": ["$DNS1", "$DNS2"]}]
	EOF
	gw_conn eap-mschapv2 && gw_start
}

# gw_conn METHOD: conns/rw.json asking for METHOD (reloaded if running);
# our certificate and key: ec-gw, or GW_CERT and GW_KEY (the token's)
gw_conn() {
	cat >"$GW/etc/conns/rw.json" <<-EOF
		{ "local": { "addrs": ["$G_ADDR"], "id": "$ID_G", "auth": "pubkey",
		             "cert": "${GW_CERT:-ec-gw}", "key": "${GW_KEY:-ec-gw}" },
		  "remote": { "addrs": ["%any"], "id": "%any", "auth": "$1" },
		  "ike": { "proposals": ["aes256gcm16-prfsha256-ecp256"],
		           "retransmit_tries": 2, "retransmit_timeout": 1 },
		  "children": [ { "name": "net", "local_ts": ["$G_NET"],
		                  "remote_ts": ["dynamic"], "esp_proposals": ["aes256gcm16"] } ],
		  "pools": ["rw"] }
	EOF
	[ -z "$GW_PID" ] || ctl reload all >/dev/null
}

# events of the gateway into $WORK/events.json
subscribe() {
	: >"$WORK/events.json"
	ctl --json subscribe >"$WORK/events.json" 2>&1 &
	EV_PID=$!
	wait_for 3 sh -c "'$PALISADECTL' --socket '$GW/run/control.sock' --json stats |
		grep -q '\"subscribers\": [1-9]'"
}
event() { python3 "$HERE/sacheck.py" event "$WORK/events.json" "$@"; }
rw() { python3 "$HERE/rwcheck.py" "$@"; }

# ---- checks ----

# snap N: client N's and our list-sas
snap() {
	sw "$1" --list-sas --pretty >"$WORK/swan$1.txt" 2>&1
	ctl --json list-sas >"$WORK/ours.json" 2>&1
}
# our_count N: we have N IKE SAs
our_count() {
	ctl --json list-sas >"$WORK/ours.json" && [ "$(rw count "$WORK/ours.json")" = "$1" ]
}
client_idle() { ! sw "$1" --list-sas 2>/dev/null | grep -q "^rw: "; }
no_sa() { our_count 0 && client_idle "$1"; }
# vip_gone VIP: none of our SAs has VIP
vip_gone() { ! ctl --json list-sas | grep -q "\"$1\""; }

pair_ok() { # N EAP_ID METHOD VIP
	snap "$1" && rw pair "$WORK/swan$1.txt" "$WORK/ours.json" --eap-id "$2" --method "$3" \
		--vip "$4" --net "$G_NET"
}
counters_ok() { # N EAP_ID MIN
	snap "$1" && rw counters "$WORK/swan$1.txt" "$WORK/ours.json" --eap-id "$2" \
		--min-packets "$3"
}
# route_src N VIP: client N reaches our network from its virtual IP
route_src() {
	ns_c "$1" ip -4 route get "$G_IN" | grep -q "src $2 " || {
		ns_c "$1" ip -4 route get "$G_IN"
		return 1
	}
}
dns_ok() { # N: charon wrote both DNS servers
	local f
	f="$(cdir "$1")/resolv.conf"
	grep -q "^nameserver $DNS1" "$f" && grep -q "^nameserver $DNS2" "$f" || {
		echo "$f:"
		cat "$f"
		return 1
	}
}
# udp_stream N VIP: 1 s of UDP at 2 Mbit/s from client N's virtual IP to
# ours; at most 1 % lost
udp_stream() {
	local pid res
	ns_g iperf3 -s -1 -B "$G_IN" -p 5201 >"$WORK/iperf-s.out" 2>&1 &
	pid=$!
	wait_for 3 sh -c "ip netns exec $NS_G ss -ltn | grep -q ':5201 '"
	ns_c "$1" iperf3 -c "$G_IN" -B "$2" -p 5201 -u -b 2M -l 1000 -t 1 -J >"$WORK/iperf.json" 2>&1
	wait "$pid" 2>/dev/null
	res=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(s["packets"] - s["lost_packets"], s["lost_percent"])' "$WORK/iperf.json" 2>/dev/null) || {
		tail -n 5 "$WORK/iperf.json" "$WORK/iperf-s.out"
		return 1
	}
	set -- $res
	echo "$1 datagrams arrived, $2 % lost"
	[ "$1" -ge 100 ] && python3 -c "import sys; sys.exit(float('$2') > 1.0)"
}

# connect L N EAP_ID PW METHOD VIP: client N dials in with METHOD and
# gets VIP
connect() {
	local l=$1 n=$2 id=$3 pw=$4 method=$5 vip=$6
	check "$l: client $n loads its connection ($method, vips = 0.0.0.0)" \
		client_conf "$n" "$id" "$pw" "$method" || return 1
	clog_mark "$n"
	glog_mark
	check "$l: strongSwan initiates, both sides ESTABLISHED/INSTALLED" eval \
		'sw $n --initiate --child net --ike rw --timeout 10 >"$WORK/initiate.out" 2>&1 ||
		{ tail -n 8 "$WORK/initiate.out"; false; }' || return 1
	check "$l: strongSwan authenticated our certificate, then EAP succeeded" eval \
		'clog_has $n "authentication of .$ID_G. with ECDSA_[A-Z0-9_]+ successful" &&
		clog_has $n "EAP method EAP_$( [ "$method" = eap-md5 ] && echo MD5 || echo MSCHAPV2) succeeded"'
	check "$l: swanctl --list-sas and ours agree: $vip, eap_id $id, SPIs, selectors" \
		pair_ok "$n" "$id" "$method" "$vip"
	check "$l: charon installed $vip and says so" eval \
		'clog_has $n "installing new virtual IP $vip" &&
		ns_c $n ip -4 addr show | grep -q "inet $vip/32"'
	check "$l: charon took our DNS servers $DNS1, $DNS2" eval \
		'clog_has $n "installing DNS server $DNS1" && clog_has $n "installing DNS server $DNS2" &&
		dns_ok $n'
	check "$l: we logged and announced the lease" eval \
		'glog_has "virtual IP $vip leased" &&
		wait_for 2 event lease-assigned addr=$vip identity=$id conn=rw'
	check "$l: the client's route to us has $vip as source" route_src "$n" "$vip"
	check "$l: ping from the client (source $vip by its route)" \
		ns_c "$n" ping -q -c 3 -i 0.2 -W 2 "$G_IN"
	check "$l: ping from our side to $vip" ns_g ping -q -c 3 -i 0.2 -W 2 -I "$G_IN" "$vip"
	check "$l: byte/packet counters agree exactly" counters_ok "$n" "$id" 6
	check "$l: UDP stream from $vip" udp_stream "$n" "$vip"
}

# refused L N EAP_ID METHOD PRETTY: a wrong password for EAP_ID
refused() {
	local l=$1 n=$2 id=$3 method=$4 pretty=$5
	check "$l: client $n loads a wrong password" client_conf "$n" "$id" "wrong-$id" "$method" ||
		return 1
	clog_mark "$n"
	glog_mark
	check "$l: strongSwan's initiate fails" eval \
		'! sw $n --initiate --child net --ike rw --timeout 10 >"$WORK/initiate.out" 2>&1'
	check "$l: we log the reason" \
		glog_has "EAP authentication of '$id' failed: $pretty: wrong password for '$id'"
	check "$l: event auth-failed (peer, $method, eap-failure, eap_id $id)" \
		wait_for 2 event auth-failed direction=peer method="$method" reason=eap-failure \
		remote.eap_id="$id" conn=rw
	check "$l: strongSwan got EAP-Failure with AUTHENTICATION_FAILED" eval \
		'clog_has $n "parsed IKE_AUTH response [0-9]+ \[ EAP/FAIL N\(AUTH_FAILED\) \]" &&
		clog_has $n "received AUTHENTICATION_FAILED notify error"'
	check "$l: no SA left on either side" wait_for 3 no_sa "$n"
}

# terminate L N VIP: client N leaves; we give the lease back
terminate() {
	local l=$1 n=$2 vip=$3
	glog_mark
	check "$l: strongSwan terminates, nothing left of it here" eval \
		'sw $n --terminate --ike rw --timeout 5 >/dev/null 2>&1 && wait_for 3 client_idle $n &&
		wait_for 3 vip_gone $vip'
	check "$l: we logged the lease $vip given back" wait_for 2 glog_has "virtual IP $vip released"
}

# ---- groups ----

g_method() {
	local m=$1 method=eap-$1 pretty=$2
	gw_conn "$method"
	connect "$m" 1 alice "$PW_ALICE" "$method" 10.31.100.1 &&
		terminate "$m" 1 10.31.100.1
	refused "$m/wrong-password" 1 alice "$method" "$pretty"
}

# the client insists on EAP-MD5 where we allow EAP-MSCHAPv2 only: its Nak
# gets EAP-Failure, our log says what it wanted
g_mismatch() {
	local l=mismatch
	gw_conn eap-mschapv2
	check "$l: client 1 loads its connection (eap-md5)" \
		client_conf 1 alice "$PW_ALICE" eap-md5 || return
	clog_mark 1
	glog_mark
	check "$l: strongSwan's initiate fails" eval \
		'! sw 1 --initiate --child net --ike rw --timeout 10 >"$WORK/initiate.out" 2>&1'
	check "$l: strongSwan asked for EAP-MD5 with a Nak" \
		clog_has 1 "requesting EAP_MD5 authentication, sending EAP_NAK"
	check "$l: we log what it proposed and what is allowed" glog_has \
		"EAP authentication of 'alice' failed: EAP client 'alice' refused EAP-MSCHAPv2 and proposed only types [4]; allowed: eap-mschapv2"
	check "$l: event auth-failed (peer, eap-mschapv2, eap-failure)" wait_for 2 event \
		auth-failed direction=peer method=eap-mschapv2 reason=eap-failure remote.eap_id=alice
	check "$l: no SA left on either side" wait_for 3 no_sa 1
}

# two clients at once (alice and bob), different addresses; alice leaves
# and comes back to her address, not the next free one
g_two() {
	gw_conn eap-mschapv2
	connect "two/alice" 1 alice "$PW_ALICE" eap-mschapv2 10.31.100.1 || return
	connect "two/bob" 2 bob "$PW_BOB" eap-mschapv2 10.31.100.2 || return
	check "two: we have both, at different addresses" eval \
		'our_count 2 && [ "$(rw vips "$WORK/ours.json")" = "10.31.100.1 10.31.100.2" ]'
	terminate "two/alice" 1 10.31.100.1
	check "two: bob's SA stays" eval 'our_count 1 && pair_ok 2 bob eap-mschapv2 10.31.100.2'
	connect "two/alice again" 1 alice "$PW_ALICE" eap-mschapv2 10.31.100.1
	check "two: both up again, at the same addresses" eval \
		'our_count 2 && [ "$(rw vips "$WORK/ours.json")" = "10.31.100.1 10.31.100.2" ]'
}

# The gateway's key in SoftHSM2 (scripts/hsm-init: generated in the token,
# its certificate from ec-ca): both methods again, strongSwan verifying
# the signature the token made. Skipped without PALISADE_HSM or SoftHSM2.
g_hsm() {
	local module=/usr/lib/softhsm/libsofthsm2.so hsm=$WORK/hsm
	if [ -z "${PALISADE_HSM:-}" ] || [ ! -e "$module" ] || ! command -v softhsm2-util >/dev/null; then
		echo "hsm: skipped (PALISADE_HSM unset or SoftHSM2 missing)"
		return 0
	fi
	check "hsm: a token with our key (scripts/hsm-init, EC P-256, certificate from ec-ca)" eval \
		'PALISADE_HSM=$PALISADE_HSM "$HERE/../../scripts/hsm-init" --dir "$hsm" \
		--ca-cert "$PKI/ec-ca.crt" --ca-key "$PKI/ec-ca.key" --cn "$ID_G" \
		--label pal-eap --type ec-p256 >/dev/null &&
		cp "$hsm/$ID_G.crt" "$GW/etc/certs/hsm-gw.pem"' || return
	export SOFTHSM2_CONF=$hsm/softhsm2.conf
	GW_CERT=hsm-gw GW_KEY="pkcs11:token=pal-eap;object=gw-key;type=private"
	GW_EXTRA=", \"pkcs11\": { \"module\": \"$module\", \"pin_file\": \"$hsm/hsm.pin\",
		\"require_non_extractable\": true }"
	kill "$EV_PID" 2>/dev/null
	gw_stop
	check "hsm: palisade-gatewayd restarts with the key in the token" eval \
		'gw_conn eap-mschapv2 && gw_start && subscribe' || return
	check "hsm: palisadectl hsm lists the token" eval 'ctl hsm | grep -q pal-eap'
	connect "hsm/mschapv2" 1 alice "$PW_ALICE" eap-mschapv2 10.31.100.1 &&
		terminate "hsm/mschapv2" 1 10.31.100.1
	gw_conn eap-md5
	connect "hsm/md5" 1 alice "$PW_ALICE" eap-md5 10.31.100.1 &&
		terminate "hsm/md5" 1 10.31.100.1
	check "hsm: the token made the signatures (one per IKE_AUTH), none failed" eval \
		'ctl --json hsm | python3 -c "
import json, sys
t = [x for x in json.load(sys.stdin)[\"tokens\"] if x[\"label\"] == \"pal-eap\"][0]
sys.exit(0 if t[\"state\"] == \"ready\" and t[\"signatures\"] >= 2 and t[\"failures\"] == 0 else 1)"'
}

# ---- main ----

cleanup() {
	rw_net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

groups=${*:-mschapv2 md5 mismatch two hsm}
t0=$(date +%s)
check "test PKI (openssl, ECDSA P-256)" eval \
	'mkdir -p "$PKI" && chmod 700 "$PKI" && pki_ca ec && pki_ee ec gw "$ID_G"' || exit 1
if check "namespaces, palisade-gatewayd and two charons start" eval \
	'rw_net_up && gw_setup && client_start 1 && client_start 2 && subscribe'; then
	for g in $groups; do
		tg=$(date +%s)
		case $g in
		mschapv2) g_method mschapv2 EAP-MSCHAPv2 ;;
		md5) g_method md5 EAP-MD5 ;;
		mismatch) g_mismatch ;;
		two) g_two ;;
		hsm) g_hsm ;;
		*) continue ;;
		esac
		echo "-- $g: $(($(date +%s) - tg)) s"
	done
fi
if [ "$fail" -gt 0 ]; then
	echo "--- last lines of the logs (KEEP=1 keeps them all)"
	tail -n 25 "$GW/gatewayd.log" | sed 's/^/  gw: /'
	for n in 1 2; do tail -n 15 "$(cdir $n)/charon.log" 2>/dev/null | sed "s/^/  c$n: /"; done
fi
rw_net_down
echo "runtime: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
