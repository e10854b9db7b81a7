//go:build ignore

// exec.Cmd with SysProcAttr{Cloneflags: CLONE_NEWPID}: the right pattern, never flagged.
package main

import (
	"os"
	"os/exec"
	"syscall"
)

func main() {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	if err := cmd.Run(); err != nil {
		os.Exit(1)
	}
}
