//go:build unix

package main

import (
	"os"
	"syscall"
)

// cutSignals cut every connection through `skirmish netsim`.
var cutSignals = []os.Signal{syscall.SIGUSR1}
