# tests/lib.sh - sourced by integration and qemu tests.
# Provides: fail MSG, skip MSG, check DESC CMD..., a per-test temp dir $T removed on exit.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-build}
# tests name files as $TOP/$BUILD/...: an absolute BUILD (make BUILD=/tmp/x) becomes relative
case $BUILD in /*) BUILD=$(realpath -m --relative-to="$TOP" "$BUILD") ;; esac
NSPROBE=${NSPROBE:-$TOP/$BUILD/nsprobe}
PROBES=$TOP/$BUILD/probe
T=$(mktemp -d /tmp/nsprobe-test.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# check DESC CMD...: run CMD, fail the test with DESC unless it succeeds.
check() { local d=$1; shift; if "$@"; then checks=$((checks + 1)); echo "ok - $d"; else fail "$d"; fi; }
# json FILE EXPR: evaluate a python expression over the JSON document `j`.
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(r if not isinstance(r,(dict,list)) else json.dumps(r))' "$1" "$2"; }
# copy_tree DIR: a copy of the build (nsprobe, the probes, kernels.json) under
# DIR that any user can read and run (CI's clone is mode 700); prints the
# nsprobe path.  build/nsprobe finds ../kernels.json and build/probe/ next to itself.
copy_tree() {
	mkdir -p "$1/build/probe"
	cp "$NSPROBE" "$1/build/nsprobe"
	cp "$TOP/$BUILD"/probe/* "$1/build/probe/" 2>/dev/null
	rm -f "$1"/build/probe/*.d
	cp "$TOP/kernels.json" "$1/kernels.json"
	chmod -R a+rX "$1"
	echo "$1/build/nsprobe"
}

# --- nsprobe lookup, for the tests that read what kernels.json expects ------------
# look RELEASE: nsprobe lookup RELEASE --json - > $T/l.json (stderr $T/l.err)
look() { "$NSPROBE" lookup "$1" --json - > "$T/l.json" 2> "$T/l.err"; }
# ex ID [FIELD]: the expectation's FIELD (default expect) for behaviour ID in $T/l.json
ex() { json "$T/l.json" "j['behaviours']['$1'].get('${2:-expect}')"; }
# exv ID PROBE.KEY: the value the expectation gives for PROBE.KEY
exv() { json "$T/l.json" "j['behaviours']['$1']['values'].get('$2')"; }

# --- fake probes (tests/helpers/fault_probe), for the driver's fault tests ---------
# fake_probes DIR: DIR gets a copy of fault_probe under every probe's name.
fake_probes() {
	local p
	mkdir -p "$1"
	for p in unshare_single unshare_multi unshare_transient thread_after_unshare \
		 thread_after_setns nest_depth reaper_death getpid_cache; do
		cp "$TOP/$BUILD/tests/helpers/fault_probe" "$1/$p"
	done
}
# modes P=MODE...: every fake probe in $D "ok" except those named.
modes() {
	local a
	rm -f "$D"/*.mode "$D"/*.started "$D"/*.pids
	for a in "$@"; do echo "${a#*=}" > "$D/${a%%=*}.mode"; done
}
# field NAME: a line of the last fault_subreaper report ($T/rep).
field() { sed -n "s/^$1=//p" "$T/rep" | head -1; }
