#!/bin/bash
# tests/integration/run_order.sh - the runner's schedule (issue 14): every
# concurrent probe (kernels.json "concurrent": true) starts before any probe that
# must run alone, although unshare_transient is listed third, and a probe that
# runs alone overlaps no other; with -j 1 and -j 2.  (Before, a probe that runs
# alone started whenever nothing else was running: with -j 1 right after the
# probes listed before it.)  The probes are stand-in shell scripts that log their
# start and end times (date +%s%N) and sleep a moment.
. "$(dirname "$0")/../lib.sh"
NSPROBE_KERNELS=${NSPROBE_KERNELS:-$TOP/kernels.json}

ALL="unshare_single unshare_multi unshare_transient thread_after_unshare thread_after_setns
     nest_depth reaper_death getpid_cache"
mkdir -p "$T/probes"
for p in $ALL; do
	cat >"$T/probes/$p" <<EOS
#!/bin/sh
echo "\$(date +%s%N) start $p" >>"\$NSPROBE_TEST_LOG"
sleep 0.1
echo "\$(date +%s%N) end $p" >>"\$NSPROBE_TEST_LOG"
echo fake=$p
EOS
	chmod 755 "$T/probes/$p"
done
alone=$(python3 -c 'import json,sys; print(" ".join(k for k, v in json.load(open(sys.argv[1]))["probes"].items() if v["concurrent"] is False))' "$NSPROBE_KERNELS")
check "kernels.json marks some probes to run alone ($alone)" [ -n "$alone" ]
# order LOG: which concurrent probes started after the first one that runs alone,
# and which pairs overlapped a probe that runs alone.
order() {
	python3 - "$1" "$alone" <<'PY'
import sys
ev = {}
for line in open(sys.argv[1]):
    t, what, name = line.split()
    ev.setdefault(name, {})[what] = int(t)
alone = set(sys.argv[2].split())
first_alone = min(ev[p]["start"] for p in alone)
late = [p for p in ev if p not in alone and ev[p]["start"] > first_alone]
print("concurrent-after-alone:", " ".join(late) or "none")
overlap = [(a, b) for a in alone for b in ev if a != b and
           ev[a]["start"] < ev[b]["end"] and ev[b]["start"] < ev[a]["end"]]
print("overlaps:", " ".join("%s/%s" % o for o in overlap) or "none")
PY
}
for j in 1 2; do
	NSPROBE_TEST_LOG=$T/log.$j "$NSPROBE" run --quiet -j "$j" --probe-dir "$T/probes" --json "$T/r.$j.json" >/dev/null 2>"$T/err"
	check "-j $j: every stand-in probe ran and logged start and end ($(wc -l <"$T/log.$j") lines)" [ "$(wc -l <"$T/log.$j")" = 16 ]
	order "$T/log.$j" >"$T/order.$j"
	cat "$T/order.$j"
	check "-j $j: every concurrent probe started before the first one that runs alone" grep -qx "concurrent-after-alone: none" "$T/order.$j"
	check "-j $j: a probe that runs alone overlapped no other" grep -qx "overlaps: none" "$T/order.$j"
done
echo "$checks checks passed"
