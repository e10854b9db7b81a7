#!/bin/bash
# probes_leak.sh - the probes leave no process behind (issue 2): every probe runs
# 20 times (glibc build; the musl build twice) under tests/helpers/subreaper_count,
# a child subreaper that inherits every orphan and counts its live descendants
# once the command has ended - processes counted by descent, never by name.  Then
# the driver, three times, the same way.  First the counter proves it can fail:
# leaked sleeps (backgrounded, nested, moved to a new session) are counted, with
# both ways of finding descendants, and killed by pid.
. "$(dirname "$0")/../lib.sh"

NAMES="unshare_single unshare_multi unshare_transient thread_after_unshare
       thread_after_setns nest_depth reaper_death getpid_cache"
ROUNDS=20
COUNT=$TOP/$BUILD/tests/helpers/subreaper_count
[ "$(id -u)" = 0 ] || skip "needs root (CAP_SYS_ADMIN) to create PID namespaces"
[ -x "$COUNT" ] || fail "missing $COUNT (make test-build)"
for p in $NAMES; do
	[ -x "$PROBES/$p" ] || fail "$PROBES/$p not built"
done

# Leaked sleeps run as $T/lsleep, so that cleanup can find exactly ours by pid
# (their /proc/PID/exe) should a check fail before the counter killed them.
cp "$(command -v sleep)" "$T/lsleep"
ours() { # pids whose executable is our $T/lsleep
	local d
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/exe" 2>/dev/null)" = "$T/lsleep" ] && echo "${d#/proc/}"
	done
}
cleanup() {
	local pid
	for pid in $(ours); do kill -KILL "$pid" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
val() { sed -n "s/^$2=//p" "$1" | head -1; }

# --- 1. the counter can fail --------------------------------------------------
# count NAME EXPECTED_LEFTOVER HELPER-OPTIONS... -- COMMAND...: run the counter,
# require its exit status (1 when something was left) and leftover=EXPECTED.
count() {
	local n=$1 want=$2 rc; shift 2
	"$COUNT" -o "$T/$n.count" "$@" > "$T/$n.out" 2>&1
	rc=$?
	cat "$T/$n.count"
	[ "$(val "$T/$n.count" leftover)" = "$want" ] && [ "$rc" = $((want > 0 ? 1 : 0)) ]
}
L=$T/lsleep
check "counter: nothing started, leftover=0" count none 0 -- true
check "counter: a sleep that ends within the grace period is not a leftover" \
	count brief 0 -- sh -c "$L 0.2 & exit 0"
check "counter: two background sleeps left behind, leftover=2" \
	count two 2 -- sh -c "$L 300 & $L 300 & exit 0"
check "counter: ... and it killed both by pid" [ "$(val "$T/two.count" killed)" = 2 ]
check "counter: ... used /proc/PID/task/TID/children" [ "$(val "$T/two.count" method)" = children ]
check "counter (/proc scan): two background sleeps, leftover=2" \
	count two_stat 2 -s -- sh -c "$L 300 & $L 300 & exit 0"
check "counter (/proc scan): ... used the stat scan" [ "$(val "$T/two_stat.count" method)" = stat ]
check "counter: a leaked shell with two children (grandchildren of ours), leftover=3" \
	count nested 3 -- sh -c "sh -c '$L 300 & $L 300 & wait' & exit 0"
check "counter (/proc scan): the same nesting, leftover=3" \
	count nested_stat 3 -s -- sh -c "sh -c '$L 300 & $L 300 & wait' & exit 0"
check "counter: a sleep moved to its own session is still counted" \
	count session 1 -- sh -c "setsid $L 300 & exit 0"
check "counter: its command status is reported" count status 0 -- sh -c 'exit 7'
check "counter: ... status=exit:7" [ "$(val "$T/status.count" status)" = exit:7 ]
check "counter: no leaked sleep of ours is still alive" [ -z "$(ours)" ]

# --- 2. every probe, $ROUNDS times ---------------------------------------------
# The command runs each probe by hand (cd DIR && ./NAME) and logs "NAME RC".
cat > "$T/rounds.sh" <<'EOF'
dir=$1 rounds=$2 log=$3; shift 3
cd "$dir" || exit 1
for i in $(seq "$rounds"); do
	for p in "$@"; do
		"./$p" > /dev/null 2>> "$log.err"
		echo "$p $?" >> "$log"
	done
done
EOF
# rounds TAG DIR N: run every probe in DIR N times under the counter
rounds() {
	local tag=$1 dir=$2 n=$3 runs
	count "$tag" 0 -t 600 -- bash "$T/rounds.sh" "$dir" "$n" "$T/$tag.log" $NAMES || return 1
	runs=$(wc -l < "$T/$tag.log")
	[ "$runs" = $((n * 8)) ] || { echo "expected $((n * 8)) runs, logged $runs"; return 1; }
	if grep -qv ' 0$' "$T/$tag.log"; then
		echo "probe runs that did not exit 0:"; grep -v ' 0$' "$T/$tag.log" | sort | uniq -c
		head -20 "$T/$tag.log.err"
		return 1
	fi
}
start=$SECONDS
check "8 probes x $ROUNDS (glibc): every run exits 0 and leftover=0" rounds gcc "$PROBES" $ROUNDS
echo "# $((ROUNDS * 8)) probe runs in $((SECONDS - start)) s"
check "... the probes ended normally (status=exit:0)" [ "$(val "$T/gcc.count" status)" = exit:0 ]
MUSL=$TOP/$BUILD/musl/probe
if [ -x "$MUSL/unshare_single" ]; then
	check "8 probes x 2 (musl): every run exits 0 and leftover=0" rounds musl "$MUSL" 2
fi

# --- 3. the driver --------------------------------------------------------------
if [ -x "$NSPROBE" ]; then
	for i in 1 2 3; do
		check "nsprobe run #$i: exit 0 and leftover=0" \
			count "driver$i" 0 -- "$NSPROBE" run --json "$T/r$i.json" --quiet
		check "... nsprobe exited 0" [ "$(val "$T/driver$i.count" status)" = exit:0 ]
	done
fi
check "no leaked sleep of ours is alive at the end" [ -z "$(ours)" ]
echo "$checks checks passed"
