#!/bin/bash
# tests/fuzz/run.sh - build nsprobe's libFuzzer targets (tests/fuzz/fuzz_*.c) with
# clang -fsanitize=fuzzer,address,undefined and run each for FUZZ_SECONDS (600;
# `make check` passes a short time).  A target names the sources it needs on a
# `// NEEDS:` line; only those are compiled in (directly, with clang), and a
# target whose sources do not exist yet is reported as skipped.
# Seeds: tests/fuzz/corpus/<target>/, read only: libFuzzer writes new inputs to
# the first corpus directory it is given, which here is a temp working corpus
# removed on exit, so a run leaves nothing behind but binaries and logs in
# $BUILD/fuzz/ and, on a crash, the reproducer in $BUILD/fuzz/artifacts/.
# Usage: [BUILD=dir] [FUZZ_SECONDS=N] [FUZZ_RUNS=N] [FUZZ_TARGETS="kver kb"] tests/fuzz/run.sh
#   FUZZ_RUNS=N stops each target after N executions (or FUZZ_SECONDS, first).
# Exit 0: no target crashed; 1: a target crashed, leaked or failed to build.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_RUNS=${FUZZ_RUNS:--1}
CLANG=${CLANG:-clang}
OUT=$BUILD/fuzz
mkdir -p "$OUT/artifacts" || exit 1
WORK=$(mktemp -d /tmp/nsprobe-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

if ! command -v "$CLANG" >/dev/null; then
	echo "fuzz: $CLANG not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
CFLAGS="-std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DNSPROBE_VERSION=\"fuzz\"
        -DNSPROBE_LIBEXECDIR=\"/nonexistent\" -DNSPROBE_DATADIR=\"/nonexistent\"
        $(pkg-config --cflags jansson libelf capstone)"
LIBS="$(pkg-config --libs jansson libelf capstone) -lpthread"

# needs FILE: sets srcs to the sources a fuzz target names (globs expanded) and
# missing to those that do not exist yet.
needs() {
	local line f
	line=$(sed -n 's|^// NEEDS: ||p' "$1")
	srcs="" missing=""
	for f in $line; do
		case " $srcs " in *" $f "*) continue ;; esac # named and globbed
		if [ -f "$f" ]; then srcs="$srcs $f"; else missing="$missing $f"; fi
	done
}

# fuzz_one NAME: build and run one target; sets the counters below.
built=0 ran=0 skipped=0 crashed=0 failed=""
fuzz_one() {
	local name=$1 src=tests/fuzz/fuzz_$1.c bin=$OUT/fuzz_$1 log runs secs rc
	local seeds=tests/fuzz/corpus/$1 work=$WORK/$1
	needs "$src"
	if [ -n "$missing" ]; then
		echo "fuzz_$name: skipped (not written yet:$missing)"
		skipped=$((skipped + 1))
		return
	fi
	# -o into the build dir: clang's temporary objects go to TMPDIR and are removed.
	if ! $CLANG $CFLAGS -o "$bin" "$src" $srcs $LIBS 2>"$OUT/fuzz_$name.build.log"; then
		echo "fuzz_$name: BUILD FAILED (see $OUT/fuzz_$name.build.log)"
		sed -n 1,20p "$OUT/fuzz_$name.build.log" >&2
		failed="$failed fuzz_$name"
		return
	fi
	built=$((built + 1))
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=""
	log=$OUT/fuzz_$name.log
	# The knowledge base grows while nsprobe is written: seed with today's copy too.
	[ "$name" = kb ] && cp kernels.json "$work/kernels.json"
	# Seeds first (a crash on a seed is a regression), then the search.  The
	# working corpus comes first: libFuzzer adds new inputs there only.
	echo "fuzz_$name: $bin -runs=$FUZZ_RUNS -max_total_time=$FUZZ_SECONDS ..." >"$log"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	"$bin" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/fuzz_$name-" \
		"$work" $seeds >>"$log" 2>&1
	rc=$?
	ran=$((ran + 1))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	if [ $rc -ne 0 ]; then
		crashed=$((crashed + 1)); failed="$failed fuzz_$name"
		echo "fuzz_$name: CRASH after ${runs:-?} runs (exit $rc); reproducer:"
		grep -h -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -8
		echo "  replay: $bin ARTIFACT; full log: $log"
	else
		echo "fuzz_$name: ${runs:-?} runs in ${secs:-$FUZZ_SECONDS}s, 0 crashes," \
		     "corpus $(ls "$work" | wc -l) inputs (from $(ls $seeds 2>/dev/null | wc -l) seeds; not kept)"
	fi
	rm -rf "$work"
}

targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
for t in $targets; do
	fuzz_one "$t"
done
echo "fuzz: $built built, $ran run, $crashed crashed, $skipped skipped" \
     "(each up to ${FUZZ_SECONDS}s$([ "$FUZZ_RUNS" != -1 ] && echo " or $FUZZ_RUNS runs"))"
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
