#!/bin/bash
# qualify.sh - `nsprobe qualify` end to end, with one qemu invocation for all
# assertions (boots are slow under TCG): Debian's current cloud kernel, a garbage
# file, a truncated copy of the kernel and the kernel with a command line that
# panics it (rdinit=/nonexistent, no root=), booted with -j 2 and --accel auto.
# The good image must be judged from inside the guest; each bad one must become
# its own untestable entry with a one-line reason, without stopping the others.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
K=$("$TOP/scripts/get-test-kernel.sh" 2>"$T/get.err") || skip "no test kernel: $(tail -n 1 "$T/get.err")"

head -c 65536 /dev/urandom >"$T/garbage.img"
head -c 2000000 "$K" >"$T/truncated.img"
mkdir "$T/tmp"
TMPDIR=$T/tmp "$NSPROBE" qualify -j 2 --accel auto --timeout 240 --json "$T/r.json" \
	"$K" "$T/garbage.img" "$T/truncated.img" "$K::rdinit=/nonexistent" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out" "$T/err"
check "exit status 3 (some images not qualified, none affected): got $rc" test "$rc" -eq 3
check "no temporary files left" test -z "$(ls -A "$T/tmp")"

host_rel=$(uname -r)
cat >"$T/check.py" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); host = sys.argv[2]; K = sys.argv[3]
ks = j["kernels"]
good = [k for k, e in ks.items() if e["qemu"]["image"] == K and e["qemu"]["finished"]]
assert len(good) == 1, ("one qualified entry", list(ks))
rel = good[0]; e = ks[rel]
assert rel.startswith("6.1.0-") and rel.endswith("-cloud-amd64"), rel
assert rel != host, "the release must be the guest's, not the host's"
assert e["source"] == "qemu", e["source"]
assert e["host"]["release"] == rel and e["host"]["kernel_version"].startswith("Linux version " + rel)
assert e["verdict"] == "ok", e["verdict"]
f = e["probes"]["nest_depth"]["fields"]
assert (f["depth"], f["limit_errno"]) == ("32", "ENOSPC"), f
assert e["probes"]["reaper_death"]["fields"]["fork_after_init_exit"] == "ENOMEM"
for p, v in e["probes"].items():
    want = "skipped" if p == "getpid_cache" else "measured"
    assert v["status"] == want, (p, v)
assert e["probes"]["getpid_cache"]["reason"].startswith("not-applicable"), e["probes"]["getpid_cache"]
q = e["qemu"]
assert q["accel"] in ("kvm", "tcg") and q["accel_note"], q
assert q["console"]["lost"] == 0, q
def failed(pred):
    m = [e for e in ks.values() if pred(e["qemu"])]
    assert len(m) == 1, m
    assert m[0]["verdict"] == "untestable" and m[0]["source"] == "qemu", m[0]["verdict"]
    assert "\n" not in m[0]["qemu"]["failure"]
    return m[0]["qemu"]["failure"]
r1 = failed(lambda q: q["image"].endswith("garbage.img"))
assert "not an x86 kernel image" in r1, r1
r2 = failed(lambda q: q["image"].endswith("truncated.img"))
assert "truncated kernel image" in r2, r2
r3 = failed(lambda q: q["image"] == K and not q["finished"])
assert r3.startswith("kernel panic: VFS: Unable to mount root fs"), r3
print("accel:", q["accel"], "-", q["accel_note"])
PY
check "report assertions" python3 "$T/check.py" "$T/r.json" "$host_rel" "$K"
check "human summary names each image" test "$(grep -c 'not qualified' "$T/out")" -eq 3
if [ ! -e /dev/kvm ]; then
	check "auto without /dev/kvm says why it used tcg" \
		grep -q '"accel_note": "kvm not usable (/dev/kvm: No such file or directory); used tcg"' "$T/r.json"
fi
echo "$checks checks passed"
