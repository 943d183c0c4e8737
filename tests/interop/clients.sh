# tests/interop/clients.sh: sourced by strongswan.sh, run with the
# "proposals" group. strongSwan plays the remote-access clients of
# README.md "Client compatibility" with the proposals each sends by
# default, in its order (Windows 10/11 with and without
# NegotiateDH2048_AES256, Windows 11's AES-GCM, the issue's
# aes256-sha1-modp1024, iOS/macOS, strongSwan 5.9 defaults, the Android
# app's ESP list), against the preset made for it and against one
# connection that names several presets; the weak algorithms written out
# (3DES in IKE and ESP, MODP 1024 and 1536) in both roles; and two
# refusals: NO_PROPOSAL_CHOSEN on the wire, our log line naming the offer.
# Uses the helpers of strongswan.sh (establish, traffic, log_has, ...).

# strongSwan plays the client with the proposals that client sends by
# default, in its order; we accept it with the preset made for it. Each
# case checks the chosen algorithms on both sides and carries traffic.
WIN_IKE="3des-sha1-modp1024, aes256-sha1-modp1024, 3des-sha256-modp1024, aes256-sha256-modp1024"
WIN_IKE="$WIN_IKE, 3des-sha384-modp1024, aes256-sha384-modp1024"
WIN_ESP="aes256-sha1, aes128-sha1, 3des-sha1"
IOS_IKE="aes256-sha256-modp2048, aes256-sha256-ecp256, aes256-sha256-modp1536"
IOS_IKE="$IOS_IKE, aes128-sha1-modp1024, 3des-sha1-modp1024"
IOS_ESP="aes256-sha256, aes128-sha1, 3des-sha1"
# (android_service.c: with PFS groups first, then the same without)
ANDROID_ESP="aes256gcm16-aes128gcm16-chacha20poly1305-curve25519-ecp384-ecp521-modp3072-modp4096-ecp256"
ANDROID_ESP="$ANDROID_ESP, aes256-aes192-aes128-sha384-sha256-sha512-sha1-curve25519-ecp384-ecp521"
ANDROID_ESP="$ANDROID_ESP-modp3072-modp4096-ecp256-modp2048, aes256gcm16-aes128gcm16-chacha20poly1305"
ANDROID_ESP="$ANDROID_ESP, aes256-aes192-aes128-sha384-sha256-sha512-sha1"

# client_case LABEL SW_IKE SW_ESP GW_IKE GW_ESP WANT_IKE WANT_ESP
client_case() {
	scenario_reset
	SW_IKE=$2 SW_ESP=$3 GW_IKE=$4 GW_ESP=$5
	establish "$1" sw --ike "$6" --esp "$7" && traffic "$1"
}

fails() { ! "$@" >/dev/null 2>&1; }

# gw_mark / gw_log_has PATTERN: our log since the mark
gw_mark() { GW_MARK=$(wc -l <"$GW/gatewayd.log"); }
gw_log_has() {
	tail -n "+$((GW_MARK + 1))" "$GW/gatewayd.log" | grep -q -E -- "$1" && return 0
	echo "our log has no line matching '$1'; last lines:"
	tail -n 3 "$GW/gatewayd.log" | cut -c1-400
	return 1
}

# A client our connection does not accept: NO_PROPOSAL_CHOSEN on the wire,
# and our log names what it offered (and, with the engine's line, what
# this connection allows).
refusal_case() {
	local L=$1 want_offer=$2 want_allowed=$3
	clear_sas
	conf_load >"$WORK/conf.out" 2>&1 || { nok "$L: configurations load"; return; }
	log_mark
	gw_mark
	check "$L: strongSwan's initiation fails" fails swan --initiate --child net --ike t --timeout 6
	check "$L: strongSwan got NO_PROPOSAL_CHOSEN" log_has "received NO_PROPOSAL_CHOSEN notify"
	check "$L: our log names what the client offered" \
		gw_log_has "IKE_SA_INIT refused: no connection accepts the offered proposals \(.*$want_offer"
	check "$L: our log names what the connection allows" \
		gw_log_has "allowed here: .*$want_allowed"
	check "$L: nothing left on either side" wait_for 3 count_is "0 0"
}

g_clients() {
	local W='"preset:windows-default"' A='"preset:apple-default"'
	client_case "Windows 10/11 default (MODP 1024) vs preset:windows-default" \
		"$WIN_IKE" "$WIN_ESP" "$W" "$W" aes256,sha256,prfsha256,modp1024 aes256,sha1
	client_case "Windows, NegotiateDH2048_AES256=2, vs preset:windows-default" \
		"aes256-sha1-modp2048, aes256-sha256-modp2048, aes256-sha384-modp2048" "$WIN_ESP" \
		"$W" "$W" aes256,sha256,prfsha256,modp2048 aes256,sha1
	client_case "Windows 11 default (AES-GCM, MODP 1024) vs preset:windows-default" \
		"aes128gcm16-aes256gcm16-prfsha1-prfsha256-prfsha384-modp1024, $WIN_IKE" "$WIN_ESP" \
		"$W" "$W" aes256gcm16,-,prfsha256,modp1024 aes256,sha1
	client_case "the issue's Windows client (aes256-sha1-modp1024, aes256-sha1)" \
		aes256-sha1-modp1024 aes256-sha1 "$W" "$W" aes256,sha1,prfsha1,modp1024 aes256,sha1
	client_case "iOS 16 / macOS 13 default vs preset:apple-default" \
		"$IOS_IKE" "$IOS_ESP" "$A" "$A" aes256,sha256,prfsha256,modp2048 aes256,sha256
	client_case "strongSwan 5.9 defaults vs preset:strongswan" default default \
		'"preset:strongswan"' '"preset:strongswan"' aes256gcm16,-,prfsha256,x25519 aes256gcm16,-
	client_case "Android app ESP proposals vs preset:android-strongswan" default \
		"$ANDROID_ESP" '"preset:android-strongswan"' '"preset:android-strongswan"' \
		aes256gcm16,-,prfsha384,x25519 aes256gcm16,-
	# one remote-access connection for all of them: each lands on its own
	local MIX_IKE='"preset:compat", "preset:windows-default", "preset:apple-default"'
	local MIX_ESP='"preset:compat", "preset:windows-default"'
	client_case "Windows default vs compat+windows-default+apple-default" \
		"$WIN_IKE" "$WIN_ESP" "$MIX_IKE" "$MIX_ESP" aes256,sha256,prfsha256,modp1024 aes256,sha1
	client_case "iOS default vs compat+windows-default+apple-default" \
		"$IOS_IKE" "$IOS_ESP" "$MIX_IKE" "$MIX_ESP" aes256,sha256,prfsha256,modp2048 aes256,sha256
	client_case "strongSwan defaults vs compat+windows-default+apple-default" \
		default default "$MIX_IKE" "$MIX_ESP" aes256gcm16,-,prfsha384,x25519 aes256gcm16,-
	# the weak ones, written out on purpose: 3DES in IKE (8-byte SK blocks)
	# and ESP, MODP 1536; in both roles
	local role
	for role in sw gw; do
		scenario_reset
		SW_IKE=3des-sha1-modp1024 SW_ESP=3des-sha1
		GW_IKE='"3des-sha1-modp1024"' GW_ESP='"3des-sha1"'
		L="3DES and MODP 1024 written out, $(who "$role")"
		establish "$L" "$role" --ike 3des,sha1,prfsha1,modp1024 --esp 3des,sha1 &&
			traffic "$L" stream
		scenario_reset
		SW_IKE=aes256-sha256-modp1536 SW_ESP=aes256-sha256
		GW_IKE='"aes256-sha256-modp1536"' GW_ESP='"aes256-sha256"'
		L="MODP 1536 written out, $(who "$role")"
		establish "$L" "$role" --ike aes256,sha256,prfsha256,modp1536 --esp aes256,sha256 &&
			traffic "$L"
	done
	# what the issue is about: the gateway refuses Windows unless told
	scenario_reset
	SW_IKE=$WIN_IKE SW_ESP=$WIN_ESP GW_IKE='"preset:compat"' GW_ESP='"preset:compat"'
	refusal_case "Windows default vs preset:compat (refused)" \
		"3des-sha1-prfsha1-modp1024,aes256-sha1-prfsha1-modp1024" \
		"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-x25519-ecp384-ecp256,aes256-aes128-sha384-sha256-x25519"
	# strongSwan's default offer carries AES-CTR, Camellia and brainpool
	# groups, which we lack: still shown, as type#ID (and cut with "...")
	scenario_reset
	SW_IKE=default SW_ESP=default GW_IKE='"aes256-sha256-modp1536"'
	refusal_case "strongSwan defaults vs aes256-sha256-modp1536 (refused)" \
		"aes128-aes192-aes256-3des-sha256-sha384-sha512-sha1-prfsha256-prfsha384-prfsha512-prfsha1-x25519-x448-ecp256-ecp384-ecp521-modp3072-modp4096-modp2048-encr#13/128-.*\.\.\.\)" \
		"aes256-sha256-modp1536"
}
