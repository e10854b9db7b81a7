#!/bin/sh
# bootstrap.sh - make and a C compiler, which `make` cannot install for itself.
# As root: apt-get install them; otherwise print the exact command and fail.
set -eu
missing=""
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
command -v dpkg-query >/dev/null 2>&1 || { echo "nsprobe: this needs a Debian-based system (dpkg)" >&2; exit 2; }
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nsprobe: missing:$missing" >&2
	echo "nsprobe: install with: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q $missing >&2 || { apt-get update -q >&2 && apt-get install -y -q $missing >&2; }
