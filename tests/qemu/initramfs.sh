#!/bin/bash
# initramfs.sh - the guest payload nsprobe writes (no boot): a gzip-compressed
# cpio newc archive that cpio(1) reads, with /init, the eight probes, and the
# device nodes the kernel needs before /init runs (/dev/console 5,1; /dev/null 1,3).
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v cpio >/dev/null || skip "cpio missing (Debian package cpio)"

check "--write-initramfs succeeds" "$NSPROBE" qualify --write-initramfs "$T/i.cpio"
check "the archive is gzip" test "$(head -c 2 "$T/i.cpio" | od -An -tx1 | tr -d ' ')" = 1f8b
gzip -dc <"$T/i.cpio" >"$T/i.raw"
check "gzip -t accepts it" gzip -t "$T/i.cpio"
check "it holds a newc archive" test "$(head -c 6 "$T/i.raw")" = 070701
cpio -itv <"$T/i.raw" >"$T/list" 2>/dev/null
cat "$T/list"
for p in init probe/unshare_single probe/unshare_multi probe/unshare_transient \
	probe/thread_after_unshare probe/thread_after_setns probe/nest_depth \
	probe/reaper_death probe/getpid_cache; do
	check "$p is an executable file" grep -Eq "^-rwxr-xr-x .* $p\$" "$T/list"
done
check "/dev/console is char 5,1" grep -Eq '^crw------- .* 5, +1 .* dev/console$' "$T/list"
check "/dev/null is char 1,3" grep -Eq '^crw-rw-rw- .* 1, +3 .* dev/null$' "$T/list"
mkdir "$T/x"
(cd "$T/x" && cpio -id --no-absolute-filenames init <"$T/i.raw" 2>/dev/null)
check "/init is the static nsprobe-init" cmp "$T/x/init" "$(dirname "$NSPROBE")/musl/nsprobe-init"
check "/init is statically linked" sh -c "file '$T/x/init' 2>/dev/null | grep -q 'statically linked' || ! ldd '$T/x/init' >/dev/null 2>&1"
out=$("$T/x/init" 2>&1); rc=$?
check "/init refuses to run when it is not PID 1 (exit $rc)" test "$rc" -eq 2
check "/init says why" test -n "$(echo "$out" | grep 'not PID 1')"
echo "$checks checks passed"
