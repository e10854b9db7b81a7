#!/bin/bash
# manpage.sh - nsprobe(1) (issue 17): man/nsprobe.1 lints clean with mandoc,
# renders with man -l, documents every command that `nsprobe --help` lists and,
# for each command, exactly the options its --help defines (parsed from both by
# tests/helpers/optlist.py; the COMMON OPTIONS -h/--help/--version are documented
# once and left out of the per-command comparison), every NSPROBE_* variable
# the code reads, every output format and every exit status.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
command -v mandoc >/dev/null || skip "mandoc needed (Debian package mandoc; scripts/deps.sh test)"
command -v man >/dev/null || skip "man needed (Debian package man-db)"
MAN=$TOP/man/nsprobe.1
OPTLIST=$TOP/tests/helpers/optlist.py

check "mandoc -T lint -W warning prints nothing" \
	bash -c '[ -z "$(mandoc -T lint -W warning "$1" 2>&1)" ]' _ "$MAN"
check "man -l renders it" bash -c 'MANWIDTH=80 man -l "$1" > "$2" 2> "$2.err" && [ ! -s "$2.err" ]' _ "$MAN" "$T/man.txt"
check "the rendering has the NAME, SYNOPSIS and EXIT STATUS sections" \
	bash -c 'grep -q "^NAME" "$1" && grep -q "^SYNOPSIS" "$1" && grep -q "^EXIT STATUS" "$1"' _ "$T/man.txt"

python3 "$OPTLIST" man "$MAN" > "$T/man.opts" || fail "optlist.py man"
man_opts() { awk -v s="$1" '$1 == s && NF == 2 { print $2 }' "$T/man.opts" | sort -u; }
man_opts common > "$T/common"
check "COMMON OPTIONS documents -h, --help, --version and --color (all but merge)" \
	[ "$(tr '\n' ' ' < "$T/common")" = "--color --help --version -h " ]

# the commands: those `nsprobe --help` lists, and `help`
"$NSPROBE" --help > "$T/top.help" || fail "nsprobe --help exited non-zero"
python3 "$OPTLIST" commands < "$T/top.help" | grep -vx help | sort > "$T/cmds.help"
awk 'NF == 1 && $1 != "common" && $1 != "help"' "$T/man.opts" | sort > "$T/cmds.man"
[ -s "$T/cmds.help" ] || fail "no command parsed from nsprobe --help"
check "the man page has a section for each command of nsprobe --help, and no other" \
	diff -u "$T/cmds.help" "$T/cmds.man"
check "help is documented and works" bash -c 'grep -qx help "$1" && "$2" help > /dev/null' _ "$T/man.opts" "$NSPROBE"

# each command's options, both ways
for c in $(cat "$T/cmds.help"); do
	"$NSPROBE" "$c" --help > "$T/$c.help" 2>&1 || fail "nsprobe $c --help exited non-zero"
	python3 "$OPTLIST" help < "$T/$c.help" | grep -vxF -f "$T/common" | sort -u > "$T/$c.hopts"
	man_opts "$c" | grep -vxF -f "$T/common" > "$T/$c.mopts"
	[ -s "$T/$c.hopts" ] || fail "no option parsed from nsprobe $c --help"
	check "nsprobe $c: the man page and --help define the same options ($(wc -l < "$T/$c.hopts"))" \
		diff -u --label "nsprobe $c --help" --label "nsprobe(1) $c" "$T/$c.hopts" "$T/$c.mopts"
done

# every NSPROBE_* variable the driver reads is in ENVIRONMENT
grep -rhoE 'getenv\("NSPROBE_[A-Z_]+"\)' "$TOP/report" "$TOP/checks" | grep -oE 'NSPROBE_[A-Z_]+' | sort -u > "$T/env.code"
[ -s "$T/env.code" ] || fail "no getenv(\"NSPROBE_...\") found in report/ checks/"
sed -n '/^ENVIRONMENT/,/^[A-Z]/p' "$T/man.txt" > "$T/env.man"
for v in $(cat "$T/env.code"); do
	check "ENVIRONMENT documents $v" grep -qw "$v" "$T/env.man"
done

# every output format run --help offers, and every exit status
sed -n '/^OUTPUT FORMATS/,/^ENVIRONMENT/p' "$T/man.txt" > "$T/fmt.man"
for f in human json tap junit prometheus markdown html; do
	check "OUTPUT FORMATS describes $f" grep -qE "^ +$f\b|, $f\b" "$T/fmt.man"
done
sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$T/man.txt" > "$T/exit.man"
for s in 0 1 2 3 128+n; do
	check "EXIT STATUS describes $s" grep -qE "^ +${s/+/[+]}( |$)" "$T/exit.man"
done
check "EXAMPLES covers CI preflight, Go debugging and kernel qualification" \
	bash -c 'grep -q -- "--require" "$1" && grep -q "nsprobe go" "$1" && grep -q "nsprobe qualify" "$1"' _ "$T/man.txt"
echo "manpage: $checks checks passed"
