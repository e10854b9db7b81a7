//go:build ignore

// syscall.RawSyscall(SYS_UNSHARE, CLONE_NEWPID) directly in main.main.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	if _, _, e := syscall.RawSyscall(syscall.SYS_UNSHARE, syscall.CLONE_NEWPID, 0, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "unshare:", e)
		os.Exit(1)
	}
}
