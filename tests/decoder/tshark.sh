#!/bin/sh
# tests/decoder/tshark.sh: tshark (Wireshark's decoder, which we did not
# write) must dissect every IKEv2 payload our codec generates with no
# malformed-packet or expert warnings, and decrypt every SK payload with the
# SK_e/SK_a keys our crypto derived (its ikev2_decryption_table).
# Run by `make check`; needs tshark (scripts/deps installs it).
set -u
gen=${top_builddir:-.}/tests/decoder/gen_ike
work=$(mktemp -d /tmp/palisade-tshark.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok: $*"; }
nok() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { # expect FILE COUNT-MIN PATTERN DESCRIPTION
	n=$(grep -c -- "$3" "$1")
	if [ "$n" -ge "$2" ]; then ok "$4 ($n)"; else nok "$4: '$3' found $n times, want >= $2"; fi
}

if ! command -v tshark >/dev/null 2>&1; then
	echo "tshark not installed (scripts/deps installs it)"
	echo "0 passed, 1 failed"
	exit 1
fi

for suite in gcm cbc cbc-natt; do
	pcap=$work/$suite.pcap
	if ! "$gen" "$suite" "$pcap" "$work/$suite.uat"; then
		nok "$suite: gen_ike failed"
		continue
	fi
	uat=$(cat "$work/$suite.uat")
	out=$work/$suite.txt
	tshark -n -r "$pcap" -o "uat:ikev2_decryption_table:$uat" -V >"$out" 2>"$work/err" ||
		nok "$suite: tshark failed: $(head -3 "$work/err")"
	frames=$(tshark -n -r "$pcap" | wc -l)
	ike=$(grep -c '^Internet Security Association and Key Management Protocol' "$out")
	[ "$ike" -eq "$frames" ] && ok "$suite: all $frames frames dissected as IKE" ||
		nok "$suite: $ike of $frames frames dissected as IKE"
	if grep -qiE 'malformed|Expert Info \((Warning|Error)' "$out"; then
		nok "$suite: tshark reports problems:"
		grep -iE 'malformed|Expert Info \((Warning|Error)' "$out" | sort | uniq -c | head
	else
		ok "$suite: no malformed packet, no expert warning or error"
	fi
	expect "$out" 1 'Payload: Security Association (33)' "$suite: SA"
	expect "$out" 1 'Payload: Key Exchange (34)' "$suite: KE"
	expect "$out" 2 'Payload: Nonce (40)' "$suite: Ni, Nr"
	expect "$out" 4 'Payload: Notify (41)' "$suite: Notify"
	expect "$out" 1 'Payload: Vendor ID (43)' "$suite: V"
	expect "$out" 1 'Payload: Certificate Request (38)' "$suite: CERTREQ"
	expect "$out" 1 'Payload: Encrypted and Authenticated (46)' "$suite: SK"
	# Inside SK: only visible when tshark decrypted with our keys.
	expect "$out" 1 'Payload: Identification - Initiator (35)' "$suite: IDi (decrypted)"
	expect "$out" 1 'Payload: Identification - Responder (36)' "$suite: IDr (decrypted)"
	expect "$out" 2 'Payload: Authentication (39)' "$suite: AUTH (decrypted)"
	expect "$out" 2 'Payload: Configuration (47)' "$suite: CP (decrypted)"
	expect "$out" 2 'Payload: Traffic Selector - Initiator (44)' "$suite: TSi (decrypted)"
	expect "$out" 2 'Payload: Traffic Selector - Responder (45)' "$suite: TSr (decrypted)"
	expect "$out" 2 'Payload: Delete (42)' "$suite: D (decrypted)"
	case $suite in
	gcm)
		expect "$out" 1 'Payload: Certificate (37)' "$suite: CERT (decrypted)"
		expect "$out" 7 'Payload: Extensible Authentication (48)' "$suite: EAP (decrypted)"
		;;
	cbc-natt)
		expect "$out" 2 'Payload: Encrypted and Authenticated Fragment (53)' "$suite: SKF"
		expect "$out" 1 'Non-ESP Marker' "$suite: non-ESP marker on 4500"
		;;
	esac
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
