#!/bin/bash
# probes.sh - the eight probes of DESIGN.md run by hand, as a person would
# (cd build/probe && ./NAME), on the real kernel: each exits 0, prints only
# key=value lines, and prints the values this kernel really gives (issue 2,
# "What it must show"; the values hold from 4.9 on: CLONE_THREAD rule 4.3,
# ENOSPC at the nesting limit 4.9, ENOMEM after init exit 3.8).  The same for
# the static musl builds (C-library keys aside).  Also: each probe source opens
# with what it checks and cites a kernel commit.
. "$(dirname "$0")/../lib.sh"

NAMES="unshare_single unshare_multi unshare_transient thread_after_unshare
       thread_after_setns nest_depth reaper_death getpid_cache"
[ "$(id -u)" = 0 ] || skip "needs root (CAP_SYS_ADMIN) to create PID namespaces"
for p in $NAMES; do
	[ -x "$PROBES/$p" ] || fail "$PROBES/$p not built (make test-build)"
done
kver=$(uname -r | sed 's/[^0-9.].*//')
at_least() { printf '%s\n%s\n' "$1" "$kver" | sort -V -C; }

# --- 1. the sources: a header that says what and why, with a commit id --------
for p in $NAMES; do
	f=$TOP/probe/$p.c
	head=$(awk '{ print } /\*\// { exit }' "$f")
	check "probe/$p.c opens with '/* $p - <what it checks>'" \
		grep -qE "^/\* $p - [A-Za-z(]" <<<"$head"
	ids=$(grep -oE '\b[0-9a-f]{12,40}\b' <<<"$head" | sort -u)
	check "probe/$p.c header cites a commit id (12+ hex digits)" [ -n "$ids" ]
	# traceable: at least one of them is a commit the knowledge base lists
	known=0
	for id in $ids; do grep -q "\"id\": *\"$id" "$TOP/kernels.json" && known=1; done
	check "probe/$p.c header cites a commit that kernels.json lists ($(echo $ids))" [ $known = 1 ]
done

# --- 2. run by hand -------------------------------------------------------------
# run DIR NAME: cd DIR && ./NAME, in its own session, bounded; stdout to
# $T/NAME.<build>.out, and the exit status and wall time in ms to .rc / .ms.
run() {
	local dir=$1 p=$2 tag=$3 start end
	start=$(date +%s%N)
	(cd "$dir" && exec setsid timeout -k 2 60 "./$p") > "$T/$p.$tag.out" 2> "$T/$p.$tag.err"
	echo $? > "$T/$p.$tag.rc"
	end=$(date +%s%N)
	echo $(((end - start) / 1000000)) > "$T/$p.$tag.ms"
}
# expect FILE KEY VALUE: FILE has the line KEY=VALUE (shows the output when not)
expect() { grep -qx "$2=$3" "$1" || { echo "--- $1:"; cat "$1"; return 1; }; }
val() { sed -n "s/^$2=//p" "$1" | head -1; }

builds="gcc:$PROBES"
MUSL=$TOP/$BUILD/musl/probe
if [ -x "$MUSL/unshare_single" ]; then
	builds="$builds musl:$MUSL"
else
	echo "# no musl build in $MUSL (musl-tools missing): static probes not checked"
fi

for b in $builds; do
	tag=${b%%:*} dir=${b#*:}
	for p in $NAMES; do
		[ -x "$dir/$p" ] || fail "$dir/$p not built"
		run "$dir" "$p" "$tag"
		o=$T/$p.$tag.out
		check "$tag $p exits 0 (got $(cat "$T/$p.$tag.rc"); stderr: $(head -c 300 "$T/$p.$tag.err"))" \
			[ "$(cat "$T/$p.$tag.rc")" = 0 ]
		check "$tag $p prints only key=value lines" \
			bash -c "[ -s '$o' ] && ! grep -vqE '^[a-z][a-z0-9_]*=.*$' '$o'"
		check "$tag $p prints each key once" \
			bash -c "[ -z \"\$(cut -d= -f1 '$o' | sort | uniq -d)\" ]"
	done
	at_least 4.9 || { echo "# kernel $kver < 4.9: the exact values below are for 4.9+"; continue; }

	o=$T/unshare_single.$tag.out
	check "$tag unshare_single result=ok" expect "$o" result ok
	check "$tag unshare_single child_pid=1" expect "$o" child_pid 1
	check "$tag unshare_single unsharer_pid_unchanged=yes (the caller stays outside)" \
		expect "$o" unsharer_pid_unchanged yes
	check "$tag unshare_single second_child_pid=2 (a later child is not PID 1)" expect "$o" second_child_pid 2

	o=$T/unshare_multi.$tag.out
	for kv in main=ok from_thread=ok sibling_child_in_new_ns=no; do
		check "$tag unshare_multi $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done

	o=$T/thread_after_unshare.$tag.out
	for kv in thread=EINVAL vfork=ok fork_then_thread=ok; do
		check "$tag thread_after_unshare $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done

	o=$T/thread_after_setns.$tag.out
	for kv in thread=EINVAL fork_then_thread=ok clone_parent=ok newpid_parent=ok; do
		check "$tag thread_after_setns $kv" expect "$o" "${kv%%=*}" "${kv#*=}"
	done

	o=$T/nest_depth.$tag.out
	check "$tag nest_depth limit_errno=ENOSPC" expect "$o" limit_errno ENOSPC
	start=$(val "$o" start_level) depth=$(val "$o" depth)
	case $start in
	0) check "$tag nest_depth depth=32 (started in the initial namespace)" expect "$o" depth 32 ;;
	[1-9]*) check "$tag nest_depth depth=$depth from level $start: 32 levels in all" \
			[ $((depth + start)) = 32 ] ;;
	*) check "$tag nest_depth: start level hidden, so depth ($depth) is at most 32 and a lower bound is given" \
			bash -c "[ '$depth' -le 32 ] && grep -q '^start_level_min=[0-9]' '$o'" ;;
	esac

	o=$T/reaper_death.$tag.out
	check "$tag reaper_death members_killed=yes" expect "$o" members_killed yes
	check "$tag reaper_death fork_after_init_exit=ENOMEM" expect "$o" fork_after_init_exit ENOMEM

	o=$T/getpid_cache.$tag.out
	check "$tag getpid_cache stale=no" expect "$o" stale no
	libc=$(val "$o" libc)
	check "$tag getpid_cache prints libc ('$libc')" [ -n "$libc" ]
	if [ "$tag" = gcc ]; then
		want=$(getconf GNU_LIBC_VERSION 2>/dev/null)	# "glibc 2.36"
		[ -n "$want" ] && check "gcc getpid_cache libc is this host's C library ($want)" [ "$libc" = "$want" ]
	else
		check "musl getpid_cache libc names musl" grep -qx 'libc=musl.*' "$o"
	fi

	o=$T/unshare_transient.$tag.out
	check "$tag unshare_transient einval=0" expect "$o" einval 0
	# 4.9+ (3.12+): the deterministic step succeeds, so the race is not run
	check "$tag unshare_transient mm_sibling=ok" expect "$o" mm_sibling ok
	check "$tag unshare_transient decided_by=mm_sibling" expect "$o" decided_by mm_sibling
	check "$tag unshare_transient made no race attempts" expect "$o" attempts 0
	ms=$(cat "$T/unshare_transient.$tag.ms")
	check "$tag unshare_transient is bounded: ${ms} ms < 2000 ms" [ "$ms" -lt 2000 ]
done

# --- 3. both builds see the same kernel -----------------------------------------
# The C library's own keys (libc, pthread_create: musl maps clone errors to
# EAGAIN) and the run-dependent figures (pids, counts, times) aside.
if [ -x "$MUSL/unshare_single" ] && at_least 4.9; then
	same='^(result|child_pid|clone_newpid|main|from_thread|sibling_child_in_new_ns|vfork_child|thread|vfork|posix_spawn|fork_then_thread|clone_parent|newpid_parent|depth|limit_errno|members_killed|fork_after_init_exit|stale|einval)='
	for p in $NAMES; do
		check "$p: glibc and musl builds give the same kernel answers" \
			diff <(grep -E "$same" "$T/$p.gcc.out") <(grep -E "$same" "$T/$p.musl.out")
	done
fi
echo "$checks checks passed"
