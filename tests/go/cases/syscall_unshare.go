//go:build ignore

// syscall.Syscall(SYS_UNSHARE, CLONE_NEWPID|CLONE_NEWNS) directly in main.main.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	if _, _, e := syscall.Syscall(syscall.SYS_UNSHARE, syscall.CLONE_NEWPID|syscall.CLONE_NEWNS, 0, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "unshare:", e)
		os.Exit(1)
	}
}
