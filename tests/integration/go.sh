#!/bin/bash
# tests/integration/go.sh - `nsprobe go BINARY` on real Go binaries built here
# (Debian's golang-go; no network): the seed program (Go unshare(CLONE_NEWPID)),
# a setns program, both stripped, a plain program, a cgo constructor; the version
# must match `go version`, the calls must be listed (or not), a replayed 3.10 host
# must be diagnosed as failing, and bad input must exit 2 with one line.
. "$(dirname "$0")/../lib.sh"
command -v go >/dev/null || skip "golang-go is not installed (scripts/deps.sh test)"
[ -d /usr/share/gocode/src/golang.org/x/sys/unix ] || skip "golang-golang-x-sys-dev is not installed"
[ -x "$NSPROBE" ] || fail "$NSPROBE not built"
export GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
G=$TOP/tests/go
for p in seed setns plain; do
	# GOPATH mode builds a directory by relative path only.
	(cd "$G/$p" && go build -o "$T/$p" . && go build -ldflags='-s -w' -o "$T/$p.stripped" .) ||
		fail "go build $p"
done
# calls BIN: the calls nsprobe lists, one per line; uses the 3.10 replay (no probing).
# The captured 3.10.46 (a real kernel that refuses a multi-threaded unshare), else
# the constructed 3.10.108 beside the Go programs.
R=$TOP/tests/replay/captured-3.10.46
[ -f "$R/unshare_multi.txt" ] || R=$G/constructed-3.10.108
diag() { "$NSPROBE" go --replay "$R" --json "$T/$(basename "$1").json" "$1"; }
for b in seed setns plain seed.stripped setns.stripped plain.stripped; do
	diag "$T/$b"; rc=$?
	j=$T/$b.json
	check "$b: exit status is 0 or 1 (got $rc)" test "$rc" -le 1
	want=$(go version "$T/$b" | awk '{print $2}')
	check "$b: go_version is '$want' as go version says" test "$(json "$j" 'j["go_version"]')" = "$want"
	check "$b: stripped flag" test "$(json "$j" 'j["stripped"]')" = "$([[ $b == *.stripped ]] && echo True || echo False)"
	calls=$(json "$j" '" ".join(j["calls"])')
	case $b in
	seed*) check "$b lists syscall.Unshare (got '$calls')" test "$calls" = "syscall.Unshare" ;;
	setns*) check "$b lists unix.Setns (got '$calls')" test "$calls" = "golang.org/x/sys/unix.Setns"
		check "$b: sees runtime.LockOSThread" test "$(json "$j" 'j["locks_os_thread"]')" = True ;;
	plain*) check "$b lists no call (got '$calls')" test -z "$calls"
		check "$b: no findings, exit 0" test "$rc" = 0 ;;
	esac
done
# The replayed 3.10 host refuses multi-threaded unshare: the seed will fail there.
"$NSPROBE" go --replay "$R" --json "$T/s310.json" "$T/seed.stripped"; rc=$?
check "seed on 3.10: exit 1 (got $rc)" test "$rc" = 1
check "seed on 3.10: unshare-multithread-einval will fail" test "$(json "$T/s310.json" \
	'[f["will_fail"] for f in j["findings"] if f["behaviour"]=="unshare-multithread-einval"]')" = "[true]"
check "seed on 3.10: says EINVAL and cites 6e556ce209b0" grep -q 'EINVAL.*6e556ce209b0\|6e556ce209b0.*EINVAL' \
	<(json "$T/s310.json" 'json.dumps(j["findings"][0])')
"$NSPROBE" go --replay "$R" "$T/seed" >"$T/human.txt"
check "human output says WILL FAIL" grep -q "syscall.Unshare: WILL FAIL here" "$T/human.txt"
# Module mode records the main module in the build info.
mkdir -p "$T/mod" && cp "$G/seed/main.go" "$T/mod/" && printf 'module example.com/seed\n\ngo 1.19\n' >"$T/mod/go.mod"
(cd "$T/mod" && GO111MODULE=on go build -o "$T/modseed" .) || fail "module-mode build"
"$NSPROBE" go --replay "$R" --json "$T/mod.json" "$T/modseed"
check "main_module from build info" test "$(json "$T/mod.json" 'j["main_module"]')" = example.com/seed
# cgo: a C constructor before the runtime (runc's nsexec pattern) is seen and named.
if command -v gcc >/dev/null; then
	(cd "$G/ctor" && CGO_ENABLED=1 go build -o "$T/ctor" .) || fail "go build ctor (cgo)"
	"$NSPROBE" go --json "$T/ctor.json" "$T/ctor"
	check "cgo constructor found" test "$(json "$T/ctor.json" 'j["cgo_constructor"]')" = True
	check "cgo constructor named" test "$(json "$T/ctor.json" 'j["constructors"]')" = early_nsexec
	"$NSPROBE" go --json "$T/plain2.json" "$T/plain"
	check "plain Go: no constructor" test "$(json "$T/plain2.json" 'j["cgo_constructor"]')" = False
fi
# This host, for real (root): the seed unshares fine, and nsprobe go agrees.
if [ "$(id -u)" = 0 ]; then
	"$T/seed" /bin/true </dev/null >"$T/seed.out" 2>&1; rc=$?
	check "the seed program runs here (rc $rc: $(head -c 200 "$T/seed.out"))" test "$rc" = 0
	"$NSPROBE" go --json "$T/live.json" "$T/seed"; rc=$?
	check "nsprobe go seed on this host: exit 0 (got $rc)" test "$rc" = 0
	check "live: unshare-multithread-einval will not fail" test "$(json "$T/live.json" \
		'[f["will_fail"] for f in j["findings"] if f["behaviour"]=="unshare-multithread-einval"]')" = "[false]"
fi
# Bad input: exit 2, one line on stderr, no crash.
head -c 400000 "$T/seed" >"$T/trunc"
head -c 65536 /dev/urandom >"$T/random"
printf '\x7fELF\x02\x01\x01' >"$T/tiny"
for bad in /bin/ls "$T/trunc" "$T/random" "$T/tiny" "$T/missing" "$T"; do
	"$NSPROBE" go --replay "$R" "$bad" >"$T/out" 2>"$T/err"; rc=$?
	check "$(basename "$bad"): exit 2 (got $rc: $(cat "$T/err"))" test "$rc" = 2
	check "$(basename "$bad"): one-line reason" test "$(wc -l <"$T/err")" = 1
	check "$(basename "$bad"): nothing on stdout" test ! -s "$T/out"
done
echo "$checks checks passed"
