#!/bin/bash
# tests/fuzz/make-goelf-seed.sh - write corpus/goelf/tiny-go120.elf: a ~9 KB
# static x86-64 ELF shaped like a Go 1.20 binary, so that the goelf fuzzer
# starts from an input that takes every path of checks/goelf.c (a real Go
# binary is over 1 MB).  It has a 1.18+ inline .go.buildinfo (go1.20.7, with
# module info), a 1.20 .gopclntab naming main.main, syscall.RawSyscall,
# syscall.Unshare and runtime.LockOSThread with their text offsets, main.main
# calling syscall.Unshare(CLONE_NEWPID) and syscall.RawSyscall(SYS_UNSHARE,
# CLONE_NEWNS) with constant arguments (the call-site decoder), a .symtab,
# and an .init_array constructor that is not the toolchain's (nsexec-like).
# Needs python3, gcc (as, ld).  Usage: tests/fuzz/make-goelf-seed.sh [OUT]
set -eu
cd "$(dirname "$0")"
OUT=${1:-corpus/goelf/tiny-go120.elf}
W=$(mktemp -d /tmp/nsprobe-goelf-seed.XXXXXX)
trap 'rm -rf "$W"' EXIT

python3 - "$W" <<'EOF'
import struct, sys
w = sys.argv[1]
# --- .gopclntab, Go 1.20 layout (src/debug/gosym/pclntab.go, go12 v1.20) ---
funcs = [("main.main", 0x00), ("syscall.RawSyscall", 0x20), ("syscall.Unshare", 0x30),
         ("runtime.LockOSThread", 0x40)]
end_off = 0x50
names = b""
name_off = []
for n, _ in funcs:
    name_off.append(len(names))
    names += n.encode() + b"\0"
names += b"main.inlined\0"            # a name only in funcnametab (an inlined function)
hdr_len = 8 + 8 * 8
names_at = hdr_len
names_end = names_at + len(names)
funcdata = (names_end + 7) & ~7
nf = len(funcs)
ftab_len = (2 * nf + 1) * 4
func_size = 44                         # runtime._func in 1.20
ftab = b""
fstructs = b""
for i, (n, e) in enumerate(funcs):
    foff = ftab_len + i * func_size
    ftab += struct.pack("<II", e, foff)
    fstructs += struct.pack("<Ii", e, name_off[i]) + b"\0" * (func_size - 8)
ftab += struct.pack("<I", end_off)
hdr = struct.pack("<IBBBB", 0xfffffff1, 0, 0, 1, 8)
hdr += struct.pack("<8Q", nf, 0, 0, names_at, names_end, names_end, names_end, funcdata)
tab = hdr + names + b"\0" * (funcdata - names_end) + ftab + fstructs
open(w + "/pcln.bin", "wb").write(tab)
# --- .go.buildinfo, 1.18+ inline format (src/debug/buildinfo) ---
def varstr(b):
    n, out = len(b), b""
    while True:
        c = n & 0x7f
        n >>= 7
        out += bytes([c | (0x80 if n else 0)])
        if not n:
            return out + b
start = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")  # cmd/go modload infoStart
end = bytes.fromhex("f932433186182072008242104116d8f2")    # infoEnd
mod = b"path\texample.com/nsseed\nmod\texample.com/nsseed\t(devel)\t\nbuild\t-compiler=gc\n"
bi = b"\xff Go buildinf:" + bytes([8, 2]) + b"\0" * 16
bi += varstr(b"go1.20.7") + varstr(start + mod + end)
open(w + "/bi.bin", "wb").write(bi)
EOF

cat >"$W/tiny.S" <<EOF
	.text
	.globl _start
_start:                          /* main.main, text offset 0x00 */
	mov \$0x20000000, %eax     /* syscall.Unshare(CLONE_NEWPID) */
	call unshare
	mov \$0x110, %eax          /* syscall.RawSyscall(SYS_UNSHARE, CLONE_NEWNS) */
	mov \$0x20000, %ebx
	call raw
	ret
	.p2align 5, 0xcc
raw:	ret                       /* syscall.RawSyscall, 0x20 */
	.p2align 4, 0xcc
unshare: ret                     /* syscall.Unshare, 0x30 */
	.p2align 4, 0xcc
lock:	ret                       /* runtime.LockOSThread, 0x40 */
	.p2align 4, 0xcc
	.globl nsexec_like_ctor
	.type nsexec_like_ctor, @function
nsexec_like_ctor: ret
	.section .gopclntab, "a"
	.p2align 5
	.incbin "$W/pcln.bin"
	.section .go.buildinfo, "aw"
	.p2align 4
	.incbin "$W/bi.bin"
	.section .init_array, "aw"
	.p2align 3
	.quad nsexec_like_ctor
EOF
gcc -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,norelro -Wl,-z,noseparate-code \
	-o "$W/tiny" "$W/tiny.S"
cp "$W/tiny" "$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes)"
