// A Go program with no namespace calls: nsprobe go must list none.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from", os.Args[0])
}
