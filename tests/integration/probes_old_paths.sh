#!/bin/bash
# probes_old_paths.sh - the probes thread_after_unshare, thread_after_setns,
# nest_depth and reaper_death on the real kernel (glibc and musl builds), and
# their old-kernel paths, simulated here: a seccomp filter that answers EINVAL
# as a pre-3.8 kernel (or CONFIG_PID_NS=n) would, a private mount namespace with
# /proc hidden (no /proc/PID/ns before 3.8), and an unprivileged user (exit 4).
# Each probe runs in its own session; afterwards no process of that session may remain.
. "$(dirname "$0")/../lib.sh"

PROBE_NAMES="thread_after_unshare thread_after_setns nest_depth reaper_death"
[ "$(id -u)" = 0 ] || skip "needs root to create PID namespaces"
[ "$(uname -m)" = x86_64 ] || skip "the seccomp filters use x86_64 system call numbers"
for p in $PROBE_NAMES; do
	[ -x "$PROBES/$p" ] || fail "$PROBES/$p not built"
done
MUSL=$TOP/$BUILD/musl/probe
command -v python3 >/dev/null || skip "python3 needed for the seccomp launcher"

# run.py [--seccomp SYSCALL:ARGINDEX:MASK]... PROG: runs PROG in a new session
# under an optional seccomp filter (SYSCALL fails EINVAL when the argument has a
# MASK bit set; MASK 0 means always); prints PROG's stdout, then "exit=N" and
# "leftover=N" (processes still in the session once PROG has been reaped).
cat > "$T/run.py" <<'EOF'
import ctypes, os, struct, subprocess, sys
NR = {"unshare": 272, "setns": 308, "clone": 56}
def bpf(code, jt, jf, k): return struct.pack("HBBI", code, jt, jf, k)
def filter_prog(rules):
    ins = [bpf(0x20, 0, 0, 4), bpf(0x15, 1, 0, 0xc000003e), bpf(0x06, 0, 0, 0x7fff0000)]
    for name, arg, mask in rules:
        ins += [bpf(0x20, 0, 0, 0), bpf(0x15, 0, 3, NR[name]), bpf(0x20, 0, 0, 16 + 8 * arg)]
        ins += [bpf(0x45, 0, 1, mask) if mask else bpf(0x05, 0, 0, 0)]
        ins += [bpf(0x06, 0, 0, 0x00050000 | 22)]
    ins += [bpf(0x06, 0, 0, 0x7fff0000)]
    return b"".join(ins), len(ins)
def preexec(rules):
    def f():
        if not rules:
            return
        libc = ctypes.CDLL(None, use_errno=True)
        code, n = filter_prog(rules)
        buf = ctypes.create_string_buffer(code)
        prog = struct.pack("HxxxxxxP", n, ctypes.addressof(buf))
        pbuf = ctypes.create_string_buffer(prog)
        L = ctypes.c_ulong
        if libc.prctl(L(38), L(1), L(0), L(0), L(0)) or libc.prctl(L(22), L(2), L(ctypes.addressof(pbuf)), L(0), L(0)):
            os._exit(99)
    return f
args, rules = sys.argv[1:], []
while args[0] == "--seccomp":
    name, arg, mask = args[1].split(":")
    rules.append((name, int(arg), int(mask, 0)))
    args = args[2:]
p = subprocess.Popen(args, start_new_session=True, stdout=subprocess.PIPE, preexec_fn=preexec(rules))
out = p.communicate()[0].decode()
left = 0
for d in os.listdir("/proc"):
    try:
        if d.isdigit() and int(open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[3]) == p.pid:
            left += 1
    except (OSError, IndexError, ValueError):
        pass
if left:  # the test fails; still leave nothing behind
    try:
        os.killpg(p.pid, 9)
    except OSError:
        pass
sys.stdout.write(out + "exit=%d\nleftover=%d\n" % (p.returncode, left))
EOF

# expect FILE KEY VALUE: the probe output in FILE has the line KEY=VALUE.
expect() { grep -qx "$2=$3" "$1" || { echo "--- $1:"; cat "$1"; return 1; }; }
# run NAME ARGS...: run.py ARGS > $T/NAME.out, and require that nothing is left.
run() { local n=$1; shift; python3 "$T/run.py" "$@" > "$T/$n.out" && expect "$T/$n.out" leftover 0; }

kver=$(uname -r | sed 's/[^0-9.].*//')
at_least() { printf '%s\n%s\n' "$1" "$kver" | sort -V -C; }

# --- 1. the live kernel: both builds, same kernel answers ------------------------
for p in $PROBE_NAMES; do
	check "$p runs (glibc), leaves nothing" run "$p.gcc" "$PROBES/$p"
	check "$p exits 0" expect "$T/$p.gcc.out" exit 0
	if [ -x "$MUSL/$p" ]; then
		check "$p runs (musl), leaves nothing" run "$p.musl" "$MUSL/$p"
		# pthread_create is the C library's mapping (musl: EAGAIN), not the kernel's.
		check "$p: glibc and musl builds print the same kernel answers" \
			diff <(grep -v '^pthread_create=' "$T/$p.gcc.out") \
			     <(grep -v '^pthread_create=' "$T/$p.musl.out")
	fi
done
if at_least 4.9; then	# CLONE_THREAD rule (4.3), ENOSPC (4.9), ENOMEM (3.8)
	o=$T/thread_after_unshare.gcc.out
	for kv in unshare=ok thread=EINVAL pthread_create=EINVAL vfork=ok posix_spawn=ok \
		  clone_vm_sighand=ok fork_then_thread=ok; do
		check "thread_after_unshare $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done
	o=$T/thread_after_setns.gcc.out
	for kv in thread=EINVAL fork_then_thread=ok clone_parent=ok clone_parent_in_target_ns=yes \
		  newpid_parent=ok; do
		check "thread_after_setns $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done
	o=$T/nest_depth.gcc.out
	check "nest_depth limit_errno=ENOSPC" expect "$o" limit_errno ENOSPC
	start=$(sed -n 's/^start_level=//p' "$o") depth=$(sed -n 's/^depth=//p' "$o")
	case $start in
	[0-9]*) check "nest_depth: depth ($depth) + start_level ($start) is 32, or the count limit stopped it" \
			bash -c "[ $((depth + start)) = 32 ] || grep -qx limit_kind=below_max_level $o" ;;
	*) check "nest_depth: start level hidden, a lower bound given" grep -q '^start_level_min=[0-9]' "$o" ;;
	esac
	o=$T/reaper_death.gcc.out
	for kv in members_killed=yes setns_after_init_exit=ok fork_after_init_exit=ENOMEM \
		  fork_after_unshare_child_exit=ENOMEM; do
		check "reaper_death $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done
fi

# --- 2. before 3.8: unshare(CLONE_NEWPID) and setns(CLONE_NEWPID) fail EINVAL ----
NEWPID=0x20000000
o=$T/old_unshare.out
check "thread_after_unshare with unshare EINVAL" run old_unshare \
	--seccomp unshare:0:$NEWPID "$PROBES/thread_after_unshare"
check "... exits 0" expect "$o" exit 0
check "... unshare=EINVAL" expect "$o" unshare EINVAL
for k in thread vfork fork_then_thread; do
	check "... $k=n/a" expect "$o" $k n/a
	check "... $k has a reason" grep -q "^${k}_reason=.*3\.8" "$o"
done

o=$T/old_setns.out
check "thread_after_setns with setns EINVAL" run old_setns \
	--seccomp setns:1:$NEWPID "$PROBES/thread_after_setns"
check "... exits 0" expect "$o" exit 0
for k in thread fork_then_thread clone_parent; do
	check "... $k=n/a" expect "$o" $k n/a
done
check "... newpid_parent is still measured" grep -qE '^newpid_parent=(ok|E[A-Z0-9]+)$' "$o"

o=$T/old_reaper.out
check "reaper_death with setns and unshare EINVAL" run old_reaper \
	--seccomp setns:1:$NEWPID --seccomp unshare:0:$NEWPID "$PROBES/reaper_death"
check "... exits 0" expect "$o" exit 0
check "... members_killed is still measured" expect "$o" members_killed yes
check "... fork_after_init_exit=n/a" expect "$o" fork_after_init_exit n/a
check "... fork_after_unshare_child_exit=n/a" expect "$o" fork_after_unshare_child_exit n/a

# --- 3. CONFIG_PID_NS=n: every CLONE_NEWPID fails EINVAL -------------------------
for p in thread_after_setns nest_depth; do
	o=$T/nopidns_$p.out
	check "$p without PID namespaces" run "nopidns_$p" \
		--seccomp clone:0:$NEWPID --seccomp unshare:0:$NEWPID "$PROBES/$p"
	check "... exits 0" expect "$o" exit 0
done
check "nest_depth: depth=n/a" expect "$T/nopidns_nest_depth.out" depth n/a
check "thread_after_setns: newpid_parent=n/a" expect "$T/nopidns_thread_after_setns.out" newpid_parent n/a

# --- 4. no /proc/PID/ns (before 3.8), in a private mount namespace ---------------
# Without /proc the probes reach a child's namespace through pidfd_open (5.3+);
# NSPROBE_TEST_NO_PIDFD=1 takes that away as an older kernel would.  The reason
# then names the place (no /proc), not the kernel.
if command -v unshare >/dev/null && unshare -m --propagation private true 2>/dev/null; then
	hide() { NSPROBE_TEST_NO_PIDFD=${NSPROBE_TEST_NO_PIDFD-1} unshare -m --propagation private sh -c 'mount -t tmpfs none /proc && exec "$0"' "$1"; }
	export -f hide
	o=$T/noproc_setns.out
	check "thread_after_setns without /proc/PID/ns" run noproc_setns \
		bash -c 'hide "$0"' "$PROBES/thread_after_setns"
	check "... exits 0" expect "$o" exit 0
	check "... thread=n/a" expect "$o" thread n/a
	check "... clone_parent=n/a" expect "$o" clone_parent n/a
	check "... the reason names the place" grep -q '^thread_reason=no /proc: mount one' "$o"
	o=$T/noproc_setns_pidfd.out
	check "thread_after_setns without /proc, with pidfd_open" run noproc_setns_pidfd \
		bash -c 'NSPROBE_TEST_NO_PIDFD= hide "$0"' "$PROBES/thread_after_setns"
	check "... thread=EINVAL (measured through the pidfd)" expect "$o" thread EINVAL
	check "... target_ns_via names the pidfd" grep -qE '^target_ns_via=pidfd(_ioctl)?$' "$o"
	o=$T/noproc_reaper.out
	check "reaper_death without /proc/PID/ns" run noproc_reaper bash -c 'hide "$0"' "$PROBES/reaper_death"
	check "... fork_after_init_exit=n/a" expect "$o" fork_after_init_exit n/a
	o=$T/noproc_nest.out
	check "nest_depth without NSpid" run noproc_nest bash -c 'hide "$0"' "$PROBES/nest_depth"
	check "... start_level=n/a" expect "$o" start_level n/a
	# the sibling namespace made beside the held chain tells the level limit
	# from a count limit even though the level is unknown
	check "... limit_kind=max_level" expect "$o" limit_kind max_level
	check "... sibling_after_limit=ok" expect "$o" sibling_after_limit ok
else
	echo "# no private mount namespace here: /proc-hiding cases not run"
fi

# --- 5. unprivileged: exit 4 with a reason ---------------------------------------
if command -v setpriv >/dev/null; then
	mkdir -p "$T/bin" && chmod 755 "$T/bin"
	for p in $PROBE_NAMES; do
		cp "$PROBES/$p" "$T/bin/" && chmod 755 "$T/bin/$p"
		check "$p unprivileged" run "unpriv_$p" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/$p"
		check "... exits 4" expect "$T/unpriv_$p.out" exit 4
		check "... says why" grep -q '^reason=.*EPERM' "$T/unpriv_$p.out"
		check "... names the refused call" grep -qE '^(unshare|clone_newpid)=EPERM$' "$T/unpriv_$p.out"
	done
fi
echo "$checks checks passed"
