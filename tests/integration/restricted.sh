#!/bin/bash
# restricted.sh - nsprobe where people really run it: under a container
# runtime's seccomp profile, where user namespaces are refused, and unprivileged.
# In each, the environment (not the kernel) must be named as the cause, and
# nothing may be reported as affected because the environment refused a call.
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
	unshare --user sh -c 'echo x > "$0"; read x < "$1"; shift; exec "$@"' \
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
rc=0
in_userns_max0 "$COPY" --json "$T/userns0.json" >"$T/userns0.out" 2>"$T/userns0.err" || rc=$?
[ "$rc" = 90 ] && fail "could not lower user.max_user_namespaces inside a user namespace"
env0() { json "$T/userns0.json" "next(iter(j['kernels'].values()))['environment']$1"; }
check "max_user_namespaces=0: exit 3, got $rc" [ "$rc" = 3 ]
check "max_user_namespaces=0: environment shows the sysctl at 0" [ "$(env0 "['userns_sysctls']['user.max_user_namespaces']")" = 0 ]
check "max_user_namespaces=0: euid 65534, no CAP_SYS_ADMIN" [ "$(env0 "['euid']")/$(env0 "['capabilities']['cap_sys_admin']")" = 65534/False ]
check "max_user_namespaces=0: mode none" [ "$(env0 "['mode']")" = none ]
check "max_user_namespaces=0: every behaviour untestable with cause user.max_user_namespaces" \
	every_untestable "$T/userns0.json" user.max_user_namespaces
check "the host's own limit is untouched" [ "$(cat /proc/sys/user/max_user_namespaces)" != 0 ]

# --- 3. unprivileged: uid 65534 without capabilities; the driver uses a user
# namespace of its own, so every probe is measured and the verdict is ok.
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$COPY" --json "$T/unpriv.json" \
	>"$T/unpriv.out" 2>"$T/unpriv.err" || rc=$?
envu() { json "$T/unpriv.json" "next(iter(j['kernels'].values()))$1"; }
check "unprivileged: environment euid 65534" [ "$(envu "['environment']['euid']")" = 65534 ]
check "unprivileged: cap_sys_admin false" [ "$(envu "['environment']['capabilities']['cap_sys_admin']")" = False ]
check "unprivileged: mode userns" [ "$(envu "['environment']['mode']")" = userns ]
check "unprivileged: every probe measured" \
	[ "$(json "$T/unpriv.json" "sorted(set(p['status'] for e in j['kernels'].values() for p in e['probes'].values()))")" = '["measured"]' ]
check "unprivileged: verdict ok" [ "$(envu "['verdict']")" = ok ]
check "unprivileged: exit 0, got $rc" [ "$rc" = 0 ]
echo "$checks checks passed"
