// The seed program (../../../../shared/seeds/000_*): unshare(CLONE_NEWPID) from Go,
// then run a command (argv[1], default /bin/sh) whose first child is PID 1.
// On 3.8-3.11 (and all 3.10.y) the unshare fails EINVAL: Go is multi-threaded.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if err := syscall.Unshare(syscall.CLONE_NEWPID); err != nil {
		fmt.Fprintf(os.Stderr, "Error unsharing PID namespace: %v\n", err)
		os.Exit(1)
	}
	shell := "/bin/sh"
	if len(os.Args) > 1 {
		shell = os.Args[1]
	}
	cmd := exec.Command(shell)
	cmd.Stdin = os.Stdin
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "Error running shell: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("Exited shell")
}
