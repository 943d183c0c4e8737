# tests/interop/conf.sh: sourced by strongswan.sh. Writes one connection
# for each side from the scenario variables below, and loads it:
#   AUTH     psk | ec | rsa (certificates of pki.sh)
#   MODE     tunnel | transport
#   SW_IKE   strongSwan's IKE proposal list ("a-b-c, d-e-f")
#   GW_IKE   ours, as JSON strings ('"a-b-c", "d-e-f"')
#   SW_ESP, GW_ESP    the same for ESP
#   SW_EXTRA lines for the strongSwan connection (dpd_delay, fragmentation)
#   GW_IKE_EXTRA      members for our "ike" object (', "dpd_delay": 2')
# The connection is "t" with child "net" on both sides.

PSK="interop-psk-4f1d0a7c9b2e"

scenario_reset() {
	AUTH=psk MODE=tunnel
	SW_IKE=aes256gcm16-prfsha256-ecp256 GW_IKE='"aes256gcm16-prfsha256-ecp256"'
	SW_ESP=aes256gcm16 GW_ESP='"aes256gcm16"'
	SW_EXTRA="" GW_IKE_EXTRA=""
}

swan_write() {
	local auth=psk lcert="" rca="" lts=$S_NET rts=$G_NET
	if [ "$AUTH" != psk ]; then
		auth=pubkey
		lcert="certs = $AUTH-sw.crt"
		rca="cacerts = $AUTH-ca.crt"
	fi
	if [ "$MODE" = transport ]; then lts=dynamic rts=dynamic; fi
	cat >"$SWAN/conf/swanctl.conf" <<-EOF
		connections {
			t {
				version = 2
				local_addrs = $S_ADDR
				remote_addrs = $S_PEER
				proposals = $SW_IKE
				$SW_EXTRA
				local {
					auth = $auth
					id = $ID_S
					$lcert
				}
				remote {
					auth = $auth
					id = $ID_G
					$rca
				}
				children {
					net {
						mode = $MODE
						local_ts = $lts
						remote_ts = $rts
						esp_proposals = $SW_ESP
					}
				}
			}
		}
		secrets {
			ike-t {
				id-s = $ID_S
				id-g = $ID_G
				secret = "$PSK"
			}
		}
	EOF
}

gw_write() {
	local auth=psk lx="" rx="" psk=", \"psk\": \"$PSK\"" lts="\"$G_NET\"" rts="\"$S_NET\""
	if [ "$AUTH" != psk ]; then
		auth=pubkey psk=""
		lx=", \"cert\": \"$AUTH-gw\", \"key\": \"$AUTH-gw\""
		rx=", \"ca\": \"$AUTH-ca\""
	fi
	if [ "$MODE" = transport ]; then lts='"dynamic"' rts='"dynamic"'; fi
	cat >"$GW/etc/conns/t.json" <<-EOF
		{ "local": { "addrs": ["$G_ADDR"], "id": "$ID_G", "auth": "$auth"$lx },
		  "remote": { "addrs": ["$G_PEER"], "id": "$ID_S", "auth": "$auth"$rx },
		  "ike": { "proposals": [$GW_IKE]$GW_IKE_EXTRA,
		           "retransmit_tries": 2, "retransmit_timeout": 1 },
		  "children": [ { "name": "net", "mode": "$MODE", "local_ts": [$lts],
		                  "remote_ts": [$rts], "esp_proposals": [$GW_ESP] } ]$psk }
	EOF
}

# conf_load: write and load both sides' connection
conf_load() {
	swan_write && gw_write || return 1
	swan_load || {
		echo "swanctl --load-all failed" >&2
		return 1
	}
	ctl reload all >/dev/null || {
		echo "palisadectl reload failed:" >&2
		ctl reload all >&2
		return 1
	}
}
