#!/bin/bash
# privsep.sh: the installed services' privilege model, without systemd
# (root; a network namespace of its own). As the units run them:
# palisade-gatewayd as an unprivileged user (here uid/gid 60871, "palisade")
# with only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE (ambient and
# bounding set, no_new_privs); palisade-mgmtd as another user (60872,
# "palisade-mgmt") with no capability, a member of the gateway's group;
# the configuration directory owned by the mgmt user, group the gateway's,
# set-group-ID 2750 (systemd/palisade.tmpfiles.conf.in). Checked: the
# gateway starts (UDP 500, TUN, raw ESP), mgmtd reaches the control socket
# (GET /api/v1/sas 200), an EAP user created through the API is written
# 0640 with the gateway's group and applied to the running gateway
# (Palisade-Applied: true), a connection with a PSK too; the gateway
# reloads them on SIGHUP with no error.
# Usage: privsep.sh BUILD_DIR   (prints ok:/FAIL: lines; check_units.sh counts them)
set -u
BUILD=${1:?usage: privsep.sh BUILD_DIR}
GWD=$BUILD/gateway/palisade-gatewayd MGMTD=$BUILD/mgmtd/palisade-mgmtd
G=60871 M=60872 PORT=18091
NS=pps$$
T=$(mktemp -d /tmp/privsep.XXXXXX)
chmod 755 "$T"
C=$T/etc R=$T/run
GPID="" MPID=""
ok() { echo "ok: $*"; }
ko() { echo "FAIL: $*"; }
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for u in $G $M; do
	if getent passwd $u >/dev/null || getent group $u >/dev/null; then
		echo "skip: uid/gid $u exists on this machine"
		exit 0
	fi
done

# the layout of systemd/palisade.tmpfiles.conf.in, and RuntimeDirectory=
mkdir -p "$C/conns" "$C/cas" "$C/certs" "$C/keys" "$R"
chown $M:$G "$C" "$C/conns" "$C/cas" "$C/certs"
chmod 2750 "$C" "$C/conns" "$C/cas" "$C/certs"
chown $G:$G "$C/keys" "$R"
chmod 700 "$C/keys"
chmod 750 "$R"
echo '{"listen": ["127.0.0.1"], "datapath": "userspace", "workers": 2}' >"$C/gateway.json"
chown $M:$G "$C/gateway.json"
chmod 640 "$C/gateway.json"

as_mgmt() { setpriv --reuid=$M --regid=$M --groups=$G --inh-caps=-all --bounding-set=-all \
	--no-new-privs "$@"; }
caps=+net_admin,+net_raw,+net_bind_service

TOKEN=$(as_mgmt "$MGMTD" token create --config-dir "$C" --role admin --name t) &&
	ok "privsep: token made as the mgmt user" || ko "privsep: token made as the mgmt user"
ip netns add "$NS" && ip -n "$NS" link set lo up
# ip netns exec and setpriv exec: $! is the daemon's pid
ip netns exec "$NS" setpriv --reuid=$G --regid=$G --clear-groups --inh-caps=$caps \
	--ambient-caps=$caps --bounding-set=-all,$caps --no-new-privs \
	"$GWD" --foreground --config-dir "$C" --run-dir "$R" >"$T/gw.log" 2>&1 &
GPID=$!
for _ in $(seq 100); do grep -q "ready" "$T/gw.log" && break; sleep 0.1; done
if grep -q "ready" "$T/gw.log"; then
	ok "privsep: gatewayd runs as uid $G with CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE only ($(grep -o 'data path: [a-z]*' "$T/gw.log"))"
else
	ko "privsep: gatewayd with its three capabilities: $(tail -3 "$T/gw.log")"
fi
ip netns exec "$NS" setpriv --reuid=$M --regid=$M --groups=$G --inh-caps=-all --bounding-set=-all \
	--no-new-privs "$MGMTD" --config-dir "$C" --gateway-socket "$R/control.sock" \
	--listen 127.0.0.1:$PORT >"$T/mgmtd.log" 2>&1 &
MPID=$!
api() { ip netns exec "$NS" curl -s -H "Authorization: Bearer $TOKEN" "$@"; }
for _ in $(seq 100); do api -f "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
code=$(api -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/sas")
[ "$code" = 200 ] && ok "privsep: mgmtd (no capabilities, group of the gateway) reaches the control socket" ||
	ko "privsep: GET /api/v1/sas as the mgmt user: $code; $(tail -3 "$T/mgmtd.log")"
h=$(api -D - -o /dev/null -H 'Content-Type: application/json' -X POST \
	"http://127.0.0.1:$PORT/api/v1/eap-users" -d '{"identity": "carol", "password": "Passw0rd-carol"}')
f=$(stat -c '%a %u:%g' "$C/eap-users.json" 2>/dev/null)
if echo "$h" | grep -q "^HTTP/1.1 201" && echo "$h" | grep -qi "^palisade-applied: true" &&
	[ "$f" = "640 $M:$G" ]; then
	ok "privsep: EAP user written ($f) and applied to the gateway"
else
	ko "privsep: EAP user: $(echo "$h" | head -1) applied=$(echo "$h" | grep -i applied) file=$f"
fi
h=$(api -D - -o /dev/null -H 'Content-Type: application/json' -X POST \
	"http://127.0.0.1:$PORT/api/v1/connections" -d '{"name": "site", "local": {"id": "a.test", "auth": "psk"},
	 "remote": {"addrs": ["192.0.2.2"], "id": "b.test", "auth": "psk"},
	 "ike": {"proposals": ["aes256gcm16-prfsha256-x25519"]},
	 "children": [{"name": "net", "local_ts": ["10.1.0.0/16"], "remote_ts": ["10.2.0.0/16"],
	               "esp_proposals": ["aes256gcm16"]}], "psk": "a-long-enough-secret-0123456789"}')
f=$(stat -c '%a %u:%g' "$C/conns/site.json" 2>/dev/null)
if echo "$h" | grep -q "^HTTP/1.1 201" && echo "$h" | grep -qi "^palisade-applied: true" &&
	[ "$f" = "640 $M:$G" ]; then
	ok "privsep: PSK connection written ($f) and applied to the gateway"
else
	ko "privsep: PSK connection: $(echo "$h" | head -1) applied=$(echo "$h" | grep -i applied) file=$f"
fi
n=$(grep -c "configuration reloaded" "$T/gw.log")
kill -HUP "$GPID"
for _ in $(seq 50); do [ "$(grep -c "configuration reloaded" "$T/gw.log")" -gt "$n" ] && break; sleep 0.1; done
if [ "$(grep -c "configuration reloaded" "$T/gw.log")" -gt "$n" ] && kill -0 "$GPID" &&
	! grep -qi "reload refused\|permission denied" "$T/gw.log"; then
	ok "privsep: SIGHUP reload as the gateway user reads everything mgmtd wrote"
else
	ko "privsep: reload: $(grep -i "refused\|denied\|error" "$T/gw.log" | tail -3)"
fi
