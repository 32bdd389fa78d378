package spectate

import (
	"sync"
	"time"
)

// frame is what one feed flush publishes: the SSE text of its events back to
// back, encoded once and shared (never modified) by every subscriber's queue,
// and written with one write. at is when the feed published it: a
// spectator's lag is measured from it.
type frame struct {
	data   []byte
	at     time.Time
	events int // SSE events in data

	// The frame's state event, its last, starts at data[stateAt] (if
	// hasState): a spectator who asked for a slower rate (?rate=N) gets
	// the frame without it, lite, when the state is not due for it.
	stateAt   int
	stateTick uint32
	hasState  bool
	lite      *frame // data[:stateAt], made on first use (under feed.mu)
}

// without returns fr without its state, shared by every spectator that
// skips it; nil if nothing else is in the frame. feed.mu held.
func (fr *frame) without() *frame {
	if fr.stateAt == 0 {
		return nil
	}
	if fr.lite == nil {
		fr.lite = &frame{data: fr.data[:fr.stateAt], at: fr.at, events: fr.events - 1}
	}
	return fr.lite
}

// subscriber is one spectator's bounded queue of frames. The feed goroutine
// pushes and drops (holding feed.mu); the spectator's handler takes frames
// and writes them. Its methods are safe for concurrent use.
//
// Lag is measured against live, not against the socket: the oldest frame
// not yet taken by the kernel (queued, or taken by the handler and still
// being written) says how far behind the spectator is.
type subscriber struct {
	ready chan struct{} // capacity 1: a frame was queued, or the queue closed

	mu      sync.Mutex
	ring    []*frame // queued frames: ring[head], ring[head+1], … (n of them)
	head, n int
	busy    time.Time     // at of the oldest frame taken and not yet written; zero when idle
	closed  bool          // no frame will follow; the handler stops when the queue is empty
	dropped bool          // the feed let it go: the handler stops at once
	retry   time.Duration // with dropped: the reconnect delay to tell the client, if its socket can take it (0: none)
	abort   func()        // makes the handler's write in progress fail; nil unless streaming

	seq uint64 // subscription order, server-wide (set before it is shared)

	// Guarded by feed.mu.
	idx     int  // position in feed.subs, -1 when not there
	waiting bool // in feed.waiting
	rate    int  // states per second this spectator asked for; 0: the feed's
	bucket  uint64
	bucketd bool // bucket holds the last state sent: ⌊tick·rate/tickRate⌋
}

// pick is the frame sub gets of fr: fr itself, or without its state when
// the spectator's own rate has had its state for this part of the second
// (match.TickDue's rule, applied to the states the feed publishes, so it
// sends at most rate a second). nil: nothing to send. feed.mu held.
func (s *subscriber) pick(fr *frame, tickRate int) *frame {
	if s.rate == 0 || !fr.hasState {
		return fr
	}
	b := uint64(fr.stateTick) * uint64(s.rate) / uint64(max(tickRate, 1))
	if !s.bucketd || b > s.bucket {
		s.bucket, s.bucketd = b, true
		return fr
	}
	return fr.without()
}

// saw says the spectator's picture is the state of tick (its snapshot): the
// next state it gets follows its rate from there. feed.mu held.
func (s *subscriber) saw(tick uint32, tickRate int) {
	if s.rate > 0 {
		s.bucket, s.bucketd = uint64(tick)*uint64(s.rate)/uint64(max(tickRate, 1)), true
	}
}

func newSubscriber(queueSize int) *subscriber {
	return &subscriber{ready: make(chan struct{}, 1), ring: make([]*frame, queueSize), idx: -1}
}

func (s *subscriber) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// push queues fr; it reports false, queueing nothing, if the queue is full.
func (s *subscriber) push(fr *frame) bool {
	return s.offer(fr, time.Time{}, 0)
}

// offer queues fr unless the queue is full or, with maxLag > 0, the
// spectator's oldest unwritten frame (queued, or taken and still being
// written) is more than maxLag old at now: then it reports false and queues
// nothing. Lag is measured against live (each frame's publish time), not
// against the socket.
func (s *subscriber) offer(fr *frame, now time.Time, maxLag time.Duration) bool {
	s.mu.Lock()
	if s.n == len(s.ring) || maxLag > 0 && s.lagLocked(now) > maxLag {
		s.mu.Unlock()
		return false
	}
	s.ring[(s.head+s.n)%len(s.ring)] = fr
	s.n++
	s.mu.Unlock()
	s.signal()
	return true
}

// lagLocked is how old the oldest unwritten frame is at now; 0 if none.
func (s *subscriber) lagLocked(now time.Time) time.Duration {
	oldest := s.busy
	if oldest.IsZero() && s.n > 0 {
		oldest = s.ring[s.head].at
	}
	if oldest.IsZero() {
		return 0
	}
	return now.Sub(oldest)
}

// take moves up to cap(dst) queued frames to dst, oldest first, and marks
// them as being written until written is called. closed reports that the
// queue is closed and now empty; dropped that the spectator must stop at
// once (dst is then empty).
func (s *subscriber) take(dst []*frame) (_ []*frame, closed, dropped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return dst, true, true
	}
	for s.n > 0 && len(dst) < cap(dst) {
		dst = append(dst, s.ring[s.head])
		s.ring[s.head] = nil
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	if len(dst) > 0 {
		s.busy = dst[0].at
	}
	return dst, s.closed && s.n == 0, false
}

// written says the frames last taken are in the kernel's hands. more reports
// that frames are queued already (the handler takes them without waiting).
func (s *subscriber) written() (more bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = time.Time{}
	return s.n > 0
}

// close says no frame will follow (after the match's end).
func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
}

// drop lets the spectator go: its handler stops at once, a write in progress
// fails, and the queued frames are released. A non-zero retry is the
// reconnect delay the handler tells the client on its way out.
func (s *subscriber) drop(retry time.Duration) {
	s.mu.Lock()
	s.dropped, s.closed, s.retry = true, true, retry
	clear(s.ring)
	s.n = 0
	if s.abort != nil {
		s.abort()
	}
	s.mu.Unlock()
	s.signal()
}

// isDropped reports whether the feed let the spectator go.
func (s *subscriber) isDropped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// retryHint is the reconnect delay to tell a dropped spectator; 0 for none.
func (s *subscriber) retryHint() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retry
}

// attach installs abort, which makes the handler's write in progress fail
// (by moving its deadline into the past); detach removes it before the
// handler returns, so the feed never touches a finished response.
func (s *subscriber) attach(abort func()) {
	s.mu.Lock()
	s.abort = abort
	s.mu.Unlock()
}

func (s *subscriber) detach() { s.attach(nil) }

// arm runs setDeadline (the handler's per-write deadline) unless the
// spectator was dropped. Serialised with drop's abort, it cannot undo an
// abort: either arm sees the drop, or the abort comes after the deadline.
func (s *subscriber) arm(setDeadline func() error) (ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return false, nil
	}
	return true, setDeadline()
}
