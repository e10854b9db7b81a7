#!/bin/bash
# kvm.sh - qualify --accel auto uses KVM only when it really works.  Two machines
# acted out around the real qemu and the real test kernel:
# - a broken KVM: /dev/kvm answers, but qemu aborts (or exits) before the guest's
#   first output whenever KVM is asked for, in any spelling (-enable-kvm,
#   -accel kvm, -machine accel=kvm), as on a nested-virtualisation host where
#   qemu says "failed to set MSR 0x10a" and asserts.  auto must boot the image
#   again under TCG, qualify it, and say why in the report and on stderr,
#   quoting qemu's own last stderr line; --accel kvm must not fall back.
# - no KVM: NSPROBE_KVM_DEV points at a path that does not exist; auto uses TCG
#   without asking qemu for KVM, --accel kvm is a per-image failure naming it.
# (A working KVM: kvm_working.sh.)
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
K=$("$TOP/scripts/get-test-kernel.sh" 2>"$T/get.err") || skip "no test kernel: $(tail -n 1 "$T/get.err")"
REAL=$(command -v qemu-system-x86_64)

# The wrapper: the real qemu, except when KVM is asked for.  Then it logs the
# call to $FAKE_LOG and, as the guest's command line says (fakekvm=exit), exits
# 1, or else aborts like qemu's failed assertion, each with its own last line.
cat >"$T/qemu" <<SH
#!/bin/bash
kvm=0 prev= append=
for a in "\$@"; do
	case \$prev in
	-accel|--accel) case ,\$a, in ,kvm,*|*,accel=kvm,*|*,accel=kvm:*) kvm=1 ;; esac ;;
	-machine|--machine|-M) case ,\$a in *,accel=kvm*|*,accel=*:kvm*) kvm=1 ;; esac ;;
	-append) append=\$a ;;
	esac
	case \$a in
	-enable-kvm|--enable-kvm|-accel=kvm*|--accel=kvm*) kvm=1 ;;
	esac
	prev=\$a
done
if [ \$kvm = 1 ]; then
	echo "\$*" >>"\${FAKE_LOG:-/dev/null}"
	echo "fake-qemu: error: failed to set MSR 0x10a to 0x69" >&2
	case \$append in
	*fakekvm=exit*) echo "fake-qemu: KVM refused by the test wrapper" >&2; exit 1 ;;
	esac
	echo "fake-qemu: kvm.c:3183: kvm_buf_set_msrs: Assertion \\\`ret == nmsrs' failed." >&2
	kill -ABRT \$\$
	exit 99
fi
exec "$REAL" "\$@"
SH
chmod 755 "$T/qemu"
export NSPROBE_QEMU=$T/qemu FAKE_LOG=$T/kvm.log

# The wrapper itself: every spelling of KVM aborts, TCG is the real qemu.
for spelling in "-enable-kvm" "-accel kvm" "-accel kvm,thread=single" "-machine accel=kvm" \
	"-machine pc,accel=kvm:tcg" "-M q35,accel=kvm" "--accel=kvm"; do
	# shellcheck disable=SC2086
	bash -c '"$@" >/dev/null 2>&1' - "$T/qemu" $spelling -version 2>/dev/null
	rc=$?
	check "the wrapper aborts for '$spelling' (exit $rc)" test "$rc" -eq 134
done
check "the wrapper runs the real qemu for '-accel tcg'" "$T/qemu" -accel tcg -version
: >"$T/kvm.log"

# A broken KVM: the real /dev/kvm where it answers, else the test hook.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "using this machine's /dev/kvm"; else
	echo "no usable /dev/kvm here: NSPROBE_FAKE_KVM=1"; export NSPROBE_FAKE_KVM=1; fi

"$NSPROBE" qualify -j 2 --accel auto --timeout 240 --json "$T/auto.json" \
	"$K::fakekvm=abort" "$K::fakekvm=exit" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out" "$T/err"
check "broken kvm, auto: both images qualified under tcg (exit $rc)" test "$rc" -eq 0
check "broken kvm, auto: qemu was asked for kvm once per image" test "$(wc -l <"$T/kvm.log")" -eq 2
cat >"$T/check.py" <<'PY'
import json, sys
ks = json.load(open(sys.argv[1]))["kernels"]
assert len(ks) == 2, list(ks)
seen = set()
for rel, e in ks.items():
    q = e["qemu"]
    assert q["accel"] == "tcg" and q["finished"] and e["verdict"] == "ok", (rel, q, e["verdict"])
    assert "fake-qemu: error: failed to set MSR 0x10a" in q["kvm_stderr"], q
    if "fakekvm=abort" in q["append"]:
        want = ("kvm failed: qemu was killed by signal 6 (Aborted) before the guest's first output: "
                "\"fake-qemu: kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == nmsrs' failed.\"; fell back to tcg")
    else:
        want = ("kvm failed: qemu exited with status 1 before the guest's first output: "
                "\"fake-qemu: KVM refused by the test wrapper\"; fell back to tcg")
    assert q["accel_note"] == want, (q["accel_note"], want)
    seen.add(want)
assert len(seen) == 2, seen
PY
check "broken kvm, auto: each entry says why it fell back, quoting qemu" /usr/bin/python3 "$T/check.py" "$T/auto.json"
check "broken kvm, auto: stderr says so for the abort (without -v)" \
	grep -q "qualify \\[1/2\\] vmlinuz.*: kvm failed: qemu was killed by signal 6 (Aborted) before the guest's first output: \"fake-qemu: kvm.c:3183" "$T/err"
check "broken kvm, auto: stderr says so for the exit" \
	grep -q "qualify \\[2/2\\] vmlinuz.*: kvm failed: qemu exited with status 1 before the guest's first output: \"fake-qemu: KVM refused by the test wrapper\"; fell back to tcg" "$T/err"

"$NSPROBE" qualify --accel kvm --timeout 240 --json "$T/kvm.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "broken kvm, --accel kvm: not qualified, no fallback (exit $rc)" test "$rc" -eq 3
check "broken kvm, --accel kvm: the one-line reason quotes qemu" \
	grep -q "not qualified: .*qemu was killed by signal 6 (Aborted): \"fake-qemu: kvm.c:3183: kvm_buf_set_msrs" "$T/out"
check "broken kvm, --accel kvm: the entry ran kvm only" \
	/usr/bin/python3 -c 'import json,sys; q=list(json.load(open(sys.argv[1]))["kernels"].values())[0]["qemu"]; assert q["accel"]=="kvm" and not q["finished"] and "kvm_stderr" not in q, q' "$T/kvm.json"

# No KVM: hidden behind a path that does not exist.
unset NSPROBE_FAKE_KVM
: >"$T/kvm.log"
NSPROBE_KVM_DEV=$T/no-kvm "$NSPROBE" qualify --accel auto --timeout 240 --json "$T/none.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "no kvm, auto: qualified under tcg (exit $rc)" test "$rc" -eq 0
check "no kvm, auto: qemu was never asked for kvm" test ! -s "$T/kvm.log"
check "no kvm, auto: the note names the missing device" /usr/bin/python3 -c '
import json,sys
q = list(json.load(open(sys.argv[1]))["kernels"].values())[0]["qemu"]
want = "kvm not usable (%s/no-kvm: No such file or directory); used tcg" % sys.argv[2]
assert q["accel"] == "tcg" and q["finished"] and q["accel_note"] == want, (q, want)' "$T/none.json" "$T"
NSPROBE_KVM_DEV=$T/no-kvm "$NSPROBE" qualify --accel kvm --json "$T/none-kvm.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "no kvm, --accel kvm: exit 3 (got $rc)" test "$rc" -eq 3
check "no kvm, --accel kvm: the reason names the device" \
	grep -q "not qualified: --accel kvm: $T/no-kvm: No such file or directory" "$T/out"
echo "$checks checks passed"
