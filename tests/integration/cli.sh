#!/bin/bash
# cli.sh - the command-line convention (issue 13; report/cli.c) and human output
# on a terminal (report/term.c).  Every subcommand x (-h, --help, --version, an
# unknown option, a missing operand or option argument): exit status and the
# number of lines on stderr; `help CMD` is `CMD --help`; help lists what the
# parser accepts; options after operands; `list --json FILE`; `--only` with
# `--replay`; colour and wrapping on a pseudo-terminal (util-linux's `script`,
# Debian's Essential package bsdutils) and neither on a pipe.  Probes nothing:
# every command that would probe is given --replay or --no-probe.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
command -v python3 >/dev/null || skip "python3 needed to parse the JSON"
export NSPROBE_KERNELS=${NSPROBE_KERNELS:-$TOP/kernels.json}
REPLAY=$TOP/tests/replay/captured-3.10.46   # recorded on a real 3.10.46 host
[ -d "$REPLAY" ] || fail "missing replay $REPLAY"
CMDS="run list lookup explain go qualify merge exec"
VERSION=$("$NSPROBE" --version)
check "nsprobe --version: 'nsprobe X.Y.Z' ($VERSION)" grep -qE '^nsprobe [0-9]+\.[0-9]+' <<<"$VERSION"

# expect DESC RC ERRLINES ARGS...: nsprobe ARGS exits RC with ERRLINES lines on stderr
expect() {
	local d=$1 want_rc=$2 want_lines=$3 rc; shift 3
	"$NSPROBE" "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	check "$d: exit $want_rc (got $rc), $want_lines line(s) on stderr (got $(wc -l < "$T/err"): $(head -1 "$T/err"))" \
		[ "$rc" = "$want_rc" -a "$(wc -l < "$T/err")" = "$want_lines" ]
}
# usage_error DESC CMD ARGS...: exit 2, "nsprobe: CMD: ..." then the Try line, nothing on stdout
usage_error() {
	local d=$1 cmd=$2; shift 2
	expect "$d" 2 2 "$@"
	check "$d: 'nsprobe: $cmd: ...' then the Try line" bash -c \
		"head -1 '$T/err' | grep -q '^nsprobe: $cmd: ' &&
		 [ \"\$(tail -1 '$T/err')\" = \"Try 'nsprobe $cmd --help' for more information.\" ]"
	check "$d: nothing on stdout" [ ! -s "$T/out" ]
}

# --- 1. the table: every subcommand x -h, --help, --version, unknown option, missing operand
for c in $CMDS; do
	for h in -h --help; do
		expect "$c $h" 0 0 "$c" "$h"
		check "$c $h: stdout starts 'usage: nsprobe $c'" grep -q "^usage: nsprobe $c " <(head -1 "$T/out")
		cp "$T/out" "$T/help.$c"
	done
	expect "$c --version" 0 0 "$c" --version
	check "$c --version: prints the version" [ "$(cat "$T/out")" = "$VERSION" ]
	usage_error "$c --no-such-option" "$c" "$c" --no-such-option
	check "... names the option" grep -qF -- "--no-such-option" "$T/err"
	usage_error "$c -Z" "$c" "$c" -Z
	# a missing option argument: every command has --kernels FILE but merge (-o FILE) and exec (-N)
	case $c in merge) opt=-o ;; exec) opt=-N ;; *) opt=--kernels ;; esac
	usage_error "$c $opt (no argument)" "$c" "$c" "$opt"
	check "... says it needs an argument" grep -q -- "$opt needs an argument" "$T/err"
done
# a missing operand
for c in lookup explain go qualify merge exec; do
	usage_error "$c (no operand)" "$c" "$c"
	check "... says what is missing: $(head -1 "$T/err")" grep -qE "no [A-Z]+|no kernel IMAGE" "$T/err"
done
# an operand where none is taken, one too many
usage_error "list EXTRA" list list extra
usage_error "run EXTRA" run run extra
usage_error "lookup R1 R2" lookup lookup 3.10.0 4.9.0
usage_error "go B1 B2" go go /bin/true /bin/false
# bad option values, found after parsing: the same one line plus Try
usage_error "run --timeout abc" run run --timeout abc
usage_error "run -j 0" run run -j 0
usage_error "run --color=sometimes" run run --color=sometimes
usage_error "merge --format xml" merge merge --format xml x.json
usage_error "qualify --accel xyz" qualify qualify --accel xyz /boot/vmlinuz
usage_error "run --quiet=yes (a flag given an argument)" run run --quiet=yes
# the top level: one line plus Try, not the whole usage
expect "nsprobe no-such-command" 2 2 no-such-command
check "... says unknown command and Try 'nsprobe --help'" bash -c \
	"grep -q \"^nsprobe: unknown command 'no-such-command'\" '$T/err' && grep -q \"^Try 'nsprobe --help'\" '$T/err'"
expect "nsprobe help no-such-command" 2 2 help no-such-command
expect "nsprobe --help" 0 0 --help
cp "$T/out" "$T/top.help"
expect "nsprobe help" 0 0 help
check "nsprobe help = nsprobe --help" cmp -s "$T/out" "$T/top.help"
expect "nsprobe --version" 0 0 --version
expect "nsprobe --no-such-option (run's parser)" 2 2 --no-such-option

# --- 2. help CMD is CMD --help; help lists every option the parser accepts -------------
for c in $CMDS; do
	"$NSPROBE" help "$c" > "$T/helpcmd" 2>&1
	check "nsprobe help $c = nsprobe $c --help" cmp -s "$T/helpcmd" "$T/help.$c"
	# every option in the help is accepted (never "unknown option").  Nothing may run: the
	# option comes last (one that takes an argument then lacks it), after operands that
	# are too many for the command (a flag is then followed by an operand error)
	case $c in run|list) extra=x ;; lookup|go) extra="x y" ;; *) extra= ;; esac
	for o in $(awk '/^  +-/ { for (i = 1; i <= 2; i++) if ($i ~ /^-/) { sub(/[,[].*/, "", $i); print $i } }' \
			"$T/help.$c" | sort -u); do
		# shellcheck disable=SC2086
		"$NSPROBE" "$c" $extra "$o" < /dev/null > /dev/null 2> "$T/err"
		rc=$?
		check "$c: $o from its help is accepted by the parser (exit $rc: $(head -1 "$T/err"))" \
			bash -c "[ $rc = 0 -o $rc = 2 ] && ! grep -q 'unknown option' '$T/err'"
	done
done
# the names users' scripts rely on (DESIGN.md, README) are all in the help
want() { local c=$1; shift; for o in "$@"; do check "$c --help lists $o" grep -qE -- "(^| )$o[ ,=[]" "$T/help.$c"; done; }
want run --json --format -o --output --only --timeout --kernels --probe-dir --require --replay -j --jobs -q --quiet --color
want list --kernels --json
want lookup --kernels --json
want explain --json --no-probe --kernels --probe-dir --timeout
want go --json --report --kernel --replay --kernels --probe-dir --timeout
want qualify --json --timeout -j --append --accel --kernels --write-initramfs --save-console -v --verbose
want merge -f --format -o --output
want exec -N --levels -F --count --mount-proc --as-init
for c in $CMDS; do want "$c" -h --help --version; done

# --- 3. options before or after operands ------------------------------------------------
TEXT='fork: Cannot allocate memory'
"$NSPROBE" explain --no-probe --json - "$TEXT" > "$T/before.json" 2> "$T/err"
check "explain --no-probe --json - TEXT: exit 0" [ $? = 0 ]
"$NSPROBE" explain "$TEXT" --no-probe --json - > "$T/after.json" 2> "$T/err"
check "explain TEXT --no-probe --json -: exit 0 ($(head -1 "$T/err"))" [ $? = 0 ]
# the same result (the environment names the process's own pid, which differs)
same_result() { json "$1" "json.dumps({k: v for k, v in j.items() if k != 'environment'}, sort_keys=True)"; }
check "... the same result" cmp -s <(same_result "$T/before.json") <(same_result "$T/after.json")
check "... and nothing was probed" [ "$(json "$T/after.json" "j['probed']")" = False ]
"$NSPROBE" explain -- "-bash: fork: Cannot allocate memory" --no-probe > "$T/dash.txt" 2> "$T/err"
check "explain -- '-bash: ...': text after -- is text, even '--no-probe'" \
	grep -q '^text: -bash: fork: Cannot allocate memory --no-probe$' "$T/dash.txt"
usage_error "explain '-bash: fork...' without --" explain explain "-bash: fork: Cannot allocate memory" --no-probe
check "... the message says text starting with '-' goes after '--'" grep -q "after '--'" "$T/err"
# exec stops at its first operand: what follows is CMD's, even --help (nothing of nsprobe's runs
# it: the command does not exist; creating the namespace needs root)
usage_error "exec -N 2 -l (an unknown option before CMD)" exec exec -N 2 -l
if [ "$(id -u)" = 0 ]; then
	"$NSPROBE" exec -N 1 /nonexistent-i13b --help > "$T/out" 2> "$T/err"
	rc=$?
	check "exec CMD --help: --help is CMD's (exit 127: CMD not found; got $rc)" [ "$rc" = 127 ]
	check "... and no usage of nsprobe's printed" bash -c "! grep -q '^usage:' '$T/out' '$T/err'"
fi
"$NSPROBE" lookup 3.10.0 --json - > "$T/a.json" && "$NSPROBE" lookup --json - 3.10.0 > "$T/b.json"
check "lookup RELEASE --json - = lookup --json - RELEASE" cmp -s "$T/a.json" "$T/b.json"
"$NSPROBE" --json "$T/o1.json" --replay "$REPLAY" --quiet; "$NSPROBE" run --replay "$REPLAY" --quiet --json "$T/o2.json"
check "run: option order does not matter" cmp -s <(json "$T/o1.json" "j['kernels']") <(json "$T/o2.json" "j['kernels']")
"$NSPROBE" merge "$T/o1.json" -o "$T/m.md" --format markdown 2> "$T/err"
check "merge REPORT -o FILE --format markdown: wrote the table ($(head -1 "$T/err"))" grep -q '^| kernel |' "$T/m.md"

# --- 4. list --json FILE works like every other --json ----------------------------------
"$NSPROBE" list --json - > "$T/list.stdout.json"
expect "list --json FILE" 0 0 list --json "$T/list.json"
check "... nothing on stdout" [ ! -s "$T/out" ]
check "... the file is what --json - prints" cmp -s "$T/list.json" "$T/list.stdout.json"
check "... it names the probes and behaviours" \
	[ "$(json "$T/list.json" "('unshare_multi' in j['probes'], 'unshare-multithread-einval' in j['behaviours'])")" = "(True, True)" ]
expect "list --json into a missing directory" 2 1 list --json "$T/missing/l.json"

# --- 5. --only applies to --replay ------------------------------------------------------
"$NSPROBE" --replay "$REPLAY" --json "$T/all.json" --quiet
"$NSPROBE" --replay "$REPLAY" --only unshare_single,unshare_multi --json "$T/only.json" --quiet
rc=$?
e() { json "$1" "list(j['kernels'].values())[0]$2"; }
check "the whole replay has 8 probes" [ "$(e "$T/all.json" "['probes'].__len__()")" = 8 ]
check "--replay --only P,Q: only those probes in the report" \
	[ "$(json "$T/only.json" "sorted(list(j['kernels'].values())[0]['probes'])")" = '["unshare_multi", "unshare_single"]' ]
check "... their behaviours judged as before" \
	[ "$(e "$T/only.json" "['behaviours']['unshare-multithread-einval']['status']")" = affected ]
check "... the others are untestable: not run" \
	[ "$(e "$T/only.json" "['behaviours']['glibc-getpid-cache']['cause']['cause']")" = not-run ]
check "... exit 1 (a problem behaviour affected; got $rc)" [ "$rc" = 1 ]
expect "--replay --only bogus" 2 1 --replay "$REPLAY" --only bogus

# --- 6. colour and wrapping on a terminal, neither on a pipe -------------------------------
command -v script >/dev/null || skip "util-linux script (bsdutils) is needed for a pseudo-terminal"
# pty FILE [VAR=VALUE...] -- ARGS...: nsprobe ARGS on a pseudo-terminal whose size is unset
# (stty cols 0: TIOCGWINSZ says 0, so COLUMNS decides), its output without the CRs into FILE
pty() {
	local out=$1 env=(); shift
	while [ "$1" != -- ]; do env+=("$1"); shift; done; shift
	env -u NO_COLOR TERM=xterm "${env[@]}" script -qec "stty cols 0 rows 0; $(printf '%q ' "$NSPROBE" "$@")" /dev/null \
		< /dev/null | tr -d '\r' > "$out"
}
ESC=$'\033'
has_colour() { grep -q "${ESC}\[[0-9;]*m" "$1"; }
pty "$T/tty.txt" COLUMNS=80 -- --replay "$REPLAY"
check "on a pty: the report is there" grep -q '^verdict: ' <(sed "s/${ESC}\[[0-9;]*m//g" "$T/tty.txt")
check "on a pty: status words in colour" has_colour "$T/tty.txt"
check "on a pty: 'affected' (a problem) is red" grep -qF "${ESC}[1;31maffected${ESC}[0m" "$T/tty.txt"
check "on a pty: 'not-affected' is green" grep -qF "${ESC}[32mnot-affected${ESC}[0m" "$T/tty.txt"
pty "$T/nocolor.txt" COLUMNS=80 NO_COLOR=1 -- --replay "$REPLAY"
check "on a pty with NO_COLOR=1: no colour" bash -c "! grep -q '$ESC' '$T/nocolor.txt'"
pty "$T/never.txt" COLUMNS=80 -- --replay "$REPLAY" --color=never
check "on a pty with --color=never: no colour" bash -c "! grep -q '$ESC' '$T/never.txt'"
pty "$T/always.txt" COLUMNS=80 NO_COLOR=1 -- --replay "$REPLAY" --color=always
check "on a pty with NO_COLOR=1 --color=always: colour (the option wins)" has_colour "$T/always.txt"
pty "$T/dumb.txt" COLUMNS=80 TERM=dumb -- --replay "$REPLAY"
check "on a pty with TERM=dumb: no colour" bash -c "! grep -q '$ESC' '$T/dumb.txt'"
for c in "lookup 3.10.0" "explain --no-probe fork: Cannot allocate memory"; do
	# shellcheck disable=SC2086
	pty "$T/c.txt" COLUMNS=80 -- $c
	check "on a pty: $c in colour too" has_colour "$T/c.txt"
done
"$NSPROBE" --replay "$REPLAY" > "$T/pipe.txt" 2> /dev/null
check "on a pipe: no colour" bash -c "! grep -q '$ESC' '$T/pipe.txt'"
check "on a pipe: not wrapped (the long advice lines are whole: $(wc -L < "$T/pipe.txt") columns)" \
	[ "$(wc -L < "$T/pipe.txt")" -gt 80 ]
"$NSPROBE" --replay "$REPLAY" --color=always > "$T/pipe-always.txt" 2> /dev/null
check "on a pipe with --color=always: colour" has_colour "$T/pipe-always.txt"
check "... but not wrapped" [ "$(wc -L < "$T/pipe-always.txt")" -gt 80 ]

# the human summary written to a file with --output: plain, even when stdout is a terminal
pty "$T/o.txt" COLUMNS=80 -- --replay "$REPLAY" --output "$T/human.txt"
check "--output FILE from a pty: the human summary, not coloured, not wrapped" bash -c \
	"grep -q '^verdict: ' '$T/human.txt' && ! grep -q '$ESC' '$T/human.txt' && [ \$(wc -L < '$T/human.txt') -gt 80 ]"

# widest LINE-FILE: the longest line in visible columns (colour codes take none)
widest() { sed "s/${ESC}\[[0-9;]*m//g" "$1" | wc -L; }
words() { sed "s/${ESC}\[[0-9;]*m//g" "$1" | tr -s ' \n' '\n\n'; }
for c in "--replay $REPLAY" "list" "lookup 3.10.0" "explain --no-probe fork: Cannot allocate memory" "run --help"; do
	# shellcheck disable=SC2086
	pty "$T/w.txt" COLUMNS=80 -- $c
	# shellcheck disable=SC2086
	"$NSPROBE" $c > "$T/p.txt" 2> /dev/null
	check "COLUMNS=80 on a pty: nsprobe $c: no line longer than 80 (widest $(widest "$T/w.txt"))" \
		[ "$(widest "$T/w.txt")" -le 80 ]
	check "... the same words as on a pipe (only the line breaks differ)" cmp -s <(words "$T/w.txt") <(words "$T/p.txt")
done
pty "$T/w.txt" COLUMNS=60 -- --replay "$REPLAY"
check "COLUMNS=60: no line longer than 60 (widest $(widest "$T/w.txt"))" [ "$(widest "$T/w.txt")" -le 60 ]
# the terminal's own size (TIOCGWINSZ) comes before COLUMNS
env -u NO_COLOR TERM=xterm COLUMNS=60 script -qec "stty cols 100 rows 30; $(printf '%q ' "$NSPROBE" --replay "$REPLAY")" \
	/dev/null < /dev/null | tr -d '\r' > "$T/w.txt"
check "a 100-column pty with COLUMNS=60: wraps at 100 (widest $(widest "$T/w.txt"))" \
	[ "$(widest "$T/w.txt")" -le 100 -a "$(widest "$T/w.txt")" -gt 60 ]
pty "$T/w.txt" -- --replay "$REPLAY"
check "no size and no COLUMNS: 80 (widest $(widest "$T/w.txt"))" [ "$(widest "$T/w.txt")" -le 80 ]
# machine output is never wrapped, even on a terminal
pty "$T/j.txt" COLUMNS=80 -- --replay "$REPLAY" --json -
check "--json - on a pty: not wrapped, valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/j.txt"
check "... with its long lines whole ($(wc -L < "$T/j.txt"))" [ "$(wc -L < "$T/j.txt")" -gt 80 ]
echo "$checks checks passed"
