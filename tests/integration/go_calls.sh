#!/bin/bash
# tests/integration/go_calls.sh - `nsprobe go` reads the flags at each call site
# (checks/gocalls.c) of Go programs built here with Debian's Go 1.19
# (tests/go/cases/*.go): native with CGO_ENABLED=0 and =1, stripped and not, and
# GOARCH=386 (the stack ABI) and arm64 cross builds.  Judged against the captured
# 3.10.46 replay (multi-threaded unshare(CLONE_NEWPID) fails EINVAL there).
# Also: a FIFO and a corrupt function table are exit 2 with one line.
. "$(dirname "$0")/../lib.sh"
command -v go >/dev/null || skip "golang-go is not installed (scripts/deps.sh test)"
[ -d /usr/share/gocode/src/golang.org/x/sys/unix ] || skip "golang-golang-x-sys-dev is not installed"
[ -x "$NSPROBE" ] || fail "$NSPROBE not built"
export GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
C=$TOP/tests/go/cases
R=$TOP/tests/replay/captured-3.10.46
[ -f "$R/unshare_multi.txt" ] || fail "$R missing"

# judge BIN: JSON in BIN.json, exit status in $rc, human text in BIN.txt.
judge() {
	"$NSPROBE" go --replay "$R" --json "$1.json" "$1" 2>"$1.err"; rc=$?
	"$NSPROBE" go --replay "$R" "$1" >"$1.txt" 2>&1
}
# sites BIN: "caller|via|flags|meets" per call site.
sites() { json "$1.json" '"\n".join("%s|%s|%s|%s" % (s["caller"], s["via"], s["flag_names"], s["meets"]) for s in j["call_sites"])'; }

# Each case file is built by name (build constraints are ignored for named files).
cases="unshare_pid unix_newns raw_unshare syscall_unshare big_func clone_attr unshare_attr setns_pid"
variants="cgo0 cgo0.stripped cgo1 cgo1.stripped"
command -v gcc >/dev/null || variants="cgo0 cgo0.stripped"
for n in $cases; do
	for v in $variants; do
		cgo=${v#cgo}; cgo=${cgo%%.*}
		flags=; [[ $v == *.stripped ]] && flags=-ldflags=-s\ -w
		(cd "$C" && CGO_ENABLED=$cgo go build ${flags:+"$flags"} -o "$T/$n.$v" "$n.go") ||
			fail "go build $n $v"
		b=$T/$n.$v
		judge "$b"
		s=$(sites "$b")
		check "$n.$v: arch amd64" test "$(json "$b.json" 'j["arch"]')" = amd64
		check "$n.$v: call sites decoded" test "$(json "$b.json" 'j["sites_decoded"]')" = True
		case $n in
		unshare_pid)
			check "$n.$v: syscall.Unshare(CLONE_NEWPID) in main.main ($s)" \
				grep -qx 'main.main|syscall.Unshare|CLONE_NEWPID|unshare-multithread-einval' <<<"$s"
			check "$n.$v: WILL FAIL on 3.10.46, exit 1 (got $rc)" test "$rc" = 1 ;;
		unix_newns)
			check "$n.$v: unix.Unshare(CLONE_NEWNS) with no rule ($s)" \
				grep -qx 'main.main|golang.org/x/sys/unix.Unshare|CLONE_NEWNS|None' <<<"$s"
			check "$n.$v: does not fail, exit 0 (got $rc)" test "$rc" = 0
			check "$n.$v: says why it is fine" grep -q "fine: unshare(CLONE_NEWNS) has no CLONE_NEWPID" "$b.txt" ;;
		raw_unshare | big_func)
			caller=main.main; [ "$n" = big_func ] && caller=main.big
			check "$n.$v: RawSyscall(SYS_UNSHARE, CLONE_NEWPID) in $caller ($s)" \
				grep -qx "$caller|syscall.RawSyscall|CLONE_NEWPID|unshare-multithread-einval" <<<"$s"
			check "$n.$v: WILL FAIL, exit 1 (got $rc)" test "$rc" = 1 ;;
		syscall_unshare)
			check "$n.$v: Syscall(SYS_UNSHARE, CLONE_NEWNS|CLONE_NEWPID) in main.main ($s)" \
				grep -qx 'main.main|syscall.Syscall|CLONE_NEWNS|CLONE_NEWPID|unshare-multithread-einval' <<<"$s"
			check "$n.$v: WILL FAIL, exit 1 (got $rc)" test "$rc" = 1 ;;
		clone_attr)
			check "$n.$v: SysProcAttr.Cloneflags seen, not flagged ($s)" \
				grep -qx 'main.main|syscall.SysProcAttr|CLONE_NEWPID|None' <<<"$s"
			check "$n.$v: no finding, exit 0 (got $rc)" test "$rc:$(json "$b.json" 'len(j["findings"])')" = 0:0 ;;
		unshare_attr)
			check "$n.$v: SysProcAttr.Unshareflags(CLONE_NEWPID) flagged ($s)" \
				grep -qx 'main.main|syscall.SysProcAttr|CLONE_NEWPID|unshare-multithread-einval' <<<"$s"
			check "$n.$v: WILL FAIL, exit 1 (got $rc)" test "$rc" = 1
			check "$n.$v: explains the vfork" grep -q "CLONE_VM|CLONE_VFORK" "$b.txt" ;;
		setns_pid)
			check "$n.$v: unix.Setns(fd, CLONE_NEWPID) reported with its flag ($s)" \
				grep -qx 'main.main|golang.org/x/sys/unix.Setns|CLONE_NEWPID|thread-after-pidns-change-einval' <<<"$s"
			check "$n.$v: a semantics rule: exit 0 (got $rc)" test "$rc" = 0 ;;
		esac
	done
done
# The function over 4 KiB really is over 4 KiB (the old scan skipped such functions).
size=$(go tool nm -size "$T/big_func.cgo0" | awk '$4 == "main.big" {print $2}')
check "main.big is over 4 KiB ($size bytes)" test "${size:-0}" -gt 4096

# Cross builds: 386 (the stack ABI) and arm64 (registers, MOVZ/ORR).
for arch in 386 arm64; do
	for n in raw_unshare unshare_pid setns_pid; do
		b=$T/$n.$arch
		(cd "$C" && CGO_ENABLED=0 GOARCH=$arch go build -o "$b" "$n.go") || fail "go build $n $arch"
		judge "$b"
		s=$(sites "$b")
		check "$n.$arch: arch $arch" test "$(json "$b.json" 'j["arch"]')" = "$arch"
		check "$n.$arch: says it is judged against another architecture" \
			grep -q "^note: the binary is built for $arch but is judged against" "$b.txt"
		case $n in
		raw_unshare) check "$n.$arch: raw unshare named, CLONE_NEWPID ($s)" \
			grep -qx 'main.main|syscall.RawSyscall|CLONE_NEWPID|unshare-multithread-einval' <<<"$s" ;;
		unshare_pid) check "$n.$arch: syscall.Unshare(CLONE_NEWPID) ($s)" \
			grep -qx 'main.main|syscall.Unshare|CLONE_NEWPID|unshare-multithread-einval' <<<"$s" ;;
		setns_pid) check "$n.$arch: Setns(CLONE_NEWPID) ($s)" \
			grep -qx 'main.main|golang.org/x/sys/unix.Setns|CLONE_NEWPID|thread-after-pidns-change-einval' <<<"$s" ;;
		esac
	done
done
b=$T/unshare_attr.arm64
(cd "$C" && CGO_ENABLED=0 GOARCH=arm64 go build -o "$b" unshare_attr.go) || fail "go build unshare_attr arm64"
judge "$b"
check "unshare_attr.arm64: SysProcAttr.Unshareflags flagged ($(sites "$b"))" \
	grep -qx 'main.main|syscall.SysProcAttr|CLONE_NEWPID|unshare-multithread-einval' <<<"$(sites "$b")"

# Bad input: a FIFO is refused before open (no hang), a function table claiming
# 2^63-1 functions is corrupt; both exit 2 with one line.
mkfifo "$T/fifo"
timeout 10 "$NSPROBE" go --replay "$R" "$T/fifo" >"$T/out" 2>"$T/err"; rc=$?
check "FIFO: exit 2 (got $rc: $(cat "$T/err"))" test "$rc" = 2
check "FIFO: one line" test "$(wc -l <"$T/err")" = 1
cp "$T/unshare_pid.cgo0.stripped" "$T/nfunc-max"
off=$(objdump -h "$T/nfunc-max" | awk '$2 == ".gopclntab" {print $6}')
[ -n "$off" ] || fail "no .gopclntab in the stripped build"
off=$((0x$off))
# nfunc is the word at offset 8 of the header (go1.18+ layout).
printf '\xff\xff\xff\xff\xff\xff\xff\x7f' | dd of="$T/nfunc-max" bs=1 seek=$((off + 8)) conv=notrunc status=none
"$NSPROBE" go --replay "$R" "$T/nfunc-max" >"$T/out" 2>"$T/err"; rc=$?
check "nfunc = 2^63-1: exit 2 (got $rc: $(cat "$T/err"))" test "$rc" = 2
check "nfunc = 2^63-1: one line saying corrupt" grep -q "corrupt" "$T/err"
check "nfunc = 2^63-1: one line" test "$(wc -l <"$T/err")" = 1
check "nfunc = 2^63-1: nothing on stdout" test ! -s "$T/out"
echo "$checks checks passed"
