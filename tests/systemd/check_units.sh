#!/bin/bash
# check_units.sh: the systemd units as `make install` writes them. Installs
# the build tree into a scratch prefix (so ExecStart names real binaries),
# then: systemd-analyze verify passes for each unit; the exposure score of
# systemd-analyze security is printed and is at most 4.0 for
# palisade-gatewayd and 2.0 for palisade-mgmtd; the sysusers.d snippet
# creates both users in a scratch root (systemd-sysusers --root) with
# palisade-mgmt in group palisade; the tmpfiles.d snippet is accepted by
# systemd-tmpfiles (--root, creates the directories with their modes);
# palisade-gatewayd sends READY=1, WATCHDOG=1 from its worker pool,
# RELOADING=1/READY=1 on SIGHUP and STOPPING=1 (notify.py); the two
# daemons run as two users with the units' capabilities and share the
# configuration directory as the tmpfiles snippet lays it out (privsep.sh).
# The files keep the build's prefix (make DESTDIR=... install); to verify
# them, a copy of each unit names the binaries under DESTDIR.
# Usage: sbindir=... sysconfdir=... pkgdatadir=... unitdir=... sysusersdir=...
#        tmpfilesdir=... check_units.sh BUILD_DIR   (make check-systemd)
# Prints "N passed, N failed"; exits non-zero on failure.
set -u
BUILD=${1:?usage: check_units.sh BUILD_DIR}
T=$(mktemp -d /tmp/check_units.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

command -v systemd-analyze >/dev/null || { echo "check_units.sh: systemd-analyze missing"; exit 77; }
D=$T/dest
if make -C "$BUILD" -s install DESTDIR="$D" >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=..."
else
	ko "make install DESTDIR=..."
	tail -n 20 "$T/install.log"
fi
# the installation directories, from make check-systemd
: "${sbindir:?}" "${sysconfdir:?}" "${pkgdatadir:?}" "${unitdir:?}" "${sysusersdir:?}" \
	"${tmpfilesdir:?}"
U=$T/units
mkdir -p "$U"
for f in palisade-gatewayd.service palisade-mgmtd.service; do
	sed "s|$sbindir/|$D$sbindir/|g" "$D$unitdir/$f" >"$U/$f"
done

# score UNIT: the overall exposure, e.g. 2.1
score() {
	systemd-analyze security --offline=true --no-pager "$U/$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
for unit in palisade-gatewayd.service:4.0 palisade-mgmtd.service:2.0; do
	name=${unit%%:*} max=${unit#*:}
	if out=$(systemd-analyze verify --man=no "$U/$name" 2>&1) && [ -z "$out" ]; then
		ok "$name: systemd-analyze verify"
	else
		ko "$name: systemd-analyze verify: $out"
	fi
	s=$(score "$name")
	if [ -n "$s" ] && awk -v s="$s" -v m="$max" 'BEGIN { exit !(s <= m) }'; then
		ok "$name: systemd-analyze security exposure $s (at most $max)"
	else
		ko "$name: systemd-analyze security exposure '${s:-?}' (at most $max)"
	fi
done
grep -q "^ExecStart=$sbindir/palisade-gatewayd .*--config-dir $sysconfdir/palisade" \
	"$D$unitdir/palisade-gatewayd.service" && [ -x "$D$sbindir/palisade-gatewayd" ] && ok "gatewayd's unit names the installed paths" ||
	ko "gatewayd's unit names the installed paths"
grep -q -- "--web-root $pkgdatadir/web" "$D$unitdir/palisade-mgmtd.service" &&
	[ -f "$D$pkgdatadir/web/index.html" ] && ok "mgmtd's unit names the installed dashboard" ||
	ko "mgmtd's unit names the installed dashboard"

# sysusers and tmpfiles in a scratch root
R=$T/root
mkdir -p "$R/etc"
if systemd-sysusers --root="$R" "$D$sysusersdir/palisade.conf" 2>"$T/sysusers.err" &&
	grep -q "^palisade:" "$R/etc/passwd" && grep -q "^palisade-mgmt:" "$R/etc/passwd" &&
	grep -q "^palisade:x:[0-9]*:palisade-mgmt$" "$R/etc/group"; then
	ok "sysusers.d: users palisade and palisade-mgmt, palisade-mgmt in group palisade"
else
	ko "sysusers.d: $(cat "$T/sysusers.err")"
fi
mkdir -p "$R$sysconfdir"
if systemd-tmpfiles --root="$R" --create "$D$tmpfilesdir/palisade.conf" \
	2>"$T/tmpfiles.err" && [ -d "$R$sysconfdir/palisade/conns" ] &&
	[ "$(stat -c %a "$R$sysconfdir/palisade")" = 2750 ] &&
	[ "$(stat -c %a "$R$sysconfdir/palisade/keys")" = 700 ] &&
	[ "$(stat -c %u:%g "$R$sysconfdir/palisade")" = \
		"$(awk -F: '$1 == "palisade-mgmt" { print $3 }' "$R/etc/passwd"):$(awk -F: \
			'$1 == "palisade" { print $3 }' "$R/etc/group")" ]; then
	ok "tmpfiles.d: the configuration directory, set-group-ID, keys/ 0700"
else
	ko "tmpfiles.d: $(cat "$T/tmpfiles.err")"
fi
# the daemon's side of Type=notify, WatchdogSec and ExecReload (root:
# a network namespace of its own)
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/notify"
	while read -r line; do
		echo "$line"
		case $line in ok:*) pass=$((pass + 1)) ;; FAIL:*) fail=$((fail + 1)) ;; esac
	done < <(python3 "$(dirname "$0")/notify.py" "$BUILD/gateway/palisade-gatewayd" "$T/notify" 2>&1
		"$(dirname "$0")/privsep.sh" "$BUILD" 2>&1)
else
	echo "skip: sd_notify and privilege checks need root"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
