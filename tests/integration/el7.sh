#!/bin/bash
# el7.sh - RHEL/CentOS 7 (issue 11).  `nsprobe lookup` for el7 builds: up to 514 as
# mainline 3.10, from 1062 on fixed, in between unknown, each with its source; the
# release variants (z-stream, centos.plus, real-time) match the el7 rules and the
# 4.14 el7a kernel does not.  Then the two captured recordings
# (tests/replay/captured-*: real kernels booted under qemu, copied unchanged from
# the shared replays) judged: 3.10.46 refuses a multi-threaded unshare as its
# release says, and its one disagreement (vfork after unshare works) is named in
# `differs` and said in words under one heading; the 3.10.0-1160.el7 kernel
# agrees with the el7 rules everywhere.  Nothing is probed; no root needed.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
command -v python3 >/dev/null || skip "python3 needed to parse the JSON"
export NSPROBE_KERNELS=${NSPROBE_KERNELS:-$TOP/kernels.json}

bp() { json "$T/l.json" "'backport' in j['behaviours']['$1']"; }

# --- 1. the four builds: multithread rule and nesting errno, each with its source ---
# build  multithread   nesting errno  transient
while read -r build mt errno tr; do
	r=3.10.0-$build.el7.x86_64
	check "lookup $r: exit 0" look "$r"
	check "$r: unshare-multithread-einval $mt" [ "$(ex unshare-multithread-einval)" = "$mt" ]
	check "$r: unshare-transient-einval $tr" [ "$(ex unshare-transient-einval)" = "$tr" ]
	if [ "$errno" = unknown ]; then
		check "$r: pidns-nesting-limit unknown" [ "$(ex pidns-nesting-limit)" = unknown ]
		check "$r: ... no errno expected" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = None ]
	else
		check "$r: nesting errno $errno" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = "$errno" ]
	fi
	for b in unshare-multithread-einval unshare-transient-einval pidns-nesting-limit; do
		check "$r: $b comes from an el7 entry" [ "$(bp $b)" = True ]
		check "$r: $b says where it comes from" [ -n "$(ex $b source)" ]
	done
	case $build in
	514) check "$r: source is the 514 tree" grep -q 'Shun-Hao/linux-3.10.0-514.el7' <<<"$(ex unshare-multithread-einval source)" ;;
	1062|1160) check "$r: source names the 1062/1127/1160 trees" \
			grep -q 'dcui/RHEL77.*jiho-dev/linux-3.10.0-1127.*tremb1e/linux-3.10.0-1160.el7' <<<"$(ex unshare-multithread-einval source)"
		check "$r: ... and the booted 1160 recording" grep -q 'captured-3.10.0-1160.el7' <<<"$(ex pidns-nesting-limit source)" ;;
	957) check "$r: no source for 515-1061" grep -q 'no el7 source tree between 514 and 1062' <<<"$(ex unshare-multithread-einval source)"
		check "$r: the second-hand 905 is noted, not used" \
			grep -q '905.*not used as a verdict' <<<"$(json "$T/l.json" "j['behaviours']['unshare-multithread-einval']['backport']['notes']")" ;;
	esac
done <<'EOF'
1160 not-affected ENOSPC not-affected
1062 not-affected ENOSPC not-affected
514 affected EINVAL affected
957 unknown unknown unknown
EOF

# behaviours no el7 source covers are unknown, not the mainline 3.10 answer
look 3.10.0-1062.el7.x86_64
for b in thread-after-pidns-change-einval clone-parent-after-setns-einval fork-after-init-exit-enomem; do
	check "3.10.0-1062.el7: $b unknown (no el7 source)" [ "$(ex $b)" = unknown ]
done
look 3.10.0-514.el7.x86_64
check "3.10.0-514.el7: clone-parent-after-setns-einval unknown, not mainline 3.10's affected" \
	[ "$(ex clone-parent-after-setns-einval)" = unknown ]
# what the booted 1160 measured is its build's expectation
look 3.10.0-1160.el7.x86_64
check "3.10.0-1160.el7: clone-parent-after-setns-einval not-affected (measured)" \
	[ "$(ex clone-parent-after-setns-einval)" = not-affected ]
check "3.10.0-1160.el7: vfork after unshare expected ok" \
	[ "$(exv thread-after-pidns-change-einval thread_after_unshare.vfork)" = ok ]

# --- 2. release variants ----------------------------------------------------------
for r in 3.10.0-1160.119.1.el7.x86_64 3.10.0-1160.el7.centos.plus.x86_64 3.10.0-1160.rt56.1131.el7.x86_64; do
	check "lookup $r: exit 0" look "$r"
	check "$r: build 1160, distro el7" \
		[ "$(json "$T/l.json" "(j['parsed']['build'], j['parsed']['distro'])")" = "(1160, 'el7')" ]
	check "$r: matches the el7 rule (multithread not-affected)" [ "$(ex unshare-multithread-einval)" = not-affected ]
	check "$r: ... through the el7 backport entry" [ "$(bp unshare-multithread-einval)" = True ]
	check "$r: nesting ENOSPC" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = ENOSPC ]
done
r=4.14.0-115.el7a.aarch64
check "lookup $r: exit 0" look "$r"
check "$r: parsed as 4.14.0 build 115, distro el7a" \
	[ "$(json "$T/l.json" "(j['parsed']['major'], j['parsed']['minor'], j['parsed']['build'], j['parsed']['distro'])")" = "(4, 14, 115, 'el7a')" ]
check "$r: no el7 (3.10) entry matches any behaviour" \
	[ "$(json "$T/l.json" "[b for b, e in j['behaviours'].items() if 'backport' in e]")" = "[]" ]
check "$r: the mainline 4.14 answers (nesting ENOSPC from 4.9)" [ "$(exv pidns-nesting-limit nest_depth.limit_errno)" = ENOSPC ]

# the human table names the el7 range and its source
"$NSPROBE" lookup 3.10.0-957.el7.x86_64 > "$T/h.txt" || fail "human lookup exit $?"
check "human lookup 957: unknown, RHEL/CentOS 7 build 515-1061" \
	grep -qE '^ +unknown +problem +unshare-multithread-einval +RHEL/CentOS 7 \(3\.10\.0-BUILD\.el7\), build 515-1061: ' "$T/h.txt"

# --- 3. the captured recordings ----------------------------------------------------
R=$TOP/tests/replay
for c in 3.10.46 3.10.0-1160.el7; do
	check "captured-$c is an exact copy of the shared recording (when it is here)" \
		bash -c "s=/work/shared/replays/$c; [ -d \$s ] || s=\${s}.x86_64; [ ! -d \$s ] || diff -r \$s '$R/captured-$c' >/dev/null"
done
"$NSPROBE" run --replay "$R/captured-3.10.46" --json "$T/46.json" > "$T/46.txt"; rc=$?
check "3.10.46: exit 1 (a problem behaviour affected; got $rc)" [ "$rc" = 1 ]
K="j['kernels']['3.10.46']['behaviours']"
st() { json "$1" "$K['$2'].get('$3')"; }
check "3.10.46: unshare-multithread-einval affected" [ "$(st "$T/46.json" unshare-multithread-einval status)" = affected ]
check "3.10.46: ... agreeing with the release" [ "$(st "$T/46.json" unshare-multithread-einval agrees_with_release)" = True ]
check "3.10.46: unshare-transient-einval affected" [ "$(st "$T/46.json" unshare-transient-einval status)" = affected ]
check "3.10.46: nesting EINVAL" [ "$(json "$T/46.json" "$K['pidns-nesting-limit']['observed']['nest_depth.limit_errno']")" = EINVAL ]
check "3.10.46: clone-parent affected through newpid_parent" \
	[ "$(st "$T/46.json" clone-parent-after-setns-einval evidence)" = "thread_after_setns.newpid_parent=EINVAL" ]
check "3.10.46: thread-after-pidns-change-einval disagrees" \
	[ "$(st "$T/46.json" thread-after-pidns-change-einval agrees_with_release)" = False ]
check "3.10.46: differs names thread_after_unshare.vfork" \
	[ "$(st "$T/46.json" thread-after-pidns-change-einval differs)" = '["thread_after_unshare.vfork"]' ]
check "3.10.46: every agreeing behaviour has an empty differs, every null one none" \
	[ "$(json "$T/46.json" "sorted((b, e.get('differs')) for b, e in $K.items() if e['agrees_with_release'] is not False)")" = \
	  "$(json "$T/46.json" "sorted((b, [] if e['agrees_with_release'] else None) for b, e in $K.items() if e['agrees_with_release'] is not False)")" ]
check "3.10.46 human: one heading for the disagreements" \
	[ "$(grep -c 'differs from what the release predicts' "$T/46.txt")" = 1 ]
check "3.10.46 human: says which part differs, in words" \
	grep -q "vfork after unshare works here; 3.10.0 refuses it: a stable backport, e.g. 3.10.y carries e79f525e99b0's change" "$T/46.txt"
check "3.10.46 human: not the old 'predicts affected, says affected' note" \
	bash -c "! grep -q 'the release predicts affected, the kernel says affected' '$T/46.txt'"
sed -n '/differs from what the release predicts/,/^$/p' "$T/46.txt" > "$T/46.dis"
check "3.10.46 human: the heading lists one behaviour" [ "$(grep -cE '^    [a-z]' "$T/46.dis")" = 1 ]
check "3.10.46 human: ... thread-after-pidns-change-einval, whose status agrees" \
	grep -q '^    thread-after-pidns-change-einval: affected, as the release predicts, but:' "$T/46.dis"

"$NSPROBE" run --replay "$R/captured-3.10.0-1160.el7" --json "$T/el7.json" > "$T/el7.txt"; rc=$?
K="j['kernels']['3.10.0-1160.el7.x86_64']['behaviours']"
check "1160.el7: exit 0 (got $rc)" [ "$rc" = 0 ]
check "1160.el7: unshare-multithread-einval not-affected" [ "$(json "$T/el7.json" "$K['unshare-multithread-einval']['status']")" = not-affected ]
check "1160.el7: ... agreeing with the el7 rule" [ "$(json "$T/el7.json" "$K['unshare-multithread-einval']['agrees_with_release']")" = True ]
check "1160.el7: nesting ENOSPC" [ "$(json "$T/el7.json" "$K['pidns-nesting-limit']['observed']['nest_depth.limit_errno']")" = ENOSPC ]
check "1160.el7: nesting agrees with the release" [ "$(json "$T/el7.json" "$K['pidns-nesting-limit']['agrees_with_release']")" = True ]
check "1160.el7: no behaviour disagrees with its release" \
	[ "$(json "$T/el7.json" "[b for b, e in $K.items() if e['agrees_with_release'] is False]")" = "[]" ]
check "1160.el7 human: no disagreement heading" bash -c "! grep -q 'differs from what the release predicts' '$T/el7.txt'"
echo "$checks checks passed"
