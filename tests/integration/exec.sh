#!/bin/bash
# exec.sh - `nsprobe exec` (issue 18): CMD runs LEVELS PID namespaces down
# (NSpid has LEVELS+1 ids when read through the initial /proc), the depth stops
# at the kernel's nesting limit with its errno and exit 125 and nothing run,
# -F COUNT counts starts, fork failures (a pids cgroup limit) and exits,
# --as-init makes CMD PID 1, exit statuses follow env(1), a stop signal leaves
# no process (counted under a subreaper), and an unprivileged user gets a
# namespace whose own /proc lists only its processes.
. "$(dirname "$0")/../lib.sh"

[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
[ "$(id -u)" = 0 ] || skip "needs root (the unprivileged part creates a user)"
COUNT=$TOP/$BUILD/tests/helpers/subreaper_count
[ -x "$COUNT" ] || skip "$COUNT not built"
unshare --pid --fork true 2>/dev/null || skip "this host refuses PID namespaces to root"
# where we start: the levels below are counted from here
start=$(awk '/^NSpid:/ { print NF - 1 }' /proc/self/status)
[ "$start" = 1 ] || skip "not in the initial PID namespace (NSpid has ${start:-no} ids): the depth checks count from level 0"

nspid_ids() { awk '/^NSpid:/ { print NF - 1 }' "$1"; }

# 1. -N 1, 5, 31: CMD sees LEVELS+1 ids through the initial /proc, and nsprobe says the level.
for n in 1 5 31; do
	rc=0
	"$NSPROBE" exec -N "$n" -- grep NSpid /proc/self/status >"$T/n$n.out" 2>"$T/n$n.err" || rc=$?
	check "-N $n: exit 0 (got $rc: $(head -c 300 "$T/n$n.err"))" [ "$rc" = 0 ]
	check "-N $n: NSpid has $((n + 1)) ids ($(cat "$T/n$n.out"))" [ "$(nspid_ids "$T/n$n.out")" = $((n + 1)) ]
	check "-N $n: CMD is pid 2 in the innermost namespace (under the init)" \
		[ "$(awk '/^NSpid:/ { print $NF }' "$T/n$n.out")" = 2 ]
	check "-N $n: says level $n was reached" grep -q "PID-namespace level $n reached" "$T/n$n.err"
done

# 2. -N 40: the 33rd level fails with this kernel's limit errno, exit 125, nothing run.
uname_r=$(uname -r)
major=${uname_r%%.*}; rest=${uname_r#*.}; minor=${rest%%[!0-9]*}
if [ "$major" -gt 4 ] || { [ "$major" = 4 ] && [ "$minor" -ge 9 ]; }; then want=ENOSPC; else want=EINVAL; fi
rc=0
"$NSPROBE" exec -N 40 -- touch "$T/ran" >"$T/n40.out" 2>"$T/n40.err" || rc=$?
check "-N 40: exit 125 (got $rc)" [ "$rc" = 125 ]
check "-N 40: nothing was run" [ ! -e "$T/ran" ]
check "-N 40: stopped at the 33rd level with $want" \
	grep -q "stopped at level 33 of 40 below this one (absolute level 33, the 33rd below the initial namespace): unshare(CLONE_NEWPID): $want" "$T/n40.err"
check "-N 40: names the nesting limit" grep -q 'this is the nesting limit: level 32' "$T/n40.err"
check "-N 40: says what kernels.json says for this release" \
	grep -q "^  this release (.*): limit errno $want" "$T/n40.err"

# 3. -F 200 -- /bin/true: 200 started, 200 exited 0.
rc=0
"$NSPROBE" exec -F 200 -- /bin/true >"$T/f200.out" 2>"$T/f200.err" || rc=$?
check "-F 200: exit 0 (got $rc)" [ "$rc" = 0 ]
check "-F 200: 200 started, none failed, 200 exited 0 ($(head -1 "$T/f200.out"))" \
	grep -q '^nsprobe exec -F 200: started 200, failed to fork 0, exited non-zero 0, exited 0 200$' "$T/f200.out"
rc=0
"$NSPROBE" exec -F 3 -- sh -c 'exit 7' >"$T/f3.out" 2>&1 || rc=$?
check "-F 3 of a failing CMD: exit 1 (got $rc)" [ "$rc" = 1 ]
check "-F 3: counts the non-zero exits" grep -q 'exited non-zero 3' "$T/f3.out"
check "-F 3: names the status" grep -q '^  exited 7: 3$' "$T/f3.out"

# 4. A pids cgroup with pids.max=50: -F 200 reports the fork failures with their errno.
cg=""
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -n "$cg2" ] && grep -qw pids "$cg2/cgroup.controllers" 2>/dev/null &&
	grep -qw pids "$cg2/cgroup.subtree_control" 2>/dev/null; then
	cg=$cg2/i18-exec.$$
	kind="cgroup v2 ($cg2)"
elif [ -d /sys/fs/cgroup/pids ] && [ -w /sys/fs/cgroup/pids ]; then
	cg=/sys/fs/cgroup/pids/i18-exec.$$
	kind="cgroup v1 pids hierarchy (no pids controller in a cgroup v2 subtree here)"
fi
if [ -n "$cg" ] && mkdir "$cg" 2>/dev/null; then
	trap 'rmdir "'"$cg"'" 2>/dev/null; rm -rf "$T"' EXIT
	echo "# pids limit through $kind"
	echo 50 >"$cg/pids.max"
	rc=0
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" exec -F 200 -- sleep 2' sh "$cg" "$NSPROBE" \
		>"$T/cg.out" 2>"$T/cg.err" || rc=$?
	check "pids.max=50, -F 200: exit 1 (got $rc: $(head -c 300 "$T/cg.err"))" [ "$rc" = 1 ]
	started=$(sed -n 's/^nsprobe exec -F 200: started \([0-9]*\), failed to fork \([0-9]*\),.*/\1 \2/p' "$T/cg.out")
	check "pids.max=50: started + failed = 200, fewer than 50 started ($started)" \
		[ -n "$started" ] && [ $(( ${started% *} + ${started#* } )) = 200 ] && [ "${started% *}" -lt 50 ]
	check "pids.max=50: the fork failures are EAGAIN" grep -q '^  failed to fork: [0-9]* with EAGAIN' "$T/cg.out"
	check "pids.max=50: kernels.json names the pids cgroup limit" grep -q 'can be: a pids cgroup limit' "$T/cg.out"
	for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat "$cg/pids.current")" = 0 ] && break; sleep 0.2; done
	check "pids cgroup: nothing left in it" [ "$(cat "$cg/pids.current")" = 0 ]
	rmdir "$cg"
	check "pids cgroup removed" [ ! -d "$cg" ]
else
	echo "# skip: pids cgroup part: no writable pids controller (cgroup v2 subtree or v1 hierarchy) to make a child cgroup in"
fi

# 5. --as-init: CMD is PID 1.
out=$("$NSPROBE" exec --as-init -- sh -c 'echo $$' 2>"$T/init.err")
check "--as-init: \$\$ is 1 (got $out)" [ "$out" = 1 ]
out=$("$NSPROBE" exec -- sh -c 'echo $$' 2>"$T/init.err")
check "without --as-init: \$\$ is 2 (got $out)" [ "$out" = 2 ]

# 6. Exit statuses (env(1)/timeout(1)).
rc=0; "$NSPROBE" exec -- sh -c 'kill -TERM $$' 2>/dev/null || rc=$?
check "CMD killed by SIGTERM: 143 (got $rc)" [ "$rc" = 143 ]
rc=0; "$NSPROBE" exec -- sh -c 'exit 3' 2>/dev/null || rc=$?
check "CMD exits 3: 3 (got $rc)" [ "$rc" = 3 ]
rc=0; "$NSPROBE" exec -- "$T/no-such-cmd" 2>"$T/nf.err" || rc=$?
check "missing CMD: 127 (got $rc)" [ "$rc" = 127 ]
check "missing CMD: says why" grep -q "no-such-cmd: No such file or directory" "$T/nf.err"
printf 'not a program\n' >"$T/noexec"; chmod 644 "$T/noexec"
rc=0; "$NSPROBE" exec -- "$T/noexec" 2>/dev/null || rc=$?
check "CMD not executable: 126 (got $rc)" [ "$rc" = 126 ]
rc=0; "$NSPROBE" exec -- sh -c 'exit 127' 2>/dev/null || rc=$?
check "CMD itself exits 127: 127, not an exec failure (got $rc)" [ "$rc" = 127 ]
rc=0; "$NSPROBE" exec -N 2 -l 2>"$T/usage.err" || rc=$?
check "an unknown option before CMD is a usage error ($rc)" [ "$rc" = 2 ]
out=$("$NSPROBE" exec -N 1 sh -c 'echo "$0 $1"' -N 5 2>/dev/null)
check "parsing stops at the first operand: CMD's -N 5 stays its own ('$out')" [ "$out" = "-N 5" ]

# 7. A stop signal during -F leaves no process; SIGKILL too (PR_SET_PDEATHSIG).
for sig in INT KILL; do
	: >"$T/started.$sig"
	"$COUNT" -g 3000 -o "$T/count.$sig" -- timeout --foreground -s "$sig" 2 \
		"$NSPROBE" exec -F 20 -- sh -c 'echo x >>"$1"; exec sleep 60' sh "$T/started.$sig" 2>"$T/stop.$sig.err"
	check "SIG$sig during -F: the 20 copies had started ($(wc -l <"$T/started.$sig"))" \
		[ "$(wc -l <"$T/started.$sig")" = 20 ]
	check "SIG$sig during -F: nsprobe was stopped ($(grep status= "$T/count.$sig"))" \
		grep -qx 'status=exit:\(124\|137\)' "$T/count.$sig"
	check "SIG$sig during -F: no process left ($(grep -h leftover "$T/count.$sig" | tr '\n' ' '))" \
		grep -qx 'leftover=0' "$T/count.$sig"
done

# 8. --mount-proc as root: the innermost namespace's own /proc; nothing mounted here.
before=$(grep -c ' /proc ' /proc/self/mountinfo)
out=$("$NSPROBE" exec -N 2 --mount-proc -- sh -c 'cd -P /proc/self && pwd; exec grep NSpid /proc/self/status' 2>/dev/null)
check "--mount-proc: /proc/self is the namespace's pid 2, NSpid has 1 id ($(echo $out))" [ "$(echo $out)" = "/proc/2 NSpid: 2" ]
check "--mount-proc: no /proc mount left here" [ "$(grep -c ' /proc ' /proc/self/mountinfo)" = "$before" ]

# 9. Unprivileged (through a user namespace): -N 3 --mount-proc -- ps -e lists only the namespace.
command -v ps >/dev/null || fail "ps not installed (procps is in scripts/deps.sh)"
user=i18x$$
if ! useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>"$T/useradd.err"; then
	echo "# skip: unprivileged part: useradd failed: $(head -c 200 "$T/useradd.err")"
else
	trap 'userdel "'"$user"'" 2>/dev/null; rm -rf "$T"' EXIT
	COPY=$(copy_tree "$T/tree")
	if ! setpriv --reuid="$user" --regid="$user" --clear-groups unshare --user --map-root-user true 2>/dev/null; then
		echo "# skip: unprivileged part: this host refuses user namespaces to $user (restricted.sh covers that)"
	else
		rc=0
		(cd / && setpriv --reuid="$user" --regid="$user" --clear-groups "$COPY" exec -N 3 --mount-proc -- ps -e) \
			>"$T/up.out" 2>"$T/up.err" || rc=$?
		check "unprivileged -N 3 --mount-proc ps -e: exit 0 (got $rc: $(head -c 300 "$T/up.err"))" [ "$rc" = 0 ]
		check "unprivileged: ps lists only PID 1 (nsprobe's init) and PID 2 (ps) ($(tr '\n' '|' <"$T/up.out"))" \
			[ "$(awk 'NR > 1 { printf "%s:%s ", $1, $4 }' "$T/up.out")" = "1:nsprobe 2:ps " ]
		check "unprivileged: level 3 reached" grep -q 'PID-namespace level 3 reached' "$T/up.err"
	fi
	userdel "$user"
	check "test user removed" sh -c "! id '$user' >/dev/null 2>&1"
fi
echo "$checks checks passed"
