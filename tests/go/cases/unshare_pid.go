//go:build ignore

// syscall.Unshare(CLONE_NEWPID) from main: the multi-threaded rule (WILL FAIL on 3.8-3.11).
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	if err := syscall.Unshare(syscall.CLONE_NEWPID); err != nil {
		fmt.Fprintln(os.Stderr, "unshare:", err)
		os.Exit(1)
	}
}
