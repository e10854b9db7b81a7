#!/bin/bash
# driver_timeout.sh - the driver's isolation with fake probes (tests/helpers/
# fake_probe.c) named like real ones: a hanging probe is killed at --timeout and
# recorded as timeout, a crashing one as broken, a straggler that left the
# probe's process group is killed by the subreaper cleanup, the others still
# run, and no process is left behind; concurrent-safe probes run side by side
# and the others alone.
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
check "a flooding probe is broken: output over the limit (issue 10), the run went on" \
	[ "$(st reaper_death status)" = broken ]
check "a flooding probe: the reason says the output was over the limit" \
	grep -q "printed more than 262144 bytes on stdout" <<<"$(st reaper_death reason)"
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
# Scheduling: probes marked "concurrent" in kernels.json run side by side (the
# default -j is the CPU count, at least 2), the others alone; -j 1 runs one at a
# time.  Each fake logs when it starts and ends and takes 0.3 s.
S=$T/sched
mkdir "$S"
for p in unshare_single unshare_multi unshare_transient thread_after_unshare thread_after_setns \
	 nest_depth reaper_death getpid_cache; do
	printf '#!/bin/sh\necho "start %s $(date +%%s%%N)" >> %q\nsleep 0.3\necho "end %s $(date +%%s%%N)" >> %q\necho result=ok\n' \
		"$p" "$T/sched.log" "$p" "$T/sched.log" > "$S/$p"
	chmod +x "$S/$p"
done
# overlaps: "A B" for each pair of probes that ran at the same time.
overlaps() {
	python3 - "$T/sched.log" <<'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    ev, name, ns = line.split()
    t.setdefault(name, {})[ev] = int(ns)
names = sorted(t)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        if t[a]["start"] < t[b]["end"] and t[b]["start"] < t[a]["end"]:
            print(a, b)
PY
}
rm -f "$T/sched.log"
"$NSPROBE" run --probe-dir "$S" --quiet --json "$T/sched.json"
ov=$(overlaps)
check "default -j: concurrent probes ran side by side ($(echo "$ov" | grep -c .) pairs)" test -n "$ov"
check "default -j: probes that must run alone overlapped nothing" \
	bash -c '! grep -q -e unshare_transient -e nest_depth -e reaper_death <<<"$1"' _ "$ov"
check "default -j: every probe ran" test "$(grep -c '^end ' "$T/sched.log")" = 8
rm -f "$T/sched.log"
"$NSPROBE" run --probe-dir "$S" --quiet -j 1 --json "$T/sched1.json"
check "-j 1: no two probes overlapped" test -z "$(overlaps)"
check "the report does not depend on -j (but for durations)" cmp -s \
	<(json "$T/sched.json" "{k: (v['status'], v['fields']) for k, v in list(j['kernels'].values())[0]['probes'].items()}") \
	<(json "$T/sched1.json" "{k: (v['status'], v['fields']) for k, v in list(j['kernels'].values())[0]['probes'].items()}")
echo "$checks checks passed"
