#!/bin/bash
# driver_timeout.sh - the driver's isolation with fake probes (tests/helpers/
# fake_probe.c) named like real ones: a hanging probe is killed at --timeout and
# recorded as timeout, a crashing one as broken, a straggler that left the
# probe's process group is killed by the subreaper cleanup, the others still
# run, and no process is left behind.
. "$(dirname "$0")/../lib.sh"
FAKE=$TOP/$BUILD/tests/helpers/fake_probe
[ -x "$FAKE" ] || fail "missing $FAKE (make test-build)"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE"
D=$T/probes
mkdir "$D"
# fake NAME ARGS...: a probe NAME that runs fake_probe with ARGS
fake() { local n=$1; shift; printf '#!/bin/sh\nexec %q' "$FAKE" > "$D/$n"; printf ' %q' "$@" >> "$D/$n"; echo >> "$D/$n"; chmod +x "$D/$n"; }
pids=()
cleanup() { # only the processes our fakes recorded, by pid
	for f in "$T"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

fake unshare_single --print result=ok --print child_pid=1 --pidfile "$T/hang.pid" --hang
fake unshare_multi --print main=ok --stderr "fake: about to crash" --crash
fake unshare_transient --print attempts=400 --print einval=0 --straggler "$T/straggler.pid" --exit 0
fake nest_depth --print depth=32 --group-child "$T/groupchild.pid" --print limit_errno=ENOSPC
fake reaper_death --flood 2000000 --print members_killed=yes

start=$SECONDS
"$NSPROBE" run --probe-dir "$D" --timeout 1 --only unshare_single,unshare_multi,unshare_transient,nest_depth,reaper_death \
	--json "$T/r.json" --quiet
rc=$?
took=$((SECONDS - start))
check "a hanging probe makes the run untestable (exit 3, got $rc)" [ "$rc" -eq 3 ]
check "the run ended soon after the timeout (${took}s)" [ "$took" -lt 15 ]
st() { json "$T/r.json" "list(j['kernels'].values())[0]['probes']['$1']['$2']"; }
check "hanging probe recorded as timeout" [ "$(st unshare_single status)" = timeout ]
check "what the hanging probe printed is kept" [ "$(json "$T/r.json" "list(j['kernels'].values())[0]['probes']['unshare_single']['fields']['result']")" = ok ]
check "crashing probe recorded as broken" [ "$(st unshare_multi status)" = broken ]
check "crash signal recorded (SIGSEGV=11)" [ "$(st unshare_multi signal)" = 11 ]
check "crashing probe's stderr kept" grep -q "about to crash" <<<"$(st unshare_multi stderr)"
check "the other probes still ran" [ "$(st unshare_transient status)" = measured ]
check "a probe leaving a child in its group is still measured" [ "$(st nest_depth status)" = measured ]
check "a flooding probe is measured (output capped, not fatal)" [ "$(st reaper_death status)" = measured ]
for f in hang straggler groupchild; do
	[ -s "$T/$f.pid" ] || fail "$f.pid was not written"
	pid=$(cat "$T/$f.pid")
	check "the $f process ($pid) is gone" bash -c "! kill -0 $pid 2>/dev/null"
done

# The human summary names the timeout; exit status is the same.
"$NSPROBE" run --probe-dir "$D" --timeout 1 --only unshare_single > "$T/human.txt"
rc=$?
check "human run exits 3 (got $rc)" [ "$rc" -eq 3 ]
check "human summary shows the timeout" grep -q "timeout" "$T/human.txt"
pid=$(cat "$T/hang.pid")
check "second hanging probe ($pid) is gone" bash -c "! kill -0 $pid 2>/dev/null"

# SIGTERM to the driver: it kills and reaps its probes and exits 128+15.
"$NSPROBE" run --probe-dir "$D" --timeout 30 --only unshare_single --quiet &
drv=$!
for _ in $(seq 100); do [ -s "$T/hang.pid" ] && [ "$(cat "$T/hang.pid")" != "$pid" ] && break; sleep 0.05; done
kill -TERM "$drv"
wait "$drv"
rc=$?
check "driver ended by SIGTERM exits 143 (got $rc)" [ "$rc" -eq 143 ]
pid=$(cat "$T/hang.pid")
check "its probe ($pid) is gone" bash -c "! kill -0 $pid 2>/dev/null"
echo "$checks checks passed"
