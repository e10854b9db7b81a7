#!/bin/bash
# tests/run.sh - run nsprobe's tests: cmocka unit tests, then integration tests
# on the real kernel, then qemu tests, then the Debian package test (tests/package:
# builds and installs the .deb, as root).  Usage: tests/run.sh [unit|integration|qemu|package]...
# Each test is a program or script: exit 0 pass, 77 skipped (it says why), else fail.
# Every test runs under a time limit (a script: TEST_LIMIT seconds, default 900).
# The last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# tests name files as $TOP/$BUILD/...: an absolute BUILD (make BUILD=/tmp/x) becomes relative
case $BUILD in /*) BUILD=$(realpath -m --relative-to="$PWD" "$BUILD") ;; esac
export BUILD NSPROBE="$PWD/$BUILD/nsprobe" TOP="$PWD"
# a BUILD outside the tree has no ../kernels.json beside its nsprobe
export NSPROBE_KERNELS=${NSPROBE_KERNELS:-$PWD/kernels.json}
suites=${*:-unit integration qemu package}
pass=0 fail=0 skip=0 failed=""

run_one() { # name, limit seconds, command...
	local name=$1 limit=$2; shift 2
	local start=$SECONDS rc
	echo "=== $name"
	timeout -k 5 "$limit" "$@"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "--- PASS $name ($((SECONDS - start))s)" ;;
	77) skip=$((skip + 1)); echo "--- SKIP $name" ;;
	124|137) fail=$((fail + 1)); failed="$failed $name"; echo "--- FAIL $name (timed out after ${limit}s)" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "--- FAIL $name (exit $rc)" ;;
	esac
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			run_one "unit/$(basename "$t")" 120 "$t"
		done ;;
	integration|qemu|package)
		for t in tests/"$suite"/*.sh; do
			[ -f "$t" ] || continue
			run_one "$suite/$(basename "$t" .sh)" "${TEST_LIMIT:-900}" bash "$t"
		done ;;
	*) echo "tests/run.sh: unknown suite '$suite' (unit, integration, qemu, package)" >&2; exit 2 ;;
	esac
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
