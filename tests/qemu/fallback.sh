#!/bin/bash
# fallback.sh - qualify's own supervision of qemu, driven by a fake qemu (no
# boot, seconds): a KVM guest that stays silent makes --accel auto fall back to
# TCG and record why; --accel kvm does not fall back; a guest that hangs after
# some output hits --timeout and becomes a one-line per-image failure.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
K=$("$TOP/scripts/get-test-kernel.sh" 2>"$T/get.err") || skip "no test kernel: $(tail -n 1 "$T/get.err")"

# The fake: under "-accel kvm" it hangs without a byte of output; with
# FAKE_HANG it prints a kernel line and hangs; otherwise it is the real qemu.
cat >"$T/qemu" <<'SH'
#!/bin/sh
for a in "$@"; do [ "$a" = kvm ] && exec sleep 600; done
[ -n "${FAKE_HANG:-}" ] && { echo "[    0.000000] Linux version fake"; exec sleep 600; }
exec qemu-system-x86_64 "$@"
SH
chmod +x "$T/qemu"
export NSPROBE_QEMU=$T/qemu NSPROBE_FAKE_KVM=1 NSPROBE_KVM_STALL_S=3

"$NSPROBE" qualify --accel auto --timeout 240 --json "$T/auto.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "auto with a silent kvm guest: qualified under tcg (exit $rc)" test "$rc" -eq 0
check "auto: the entry records the fallback" python3 -c '
import json,sys
e = list(json.load(open(sys.argv[1]))["kernels"].values())[0]; q = e["qemu"]
assert q["accel"] == "tcg" and q["finished"], q
assert q["accel_note"] == "kvm made no progress in 3 s (no console output); fell back to tcg", q["accel_note"]' "$T/auto.json"

start=$SECONDS
"$NSPROBE" qualify --accel kvm --json "$T/kvm.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "--accel kvm with a silent guest: exit 3 (got $rc)" test "$rc" -eq 3
check "--accel kvm: no fallback, the reason says no output" grep -q "no console output for 3 s under kvm" "$T/out"
check "--accel kvm: stopped at the stall limit, not the timeout" test $((SECONDS - start)) -lt 60

start=$SECONDS
FAKE_HANG=1 "$NSPROBE" qualify --accel tcg --timeout 3 --json "$T/hang.json" "$K" >"$T/out" 2>&1
rc=$?
cat "$T/out"
check "a hanging guest: exit 3 (got $rc)" test "$rc" -eq 3
check "a hanging guest: one-line reason with the timeout" \
	grep -q "not qualified: the guest never reached nsprobe's init (no output from it); timed out after 3 s" "$T/out"
check "a hanging guest: every kernel probe broken, verdict untestable" python3 -c '
import json,sys
e = list(json.load(open(sys.argv[1]))["kernels"].values())[0]
assert e["verdict"] == "untestable", e["verdict"]
assert all(v["status"] == "broken" for p, v in e["probes"].items() if p != "getpid_cache"), e["probes"]
assert e["probes"]["getpid_cache"]["reason"].startswith("not-applicable"), e["probes"]["getpid_cache"]' "$T/hang.json"
check "a hanging guest: stopped within seconds of its timeout" test $((SECONDS - start)) -lt 30

# SIGTERM while guests run: every qemu is stopped, the temp dir removed, no
# report written, exit 128+15.
mkdir "$T/tmp"
FAKE_HANG=1 TMPDIR=$T/tmp "$NSPROBE" qualify -j 2 --accel tcg --timeout 120 --json "$T/sig.json" "$K" "$K" >"$T/out" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -n "$(ls -A "$T/tmp")" ] && pgrep -P "$pid" >/dev/null && break; sleep 0.1; done
sleep 1
kids=$(pgrep -P "$pid" | tr '\n' ' ')
kill -TERM "$pid"
wait "$pid"
rc=$?
cat "$T/out"
check "SIGTERM: exit 143 (got $rc)" test "$rc" -eq 143
check "SIGTERM: no report written" test ! -e "$T/sig.json"
check "SIGTERM: temp dir removed" test -z "$(ls -A "$T/tmp")"
left=""
for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
check "SIGTERM: no qemu left (had:$kids)" test -z "$left" -a -n "$kids"
echo "$checks checks passed"
