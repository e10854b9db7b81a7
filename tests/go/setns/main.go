// setns(CLONE_NEWPID) into the PID namespace of the process named by argv[1]
// (its /proc/PID/ns/pid), then start goroutines that need new OS threads: the
// kernel refuses clone(CLONE_THREAD) once pid_ns_for_children differs from the
// active namespace (faf00da54404, 4.3; CLONE_SIGHAND/CLONE_VM before), so the
// runtime dies with "failed to create new OS thread (... errno=22)".
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: setns PID")
		os.Exit(2)
	}
	fd, err := unix.Open("/proc/"+os.Args[1]+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "open: %v\n", err)
		os.Exit(1)
	}
	runtime.LockOSThread()
	if err := unix.Setns(fd, unix.CLONE_NEWPID); err != nil {
		fmt.Fprintf(os.Stderr, "setns: %v\n", err)
		os.Exit(1)
	}
	// Goroutines blocked in system calls each pin an OS thread, so the
	// runtime must create more threads than it has.
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ts = unix.Timespec{Nsec: int64(50 * time.Millisecond)}
			unix.Nanosleep(&ts, nil)
		}()
	}
	wg.Wait()
	fmt.Println("threads started")
}
