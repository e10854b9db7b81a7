#!/bin/bash
# tests/bench/go_bench.sh - a benchmark, not a test: how long `nsprobe go` takes on
# a Go binary of 100 MiB or more (the seed program padded with a 128 MiB section
# that is not loaded: the file is mapped, only the pages read are touched).
# Prints the median of RUNS runs of `nsprobe go --report FILE BIN` (no probing);
# target < 100 ms.  Usage: tests/bench/go_bench.sh [RUNS]
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NSPROBE=${NSPROBE:-$TOP/${BUILD:-build}/nsprobe}
RUNS=${1:-9}
T=$(mktemp -d /tmp/nsprobe-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
export GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS=
(cd "$TOP/tests/go/seed" && go build -o "$T/seed" .)
# Random bytes, so that nothing (filesystem, page cache dedup) can shortcut them.
head -c $((128 << 20)) /dev/urandom >"$T/pad"
objcopy --add-section .nsprobe_pad="$T/pad" --set-section-flags .nsprobe_pad=noload,readonly \
	"$T/seed" "$T/big"
rm -f "$T/pad"
size=$(stat -c %s "$T/big")
[ "$size" -ge $((100 << 20)) ] || { echo "go_bench: padded binary is only $size bytes" >&2; exit 1; }
cat >"$T/report.json" <<'JSON'
{"schema": "nsprobe/report/1", "tool": {"name": "nsprobe", "version": "bench"},
 "kernels": {"bench": {"source": "live", "verdict": "ok", "behaviours": {
   "unshare-pidns-unsupported": {"status": "not-affected"},
   "unshare-multithread-einval": {"status": "not-affected"},
   "thread-after-pidns-change-einval": {"status": "affected"}}}}}
JSON
times=()
for _ in $(seq "$RUNS"); do
	s=$(date +%s%N)
	"$NSPROBE" go --report "$T/report.json" --json "$T/out.json" "$T/big"
	e=$(date +%s%N)
	times+=($(((e - s) / 1000)))
done
grep -q '"syscall.Unshare"' "$T/out.json" || { echo "go_bench: wrong result" >&2; exit 1; }
med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
printf 'go_bench: %d MiB binary, %d runs, median %d.%03d ms (target < 100 ms)\n' \
	$((size >> 20)) "$RUNS" $((med / 1000)) $((med % 1000))

# dockerd (Debian 12's docker.io, about 72 MiB, stripped, PIE): the real program
# with its call sites decoded (Capstone), median of RUNS runs and the peak RSS
# (tests/bench/timeit.c: fork..wait4, ru_maxrss); targets < 100 ms, < 100 MiB.
CACHE=/var/tmp/nsprobe-debs
deb=$(ls "$CACHE"/docker.io_*.deb 2>/dev/null | sort -V | tail -1)
if [ -z "$deb" ] && mkdir -p "$CACHE" 2>/dev/null; then
	(cd "$CACHE" && timeout 300 apt-get download -q docker.io) >/dev/null 2>&1
	deb=$(ls "$CACHE"/docker.io_*.deb 2>/dev/null | sort -V | tail -1)
fi
if [ -z "$deb" ]; then
	echo "go_bench: dockerd: skipped: docker.io's .deb is not in $CACHE and apt-get download failed"
	exit 0
fi
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$T" ./usr/sbin/dockerd || { echo "go_bench: cannot extract dockerd" >&2; exit 1; }
timeit=$TOP/${BUILD:-build}/bench/timeit
[ -x "$timeit" ] || { timeit=$T/timeit; gcc -std=gnu11 -O2 -D_GNU_SOURCE -o "$timeit" "$TOP/tests/bench/timeit.c" || exit 1; }
"$NSPROBE" go --report "$T/report.json" --json "$T/dockerd.json" "$T/usr/sbin/dockerd"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["call_sites"]))' "$T/dockerd.json")
[ "$n" -gt 0 ] || { echo "go_bench: dockerd: no call sites decoded" >&2; exit 1; }
"$timeit" -q -n "$RUNS" -- "$NSPROBE" go --report "$T/report.json" --json "$T/dockerd.json" "$T/usr/sbin/dockerd" >"$T/dockerd.times" ||
	{ echo "go_bench: dockerd runs failed" >&2; exit 1; }
dmed=$(sed -n 's/^ms=\([0-9.]*\) .*/\1/p' "$T/dockerd.times" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
dmax=$(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/dockerd.times" | sort -n | tail -1)
printf 'go_bench: dockerd %d MiB, %d call sites decoded, %d runs: median %s ms (target < 100 ms: %s), peak RSS %d KiB (target < 100 MiB: %s)\n' \
	$(($(stat -c %s "$T/usr/sbin/dockerd") >> 20)) "$n" "$RUNS" "$dmed" \
	"$(awk -v v="$dmed" 'BEGIN {print (v < 100 ? "met" : "NOT met")}')" "$dmax" \
	"$(awk -v v="$dmax" 'BEGIN {print (v < 102400 ? "met" : "NOT met")}')"
