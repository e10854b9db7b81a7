#!/bin/sh
# deps.sh - make sure the Debian packages nsprobe needs are present.
# Usage: scripts/deps.sh build|test
#   build: what `make` and `make run` need; test: also what `make test` needs.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command and fails, so that nothing half-built follows.
set -eu
want=${1:-build}
pkgs="gcc make libc6-dev pkg-config libelf-dev libjansson-dev zlib1g-dev musl-tools"
case "$want" in
build) ;;
test) pkgs="$pkgs libcmocka-dev cpio qemu-system-x86 golang-go golang-golang-x-sys-dev util-linux bsdutils procps python3" ;;
check) pkgs="$pkgs libcmocka-dev cpio qemu-system-x86 golang-go golang-golang-x-sys-dev util-linux bsdutils procps python3 clang libclang-rt-14-dev valgrind" ;;
*) echo "deps.sh: unknown set '$want' (build, test or check)" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nsprobe: missing Debian packages:$missing" >&2
	echo "nsprobe: install them with: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 2
fi
echo "nsprobe: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q $missing >&2; then
	apt-get update -q >&2
	apt-get install -y -q $missing >&2
fi
