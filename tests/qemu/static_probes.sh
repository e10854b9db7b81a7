#!/bin/bash
# static_probes.sh - the guest payload runs on the host too: each static musl
# probe (build/musl/probe/X, what qualify boots) prints the same keys as the
# glibc one (build/probe/X), and the same answers wherever the answer is a
# kernel verdict (ok, an errno name, yes/no, n/a, none) or the nesting depth.
# Counts, pids and timings may differ; C-library answers (getpid_cache,
# pthread_create) are left out.
. "$(dirname "$0")/../lib.sh"
MUSL=$(dirname "$NSPROBE")/musl/probe
[ -d "$MUSL" ] || skip "$MUSL not built (make musl; Debian package musl-tools)"
[ "$(id -u)" -eq 0 ] || skip "the probes need root to create PID namespaces here"

cat >"$T/cmp.py" <<'PY'
import re, sys
def parse(path):
    d = {}
    for line in open(path):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            d[k] = v
    return d
a, b = parse(sys.argv[1]), parse(sys.argv[2])
verdict = re.compile(r"^(ok|yes|no|n/a|none|E[A-Z0-9]+)$")
# other_errno can differ between two runs of the same binary.  pthread_create and
# libc are C-library answers: musl's pthread_create turns every clone() failure
# into EAGAIN where glibc passes EINVAL through (the raw `thread` key is the kernel's).
volatile = {"other_errno", "pthread_create", "libc"}
bad = []
if set(a) != set(b):
    bad.append("keys differ: only glibc %s, only musl %s" % (sorted(set(a) - set(b)), sorted(set(b) - set(a))))
for k in set(a) & set(b):
    if k in volatile or k.endswith("_reason"):
        continue
    if (verdict.match(a[k]) or verdict.match(b[k]) or k == "depth") and a[k] != b[k]:
        bad.append("%s: glibc %s, musl %s" % (k, a[k], b[k]))
if bad:
    print("\n".join(bad)); sys.exit(1)
PY
for s in "$MUSL"/*; do
	p=$(basename "$s")
	[ "$p" = getpid_cache ] && continue
	[ -x "$PROBES/$p" ] || fail "$PROBES/$p not built"
	check "$p (musl) is statically linked" sh -c "! ldd '$s' >/dev/null 2>&1"
	"$PROBES/$p" >"$T/$p.glibc" 2>"$T/$p.glibc.err"; rg=$?
	"$s" >"$T/$p.musl" 2>"$T/$p.musl.err"; rm_=$?
	check "$p: same exit status (glibc $rg, musl $rm_)" test "$rg" -eq "$rm_"
	check "$p: same keys and answers" python3 "$T/cmp.py" "$T/$p.glibc" "$T/$p.musl"
done
[ "$checks" -gt 0 ] || fail "no probe compared"
echo "$checks checks passed"
