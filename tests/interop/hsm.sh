#!/bin/bash
# tests/interop/hsm.sh: palisade-gatewayd with its private key in SoftHSM2
# against strongSwan (Debian's charon + swanctl, kernel-libipsec), in the
# namespaces of lib.sh. Two tokens made by scripts/hsm-init, each with a
# key generated inside it and a certificate issued by the test CAs of
# pki.sh: EC P-256 (ECDSA), and RSA-2048 signing RSASSA-PSS (gateway.json
# pkcs11.rsa_pss). In both roles strongSwan validates our certificate up
# to its trust anchor and verifies the signature the token made (its log
# names the scheme); traffic flows both ways; palisadectl hsm counts the
# signatures. Then strongSwan as a road warrior with EAP-MSCHAPv2 (both
# keys) and EAP-MD5 (EC), a virtual IP from our pool, against the same
# token keys: it checks our certificate and the token's signature before
# EAP runs. Usage (root): GATEWAYD=... PALISADECTL=... PALISADE_HSM=...
# hsm.sh (KEEP=1 keeps the work dir). Prints ok/FAIL per check and
# "N passed, N failed"; 77 when it cannot run here.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
GATEWAYD=${GATEWAYD:?set GATEWAYD to palisade-gatewayd}
PALISADECTL=${PALISADECTL:?set PALISADECTL to palisadectl}
PALISADE_HSM=${PALISADE_HSM:?set PALISADE_HSM to palisade-hsm}
MODULE=/usr/lib/softhsm/libsofthsm2.so

if [ "$(id -u)" != 0 ]; then
	echo "hsm.sh: needs root (network namespaces)"
	exit 77
fi
for t in /usr/lib/ipsec/charon swanctl openssl python3 softhsm2-util; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "hsm.sh: $t not found (run scripts/deps)"
		exit 77
	fi
done
[ -f "$MODULE" ] || { echo "hsm.sh: $MODULE missing (softhsm2)"; exit 77; }
for p in eap-identity eap-mschapv2 eap-md5; do
	if [ ! -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ]; then
		echo "hsm.sh: strongSwan plugin $p missing (libcharon-extauth-plugins, run scripts/deps)"
		exit 77
	fi
done

WORK=$(mktemp -d /tmp/palisade-interop-hsm.XXXXXX)
. "$HERE/lib.sh"
. "$HERE/pki.sh"
. "$HERE/conf.sh"
HSM=$WORK/hsm
# the road warrior: EAP identity, password, our pool
SWAN_PLUGINS="$SWAN_PLUGINS eap-identity eap-mschapv2 eap-md5"
RW_ID=alice RW_PW='alice hsm-Passw0rd'
POOL_PREFIX=10.31.100.

cleanup() {
	net_down
	if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sacheck() { python3 "$HERE/sacheck.py" "$@"; }
snap() {
	swan --list-sas --pretty >"$WORK/swan.txt" 2>&1
	ctl --json list-sas >"$WORK/ours.json" 2>&1
}
count_is() { snap && [ "$(sacheck count "$WORK/swan.txt" "$WORK/ours.json")" = "$1" ]; }
log_mark() { LOG_MARK=$(wc -l <"$SWAN/charon.log"); }
log_has() {
	tail -n "+$((LOG_MARK + 1))" "$SWAN/charon.log" | grep -q -E -- "$1" && return 0
	echo "charon log lacks '$1'"
	return 1
}

# tokens: pal-ec and pal-rsa, certificates from pki.sh's ec-ca and rsa-ca
tokens_make() {
	local kind type
	for kind in ec rsa; do
		type=ec-p256
		[ "$kind" = rsa ] && type=rsa-2048
		PALISADE_HSM=$PALISADE_HSM "$TOP/scripts/hsm-init" --dir "$HSM" \
			--ca-cert "$PKI/$kind-ca.crt" --ca-key "$PKI/$kind-ca.key" --cn "$ID_G" \
			--label "pal-$kind" --type "$type" >/dev/null || return 1
		mv "$HSM/$ID_G.crt" "$HSM/$kind.crt"
	done
	export SOFTHSM2_CONF=$HSM/softhsm2.conf
}

# gw_start with the pkcs11 section (lib.sh's writes none)
gw_start_hsm() {
	mkdir -p "$GW/etc/conns" "$GW/run"
	touch "$GW/gatewayd.log"
	GW_LOG_MARK=$(wc -l <"$GW/gatewayd.log")
	cat >"$GW/etc/gateway.json" <<-EOF
		{ "listen": ["$G_ADDR"], "datapath": "userspace", "tun_name": "${P}t",
		  "log_level": "debug",
		  "pkcs11": { "module": "$MODULE", "pin_file": "$HSM/hsm.pin", "sessions": 4,
		              "require_non_extractable": true, "rsa_pss": true } }
	EOF
	ip netns exec "$NS_G" "$GATEWAYD" --foreground --config-dir "$GW/etc" \
		--run-dir "$GW/run" >>"$GW/gatewayd.log" 2>&1 &
	GW_PID=$!
	wait_for 10 test -S "$GW/run/control.sock"
}

# conf.sh's gw_write, with our key in the token: certs/hsm-KIND.pem and
# the URI (strongSwan's side is conf.sh's AUTH=KIND unchanged)
gw_write() {
	local lts="\"$G_NET\"" rts="\"$S_NET\""
	cat >"$GW/etc/conns/t.json" <<-EOF
		{ "local": { "addrs": ["$G_ADDR"], "id": "$ID_G", "auth": "pubkey",
		             "cert": "hsm-$AUTH", "key": "pkcs11:token=pal-$AUTH;object=gw-key;type=private" },
		  "remote": { "addrs": ["$G_PEER"], "id": "$ID_S", "auth": "pubkey", "ca": "$AUTH-ca" },
		  "ike": { "proposals": [$GW_IKE], "retransmit_tries": 2, "retransmit_timeout": 1 },
		  "children": [ { "name": "net", "local_ts": [$lts], "remote_ts": [$rts],
		                  "esp_proposals": [$GW_ESP] } ] }
	EOF
}

initiate() {
	if [ "$1" = sw ]; then
		swan --initiate --child net --ike t --timeout 10 >"$WORK/initiate.out" 2>&1
	else
		ctl --timeout 15 initiate t >"$WORK/initiate.out" 2>&1
	fi || {
		tail -n 8 "$WORK/initiate.out"
		grep -E '\[(IKE|AUT|P11)\]' "$GW/gatewayd.log" | tail -n 5
		return 1
	}
	wait_for 3 count_is "1 1"
}

clear_sas() {
	swan --terminate --ike t --timeout 3 >/dev/null 2>&1
	ctl terminate t --no-wait >/dev/null 2>&1
	wait_for 5 count_is "0 0" >/dev/null
}

ping_s() { ns_s ping -q -c 3 -i 0.2 -W 2 -I "$S_IN" "$G_IN" >/dev/null; }
ping_g() { ns_g ping -q -c 3 -i 0.2 -W 2 -I "$G_IN" "$S_IN" >/dev/null; }

signatures() {
	ctl --json hsm | python3 -c '
import json, sys
t = [x for x in json.load(sys.stdin)["tokens"] if x["label"] == sys.argv[1]][0]
assert t["state"] == "ready" and t["logged_in"] and t["failures"] == 0, t
print(t["signatures"])' "$1"
}

# scenario KIND ROLE SCHEME: one setup with the key of token pal-KIND
scenario() {
	local kind=$1 role=$2 scheme=$3 L before after
	L="key in SoftHSM2 ($kind), $([ "$role" = sw ] && echo "strongSwan initiates" || echo "we initiate")"
	scenario_reset
	AUTH=$kind
	clear_sas
	conf_load >"$WORK/conf.out" 2>&1 || {
		nok "$L: configurations load"
		sed 's/^/    /' "$WORK/conf.out"
		return
	}
	before=$(signatures "pal-$kind")
	log_mark
	check "$L: ESTABLISHED/INSTALLED on both sides" initiate "$role" || return
	check "$L: strongSwan validated our certificate up to $kind-ca" \
		log_has "using trusted ca certificate \"C=CH, O=Palisade interop, CN=Palisade interop $kind CA\""
	check "$L: strongSwan verified the token's signature ($scheme)" \
		log_has "authentication of '$ID_G' with $scheme successful"
	check "$L: ping from strongSwan's protected address" ping_s
	check "$L: ping from ours" ping_g
	after=$(signatures "pal-$kind")
	check "$L: the token made the signature ($before -> $after)" [ "$after" -gt "$before" ]
}

# ---- EAP road warrior against a token key (issue 6) ----

# rw_gw_files: eap-users.json and pools.json (read at start-up)
rw_gw_files() {
	cat >"$GW/etc/eap-users.json" <<-EOF
		[{"identity": "$RW_ID", "password": "$RW_PW"}]
	EOF
	chmod 600 "$GW/etc/eap-users.json"
	cat >"$GW/etc/pools.json" <<-EOF
		[{"name": "rw", "ranges": ["${POOL_PREFIX}0/24"]}]
	EOF
}

# rw_conf KIND METHOD: conns/rw.json alone on our side (the certificate's
# key in token pal-KIND, any peer, eap-METHOD, a virtual IP), the road
# warrior on strongSwan's; both loaded
rw_conf() {
	rm -f "$GW/etc/conns/"*.json
	cat >"$GW/etc/conns/rw.json" <<-EOF
		{ "local": { "addrs": ["$G_ADDR"], "id": "$ID_G", "auth": "pubkey", "cert": "hsm-$1",
		             "key": "pkcs11:token=pal-$1;object=gw-key;type=private" },
		  "remote": { "addrs": ["%any"], "id": "%any", "auth": "eap-$2" },
		  "ike": { "proposals": ["aes256gcm16-prfsha256-ecp256"],
		           "retransmit_tries": 2, "retransmit_timeout": 1 },
		  "children": [ { "name": "net", "local_ts": ["$G_NET"], "remote_ts": ["dynamic"],
		                  "esp_proposals": ["aes256gcm16"] } ],
		  "pools": ["rw"] }
	EOF
	cat >"$SWAN/conf/swanctl.conf" <<-EOF
		connections {
			rw {
				version = 2
				local_addrs = $S_ADDR
				remote_addrs = $S_PEER
				vips = 0.0.0.0
				proposals = aes256gcm16-prfsha256-ecp256
				local {
					auth = eap-$2
					id = $RW_ID@interop.test
					eap_id = $RW_ID
				}
				remote {
					auth = pubkey
					id = $ID_G
					cacerts = $1-ca.crt
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
			eap-$RW_ID {
				id = $RW_ID
				secret = "$RW_PW"
			}
		}
	EOF
	swan_load && ctl reload all >/dev/null
}

# rw_pair METHOD: swanctl --list-sas and ours agree (rwcheck.py), the
# virtual IP ($RW_VIP, ours) from the pool
rw_pair() {
	snap
	RW_VIP=$(python3 "$HERE/rwcheck.py" vips "$WORK/ours.json")
	case $RW_VIP in
	"$POOL_PREFIX"[0-9]*) ;;
	*)
		echo "our virtual IPs: '$RW_VIP', expected one from ${POOL_PREFIX}0/24"
		return 1
		;;
	esac
	python3 "$HERE/rwcheck.py" pair "$WORK/swan.txt" "$WORK/ours.json" --eap-id "$RW_ID" \
		--method "eap-$1" --vip "$RW_VIP" --net "$G_NET"
}

rw_initiate() {
	swan --initiate --child net --ike rw --timeout 10 >"$WORK/initiate.out" 2>&1 || {
		tail -n 8 "$WORK/initiate.out"
		grep -E '\[(IKE|AUT|EAP|P11)\]' "$GW/gatewayd.log" | tail -n 5
		return 1
	}
}

rw_gone() {
	swan --terminate --ike rw --timeout 5 >/dev/null 2>&1
	wait_for 5 count_is "0 0"
}

# rw_scenario KIND SCHEME METHOD: the road warrior dials in with
# eap-METHOD (mschapv2, md5); strongSwan checks our certificate and the
# signature of token pal-KIND, then EAP runs
rw_scenario() {
	local kind=$1 scheme=$2 method=$3 L before after M
	M=$(echo "$method" | tr a-z A-Z)
	L="EAP-$M road warrior, our key in SoftHSM2 ($kind)"
	clear_sas
	check "$L: configurations load" rw_conf "$kind" "$method" || return
	before=$(signatures "pal-$kind")
	log_mark
	check "$L: strongSwan initiates, ESTABLISHED/INSTALLED on both sides" rw_initiate || return
	check "$L: strongSwan validated our certificate up to $kind-ca" \
		log_has "using trusted ca certificate \"C=CH, O=Palisade interop, CN=Palisade interop $kind CA\""
	check "$L: strongSwan verified the token's signature ($scheme)" \
		log_has "authentication of '$ID_G' with $scheme successful"
	check "$L: then EAP-$M succeeded" log_has "EAP method EAP_$M succeeded"
	check "$L: swanctl --list-sas and ours agree (eap_id, virtual IP, SPIs, selectors)" \
		rw_pair "$method"
	check "$L: ping from the virtual IP $RW_VIP" ns_s ping -q -c 3 -i 0.2 -W 2 "$G_IN"
	check "$L: ping from ours to $RW_VIP" ns_g ping -q -c 3 -i 0.2 -W 2 -I "$G_IN" "$RW_VIP"
	after=$(signatures "pal-$kind")
	check "$L: the token made the signature ($before -> $after)" [ "$after" -gt "$before" ]
	check "$L: the client leaves, no SA on either side" rw_gone
}

echo "== HSM: strongSwan against our keys in SoftHSM2"
check "test PKI" pki_make
net_up direct && swan_start || { nok "namespaces and charon"; exit 1; }
check "tokens (scripts/hsm-init: pal-ec EC P-256, pal-rsa RSA-2048)" tokens_make
mkdir -p "$GW/etc"
pki_install
cp "$HSM/ec.crt" "$GW/etc/certs/hsm-ec.pem"
cp "$HSM/rsa.crt" "$GW/etc/certs/hsm-rsa.pem"
rm -f "$GW/etc/keys/"*
rw_gw_files
check "palisade-gatewayd starts with the pkcs11 section (require_non_extractable)" gw_start_hsm
if [ "$fail" -eq 0 ]; then
	for role in sw gw; do
		scenario ec "$role" "ECDSA_WITH_SHA[0-9_]+_DER"
		scenario rsa "$role" "RSA_EMSA_PSS[A-Z0-9_]*"
	done
	rw_scenario ec "ECDSA_WITH_SHA[0-9_]+_DER" mschapv2
	rw_scenario rsa "RSA_EMSA_PSS[A-Z0-9_]*" mschapv2
	rw_scenario ec "ECDSA_WITH_SHA[0-9_]+_DER" md5
	check "no private key among our files (keys/ empty)" test -z "$(ls -A "$GW/etc/keys")"
	check "palisade-gatewayd stops cleanly (status 0, no sanitizer report)" gw_stop_clean
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
