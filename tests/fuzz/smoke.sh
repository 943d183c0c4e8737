#!/bin/sh
# smoke.sh: run every libFuzzer target of a build (tests/fuzz/fuzz_*, from
# configure --enable-fuzzing) for a while on a scratch copy of its seed
# corpus, and print one closing line "N passed, N failed".
#   tests/fuzz/smoke.sh [-t SECONDS] [BUILDDIR]     (default 30 s, BUILDDIR .)
# Crash inputs are kept as BUILDDIR/tests/fuzz/<target>-crash-*; add them to
# the corpus and to a unit test once fixed. Exit status 0 when all passed.
set -u

secs=30
while getopts t: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
builddir=$(cd "${1:-.}" && pwd) || exit 2
srcdir=$(cd "$(dirname "$0")/../.." && pwd) || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
for bin in "$builddir"/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	case $name in *.o | *.sh) continue ;; esac
	corpus=$srcdir/tests/fuzz/$name.in
	mkdir "$tmp/$name"
	[ -d "$corpus" ] && cp "$corpus"/* "$tmp/$name"/ 2>/dev/null
	# One job: the build machines are shared.
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$builddir/tests/fuzz/$name-" "$tmp/$name" \
		>"$tmp/$name.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
		echo "PASS: $name (${execs:-?} runs in ${secs} s)"
		pass=$((pass + 1))
	else
		echo "FAIL: $name"
		tail -n 30 "$tmp/$name.log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
