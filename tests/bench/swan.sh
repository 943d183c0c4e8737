# swan.sh: strongSwan (Debian's charon with the kernel-libipsec plugin,
# userspace ESP on a TUN device) as the peer figure of tests/bench. Sourced
# by dp_bench.sh; needs WORK (a scratch dir). One charon per network
# namespace: charon hard-codes /run/charon.pid, so each runs in a private
# mount namespace with its own state directory bound over /run; its VICI
# socket lives outside /run so swanctl on the host reaches it.

SWAN_CHARON=${SWAN_CHARON:-/usr/lib/ipsec/charon}
# kernel-libipsec before kernel-netlink: the first IPsec backend wins. Crypto
# from the openssl plugin only (AES-NI): strongSwan's own aes and gcm
# plugins, when loaded, are picked first and are about ten times slower.
SWAN_PLUGINS="random nonce openssl kdf curve25519 pem pkcs1 pubkey x509 kernel-libipsec
 kernel-netlink socket-default vici"

swan_available() {
	[ -x "$SWAN_CHARON" ] && command -v swanctl >/dev/null
}

# swan_conf NAME LOCAL REMOTE LOCAL_TS REMOTE_TS ESP_PROPOSAL: the
# swanctl.conf of one end (PSK, initiator and responder alike).
swan_conf() {
	local d=$WORK/swan-$1
	mkdir -p "$d/conf" "$d/run"
	cat >"$d/conf/swanctl.conf" <<-EOF
		connections {
			bench {
				version = 2
				local_addrs = $2
				remote_addrs = $3
				proposals = aes128gcm16-prfsha256-x25519
				local {
					auth = psk
					id = $2
				}
				remote {
					auth = psk
					id = $3
				}
				children {
					net {
						mode = tunnel
						local_ts = $4
						remote_ts = $5
						esp_proposals = $6
					}
				}
			}
		}
		secrets {
			ike-bench {
				id-a = $2
				id-b = $3
				secret = "palisade-bench-psk-0123456789"
			}
		}
	EOF
	cat >"$d/strongswan.conf" <<-EOF
		charon {
			load_modular = no
			load = $(echo $SWAN_PLUGINS)
			plugins {
				vici {
					socket = unix://$d/charon.vici
				}
			}
			filelog {
				bench {
					path = $d/charon.log
					default = 1
				}
			}
			syslog {
				daemon {
					default = -1
				}
			}
		}
		swanctl {
			load = pem pkcs1 x509 openssl pubkey random nonce sha1 sha2 aes
			socket = unix://$d/charon.vici
		}
	EOF
}

swanctl_of() {
	local d=$WORK/swan-$1
	shift
	SWANCTL_DIR="$d/conf" STRONGSWAN_CONF="$d/strongswan.conf" \
		swanctl "$@" --uri "unix://$d/charon.vici"
}

# swan_pid NAME: the charon's pid, checked against /proc (pid reuse).
swan_pid() {
	local f=$WORK/swan-$1/run/charon.pid pid
	[ -f "$f" ] || return 1
	pid=$(cat "$f")
	grep -qa charon "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# swan_start NAME NS: charon in NS with the config of swan_conf NAME.
swan_start() {
	local d=$WORK/swan-$1
	STRONGSWAN_CONF="$d/strongswan.conf" setsid -f \
		ip netns exec "$2" unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" "$SWAN_CHARON" \
		</dev/null >"$d/stdout" 2>&1
	for _ in $(seq 100); do
		[ -S "$d/charon.vici" ] && swan_pid "$1" >/dev/null && break
		sleep 0.1
	done
	swan_pid "$1" >/dev/null || return 1
	swanctl_of "$1" --load-all --noprompt --file "$d/conf/swanctl.conf" >/dev/null 2>&1
}

swan_initiate() {
	swanctl_of "$1" --initiate --child net --ike bench --timeout 30 >/dev/null 2>&1
}

swan_stop() {
	local pid
	pid=$(swan_pid "$1") || return 0
	kill "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
}
