#!/bin/bash
# restricted.sh - nsprobe where people really run it: under a container
# runtime's seccomp profile, and where user namespaces are refused (the
# unprivileged mode that works is unpriv.sh).  In each, the environment (not the
# kernel) must be named as the cause, dependent behaviours must carry that same
# cause, nothing may be reported as affected because the environment refused a
# call, and the human output must say what to change.
. "$(dirname "$0")/../lib.sh"

WRAP=$TOP/$BUILD/tests/helpers/seccomp_wrap
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
[ -x "$WRAP" ] || skip "$WRAP not built"
[ "$(id -u)" = 0 ] || skip "needs root (to build the restricted environments)"

# A copy of the build tree that uid 65534 can read and run ($T is mode 755):
# build/nsprobe finds ../kernels.json and build/probe/ next to itself.
mkdir -p "$T/tree/build/probe"
cp "$NSPROBE" "$T/tree/build/nsprobe"
cp "$TOP/$BUILD"/probe/* "$T/tree/build/probe/" 2>/dev/null
rm -f "$T"/tree/build/probe/*.d
cp "$TOP/kernels.json" "$T/tree/kernels.json"
chmod -R a+rX "$T/tree"
COPY=$T/tree/build/nsprobe
# where uid 65534 writes its report
mkdir "$T/out" && chown 65534:65534 "$T/out" || fail "cannot make an output directory for uid 65534"

# every_untestable FILE CAUSE: no behaviour affected, every behaviour untestable
# with that cause (prints the offenders otherwise).
every_untestable() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1])); want = sys.argv[2]
e = next(iter(j["kernels"].values()))
bad = []
for bid, b in e["behaviours"].items():
    c = (b.get("cause") or {}).get("cause")
    if b["status"] != "untestable" or c != want:
        bad.append("%s: %s cause=%s" % (bid, b["status"], c))
if bad or not e["behaviours"]:
    print("\n".join(bad) or "no behaviours", file=sys.stderr); sys.exit(1)
EOF
}

# --- 1. seccomp: a runtime default profile (unshare/setns/clone CLONE_NEW* -> EPERM,
# clone3 -> ENOSYS).  As root with CAP_SYS_ADMIN, only the filter can refuse.
rc=0
"$WRAP" "$NSPROBE" --json "$T/seccomp.json" >"$T/seccomp.out" 2>"$T/seccomp.err" || rc=$?
check "seccomp: exit 3 (untestable, not affected), got $rc" [ "$rc" = 3 ]
check "seccomp: report records Seccomp: 2" \
	[ "$(json "$T/seccomp.json" 'next(iter(j["kernels"].values()))["environment"]["seccomp"]["mode"]')" = 2 ]
check "seccomp: every behaviour untestable with cause seccomp" every_untestable "$T/seccomp.json" seccomp
check "seccomp: the why quotes the filter" \
	grep -q 'Seccomp: 2' <(json "$T/seccomp.json" 'next(iter(j["kernels"].values()))["behaviours"]')
check "seccomp: verdict untestable" \
	[ "$(json "$T/seccomp.json" 'next(iter(j["kernels"].values()))["verdict"]')" = untestable ]
# behaviours that need unshare to work carry its cause, marked "via", never the kernel
check "seccomp: dependent behaviours carry cause seccomp via unshare-pidns-unsupported" \
	[ "$(json "$T/seccomp.json" 'sorted(set((b["cause"]["cause"], b["cause"].get("via")) for b in next(iter(j["kernels"].values()))["behaviours"].values() if b["cause"].get("via")))')" = '[["seccomp", "unshare-pidns-unsupported"]]' ]
check "seccomp: the clone3 ENOSYS is not called a missing system call" \
	[ "$(json "$T/seccomp.json" 'sum("lacks the system call" in b["cause"]["why"] for b in next(iter(j["kernels"].values()))["behaviours"].values())')" = 0 ]
check "seccomp: human output says what to change" grep -q 'fix: .*seccomp' "$T/seccomp.out"
check "seccomp: human output names the verdict" grep -q '^verdict: untestable' "$T/seccomp.out"

# --- 2. user namespaces refused by user.max_user_namespaces=0.  Root here lacks
# CAP_SYS_RESOURCE in the initial namespace (so the host sysctl cannot be
# lowered, and must not be), but the limits are per user namespace and the owner
# of one may lower its own: enter a fresh user namespace mapping uids 0-65535,
# set the limit to 0 there, and run nsprobe as the mapped, capability-less uid
# 65534.  The maps are written from outside (newuidmap is not needed), then the
# child execs anew: an exec done while still unmapped would have dropped its
# capabilities.  FIFOs order the steps; no sleeps.
in_userns_max0() {
	mkfifo "$T/ready" "$T/mapped"
	env -u NSPROBE_KERNELS -u NSPROBE_PROBE_DIR unshare --user sh -c 'echo x > "$0"; read x < "$1"; shift; exec "$@"' \
		"$T/ready" "$T/mapped" sh -c \
		'echo 0 > /proc/sys/user/max_user_namespaces || exit 90
		 exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' sh "$@" &
	local pid=$! x rc=0
	read -r x < "$T/ready"
	echo '0 0 65536' > "/proc/$pid/uid_map" && echo '0 0 65536' > "/proc/$pid/gid_map"
	echo go > "$T/mapped"
	wait "$pid" || rc=$?
	rm -f "$T/ready" "$T/mapped"
	return $rc
}
unshare --user true 2>/dev/null || skip "this host refuses user namespaces (the test needs one)"
rc=0
in_userns_max0 "$COPY" --json "$T/out/userns0.json" >"$T/userns0.out" 2>"$T/userns0.err" || rc=$?
[ "$rc" = 90 ] && fail "could not lower user.max_user_namespaces inside a user namespace"
[ -s "$T/out/userns0.json" ] || fail "no report (exit $rc): $(head -c 500 "$T/userns0.err")"
env0() { json "$T/out/userns0.json" "next(iter(j['kernels'].values()))['environment']$1"; }
check "max_user_namespaces=0: exit 3, got $rc" [ "$rc" = 3 ]
check "max_user_namespaces=0: environment shows the sysctl at 0" [ "$(env0 "['userns_sysctls']['user.max_user_namespaces']")" = 0 ]
check "max_user_namespaces=0: euid 65534, no CAP_SYS_ADMIN" [ "$(env0 "['euid']")/$(env0 "['capabilities']['cap_sys_admin']")" = 65534/False ]
check "max_user_namespaces=0: mode none" [ "$(env0 "['mode']")" = none ]
check "max_user_namespaces=0: the driver's own user namespace was refused ENOSPC at unshare" \
	[ "$(env0 "['userns_errno']")/$(env0 "['userns_step']")" = ENOSPC/unshare ]
check "max_user_namespaces=0: mode_reason says why" grep -q 'ENOSPC' <(env0 "['mode_reason']")
check "max_user_namespaces=0: every behaviour untestable with cause user.max_user_namespaces" \
	every_untestable "$T/out/userns0.json" user.max_user_namespaces
check "max_user_namespaces=0: human output gives the mode and why" \
	grep -q '^  mode: .*no user namespace.*ENOSPC' "$T/userns0.out"
check "max_user_namespaces=0: human output says what to change" \
	grep -q 'fix: .*sysctl -w user.max_user_namespaces=' "$T/userns0.out"
check "max_user_namespaces=0: the human verdict is untestable" grep -q '^verdict: untestable' "$T/userns0.out"
check "the host's own limit is untouched" [ "$(cat /proc/sys/user/max_user_namespaces)" != 0 ]

echo "$checks checks passed"
