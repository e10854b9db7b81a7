#!/bin/bash
# ci_formats.sh - the CI formats say what the exit status says, checked with the
# real consumers: prove (TAP), xmllint against the Ant JUnit schema and
# python3-junitparser (JUnit), promtool and Debian's node_exporter with its
# textfile collector (Prometheus).  Inputs: every replay in tests/replay (a
# crashed and a timed-out probe among them), one with an environment cause,
# a --require that is unmet, and a live run on this host.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || skip "$NSPROBE not built"
for c in prove xmllint promtool prometheus-node-exporter curl strace; do
	command -v "$c" >/dev/null || skip "$c missing (scripts/deps.sh test installs it)"
done
PY=/usr/bin/python3   # Debian's python: junitparser is a Debian package
$PY -c 'import junitparser' 2>/dev/null || skip "python3-junitparser missing"
XSD=$TOP/tests/schema/junit-ant.xsd

# Replays: the repository's, plus the 6.18 host with unshare refused (EPERM):
# no environment facts in a replay, so its cause is the environment ("unknown").
mkdir "$T/r"
for d in "$TOP"/tests/replay/*/; do [ -f "$d/uname" ] && cp -r "$d" "$T/r/"; done
cp -r "$TOP/tests/replay/linux-6.18-host" "$T/r/env-eperm"
sed -i 's/^result=ok$/result=EPERM/' "$T/r/env-eperm/unshare_single.txt"
cases=""
for d in "$T"/r/*/; do
	n=$(basename "$d")
	cases="$cases $n"
	"$NSPROBE" run --replay "$d" --json "$T/$n.json" --format tap >"$T/$n.tap" 2>"$T/$n.err"
	echo $? >"$T/$n.rc"
	"$NSPROBE" run --replay "$d" --format junit >"$T/$n.xml" 2>/dev/null
	"$NSPROBE" run --replay "$d" --format prometheus >"$T/$n.prom" 2>/dev/null
done
# an unmet --require: an affected semantics rule required to be not-affected
"$NSPROBE" run --replay "$T/r/linux-6.18-host" --require fork-after-init-exit-enomem \
	--json "$T/require.json" --format tap >"$T/require.tap" 2>/dev/null
echo $? >"$T/require.rc"
"$NSPROBE" run --replay "$T/r/linux-6.18-host" --require fork-after-init-exit-enomem \
	--format junit >"$T/require.xml" 2>/dev/null
"$NSPROBE" run --replay "$T/r/linux-6.18-host" --require fork-after-init-exit-enomem \
	--format prometheus >"$T/require.prom" 2>/dev/null
cases="$cases require"
# this host: the JSON report and JUnit from one run
"$NSPROBE" --json "$T/live.json" --format junit --output "$T/live.xml" >"$T/live.out" 2>&1
echo $? >"$T/live.rc"
check "live: --output wrote the JUnit file, stdout stayed empty" test -s "$T/live.xml" -a ! -s "$T/live.out"

export T
# What each behaviour must be in every format, from the report alone (the
# README's table): pass, fail, error or skip.
cat >"$T/expect.py" <<'PY'
import json, sys
ERR = ("probe-broken", "probe-timeout", "unexpected-answer")
def classes(path):
    out = {}
    for rel, e in json.load(open(path))["kernels"].items():
        req = e.get("required", [])
        for bid, b in e["behaviours"].items():
            st, prob = b["status"], b.get("severity") == "problem"
            cause = (b.get("cause") or {}).get("cause", "")
            if st == "affected" and prob: k = "fail"
            elif st == "untestable" and prob and cause in ERR: k = "error"
            elif bid in req and st != "not-affected": k = "fail"
            elif st == "untestable": k = "skip"
            else: k = "pass"
            out[(rel, bid)] = (k, b, e)
    return out
PY

# --- TAP: prove reads the SAVED files (so the exit status cannot be what fails them)
for n in $cases; do
	rc=$(cat "$T/$n.rc")
	prove -e cat "$T/$n.tap" >"$T/$n.prove" 2>&1
	prc=$?
	check "$n: TAP starts with 'TAP version 13'" test "$(head -n 1 "$T/$n.tap")" = "TAP version 13"
	check "$n: TAP as the report says (exit $rc, prove $prc)" $PY - "$T/$n.json" "$T/$n.tap" "$rc" "$prc" <<'PY'
import re, sys
exec(open(__import__("os").environ["T"] + "/expect.py").read())
exp = classes(sys.argv[1]); rc, prc = int(sys.argv[3]), int(sys.argv[4])
lines = open(sys.argv[2]).read().splitlines()
seen = 0
for i, l in enumerate(lines):
    m = re.match(r"(not )?ok \d+ - (\S+) (\S+): (\S+)(.*)$", l)
    if not m:
        continue
    seen += 1
    k, b, e = exp[(m.group(2), m.group(3))]
    bad, rest = bool(m.group(1)), m.group(5)
    assert bad == (k in ("fail", "error")), (l, k)
    if k == "skip":
        assert rest.startswith(" # SKIP " + b["cause"]["cause"] + ": "), l
    if k == "error":
        word = {"probe-timeout": "TIMEOUT", "probe-broken": "broken"}.get(b["cause"]["cause"], b["cause"]["cause"])
        assert rest.startswith(" # " + word + " "), l
    if b["status"] == "affected":   # fails and affected rules carry their advice
        block = lines[i + 1:i + 12]
        assert block[0] == "  ---" and "  ..." in block, (l, block[:2])
        assert any(x.startswith("  advice: ") for x in block[:block.index("  ...")]), l
assert seen == len(exp), (seen, len(exp))
# prove fails exactly when a test is a failure or an error
assert (prc != 0) == any(k in ("fail", "error") for k, _, _ in exp.values()), prc
# and that is what the exit status says: 1 fail; 3 and an error fail; 0 pass
if rc == 0: assert prc == 0
if rc == 1: assert prc != 0
if rc == 3 and any(k == "error" for k, _, _ in exp.values()): assert prc != 0
PY
done
check "probe-crash: prove says FAIL for the broken probe" grep -q "^Result: FAIL" "$T/probe-crash.prove"
check "probe-crash: the not-ok line says '# broken' with the signal" \
	grep -q "^not ok .* unshare-multithread-einval: untestable # broken unshare_multi broke (signal 11)" "$T/probe-crash.tap"
check "probe-timeout: prove says FAIL for the timeout" grep -q "^Result: FAIL" "$T/probe-timeout.prove"
check "probe-timeout: the not-ok line says '# TIMEOUT' (kselftest)" \
	grep -q "^not ok .* unshare-transient-einval: untestable # TIMEOUT unshare_transient timed out" "$T/probe-timeout.tap"
check "probe-crash and probe-timeout exit 3" test "$(cat "$T/probe-crash.rc")$(cat "$T/probe-timeout.rc")" = 33
check "linux-6.18-host: exit 0 and prove PASS, semantics rules with advice" \
	sh -c "[ \$(cat '$T/linux-6.18-host.rc') = 0 ] && grep -q '^Result: PASS' '$T/linux-6.18-host.prove' && grep -q '^ok .* thread-after-pidns-change-einval: affected$' '$T/linux-6.18-host.tap'"
check "env-eperm: environment causes are skips naming the cause" \
	grep -q "^ok .* unshare-multithread-einval: untestable # SKIP unknown: no environment facts" "$T/env-eperm.tap"
check "--require unmet: exit 1, and TAP says so" \
	sh -c "[ \$(cat '$T/require.rc') = 1 ] && grep -q '^not ok .* fork-after-init-exit-enomem: affected (--require unmet)' '$T/require.tap'"

# --- JUnit: the Ant schema, then junitparser's reading against the report
cp "$T/live.xml" "$T/nohost.xml"
sed -i 's/ hostname="[^"]*"//' "$T/nohost.xml"
check "the schema is strict: a testsuite without hostname is refused" \
	sh -c "! xmllint --noout --schema '$XSD' '$T/nohost.xml' 2>/dev/null"
for n in $cases live; do
	check "$n: JUnit validates against the Ant schema" xmllint --noout --schema "$XSD" "$T/$n.xml"
	check "$n: junitparser counts errors, failures, skips and times as the report says" \
		$PY - "$T/$n.json" "$T/$n.xml" <<'PY'
import os, sys, datetime
from junitparser import JUnitXml, Error, Failure, Skipped
exec(open(os.environ["T"] + "/expect.py").read())
exp = classes(sys.argv[1])
xml = JUnitXml.fromfile(sys.argv[2])
suites = list(xml)
assert len(suites) == len({r for r, _ in exp}), len(suites)
for s in suites:
    mine = {b: v for (r, b), v in exp.items() if r == s.name}
    e = next(iter(mine.values()))[2]
    count = lambda k: sum(1 for v in mine.values() if v[0] == k)
    assert (s.tests, s.failures, s.errors, s.skipped) == (len(mine), count("fail"), count("error"), count("skip")), \
        (s.name, s.tests, s.failures, s.errors, s.skipped)
    ms = sum(p.get("duration_ms", 0) for p in e["probes"].values())
    assert abs(s.time - ms / 1000.0) < 0.0015 and (ms == 0 or s.time > 0), (s.time, ms)
    datetime.datetime.strptime(s.timestamp, "%Y-%m-%dT%H:%M:%S")
    want_host = (e.get("host") or {}).get("hostname") or "localhost"
    assert s.hostname == want_host, (s.hostname, want_host)
    gen = (e.get("host") or {}).get("generated_at")
    if gen:
        assert s.timestamp == gen.rstrip("Z"), (s.timestamp, gen)
    for c in s:
        k = mine[c.name][0]
        kinds = {type(r) for r in c.result}
        want = {"pass": set(), "fail": {Failure}, "error": {Error}, "skip": {Skipped}}[k]
        assert kinds == want, (c.name, kinds, k)
        assert c.time >= 0
    # junitparser 2.8 has no suite-level system-out: read it with ElementTree
    import xml.etree.ElementTree as ET
    el = [x for x in ET.parse(sys.argv[2]).getroot() if x.get("name") == s.name][0]
    out = el.find("system-out").text or ""
    for bid, (k, b, _) in mine.items():
        if b["status"] == "affected" and b["severity"] == "semantics":
            assert bid + ": affected (semantics" in out and b["advice"] in out, bid
PY
done

# --- Prometheus: promtool, the new series, --output, node_exporter's textfile collector
for n in $cases; do
	check "$n: promtool check metrics accepts the output" sh -c "promtool check metrics <'$T/$n.prom'"
done
check "run_success follows the exit status (0 for 6.18-host, 3 crash, 1 require)" sh -c "
	grep -qE '^nsprobe_run_success\\{kernel=\"[^\"]+\"\\} 1\$' '$T/linux-6.18-host.prom' &&
	grep -qE '^nsprobe_run_success\\{kernel=\"[^\"]+\"\\} 0\$' '$T/probe-crash.prom' &&
	grep -qE '^nsprobe_run_success\\{kernel=\"[^\"]+\"\\} 0\$' '$T/require.prom'"
version=$(json "$T/live.json" "j['tool']['version']")
mkdir "$T/textfile"
start=$(date +%s)
# Three writes under strace: a new file, an existing one, and an existing one
# with named temporaries (NSPROBE_TEST_NO_TMPFILE=1, as where O_TMPFILE is refused).
for i in 1 2 3; do
	# LeakSanitizer cannot run under ptrace (make check's ASan build): strace'd runs
	# go without leak checking; the other runs of this test keep it.
	(umask 022; [ "$i" = 3 ] && export NSPROBE_TEST_NO_TMPFILE=1
	 export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	 exec strace -f -qq -e trace=rename,renameat,renameat2,link,linkat,open,openat -e signal=none \
		-o "$T/strace.$i" "$NSPROBE" --format prometheus --output "$T/textfile/nsprobe.prom") >"$T/prom.out" 2>&1
	rc=$?
	check "live --format prometheus --output, write $i: exit 0 (got $rc)" test "$rc" -eq 0
done
grep -h "textfile" "$T"/strace.[123] | grep -v ENOENT
check "--output: no name but the target in the collector's directory ends in .prom; an existing file is renamed over" \
	$PY - "$T/textfile/nsprobe.prom" "$T"/strace.[123] <<'PY'
import re, sys
target, logs = sys.argv[1], sys.argv[2:]
d = target.rsplit("/", 1)[0] + "/"
for n, log in enumerate(logs, 1):
    made, renamed = set(), []
    for line in open(log):
        paths = re.findall(r'"(%s[^"]*)"' % re.escape(d), line)
        if re.search(r"\b(open|openat)\(", line) and "O_CREAT" in line or re.search(r"\blinkat?\(", line):
            made.update(paths)
        m = re.search(r'rename(?:at2?)?\(.*?"([^"]+)".*?"([^"]+)"', line)
        if m and " = 0" in line:
            renamed.append((m.group(1), m.group(2)))
            made.add(m.group(1))
    bad = [p for p in made if p != target and p.endswith(".prom")]
    assert not bad, (n, bad)
    if n > 1:  # the target existed: a temporary in the same directory renamed over it
        assert any(dst == target and src.startswith(d) and src != target for src, dst in renamed), (n, renamed)
    print("write %d: temporaries %s" % (n, sorted(p for p in made if p != target) or "none (O_TMPFILE linked into place)"))
PY
check "--output: no temporary file left" test "$(ls -A "$T/textfile")" = nsprobe.prom
check "--output: the file is readable by the collector (mode 0644 under umask 022)" \
	test "$(stat -c %a "$T/textfile/nsprobe.prom")" = 644
check "promtool accepts the --output file" sh -c "promtool check metrics <'$T/textfile/nsprobe.prom'"
check "live: last-run timestamp, success and info series with release and version" $PY - "$T/textfile/nsprobe.prom" "$start" "$(uname -r)" "$version" <<'PY'
import re, sys, time
text = open(sys.argv[1]).read(); start, rel, ver = int(sys.argv[2]), sys.argv[3], sys.argv[4]
ts = float(re.search(r'^nsprobe_last_run_timestamp_seconds\{kernel="%s"\} (\S+)$' % re.escape(rel), text, re.M).group(1))
assert start - 1 <= ts <= time.time() + 1, (start, ts)
assert re.search(r'^nsprobe_run_success\{kernel="%s"\} [01]$' % re.escape(rel), text, re.M)
info = re.search(r'^nsprobe_info\{(.*)\} 1$', text, re.M).group(1)
for want in ('release="%s"' % rel, 'version="%s"' % ver, 'machine="', 'hostname="', 'libc="'):
    assert want in info, (want, info)
PY

# node_exporter on loopback, a free port, only the textfile collector
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$T/textfile" >"$T/ne.log" 2>&1 &
nepid=$!
trap 'kill "$nepid" 2>/dev/null; wait "$nepid" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/metrics" -o "$T/scrape" 2>/dev/null && break
	kill -0 "$nepid" 2>/dev/null || break
	sleep 0.1
done
kill "$nepid"
wait "$nepid" 2>/dev/null
check "node_exporter served one scrape" test -s "$T/scrape" || cat "$T/ne.log"
check "node_exporter: the textfile collector read the file without error" \
	grep -qE '^node_textfile_scrape_error 0$' "$T/scrape"
check "node_exporter: nsprobe's series are in the scrape" sh -c "
	grep -q '^nsprobe_run_success{kernel=\"$(uname -r)\"}' '$T/scrape' &&
	grep -q '^nsprobe_last_run_timestamp_seconds{' '$T/scrape' &&
	grep -q '^nsprobe_info{.*version=\"$version\"' '$T/scrape' &&
	grep -q '^nsprobe_behaviour_affected{' '$T/scrape'"
check "node_exporter stopped" sh -c "! kill -0 $nepid 2>/dev/null"
echo "$checks checks passed"
