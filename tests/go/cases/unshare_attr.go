//go:build ignore

// exec.Cmd with SysProcAttr{Unshareflags: CLONE_NEWPID}: the child is forked with
// CLONE_VM|CLONE_VFORK, shares the parent's mm, and its unshare fails EINVAL on 3.8-3.11
// (measured: "fork/exec /bin/true: invalid argument" on 3.10.46).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWPID}
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
