#!/usr/bin/env python3
"""make.py - (re)generate the recorded console transcripts in this directory.

clean.console and panic.console are real serial transcripts of Debian's
6.1.0-56-cloud-amd64 under qemu TCG: clean.console booted with
nsprobe.nonce=0123456789abcdef and seven probes (getpid_cache was not written
yet, so the init reports it "not in the initramfs"); panic.console is
`nsprobe qualify --save-console DIR IMAGE::rdinit=/nonexistent`.  `resign`
moves a transcript saved by --save-console to the fixed nonce below.  The other
cases cannot come from any image we have, so they are built from them:
interleaved (kernel messages between and inside records), truncated (the guest
died in nest_depth), no-initramfs (a kernel that ignores the initrd) and
pidns-n (CONFIG_PID_NS=n: the static probes' real output under a seccomp
filter that answers EINVAL to every CLONE_NEWPID, as that kernel does).
Usage: make.py resign IN OLD_NONCE > OUT | make.py variants
"""
import binascii, os, re, sys

NONCE = "0123456789abcdef"
HERE = os.path.dirname(os.path.abspath(__file__))
REC = re.compile(r"@@NSP (\S+) (\d+) (\S) (\S+) ([0-9a-f]{8}) (.*?)(\r?)$")


def record(seq, kind, name, payload):
    esc = "".join(c if 0x20 <= ord(c) < 0x7f and c != "\\" else "\\x%02x" % ord(c) for c in payload)
    body = "%s %d %s %s " % (NONCE, seq, kind, name)
    crc = binascii.crc32((body + esc).encode()) & 0xffffffff
    return "@@NSP %s %d %s %s %08x %s\r\n" % (NONCE, seq, kind, name, crc, esc)


def resign(text, old):
    out = []
    for line in text.splitlines(keepends=True):
        m = REC.search(line.rstrip("\n"))
        if m and m.group(1) == old:
            body = "%s %s %s %s " % (NONCE, m.group(2), m.group(3), m.group(4))
            crc = binascii.crc32((body + m.group(6)).encode()) & 0xffffffff
            line = line[:m.start()] + "@@NSP %s%08x %s%s\n" % (body, crc, m.group(6), m.group(7))
        out.append(line)
    return "".join(out)


def read(name):
    with open(os.path.join(HERE, name), newline="") as f:
        return f.read()


def write(name, text):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        f.write(text)


def interleaved(clean):
    lines = clean.splitlines(keepends=True)
    out = []
    for line in lines:
        if " O nest_depth " in line and "depth=32" in line:
            # a printk in the middle of a payload line: head, kernel line, tail
            cut = line.index("depth=") + 3
            out.append(line[:cut] + "[    2.345678] random: crng init done\r\n" + line[cut:])
        elif " O reaper_death " in line and "members_killed" in line:
            # a printk cutting the marker itself
            out.append(line[:3] + "[    2.400001] clocksource: tsc: mark unstable\r\n" + line[3:])
        elif " B thread_after_setns " in line:
            # kernel text on the same line before a record, and a kernel line after it
            out.append("[    2.300000] audit: type=2000 audit(1.2:1): state=initialized " + line)
            out.append("[    2.300100] process '/probe/thread_after_setns' started with executable stack\r\n")
        elif " X unshare_multi " in line:
            out.append(line)
            out.append("@@NSP %s 9999 O unshare_multi deadbeef main=EINVAL\r\n" % NONCE)  # forged: bad crc
            out.append("@@NSP feedfacecafebeef 17 O unshare_multi 00000000 main=EINVAL\r\n")  # stale nonce
        else:
            out.append(line)
    return "".join(out)


def truncated(clean):
    out = []
    for line in clean.splitlines(keepends=True):
        out.append(line)
        if " O nest_depth " in line:
            break
    return "".join(out)


def no_initramfs():
    return ("[    0.000000] Linux version 3.10.0-custom (root@build) (gcc version 4.8.5) #1 SMP\r\n"
            "[    0.812345] VFS: Cannot open root device \"(null)\" or unknown-block(0,0): error -6\r\n"
            "[    0.812400] Please append a correct \"root=\" boot option; here are the available partitions:\r\n"
            "[    0.812500] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r\n"
            "[    0.812600] Pid: 1, comm: swapper/0 Not tainted 3.10.0-custom #1\r\n"
            "[    0.812700] Call Trace:\r\n"
            "[    0.812800]  [<ffffffff8163a1a5>] dump_stack+0x19/0x1b\r\n"
            "[    0.812900] Rebooting in 1 seconds..\r\n")


def pidns_n():
    src = os.path.join(HERE, "pidns-n")
    seq = 0
    out = ["[    1.100000] Run /init as init process\r\n"]

    def emit(kind, name, payload):
        nonlocal seq
        out.append(record(seq, kind, name, payload))
        seq += 1
    emit("H", "-", "nsprobe-init 1")
    for k, v in (("release", "3.10.0-pidns-n"), ("version", "#1 SMP custom CONFIG_PID_NS=n"),
                 ("machine", "x86_64"), ("probe_timeout_s", "60")):
        emit("F", k, v)
    probes = ["unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
              "thread_after_setns", "nest_depth", "reaper_death", "getpid_cache"]
    for p in probes:
        emit("B", p, "")
        path = os.path.join(src, p + ".out")
        if not os.path.exists(path):
            emit("X", p, "status=skipped exit=-1 signal=0 duration_ms=0 reason=not in the initramfs")
            continue
        for line in open(path).read().splitlines():
            emit("O", p, line)
        code = int(open(os.path.join(src, p + ".exit")).read().split("=")[1])
        status = {0: "measured", 4: "skipped"}.get(code, "broken")
        emit("X", p, "status=%s exit=%d signal=0 duration_ms=3" % (status, code))
    emit("D", "-", "probes=8")
    out.append("[    2.000000] reboot: Power down\r\n")
    return "".join(out)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "resign":
        sys.stdout.write(resign(open(sys.argv[2], newline="").read(), sys.argv[3]))
    elif len(sys.argv) == 2 and sys.argv[1] == "variants":
        clean = read("clean.console")
        write("interleaved.console", interleaved(clean))
        write("truncated.console", truncated(clean))
        write("no-initramfs.console", no_initramfs())
        write("pidns-n.console", pidns_n())
    else:
        sys.exit(__doc__)


main()
