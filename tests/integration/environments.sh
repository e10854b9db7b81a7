#!/bin/bash
# environments.sh - nsprobe in the places people really run it, on the real
# kernel: `unshare --pid --fork` without a new /proc (a /proc of the outer
# namespace), with --mount-proc, nested 30, 31 and 32 levels deep, an
# unprivileged user's `unshare --user --map-root-user --pid --fork --mount-proc`,
# bubblewrap, a Docker-like seccomp profile, and systemd-nspawn on a debootstrap
# rootfs where it runs.  In each: no behaviour is `affected` that a run on the
# host itself does not find affected, every `untestable` has a cause that names
# the place (nested-pidns with the levels left, seccomp, ...), and the report's
# environment says where it ran (proc_ns, pid_ns_level and how it was known).
. "$(dirname "$0")/../lib.sh"

WRAP=$TOP/$BUILD/tests/helpers/seccomp_wrap
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
[ "$(id -u)" = 0 ] || skip "needs root (unshare --pid, bwrap, a test user)"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
unshare --pid --fork --mount-proc true 2>/dev/null || skip "this host refuses unshare --pid --mount-proc"

COPY=$(copy_tree "$T/tree")   # the test user runs it too
mkdir -p "$T/out" && chmod 777 "$T/out"
# the copy's own kernels.json and probes, not the (mode 700) tree's
unset NSPROBE_KERNELS NSPROBE_PROBE_DIR

# lacks PATTERN FILE: FILE does not contain PATTERN.
lacks() { ! grep -q -- "$1" "$2"; }

# nested N CMD...: CMD inside N nested `unshare --pid --fork --mount-proc`.
nested() {
	local n=$1 i c=()
	shift
	for ((i = 0; i < n; i++)); do c+=(unshare --pid --fork --mount-proc); done
	"${c[@]}" "$@"
}

# run_in NAME CMD...: run CMD (which ends in an nsprobe command line) with
# `run`, $RUN_EXTRA and --json $T/out/NAME.json; its exit status in $T/NAME.rc.
run_in() {
	local name=$1 rc=0
	shift
	"$@" run --timeout 20 ${RUN_EXTRA:-} --json "$T/out/$name.json" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	echo "$rc" >"$T/$name.rc"
	[ -s "$T/out/$name.json" ] || fail "$name: no report (exit $rc): $(head -c 600 "$T/$name.err")"
}

# judge NAME EXIT CAUSES WHY [KEY=VALUE...]: the report of NAME against the
# host's baseline.  EXIT: the expected exit status (A|B: either); CAUSES: the
# causes an untestable behaviour may have here (comma-separated, "" none); WHY:
# a regex each such cause's why must match.  KEY=VALUE: behaviour=status,
# cause.BEHAVIOUR=causes (instead of CAUSES), or env.FIELD=value.
judge() {
	/usr/bin/python3 - "$T/out/base.json" "$T/out/$1.json" "$(cat "$T/$1.rc")" "$@" <<'EOF'
import json, re, sys
base_f, f, rc, name, want_rc, causes, why_re = sys.argv[1:8]
extra = sys.argv[8:]
def entry(p):
    return next(iter(json.load(open(p))["kernels"].values()))
base, e = entry(base_f), entry(f)
bad = []
want = dict(x.split("=", 1) for x in extra)
def allowed(b):   # cause.BEHAVIOUR=c1,c2 overrides CAUSES for one behaviour
    return want.get("cause." + b, causes).split(",")
if rc not in want_rc.split("|"):
    bad.append("exit %s, expected %s" % (rc, want_rc))
for b, r in sorted(e["behaviours"].items()):
    st, was = r["status"], base["behaviours"][b]["status"]
    if b in want:
        if st != want[b]:
            bad.append("%s is %s, expected %s (%s)" % (b, st, want[b], r.get("cause")))
    if st == "affected" and was != "affected":
        bad.append("%s affected here but %s on the host" % (b, was))
    if st == "not-affected" and was != "not-affected":
        bad.append("%s not-affected here but %s on the host" % (b, was))
    if st == "untestable":
        c = r.get("cause") or {}
        if c.get("cause") not in allowed(b):
            bad.append("%s untestable with cause %s (allowed: %s): %s" % (b, c.get("cause"), ",".join(allowed(b)), c.get("why")))
        elif not re.search(why_re, c.get("why", "")):
            bad.append("%s: why does not name the place (/%s/): %s" % (b, why_re, c.get("why")))
for k, v in want.items():
    if k.startswith("env."):
        got = e["environment"].get(k[4:])
        if str(got) != v:
            bad.append("environment.%s = %r, expected %s" % (k[4:], got, v))
for x in bad:
    print("  " + name + ": " + x)
sys.exit(1 if bad else 0)
EOF
}

# --- the host itself: the baseline ----------------------------------------------
run_in base "$COPY"
# the levels below are counted from the initial namespace: start there
base_level=$(json "$T/out/base.json" "next(iter(j['kernels'].values()))['environment']['pid_ns_level']")
[ "$base_level" = 0 ] || skip "not run from the initial PID namespace (pid_ns_level=$base_level)"
check "baseline: the host's run is not affected by a problem" [ "$(cat "$T/base.rc")" != 1 ]
check "baseline: every behaviour tested on the host" \
	[ "$(json "$T/out/base.json" "[b for b,r in next(iter(j['kernels'].values()))['behaviours'].items() if r['status']=='untestable']")" = "[]" ]

# --- 1. unshare --pid --fork: /proc of the outer namespace ------------------------
run_in outer unshare --pid --fork "$COPY"
check "outer /proc: exit 0, nothing untestable, level 1 from NSpid" \
	judge outer 0 "" '/proc belongs to an outer PID namespace' env.proc_ns=outer \
	env.pid_ns_level=1 env.pid_ns_level_source=NSpid
check "outer /proc: thread_after_setns measured (not 'kernel before 3.8')" \
	[ "$(json "$T/out/outer.json" "next(iter(j['kernels'].values()))['probes']['thread_after_setns']['fields']['clone_parent']")" = ok ]
check "outer /proc: reaper_death measured fork_after_init_exit" \
	[ "$(json "$T/out/outer.json" "next(iter(j['kernels'].values()))['probes']['reaper_death']['fields']['fork_after_init_exit']")" = ENOMEM ]
check "outer /proc: no 'kernel before 3.8' anywhere" lacks 'kernel before 3.8' "$T/out/outer.json"

# --- 2. unshare --pid --fork --mount-proc: one level, its own /proc ---------------
run_in mountproc unshare --pid --fork --mount-proc "$COPY"
check "own /proc one level down: exit 0, level 1 read from nest_depth" \
	judge mountproc 0 nested-pidns 'nested 1 level deep: 31 levels left' \
	pidns-nesting-limit=untestable env.proc_ns=own env.pid_ns_level=1 env.pid_ns_level_source=nest_depth

# --- 3. nested 30, 31, 32 levels ----------------------------------------------------
for n in 30 31; do
	left=$((32 - n))
	run_in "nested$n" nested "$n" "$COPY"
	check "nested $n: exit 0, pidns-nesting-limit untestable: $left level(s) left" \
		judge "nested$n" 0 nested-pidns "nested $n levels deep: $left levels? left" \
		pidns-nesting-limit=untestable env.pid_ns_level=$n env.pid_ns_levels_left=$left \
		env.pid_ns_level_source=nest_depth
	check "nested $n: never blamed on user.max_pid_namespaces" \
		lacks 'raise user.max_pid_namespaces' "$T/out/nested$n.json"
done
run_in nested32 nested 32 "$COPY"
check "nested 32: exit 3, every behaviour untestable: no level left" \
	judge nested32 3 nested-pidns 'nested 32 levels deep: 0 levels left' \
	unshare-pidns-unsupported=untestable unshare-multithread-einval=untestable \
	pidns-nesting-limit=untestable env.pid_ns_level=32 env.pid_ns_levels_left=0
check "nested 32: the human output says what to change" \
	grep -q 'run closer to the initial PID namespace' "$T/nested32.out"

# --- 4. an unprivileged user's own user + PID namespace ----------------------------
if getent passwd i10b-envuser >/dev/null; then userdel i10b-envuser 2>/dev/null; fi
if useradd --system --no-create-home --shell /usr/sbin/nologin i10b-envuser 2>/dev/null; then
	trap 'userdel i10b-envuser 2>/dev/null; rm -rf "$T"' EXIT
	if setpriv --reuid=i10b-envuser --regid=i10b-envuser --clear-groups \
		unshare --user --map-root-user --pid --fork --mount-proc true 2>/dev/null; then
		run_in userns setpriv --reuid=i10b-envuser --regid=i10b-envuser --clear-groups \
			unshare --user --map-root-user --pid --fork --mount-proc "$COPY"
		check "unprivileged user's namespaces: exit 0, only the nesting untestable" \
			judge userns 0 nested-pidns 'nested 1 level deep: 31 levels left' \
			pidns-nesting-limit=untestable env.euid=0 env.proc_ns=own env.pid_ns_level=1
	else
		echo "# this host refuses user namespaces to unprivileged users: userns case not run"
	fi
	# nothing of that user may outlive its run (a dying namespace's members may
	# take a moment to be reaped: wait up to 5 s, then name what is left)
	for _ in $(seq 50); do pgrep -u i10b-envuser >/dev/null || break; sleep 0.1; done
	left=$(ps -u i10b-envuser -o pid=,stat=,args= 2>/dev/null)
	check "unprivileged user's run left no process behind${left:+: $left}" [ -z "$left" ]
	userdel i10b-envuser || fail "could not remove the test user"
	trap 'rm -rf "$T"' EXIT
else
	echo "# could not create a test user: userns case not run"
fi

# --- 5. bubblewrap -------------------------------------------------------------------
if command -v bwrap >/dev/null; then
	run_in bwrap bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid \
		--bind "$T/out" "$T/out" "$COPY"
	check "bwrap --unshare-pid: exit 0, only the nesting untestable" \
		judge bwrap 0 nested-pidns 'nested 1 level deep: 31 levels left' \
		pidns-nesting-limit=untestable env.proc_ns=own env.no_new_privs=True
else
	echo "# bwrap (bubblewrap) not installed: case not run"
fi

# --- 5b. bubblewrap without /proc -------------------------------------------------
# Nothing finds its own files through /proc/self/exe there: name them.
noproc() { bwrap --ro-bind / / --dev /dev --tmpfs /proc --unshare-pid --bind "$T/out" "$T/out" "$@"; }
if ! command -v bwrap >/dev/null; then
	:
elif ! noproc "$COPY" --version >"$T/noproc-version.err" 2>&1; then
	# LeakSanitizer (make check) needs /proc to stop the threads it scans
	echo "# this build of nsprobe cannot exit without /proc ($(grep -m1 -i 'fatal' "$T/noproc-version.err" || tail -1 "$T/noproc-version.err")): no-/proc case not run"
else
	RUN_EXTRA="--kernels $T/tree/kernels.json --probe-dir $T/tree/build/probe" \
		run_in noproc noproc "$COPY"
	check "no /proc: exit 0, probes measure through pidfds, only the nesting untestable" \
		judge noproc 0 nested-pidns 'nested 1 level deep: 31 levels left' \
		pidns-nesting-limit=untestable env.proc_ns=none env.pid_ns_level=1
	check "no /proc: thread_after_setns reached its target without /proc" \
		grep -q '"target_ns_via": "pidfd' "$T/out/noproc.json"
fi

# --- 6. a Docker-like seccomp profile ---------------------------------------------
if [ -x "$WRAP" ]; then
	run_in seccomp "$WRAP" "$COPY"
	check "seccomp: exit 3, every namespace behaviour untestable: seccomp" \
		judge seccomp 3 seccomp 'Seccomp: 2' unshare-pidns-unsupported=untestable \
		pidns-nesting-limit=untestable env.proc_ns=own env.pid_ns_level=0
fi

# --- 7. systemd-nspawn on a debootstrap rootfs --------------------------------------
# The rootfs is made once (a setup step, from the Debian mirror) and cached.
ROOTFS=${NSPROBE_ROOTFS:-/var/tmp/nsprobe-rootfs/bookworm}
make_rootfs() {
	[ -x "$ROOTFS/bin/sh" ] && return 0
	command -v debootstrap >/dev/null || { echo "debootstrap not installed"; return 1; }
	rm -rf "$ROOTFS.tmp"
	mkdir -p "$(dirname "$ROOTFS")"
	debootstrap --variant=minbase bookworm "$ROOTFS.tmp" http://deb.debian.org/debian \
		>"$T/debootstrap.log" 2>&1 || { echo "debootstrap failed: $(tail -1 "$T/debootstrap.log")"; return 1; }
	mv "$ROOTFS.tmp" "$ROOTFS"
}
nspawn() {
	systemd-nspawn --quiet --register=no --keep-unit --as-pid2 -D "$ROOTFS" \
		--bind-ro="$T/tree" --bind="$T/out" "$@"
}
if ! command -v systemd-nspawn >/dev/null; then
	echo "# systemd-nspawn (systemd-container) not installed: nspawn case not run"
elif ! why=$(make_rootfs); then
	echo "# no debootstrap rootfs ($why): nspawn case not run"
elif ! nspawn /bin/true >"$T/nspawn-probe.err" 2>&1; then
	echo "# systemd-nspawn cannot start a container here ($(grep -v 'Attempted to remove' "$T/nspawn-probe.err" | tail -1)): nspawn case not run"
elif ! nspawn "$COPY" --version >"$T/nspawn-version.err" 2>&1; then
	# e.g. a sanitizer build (make check): its runtime is not in a minbase rootfs
	echo "# this build of nsprobe does not start in the rootfs ($(grep -v 'Attempted to remove' "$T/nspawn-version.err" | tail -1)): nspawn case not run"
else
	run_in nspawn nspawn "$COPY"
	check "systemd-nspawn: nothing affected that the host is not; every untestable names the container" \
		judge nspawn "0|3" seccomp,capabilities,nested-pidns,lsm \
		'Seccomp|CapEff|nested 1 level deep: 31 levels left|lsm' env.proc_ns=own \
		env.container=systemd-nspawn
fi

echo "$checks checks passed"
