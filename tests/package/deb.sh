#!/bin/bash
# deb.sh - the Debian package (issue 17): `make deb` builds it with
# dpkg-buildpackage in a temporary copy of the tree (the caller's build/, the
# tree and its parent directory stay as they were); lintian's output goes to
# this log and has no error and no warning (overrides carry their reason);
# `dpkg -i`, then the installed nsprobe produces a report with no flag, man and
# bash-completion find their files; `dpkg -r` and `--purge` leave none of the
# package's files behind.  Installs on this machine, so: root only, and only
# when no nsprobe package is installed; the trap removes it whatever happens.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip "installs a package: needs root"
for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v $t >/dev/null || skip "$t needed (scripts/deps.sh test: dpkg-dev debhelper lintian fakeroot)"
done
if dpkg-query -W -f='${Status}' nsprobe 2>/dev/null | grep -q "installed"; then
	skip "a package named nsprobe is already installed here; not touching it"
fi
unset NSPROBE_KERNELS NSPROBE_PROBE_DIR NSPROBE_MUSL_DIR
installed=0
cleanup() {
	[ $installed = 1 ] && dpkg --purge nsprobe > /dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# --- 1. make deb, from a copy ----------------------------------------------------
parent=$(dirname "$TOP")
ls -A "$parent" > "$T/parent.before"
touch "$T/stamp"
( cd "$TOP" && git status --porcelain --untracked-files=all 2>/dev/null ) > "$T/git.before"
check "make deb DEB_OUT=\$T/out builds the package" \
	bash -c 'make --no-print-directory -C "$1" deb DEB_OUT="$2" > "$3" 2>&1 || { tail -40 "$3"; false; }' \
	_ "$TOP" "$T/out" "$T/deb.log"
deb=$(ls "$T"/out/nsprobe_*.deb 2>/dev/null | head -1)
check "a nsprobe_*.deb is in DEB_OUT" [ -f "$deb" ]
check "nothing was written next to the tree" bash -c 'ls -A "$1" | diff "$2" -' _ "$parent" "$T/parent.before"
check "the caller's build/ was not touched" \
	bash -c '[ -z "$(find "$1" -newer "$2" -print -quit 2>/dev/null)" ]' _ "$TOP/$BUILD" "$T/stamp"
check "the tree's git status is unchanged" \
	bash -c 'diff "$2" <(cd "$1" && git status --porcelain --untracked-files=all 2>/dev/null)' _ "$TOP" "$T/git.before"

# --- 2. lintian ----------------------------------------------------------------------
# (overridden tags are not shown; the overrides and their reasons are printed here)
echo "--- debian/nsprobe.lintian-overrides"
cat "$TOP/debian/nsprobe.lintian-overrides"
echo "--- lintian --pedantic --info --display-info $(basename "$deb")"
lintian --pedantic --info --display-info "$deb" > "$T/lintian.log" 2>&1
lrc=$?
cat "$T/lintian.log"
echo "--- end of lintian (exit $lrc)"
check "lintian: no error" bash -c '! grep -q "^E: " "$1"' _ "$T/lintian.log"
check "lintian: no warning" bash -c '! grep -q "^W: " "$1"' _ "$T/lintian.log"
check "lintian exits 0 (it read the package and found no error)" [ $lrc = 0 ]

# --- 3. what the package holds -----------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' | grep -v '^$' > "$T/files"
for f in /usr/bin/nsprobe /usr/share/nsprobe/kernels.json /usr/share/man/man1/nsprobe.1.gz \
	 /usr/share/bash-completion/completions/nsprobe /usr/libexec/nsprobe/probe/nest_depth \
	 /usr/libexec/nsprobe/musl/nsprobe-init /usr/libexec/nsprobe/musl/probe/unshare_single \
	 /usr/share/doc/nsprobe/copyright; do
	check "the package holds $f" grep -qx "$f" "$T/files"
done
check "nothing under /etc or /usr/local, no installed-dirs record" \
	bash -c '! grep -qE "^/etc|^/usr/local|installed-dirs" "$1"' _ "$T/files"
musl=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' musl-dev 2>/dev/null)
check "Built-Using: $musl" [ "$(dpkg-deb -f "$deb" Built-Using)" = "$musl" ]
check "Depends names the shared libraries (dynamically linked driver)" \
	bash -c 'd=$(dpkg-deb -f "$1" Depends); for l in libjansson4 libelf1 zlib1g; do grep -q "$l" <<<"$d" || exit 1; done' _ "$deb"

# --- 4. install, use ----------------------------------------------------------------
while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done < "$T/files" > "$T/existed"
check "no file of the package existed before (only shared directories)" \
	bash -c 'while read -r f; do [ -d "$f" ] || exit 1; done < "$1"' _ "$T/existed"
installed=1
check "dpkg -i installs it" bash -c 'dpkg -i "$1" > "$2" 2>&1 || { cat "$2"; false; }' _ "$deb" "$T/dpkg-i.log"
check "the installed nsprobe is dynamically linked to jansson" bash -c 'ldd /usr/bin/nsprobe | grep -q libjansson'
mkdir "$T/elsewhere"
(cd "$T/elsewhere" && /usr/bin/nsprobe run --json "$T/r.json" > "$T/run.out" 2> "$T/run.err")
rc=$?
cat "$T/run.out" "$T/run.err"
check "nsprobe run (installed, no flag) exits 0, 1 or 3 (exit $rc)" [ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 3 ]
check "... and wrote a report with all eight probes measured or skipped" python3 - "$T/r.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
(k,) = j["kernels"].values()
st = {p: v["status"] for p, v in k["probes"].items()}
assert len(st) == 8 and all(s in ("measured", "skipped") for s in st.values()), st
EOF
check "nsprobe qualify --write-initramfs finds the installed guest payload" \
	/usr/bin/nsprobe qualify --write-initramfs "$T/init.gz"
check "man -w nsprobe finds the page" [ "$(man -w nsprobe 2>/dev/null)" = /usr/share/man/man1/nsprobe.1.gz ]
check "man nsprobe renders it" bash -c 'MANWIDTH=80 man nsprobe 2>/dev/null | grep -q "EXIT STATUS"'
if [ -f /usr/share/bash-completion/bash_completion ]; then
	check "bash-completion's loader finds the completion" bash -c \
		'. /usr/share/bash-completion/bash_completion && _completion_loader nsprobe; complete -p nsprobe | grep -q _nsprobe'
fi

# --- 5. remove, purge: nothing left ---------------------------------------------------
check "dpkg -r nsprobe" bash -c 'dpkg -r nsprobe > /dev/null'
left() { while read -r f; do { [ -e "$f" ] || [ -L "$f" ]; } && ! grep -qxF "$f" "$T/existed" && echo "$f"; done < "$T/files"; }
check "after dpkg -r none of the package's files (and directories it brought) is left" \
	bash -c '[ -z "$1" ] || { echo "$1"; false; }' _ "$(left)"
check "dpkg --purge nsprobe" bash -c "dpkg --purge nsprobe > /dev/null 2>&1"
installed=0
check "dpkg no longer knows the package" bash -c '! dpkg-query -W -f="\${Status}" nsprobe 2>/dev/null | grep -q installed'
check "after purge nothing is left either" bash -c '[ -z "$1" ]' _ "$(left)"
echo "deb: $checks checks passed"
