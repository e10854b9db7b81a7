#!/bin/bash
# tests/bench/run.sh - `make bench`: speed and memory figures, not a test.  Every
# figure is measured here (tests/bench/timeit.c times fork..wait4, no shell in the
# measurement) and printed with its target and whether it is met:
#   - `nsprobe run` against tests/bench/floor.c (a fixed list of the probes'
#     system calls in one program: one fork per probe and per case, the same
#     namespace calls, no exec, output, isolation, timeouts or JSON, and no /proc
#     race where the probe skips it), interleaved floor, run, run -j 1, ... for
#     BENCH_ROUNDS rounds; the ratio of the median wall times (target <= 1.25,
#     at least <= 1.5), both medians (run < 100 ms on an idle 2-core machine),
#     what running concurrent probes side by side saves, and how the run's time
#     splits by probe (each probe's median duration, exec to exit, as the driver
#     timed it, and the driver's own share: a run over eight no-op probes);
#   - the driver's own cost: `nsprobe run` over eight no-op probes
#     (tests/helpers/fault_probe.c) against exec'ing those eight one by one;
#   - the peak RSS of the largest single process of a run: wait4's ru_maxrss, the
#     largest of nsprobe and every process it reaped (target < 8 MiB);
#   - `lookup` and `explain` latency, median of BENCH_RUNS back-to-back runs
#     (lookup < 5 ms); explain with the probes it runs for the message and with
#     --no-probe (no target given; printed with the exec time of true(1) here,
#     for scale);
#   - `go --report` on a >= 100 MiB binary (tests/bench/go_bench.sh; < 100 ms);
#   - `qualify` boot-to-report time per kernel image cached by
#     scripts/get-test-kernel.sh (never downloads one).
# Exit 0 unless a figure could not be measured because something broke.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$PWD/$BUILD ;; esac
NSPROBE=${NSPROBE:-$B/nsprobe}
# a BUILD outside the tree has no ../kernels.json beside its nsprobe
export NSPROBE_KERNELS=${NSPROBE_KERNELS:-$PWD/kernels.json}
ROUNDS=${BENCH_ROUNDS:-15}
RUNS=${BENCH_RUNS:-41}
T=$(mktemp -d /tmp/nsprobe-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
broke=0

median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
maximum() { sort -g | tail -1; }
# verdict VALUE OP TARGET: "met" or "NOT met" (awk does the float comparison).
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == "<=") ? v <= t : v < t; print (ok ? "met" : "NOT met")}'; }
# timed FILE [-n N] CMD...: append each run's "ms=.. maxrss_kib=.. status=.." to FILE.
timed() { local f=$1; shift; "$B/bench/timeit" -q "$@" >>"$f" || { echo "bench: failed: ${*: -3}" >&2; broke=1; }; }
# col FILE KEY: that key's values, one a line.
col() { sed -n "s/.*\\b$2=\\([0-9.]*\\).*/\\1/p" "$1"; }

[ -x "$NSPROBE" ] || { echo "bench: $NSPROBE is not built (make)"; exit 1; }
mkdir -p "$B/bench"
gcc -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -o "$B/bench/floor" tests/bench/floor.c -lpthread &&
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -o "$B/bench/timeit" tests/bench/timeit.c || exit 1
echo "host: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== nsprobe run vs the floor ($ROUNDS rounds, interleaved)"
if [ "$(id -u)" -ne 0 ]; then
	echo "run/floor ratio: skipped: the floor needs root (the probes' system calls need CAP_SYS_ADMIN)"
else
	: >"$T/serial_gain"; : >"$T/durations"
	for i in $(seq "$ROUNDS"); do
		: >"$T/r1"; : >"$T/s1"
		timed "$T/floor" -- "$B/bench/floor"
		timed "$T/r1" -- "$NSPROBE" run --quiet --json "$T/report.json"
		timed "$T/s1" -- "$NSPROBE" run --quiet -j 1 --json "$T/report1.json"
		cat "$T/r1" >>"$T/run"; cat "$T/s1" >>"$T/serial"
		awk -v r="$(col "$T/r1" ms)" -v s="$(col "$T/s1" ms)" 'BEGIN {printf "%.3f\n", s / r}' >>"$T/serial_gain"
		# each probe's duration in this round's report: "probe ms" lines
		/usr/bin/python3 -c 'import json,sys; e=list(json.load(open(sys.argv[1]))["kernels"].values())[0]
for k, v in e["probes"].items(): print(k, v.get("duration_ms"))' "$T/report.json" >>"$T/durations" 2>/dev/null
	done
	[ -s "$T/report.json" ] || { echo "bench: nsprobe run wrote no report"; broke=1; }
	fm=$(col "$T/floor" ms | median) rm=$(col "$T/run" ms | median)
	ratio=$(awk -v r="$rm" -v f="$fm" 'BEGIN {printf "%.3f", r / f}')
	echo "floor median: $fm ms; nsprobe run median: $rm ms (target < 100 ms on an idle 2-core machine):" \
	     "$(verdict "$rm" "<" 100); nsprobe run -j 1 median: $(col "$T/serial" ms | median) ms"
	echo "run/floor ratio of the medians: $ratio (target <= 1.25: $(verdict "$ratio" "<=" 1.25);" \
	     "at least <= 1.5: $(verdict "$ratio" "<=" 1.5))"
	echo "run -j 1 / run median ratio: $(median <"$T/serial_gain") (what concurrent probes save)"
	echo "nsprobe run time by probe (median ms, exec to exit; * = runs alone):"
	for p in $(cut -d' ' -f1 "$T/durations" | sort -u); do
		alone=$(/usr/bin/python3 -c 'import json,sys; print("*" if json.load(open(sys.argv[1]))["probes"][sys.argv[2]]["concurrent"] is False else "")' \
			"$NSPROBE_KERNELS" "$p" 2>/dev/null)
		printf '  %-22s %s%s\n' "$p" "$(awk -v p="$p" '$1 == p {print $2}' "$T/durations" | median)" "$alone"
	done
fi

echo "== the driver's own cost"
mkdir -p "$T/noop"
gcc -std=gnu11 -O2 -D_GNU_SOURCE -o "$T/noop/unshare_single" tests/helpers/fault_probe.c || exit 1
for p in unshare_multi unshare_transient thread_after_unshare thread_after_setns nest_depth \
	 reaper_death getpid_cache; do cp "$T/noop/unshare_single" "$T/noop/$p"; done
: >"$T/noop_run"; : >"$T/noop_exec"
for i in $(seq "$ROUNDS"); do
	timed "$T/noop_run" -- "$NSPROBE" run --quiet --probe-dir "$T/noop" --json "$T/noop.json"
	: >"$T/n1"
	timed "$T/n1" -n 8 -- "$T/noop/getpid_cache"
	col "$T/n1" ms | awk '{s += $1} END {printf "%.3f\n", s}' >>"$T/noop_exec"
done
echo "nsprobe run over 8 no-op probes: $(col "$T/noop_run" ms | median) ms median (the driver's own share of a run);" \
     "the 8 no-op probes exec'd one by one: $(median <"$T/noop_exec") ms"

echo "== peak memory"
: >"$T/rss"
for i in 1 2 3; do timed "$T/rss" -- "$NSPROBE" run --quiet --json "$T/report2.json"; done
col "$T/run" maxrss_kib >>"$T/rss.all" 2>/dev/null
col "$T/rss" maxrss_kib >>"$T/rss.all"
kb=$(maximum <"$T/rss.all")
mib=$(awk -v k="$kb" 'BEGIN {printf "%.2f", k / 1024}')
echo "peak RSS of the largest process of a run: $mib MiB (max of $(wc -l <"$T/rss.all") runs; target < 8 MiB): $(verdict "$mib" "<" 8)"

echo "== lookup and explain latency (median of $RUNS back-to-back runs)"
"$NSPROBE" lookup 3.10.0-1160.el7.x86_64 >/dev/null 2>&1 || { echo "bench: nsprobe lookup failed"; broke=1; }
msg="failed to create new OS thread (have 2 already; errno=22)"
: >"$T/lookup"; : >"$T/explain"; : >"$T/explain_np"; : >"$T/true"
timed "$T/true" -n "$RUNS" -- true
timed "$T/lookup" -n "$RUNS" -- "$NSPROBE" lookup 3.10.0-1160.el7.x86_64
timed "$T/explain_np" -n "$RUNS" -- "$NSPROBE" explain --no-probe "$msg"
timed "$T/explain" -n "$RUNS" -- "$NSPROBE" explain "$msg"
probes=$("$NSPROBE" explain --json - "$msg" 2>/dev/null |
	python3 -c 'import json,sys; print(",".join(json.load(sys.stdin).get("probes_run") or []) or "none")' 2>/dev/null)
l=$(col "$T/lookup" ms | median)
echo "for scale, exec of true(1) on this host: $(col "$T/true" ms | median) ms"
echo "lookup latency: $l ms (target < 5 ms): $(verdict "$l" "<" 5)"
echo "explain --no-probe latency: $(col "$T/explain_np" ms | median) ms"
echo "explain latency: $(col "$T/explain" ms | median) ms (it ran the probes ${probes:-?})"

echo "== go --report on a large binary"
if ! command -v go >/dev/null; then
	echo "go: skipped: no Go toolchain (Debian package golang-go) to build the test binary"
else
	NSPROBE=$NSPROBE BUILD=$BUILD bash tests/bench/go_bench.sh || { echo "bench: go_bench.sh failed"; broke=1; }
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
		: >"$T/q"
		rm -f "$T/q.json"
		timed "$T/q" -- "$NSPROBE" qualify --json "$T/q.json" "$img"
		if [ -s "$T/q.json" ]; then
			guest=$(python3 -c 'import json,sys; e=list(json.load(open(sys.argv[1]))["kernels"].values())[0]["qemu"]; print("%s, %s in the guest" % (e.get("accel"), e.get("elapsed_s")))' "$T/q.json" 2>/dev/null)
			echo "qualify $(basename "$img"): $(col "$T/q" ms | awk '{printf "%.1f", $1 / 1000}') s boot-to-report ($guest s)"
		else
			echo "qualify $(basename "$img"): no report written"; broke=1
		fi
	done
fi
exit $broke
