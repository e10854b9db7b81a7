#!/bin/bash
# completion.sh - the bash completion (issue 17), driven the way bash drives it:
# source contrib/bash-completion/nsprobe, set COMP_WORDS/COMP_CWORD, call the
# function `complete -p nsprobe` names, read COMPREPLY.  Checks the commands,
# each command's options against its --help (tests/helpers/optlist.py), probe
# names and behaviour ids against `nsprobe list --json -`, and the formats.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
COMPL=$TOP/contrib/bash-completion/nsprobe
OPTLIST=$TOP/tests/helpers/optlist.py

# comp WORD...: complete the last word of "nsprobe WORD..." (the binary under
# test as COMP_WORDS[0]); print COMPREPLY sorted, one a line.
comp() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		f=$(complete -p nsprobe | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$f" nsprobe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPL" "$NSPROBE" "$@"
}
words() { tr '\n' ' ' | sed 's/ $//'; }

check "bash -n accepts the completion file" bash -n "$COMPL"
check "it registers a function for nsprobe" \
	bash --norc -c '. "$1" && complete -p nsprobe | grep -q -- "-F "' _ "$COMPL"

"$NSPROBE" --help | python3 "$OPTLIST" commands | sort > "$T/cmds"
[ -s "$T/cmds" ] || fail "no command parsed from nsprobe --help"
check "the first word completes to the commands of nsprobe --help (and help)" \
	[ "$(comp '' | words)" = "$(sort -u "$T/cmds" <(echo help) | words)" ]
check "'qu' completes to qualify" [ "$(comp qu | words)" = qualify ]

# each command's options = its --help's (less the common -h/--help/--version)
for c in $(cat "$T/cmds"); do
	"$NSPROBE" "$c" --help | python3 "$OPTLIST" help | grep -vxE -- '-h|--help|--version' | sort -u > "$T/$c.help"
	comp "$c" - | grep -vxE -- '-h|--help|--version' > "$T/$c.comp"
	check "nsprobe $c -<TAB> offers exactly the options of its --help" \
		diff -u --label "nsprobe $c --help" --label completion "$T/$c.help" "$T/$c.comp"
	comp "$c" -- > "$T/$c.common"
	check "nsprobe $c --<TAB> offers --help and --version" \
		bash -c 'grep -qx -- --help "$1" && grep -qx -- --version "$1"' _ "$T/$c.common"
done
check "options alone mean run: 'nsprobe --json x --fo' completes --format" [ "$(comp --json x --fo)" = --format ]

# probe names and behaviour ids come from the knowledge base
"$NSPROBE" list --json - > "$T/list.json" || fail "nsprobe list --json -"
json "$T/list.json" "'\n'.join(sorted(j['probes']))" > "$T/probes"
json "$T/list.json" "'\n'.join(sorted(j['behaviours']))" > "$T/behaviours"
check "--only completes every probe name" [ "$(comp run --only '' | words)" = "$(words < "$T/probes")" ]
check "--only completes after a comma: 'getpid_cache,nest' -> getpid_cache,nest_depth" \
	[ "$(comp --only getpid_cache,nest)" = getpid_cache,nest_depth ]
check "--require completes every behaviour id" [ "$(comp run --require '' | words)" = "$(words < "$T/behaviours")" ]
check "--require 'unshare-m' -> unshare-multithread-einval" [ "$(comp --require unshare-m)" = unshare-multithread-einval ]

# formats and other fixed values
check "run --format: human json junit prometheus tap" [ "$(comp run --format '' | words)" = "human json junit prometheus tap" ]
check "merge --format: html json markdown" [ "$(comp merge --format '' | words)" = "html json markdown" ]
check "qualify --accel: auto kvm tcg" [ "$(comp qualify --accel '' | words)" = "auto kvm tcg" ]
check "help completes command names" [ "$(comp help lo | words)" = lookup ]

# files where a file is wanted
mkdir "$T/d" && touch "$T/d/report-a.json" "$T/d/vmlinuz-x"
check "merge completes files" [ "$(cd "$T/d" && comp merge rep)" = report-a.json ]
check "--kernels completes files" [ "$(cd "$T/d" && comp run --kernels rep)" = report-a.json ]
check "--probe-dir completes directories only" [ "$(cd "$T" && comp run --probe-dir '' | grep -c report-a)" = 0 ]
echo "completion: $checks checks passed"
