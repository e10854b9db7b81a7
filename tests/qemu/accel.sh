#!/bin/bash
# accel.sh - `nsprobe qualify --accel`: tcg always works and says so; kvm
# without a usable /dev/kvm is a per-image failure (never a silent fallback);
# bad usage exits 2; a missing qemu names the Debian package.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
K=$("$TOP/scripts/get-test-kernel.sh" 2>"$T/get.err") || skip "no test kernel: $(tail -n 1 "$T/get.err")"

"$NSPROBE" qualify --accel tcg --timeout 240 --json "$T/tcg.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "--accel tcg qualifies the image (exit $rc)" test "$rc" -eq 0
check "--accel tcg: the entry says tcg ran" \
	python3 -c 'import json,sys; e=list(json.load(open(sys.argv[1]))["kernels"].values())[0]; q=e["qemu"]; assert q["accel"]=="tcg" and q["finished"] and e["verdict"]=="ok", q' "$T/tcg.json"

if [ ! -e /dev/kvm ]; then
	"$NSPROBE" qualify --accel kvm --json "$T/kvm.json" "$K" >"$T/out" 2>&1
	rc=$?
	check "--accel kvm without /dev/kvm: exit 3 (got $rc)" test "$rc" -eq 3
	check "--accel kvm without /dev/kvm: the reason names /dev/kvm" grep -q 'not qualified: --accel kvm: /dev/kvm' "$T/out"
fi

"$NSPROBE" qualify --accel warp "$K" >"$T/out" 2>&1; rc1=$?
"$NSPROBE" qualify >"$T/out2" 2>&1; rc2=$?
"$NSPROBE" qualify --help >"$T/help" 2>&1; rc3=$?
NSPROBE_QEMU=/nonexistent/qemu-system-x86_64 "$NSPROBE" qualify --json "$T/none.json" "$K" >"$T/out3" 2>&1; rc4=$?
check "--accel warp: exit 2" test "$rc1" -eq 2
check "--accel warp: says what is expected" grep -q "expected kvm, tcg or auto" "$T/out"
check "no image: exit 2" test "$rc2" -eq 2
check "--help: exit 0 and lists --accel" test "$rc3" -eq 0 -a -n "$(grep -- --accel "$T/help")"
check "qemu missing: exit 3" test "$rc4" -eq 3
check "qemu missing: names the Debian package" grep -q "qemu-system-x86" "$T/out3"
check "qemu missing: no report written" test ! -e "$T/none.json"
echo "$checks checks passed"
