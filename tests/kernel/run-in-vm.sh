#!/usr/bin/env bash
# run-in-vm.sh - run one script as root inside a throw-away qemu VM (TCG,
# no KVM needed) that boots Debian's own kernel (linux-image-amd64), which
# has the ESP, GCM and ChaCha20 modules our CI kernels lack.
#
#   run-in-vm.sh HOSTDIR SCRIPT [ARGS...]
#
# HOSTDIR is shared read-write into the VM at the same absolute path, the
# host's /usr read-only (so host-built binaries, bash, python3, iproute2
# run unchanged) and /etc as a throw-away overlay. SCRIPT (absolute, or
# relative to HOSTDIR) must lie in HOSTDIR or in one of the read-only
# shares of KERNEL_VM_RO_SHARES. The script's output is relayed to stdout;
# its exit status is ours. 124 = timeout, 125 = VM/infrastructure error.
#
# Environment: KERNEL_VM_CACHE (default ~/.cache/palisade-kernel-vm),
# KERNEL_VM_KERNEL_PKG (default linux-image-amd64), KERNEL_VM_UPDATE=1
# (resolve the kernel package again), KERNEL_VM_MEM (MiB, 1024),
# KERNEL_VM_TIMEOUT (s, 1200), KERNEL_VM_RO_SHARES (dirs), KERNEL_VM_MODULES
# (more modules to load at boot), KERNEL_VM_PASSENV (variables to pass in;
# CI always), KERNEL_VM_DMESG (file for the guest's dmesg),
# KERNEL_VM_VERBOSE=1 (kernel log and qemu command line).
#
# Written for Palisade after the kernel-vm harness its team validated:
# same boot recipe (q35, -cpu max, 9p shares, module autoloading through
# busybox modprobe), see tests/kernel/README.md for the why of each step.
set -euo pipefail

PROG=${0##*/}
FORMAT=1 # bump when the initramfs layout or /init changes
CACHE=${KERNEL_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/palisade-kernel-vm}
KPKG=${KERNEL_VM_KERNEL_PKG:-linux-image-amd64}
MEM=${KERNEL_VM_MEM:-1024}
TIMEOUT=${KERNEL_VM_TIMEOUT:-1200}
VERBOSE=${KERNEL_VM_VERBOSE:-0}
PASSENV=${KERNEL_VM_PASSENV:-}
DMESG_OUT=${KERNEL_VM_DMESG:-}

# Loaded at boot: 9p/virtio for the shares, the CPU crypto drivers udev
# would load on real hardware, XFRM, veth, and tun (/dev/net/tun appears
# only once tun is loaded, so nothing would autoload it). Everything else under
# INCLUDE_DIRS is in the initramfs and autoloads (esp4 templates, gcm,
# seqiv, drbg, ...): the kernel calls busybox modprobe.
PRELOAD="virtio_pci 9pnet_virtio 9p overlay
 aesni_intel ghash_clmulni_intel sha1_ssse3 sha256_ssse3 sha512_ssse3
 xfrm_user esp4 esp6 veth tun ${KERNEL_VM_MODULES:-}"
INCLUDE_DIRS="crypto arch/x86/crypto lib/crypto net/xfrm net/key net/ipv4 net/ipv6
 net/netfilter net/sched net/core net/802 net/packet net/unix
 drivers/net/veth.ko drivers/net/dummy.ko drivers/net/tun.ko drivers/char/hw_random"

die() {
	echo "$PROG: $*" >&2
	exit 125
}
log() { [ "$VERBOSE" = 0 ] || echo "$PROG: $*" >&2; }

[ $# -ge 2 ] || die "usage: $PROG HOSTDIR SCRIPT [ARGS...]"
HOSTDIR=$(realpath -e -- "$1") || die "no such directory: $1"
case "$2" in
/*) SCRIPT=$(realpath -e -- "$2") || die "no such script: $2" ;;
*) SCRIPT=$(realpath -e -- "$HOSTDIR/$2") || die "no such script: $HOSTDIR/$2" ;;
esac
shift 2
system_dir() {
	case "$1" in
	/ | /usr | /usr/* | /etc | /etc/* | /proc* | /sys* | /dev* | /lib* | /bin* | /sbin* | /run | /run/* | /tmp | /.bb*) return 0 ;;
	esac
	return 1
}
system_dir "$HOSTDIR" && die "cannot share $HOSTDIR (it would hide a system directory)"
RO_SHARES=""
for d in ${KERNEL_VM_RO_SHARES:-}; do
	d=$(realpath -e -- "$d") && [ -d "$d" ] || die "KERNEL_VM_RO_SHARES: no such directory: $d"
	system_dir "$d" && die "KERNEL_VM_RO_SHARES: cannot share $d"
	RO_SHARES="$RO_SHARES $d"
done
inside=0
for d in "$HOSTDIR" $RO_SHARES; do
	case "$SCRIPT" in "$d"/*) inside=1 ;; esac
done
[ $inside = 1 ] || die "script $SCRIPT is not inside a shared directory"

# ---------------------------------------------------------------- host tools
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || need+=(kmod)
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages: ${need[*]} (install them as root)"
	echo "$PROG: installing ${need[*]}" >&2
	apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 "$@"; }
	apt_q install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
		{ apt_q update >/dev/null && apt_q install -y --no-install-recommends "${need[@]}" >&2; } ||
		die "apt-get install ${need[*]} failed"
fi
PATH=$PATH:/usr/sbin:/sbin
BUSYBOX=/bin/busybox

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one builder at a time; released before qemu starts

# ---------------------------------------------------------------- kernel
# The image package behind linux-image-amd64 changes with each ABI bump
# (and the old one leaves the mirror), so it is resolved, never pinned.
resolve_pkg() {
	local dep
	case "$1" in
	linux-image-amd64 | linux-image-cloud-amd64) ;;
	*) echo "$1"; return ;;
	esac
	dep=$(apt-cache depends --no-recommends --no-suggests "$1" 2>/dev/null |
		awk '!f && $1=="Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; f=1}')
	if [ -z "$dep" ] && [ "$(id -u)" = 0 ]; then
		apt-get -q update >/dev/null 2>&1 || true
		dep=$(apt-cache depends --no-recommends --no-suggests "$1" 2>/dev/null |
			awk '!f && $1=="Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; f=1}')
	fi
	[ -n "$dep" ] || die "cannot resolve $1 (apt-get update needed?)"
	echo "$dep"
}

KIMG=""
if [ "${KERNEL_VM_UPDATE:-0}" = 0 ] && [ -z "${KERNEL_VM_KERNEL_PKG:-}" ] &&
	[ -s "$CACHE/kernel-current" ]; then
	KIMG=$(cat "$CACHE/kernel-current")
	[ -s "$CACHE/$KIMG/vmlinuz" ] || KIMG=""
fi
[ -n "$KIMG" ] || KIMG=$(resolve_pkg "$KPKG")
KDIR=$CACHE/$KIMG
if [ ! -s "$KDIR/vmlinuz" ] || [ ! -s "$KDIR/kernel.deb" ]; then
	echo "$PROG: fetching $KIMG with apt-get download" >&2
	tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
	chmod 755 "$tmp" # apt's _apt user writes there
	(cd "$tmp" && apt-get -q download "$KIMG" >/dev/null 2>&1) ||
		([ "$(id -u)" = 0 ] && apt-get -q update >/dev/null 2>&1 &&
			cd "$tmp" && apt-get -q download "$KIMG" >&2) ||
		{ rm -rf "$tmp"; die "apt-get download $KIMG failed"; }
	deb=$(ls "$tmp"/*.deb | head -n1)
	mkdir -p "$tmp/x" "$KDIR"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/vmlinuz-*'
	mv "$tmp"/x/boot/vmlinuz-* "$KDIR/vmlinuz.new"
	mv "$deb" "$KDIR/kernel.deb"
	dpkg-deb -f "$KDIR/kernel.deb" Version >"$KDIR/version"
	mv "$KDIR/vmlinuz.new" "$KDIR/vmlinuz"
	rm -rf "$tmp"
fi
echo "$KIMG" >"$CACHE/kernel-current.new" && mv "$CACHE/kernel-current.new" "$CACHE/kernel-current"

# ---------------------------------------------------------------- /init
# PID 1 in the VM (busybox sh): mounts, modules, shares, then the job.
read -r -d '' INIT <<'INIT_EOF' || true
#!/.bb/sh
export PATH=/.bb
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
for d in /dev/shm /tmp; do mount -t tmpfs -o mode=1777 tmpfs $d; done
for d in /run /var; do mount -t tmpfs -o mode=755 tmpfs $d; done
mkdir -p /var/tmp /var/lib /var/log /var/cache /root /run/lock /run/netns
ln -s /run /var/run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
echo /.bb/modprobe > /proc/sys/kernel/modprobe
hostname kernel-vm
ip link set lo up
fail() { echo "vm init: $*"; echo 125 > /ctl/rc 2>/dev/null; sync; poweroff -f; }
for m in $(cat /etc/vm/modules); do modprobe "$m" 2>/dev/null || echo "$m" >> /run/modprobe-failed; done
O=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /ctl
mount -t 9p -o $O,cache=none kvmctl /ctl || fail "cannot mount the control share"
. /ctl/job
[ "$KVM_VERBOSE" = 1 ] && [ -s /run/modprobe-failed ] && echo "vm init: not loaded: $(cat /run/modprobe-failed)"
mount -t 9p -o $O,cache=loose,ro hostusr /usr || fail "cannot mount the host's /usr"
mkdir -p /.hostetc /run/.etc/upper /run/.etc/work
mount -t 9p -o $O,cache=loose,ro hostetc /.hostetc || fail "cannot mount the host's /etc"
mount -t overlay -o lowerdir=/.hostetc:/.initetc,upperdir=/run/.etc/upper,workdir=/run/.etc/work overlay /etc ||
	fail "cannot mount the /etc overlay"
rm -rf /bin /sbin /lib64
ln -s usr/bin /bin; ln -s usr/sbin /sbin; ln -s usr/lib64 /lib64
rm -rf /lib/x86_64-linux-gnu
for e in /usr/lib/* /usr/lib/.[!.]*; do
	[ -e "$e" ] || continue
	n=${e##*/}
	[ -e "/lib/$n" ] || [ -L "/lib/$n" ] || ln -s "$e" "/lib/$n"
done
i=0
for d in $KVM_RO_SHARES; do
	i=$((i + 1))
	mkdir -p "$d" && mount -t 9p -o $O,cache=loose,ro "ro$i" "$d" || fail "cannot mount $d"
done
mkdir -p "$KVM_SHARE"
mount -t 9p -o $O,cache=none kvmshare "$KVM_SHARE" || fail "cannot mount $KVM_SHARE"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/.bb
export HOME=/root USER=root LOGNAME=root SHELL=/bin/sh TERM=dumb KERNEL_VM=1
cd "$KVM_SHARE"
echo started > /ctl/started
if [ -x "$KVM_SCRIPT" ]; then "$KVM_SCRIPT" "$@" </dev/null; else /bin/sh "$KVM_SCRIPT" "$@" </dev/null; fi
rc=$?
export PATH=/.bb
cd /
dmesg > /ctl/dmesg 2>/dev/null
echo $rc > /ctl/rc
sync
umount "$KVM_SHARE" 2>/dev/null
umount /ctl 2>/dev/null
poweroff -f
INIT_EOF

# ---------------------------------------------------------------- initramfs
# Cached by a hash of everything that goes in; three newest kept.
modset=$(printf '%s\n' $PRELOAD | awk '!seen[$0]++' | tr '\n' ' ')
key=$(printf 'format=%s\n%s\n%s\n%s\n%s\n%s\n' "$FORMAT" "$(cat "$KDIR/version")" \
	"$(sha256sum <"$BUSYBOX")" "$modset" "$INCLUDE_DIRS" "$INIT" | sha256sum | cut -c1-16)
INITRD=$KDIR/initrd-$key.cpio.gz

build_initramfs() {
	local tmp mp krel md r m out
	echo "$PROG: building the initramfs for $KIMG" >&2
	tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# bookworm ships ./lib/modules, newer suites ./usr/lib/modules
	mp=$(dpkg-deb -c "$KDIR/kernel.deb" |
		awk '!f && $6 ~ /^\.\/(usr\/)?lib\/modules\// { sub(/modules\/.*/, "modules/", $6); print $6; f=1 }')
	[ -n "$mp" ] || die "no modules in $KDIR/kernel.deb"
	dpkg-deb --fsys-tarfile "$KDIR/kernel.deb" | tar -x -C "$tmp" "$mp"
	[ -d "$tmp/lib/modules" ] || { mkdir -p "$tmp/lib"; mv "$tmp/usr/lib/modules" "$tmp/lib/modules"; }
	krel=$(ls "$tmp/lib/modules" | head -n1)
	depmod -b "$tmp" "$krel" # the .deb has no modules.dep (postinst makes it)
	md=$tmp/lib/modules/$krel
	r=$tmp/root
	mkdir -p "$r"/{.bb,dev,proc,sys,run,tmp,var,usr,lib/modules/$krel,etc/vm,.initetc,root}
	cp "$BUSYBOX" "$r/.bb/busybox"
	# busybox --list names busybox itself: linking it would clobber it
	for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$r/.bb/$a"; done
	ln -s .bb "$r/bin"
	ln -s .bb "$r/sbin"
	: >"$tmp/want"
	for d in $INCLUDE_DIRS; do
		[ -e "$md/kernel/$d" ] && (cd "$md" && find "kernel/$d" -name '*.ko*') >>"$tmp/want"
	done
	: >"$r/etc/vm/modules"
	for m in $modset; do
		out=$(modprobe -d "$tmp" -S "$krel" --show-depends "$m" 2>&1) ||
			{ echo "$PROG: warning: no module $m in $KIMG" >&2; continue; }
		case "$out" in builtin*) continue ;; esac
		echo "$m" >>"$r/etc/vm/modules"
		echo "$out" | awk -v p="$md/" '$1=="insmod"{sub(p, "", $2); print $2}' >>"$tmp/want"
	done
	# modules.dep lines hold each module's whole dependency closure
	awk 'NR==FNR {want[$1]=1; next}
	     { f=$1; sub(/:$/, "", f); if (f in want) { print f; for (i=2; i<=NF; i++) print $i } }' \
		"$tmp/want" "$md/modules.dep" | sort -u >"$tmp/files"
	(cd "$md" && cpio -pdm --quiet "$r/lib/modules/$krel" <"$tmp/files")
	cp "$md"/modules.{order,builtin,builtin.modinfo} "$r/lib/modules/$krel/"
	depmod -b "$r" "$krel"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/.initetc/passwd"
	printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$r/.initetc/group"
	printf '127.0.0.1 localhost kernel-vm\n::1 localhost\n' >"$r/.initetc/hosts"
	cp "$r"/.initetc/* "$r/etc/"
	printf '%s\n' "$INIT" >"$r/init"
	chmod 755 "$r/init"
	[ "$(id -u)" = 0 ] && mknod -m 600 "$r/dev/console" c 5 1
	(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$INITRD.new"
	mv "$INITRD.new" "$INITRD"
	rm -rf "$tmp"
	trap - EXIT
	ls -t "$KDIR"/initrd-*.cpio.gz | tail -n +4 | xargs -r rm -f
}
[ -s "$INITRD" ] || build_initramfs
flock -u 9

# ---------------------------------------------------------------- boot
CTL=$(mktemp -d "${TMPDIR:-/tmp}/palisade-vm.XXXXXX")
trap 'rm -rf "$CTL"' EXIT
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	echo "KVM_SHARE=$(sq "$HOSTDIR")"
	echo "KVM_SCRIPT=$(sq "$SCRIPT")"
	echo "KVM_VERBOSE=$(sq "$VERBOSE")"
	echo "KVM_RO_SHARES=$(sq "$RO_SHARES")"
	printf 'set --'
	for a in "$@"; do printf ' %s' "$(sq "$a")"; done
	echo
	for v in CI $PASSENV; do
		[ -n "${!v+x}" ] && echo "export $v=$(sq "${!v}")"
	done
} >"$CTL/job"

if [ "$VERBOSE" = 0 ]; then kcmd="quiet loglevel=1"; else kcmd="loglevel=7"; fi
# q35: microvm under TCG sometimes hangs in timer calibration
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg
	-cpu max -smp 1 -m "$MEM" -display none -vga none -no-reboot
	-serial stdio -monitor none -nic none
	-kernel "$KDIR/vmlinuz" -initrd "$INITRD"
	-append "console=ttyS0 $kcmd panic=-1 mitigations=off random.trust_cpu=on i8042.noaux i8042.nokbd")
n=0
share() { # share HOSTPATH TAG [ro]
	n=$((n + 1))
	qemu+=(-fsdev "local,id=fs$n,path=${1//,/,,},security_model=none${3:+,readonly=on}"
		-device "virtio-9p-pci,fsdev=fs$n,mount_tag=$2")
}
share "$CTL" kvmctl
share "$HOSTDIR" kvmshare
share /usr hostusr ro
share /etc hostetc ro
i=0
for d in $RO_SHARES; do
	i=$((i + 1))
	share "$d" "ro$i" ro
done
log "${qemu[*]}"

# The console goes through a FIFO, without CRs and the final power-down
# line; qemu's stdin is /dev/null (-serial stdio with a tty would hang).
mkfifo "$CTL/console"
sed -u -e 's/\r$//' -e '/^\[ *[0-9.]*\] reboot: Power down$/d' <"$CTL/console" &
spid=$!
timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$CTL/console" 2>"$CTL/qemu.stderr" &
qpid=$!
interrupted=0
trap 'interrupted=1; kill -TERM $qpid 2>/dev/null' INT TERM HUP
set +e
while :; do
	wait $qpid
	st=$?
	kill -0 $qpid 2>/dev/null || break
done
wait $spid
set -e
trap - INT TERM HUP
[ $interrupted = 0 ] || { echo "$PROG: interrupted" >&2; exit 130; }
[ -z "$DMESG_OUT" ] || [ ! -f "$CTL/dmesg" ] || cp "$CTL/dmesg" "$DMESG_OUT"
if [ "$st" = 124 ] || [ "$st" = 137 ]; then
	echo "$PROG: timed out after ${TIMEOUT}s" >&2
	exit 124
fi
[ -s "$CTL/rc" ] && exit "$(cat "$CTL/rc")"
echo "$PROG: the VM stopped (qemu status $st) without a result" >&2
[ -f "$CTL/started" ] || echo "$PROG: the script never started; try KERNEL_VM_VERBOSE=1" >&2
grep -v '^$' "$CTL/qemu.stderr" >&2 || true
exit 125
