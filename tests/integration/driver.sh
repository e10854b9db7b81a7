#!/bin/bash
# driver.sh - `nsprobe` on this host (issue 3, "What it must show", the live part):
# the JSON report (shape of DESIGN.md, keyed by uname -r, verdict ok, the
# flagship behaviour not-affected and agreeing with the release, the vDSO
# version, every probe measured), --only, --require, the output formats, `list`,
# `--help`; bad usage and a broken kernels.json exit 2 with one clear line; the
# report is replaced atomically and never half-written.
. "$(dirname "$0")/../lib.sh"

NAMES="unshare_single unshare_multi unshare_transient thread_after_unshare
       thread_after_setns nest_depth reaper_death getpid_cache"
# the behaviour ids of DESIGN.md
IDS="unshare-pidns-unsupported unshare-multithread-einval unshare-transient-einval
     thread-after-pidns-change-einval clone-parent-after-setns-einval pidns-nesting-limit
     fork-after-init-exit-enomem glibc-getpid-cache"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
[ "$(id -u)" = 0 ] || skip "needs root: the live checks expect every probe measured"
command -v python3 >/dev/null || skip "python3 needed to parse the report"
KERNELS=${NSPROBE_KERNELS:-$TOP/kernels.json}
export NSPROBE_KERNELS=$KERNELS
REL=$(uname -r)
NUM=$(sed 's/[^0-9.].*//' <<<"$REL")	# 6.18.44-fc-v769 -> 6.18.44
[ "$(uname -m)" = x86_64 ] || echo "# not x86_64: the vDSO version note may be absent"

# k EXPR: a python expression over this kernel's entry `e` of $T/r.json
export REL
k() { json "$T/r.json" "(lambda e: $1)(j['kernels'][__import__('os').environ['REL']])"; }

# --- 1. the live report on stdout -------------------------------------------------
"$NSPROBE" --json - > "$T/r.json" 2> "$T/r.err"
rc=$?
check "nsprobe --json - exits 0 (got $rc; $(head -c 300 "$T/r.err"))" [ "$rc" = 0 ]
check "stdout is one JSON document" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/r.json"
check "schema is nsprobe/report/1" [ "$(json "$T/r.json" "j['schema']")" = nsprobe/report/1 ]
check "tool is nsprobe with a version" [ "$(json "$T/r.json" "j['tool']['name'] == 'nsprobe' and bool(j['tool']['version'])")" = True ]
check "keyed by uname -r ($REL), one kernel" [ "$(json "$T/r.json" "list(j['kernels'])")" = "[\"$REL\"]" ]
check "verdict ok" [ "$(k "e['verdict']")" = ok ]
check "source live" [ "$(k "e['source']")" = live ]
check "unshare-multithread-einval not-affected" \
	[ "$(k "e['behaviours']['unshare-multithread-einval']['status']")" = not-affected ]
check "unshare-multithread-einval agrees_with_release true" \
	[ "$(k "e['behaviours']['unshare-multithread-einval']['agrees_with_release']")" = True ]
check "host.vdso_version is $NUM (the numeric part of $REL)" [ "$(k "e['host']['vdso_version']")" = "$NUM" ]
for p in $NAMES; do
	check "probe $p measured" [ "$(k "e['probes']['$p']['status']")" = measured ]
	check "probe $p has fields and duration_ms" \
		[ "$(k "isinstance(e['probes']['$p']['fields'], dict) and len(e['probes']['$p']['fields']) > 0 and isinstance(e['probes']['$p']['duration_ms'], int)")" = True ]
done
check "no probe beyond the eight" [ "$(k "len(e['probes'])")" = 8 ]
# every field DESIGN.md names ("kernel build string" is host.kernel_version,
# "user namespace sysctls" environment.userns_sysctls: docs/internals.md)
for f in hostname machine kernel_version vdso_version os_release libc generated_at; do
	check "host.$f present" [ "$(k "'$f' in e['host']")" = True ]
done
for f in euid capabilities seccomp no_new_privs userns_sysctls lsm pid_ns_level container mode; do
	check "environment.$f present" [ "$(k "'$f' in e['environment']")" = True ]
done
check "environment.mode is root (we are root)" [ "$(k "e['environment']['mode']")" = root ]
for id in $IDS; do
	check "behaviour $id has status, expected_from_release, agrees_with_release, evidence, commits, advice" \
		[ "$(k "all(f in e['behaviours']['$id'] for f in ('status','expected_from_release','agrees_with_release','evidence','commits','advice')) and e['behaviours']['$id']['status'] in ('affected','not-affected','untestable') and isinstance(e['behaviours']['$id']['commits'], list)")" = True ]
done
check "no behaviour beyond DESIGN.md's eight" [ "$(k "len(e['behaviours'])")" = 8 ]
check "every behaviour here agrees with the release" \
	[ "$(k "[b for b, v in sorted(e['behaviours'].items()) if v['agrees_with_release'] is not True]")" = "[]" ]
check "no problem behaviour affected" \
	[ "$(k "[b for b, v in sorted(e['behaviours'].items()) if v.get('severity') == 'problem' and v['status'] != 'not-affected']")" = "[]" ]

# --- 2. --only ------------------------------------------------------------------
"$NSPROBE" --only unshare_single --json "$T/only.json" --quiet
rc=$?
check "--only unshare_single: exit 3 (the other problem behaviours untested; got $rc)" [ "$rc" = 3 ]
check "--only unshare_single ran that probe alone" \
	[ "$(json "$T/only.json" "sorted(list(j['kernels'].values())[0]['probes'])")" = '["unshare_single"]' ]
check "... measured" [ "$(json "$T/only.json" "list(j['kernels'].values())[0]['probes']['unshare_single']['status']")" = measured ]
check "... which decides unshare-pidns-unsupported" \
	[ "$(json "$T/only.json" "list(j['kernels'].values())[0]['behaviours']['unshare-pidns-unsupported']['status']")" = not-affected ]
check "... and the verdict is untestable" [ "$(json "$T/only.json" "list(j['kernels'].values())[0]['verdict']")" = untestable ]

# --- 3. bad usage: exit 2, one clear line on stderr, nothing on stdout -----------
# bad DESC WORD ARGS...: nsprobe ARGS exits 2 with one stderr line naming WORD;
# a usage error the option parser finds (USAGE=1) adds the line "Try 'nsprobe run --help' ..."
bad() {
	local d=$1 word=$2 rc lines=$((1 + ${USAGE:-0})); shift 2
	"$NSPROBE" "$@" > "$T/bad.out" 2> "$T/bad.err"
	rc=$?
	check "$d: exit 2 (got $rc)" [ "$rc" = 2 ]
	check "$d: $lines line(s) on stderr: $(head -1 "$T/bad.err")" [ "$(wc -l < "$T/bad.err")" = "$lines" ]
	check "$d: the line is 'nsprobe: ...' and names '$word'" \
		bash -c "head -1 '$T/bad.err' | grep -q '^nsprobe: ' && head -1 '$T/bad.err' | grep -qF -- '$word'"
	[ "$lines" = 2 ] && check "$d: then the Try line" \
		grep -qx "Try 'nsprobe run --help' for more information." "$T/bad.err"
	check "$d: nothing on stdout" [ ! -s "$T/bad.out" ]
}
USAGE=1 bad "unknown option" --frobnicate --frobnicate
bad "--only bogus" bogus --only bogus
bad "--require bogus" bogus --require bogus
USAGE=1 bad "--timeout abc" abc --timeout abc
USAGE=1 bad "--format xml" xml --format xml
bad "--json into a missing directory" "$T/missing" --json "$T/missing/r.json"

# --- 4. a broken kernels.json: file:line:column: message, exit 2 ---------------
# a trailing comma after the last element of the first array that ends a line
python3 - "$KERNELS" "$T/broken.json" > "$T/broken.line" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
for i in range(len(lines) - 1):
    if lines[i].rstrip().endswith('"') and lines[i + 1].strip().startswith("]"):
        lines[i] += ","
        print(i + 1)	# 1-based line of the comma; jansson points at the ']' after it
        break
open(sys.argv[2], "w").write("\n".join(lines))
EOF
line=$(cat "$T/broken.line")
check "a broken copy of kernels.json was made (comma on line $line)" [ -n "$line" ]
for how in option env; do
	if [ $how = option ]; then
		"$NSPROBE" --kernels "$T/broken.json" --json "$T/x.json" > "$T/kb.out" 2> "$T/kb.err"
	else
		NSPROBE_KERNELS=$T/broken.json "$NSPROBE" --json "$T/x.json" > "$T/kb.out" 2> "$T/kb.err"
	fi
	rc=$?
	check "broken kernels.json ($how): exit 2 (got $rc)" [ "$rc" = 2 ]
	check "broken kernels.json ($how): stderr is 'nsprobe: FILE:LINE:COLUMN: message': $(head -1 "$T/kb.err")" \
		grep -qE "^nsprobe: $T/broken.json:($line|$((line + 1))):[0-9]+: [a-z]" "$T/kb.err"
	check "broken kernels.json ($how): one line" [ "$(wc -l < "$T/kb.err")" = 1 ]
	check "broken kernels.json ($how): no report written" [ ! -e "$T/x.json" ]
done
for cmd in list "lookup 4.9.0"; do
	NSPROBE_KERNELS=$T/broken.json "$NSPROBE" $cmd > /dev/null 2> "$T/kb.err"
	rc=$?
	check "broken kernels.json: nsprobe $cmd exits 2 with file:line:column (got $rc)" \
		bash -c "[ $rc = 2 ] && grep -qE '^nsprobe: $T/broken.json:[0-9]+:[0-9]+: ' '$T/kb.err'"
done
# a duplicate key (loaded with JSON_REJECT_DUPLICATES)
sed '0,/"schema"/s//"schema": "dup", "schema"/' "$KERNELS" > "$T/dup.json"
"$NSPROBE" list --kernels "$T/dup.json" > /dev/null 2> "$T/kb.err"
rc=$?
check "duplicate key in kernels.json: exit 2, file:line:column ($(head -1 "$T/kb.err"))" \
	bash -c "[ $rc = 2 ] && grep -qE '^nsprobe: $T/dup.json:[0-9]+:[0-9]+: .*dup' '$T/kb.err'"

# --- 5. the report file is replaced whole, atomically ---------------------------
D=$T/out
mkdir "$D"
# an old "report" much longer than a new one: an in-place write would leave its tail
python3 -c 'import sys; open(sys.argv[1], "w").write("OLD REPORT\n" * 100000)' "$D/report.json"
cp "$D/report.json" "$T/old.json"
ino=$(stat -c %i "$D/report.json")
"$NSPROBE" --json "$D/report.json" --timeout abc 2> /dev/null
check "usage error with an existing report: exit 2" [ $? = 2 ]
check "... the old report keeps its old content" cmp -s "$D/report.json" "$T/old.json"
"$NSPROBE" --kernels "$T/broken.json" --json "$D/report.json" 2> /dev/null
check "broken kernels.json with an existing report: exit 2" [ $? = 2 ]
check "... the old report keeps its old content" cmp -s "$D/report.json" "$T/old.json"
check "... no other file in its directory: $(ls -A "$D" | tr '\n' ' ')" [ "$(ls -A "$D")" = report.json ]
"$NSPROBE" --json "$D/report.json" --quiet
rc=$?
check "a run over the existing report: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... the report is replaced whole (parses as JSON, no old tail)" \
	bash -c "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$D/report.json' && ! grep -q 'OLD REPORT' '$D/report.json'"
check "... by a rename (a new inode, not an in-place rewrite)" [ "$(stat -c %i "$D/report.json")" != "$ino" ]
check "... no temporary file left in its directory: $(ls -A "$D" | tr '\n' ' ')" [ "$(ls -A "$D")" = report.json ]
check "... and it is this host's report" [ "$(json "$D/report.json" "list(j['kernels'])")" = "[\"$REL\"]" ]
# SIGTERM while a (fake, hanging) probe runs: exit 143, the report untouched
FAKE=$TOP/$BUILD/tests/helpers/fake_probe
if [ -x "$FAKE" ]; then
	mkdir "$T/fakes"
	printf '#!/bin/sh\nexec %q --pidfile %q --hang\n' "$FAKE" "$T/hang.pid" > "$T/fakes/unshare_single"
	chmod +x "$T/fakes/unshare_single"
	cp "$D/report.json" "$T/good.json"
	"$NSPROBE" --probe-dir "$T/fakes" --only unshare_single --timeout 60 --json "$D/report.json" --quiet &
	drv=$!
	for _ in $(seq 200); do [ -s "$T/hang.pid" ] && break; sleep 0.05; done
	check "a hanging fake probe started under the driver" [ -s "$T/hang.pid" ]
	kill -TERM "$drv"
	wait "$drv"
	rc=$?
	check "SIGTERM mid-run: exit 143 (got $rc)" [ "$rc" = 143 ]
	check "... the report keeps its previous content" cmp -s "$D/report.json" "$T/good.json"
	check "... no temporary file left: $(ls -A "$D" | tr '\n' ' ')" [ "$(ls -A "$D")" = report.json ]
	check "... the hanging probe is gone" bash -c "! kill -0 $(cat "$T/hang.pid") 2>/dev/null"
fi

# --- 6. --require -----------------------------------------------------------------
"$NSPROBE" --require unshare-multithread-einval,unshare-pidns-unsupported --quiet
rc=$?
check "--require unshare-multithread-einval,unshare-pidns-unsupported: exit 0 (got $rc)" [ "$rc" = 0 ]
# a semantics behaviour is affected on every kernel with PID namespaces: unmet
"$NSPROBE" --require pidns-nesting-limit > /dev/null 2> "$T/req.err"
rc=$?
check "--require pidns-nesting-limit (affected here): exit 1 (got $rc)" [ "$rc" = 1 ]
check "... stderr says it is unmet and why: $(head -1 "$T/req.err")" \
	grep -q 'pidns-nesting-limit.*affected' "$T/req.err"
# met only when tested: a behaviour whose probe did not run is unmet
"$NSPROBE" --only unshare_single --require unshare-multithread-einval > /dev/null 2> "$T/req.err"
rc=$?
check "--require a behaviour that was not tested (--only): exit 1 (got $rc)" [ "$rc" = 1 ]
check "... stderr says untestable: $(head -1 "$T/req.err")" grep -q 'unshare-multithread-einval.*untestable' "$T/req.err"

# --- 7. list, --help ----------------------------------------------------------------
"$NSPROBE" list > "$T/list.txt"
check "nsprobe list exits 0" [ $? = 0 ]
for p in $NAMES; do check "list names probe $p" grep -qw -- "$p" "$T/list.txt"; done
for id in $IDS $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["behaviours"]))' "$KERNELS"); do
	check "list names behaviour $id" grep -qw -- "$id" "$T/list.txt"
done
for args in --help "run --help" "list --help" "lookup --help"; do
	"$NSPROBE" $args > "$T/help.txt" 2>&1
	rc=$?
	check "nsprobe $args: exit 0 with a usage line (got $rc)" \
		bash -c "[ $rc = 0 ] && grep -q '^usage: nsprobe' '$T/help.txt'"
done

# --- 8. the CI formats parse ---------------------------------------------------------
for f in tap junit prometheus json; do
	"$NSPROBE" --format $f > "$T/out.$f"
	rc=$?
	check "--format $f: exit 0 (got $rc)" [ "$rc" = 0 ]
done
check "TAP: version 13, a plan 1..8 and eight 'ok' lines numbered 1..8" python3 - "$T/out.tap" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0] == "TAP version 13", lines[0]
assert lines[1] == "1..8", lines[1]
tests = [l for l in lines[2:] if re.match(r"(not )?ok \d+", l)]
assert [int(re.match(r"(?:not )?ok (\d+)", l).group(1)) for l in tests] == list(range(1, 9)), tests
assert all(l.startswith("ok ") for l in tests), "a test failed on this ok host"
others = [l for l in lines[2:] if l not in tests and not l.startswith("  ")]
assert not others, others
EOF
check "JUnit: well-formed XML, 8 testcases, no failure" python3 - "$T/out.junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
assert root.tag in ("testsuites", "testsuite") and suites, root.tag
cases = [c for s in suites for c in s.findall("testcase")]
assert len(cases) == 8, len(cases)
assert sum(int(s.get("tests")) for s in suites) == 8
assert not [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
EOF
check "Prometheus: valid text exposition, every sample's metric has a TYPE" python3 - "$T/out.prometheus" <<'EOF'
import re, sys
typed, samples = set(), 0
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:%s)(?:,%s)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$' % (label, label))
for l in open(sys.argv[1]).read().splitlines():
    if l.startswith("# TYPE "):
        name, kind = l.split()[2:4]
        assert kind in ("gauge", "counter", "untyped", "summary", "histogram"), l
        typed.add(name)
    elif l.startswith("# HELP ") or l == "":
        continue
    else:
        m = sample.match(l)
        assert m, "not a sample: " + l
        assert m.group(1) in typed, "no TYPE for " + l
        float(m.group(3))
        samples += 1
assert samples > 0
EOF
check "Prometheus: nsprobe_behaviour_affected for the flagship is 0" \
	grep -qE '^nsprobe_behaviour_affected\{.*behaviour="unshare-multithread-einval".*\} 0$' "$T/out.prometheus"
check "--format json: the report, keyed by uname -r" [ "$(json "$T/out.json" "list(j['kernels'])")" = "[\"$REL\"]" ]

# --- 9. the human summary -------------------------------------------------------
"$NSPROBE" > "$T/human.txt"
rc=$?
check "human summary: exit 0 (got $rc)" [ "$rc" = 0 ]
check "human summary: ends with the verdict" grep -q '^verdict: ok' "$T/human.txt"
for id in $IDS; do check "human summary names $id" grep -qw -- "$id" "$T/human.txt"; done
echo "$checks checks passed"
