#!/bin/bash
# outputs.sh - every output path follows one rule (report/outfile.c): as root,
# in a private tmpfs mounted WITHOUT nodev (so a private `mknod c 1 3` works;
# never the real /dev nodes), `run --json`, `merge -o` (json and markdown),
# `explain --json` onto a character device, a FIFO with a reader, a UNIX
# socket with a listener, a symlink, a dangling and a looping symlink; new
# files 0644 under umask 022; an existing report keeps mode, owner and group;
# a dead run's named temporary is removed, a live one's is kept.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (mknod, mount, chown)"
[ -x "$NSPROBE" ] || skip "$NSPROBE is not built"
REPLAY=$TOP/tests/replay/linux-6.18-host
[ -d "$REPLAY" ] || skip "no $REPLAY"
M=$T/mnt
mkdir -p "$M"
mount -t tmpfs -o size=8m,mode=700 nsprobe-i10a-test "$M" || skip "cannot mount a tmpfs"
# Leave no mount behind, whatever ends the test: bash runs no EXIT trap when a
# signal kills it (run.sh's timeout sends SIGTERM), so those exit through it too;
# out of $M first, our background jobs killed (by pid), then a lazy unmount
# if a plain one is refused.
cleanup() {
	cd / || true
	for j in $(jobs -p); do kill "$j" 2>/dev/null; done
	umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
umask 022
cd "$M" || fail "cd $M"

# run_json PATH: a replayed run (no probing: the write path is the same) to PATH.
run_json() { "$NSPROBE" run --quiet --replay "$REPLAY" --json "$1" 2>"$T/err"; }
merge_to() { "$NSPROBE" merge -o "$2" ${3:+--format "$3"} "$1" 2>"$T/err"; }
run_json "$M/ref.json"
check "a reference report" test -s "$M/ref.json"
merge_to "$M/ref.json" "$M/ref-merged.json"
merge_to "$M/ref.json" "$M/ref-merged.md" markdown
check "new report: mode 644 under umask 022 ($(stat -c %a ref.json))" test "$(stat -c %a ref.json)" = 644
check "new merge -o json: mode 644" test "$(stat -c %a ref-merged.json)" = 644
check "new merge -o markdown: mode 644" test "$(stat -c %a ref-merged.md)" = 644

# A character device (1,3: a private null node): written in place, stays a device.
mknod "$M/null" c 1 3
chmod 666 "$M/null"
for how in run merge merge-md explain; do
	case $how in
	run) run_json "$M/null" ;;
	merge) merge_to "$M/ref.json" "$M/null" ;;
	merge-md) merge_to "$M/ref.json" "$M/null" markdown ;;
	explain) "$NSPROBE" explain --no-probe --json "$M/null" "invalid argument" >/dev/null 2>"$T/err" ;;
	esac
	rc=$?
	check "$how onto a char device: exit $rc (not 2)" test "$rc" != 2
	check "$how onto a char device: still a character device 1,3" \
		test "$(stat -c '%F %t,%T' "$M/null")" = "character special file 1,3"
done
if [ -x "$TOP/$BUILD/musl/nsprobe-init" ]; then
	NSPROBE_MUSL_DIR=$TOP/$BUILD/musl "$NSPROBE" qualify --write-initramfs "$M/null" 2>"$T/err"
	rc=$?
	check "qualify --write-initramfs onto a char device: exit $rc is 0 ($(cat "$T/err"))" test "$rc" = 0
	check "qualify --write-initramfs: still a character device" test -c "$M/null"
	NSPROBE_MUSL_DIR=$TOP/$BUILD/musl "$NSPROBE" qualify --write-initramfs "$M/initrd.gz" 2>"$T/err"
	check "qualify --write-initramfs: a new file, 644" test "$(stat -c %a "$M/initrd.gz")" = 644
	rm -f "$M/initrd.gz"
else
	echo "# qualify --write-initramfs not tried: no $BUILD/musl (make musl)"
fi
extra=$(ls -A "$M" | grep -v -x -e ref.json -e ref-merged.json -e ref-merged.md -e null)
check "nothing beside the device (${extra:-none})" test -z "$extra"

# A FIFO with a reader: the reader receives the report.
mkfifo "$M/fifo"
for how in run merge; do
	cat "$M/fifo" >"$T/got.$how" &
	reader=$!
	if [ $how = run ]; then run_json "$M/fifo"; else merge_to "$M/ref.json" "$M/fifo"; fi
	rc=$?
	wait "$reader"
	check "$how onto a FIFO: exit $rc (not 2)" test "$rc" != 2
	check "$how onto a FIFO: still a FIFO" test -p "$M/fifo"
done
check "run onto a FIFO: the reader got the report" \
	test "$(json "$T/got.run" "j['schema']")" = nsprobe/report/1
check "merge -o onto a FIFO: the reader got the merged report, byte for byte" \
	cmp -s "$T/got.merge" "$M/ref-merged.json"

# A UNIX socket with a listener: connected to and written in place.
/usr/bin/python3 - "$M/sock" "$T/got.sock" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(30)
c, _ = s.accept()
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
EOF
listener=$!
for _ in $(seq 100); do [ -S "$M/sock" ] && break; sleep 0.05; done
merge_to "$M/ref.json" "$M/sock"
rc=$?
wait "$listener"
check "merge -o onto a socket: exit $rc is 0" test "$rc" = 0
check "merge -o onto a socket: still a socket" test -S "$M/sock"
check "merge -o onto a socket: the listener got the report" cmp -s "$T/got.sock" "$M/ref-merged.json"

# A symlink: stays a link, its target holds the report (replaced atomically).
echo old >"$M/target.json"
ln -s target.json "$M/link.json"
run_json "$M/link.json"
check "run onto a symlink: still a symlink to target.json" test "$(readlink "$M/link.json")" = target.json
check "run onto a symlink: the target holds the report" \
	test "$(json "$M/target.json" "j['schema']")" = nsprobe/report/1
merge_to "$M/ref.json" "$M/link.json"
check "merge -o onto a symlink: still a symlink" test -L "$M/link.json"
check "merge -o onto a symlink: the target holds the merged report" cmp -s "$M/target.json" "$M/ref-merged.json"

# Dangling and looping symlinks: exit 2, nothing written.
ln -s nowhere.json "$M/dangling.json"
ln -s loop-b "$M/loop-a"
ln -s loop-a "$M/loop-b"
before=$(ls -A "$M" | sort)
for l in dangling.json loop-a; do
	run_json "$M/$l"
	rc=$?
	check "run --json $l: exit $rc is 2" test "$rc" = 2
	check "run --json $l: the message says why ($(cat "$T/err"))" grep -q "symlink" "$T/err"
	merge_to "$M/ref.json" "$M/$l"
	rc=$?
	check "merge -o $l: exit $rc is 2" test "$rc" = 2
done
check "broken symlinks: nothing was written" test "$(ls -A "$M" | sort)" = "$before"
check "the dangling link still dangles" test ! -e "$M/nowhere.json"

# An existing report keeps its mode, owner and group.
cp "$M/ref.json" "$M/kept.json"
chown 4242:4343 "$M/kept.json"
chmod 640 "$M/kept.json"
echo '{}' >"$M/kept.json"
run_json "$M/kept.json"
check "existing report: rewritten" test "$(json "$M/kept.json" "j['schema']")" = nsprobe/report/1
check "existing report: keeps 640 4242:4343 ($(stat -c '%a %u:%g' kept.json))" \
	test "$(stat -c '%a %u:%g' "$M/kept.json")" = "640 4242:4343"
merge_to "$M/ref.json" "$M/kept.json" markdown
check "existing file under merge -o: keeps 640 4242:4343" \
	test "$(stat -c '%a %u:%g' "$M/kept.json")" = "640 4242:4343"

# Named temporaries (no O_TMPFILE): a dead run's is removed, a live run's kept.
ns=$(printf %x "$(stat -L -c %i /proc/self/ns/pid)")
sleep 300 &
live=$!
live_start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$live/stat")
sh -c 'exit 0' &
dead=$!
wait "$dead"
: >"$M/.r.json.nsprobe-$ns-$dead-12345.tmp"
: >"$M/.r.json.nsprobe-$ns-$live-$live_start.tmp"
: >"$M/.r.json.nsprobe-$ns-$live-1.tmp"
NSPROBE_TEST_NO_TMPFILE=1 run_json "$M/r.json"
check "named temporaries: the report was written" test -s "$M/r.json"
check "a dead run's temporary was removed" test ! -e "$M/.r.json.nsprobe-$ns-$dead-12345.tmp"
check "a temporary whose pid now has another start time was removed" \
	test ! -e "$M/.r.json.nsprobe-$ns-$live-1.tmp"
check "a live run's temporary was kept" test -e "$M/.r.json.nsprobe-$ns-$live-$live_start.tmp"
kill "$live"
wait "$live" 2>/dev/null
left=$(ls -A "$M" | grep '\.tmp$' | grep -v -x ".r.json.nsprobe-$ns-$live-$live_start.tmp")
check "no temporary of ours left (${left:-none})" test -z "$left"
cd /
echo "$checks checks passed"
