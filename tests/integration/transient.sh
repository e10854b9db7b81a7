#!/bin/bash
# tests/integration/transient.sh - unshare_transient (issue 14, and issue 10's
# foreign /proc): the deterministic step decides on this kernel; the /proc reader
# works through descriptors the target opened itself, so a /proc that belongs to
# an outer PID namespace (`unshare --pid --fork` without --mount-proc) is
# measured, and no usable /proc at all is exit 4 naming it.  Nothing here may run
# into the probe's watchdog (NSPROBE_PROBE_ALARM=5 makes that fast and visible).
# Run with real util-linux unshare(1); both the glibc and the musl builds.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (CAP_SYS_ADMIN) to create PID and mount namespaces"
command -v unshare >/dev/null || skip "no unshare(1) (Debian package util-linux)"
kver=$(uname -r | sed 's/[^0-9.].*//')
printf '%s\n%s\n' 3.12 "$kver" | sort -V -C || skip "kernel $kver < 3.12: the exact values below are for 3.12+"

builds="gcc:$PROBES/unshare_transient"
[ -x "$TOP/$BUILD/musl/probe/unshare_transient" ] && builds="$builds musl:$TOP/$BUILD/musl/probe/unshare_transient"
export NSPROBE_PROBE_ALARM=5

# go TAG ENV-ASSIGNMENT... -- CMD...: run it, keep stdout, stderr, exit code.
go() {
	local tag=$1; shift
	env "$@" >"$T/$tag.out" 2>"$T/$tag.err"
	echo $? >"$T/$tag.rc"
}
has() { grep -qx "$2" "$T/$1.out" || { echo "--- $1.out:"; cat "$T/$1.out" "$T/$1.err"; return 1; }; }
num() { sed -n "s/^$2=//p" "$T/$1.out"; }
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ] || { echo "--- $1 exit $(cat "$T/$1.rc"):"; cat "$T/$1.out" "$T/$1.err"; return 1; }; }
no_watchdog() { ! grep -q watchdog "$T/$1.err"; }

for b in $builds; do
	name=${b%%:*} p=${b#*:}
	cp "$p" "$T/unshare_transient.$name" && p=$T/unshare_transient.$name

	# this host: the step succeeds, the race is not run
	go "$name.host" "$p"
	check "$name: by hand, exit 0" rc_is "$name.host" 0
	check "$name: decided_by=mm_sibling" has "$name.host" decided_by=mm_sibling
	check "$name: race not run (attempts=0) and says why" \
		bash -c "grep -qx attempts=0 '$T/$name.host.out' && grep -q '^race_reason=not run: ' '$T/$name.host.out'"

	# a /proc of the outer PID namespace: the step needs no /proc at all
	go "$name.outer" unshare --pid --fork "$p"
	check "$name: unshare --pid --fork (no --mount-proc): exit 0" rc_is "$name.outer" 0
	check "$name: ... decided_by=mm_sibling" has "$name.outer" decided_by=mm_sibling
	check "$name: ... no watchdog" no_watchdog "$name.outer"

	# the race itself under that /proc (forced: this kernel would skip it)
	go "$name.race" NSPROBE_TRANSIENT_RACE=1 unshare --pid --fork "$p"
	check "$name: forced race under an outer /proc: exit 0" rc_is "$name.race" 0
	check "$name: ... decided_by=race, race_forced=yes" \
		bash -c "grep -qx decided_by=race '$T/$name.race.out' && grep -qx race_forced=yes '$T/$name.race.out'"
	a=$(num "$name.race" attempts) r=$(num "$name.race" reader_reads)
	check "$name: ... attempts ($a) within the bound of 400" bash -c "[ '$a' -gt 0 ] && [ '$a' -le 400 ]"
	check "$name: ... the reader read the targets' /proc files ($r reads)" bash -c "[ '$r' -ge '$a' ]"
	check "$name: ... einval=0 on this kernel" has "$name.race" einval=0
	check "$name: ... no watchdog" no_watchdog "$name.race"

	# the same with the probe's own /proc mounted (the usual place)
	go "$name.own" NSPROBE_TRANSIENT_RACE=1 unshare --pid --fork --mount-proc "$p"
	check "$name: forced race under its own /proc (--mount-proc): exit 0" rc_is "$name.own" 0
	check "$name: ... the reader read" bash -c "[ \"\$(sed -n 's/^reader_reads=//p' '$T/$name.own.out')\" -gt 0 ]"

	# no /proc at all (a tmpfs over it in a private mount namespace): exit 4, named
	go "$name.noproc" NSPROBE_TRANSIENT_RACE=1 unshare --mount --pid --fork \
		sh -c 'mount -t tmpfs nsprobe-i14-noproc /proc && exec "$0"' "$p"
	check "$name: no /proc: exit 4 (not applicable)" rc_is "$name.noproc" 4
	check "$name: ... the reason names /proc" \
		bash -c "grep -q '^reason=no usable /proc/self (/proc not mounted' '$T/$name.noproc.out'"
	check "$name: ... no watchdog" no_watchdog "$name.noproc"
	# without the forced race the step alone decides, /proc or not
	go "$name.noproc2" unshare --mount --pid --fork \
		sh -c 'mount -t tmpfs nsprobe-i14-noproc /proc && exec "$0"' "$p"
	check "$name: no /proc, race not needed: exit 0, decided_by=mm_sibling" \
		bash -c "[ \"\$(cat '$T/$name.noproc2.rc')\" = 0 ] && grep -qx decided_by=mm_sibling '$T/$name.noproc2.out'"
done
echo "$checks checks passed"
