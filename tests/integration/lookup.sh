#!/bin/bash
# lookup.sh - `nsprobe lookup RELEASE` (issue 3): what kernels.json expects for
# a `uname -r` string, without probing.  The mainline boundaries (3.8-3.11
# multithread EINVAL, fixed in 3.12; nesting EINVAL until 4.8, ENOSPC from 4.9;
# no unshare of a PID namespace before 3.8), real distro release strings parse,
# garbage exits 2 with one clear line.  No root needed: nothing is probed.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
command -v python3 >/dev/null || skip "python3 needed to parse the JSON"
export NSPROBE_KERNELS=${NSPROBE_KERNELS:-$TOP/kernels.json}

# look, ex, exv: tests/lib.sh

# --- 1. the mainline boundaries ----------------------------------------------------
check "lookup 3.10.0: exit 0" look 3.10.0
check "3.10.0: unshare-multithread-einval affected" [ "$(ex unshare-multithread-einval)" = affected ]
check "3.10.0: ... expects unshare_multi.main=EINVAL" [ "$(exv unshare-multithread-einval unshare_multi.main)" = EINVAL ]
check "3.10.0: ... the range says why (3.8 <= r < 3.12)" [ "$(ex unshare-multithread-einval range)" = "3.8 <= r < 3.12" ]
check "3.10.0: ... cites 50804fe3737c" grep -q 50804fe3737c <<<"$(ex unshare-multithread-einval source)"
check "3.10.0: unshare-pidns-unsupported not-affected" [ "$(ex unshare-pidns-unsupported)" = not-affected ]
check "3.10.0: the release is echoed and parsed" \
	[ "$(json "$T/l.json" "(j['release'], j['parsed']['major'], j['parsed']['minor'], j['parsed']['patch'])")" = "('3.10.0', 3, 10, 0)" ]

check "lookup 3.11.10: exit 0" look 3.11.10
check "3.11.10: unshare-multithread-einval affected (mainline rule, no 3.11.y backport known)" \
	[ "$(ex unshare-multithread-einval)" = affected ]
check "3.11.10: no backport applied" [ "$(ex unshare-multithread-einval backport)" = None ]

check "lookup 3.12.0: exit 0" look 3.12.0
check "3.12.0: unshare-multithread-einval not-affected" [ "$(ex unshare-multithread-einval)" = not-affected ]
check "3.12.0: ... expects unshare_multi.main=ok" [ "$(exv unshare-multithread-einval unshare_multi.main)" = ok ]
check "3.12.0: ... cites the fix 6e556ce209b0" grep -q 6e556ce209b0 <<<"$(ex unshare-multithread-einval source)"

check "lookup 3.7.10: exit 0" look 3.7.10
check "3.7.10: unshare-pidns-unsupported affected (unshare(CLONE_NEWPID) from 3.8)" \
	[ "$(ex unshare-pidns-unsupported)" = affected ]
check "lookup 3.8.0: exit 0" look 3.8.0
check "3.8.0: unshare-pidns-unsupported not-affected" [ "$(ex unshare-pidns-unsupported)" = not-affected ]
check "3.8.0: unshare-multithread-einval affected" [ "$(ex unshare-multithread-einval)" = affected ]

check "lookup 4.8.0: exit 0" look 4.8.0
check "4.8.0: the nesting limit's errno is EINVAL" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = EINVAL ]
check "4.8.0: pidns-nesting-limit affected (a semantics rule)" \
	[ "$(ex pidns-nesting-limit) $(ex pidns-nesting-limit severity)" = "affected semantics" ]
check "lookup 4.8.17: exit 0" look 4.8.17
check "4.8.17: still EINVAL" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = EINVAL ]
check "lookup 4.9.0: exit 0" look 4.9.0
check "4.9.0: the nesting limit's errno is ENOSPC" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = ENOSPC ]

check "lookup 2.6.32-754.el6.x86_64: exit 0" look 2.6.32-754.el6.x86_64
check "2.6.32-754.el6: unshare-pidns-unsupported affected" [ "$(ex unshare-pidns-unsupported)" = affected ]
check "2.6.32-754.el6: ... expects unshare_single.result=EINVAL" \
	[ "$(exv unshare-pidns-unsupported unshare_single.result)" = EINVAL ]
check "2.6.32-754.el6: parsed as 2.6.32, el6 build 754" \
	[ "$(json "$T/l.json" "(j['parsed']['major'], j['parsed']['minor'], j['parsed']['patch'], j['parsed']['distro'], j['parsed']['build'])")" = "(2, 6, 32, 'el6', 754)" ]

check "lookup 6.1.0: exit 0" look 6.1.0
check "6.1.0: glibc-getpid-cache basis libc, expect unknown" \
	[ "$(ex glibc-getpid-cache basis) $(ex glibc-getpid-cache)" = "libc unknown" ]
check "6.1.0: ... with the glibc ranges (affected before 2.25)" \
	[ "$(json "$T/l.json" "[(r['range'], r['expect']) for r in j['behaviours']['glibc-getpid-cache']['libc_expect']][0]")" = "('glibc 2.0 <= v < 2.25', 'affected')" ]

# every behaviour of kernels.json is answered, each with a known expectation word
check "every kernels.json behaviour has an expectation" python3 - "$NSPROBE_KERNELS" "$T/l.json" <<'EOF'
import json, sys
kb, l = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert sorted(kb["behaviours"]) == sorted(l["behaviours"]), (sorted(kb["behaviours"]), sorted(l["behaviours"]))
for b, e in l["behaviours"].items():
    assert e["expect"] in ("affected", "not-affected", "untestable", "unknown"), (b, e["expect"])
    assert e["severity"] in ("problem", "semantics") and e["title"], b
EOF

# --- 2. real release strings parse --------------------------------------------------
for r in 3.10.0-1160.el7.x86_64 4.4.0-210-generic 5.15.0-1019-aws 6.1.0-27-cloud-amd64 \
	 4.9.337 6.18.44-fc-v595 3.10.0-229.el7.x86_64 5.15.90.1-microsoft-standard-WSL2 \
	 5.10.0-0.bpo.15-amd64 6.5.0-rc1+ "$(uname -r)"; do
	check "lookup $r: exit 0" look "$r"
	check "lookup $r: echoes the release" [ "$(json "$T/l.json" "j['release']")" = "$r" ]
	num=$(sed 's/[^0-9.].*//; s/\.$//' <<<"$r" | cut -d. -f1-3)
	check "lookup $r: parsed as $num" \
		[ "$(json "$T/l.json" "'%d.%d.%d' % (j['parsed']['major'], j['parsed']['minor'], j['parsed']['patch'])")" = "$num" ]
done
look 3.10.0-1160.el7.x86_64
check "3.10.0-1160.el7: build 1160, distro el7" \
	[ "$(json "$T/l.json" "(j['parsed']['build'], j['parsed']['distro'])")" = "(1160, 'el7')" ]
check "3.10.0-1160.el7: unshare-multithread-einval not-affected (RHEL 7 backported 6e556ce209b0; more in el7.sh)" \
	[ "$(ex unshare-multithread-einval)" = not-affected ]

# the human table: one line per behaviour, the exit status the same
"$NSPROBE" lookup 3.10.0 > "$T/human.txt"
check "human lookup 3.10.0: exit 0" [ $? = 0 ]
check "human lookup 3.10.0: unshare-multithread-einval affected" \
	grep -qE '^ +affected +problem +unshare-multithread-einval ' "$T/human.txt"
check "human lookup 3.10.0: says the release is evidence, not a verdict" grep -q 'evidence' "$T/human.txt"

# --- 3. garbage: exit 2, one clear line naming the input --------------------------
# garbage DESC ARGS...: nsprobe lookup ARGS exits 2 with one 'nsprobe: ' line and no stdout;
# a usage error (USAGE=1) adds the line "Try 'nsprobe lookup --help' ..."
garbage() {
	local d=$1 rc lines=$((1 + ${USAGE:-0})); shift
	"$NSPROBE" lookup "$@" > "$T/g.out" 2> "$T/g.err"
	rc=$?
	check "lookup $d: exit 2 (got $rc): $(head -1 "$T/g.err")" [ "$rc" = 2 ]
	check "lookup $d: $lines line(s) on stderr, nothing on stdout" \
		bash -c "[ \$(wc -l < '$T/g.err') = $lines ] && head -1 '$T/g.err' | grep -q '^nsprobe: ' && [ ! -s '$T/g.out' ]"
	[ "$lines" = 1 ] || check "lookup $d: then the Try line" grep -q "^Try 'nsprobe lookup --help'" "$T/g.err"
}
for r in "" abc 3 99999999999.1.2 "3.10;rm" "3.10.0 extra" " 3.10.0" "3.x" "v3.10.0" \
	 '3.10.0$(id)' "3.10.0/../../etc" $'3.10.0\n' "0.1" "3.10.99999999999"; do
	garbage "$(printf '%q' "$r")" "$r"
	check "... the message says it is not a kernel release" grep -q 'is not a kernel release' "$T/g.err"
done
check "the message for '3.10;rm' names the character" grep -qF "unexpected character ';'" <("$NSPROBE" lookup '3.10;rm' 2>&1)
check "the message for '' says empty" grep -q "empty" <("$NSPROBE" lookup '' 2>&1)
check "the message for 99999999999.1.2 says out of range" grep -q "out of range" <("$NSPROBE" lookup 99999999999.1.2 2>&1)
USAGE=1 garbage "(no release)"
USAGE=1 garbage "two releases" 3.10.0 4.9.0
USAGE=1 garbage "--bogus" --bogus 3.10.0
USAGE=1 garbage "-3.10 (an option, not a release)" -3.10
check "... the message says a release never starts with '-'" grep -q "never starts with '-'" "$T/g.err"
# --json FILE writes the same document as --json - (as every --json does), atomically
"$NSPROBE" lookup 3.10.0 --json - > "$T/stdout.json"
"$NSPROBE" lookup 3.10.0 --json "$T/x.json" > "$T/x.out"
check "lookup --json FILE: writes the file, nothing on stdout" bash -c "[ -s '$T/x.json' ] && [ ! -s '$T/x.out' ]"
check "lookup --json FILE: the same JSON as --json -" cmp -s "$T/stdout.json" "$T/x.json"
garbage "--json into a missing directory" 3.10.0 --json "$T/missing/x.json"
check "... and wrote no file" [ ! -e "$T/missing" ]
check "lookup --help: exit 0" bash -c "'$NSPROBE' lookup --help | grep -q '^usage: nsprobe lookup'"
echo "$checks checks passed"
