#!/bin/bash
# init_host.sh - the guest's /init, run on this host without qemu: as PID 1 of
# a new PID and mount namespace, chrooted into the unpacked initramfs.  Its
# console records must verify (crc32, sequence; the host's /proc/cmdline has no
# nsprobe.nonce, so the nonce is "none"), every probe must end measured, and its closing
# reboot(RB_POWER_OFF) must only end the namespace: since Linux 3.4 the kernel
# turns reboot() in a child PID namespace into a signal to that namespace's init.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
[ "$(id -u)" -eq 0 ] || skip "needs root (chroot, mount and PID namespaces)"
command -v unshare >/dev/null && command -v cpio >/dev/null || skip "needs unshare (util-linux) and cpio"
unshare -fpm true 2>/dev/null || skip "cannot create PID+mount namespaces here"

"$NSPROBE" qualify --write-initramfs "$T/i.cpio" || fail "--write-initramfs"
mkdir "$T/root"
(cd "$T/root" && gzip -dc <"$T/i.cpio" | cpio -id --no-absolute-filenames 2>/dev/null)
# The archive's device nodes need mknod; cpio as root made them.
timeout 120 unshare -fpm --propagation private chroot "$T/root" /init >"$T/console" 2>"$T/err"
rc=$?
cat "$T/err"
# 130: the namespace's init (our /init) was ended by SIGINT, as reboot_pid_ns() does.
check "/init's power-off ended only its namespace (exit $rc, want 130)" test "$rc" -eq 130
cat >"$T/verify.py" <<'PY'
import binascii, re, sys
rec = re.compile(r"@@NSP (\S+) (\d+) (\S) (\S+) ([0-9a-f]{8}) (.*)$")
seqs, ends, kinds = [], {}, set()
for line in open(sys.argv[1], newline=""):
    m = rec.search(line.rstrip("\r\n"))
    if not m:
        continue
    nonce, seq, kind, name, crc, payload = m.groups()
    body = "%s %s %s %s %s" % (nonce, seq, kind, name, payload)
    assert int(crc, 16) == binascii.crc32(body.encode()) & 0xffffffff, line
    assert nonce == "none", nonce
    seqs.append(int(seq)); kinds.add(kind)
    if kind == "X":
        ends[name] = payload
assert seqs == list(range(len(seqs))), "sequence has gaps"
assert {"H", "F", "B", "O", "X", "D"} <= kinds, kinds
assert len(ends) == 8, ends
for name, end in ends.items():
    want = "status=skipped" if name == "getpid_cache" and "not in the initramfs" in end else "status=measured"
    assert end.startswith(want), (name, end)
print(len(seqs), "records verified")
PY
check "records verify and every probe was measured" python3 "$T/verify.py" "$T/console"
check "no mount left in the chroot" test -z "$(grep " $T/root" /proc/self/mounts)"
echo "$checks checks passed"
