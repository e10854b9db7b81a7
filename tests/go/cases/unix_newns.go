//go:build ignore

// unix.Unshare(CLONE_NEWNS): no PID-namespace rule (a mount namespace is fine multi-threaded).
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		fmt.Fprintln(os.Stderr, "unshare:", err)
		os.Exit(1)
	}
}
