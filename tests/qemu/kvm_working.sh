#!/bin/bash
# kvm_working.sh - on a machine whose KVM really runs guests, qualify --accel
# auto uses it (and says so), and --accel kvm qualifies the image.  Whether KVM
# works is decided here without nsprobe: the real qemu boots the test kernel
# under KVM, with nsprobe's own -cpu host, and must print the kernel's banner.
# Elsewhere the test is skipped with qemu's reason (a broken KVM: kvm.sh).
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm on this machine (the working-KVM case needs one)"
K=$("$TOP/scripts/get-test-kernel.sh" 2>"$T/get.err") || skip "no test kernel: $(tail -n 1 "$T/get.err")"

timeout -k 5 60 qemu-system-x86_64 -nodefaults -display none -no-reboot -nic none -m 512 \
	-accel kvm -cpu host -serial stdio -kernel "$K" -append "console=ttyS0 panic=-1" \
	</dev/null >"$T/console" 2>"$T/qemu.err"
grep -q "Linux version" "$T/console" ||
	skip "/dev/kvm is present but a guest does not run under it (qemu: $(grep . "$T/qemu.err" | tail -n 1))"

"$NSPROBE" qualify --accel auto --timeout 240 --json "$T/auto.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "working kvm, auto: qualified (exit $rc)" test "$rc" -eq 0
check "working kvm, auto: kvm ran, and the note says it is usable" /usr/bin/python3 -c '
import json,sys
q = list(json.load(open(sys.argv[1]))["kernels"].values())[0]["qemu"]
assert q["accel"] == "kvm" and q["finished"] and q["accel_note"] == "kvm is usable", q
assert "kvm_stderr" not in q, q' "$T/auto.json"
check "working kvm, auto: no fallback line" test -z "$(grep 'fell back' "$T/out")"
"$NSPROBE" qualify --accel kvm --timeout 240 --json "$T/kvm.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "working kvm, --accel kvm: qualified (exit $rc)" test "$rc" -eq 0
echo "$checks checks passed"
