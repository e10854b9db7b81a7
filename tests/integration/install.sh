#!/bin/bash
# install.sh - `make install` / `make uninstall` (issue 17).  In a copy of the
# built tree (so the caller's tree is never touched): install with DESTDIR and
# PREFIX=/usr without rebuilding, move the build tree away, and run the installed
# nsprobe from another directory with no flag and no NSPROBE_* variable: it finds
# its probes, kernels.json and guest payload relative to itself -- also after the
# installed tree is moved, and (as root) with /proc hidden.  Then the GNU
# directory variables (lower and upper case), and `make uninstall` leaving
# nothing behind but the directories that were there before.
. "$(dirname "$0")/../lib.sh"
[ -x "$NSPROBE" ] || fail "missing $NSPROBE (make test-build)"
command -v make >/dev/null || skip "make needed"
unset NSPROBE_KERNELS NSPROBE_PROBE_DIR NSPROBE_MUSL_DIR
have_musl=no
[ -x "$TOP/$BUILD/musl/nsprobe-init" ] && command -v musl-gcc >/dev/null && have_musl=yes

built=$(stat -c %Y "$NSPROBE")

# --- 1. a copy of the built tree ---------------------------------------------
mkdir "$T/tree" "$T/elsewhere"
# the sources, then $BUILD without the nested build dirs of make check/fuzz/bench
tar -C "$TOP" --exclude=./.git --exclude="./${BUILD%%/*}" -cf - . | tar -C "$T/tree" -xpf - &&
	mkdir -p "$T/tree/$BUILD" &&
	tar -C "$TOP/$BUILD" --exclude=./san --exclude=./fuzz --exclude=./bench -cf - . | tar -C "$T/tree/$BUILD" -xpf - ||
	fail "copying the tree"
# A non-default layout relinks nsprobe: with the sanitizers its objects were built with.
san=
grep -q __asan_init "$NSPROBE" && san=address,undefined
[ -z "$san" ] && grep -q __ubsan_handle "$NSPROBE" && san=undefined
mk() { make --no-print-directory -C "$T/tree" BUILD="$BUILD" SANITIZE="$san" "$@"; }

# --- 2. make install DESTDIR=... PREFIX=/usr after a plain make ------------------
check "make install DESTDIR=\$T/x PREFIX=/usr succeeds" \
	bash -c 'make --no-print-directory -C "$1" BUILD="$2" SANITIZE="$5" install DESTDIR="$3" PREFIX=/usr > "$4" 2>&1' \
	_ "$T/tree" "$BUILD" "$T/x" "$T/install.log" "$san"
cat "$T/install.log"
check "install compiled nothing (the layout did not change)" bash -c '! grep -qE "^(cc|gcc|clang) " "$1"' _ "$T/install.log"
X=$T/x/usr
for f in bin/nsprobe share/nsprobe/kernels.json share/man/man1/nsprobe.1 \
	 share/bash-completion/completions/nsprobe libexec/nsprobe/probe/unshare_single \
	 libexec/nsprobe/probe/getpid_cache; do
	check "installed $f" [ -s "$X/$f" ]
done
check "the binary and probes are executable, the data is not" \
	bash -c '[ -x "$1/bin/nsprobe" ] && [ -x "$1/libexec/nsprobe/probe/nest_depth" ] && [ ! -x "$1/share/nsprobe/kernels.json" ]' _ "$X"
check "nothing under /etc" [ ! -e "$T/x/etc" ]
if [ $have_musl = yes ]; then
	check "musl present: the guest payload is installed" \
		bash -c '[ -x "$1/libexec/nsprobe/musl/nsprobe-init" ] && [ -x "$1/libexec/nsprobe/musl/probe/unshare_single" ]' _ "$X"
fi

# --- 3. the build tree moved away; run from another directory, no flags ------------
mv "$T/tree" "$T/gone"
cd "$T/elsewhere" || fail "cd"
"$X/bin/nsprobe" --json - > "$T/r.json" 2> "$T/r.err"
rc=$?
cat "$T/r.err"
check "installed nsprobe --json - ran (exit $rc: 0, 1 or 3)" [ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 3 ]
check "... and printed a report with every probe measured or skipped, none missing" python3 - "$T/r.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["schema"].startswith("nsprobe/report/"), j["schema"]
(k,) = j["kernels"].values()
st = {p: v["status"] for p, v in k["probes"].items()}
print(st)
assert len(st) == 8 and all(s in ("measured", "skipped") for s in st.values()), st
EOF
check "installed nsprobe lookup finds kernels.json" bash -c '"$1" lookup 3.10.0 > /dev/null' _ "$X/bin/nsprobe"
if [ $have_musl = yes ]; then
	check "installed qualify --write-initramfs finds the guest payload" \
		"$X/bin/nsprobe" qualify --write-initramfs "$T/init.cpio.gz"
	check "... and the payload holds /init and the musl probes" \
		bash -c 'zcat "$1" | cpio -t 2>/dev/null > "$1.list"; grep -qx init "$1.list" && grep -qx probe/nest_depth "$1.list"' _ "$T/init.cpio.gz"
fi

# the installed tree moved elsewhere keeps working (nothing absolute is compiled in)
mkdir -p "$T/moved" && mv "$T/x/usr" "$T/moved/usr"
check "the installed tree moved to another place: lookup still finds kernels.json" \
	bash -c '"$1" lookup 3.12.0 > /dev/null' _ "$T/moved/usr/bin/nsprobe"
check "... and run --only getpid_cache finds its probe" \
	bash -c '"$1" run --only getpid_cache --json - 2>/dev/null | grep -q "\"measured\""' _ "$T/moved/usr/bin/nsprobe"
mv "$T/moved/usr" "$T/x/usr"

# without /proc (as root, in a private mount namespace): the AT_EXECFN fallback.
# Not under the sanitizers: their runtime reads its options from /proc/self/environ
# and LeakSanitizer dies without /proc.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -z "$san" ]; then
	check "with /proc hidden, the installed nsprobe still finds kernels.json" \
		unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /proc &&
			[ ! -e /proc/self/exe ] && "$0" lookup 3.10.0 > /dev/null' "$X/bin/nsprobe"
fi
check "no flag and no NSPROBE_* variable was needed: none is set" bash -c '! env | grep -q "^NSPROBE_\(KERNELS\|PROBE_DIR\|MUSL_DIR\)="'

# --- 4. uninstall: no file behind ---------------------------------------------------
mv "$T/gone" "$T/tree"
check "make uninstall DESTDIR=\$T/x PREFIX=/usr succeeds" mk uninstall DESTDIR="$T/x" PREFIX=/usr
check "make uninstall left nothing behind (not even the directories install made)" \
	bash -c '[ ! -e "$1" ] || { find "$1"; false; }' _ "$T/x"

# --- 5. directories that existed before install stay; GNU variables -------------
# A DESTDIR with an existing bin/ (empty) and man1/ (holding another page).
mkdir -p "$T/z/opt/ns/bin" "$T/z/opt/ns/man/man1" && echo other > "$T/z/opt/ns/man/man1/other.1"
check "make install with lower-case bindir/libexecdir/datadir/mandir" \
	mk install DESTDIR="$T/z" prefix=/opt/ns bindir=/opt/ns/sbin libexecdir=/opt/ns/lib \
	datadir=/opt/ns/data mandir=/opt/ns/man
Z=$T/z/opt/ns
check "the files are where the variables said" bash -c \
	'[ -x "$1/sbin/nsprobe" ] && [ -x "$1/lib/nsprobe/probe/nest_depth" ] && [ -f "$1/data/nsprobe/kernels.json" ] &&
	 [ -f "$1/man/man1/nsprobe.1" ] && [ -f "$1/data/bash-completion/completions/nsprobe" ]' _ "$Z"
check "that nsprobe finds kernels.json in data/nsprobe (a non-default layout)" \
	bash -c 'cd / && "$1" lookup 3.10.0 > /dev/null' _ "$Z/sbin/nsprobe"
check "... and its probes in lib/nsprobe/probe" \
	bash -c 'cd / && "$1" run --only getpid_cache --json - 2>/dev/null | grep -q "\"measured\""' _ "$Z/sbin/nsprobe"
check "make uninstall with the same variables" \
	mk uninstall DESTDIR="$T/z" prefix=/opt/ns bindir=/opt/ns/sbin libexecdir=/opt/ns/lib \
	datadir=/opt/ns/data mandir=/opt/ns/man
check "uninstall kept the directories that were there before, and the other file" \
	bash -c '[ -d "$1/bin" ] && [ -f "$1/man/man1/other.1" ]' _ "$Z"
check "uninstall removed everything it installed and every directory it made" \
	[ "$(cd "$T/z" && find . | sort | tr '\n' ' ')" = ". ./opt ./opt/ns ./opt/ns/bin ./opt/ns/man ./opt/ns/man/man1 ./opt/ns/man/man1/other.1 " ]
check "upper-case spellings work too: PREFIX, BINDIR, LIBEXECDIR, DATADIR, MANDIR" \
	mk install DESTDIR="$T/u" PREFIX=/p BINDIR=/p/b LIBEXECDIR=/p/le DATADIR=/p/d MANDIR=/p/m
check "... the files are there" bash -c '[ -x "$1/b/nsprobe" ] && [ -x "$1/le/nsprobe/probe/nest_depth" ] &&
	[ -f "$1/d/nsprobe/kernels.json" ] && [ -f "$1/m/man1/nsprobe.1" ]' _ "$T/u/p"
check "... make uninstall with them" mk uninstall DESTDIR="$T/u" PREFIX=/p BINDIR=/p/b \
	LIBEXECDIR=/p/le DATADIR=/p/d MANDIR=/p/m
check "... removes them all" [ ! -e "$T/u" ]
check "the caller's build was not touched" [ "$(stat -c %Y "$NSPROBE")" = "$built" ]
echo "install: $checks checks passed"
