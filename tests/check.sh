#!/bin/bash
# tests/check.sh - `make check`: the test suite under sanitizers, valgrind over
# the driver, and a short fuzz run.  Each part prints its counts and one summary
# line; the last line sums up, and the exit status is non-zero on any error.
#  san       $BUILD/san: the driver, libchecks and the unit tests with
#            SANITIZE=address,undefined; the probes and test helpers with UBSan
#            only (see san_build for why).  Then tests/run.sh unit integration
#            (and qemu, CHECK_QEMU=1, the default: ~40 s) against that build,
#            every sanitizer report sent to a file (log_path) so that it is
#            counted even when a test captures or discards stderr.
#  valgrind  memcheck over the plain $BUILD's driver: run (live, --json, human,
#            --replay of every tests/replay case), lookup, explain, go, list,
#            merge and their error paths; --trace-children=no (the probes are
#            separate programs, and run natively); zero errors and zero bytes
#            definitely lost, each run printed with its counts.
#  fuzz      tests/fuzz/run.sh, FUZZ_SECONDS (30 here) per target.
# Usage: [BUILD=dir] [CHECK_PARTS="san valgrind fuzz"] [CHECK_QEMU=0|1] [FUZZ_SECONDS=N]
#        [TEST_LIMIT=S] tests/check.sh        (normally: make check [BUILD=dir])
# Everything is built under $BUILD ($BUILD, $BUILD/san, $BUILD/fuzz); temp files
# go to a mktemp dir removed on exit.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# The test scripts name files as $TOP/$BUILD/...: keep both build dirs relative.
rel() { realpath -m --relative-to="$PWD" "$1"; }
BUILD=$(rel "$BUILD")
SAN=$(rel "${SAN_BUILD:-$BUILD/san}")
PARTS=${CHECK_PARTS:-san valgrind fuzz}
CHECK_QEMU=${CHECK_QEMU:-1}
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# A test script that hangs must not hold `make check` for run.sh's 900 s: the
# slowest one takes ~70 s under ASan on 2 cores.
TEST_LIMIT=${TEST_LIMIT:-300}
MAKE=${MAKE:-make}
T=$(mktemp -d /tmp/nsprobe-check.XXXXXX) || exit 1
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
PROBES="unshare_single unshare_multi unshare_transient thread_after_unshare thread_after_setns
        nest_depth reaper_death getpid_cache"
# Neither build dir has ../kernels.json beside its nsprobe.
export NSPROBE_KERNELS=$PWD/kernels.json
summary=() failed=0
result() { summary+=("$*"); echo "$*"; case $* in *FAIL*) failed=1 ;; esac; }

# --- 1. sanitizers ----------------------------------------------------------------
# Which sanitizer for what.  The driver (report/, checks/) and the unit tests get
# ASan+UBSan: they parse untrusted files and own all the heap memory.  The
# probes and the test helpers get UBSan only, because ASan and what they do do
# not mix:
#  - ASan does not follow clone() onto a private stack, and vfork()/CLONE_VM
#    children run on the parent's stack and shadow memory; unshare_multi,
#    thread_after_unshare, thread_after_setns and getpid_cache do exactly that
#    (an ASan probe agreed with the plain one on this 6.x kernel, but only by luck
#    of layout; false stack-buffer reports or a poisoned parent stack are the
#    known failure modes).
#  - the probes measure a process whose threads and mm sharing they control
#    (unshare(CLONE_NEWPID) fails on 3.8-3.11 if anything shares the mm);
#    LeakSanitizer's exit-time tracer is a CLONE_VM task, and ASan's runtime is
#    not something the probes should carry to the 3.x kernels they exist for.
#  - ASan's SIGSEGV handler turns the fake probes' deliberate crashes
#    (tests/helpers) into exit 1, while the tests expect the driver to see
#    signal 11.
# UBSan adds no runtime threads, no handlers and no shadow memory: it checks the
# probes' arithmetic and pointer use and nothing else changes.
san_build() {
	local ubsan=() asan=("$SAN/nsprobe") f
	for p in $PROBES; do ubsan+=("$SAN/probe/$p"); done
	for f in tests/helpers/*.c; do [ -f "$f" ] && ubsan+=("$SAN/tests/helpers/$(basename "$f" .c)"); done
	for f in tests/unit/test_*.c; do [ -f "$f" ] && asan+=("$SAN/tests/$(basename "$f" .c)"); done
	# The qemu tests boot the static musl payload: no sanitizer (musl has none).
	command -v musl-gcc >/dev/null && ubsan+=(musl)
	echo "== sanitizer build ($SAN): UBSan for ${#ubsan[@]} probes/helpers/payload," \
	     "ASan+UBSan for ${#asan[@]} driver/unit targets"
	$MAKE --no-print-directory -j2 DEVELOPER=1 BUILD="$SAN" SANITIZE=undefined "${ubsan[@]}" \
		>"$T/ubsan-build.log" 2>&1 || { tail -20 "$T/ubsan-build.log"; return 1; }
	$MAKE --no-print-directory -j2 DEVELOPER=1 BUILD="$SAN" SANITIZE=address,undefined "${asan[@]}" \
		>"$T/asan-build.log" 2>&1 || { tail -20 "$T/asan-build.log"; return 1; }
}

# leftovers DIR: processes still running a program built in DIR (a test that
# timed out may leave its nsprobe behind); prints and kills them (by pid: they
# are ours), sets n_left.
leftovers() {
	local dir p exe
	dir=$(realpath "$1")
	n_left=0
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case $exe in
		"$dir"/*)
			echo "left running: pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
			kill -KILL "${p#/proc/}" 2>/dev/null
			n_left=$((n_left + 1)) ;;
		esac
	done
}

part_san() {
	local logs=$T/san-logs out=$T/san-tests.log n_asan n_lsan n_ubsan n_other line f
	local suites="unit integration"
	# World-writable: restricted.sh runs the driver as uid 65534.
	mkdir -p "$logs" && chmod 1777 "$logs"
	if ! san_build; then
		result "sanitizers: FAIL (the sanitizer build failed; see above)"
		return
	fi
	[ "$CHECK_QEMU" = 1 ] && suites="$suites qemu"
	echo "== tests ($suites) against $SAN (each script up to ${TEST_LIMIT}s)"
	TEST_LIMIT=$TEST_LIMIT \
	ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan:strict_string_checks=1:detect_stack_use_after_return=1" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
	LSAN_OPTIONS="log_path=$logs/lsan" \
		BUILD="$SAN" tests/run.sh $suites 2>&1 | tee "$out" | grep --line-buffered -E '^(--- |failed:|[0-9]+ passed)'
	line=$(tail -1 "$out")
	leftovers "$SAN"
	n_asan=$(cat "$logs"/* 2>/dev/null | grep -c 'ERROR: AddressSanitizer')
	n_lsan=$(cat "$logs"/* 2>/dev/null | grep -c 'ERROR: LeakSanitizer')
	n_ubsan=$(cat "$logs"/* 2>/dev/null | grep -c 'runtime error:')
	# Anything else a sanitizer wrote (e.g. "LeakSanitizer has encountered a fatal error").
	n_other=$(cat "$logs"/* 2>/dev/null | grep -E -c 'Sanitizer.*(fatal|CHECK failed|DEADLYSIGNAL)')
	for f in "$logs"/*; do [ -f "$f" ] && { echo "--- $f"; head -40 "$f"; }; done
	echo "sanitizer reports: $n_asan ASan, $n_lsan LeakSanitizer, $n_ubsan UBSan, $n_other other;" \
	     "$n_left processes of $SAN left running"
	if [ $((n_asan + n_lsan + n_ubsan + n_other + n_left)) -eq 0 ] && grep -q ' 0 failed' <<<"$line"; then
		result "sanitizers: tests $line; 0 ASan errors, 0 leaks, 0 UBSan errors, 0 processes left"
	else
		result "sanitizers: FAIL: tests $line; $n_asan ASan errors, $n_lsan leak reports," \
		       "$n_ubsan UBSan errors, $n_other other sanitizer failures, $n_left processes left"
	fi
}

# --- 2. valgrind ---------------------------------------------------------------------
vg_runs=0 vg_bad=0 vg_errors=0 vg_lost=0
# vg NAME STATUSES CMD...: one memcheck run of CMD; STATUSES is the exit statuses
# it may end with (a pattern: 0|1|3).  Prints the run's counts.
vg() {
	local name=$1 want=$2 rc errors lost why=""
	shift 2
	valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 --trace-children=no --child-silent-after-fork=yes \
		--log-file="$T/vg/$name.vglog.%p" "$@" >"$T/vg/$name.out" 2>"$T/vg/$name.err" </dev/null
	rc=$?
	errors=$(cat "$T/vg/$name".vglog.* | sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) error.*/\1/p' |
		tr -d , | awk '{s += $1} END {print s + 0}')
	lost=$(cat "$T/vg/$name".vglog.* | sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' |
		tr -d , | awk '{s += $1} END {print s + 0}')
	vg_runs=$((vg_runs + 1)) vg_errors=$((vg_errors + errors)) vg_lost=$((vg_lost + lost))
	grep -qxE "$want" <<<"$rc" || why=" unexpected exit $rc (want $want)"
	[ "$rc" = 99 ] && why=" valgrind reported errors"
	if [ -n "$why" ] || [ "$errors" != 0 ] || [ "$lost" != 0 ]; then
		vg_bad=$((vg_bad + 1))
		echo "valgrind $name: FAIL: $errors errors, $lost bytes definitely lost, exit $rc;$why"
		grep -v '^==[0-9]*== *$' "$T/vg/$name".vglog.* | sed -n '/ERROR SUMMARY/q; 7,60p'
		head -5 "$T/vg/$name.err"
	else
		echo "valgrind $name: 0 errors, 0 bytes definitely lost (exit $rc)"
	fi
}

# go_binary: a small Go program built here (tests/go/seed: syscall.Unshare), else /bin/ls.
go_binary() {
	if command -v go >/dev/null &&
	   (cd tests/go/seed && GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off \
	    GOFLAGS= GOTOOLCHAIN=local go build -o "$T/seed" .) >"$T/go-build.log" 2>&1; then
		echo "$T/seed"
	else
		echo /bin/ls
	fi
}

part_valgrind() {
	local N=$BUILD/nsprobe GO d name bad=$T/vg/bad.json
	if ! command -v valgrind >/dev/null; then
		result "valgrind: FAIL (valgrind not installed: scripts/deps.sh check)"
		return
	fi
	echo "== plain build ($BUILD) for valgrind"
	if ! $MAKE --no-print-directory -j2 DEVELOPER=1 BUILD="$BUILD" all >"$T/plain-build.log" 2>&1; then
		tail -20 "$T/plain-build.log"
		result "valgrind: FAIL (the build failed; see above)"
		return
	fi
	mkdir -p "$T/vg"
	GO=$(go_binary)
	echo "== valgrind memcheck over $N (go binary: $GO)"
	vg run-json '0|1|3' "$N" run --json "$T/vg/run.json" --quiet
	vg run-human '0|1|3' "$N" run
	vg run-junit-j2 '0|1|3' "$N" run --format junit -j 2
	vg run-only-timeout '0|1|3' "$N" run --only unshare_single,nest_depth --timeout 5 --json -
	for d in tests/replay/*/; do
		[ -f "$d/uname" ] || continue
		name=$(basename "$d")
		vg "replay-$name" '0|1|3' "$N" run --replay "$d" --json "$T/vg/replay-$name.json" --quiet
	done
	vg replay-crash-tap 3 "$N" run --replay tests/replay/probe-crash --format tap
	vg replay-timeout-prom-output 1 "$N" run --replay tests/replay/probe-timeout --format prometheus \
		--require pidns-nesting-limit -o "$T/vg/nsprobe.prom"
	vg run-bad-option 2 "$N" run --bogus
	vg run-replay-missing 2 "$N" run --replay /nonexistent --json -
	vg lookup-json 0 "$N" lookup 3.10.0 --json -
	vg lookup-el7 0 "$N" lookup 3.10.0-1160.el7.x86_64
	vg lookup-garbage 2 "$N" lookup garbage
	vg explain-go 0 "$N" explain 'runtime: failed to create new OS thread (have 2 already; errno=22)'
	vg explain-json-noprobe 0 "$N" explain --no-probe --json - 'unshare: unshare failed: Invalid argument'
	vg explain-unknown 0 "$N" explain --no-probe 'the quick brown fox'
	vg explain-none 2 "$N" explain
	vg go-live '0|1' "$N" go "$GO"
	vg go-replay-json '0|1' "$N" go --replay tests/go/constructed-3.10.108 --json - "$GO"
	vg go-report '0|1' "$N" go --report "$T/vg/run.json" "$GO"
	vg go-tiny-seed 1 "$N" go --replay tests/go/constructed-3.10.108 tests/fuzz/corpus/goelf/tiny-go120.elf
	vg go-ls '0|1|2' "$N" go --json - /bin/ls
	vg go-not-elf 2 "$N" go kernels.json
	vg go-missing 2 "$N" go /nonexistent
	vg list 0 "$N" list
	vg list-json 0 "$N" list --json -
	set -- "$T"/vg/replay-*.json
	vg merge-json 0 "$N" merge "$T/vg/run.json" "$@"
	vg merge-markdown 0 "$N" merge --format markdown "$T/vg/run.json" "$@"
	vg merge-html 0 "$N" merge --format html -o "$T/vg/merged.html" "$T/vg/run.json" "$@"
	cp tests/fuzz/corpus/report/bad-verdict.json "$bad"
	vg merge-bad 2 "$N" merge "$T/vg/run.json" "$bad"
	[ -x "$BUILD/musl/nsprobe-init" ] &&
		vg qualify-initramfs 0 "$N" qualify --write-initramfs "$T/vg/initramfs.cpio"
	if [ "$vg_bad" -eq 0 ] && [ "$vg_errors" -eq 0 ] && [ "$vg_lost" -eq 0 ]; then
		result "valgrind: $vg_runs runs: 0 errors, 0 bytes definitely lost"
	else
		result "valgrind: FAIL: $vg_runs runs, $vg_bad failed: $vg_errors errors," \
		       "$vg_lost bytes definitely lost"
	fi
}

# --- 3. fuzz -----------------------------------------------------------------------
part_fuzz() {
	local line rc
	echo "== short fuzz run: ${FUZZ_SECONDS}s per target"
	BUILD="$BUILD" tests/fuzz/run.sh 2>&1 | tee "$T/fuzz.log"
	rc=${PIPESTATUS[0]}
	line=$(grep '^fuzz: [0-9]* built' "$T/fuzz.log" | tail -1)
	if [ "$rc" -eq 0 ] && grep -q ' 0 crashed' <<<"$line" && ! grep -q '^fuzz: failed' "$T/fuzz.log"; then
		result "short fuzz run: ${line#fuzz: }"
	else
		result "fuzz: FAIL: ${line:-no summary}$(sed -n 's/^fuzz: failed:/; failed:/p' "$T/fuzz.log")"
	fi
}

start=$SECONDS
for part in $PARTS; do
	t0=$SECONDS
	case $part in
	san) part_san ;;
	valgrind) part_valgrind ;;
	fuzz) part_fuzz ;;
	*) echo "check.sh: unknown part '$part' (san, valgrind, fuzz)" >&2; exit 2 ;;
	esac
	echo "($part: $((SECONDS - t0))s)"
done
echo "== summary"
for s in "${summary[@]}"; do echo "  $s"; done
if [ "$failed" -eq 0 ]; then
	echo "check: PASS ($PARTS) in $((SECONDS - start))s"
else
	echo "check: FAIL ($PARTS) in $((SECONDS - start))s"
fi
exit "$failed"
