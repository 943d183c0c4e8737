#!/usr/bin/env bash
# capture.sh: record the IKEv2 test vectors in this folder from real
# strongSwan charons (Debian 12, strongSwan 5.9.8) talking to each other in
# two network namespaces. This documents where the frozen files came from;
# the unit tests only read the files and never run this script (it needs
# root, network namespaces, tcpdump and strongSwan).
#
# Usage (as root):
#   tests/vectors/strongswan/capture.sh [SCENARIO...]     (default: all)
#   SCENARIO: psk-gcm psk-cbc cert-ecdsa psk-chacha cert-rsa-frag
# Each run replaces <this dir>/<SCENARIO>/: the IKE messages as NN-*.bin,
# messages.txt (index), keys.txt and capture.pcap (see README.md).
# KEEP=1 keeps the temporary directory (charon logs, configs) for inspection.
#
# How it works (recipe validated in the project's strongSwan harness):
# - two namespaces, veth 192.0.2.1 <-> 192.0.2.2 (TEST-NET-1), inner nets
#   198.51.100.0/24 and 203.0.113.0/24 on lo;
# - one charon per namespace, each in a private mount namespace with its own
#   directory bound over /run (5.9.8 hard-codes /var/run/charon.pid), its
#   own strongswan.conf (STRONGSWAN_CONF) and VICI socket;
# - kernel-libipsec before kernel-netlink in the plugin list: the first
#   kernel-ipsec backend wins, and the test kernels lack XFRM ESP/GCM.
#   kernel-libipsec forces UDP encapsulation, so IKE_AUTH and everything
#   after it runs on port 4500 with the 4-byte non-ESP marker;
# - charon logs at level 4 (ike=4, chd=4): the shared DH secret, SKEYSEED,
#   SK_* and the CHILD_SA keys (keymat_v2.c). These logs also contain the
#   PSK: the PSK here is a test-only value;
# - tcpdump -U in the responder's namespace records every UDP datagram.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHARON=${CHARON:-/usr/lib/ipsec/charon}
ALL="psk-gcm psk-cbc cert-ecdsa psk-chacha cert-rsa-frag"
# test-only PSK; it is published in keys.txt of the PSK scenarios
PSK="palisade-test-vector-psk-not-secret"
NS_A="pvec-a$$"
NS_B="pvec-b$$"
VETH_A="pva$$"
VETH_B="pvb$$"
ADDR_A=192.0.2.1
ADDR_B=192.0.2.2
NET_A=198.51.100
NET_B=203.0.113
PLUGINS="aes sha1 sha2 md5 random nonce x509 revocation constraints pubkey"
PLUGINS+=" pkcs1 pkcs8 pem openssl curve25519 chapoly hmac kdf gcm"
PLUGINS+=" kernel-libipsec kernel-netlink socket-default vici"

TMP=""
PIDS=()

die() {
	echo "capture.sh: $*" >&2
	exit 1
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	if [ -n "$TMP" ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$TMP"
	elif [ -n "$TMP" ]; then
		echo "kept $TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- scenarios: proposals, authentication, fragmentation, exchanges ----

# Sets S_IKE, S_ESP, S_AUTH (psk|ecdsa|rsa), S_FRAG (fragment_size or ""),
# S_STEPS (what to do after the CHILD_SA is up).
scenario() {
	S_FRAG=""
	S_STEPS="ping terminate"
	case $1 in
	psk-gcm)
		S_IKE=aes256gcm16-prfsha256-ecp256 S_ESP=aes256gcm16 S_AUTH=psk
		S_STEPS="ping rekey-child terminate"
		;;
	psk-cbc)
		# ESP with PFS: the CHILD_SA rekey does a DH; then an IKE_SA rekey
		S_IKE=aes128-sha256-modp2048 S_ESP=aes128-sha256-modp2048 S_AUTH=psk
		S_STEPS="ping rekey-child rekey-ike terminate"
		;;
	cert-ecdsa)
		S_IKE=aes256gcm16-prfsha384-x25519 S_ESP=aes256gcm16 S_AUTH=ecdsa
		;;
	psk-chacha)
		S_IKE=chacha20poly1305-prfsha512-ecp384 S_ESP=chacha20poly1305 S_AUTH=psk
		;;
	cert-rsa-frag)
		# RFC 7383: IP packets of at most 576 bytes, so the IKE_AUTH
		# messages (RSA certificate + signature) go out as SKF fragments
		S_IKE=aes256-sha384-ecp256 S_ESP=aes256-sha256 S_AUTH=rsa
		S_FRAG=576
		;;
	*) die "unknown scenario $1 (known: $ALL)" ;;
	esac
}

# ---- network, PKI, configs ----

net_up() {
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B"
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$VETH_A"
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$VETH_B"
	ip -n "$NS_A" link set "$VETH_A" up
	ip -n "$NS_B" link set "$VETH_B" up
	# the protected hosts: extra loopback addresses (no CONFIG_DUMMY needed)
	ip -n "$NS_A" addr add "$NET_A.1/32" dev lo
	ip -n "$NS_B" addr add "$NET_B.1/32" dev lo
}

net_down() {
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
}

# gen_pki TYPE: CA + end-entity certs for a.vec.test and b.vec.test in $TMP/pki
gen_pki() {
	local type=$1 size h
	local pki_conf="$TMP/pki.conf"
	[ "$type" = rsa ] && size=2048 || size=256
	mkdir -p "$TMP/pki"
	echo 'pki { load = pem pkcs1 pkcs8 x509 openssl random nonce sha1 sha2 }' >"$pki_conf"
	export STRONGSWAN_CONF=$pki_conf
	pki --gen --type "$type" --size "$size" --outform pem >"$TMP/pki/ca.key"
	pki --self --ca --lifetime 3650 --in "$TMP/pki/ca.key" --type "$type" \
		--dn "C=CH, O=Palisade, CN=Palisade Vector CA" --outform pem >"$TMP/pki/ca.crt"
	for h in a b; do
		pki --gen --type "$type" --size "$size" --outform pem >"$TMP/pki/$h.key"
		pki --pub --in "$TMP/pki/$h.key" --type "$type" |
			pki --issue --lifetime 1825 --cacert "$TMP/pki/ca.crt" \
				--cakey "$TMP/pki/ca.key" --dn "C=CH, O=Palisade, CN=$h.vec.test" \
				--san "$h.vec.test" --flag serverAuth --flag clientAuth \
				--outform pem >"$TMP/pki/$h.crt"
	done
	unset STRONGSWAN_CONF
}

# write_strongswan_conf DIR
write_strongswan_conf() {
	local dir=$1 frag=""
	[ -z "$S_FRAG" ] || frag="fragment_size = $S_FRAG"
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = $PLUGINS
	$frag
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
		kernel-libipsec {
			allow_peer_ts = no
		}
	}
	filelog {
		vec {
			path = $dir/charon.log
			time_format = %H:%M:%S
			time_add_ms = yes
			append = no
			flush_line = yes
			ike_name = yes
			default = 1
			ike = 4
			chd = 4
			mgr = 2
			cfg = 2
			net = 2
			enc = 1
			knl = 1
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
	socket = unix://$dir/charon.vici
}
EOF
}

# write_swanctl_conf DIR SELF PEER REMOTE_ADDR LOCAL_NET REMOTE_NET
write_swanctl_conf() {
	local dir=$1 self=$2 peer=$3 raddr=$4 lnet=$5 rnet=$6 auth=psk
	local lcert="" rca="" secrets=""
	mkdir -p "$dir/conf"
	if [ "$S_AUTH" = psk ]; then
		secrets="secrets {
    ike-vec {
        id-a = a.vec.test
        id-b = b.vec.test
        secret = \"$PSK\"
    }
}"
	else
		auth=pubkey
		mkdir -p "$dir/conf/x509" "$dir/conf/x509ca" "$dir/conf/private"
		cp "$TMP/pki/ca.crt" "$dir/conf/x509ca/ca.crt"
		cp "$TMP/pki/$self.crt" "$dir/conf/x509/$self.crt"
		cp "$TMP/pki/$self.key" "$dir/conf/private/$self.key"
		lcert="certs = $self.crt"
		rca="cacerts = ca.crt"
	fi
	cat >"$dir/conf/swanctl.conf" <<EOF
connections {
    vec {
        version = 2
        remote_addrs = $raddr
        proposals = $S_IKE
        fragmentation = yes
        send_certreq = yes
        local {
            auth = $auth
            id = $self.vec.test
            $lcert
        }
        remote {
            auth = $auth
            id = $peer.vec.test
            $rca
        }
        children {
            net {
                mode = tunnel
                local_ts = $lnet.0/24
                remote_ts = $rnet.0/24
                esp_proposals = $S_ESP
            }
        }
    }
}
$secrets
EOF
}

# ---- charon, swanctl, tcpdump ----

swan() { # swan DIR swanctl-args...
	local dir=$1
	shift
	SWANCTL_DIR="$dir/conf" STRONGSWAN_CONF="$dir/strongswan.conf" \
		swanctl "$@" --uri "unix://$dir/charon.vici"
}

# start_charon NS DIR: charon in NS with DIR/run bound over /run
start_charon() {
	local ns=$1 dir=$2 pid _
	mkdir -p "$dir/run"
	# shellcheck disable=SC2016 # $1/$2 are expanded by the inner sh
	STRONGSWAN_CONF="$dir/strongswan.conf" \
		ip netns exec "$ns" unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir/run" "$CHARON" \
		</dev/null >"$dir/charon.stdout" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do
		[ -S "$dir/charon.vici" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$dir/charon.vici" ] || {
		cat "$dir/charon.stdout" "$dir/charon.log" 2>/dev/null | tail -20 >&2
		die "charon in $ns did not come up"
	}
	# the pid file (in the private /run) must name the process we started
	[ "$(cat "$dir/run/charon.pid")" = "$pid" ] || die "charon pid mismatch in $ns"
	swan "$dir" --load-all --noprompt --file "$dir/conf/swanctl.conf" \
		2> >(grep -v "^opening directory .* failed" >&2) >/dev/null
}

# stop_pid PID: SIGTERM one process we started and wait for it
stop_pid() {
	local pid=$1 p keep=()
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# wait_log FILE REGEX COUNT: until REGEX matched COUNT lines (10 s at most)
wait_log() {
	local _
	for _ in $(seq 100); do
		[ "$(grep -cE "$2" "$1" || true)" -ge "$3" ] && return 0
		sleep 0.1
	done
	die "timeout waiting for '$2' x$3 in $1"
}

run_steps() {
	local a=$1 step
	for step in $S_STEPS; do
		case $step in
		ping)
			# one ESP round trip, so the pcap also holds ESP-in-UDP packets
			ip netns exec "$NS_A" ping -c 1 -W 3 -I "$NET_A.1" "$NET_B.1" >/dev/null ||
				die "no ping through the tunnel"
			;;
		rekey-child)
			swan "$a" --rekey --child net >/dev/null
			wait_log "$a/charon.log" "CHILD_SA net\{[0-9]+\} established" 2
			wait_log "$a/charon.log" "CHILD_SA closed" 1
			;;
		rekey-ike)
			swan "$a" --rekey --ike vec >/dev/null
			wait_log "$a/charon.log" "IKE_SA deleted" 1
			;;
		terminate)
			swan "$a" --terminate --ike vec --timeout 10 >/dev/null
			;;
		esac
		sleep 0.3
	done
}

capture_one() {
	local name=$1 out="$HERE/$1" a b tcpd
	scenario "$name"
	echo "== $name: IKE $S_IKE, ESP $S_ESP, auth $S_AUTH${S_FRAG:+, fragment_size $S_FRAG}"
	a="$TMP/$name/a"
	b="$TMP/$name/b"
	mkdir -p "$a" "$b"
	[ "$S_AUTH" = psk ] || gen_pki "$S_AUTH"
	write_strongswan_conf "$a"
	write_strongswan_conf "$b"
	write_swanctl_conf "$a" a b "$ADDR_B" "$NET_A" "$NET_B"
	write_swanctl_conf "$b" b a "%any" "$NET_B" "$NET_A"
	net_up
	ip netns exec "$NS_B" tcpdump -U -n -i "$VETH_B" -w "$TMP/$name/capture.pcap" udp \
		2>"$TMP/$name/tcpdump.err" &
	tcpd=$!
	PIDS+=("$tcpd")
	wait_log "$TMP/$name/tcpdump.err" "listening on" 1
	start_charon "$NS_B" "$b"
	start_charon "$NS_A" "$a"
	swan "$a" --initiate --child net --ike vec --timeout 30 >/dev/null ||
		die "$name: initiate failed (see $a/charon.log)"
	run_steps "$a"
	sleep 0.5
	stop_pid "${PIDS[-1]}" # charon a
	stop_pid "${PIDS[-1]}" # charon b
	kill -INT "$tcpd"
	stop_pid "$tcpd"
	net_down
	rm -rf "$out"
	mkdir -p "$out"
	cp "$TMP/$name/capture.pcap" "$out/capture.pcap"
	# the trust anchor, for chain checks (the end-entity certs are in CERT)
	[ "$S_AUTH" = psk ] || cp "$TMP/pki/ca.crt" "$out/ca.pem"
	local psk=()
	[ "$S_AUTH" != psk ] || psk=(--psk "$PSK")
	python3 "$HERE/extract.py" --pcap "$out/capture.pcap" --log "$a/charon.log" \
		--ike-proposal "$S_IKE" --esp-proposal "$S_ESP" "${psk[@]}" --out "$out"
}

[ "$(id -u)" = 0 ] || die "must run as root"
for t in "$CHARON" swanctl pki tcpdump python3; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps installs it)"
done
TMP=$(mktemp -d /tmp/pvec.XXXXXX)
# shellcheck disable=SC2086 # a word list
[ $# -gt 0 ] || set -- $ALL
for s in "$@"; do
	capture_one "$s"
done
