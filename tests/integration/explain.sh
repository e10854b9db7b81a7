#!/bin/bash
# explain.sh - `nsprobe explain` end to end: a pasted error message is mapped
# to the kernel rule or environment cause behind it, the probes that tell them
# apart run on this host, and the answer says which cause holds here.
. "$(dirname "$0")/../lib.sh"

[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
WRAP=$TOP/$BUILD/tests/helpers/seccomp_wrap
GO='runtime: failed to create new OS thread (have 2 already; errno=22)'

# 1. Go's errno=22: the thread-after-pidns-change rule, `unshare --fork`, and what this host does.
rc=0
"$NSPROBE" explain "$GO" >"$T/go.txt" 2>"$T/go.err" || rc=$?
check "go errno=22: exit 0 (got $rc)" [ "$rc" = 0 ]
check "go errno=22: names the rule" grep -q 'thread-after-pidns-change-einval' "$T/go.txt"
check "go errno=22: says unshare --fork" grep -q 'unshare --fork' "$T/go.txt"
check "go errno=22: names the look-alikes" grep -q 'qemu-user' "$T/go.txt"
check "go errno=22: says what this host does" grep -q '^On this host (' "$T/go.txt"
"$NSPROBE" explain --json - "$GO" >"$T/go.json" 2>"$T/go.err" || fail "explain --json - failed"
rule_here() { json "$T/go.json" "[c['here']['status'] for m in j['matches'] for c in m['symptom']['causes'] if c.get('behaviour') == 'thread-after-pidns-change-einval'][0]"; }
check "go errno=22: JSON matches go-thread-einval" [ "$(json "$T/go.json" 'j["matches"][0]["id"]')" = go-thread-einval ]
check "go errno=22: the probes ran" [ "$(json "$T/go.json" 'j["probed"]')" = True ]
check "go errno=22: the rule was decided here ($(rule_here))" \
	grep -qx -e holds -e does-not-hold <(rule_here)
# On every kernel since 3.8 pthread_create after unshare(CLONE_NEWPID) fails EINVAL
# (kernel-facts.md 3g), so where the probes ran the rule must hold, and the human
# text must say so.
status=$(json "$T/go.json" 'j["behaviours"]["thread-after-pidns-change-einval"]["status"]')
check "go errno=22: here-status agrees with the judged behaviour ($status)" \
	[ "$(rule_here)" = "$([ "$status" = affected ] && echo holds || echo does-not-hold)" ]
if [ "$status" = affected ]; then
	check "go errno=22: human text says HOLDS" grep -q 'on this host: HOLDS' "$T/go.txt"
fi

# 2. fork ENOMEM: the dead-init rule; also read from standard input.
echo 'bash: fork: Cannot allocate memory' | "$NSPROBE" explain --no-probe - >"$T/fork.txt" 2>&1 ||
	fail "explain - (stdin) failed"
check "fork ENOMEM: names the dead-init rule" grep -q 'fork-after-init-exit-enomem' "$T/fork.txt"
check "fork ENOMEM: --no-probe ran nothing" grep -q 'on this host: not probed' "$T/fork.txt"

# 3. Unknown text: exit 0 and the list of known symptoms.
rc=0
"$NSPROBE" explain 'the quick brown fox' >"$T/unknown.txt" 2>&1 || rc=$?
check "unknown text: exit 0 (got $rc)" [ "$rc" = 0 ]
check "unknown text: says so" grep -q 'knows no symptom' "$T/unknown.txt"
check "unknown text: lists the known symptoms" grep -q 'go-thread-einval' "$T/unknown.txt"
"$NSPROBE" explain --json - 'the quick brown fox' >"$T/unknown.json"
check "unknown text: JSON lists every known symptom" \
	[ "$(json "$T/unknown.json" 'len(j["known"])')" = "$(json "$TOP/kernels.json" 'len(j["symptoms"])')" ]

# 4. No text, or a bad option: usage error, exit 2.
rc=0; "$NSPROBE" explain >/dev/null 2>&1 || rc=$?
check "no text: exit 2 (got $rc)" [ "$rc" = 2 ]
rc=0; "$NSPROBE" explain --bogus x >/dev/null 2>&1 || rc=$?
check "bad option: exit 2 (got $rc)" [ "$rc" = 2 ]

# 5. The environment decides between look-alikes: under a seccomp filter, the
# EPERM from unshare is explained by seccomp, and seccomp holds here.
if [ -x "$WRAP" ]; then
	"$WRAP" "$NSPROBE" explain --no-probe --json - 'unshare: unshare failed: Operation not permitted' \
		>"$T/eperm.json" 2>"$T/eperm.err" || fail "explain under seccomp_wrap failed"
	check "EPERM under seccomp: seccomp holds here" \
		grep -qx seccomp <(json "$T/eperm.json" '"\n".join(h["cause"] for h in j["holds_here"])')
	"$NSPROBE" explain --no-probe --json - 'unshare: unshare failed: Operation not permitted' >"$T/eperm2.json"
	check "EPERM without the filter: seccomp does not hold" \
		[ "$(json "$T/eperm2.json" '[h["cause"] for h in j["holds_here"] if h["cause"] == "seccomp"]')" = '[]' ]
fi
echo "$checks checks passed"
