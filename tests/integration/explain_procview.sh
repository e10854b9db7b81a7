#!/bin/bash
# explain_procview.sh - `nsprobe explain` knows the /proc view (issue 18): a
# /proc mounted for another PID namespace (ps shows the host's processes) and
# the invisible parent ("kill: (PID) - No such process", getppid() = 0), and says
# which holds here from the where module's foreign-/proc detection: not on the
# host, yes inside `unshare --pid --fork` without --mount-proc, not with it.
. "$(dirname "$0")/../lib.sh"

[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
here() { json "$1" "[c['here']['status'] for m in j['matches'] for c in m['symptom']['causes'] if c.get('cause') == '$2'][0]"; }
PS='ps shows host processes after unshare --pid'
KILL='kill: (7823) - No such process'

"$NSPROBE" explain --no-probe "$PS" >"$T/ps.txt" 2>&1 || fail "explain (ps) failed: $(head -c 300 "$T/ps.txt")"
check "ps symptom: named" grep -q '\[proc-view\]' "$T/ps.txt"
check "ps symptom: the outer-/proc cause" grep -q 'environment proc-outer' "$T/ps.txt"
check "ps symptom: the fix (--mount-proc)" grep -q 'fix: mount a /proc for the new namespace: `unshare --pid --fork --mount-proc`' "$T/ps.txt"
"$NSPROBE" explain --no-probe "$KILL" >"$T/kill.txt" 2>&1 || fail "explain (kill) failed"
check "kill symptom: named" grep -q '\[invisible-parent\]' "$T/kill.txt"
check "kill symptom: the rule (getppid() is 0, parent outside)" grep -q 'getppid() is 0 in a namespace.s PID 1' "$T/kill.txt"

"$NSPROBE" explain --no-probe --json "$T/host.json" "$PS" >/dev/null 2>&1 || fail "explain --json failed"
if [ "$(awk '/^NSpid:/ { print NF - 1 }' /proc/self/status)" = 1 ]; then
	check "on the host: proc-outer does not hold" [ "$(here "$T/host.json" proc-outer)" = does-not-hold ]
fi
if [ "$(id -u)" = 0 ] && unshare --pid --fork true 2>/dev/null; then
	unshare --pid --fork "$NSPROBE" explain --no-probe --json "$T/in.json" "$PS" >/dev/null 2>&1 ||
		fail "explain inside unshare --pid --fork failed"
	check "inside unshare --pid --fork (host /proc): proc-outer holds" [ "$(here "$T/in.json" proc-outer)" = holds ]
	unshare --pid --fork "$NSPROBE" explain --no-probe "$PS" >"$T/in.txt" 2>&1
	check "inside unshare --pid --fork: the text says HOLDS" grep -q 'on this host: HOLDS (/proc: outer' "$T/in.txt"
	unshare --pid --fork "$NSPROBE" explain --no-probe --json "$T/kin.json" "$KILL" >/dev/null 2>&1
	check "inside unshare --pid --fork: invisible-parent holds" [ "$(here "$T/kin.json" invisible-parent)" = holds ]
	unshare --pid --fork --mount-proc "$NSPROBE" explain --no-probe --json "$T/mp.json" "$PS" >/dev/null 2>&1 ||
		fail "explain inside unshare --mount-proc failed"
	check "with --mount-proc: proc-outer does not hold" [ "$(here "$T/mp.json" proc-outer)" = does-not-hold ]
	"$NSPROBE" exec -- "$NSPROBE" explain --no-probe --json "$T/ex.json" "$PS" >/dev/null 2>&1
	check "under nsprobe exec (no --mount-proc): proc-outer holds" [ "$(here "$T/ex.json" proc-outer)" = holds ]
else
	echo "# skip: the in-namespace part needs root and unshare --pid"
fi
echo "$checks checks passed"
