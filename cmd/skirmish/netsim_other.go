//go:build !unix

package main

import "os"

// cutSignals cut every connection through `skirmish netsim`; there is no
// SIGUSR1 here, so only --cut-every cuts.
var cutSignals []os.Signal
