#!/bin/bash
# tests/check.sh - `make check`: the test suite under sanitizers, valgrind over
# the driver, and a short fuzz run.  Three parts, each printed with its counts:
#  1. BUILD=build/san: the driver, libchecks and the unit tests with
#     SANITIZE=address,undefined; the probes and test helpers with UBSan only
#     (ASan does not follow clone() onto a private stack, vfork and CLONE_VM
#     children share its shadow memory, and its SIGSEGV handler would turn the
#     fake probe's deliberate crash into exit 1).  Then tests/run.sh unit
#     integration against that build, every sanitizer report sent to a file
#     (log_path) so that it is counted even when a test captures stderr.
#  2. valgrind memcheck over the plain build's driver: run --json, lookup,
#     explain, list, go, merge and their error paths (--trace-children=no: the
#     probes are separate programs); zero errors, zero bytes definitely lost.
#  3. tests/fuzz/run.sh with FUZZ_SECONDS (default 20 here) per target.
# Usage: [SAN_BUILD=build/san] [FUZZ_SECONDS=N] [CHECK_PARTS="san valgrind fuzz"] tests/check.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAN=${SAN_BUILD:-build/san}
PARTS=${CHECK_PARTS:-san valgrind fuzz}
MAKE=${MAKE:-make}
T=$(mktemp -d /tmp/nsprobe-check.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
PROBES="unshare_single unshare_multi unshare_transient thread_after_unshare thread_after_setns
        nest_depth reaper_death getpid_cache"
# The sanitizer build's nsprobe is build/san/nsprobe: ../kernels.json is not there.
export NSPROBE_KERNELS=$PWD/kernels.json
summary=() failed=0
result() { summary+=("$1"); echo "$1"; case $1 in *FAIL*) failed=1 ;; esac; }

san_build() {
	local ubsan=() asan=(build/$(basename "$SAN")/nsprobe) f
	ubsan=() asan=("$SAN/nsprobe")
	for p in $PROBES; do ubsan+=("$SAN/probe/$p"); done
	for f in tests/helpers/*.c; do [ -f "$f" ] && ubsan+=("$SAN/tests/helpers/$(basename "$f" .c)"); done
	for f in tests/unit/test_*.c; do [ -f "$f" ] && asan+=("$SAN/tests/$(basename "$f" .c)"); done
	echo "== sanitizer build ($SAN): UBSan for ${#ubsan[@]} probes/helpers, ASan+UBSan for ${#asan[@]} driver/unit targets"
	$MAKE --no-print-directory -k DEVELOPER=1 BUILD="$SAN" SANITIZE=undefined "${ubsan[@]}" >"$T/ubsan-build.log" 2>&1 ||
		{ tail -20 "$T/ubsan-build.log"; return 1; }
	$MAKE --no-print-directory -k DEVELOPER=1 BUILD="$SAN" SANITIZE=address,undefined "${asan[@]}" >"$T/asan-build.log" 2>&1 ||
		{ tail -20 "$T/asan-build.log"; return 1; }
}

part_san() {
	local logs=$T/san-logs out=$T/san-tests.log n_asan n_lsan n_ubsan line
	mkdir -p "$logs"
	if ! san_build; then
		result "sanitizers: FAIL (the sanitizer build failed; see above)"
		return
	fi
	echo "== unit + integration tests against $SAN"
	ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan:strict_string_checks=1:detect_stack_use_after_return=1" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
	LSAN_OPTIONS="log_path=$logs/lsan" \
		BUILD="$SAN" tests/run.sh unit integration 2>&1 | tee "$out" | grep -E '^(--- |failed:|[0-9]+ passed)'
	line=$(tail -1 "$out")
	n_asan=$(cat "$logs"/asan* 2>/dev/null | grep -c 'ERROR: AddressSanitizer')
	n_lsan=$(cat "$logs"/asan* "$logs"/lsan* 2>/dev/null | grep -c 'ERROR: LeakSanitizer')
	n_ubsan=$(cat "$logs"/asan* "$logs"/ubsan* 2>/dev/null | grep -c 'runtime error:')
	for f in "$logs"/*; do [ -f "$f" ] && { echo "--- $f"; head -40 "$f"; }; done
	if [ $((n_asan + n_lsan + n_ubsan)) -eq 0 ] && grep -q ' 0 failed' <<<"$line"; then
		result "sanitizers: tests $line; 0 ASan errors, 0 leaks, 0 UBSan errors"
	else
		result "sanitizers: FAIL: tests $line; $n_asan ASan errors, $n_lsan leak reports, $n_ubsan UBSan errors"
	fi
}
