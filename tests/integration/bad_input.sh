#!/bin/bash
# bad_input.sh - untrusted probe output and bad input (issue 10):
# - fake probes (tests/helpers/fault_probe.c) that print over the output limit,
#   a key twice, a line that is not key=value, a value with a control byte:
#   each probe `broken` with that reason;
# - the same rules for replay files, with file:line (a replay whose main=ok is
#   followed by main=EINVAL no longer flips the verdict to affected), a replay
#   file over the limit, and replay values validated (exit 0-255, a real signal
#   number, no NUL in uname): exit 2 naming file:line;
# - a FIFO as a replay probe file or as `nsprobe go`'s binary: exit 2, no hang;
# - --probe-dir missing, --kernels not a regular file, invalid UTF-8 given to
#   explain: exit 2 with a message that names the real problem.
. "$(dirname "$0")/../lib.sh"

H=$TOP/$BUILD/tests/helpers
[ -x "$NSPROBE" ] || skip "$NSPROBE is not built"
[ -x "$H/fault_probe" ] || fail "helpers not built: make test-build"
REPLAY=$TOP/tests/replay/linux-6.18-host
[ -d "$REPLAY" ] || skip "no $REPLAY"
PROBE_NAMES="unshare_single unshare_multi unshare_transient thread_after_unshare
             thread_after_setns nest_depth reaper_death getpid_cache"
# probe FILE NAME KEY: a probe entry's member.
probe() { json "$1" "[e for e in j['kernels'].values()][0]['probes']['$2']['$3']"; }
behaviour() { json "$1" "[e for e in j['kernels'].values()][0]['behaviours']['$2']['$3']"; }
# bounded: a hang is a failure, not a stuck test
ns() { timeout -k 2 20 "$NSPROBE" "$@"; }

# 1. Live fake probes.
D=$T/probes
mkdir -p "$D"
for p in $PROBE_NAMES; do cp "$H/fault_probe" "$D/$p"; done
echo flood >"$D/unshare_single.mode"
echo dup >"$D/unshare_multi.mode"
echo junk >"$D/thread_after_unshare.mode"
echo ctl >"$D/getpid_cache.mode"
ns run --quiet --probe-dir "$D" --json "$T/live.json" --timeout 10 2>"$T/err"
rc=$?
check "fake probes with bad output: exit $rc is 3 (untestable), not 2 or a signal" test "$rc" = 3
for p in unshare_single unshare_multi thread_after_unshare getpid_cache; do
	check "$p: broken ($(probe "$T/live.json" $p reason))" test "$(probe "$T/live.json" $p status)" = broken
done
check "over the limit: the reason says so" \
	grep -q "printed more than 262144 bytes on stdout" <<<"$(probe "$T/live.json" unshare_single reason)"
check "a key twice: the reason names it and its lines" \
	test "$(probe "$T/live.json" unshare_multi reason)" = "stdout line 5: result printed twice (lines 3 and 5)"
check "not key=value: the reason quotes the line" \
	test "$(probe "$T/live.json" thread_after_unshare reason)" = 'stdout line 5: not key=value: "this line has no equals sign"'
check "a control byte: the reason names it" \
	test "$(probe "$T/live.json" getpid_cache reason)" = "stdout line 5: control byte 0x1b in the value of libc"
check "a clean fake probe stays measured" test "$(probe "$T/live.json" nest_depth status)" = measured

# 2. Replays: the same rules, with file:line.
R=$T/replay
cp -r "$REPLAY" "$R"
ns run --quiet --replay "$R" --json "$T/clean.json" 2>"$T/err"
check "the unmodified replay: unshare-multithread-einval not-affected" \
	test "$(behaviour "$T/clean.json" unshare-multithread-einval status)" = not-affected
line=$(($(wc -l <"$R/unshare_multi.txt") + 1))
echo "main=EINVAL" >>"$R/unshare_multi.txt"
ns run --quiet --replay "$R" --json "$T/flip.json" 2>"$T/err"
rc=$?
check "main=ok then main=EINVAL: exit $rc is 3, not 1 (affected)" test "$rc" = 3
check "main=ok then main=EINVAL: unshare_multi broken" test "$(probe "$T/flip.json" unshare_multi status)" = broken
check "main=ok then main=EINVAL: the reason is file:line ($(probe "$T/flip.json" unshare_multi reason))" \
	grep -q "unshare_multi.txt:$line: main printed twice" <<<"$(probe "$T/flip.json" unshare_multi reason)"
check "main=ok then main=EINVAL: the behaviour is untestable, not affected" \
	test "$(behaviour "$T/flip.json" unshare-multithread-einval status)" = untestable
cp "$REPLAY/unshare_multi.txt" "$R/"
{ cat "$REPLAY/nest_depth.txt"; for i in $(seq 20000); do echo "pad$i=xxxxxxxxxx"; done; } >"$R/nest_depth.txt"
ns run --quiet --replay "$R" --json "$T/big.json" 2>"$T/err"
check "a replay file over 256 KiB: broken ($(probe "$T/big.json" nest_depth reason))" \
	grep -q "nest_depth.txt: more than 262144 bytes" <<<"$(probe "$T/big.json" nest_depth reason)"
cp "$REPLAY/nest_depth.txt" "$R/"
printf 'x=1\nstatus=broken\nexit=300\n' >"$R/reaper_death.txt"
ns run --quiet --replay "$R" 2>"$T/err" >/dev/null
rc=$?
check "exit=300: exit $rc is 2" test "$rc" = 2
check "exit=300: named with file:line ($(cat "$T/err"))" grep -q "reaper_death.txt:3: exit=300" "$T/err"
printf 'x=1\nsignal=99\n' >"$R/reaper_death.txt"
ns run --quiet --replay "$R" 2>"$T/err" >/dev/null
rc=$?
check "signal=99: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -n "$(grep 'reaper_death.txt:2: signal=99: not a signal' "$T/err")"
cp "$REPLAY/reaper_death.txt" "$R/"
printf '6.18.0\0evil\n' >"$R/uname"
ns run --quiet --replay "$R" 2>"$T/err" >/dev/null
rc=$?
check "a NUL in uname: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -n "$(grep 'uname:1: a NUL byte' "$T/err")"
cp "$REPLAY/uname" "$R/"

# 3. FIFOs as inputs: refused at once, never opened for a hang.
rm "$R/getpid_cache.txt"
mkfifo "$R/getpid_cache.txt"
ns run --quiet --replay "$R" 2>"$T/err" >/dev/null
rc=$?
check "a FIFO as a replay file: exit $rc is 2 (124 would be a hang)" test "$rc" = 2
check "a FIFO as a replay file: said so ($(cat "$T/err"))" grep -q "getpid_cache.txt: not a regular file: a FIFO" "$T/err"
mkfifo "$T/go-fifo"
ns go "$T/go-fifo" 2>"$T/err" >/dev/null
rc=$?
check "a FIFO as go's binary: exit $rc is 2" test "$rc" = 2
check "a FIFO as go's binary: said so ($(cat "$T/err"))" grep -q "not a regular file: a FIFO" "$T/err"

# 4. Bad input names the real problem, exit 2.
ns run --quiet --probe-dir /nonexistent-nsprobe-dir 2>"$T/err" >/dev/null
rc=$?
check "--probe-dir missing: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2
check "--probe-dir missing: the message names it" grep -q -- "--probe-dir /nonexistent-nsprobe-dir: No such file or directory" "$T/err"
ns run --quiet --probe-dir "$T/go-fifo" 2>"$T/err" >/dev/null
check "--probe-dir a FIFO: exit 2, not a directory ($(cat "$T/err"))" grep -q "not a directory: a FIFO" "$T/err"
ns run --quiet --kernels "$T/go-fifo" 2>"$T/err" >/dev/null
rc=$?
check "--kernels a FIFO: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -n "$(grep 'not a regular file: a FIFO' "$T/err")"
ns run --quiet --kernels "$T" 2>"$T/err" >/dev/null
rc=$?
check "--kernels a directory: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -n "$(grep 'not a regular file: a directory' "$T/err")"
ns explain --no-probe --kernels "$T" "invalid argument" 2>"$T/err" >/dev/null
rc=$?
check "explain --kernels a directory: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -n "$(grep 'not a regular file: a directory' "$T/err")"
ln -s "$T/nowhere" "$T/dangling"
ns explain --no-probe --json "$T/dangling" "invalid argument" 2>"$T/err" >/dev/null
rc=$?
check "explain --json a dangling symlink: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a ! -e "$T/nowhere"
ns go --json "$T/dangling" "$H/fault_probe" 2>"$T/err" >/dev/null
rc=$?
check "go --json a dangling symlink: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a ! -e "$T/nowhere"
ns explain --no-probe $'Invalid argument \xff\xfe from unshare' 2>"$T/err" >"$T/out"
rc=$?
check "explain, invalid UTF-8: exit $rc is 2" test "$rc" = 2
check "explain, invalid UTF-8: said so ($(cat "$T/err"))" grep -q "not valid UTF-8 (byte 0xff at offset 17)" "$T/err"
printf 'clone: Invalid argument \xc3\n' | ns explain --no-probe - 2>"$T/err" >"$T/out"
rc=$?
check "explain - (stdin), a cut UTF-8 sequence: exit $rc is 2 ($(cat "$T/err"))" test "$rc" = 2 -a -s "$T/err"
ns explain --no-probe $'unshare: Invalid argument \xe2\x80\x94 caf\xc3\xa9' >"$T/out" 2>"$T/err"
check "explain, valid UTF-8 with non-ASCII: exit 0" test $? = 0
echo "$checks checks passed"
