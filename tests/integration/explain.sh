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

check "go errno=22: names WSL1 as a look-alike" grep -q 'environment wsl1' "$T/go.txt"
check "go errno=22: the JSON says whether qemu-user can be in play" \
	grep -qx -e unknown -e does-not-hold <(json "$T/go.json" "[c['here']['status'] for c in j['matches'][0]['symptom']['causes'] if c.get('cause') == 'qemu-user'][0]")
check "go errno=22: the mode the probes ran in, and why" grep -q '^  mode: ' "$T/go.txt"
check "go errno=22: what the probes showed here" \
	grep -q '^    thread-after-pidns-change-einval  *affected' "$T/go.txt"

# 2b. fork ENOMEM with the probes: the dead-init rule holds on every kernel since 3.8.
"$NSPROBE" explain --json - 'fork: Cannot allocate memory' >"$T/fork.json" 2>"$T/fork.err" ||
	fail "explain fork ENOMEM failed: $(head -c 300 "$T/fork.err")"
check "fork ENOMEM: matches fork-enomem" [ "$(json "$T/fork.json" '[m["id"] for m in j["matches"]]')" = '["fork-enomem"]' ]
check "fork ENOMEM: ran reaper_death" grep -qx reaper_death <(json "$T/fork.json" '"\n".join(j["probes_run"])')
check "fork ENOMEM: the dead-init rule holds here" \
	grep -qx fork-after-init-exit-enomem <(json "$T/fork.json" '"\n".join(h["cause"] for h in j["holds_here"])')
check "fork ENOMEM: the memory look-alike is listed, not claimed" \
	[ "$(json "$T/fork.json" '[c["here"]["status"] for c in j["matches"][0]["symptom"]["causes"] if c.get("cause") == "memory"]')" = '["unknown"]' ]

# 2c. The other symptoms users paste (research/anchors.md section 3): each maps
# to its catalogue entry, names its causes, and decides them here (as root on
# a current kernel none of the kernel rules below holds).
# explain_one ID TEXT: --json - to $T/ID.json, and the human text to $T/ID.txt.
explain_one() {
	"$NSPROBE" explain --json - "$2" >"$T/$1.json" 2>"$T/$1.err" || fail "explain '$2' failed: $(head -c 300 "$T/$1.err")"
	"$NSPROBE" explain "$2" >"$T/$1.txt" 2>>"$T/$1.err" || fail "explain '$2' (human) failed"
}
matched() { json "$T/$1.json" '" ".join(m["id"] for m in j["matches"])'; }
here() { json "$T/$1.json" "[c['here']['status'] for m in j['matches'] for c in m['symptom']['causes'] if c.get('behaviour', c.get('cause')) == '$2'][0]"; }

explain_one eperm 'unshare: unshare failed: Operation not permitted'
check "unshare EPERM: matches unshare-eperm" [ "$(matched eperm)" = unshare-eperm ]
check "unshare EPERM: lists the environment causes" \
	[ "$(json "$T/eperm.json" 'sorted(c["cause"] for c in j["matches"][0]["symptom"]["causes"])')" = \
	  '["capabilities", "kernel.apparmor_restrict_unprivileged_userns", "kernel.unprivileged_userns_clone", "lsm", "seccomp", "user.max_user_namespaces"]' ]
check "unshare EPERM: probes whether unshare works here" [ "$(json "$T/eperm.json" 'j["probes_run"]')" = '["unshare_single"]' ]
check "unshare EPERM: as root with CAP_SYS_ADMIN, capabilities do not hold ($(here eperm capabilities))" \
	[ "$(here eperm capabilities)" = does-not-hold ]
check "unshare EPERM: human text shows unshare works here" \
	grep -q '^    unshare-pidns-unsupported  *not-affected' "$T/eperm.txt"

explain_one nsenter 'nsenter: failed to unshare namespaces: Invalid argument'
check "runc nsenter EINVAL: matches nsenter-unshare-einval" [ "$(matched nsenter)" = nsenter-unshare-einval ]
check "runc nsenter EINVAL: names the transient /proc reader race" grep -q 'kernel rule unshare-transient-einval' "$T/nsenter.txt"
check "runc nsenter EINVAL: names disabled user namespaces" grep -q 'environment userns-disabled-boot' "$T/nsenter.txt"
check "runc nsenter EINVAL: the race was decided here ($(here nsenter unshare-transient-einval))" \
	grep -qx -e holds -e does-not-hold <(here nsenter unshare-transient-einval)

explain_one gounshare 'Error unsharing PID namespace: invalid argument'
check "Go unshare EINVAL: matches go-unshare-einval" [ "$(matched gounshare)" = go-unshare-einval ]
check "Go unshare EINVAL: names the multi-threaded unshare rule" grep -q 'kernel rule unshare-multithread-einval' "$T/gounshare.txt"
check "Go unshare EINVAL: the rule was decided here ($(here gounshare unshare-multithread-einval))" \
	grep -qx -e holds -e does-not-hold <(here gounshare unshare-multithread-einval)
check "Go unshare EINVAL: says to use Cloneflags instead" grep -q 'Cloneflags' "$T/gounshare.txt"

explain_one uidmap 'unshare: write failed /proc/self/uid_map: Operation not permitted'
# util-linux prefixes "unshare: ", so the generic unshare EPERM entry matches too
check "uid_map EPERM: matches uid-map-eperm ($(matched uidmap))" grep -qw uid-map-eperm <(matched uidmap)
check "uid_map EPERM: names the AppArmor restriction" \
	grep -q 'environment kernel.apparmor_restrict_unprivileged_userns' "$T/uidmap.txt"
check "uid_map EPERM: the AppArmor sysctl was read ($(here uidmap kernel.apparmor_restrict_unprivileged_userns))" \
	grep -qx -e holds -e does-not-hold <(here uidmap kernel.apparmor_restrict_unprivileged_userns)
check "uid_map EPERM: names no_new_privs" grep -q 'environment no_new_privs' "$T/uidmap.txt"

explain_one clone3 'clone3: Function not implemented'
check "clone3 ENOSYS: matches clone3-enosys, seccomp first" \
	[ "$(matched clone3)/$(json "$T/clone3.json" 'j["matches"][0]["symptom"]["causes"][0]["cause"]')" = clone3-enosys/seccomp ]
check "every cause of every answer has a known here-status" \
	[ "$(cat "$T"/{go,fork,eperm,nsenter,gounshare,uidmap,clone3}.json | python3 -c '
import json, sys
ok = {"holds", "does-not-hold", "untestable", "not-probed", "unknown"}
d = json.JSONDecoder(); s = sys.stdin.read(); i = 0; bad = []
while i < len(s.rstrip()):
    j, i = d.raw_decode(s, i); i += len(s[i:]) - len(s[i:].lstrip())
    bad += [c["here"]["status"] for m in j["matches"] for c in m["symptom"]["causes"] if c["here"]["status"] not in ok]
print(bad)')" = '[]' ]

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
	# with the probes: unshare is refused here, and the refusal is put on the filter
	"$WRAP" "$NSPROBE" explain 'unshare: unshare failed: Operation not permitted' >"$T/eperm3.txt" 2>&1 ||
		fail "explain under seccomp_wrap (probing) failed"
	check "EPERM under seccomp, probed: unshare untestable because of seccomp" \
		grep -q '^    unshare-pidns-unsupported  *untestable  *seccomp' "$T/eperm3.txt"
	check "EPERM under seccomp, probed: says what to do" grep -q '^  seccomp holds' "$T/eperm3.txt"
	"$WRAP" "$NSPROBE" explain --no-probe --json - 'clone3: Function not implemented' >"$T/clone3s.json" ||
		fail "explain clone3 under seccomp_wrap failed"
	check "clone3 ENOSYS under seccomp: seccomp holds here" \
		grep -qx seccomp <(json "$T/clone3s.json" '"\n".join(h["cause"] for h in j["holds_here"])')
fi
echo "$checks checks passed"
