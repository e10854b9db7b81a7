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
test) pkgs="$pkgs libcmocka-dev cpio qemu-system-x86 golang-go golang-golang-x-sys-dev util-linux bsdutils procps python3 bubblewrap debootstrap systemd-container" ;;
check) pkgs="$pkgs libcmocka-dev cpio qemu-system-x86 golang-go golang-golang-x-sys-dev util-linux bsdutils procps python3 bubblewrap debootstrap systemd-container clang libclang-rt-14-dev valgrind" ;;
*) echo "deps.sh: unknown set '$want' (build, test or check)" >&2; exit 2 ;;
esac
# the man page and install tests (mandoc, man), the Debian package test (tests/package)
case "$want" in test|check) pkgs="$pkgs mandoc man-db bash-completion debhelper dpkg-dev fakeroot lintian" ;; esac
# the real consumers of the CI formats and the HTML matrix (tests/integration/ci_formats.sh,
# html_matrix.sh), installed without their recommends (node_exporter's pull in a lot)
norec=""
case "$want" in
test|check) norec="perl libxml2-utils python3-junitparser prometheus prometheus-node-exporter curl strace chromium" ;;
esac
missing="" missing_norec=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
for p in $norec; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing_norec="$missing_norec $p" ;; esac
done
[ -z "$missing$missing_norec" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nsprobe: missing Debian packages:$missing$missing_norec" >&2
	echo "nsprobe: install them with: sudo apt-get update &&${missing:+ sudo apt-get install -y$missing &&} sudo apt-get install -y --no-install-recommends$missing_norec" | sed 's/ && sudo apt-get install -y --no-install-recommends$//' >&2
	exit 2
fi
echo "nsprobe: installing missing Debian packages:$missing$missing_norec" >&2
export DEBIAN_FRONTEND=noninteractive
install() { # [apt-get options] packages
	apt-get install -y -q "$@" >&2 || { apt-get update -q >&2 && apt-get install -y -q "$@" >&2; }
}
[ -z "$missing" ] || install $missing
[ -z "$missing_norec" ] || install --no-install-recommends $missing_norec
