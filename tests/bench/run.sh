#!/bin/bash
# tests/bench/run.sh - `make bench`: speed and memory figures, not a test.  Each
# figure is measured here, printed with its target and whether it is met:
#   - `nsprobe run` against tests/bench/floor.c (the probes' system calls with no
#     isolation, exec or JSON), interleaved floor, nsprobe, floor, ... for
#     BENCH_ROUNDS rounds; the median of the per-round ratios (target <= 1.5);
#   - the peak RSS of the largest single process of a run (GNU time's maximum
#     resident set size is ru_maxrss of the children: the largest one; < 8 MiB);
#   - `lookup` and `explain` latency, median of BENCH_RUNS runs (lookup < 5 ms;
#     explain < 20 ms, our choice: it reads the same kernels.json plus the host);
#   - `go --report` on a large binary (tests/bench/go_bench.sh, when present);
#   - `qualify` boot-to-report time per cached kernel image (never downloads one).
# Exit 0 unless a figure could not be measured because something broke.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NSPROBE=${NSPROBE:-$PWD/$BUILD/nsprobe}
ROUNDS=${BENCH_ROUNDS:-7}
RUNS=${BENCH_RUNS:-41}
T=$(mktemp -d /tmp/nsprobe-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
broke=0

now_ns() { date +%s%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# verdict VALUE OP TARGET: "met" or "NOT met" (awk does the float comparison).
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == "<=") ? v <= t : v < t; print (ok ? "met" : "NOT met")}'; }
# ms CMD...: wall time of one run in milliseconds (output discarded).
ms() { local s e; s=$(now_ns); "$@" >/dev/null 2>&1; e=$(now_ns); awk -v d=$((e - s)) 'BEGIN {printf "%.3f\n", d / 1e6}'; }

[ -x "$NSPROBE" ] || { echo "bench: $NSPROBE is not built (make)"; exit 1; }
mkdir -p "$BUILD/bench"
gcc -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -o "$BUILD/bench/floor" tests/bench/floor.c -lpthread || exit 1

echo "== nsprobe run vs the floor ($ROUNDS rounds, interleaved)"
if [ "$(id -u)" -ne 0 ]; then
	echo "run/floor ratio: skipped: the floor needs root (the probes' system calls need CAP_SYS_ADMIN)"
else
	: >"$T/ratios"; : >"$T/floor"; : >"$T/run"
	for i in $(seq "$ROUNDS"); do
		f=$(ms "$BUILD/bench/floor")
		r=$(ms "$NSPROBE" run --quiet --json "$T/report.json")
		echo "$f" >>"$T/floor"; echo "$r" >>"$T/run"
		awk -v f="$f" -v r="$r" 'BEGIN {printf "%.3f\n", r / f}' >>"$T/ratios"
	done
	[ -s "$T/report.json" ] || { echo "bench: nsprobe run wrote no report"; broke=1; }
	ratio=$(median <"$T/ratios")
	echo "floor median: $(median <"$T/floor") ms; nsprobe run median: $(median <"$T/run") ms"
	echo "run/floor median ratio: $ratio (target <= 1.5): $(verdict "$ratio" "<=" 1.5)"
fi

echo "== peak memory"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$T/rss" "$NSPROBE" run --quiet --json "$T/report2.json" >/dev/null 2>&1
	kb=$(tail -1 "$T/rss")
	mib=$(awk -v k="$kb" 'BEGIN {printf "%.2f", k / 1024}')
	echo "peak RSS of the largest process of a run: $mib MiB (target < 8 MiB): $(verdict "$mib" "<" 8)"
else
	echo "peak RSS: skipped: /usr/bin/time not installed (Debian package: time)"
fi

echo "== lookup and explain latency (median of $RUNS runs)"
: >"$T/lookup"; : >"$T/explain"
"$NSPROBE" lookup 3.10.0-1160.el7.x86_64 >/dev/null 2>&1 || { echo "bench: nsprobe lookup failed"; broke=1; }
for i in $(seq "$RUNS"); do
	ms "$NSPROBE" lookup 3.10.0-1160.el7.x86_64 >>"$T/lookup"
	ms "$NSPROBE" explain "failed to create new OS thread (have 2 already; errno=22)" >>"$T/explain"
done
l=$(median <"$T/lookup"); e=$(median <"$T/explain")
echo "lookup latency: $l ms (target < 5 ms): $(verdict "$l" "<" 5)"
echo "explain latency: $e ms (target < 20 ms): $(verdict "$e" "<" 20)"

echo "== go --report on a large binary"
if [ -f tests/bench/go_bench.sh ]; then
	NSPROBE=$NSPROBE BUILD=$BUILD bash tests/bench/go_bench.sh || { echo "bench: go_bench.sh failed"; broke=1; }
else
	echo "go: skipped: tests/bench/go_bench.sh not present"
fi

echo "== qualify boot-to-report per cached kernel image"
cache=${NSPROBE_KERNEL_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/nsprobe-kernels}}
images=$(ls "${cache:-/var/tmp/nsprobe-kernels}"/*/boot/vmlinuz-* 2>/dev/null)
if [ -z "$images" ]; then
	echo "qualify: skipped: no kernel image cached (scripts/get-test-kernel.sh fetches one)"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	echo "qualify: skipped: qemu-system-x86_64 not installed"
else
	for img in $images; do
		t=$(ms "$NSPROBE" qualify --json "$T/q.json" "$img")
		if [ -s "$T/q.json" ]; then
			echo "qualify $(basename "$img"): $(awk -v t="$t" 'BEGIN {printf "%.1f", t / 1000}') s boot-to-report"
		else
			echo "qualify $(basename "$img"): no report written"; broke=1
		fi
		rm -f "$T/q.json"
	done
fi
exit $broke
