#!/bin/bash
# faults.sh - process hygiene under faults: `nsprobe run` against fake probes
# (tests/helpers/fault_probe.c, named like the real ones) that hang, crash with
# SIGSEGV, or leave a setsid+double-forked runaway that ignores SIGTERM/SIGHUP;
# and SIGINT/SIGTERM/SIGHUP sent to nsprobe mid-run.  Each run happens under
# tests/helpers/fault_subreaper, which counts the processes still alive after
# nsprobe exits (all of them are re-parented to it): that count must be 0, the
# exit status must say what happened (128+N for signal N), and a report file
# that existed before an interrupted run keeps its old content, with no temp
# file left beside it.
. "$(dirname "$0")/../lib.sh"

H=$TOP/$BUILD/tests/helpers
[ -x "$NSPROBE" ] || skip "$NSPROBE is not built"
"$NSPROBE" run --help 2>/dev/null | grep -q -- --probe-dir || skip "nsprobe run has no --probe-dir yet"
[ -x "$H/fault_probe" ] && [ -x "$H/fault_subreaper" ] || fail "helpers not built: make test-build"
D=$T/probes
mkdir -p "$T/out"
fake_probes "$D"

# run_nsprobe [fault_subreaper options] -- [nsprobe run options]: sets $status.
run_nsprobe() {
	local sub=()
	while [ "$1" != "--" ]; do sub+=("$1"); shift; done
	shift
	"$H/fault_subreaper" "${sub[@]}" -r "$T/rep" -- \
		"$NSPROBE" run --quiet --probe-dir "$D" "$@" >"$T/stdout" 2>"$T/stderr"
	status=$(field status)
	if [ "$(field leaked)" != 0 ]; then
		cat "$T/rep" "$T/stderr" >&2
		fail "processes left behind after: nsprobe run $*"
	fi
}
# probe_status FILE PROBE: the status the report gives that probe.
probe_status() { json "$1" "[e for e in j['kernels'].values()][0]['probes']['$2']['status']"; }
not_signal() { [ "$status" -lt 128 ] && [ "$status" != 2 ]; }
# The fake probes print no key the judgement reads: every run is untestable (3).
untestable() { [ "$status" = 3 ]; }

# 1. Everything fine: a report, no leftovers, an ordinary status.
modes
run_nsprobe -- --json "$T/out/base.json" --timeout 5
check "all fake probes ok: status $status is 0, 1 or 3" not_signal
check "all fake probes ok: the report was written" test -s "$T/out/base.json"
check "all fake probes ok: unshare_single measured" \
	test "$(probe_status "$T/out/base.json" unshare_single)" = measured

# 2. A probe that hangs: killed at the timeout, reported as "timeout".
modes unshare_single=hang
start=$SECONDS
run_nsprobe -- --json "$T/out/hang.json" --timeout 1
check "hanging probe: status $status is 3" untestable
check "hanging probe: reported as timeout" test "$(probe_status "$T/out/hang.json" unshare_single)" = timeout
check "hanging probe: the run ended within 20 s ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 20

# 3. A probe that dies of SIGSEGV: broken, with the signal recorded.
modes unshare_multi=segv
run_nsprobe -- --json "$T/out/segv.json" --timeout 5
check "crashing probe: status $status is 3" untestable
check "crashing probe: reported as broken" test "$(probe_status "$T/out/segv.json" unshare_multi)" = broken
check "crashing probe: signal 11 recorded" \
	test "$(json "$T/out/segv.json" "[e for e in j['kernels'].values()][0]['probes']['unshare_multi']['signal']")" = 11

# 4. Runaways: a setsid'd grandchild ignoring SIGTERM/SIGHUP, after a normal exit
#    and behind a hanging probe; both must be gone when nsprobe exits.  Then the
#    same with the fallback for kernels without PR_SET_CHILD_SUBREAPER.
for fb in "" 1; do
	export NSPROBE_TEST_NO_SUBREAPER=$fb
	how=${fb:+" (no subreaper)"}
	modes nest_depth=runaway
	run_nsprobe -- --json "$T/out/runaway.json" --timeout 5
	check "runaway after exit 0$how: it existed (pid recorded)" test -s "$D/nest_depth.pids"
	check "runaway after exit 0$how: status $status is 3" untestable
	check "runaway after exit 0$how: probe measured" \
		test "$(probe_status "$T/out/runaway.json" nest_depth)" = measured
	modes reaper_death=runaway-hang getpid_cache=runaway
	run_nsprobe -- --json "$T/out/runaway-hang.json" --timeout 1
	check "runaway behind a hang$how: it existed" test -s "$D/reaper_death.pids"
	check "runaway behind a hang$how: probe reported as timeout" \
		test "$(probe_status "$T/out/runaway-hang.json" reaper_death)" = timeout
	check "runaway behind a hang$how: a concurrent probe's runaway existed too" \
		test -s "$D/getpid_cache.pids"
	check "runaway behind a hang$how: status $status is 3" untestable
	# getpid_cache (concurrent) runs before the probes that must run alone
	[ -z "$fb" ] && check "runaway behind a hang: leftovers killed before a probe that runs alone" \
		test "$(json "$T/out/runaway-hang.json" "[e for e in j['kernels'].values()][0]['probes']['unshare_transient']['fields']['runaways_alive']")" = 0
done
unset NSPROBE_TEST_NO_SUBREAPER

# 5. Signals mid-run, once a probe hangs (it creates .started) with a runaway
#    that left its group alive: SIGINT to the whole process group (as a terminal
#    sends it), SIGTERM, SIGHUP; one probe at a time (-j 1); a probe that runs
#    alone (not concurrent-safe) with -j 3; the fallback without a subreaper.
#    Case: "SIG|NUM|HANGING PROBE|PROBE WITH THE RUNAWAY|MODES|OPTION".
for case in "INT|2|getpid_cache|getpid_cache|getpid_cache=runaway-hang|-g" \
	    "TERM|15|getpid_cache|getpid_cache|getpid_cache=runaway-hang|" \
	    "HUP|1|getpid_cache|getpid_cache|getpid_cache=runaway-hang|" \
	    "TERM|15|getpid_cache|getpid_cache|getpid_cache=runaway-hang|-j1" \
	    "TERM|15|nest_depth|nest_depth|nest_depth=runaway-hang|-j3" \
	    "INT|2|getpid_cache|getpid_cache|getpid_cache=runaway-hang|nosub"; do
	IFS='|' read -r name num hung runaway mode opt <<<"$case"
	cp "$T/out/base.json" "$T/out/keep.json"
	cp "$T/out/base.json" "$T/known.json"
	modes $mode
	gflag=() jflag=()
	case $opt in
	-g) gflag=(-g) ;;
	-j1) jflag=(-j 1) ;;
	-j3) jflag=(-j 3) ;;
	nosub) export NSPROBE_TEST_NO_SUBREAPER=1 ;;
	esac
	label="SIG$name, $hung hangs${opt:+, $opt}"
	run_nsprobe -s "$num" "${gflag[@]}" -w "$D/$hung.started" -- \
		--json "$T/out/keep.json" --timeout 30 "${jflag[@]}"
	unset NSPROBE_TEST_NO_SUBREAPER
	check "$label: the hanging probe had started" test -e "$D/$hung.started"
	check "$label: the runaway of $runaway existed" test -s "$D/$runaway.pids"
	check "$label: exit status $status is 128+$num" test "$status" = $((128 + num))
	check "$label: the old report is intact" cmp -s "$T/out/keep.json" "$T/known.json"
	extra=$(ls -A "$T/out" | grep -v -x -e base.json -e hang.json -e segv.json -e runaway.json \
		-e runaway-hang.json -e keep.json)
	check "$label: no temp file left beside the report (${extra:-none})" test -z "$extra"
done
echo "$checks checks passed"
