# tests/interop/lib.sh: sourced by strongswan.sh. Network namespaces, one
# strongSwan charon (kernel-libipsec) and one palisade-gatewayd (userspace
# data path), each in a namespace of its own, plus result bookkeeping.
# Everything lives under $WORK and in namespaces named $P*; cleanup()
# stops only the processes started here, by pid.
#
# Addresses (see net_up):
#   direct:  S 10.31.2.1 <-veth-> G 10.31.2.2
#   nat-s:   S 10.31.1.1 -> N (10.31.1.254 | 10.31.2.254, masquerade) -> G 10.31.2.2
#   nat-g:   G 10.31.1.1 -> N (masquerade) -> S 10.31.2.2
#   inner:   S 10.31.11.1 on lo (TS 10.31.11.0/24), G 10.31.22.1 (10.31.22.0/24)

P=pio$$
NS_S=${P}s NS_G=${P}g NS_N=${P}n
S_IN=10.31.11.1 G_IN=10.31.22.1
S_NET=10.31.11.0/24 G_NET=10.31.22.0/24
CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWAN=$WORK/swan
GW=$WORK/gw
SWAN_PID=""
GW_PID=""
pass=0
fail=0

# ---- results ----

ok() {
	pass=$((pass + 1))
	echo "ok: $*"
}
nok() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# check NAME COMMAND...: one result; a failing command's output is shown.
# The command runs in this shell (it may set variables).
check() {
	local name=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		ok "$name"
	else
		nok "$name"
		sed 's/^/    /' "$WORK/check.out" | head -40
		return 1
	fi
}
# wait_for SECONDS COMMAND...: poll every 0.1 s until the command succeeds
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

ns_s() { ip netns exec "$NS_S" "$@"; }
ns_g() { ip netns exec "$NS_G" "$@"; }

# ---- network ----

ns_new() {
	ip netns add "$1" && ip -n "$1" link set lo up
}

net_down() {
	swan_stop
	gw_stop
	for ns in $NS_S $NS_G $NS_N; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# net_up direct|nat-s|nat-g: fresh namespaces; sets S_ADDR/G_ADDR (own
# outer addresses), S_PEER/G_PEER (where each sends to) and S_SEEN/G_SEEN
# (the address the other side sees).
net_up() {
	local topo=$1 in out pub
	net_down
	ns_new "$NS_S" && ns_new "$NS_G" || return 1
	if [ "$topo" = direct ]; then
		ip link add "${P}s0" netns "$NS_S" type veth peer name "${P}g0" netns "$NS_G"
		ip -n "$NS_S" addr add 10.31.2.1/24 dev "${P}s0"
		ip -n "$NS_G" addr add 10.31.2.2/24 dev "${P}g0"
		ip -n "$NS_S" link set "${P}s0" up
		ip -n "$NS_G" link set "${P}g0" up
		S_ADDR=10.31.2.1 G_ADDR=10.31.2.2
		S_SEEN=$S_ADDR G_SEEN=$G_ADDR
	else
		ns_new "$NS_N" || return 1
		if [ "$topo" = nat-s ]; then in=$NS_S out=$NS_G; else in=$NS_G out=$NS_S; fi
		ip link add "${P}i0" netns "$in" type veth peer name "${P}ni" netns "$NS_N"
		ip link add "${P}o0" netns "$out" type veth peer name "${P}no" netns "$NS_N"
		ip -n "$in" addr add 10.31.1.1/24 dev "${P}i0"
		ip -n "$out" addr add 10.31.2.2/24 dev "${P}o0"
		ip -n "$NS_N" addr add 10.31.1.254/24 dev "${P}ni"
		ip -n "$NS_N" addr add 10.31.2.254/24 dev "${P}no"
		for l in "$in ${P}i0" "$out ${P}o0" "$NS_N ${P}ni" "$NS_N ${P}no"; do
			set -- $l
			ip -n "$1" link set "$2" up
		done
		ip -n "$in" route add default via 10.31.1.254
		ip netns exec "$NS_N" sysctl -qw net.ipv4.ip_forward=1
		# UDP source ports are remapped, so the public side really sees a
		# NATed port (500 -> 4xxxx), as with a home router
		ip netns exec "$NS_N" nft -f - <<-EOF || return 1
			table ip nat {
				chain post {
					type nat hook postrouting priority srcnat;
					oifname "${P}no" meta l4proto udp masquerade to :40000-49999
					oifname "${P}no" masquerade
				}
			}
		EOF
		pub=10.31.2.254
		if [ "$topo" = nat-s ]; then
			S_ADDR=10.31.1.1 G_ADDR=10.31.2.2 S_SEEN=$pub G_SEEN=$G_ADDR
		else
			G_ADDR=10.31.1.1 S_ADDR=10.31.2.2 G_SEEN=$pub S_SEEN=$S_ADDR
		fi
	fi
	S_PEER=$G_SEEN G_PEER=$S_SEEN
	[ "$topo" = nat-g ] && S_PEER=$pub
	[ "$topo" = nat-s ] && G_PEER=$pub
	ip -n "$NS_S" addr add "$S_IN/32" dev lo
	ip -n "$NS_G" addr add "$G_IN/32" dev lo
	TOPO=$topo
}

# ---- strongSwan ----

# The plugin order matters: kernel-libipsec must come before kernel-netlink
# (the first kernel-ipsec backend wins; this kernel has no XFRM ESP).
SWAN_PLUGINS="aes sha1 sha2 md5 random nonce x509 revocation constraints pubkey pkcs1 pkcs8 pem
openssl curve25519 chapoly hmac kdf gcm kernel-libipsec kernel-netlink socket-default vici"

swan_conf() {
	cat >"$SWAN/strongswan.conf" <<-EOF
		charon {
			load_modular = no
			load = $(echo $SWAN_PLUGINS)
			# fail fast: 3 tries, 1 s apart (1 s x 1.8^n)
			retransmit_tries = 2
			retransmit_timeout = 1
			retransmit_base = 1.8
			# NAT keepalives every 2 s when behind the NAT (default 20 s)
			keep_alive = 2s
			plugins {
				vici {
					socket = unix://$SWAN/charon.vici
				}
				kernel-libipsec {
					allow_peer_ts = no
				}
			}
			filelog {
				interop {
					path = $SWAN/charon.log
					time_format = %H:%M:%S
					time_add_ms = yes
					append = yes
					flush_line = yes
					ike_name = yes
					default = 1
					ike = 2
					cfg = 2
					net = 2
					enc = 1
					chd = 2
					knl = 1
					esp = 1
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
			socket = unix://$SWAN/charon.vici
		}
	EOF
}

# swan ARGS...: swanctl against our charon (credentials from $SWAN/conf)
swan() {
	SWANCTL_DIR="$SWAN/conf" STRONGSWAN_CONF="$SWAN/strongswan.conf" \
		swanctl "$@" --uri "unix://$SWAN/charon.vici"
}

# swan_load: (re)load $SWAN/conf/swanctl.conf (connections not in it go)
swan_load() {
	swan --load-all --noprompt --file "$SWAN/conf/swanctl.conf" 2>&1 |
		grep -v -e "^opening directory .* failed" -e "^loaded " -e "^no .* found" \
			-e "^successfully loaded" -e "^unloaded "
	return "${PIPESTATUS[0]}"
}

# swan_start: charon in NS_S. 5.9 hard-codes /var/run/charon.pid, so it
# runs in a private mount namespace with $SWAN/run mounted over /run.
swan_start() {
	mkdir -p "$SWAN/run" "$SWAN/conf"
	rm -f "$SWAN/run/charon.pid" "$SWAN/charon.vici"
	swan_conf
	STRONGSWAN_CONF="$SWAN/strongswan.conf" ip netns exec "$NS_S" \
		unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$SWAN/run" "$CHARON" \
		</dev/null >>"$SWAN/charon.stdout" 2>&1 &
	SWAN_PID=$!
	# ip, unshare and sh all exec: the pid we hold becomes charon's
	if ! wait_for 10 test -S "$SWAN/charon.vici"; then
		echo "charon did not come up:" >&2
		tail -20 "$SWAN/charon.stdout" "$SWAN/charon.log" >&2
		return 1
	fi
}

swan_stop() {
	[ -n "$SWAN_PID" ] || return 0
	kill -TERM "$SWAN_PID" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $SWAN_PID" || kill -KILL "$SWAN_PID" 2>/dev/null
	wait "$SWAN_PID" 2>/dev/null
	SWAN_PID=""
}

# ---- palisade-gatewayd ----

gw_start() {
	mkdir -p "$GW/etc/conns" "$GW/run"
	touch "$GW/gatewayd.log"
	GW_LOG_MARK=$(wc -l <"$GW/gatewayd.log")
	cat >"$GW/etc/gateway.json" <<-EOF
		{ "listen": ["$G_ADDR"], "datapath": "userspace", "tun_name": "${P}t",
		  "nat_keepalive": 2, "log_level": "debug"${GW_EXTRA:-} }
	EOF
	ip netns exec "$NS_G" "$GATEWAYD" --foreground --config-dir "$GW/etc" \
		--run-dir "$GW/run" >>"$GW/gatewayd.log" 2>&1 &
	GW_PID=$!
	if ! wait_for 10 test -S "$GW/run/control.sock"; then
		echo "palisade-gatewayd did not come up:" >&2
		tail -20 "$GW/gatewayd.log" >&2
		return 1
	fi
}

# gw_stop: SIGTERM, SIGKILL after 10 s; returns the daemon's exit status
gw_stop() {
	local rc
	[ -n "$GW_PID" ] || return 0
	kill -TERM "$GW_PID" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $GW_PID" || kill -KILL "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	rc=$?
	GW_PID=""
	return $rc
}

# gw_stop_clean: exit status 0 and no sanitizer report since gw_start
gw_stop_clean() {
	local rc=0
	gw_stop || rc=$?
	[ $rc -eq 0 ] || echo "palisade-gatewayd exited with status $rc"
	if tail -n "+$((GW_LOG_MARK + 1))" "$GW/gatewayd.log" |
		grep -E -A 12 "Sanitizer|runtime error:"; then
		return 1
	fi
	[ $rc -eq 0 ]
}

ctl() { "$PALISADECTL" --socket "$GW/run/control.sock" "$@"; }

# gw_reload: conns/ of $GW/etc re-read; fails on file errors
gw_reload() {
	ctl reload all >/dev/null
}
