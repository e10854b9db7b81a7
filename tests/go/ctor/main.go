// runc's nsexec pattern in miniature: a cgo constructor runs before the Go
// runtime starts its threads (here it only records that it ran), so namespace
// work done there happens while the process is still single-threaded.
package main

/*
static int ctor_ran;
__attribute__((constructor)) static void early_nsexec(void) { ctor_ran = 1; }
static int did_ctor_run(void) { return ctor_ran; }
*/
import "C"
import "fmt"

func main() { fmt.Println("constructor ran:", C.did_ctor_run()) }
