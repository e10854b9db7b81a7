#!/bin/sh
# make-deb.sh - `make deb`: build the Debian package (debian/) with
# `dpkg-buildpackage -us -uc -b` in a copy of the tree under a temporary
# directory, so that neither the caller's build/ nor the tree's parent directory
# is touched, and copy the .deb (and its -dbgsym, .buildinfo, .changes) to OUT.
# Usage: scripts/make-deb.sh OUT   (make deb DEB_OUT=dir; default build/deb)
# The copy holds the files git knows (tracked and untracked, not ignored), as
# they are in the working tree; outside a git checkout, everything but build/.
set -eu
out=${1:?usage: make-deb.sh OUT}
top=$(cd "$(dirname "$0")/.." && pwd)
for t in dpkg-buildpackage dh; do
	command -v $t >/dev/null || { echo "make deb: $t not found (Debian: dpkg-dev debhelper)" >&2; exit 2; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsprobe-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
src=$tmp/nsprobe
mkdir "$src"
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c \
		'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
		tar --null -T - -cf - | tar -C "$src" -xf -
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
cd "$src"
echo "make deb: dpkg-buildpackage -us -uc -b in $src" >&2
dpkg-buildpackage -us -uc -b -j"$(nproc 2>/dev/null || echo 2)" >&2
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$out"/
ls "$tmp"/*.ddeb >/dev/null 2>&1 && cp "$tmp"/*.ddeb "$out"/
for f in "$out"/nsprobe_*.deb; do echo "$f"; done
