#!/bin/bash
# stop_signals.sh - SIGINT/SIGTERM/SIGHUP/SIGQUIT sent at random moments of 50
# `nsprobe run --json` runs (report/stop.c, report/outfile.c): while the fake
# probes run (one escapes with setsid + double fork and ignores INT/TERM/HUP),
# while one hangs, and while the report's complete temporary is held before its
# rename (NSPROBE_TEST_WRITE_DELAY_MS, the test-only delay hook; some runs with
# named temporaries instead of O_TMPFILE: NSPROBE_TEST_NO_TMPFILE=1).  Every
# time: exit status 128+N, the old report byte-identical, no temporary left,
# nothing alive under the subreaper (tests/helpers/fault_subreaper).  Then
# SIGPIPE: stdout a pipe whose reader has gone.
. "$(dirname "$0")/../lib.sh"

H=$TOP/$BUILD/tests/helpers
[ -x "$NSPROBE" ] || skip "$NSPROBE is not built"
[ -x "$H/fault_probe" ] && [ -x "$H/fault_subreaper" ] || fail "helpers not built: make test-build"
D=$T/probes O=$T/out
mkdir -p "$O"
fake_probes "$D"

modes
"$NSPROBE" run --quiet --probe-dir "$D" --json "$O/report.json" --timeout 5 2>/dev/null
check "a first report exists" test -s "$O/report.json"
cp "$O/report.json" "$T/known.json"

# One run: SIG NUM, the moment (probing|hanging|writing|random), extra delay ms, tmpfile mode.
during_write=0 during_probes=0
one_run() {
	local name=$1 num=$2 when=$3 ms=$4 named=$5 wait=() extra
	case $when in
	probing) modes nest_depth=runaway; wait=(-d "$ms") ;;
	hanging) modes nest_depth=runaway getpid_cache=hang; wait=(-w "$D/getpid_cache.started" -d "$ms") ;;
	writing) modes nest_depth=runaway; wait=(-W "$T/stderr" -d "$ms") ;;
	esac
	: >"$T/stderr"; rm -f "$T/rep"
	NSPROBE_TEST_NO_TMPFILE=$named NSPROBE_TEST_WRITE_DELAY_MS=600 \
		"$H/fault_subreaper" -s "$num" "${wait[@]}" -r "$T/rep" -- \
		"$NSPROBE" run --quiet --probe-dir "$D" --json "$O/report.json" --timeout 20 \
		>/dev/null 2>"$T/stderr"
	local label="SIG$name at ${ms} ms ($when${named:+, named temporaries})"
	if [ "$(field leaked)" != 0 ]; then cat "$T/rep" "$T/stderr" >&2; fail "$label: processes left"; fi
	check "$label: exit status $(field status) is 128+$num" test "$(field status)" = $((128 + num))
	check "$label: the old report is byte-identical" cmp -s "$O/report.json" "$T/known.json"
	extra=$(ls -A "$O" | grep -v -x report.json)
	check "$label: no temporary left (${extra:-none})" test -z "$extra"
	if grep -q "nsprobe: test: holding" "$T/stderr"; then
		during_write=$((during_write + 1))
	else
		during_probes=$((during_probes + 1))
	fi
}

sigs=(INT:2 TERM:15 HUP:1 QUIT:3)
whens=(probing hanging writing random)
for i in $(seq 0 49); do
	s=${sigs[$((i % 4))]} when=${whens[$(((i / 4) % 4))]}
	named=""
	[ $((i % 3)) = 0 ] && named=1
	case $when in
	random) ms=$((RANDOM % 400)); one_run "${s%%:*}" "${s#*:}" probing "$ms" "$named" ;;
	writing) one_run "${s%%:*}" "${s#*:}" writing $((RANDOM % 450)) "$named" ;;
	*) one_run "${s%%:*}" "${s#*:}" "$when" $((RANDOM % 100)) "$named" ;;
	esac
done
echo "signals during the write: $during_write, before it: $during_probes"
check "at least 10 of the 50 signals came during the write ($during_write)" test "$during_write" -ge 10
check "at least 10 came while probes ran ($during_probes)" test "$during_probes" -ge 10

# SIGPIPE: stdout is a pipe whose reader has gone while a probe hangs.
modes getpid_cache=hang
mkfifo "$T/pipe"
( exec 3<"$T/pipe"; while [ ! -e "$D/getpid_cache.started" ]; do sleep 0.05; done; exec 3<&- ) &
reader=$!
"$H/fault_subreaper" -r "$T/rep" -- sh -c 'exec "$@" >"$0"' "$T/pipe" \
	"$NSPROBE" run --probe-dir "$D" --json "$O/report.json" --timeout 20 2>"$T/stderr"
wait "$reader"
if [ "$(field leaked)" != 0 ]; then cat "$T/rep" "$T/stderr" >&2; fail "SIGPIPE: processes left"; fi
check "stdout's reader gone: exit status $(field status) is 128+13" test "$(field status)" = 141
check "stdout's reader gone: the old report is byte-identical" cmp -s "$O/report.json" "$T/known.json"
extra=$(ls -A "$O" | grep -v -x report.json)
check "stdout's reader gone: no temporary left (${extra:-none})" test -z "$extra"
echo "$checks checks passed"
