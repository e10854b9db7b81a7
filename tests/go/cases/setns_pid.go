//go:build ignore

// unix.Setns(fd, CLONE_NEWPID) after runtime.LockOSThread: the thread rule.
package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

func main() {
	fd, err := unix.Open("/proc/1/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Exit(1)
	}
	runtime.LockOSThread()
	if err := unix.Setns(fd, unix.CLONE_NEWPID); err != nil {
		fmt.Fprintln(os.Stderr, "setns:", err)
		os.Exit(1)
	}
}
