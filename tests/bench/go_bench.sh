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
