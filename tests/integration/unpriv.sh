#!/bin/bash
# unpriv.sh - nsprobe run by an unprivileged user (uid/gid 65534, no
# capabilities, no supplementary groups).  Without CAP_SYS_ADMIN the driver must
# start every probe inside a new user namespace that maps the caller's uid/gid
# to 0 (mode "userns"), so that the kernel is still measured in full: every
# probe measured, verdict ok, exit 0, and the human output says the mode and why.
. "$(dirname "$0")/../lib.sh"

[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
[ "$(id -u)" = 0 ] || skip "needs root (to become uid 65534 with setpriv)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
# the premise: this host gives unprivileged users a user namespace
setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --map-root-user true 2>/dev/null ||
	skip "this host refuses user namespaces to unprivileged users (restricted.sh covers that)"

# A copy uid 65534 can read and run ($T is mode 755; the repository may not be):
# build/nsprobe finds ../kernels.json and build/probe/ next to itself.
mkdir -p "$T/tree/build/probe" "$T/out"
cp "$NSPROBE" "$T/tree/build/nsprobe"
cp "$TOP/$BUILD"/probe/* "$T/tree/build/probe/" 2>/dev/null
rm -f "$T"/tree/build/probe/*.d
cp "$TOP/kernels.json" "$T/tree/kernels.json"
chmod -R a+rX "$T/tree"
chown 65534:65534 "$T/out"
COPY=$T/tree/build/nsprobe
as_nobody() { env -u NSPROBE_KERNELS -u NSPROBE_PROBE_DIR setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

rc=0
as_nobody "$COPY" --json "$T/out/unpriv.json" >"$T/unpriv.out" 2>"$T/unpriv.err" || rc=$?
[ -s "$T/out/unpriv.json" ] || fail "no report (exit $rc): $(head -c 500 "$T/unpriv.err")"
entry() { json "$T/out/unpriv.json" "next(iter(j['kernels'].values()))$1"; }
check "exit 0, got $rc" [ "$rc" = 0 ]
check "environment: euid 65534" [ "$(entry "['environment']['euid']")" = 65534 ]
check "environment: no CAP_SYS_ADMIN" [ "$(entry "['environment']['capabilities']['cap_sys_admin']")" = False ]
check "environment: mode userns" [ "$(entry "['environment']['mode']")" = userns ]
check "environment: mode_reason names the mapping" \
	grep -q 'uid 65534 and gid 65534 mapped to 0' <(entry "['environment']['mode_reason']")
check "environment: no user-namespace error" [ "$(entry "['environment']['userns_errno']")" = None ]
check "all eight probes ran" [ "$(entry "['probes'].__len__()")" = 8 ]
check "every probe measured" \
	[ "$(json "$T/out/unpriv.json" "sorted(set(p['status'] for e in j['kernels'].values() for p in e['probes'].values()))")" = '["measured"]' ]
# inside its user namespace the probe did create a PID namespace: its child was pid 1
check "unshare_single measured result=ok, child_pid=1" \
	[ "$(entry "['probes']['unshare_single']['fields']['result']")/$(entry "['probes']['unshare_single']['fields']['child_pid']")" = ok/1 ]
check "no behaviour untestable" \
	[ "$(json "$T/out/unpriv.json" "[i for e in j['kernels'].values() for i, b in e['behaviours'].items() if b['status'] == 'untestable']")" = '[]' ]
check "verdict ok" [ "$(entry "['verdict']")" = ok ]
check "human output: the mode" grep -q 'mode userns' "$T/unpriv.out"
check "human output: why (no CAP_SYS_ADMIN, the mapping)" \
	grep -q '^  mode: no CAP_SYS_ADMIN (euid 65534), so each probe runs in a new user namespace' "$T/unpriv.out"
check "human output: verdict ok" grep -q '^verdict: ok' "$T/unpriv.out"
# nothing left running from our copy (its probes are the only programs in $T)
left=$(for p in /proc/[0-9]*; do readlink "$p/exe" 2>/dev/null; done | grep -c "^$T/" || true)
check "no process left running from the copy ($left)" [ "$left" = 0 ]
check "nothing written outside the output directory" \
	[ "$(find "$T/tree" -newer "$T/tree/kernels.json" -type f | wc -l)" = 0 ]
echo "$checks checks passed"
