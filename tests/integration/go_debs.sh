#!/bin/bash
# tests/integration/go_debs.sh - `nsprobe go` on Go programs nobody on this project
# wrote: Debian 12's own packages (apt-get download, cached in /var/tmp/nsprobe-debs;
# skipped with the reason when they cannot be fetched), judged with --report from
# the captured 3.10.46 replay (a kernel that refuses a multi-threaded
# unshare(CLONE_NEWPID)).  How each expectation was checked by hand, on bookworm's
# packages (docker.io 20.10.24, containerd 1.6.20, podman 4.3.1, buildah 1.28.2,
# skopeo 1.9.3, runc 1.1.5, rootlesskit 1.1.0, gh 2.23.0), all built with go1.19.8:
#  - skopeo: `objdump -d` of chrootarchive.chroot: `mov $0x20000,%eax` (CLONE_NEWNS)
#    then `call` to unix.Unshare; buildah, podman: the same vendored function.
#  - dockerd: pkg/chrootarchive.chroot `mov $0x20000,%eax; call unix.Unshare`;
#    libnetwork's and vishvananda/netns's Setns calls load `mov $0x40000000,%ebx`
#    (CLONE_NEWNET) before the call.
#  - containerd: pkg/netns.newNS.func2 `mov $0x40000000,%eax; call unix.Unshare`.
#  - podman: libpod.(*Container).joinMountAndExec.func1 `mov $0x20000000,%ebx`
#    (CLONE_NEWPID) then `call unix.Setns`.
#  - runc: `objdump -s -j .init_array` lists two entries; the second is `init`
#    (.dynsym), whose code is `xor %eax,%eax; jmp nsexec`; `nm -D runc` shows T nsexec.
# The test re-checks the call sites it relies on with objdump (below), so a wrong
# decode cannot pass by agreeing with itself.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "$NSPROBE not built"
command -v dpkg-deb >/dev/null && command -v objdump >/dev/null || skip "dpkg-deb or objdump missing"
CACHE=/var/tmp/nsprobe-debs
PKGS="runc docker.io containerd podman buildah skopeo rootlesskit gh"
mkdir -p "$CACHE" 2>/dev/null || skip "cannot create $CACHE"
missing=""
for p in $PKGS; do
	ls "$CACHE"/"${p}"_*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	(cd "$CACHE" && timeout 600 apt-get download -q $missing) >"$T/apt.log" 2>&1 ||
		skip "apt-get download$missing failed (no network or no package lists?): $(grep -m1 -E '^(E|Err)' "$T/apt.log")"
fi
for p in $PKGS; do
	deb=$(ls "$CACHE"/"${p}"_*.deb 2>/dev/null | sort -V | tail -1)
	[ -n "$deb" ] || skip "$p: no .deb in $CACHE"
	dpkg-deb -x "$deb" "$T/x" || fail "dpkg-deb -x $deb"
done
X=$T/x
"$NSPROBE" run --replay "$TOP/tests/replay/captured-3.10.46" --json "$T/r310.json" >/dev/null 2>&1
check "3.10.46 replay report: unshare-multithread-einval affected" test "$(json "$T/r310.json" \
	'list(j["kernels"].values())[0]["behaviours"]["unshare-multithread-einval"]["status"]')" = affected

# judge NAME PATH: JSON in $T/NAME.json, exit status in rc_NAME.
judge() {
	"$NSPROBE" go --report "$T/r310.json" --json "$T/$1.json" "$2" 2>"$T/$1.err"
	eval "rc_$1=$?"
}
# sites NAME: "caller|via|flags|meets|address|offset" per call site.
sites() {
	json "$T/$1.json" '"\n".join("%s|%s|%s|%s|%d|%d" % (s["caller"], s["via"], s["flag_names"], s["meets"],
		s["address"], s["offset"]) for s in j["call_sites"])'
}
# objdump_flags BIN ADDR OFFSET REG: disassemble the caller from its entry to the
# call at ADDR; print the immediate of the last `mov $IMM,%REG` before it ("" when
# the last write to REG is something else, or ADDR is not a call).
objdump_flags() {
	objdump -d --no-show-raw-insn --start-address=$(($2 - $3)) --stop-address=$(($2 + 5)) "$1" |
		/usr/bin/python3 -c '
import re, sys
fam = {"eax": ("%rax", "%eax", "%ax", "%al"), "ebx": ("%rbx", "%ebx", "%bx", "%bl")}[sys.argv[1]]
lines = [l for l in sys.stdin.read().splitlines() if re.match(r"^\s+[0-9a-f]+:\t", l)]
if not lines or "call" not in lines[-1]:
    sys.exit(0)
for l in reversed(lines[:-1]):
    if re.search(r"\tnop|xchg\s+%ax,%ax", l):
        continue
    if "," in l and l.rsplit(",", 1)[1].strip() in fam:
        m = re.search(r"mov\s+\$(0x[0-9a-f]+),%(e|r)" + sys.argv[1][1:] + "$", l)
        print(m.group(1) if m else "")
        break
' "$4"
}

for b in dockerd:usr/sbin/dockerd containerd:usr/bin/containerd buildah:usr/bin/buildah \
	skopeo:usr/bin/skopeo podman:usr/bin/podman runc:usr/sbin/runc rootlesskit:usr/bin/rootlesskit gh:usr/bin/gh; do
	judge "${b%%:*}" "$X/${b#*:}"
	eval "path_${b%%:*}=\$X/${b#*:}"
done

for n in dockerd containerd buildah skopeo; do
	eval "rc=\$rc_$n"
	check "$n: not WILL FAIL on 3.10.46 (exit $rc: $(cat "$T/$n.err"))" test "$rc" = 0
	check "$n: will_fail false" test "$(json "$T/$n.json" 'j["will_fail"]')" = False
	s=$(sites "$n")
	check "$n: no unshare/setns site meets the multi-threaded rule" \
		test -z "$(grep '|unshare-multithread-einval|' <<<"$s")"
	us=$(grep '|golang.org/x/sys/unix.Unshare|' <<<"$s")
	check "$n: Unshare call sites found ($us)" test -n "$us"
	while IFS='|' read -r caller via flags meets addr off; do
		check "$n: $caller+$off unshare($flags) is CLONE_NEWNS or CLONE_NEWNET" \
			grep -qxE 'CLONE_NEWNS|CLONE_NEWNET' <<<"$flags"
		want=0x40000000; [ "$flags" = CLONE_NEWNS ] && want=0x20000
		eval "bin=\$path_$n"
		got=$(objdump_flags "$bin" "$addr" "$off" eax)
		check "$n: objdump shows mov \$$want,%eax before the call at $caller+$off (got '$got')" test "$got" = "$want"
	done <<<"$us"
done
check "dockerd: pkg/chrootarchive.chroot unshares CLONE_NEWNS" \
	grep -q '^github.com/docker/docker/pkg/chrootarchive.chroot|golang.org/x/sys/unix.Unshare|CLONE_NEWNS|' <<<"$(sites dockerd)"
check "dockerd: libnetwork's Setns joins CLONE_NEWNET, no rule" \
	grep -q '^github.com/docker/libnetwork/[^|]*|golang.org/x/sys/unix.Setns|CLONE_NEWNET|None|' <<<"$(sites dockerd)"
check "skopeo: chrootarchive.chroot unshares CLONE_NEWNS" \
	grep -q '^github.com/containers/storage/pkg/chrootarchive.chroot|golang.org/x/sys/unix.Unshare|CLONE_NEWNS|' <<<"$(sites skopeo)"
check "containerd: pkg/netns unshares CLONE_NEWNET" \
	grep -q '^github.com/containerd/containerd/pkg/netns.newNS.func2|golang.org/x/sys/unix.Unshare|CLONE_NEWNET|' <<<"$(sites containerd)"

# podman: the Setns(CLONE_NEWPID) in joinMountAndExec is reported with its rule.
s=$(grep '^github.com/containers/podman/libpod.(\*Container).joinMountAndExec.func1|golang.org/x/sys/unix.Setns|CLONE_NEWPID|' <<<"$(sites podman)")
check "podman: Setns(CLONE_NEWPID) in joinMountAndExec reported" test -n "$s"
check "podman: it meets the thread rule" grep -q '|thread-after-pidns-change-einval|' <<<"$s"
IFS='|' read -r _ _ _ _ addr off <<<"$s"
check "podman: objdump shows mov \$0x20000000,%ebx before that call" \
	test "$(objdump_flags "$X/usr/bin/podman" "$addr" "$off" ebx)" = 0x20000000
check "podman: the finding names the call site" test "$(json "$T/podman.json" \
	'len([f for f in j["findings"] if "joinMountAndExec" in f["call"] and f["behaviour"] == "thread-after-pidns-change-einval"])')" -ge 1
check "podman: not WILL FAIL (exit $rc_podman)" test "$rc_podman" = 0
check "podman: the rootless re-exec constructor is recognised" \
	test "$(json "$T/podman.json" 'j["constructor_pattern"]')" = podman-rootless

# runc: the constructor is named nsexec (and nm -D agrees that it is there).
check "runc: constructor named nsexec ($(json "$T/runc.json" 'j["constructors"]'))" \
	test "$(json "$T/runc.json" 'j["constructors"]')" = nsexec
check "runc: nm -D shows T nsexec" grep -q ' T nsexec$' <(nm -D "$X/usr/sbin/runc")
check "runc: the runc-nsexec pattern is explained" grep -q "single-threaded" <(json "$T/runc.json" 'j["constructor_meaning"]')
check "buildah: containers/storage's unshare constructor" \
	test "$(json "$T/buildah.json" 'j["constructor_pattern"]')" = containers-storage-unshare

# rootlesskit: SysProcAttr.Cloneflags (CLONE_NEWNS|CLONE_NEWUSER) is the right pattern.
check "rootlesskit: Cloneflags store seen and not flagged" grep -q \
	'^github.com/rootless-containers/rootlesskit/pkg/parent.Parent|syscall.SysProcAttr|CLONE_NEWNS|CLONE_NEWUSER|None|' <<<"$(sites rootlesskit)"
check "rootlesskit: exit 0 (got $rc_rootlesskit)" test "$rc_rootlesskit" = 0

# gh: a plain control that runs programs (the os/exec sites are the standard library's).
check "gh: spawns processes" test "$(json "$T/gh.json" 'j["spawns_processes"]')" = True
check "gh: no findings, exit 0 (got $rc_gh)" test "$rc_gh:$(json "$T/gh.json" 'len(j["findings"])')" = 0:0
for n in dockerd containerd buildah skopeo podman runc rootlesskit gh; do
	check "$n: arch amd64, no note against this host" test "$(json "$T/$n.json" '(j["arch"], j["arch_note"])')" = "('amd64', None)"
done
echo "$checks checks passed"
