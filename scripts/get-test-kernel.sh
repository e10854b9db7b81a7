#!/bin/sh
# get-test-kernel.sh - fetch Debian's current cloud kernel image for the qemu
# tests and print the path of its vmlinuz.  It downloads exactly one package,
# the one linux-image-cloud-amd64 depends on (apt-get download, no install),
# extracts boot/vmlinuz-* with dpkg-deb -x into a cache directory reused across
# runs ($NSPROBE_KERNEL_CACHE, else $XDG_CACHE_HOME/nsprobe-kernels, else
# /var/tmp/nsprobe-kernels).  Exit 0 and the path on stdout, or 1 with a reason.
set -eu
meta=linux-image-cloud-amd64
cache=${NSPROBE_KERNEL_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/nsprobe-kernels}}
cache=${cache:-/var/tmp/nsprobe-kernels}

die() { echo "get-test-kernel: $*" >&2; exit 1; }
command -v apt-cache >/dev/null 2>&1 || die "apt-cache not found (Debian/Ubuntu only)"

# The versioned package the metapackage points at, e.g. linux-image-6.1.0-56-cloud-amd64.
pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || die "apt-cache knows no dependency of $meta (run apt-get update?)"

dir=$cache/$pkg
found=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
if [ -n "$found" ] && [ -s "$found" ]; then
	echo "$found"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current directory; as root it may warn that
# the _apt user cannot write there, which is harmless.
(cd "$tmp" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
mkdir -p "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x" || die "dpkg-deb -x $deb failed"
img=$(ls "$tmp"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$img" ] || die "$pkg contains no boot/vmlinuz-*"
mkdir -p "$dir/boot"
cp "$img" "$dir/boot/.tmp.$$" && mv "$dir/boot/.tmp.$$" "$dir/boot/$(basename "$img")"
echo "$dir/boot/$(basename "$img")"
