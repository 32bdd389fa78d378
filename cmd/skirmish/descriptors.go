package main

import (
	"fmt"
	"math"
)

// fdReserve is how many file descriptors are never handed to player
// connections or spectator streams: the listener, the runtime's poller, the
// standard streams and log files, and the short requests the server must
// always answer (/healthz, the lobby's match list, static files). Without it
// ~2,000 SSE streams on a host limited to 2,048 descriptors took every one:
// /healthz and new players timed out.
const fdReserve = 256

// openFileLimit returns the process's RLIMIT_NOFILE soft limit, and false
// where it cannot be read. Go raises the soft limit to the hard one at start
// (os package, since Go 1.19), so this is the real ceiling. Tests replace it.
var openFileLimit = readOpenFileLimit

// fdBudget is how a process's descriptors are shared out: players first (a
// player is never refused for a spectator's sake), spectators get what the
// players' cap and the reserve leave.
type fdBudget struct {
	Limit      int // RLIMIT_NOFILE; 0 when unknown
	Players    int // effective --max-connections
	Spectators int // effective --max-spectators; 0: none at all
}

// descriptorBudget derives the effective caps from the descriptor limit
// (known false: no limit could be read, the flags stand). It fails when the
// limit leaves nothing beyond the reserve.
func descriptorBudget(limit uint64, known bool, maxConns, maxSpecs int) (fdBudget, error) {
	if !known {
		return fdBudget{Players: maxConns, Spectators: maxSpecs}, nil
	}
	lim := int(min(limit, math.MaxInt32)) // RLIM_INFINITY and friends
	usable := lim - fdReserve
	if usable < 1 {
		return fdBudget{}, fmt.Errorf("the open-file limit (RLIMIT_NOFILE) is %d: that leaves nothing beyond the %d descriptors kept in reserve; raise it (ulimit -n)", lim, fdReserve)
	}
	players := min(maxConns, usable)
	return fdBudget{Limit: lim, Players: players, Spectators: min(maxSpecs, usable-players)}, nil
}
