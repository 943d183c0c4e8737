# mgmtd_lib.sh: what check_api.sh and check_web.sh (tests/web) both do
# around palisade-mgmtd: gateway A's start/stop scripts, mgmtd's start,
# stopping by pid file, and adding a node test's "N passed, N failed" to
# the counts. Sourced after tests/integration/ike_lib.sh (ok, ko, nsa);
# uses WORK, NSA, GATEWAYD, PALISADECTL, MGMTD, PORT, BASE, pass, fail.

# kill_pidfile FILE: stop the process FILE names, wait for it, drop FILE
kill_pidfile() {
	local f=$1 pid
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$f"
}

# gwa_scripts: $WORK/gw_start.sh and gw_stop.sh, gateway A by pid file
# (the tests stop and start it; after net_direct: they name NSA)
gwa_scripts() {
	cat >"$WORK/gw_start.sh" <<EOF
#!/bin/sh
setsid ip netns exec $NSA "$GATEWAYD" --foreground --config-dir "$WORK/a" \
	--run-dir "$WORK/a/run" >>"$WORK/a.log" 2>&1 </dev/null &
echo \$! >"$WORK/gwa.pid"
for i in \$(seq 100); do
	[ -S "$WORK/a/run/control.sock" ] && "$PALISADECTL" --socket "$WORK/a/run/control.sock" version >/dev/null 2>&1 && exit 0
	sleep 0.1
done
exit 1
EOF
	cat >"$WORK/gw_stop.sh" <<EOF
#!/bin/sh
pid=\$(cat "$WORK/gwa.pid"); kill \$pid
for i in \$(seq 50); do kill -0 \$pid 2>/dev/null || exit 0; sleep 0.1; done
exit 1
EOF
	chmod +x "$WORK/gw_start.sh" "$WORK/gw_stop.sh"
}

# mgmtd_start WEB_ROOT: mgmtd in A's namespace on 127.0.0.1:$PORT, up
# when /healthz answers
mgmtd_start() {
	setsid ip netns exec "$NSA" "$MGMTD" --config-dir "$WORK/a" \
		--gateway-socket "$WORK/a/run/control.sock" --listen "127.0.0.1:$PORT" \
		--web-root "$1" >"$WORK/mgmtd.log" 2>&1 </dev/null &
	echo $! >"$WORK/mgmtd.pid"
	for _ in $(seq 100); do
		nsa curl -sf "$BASE/healthz" >/dev/null && return 0
		sleep 0.05
	done
	echo "mgmtd did not start:"
	cat "$WORK/mgmtd.log"
	return 1
}

# node_tally OUT NAME: OUT's closing "N passed, N failed" added to pass and
# fail; a failure when NAME did not run to its end
node_tally() {
	local np nf
	np=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$1")
	nf=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$1")
	if [ -z "$np" ]; then
		ko "$2 ran to its end"
	else
		pass=$((pass + np))
		fail=$((fail + nf))
	fi
}
