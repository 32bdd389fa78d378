package match

import (
	"sync/atomic"

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
}

// ctrlKind says what a ctrlMsg asks for.
type ctrlKind uint8

const (
	ctrlJoin ctrlKind = iota + 1
	ctrlLeave
)

// ctrlMsg is a join or leave, kept in arrival order.
type ctrlMsg struct {
	kind ctrlKind
	id   game.PlayerID // leave
	join *joinReq      // join
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

// inputQueue is one human's server-side jitter buffer: inputs wait here in
// seq order and are applied one per tick, so a burst of packets after a
// network hiccup is spread over the following ticks rather than lost.
type inputQueue struct {
	id      game.PlayerID
	applied uint32       // Seq of the last input handed to the World
	buf     []game.Input // ascending Seq; capacity fixed at Config.InputBuffer

	// Standing-backlog detection (the CoDel idea applied to inputs): the
	// shortest the queue was, before popping, during the current window.
	ticks int // ticks into the window
	low   int // minimum length seen in the window
}

// push queues in unless it is stale (seq not after the last applied) or a
// duplicate. When the buffer is full the oldest input is dropped, which may
// be in itself: the buffer always keeps the newest inputs, because the
// newest intent is what the player sees on their screen.
func (q *inputQueue) push(in game.Input) {
	if in.Seq <= q.applied {
		return
	}
	i := len(q.buf)
	for i > 0 && q.buf[i-1].Seq > in.Seq {
		i--
	}
	if i > 0 && q.buf[i-1].Seq == in.Seq {
		return
	}
	if len(q.buf) == cap(q.buf) {
		if i == 0 {
			return // older than everything buffered: it is the oldest
		}
		copy(q.buf, q.buf[1:])
		q.buf = q.buf[:len(q.buf)-1]
		i--
	}
	q.buf = append(q.buf, game.Input{})
	copy(q.buf[i+1:], q.buf[i:])
	q.buf[i] = in
}

// next is pop with backlog control, called once per tick. A queue that
// never ran shorter than low inputs during a whole window of window ticks
// holds a standing backlog: after a stall the client's burst of inputs
// queues up and, since exactly one input is applied per tick, would delay
// every later input by the backlog forever. So next skips all of it but one
// input of cushion (which absorbs jitter), folding the skipped buttons into the
// next input so that no shot is lost. The player's prediction drifts by the
// skipped moves and reconciliation corrects it once.
func (q *inputQueue) next(window int) (game.Input, bool) {
	if q.ticks == 0 || len(q.buf) < q.low {
		q.low = len(q.buf)
	}
	q.ticks++
	if q.ticks >= window {
		// low counts the input about to be applied; one more is the cushion.
		if excess := q.low - 2; excess > 0 && excess < len(q.buf) {
			q.skip(excess)
		}
		q.ticks = 0
	}
	return q.pop()
}

// skip drops the n oldest inputs (n < len(q.buf)), keeping their buttons.
func (q *inputQueue) skip(n int) {
	var held game.Buttons
	for _, in := range q.buf[:n] {
		held |= in.Buttons
	}
	q.applied = q.buf[n-1].Seq
	copy(q.buf, q.buf[n:])
	q.buf = q.buf[:len(q.buf)-n]
	q.buf[0].Buttons |= held
}

// pop removes and returns the oldest queued input.
func (q *inputQueue) pop() (game.Input, bool) {
	if len(q.buf) == 0 {
		return game.Input{}, false
	}
	in := q.buf[0]
	copy(q.buf, q.buf[1:])
	q.buf = q.buf[:len(q.buf)-1]
	q.applied = in.Seq
	return in, true
}
