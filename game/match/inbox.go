package match

import (
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// The inbox is how network goroutines talk to a match without touching its
// World: a mutex-guarded pair of slices, appended to by any goroutine and
// swapped out by the match goroutine once per tick. Swapping (rather than a
// channel) lets the match take a whole tick's worth of messages in one lock
// and reuse both slices forever, so a busy match does not allocate per input.

// inboxInput is one queued Match.Input call.
type inboxInput struct {
	id game.PlayerID
	in game.Input
	at time.Duration // when it arrived, on the match's clock since its epoch
}

// ctrlKind says what a ctrlMsg asks for.
type ctrlKind uint8

const (
	ctrlJoin ctrlKind = iota + 1
	ctrlLeave
	ctrlHold   // hold.go
	ctrlResume // hold.go
)

// ctrlMsg is a join, leave, hold or resume, kept in arrival order.
type ctrlMsg struct {
	kind     ctrlKind
	id       game.PlayerID // leave, hold, resume
	join     *joinReq      // join, resume
	ticks    uint32        // hold: the window in ticks
	released func()        // hold
}

// joinReq is a Join waiting for the match goroutine. Exactly one of the match
// (take) and the caller giving up (abandon) wins, so a caller whose context
// expires never leaves a ghost player seated, and a seated player's result
// is never lost.
type joinReq struct {
	name  string
	state atomic.Uint32 // joinPending → joinTaken or joinAbandoned
	reply chan joinReply
}

const (
	joinPending uint32 = iota
	joinTaken
	joinAbandoned
)

type joinReply struct {
	res JoinResult
	err error
}

func (r *joinReq) take() bool    { return r.state.CompareAndSwap(joinPending, joinTaken) }
func (r *joinReq) abandon() bool { return r.state.CompareAndSwap(joinPending, joinAbandoned) }
