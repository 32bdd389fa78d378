package netcode

import "sync"

// entry is one prepared frame waiting in an outbox.
type entry struct {
	frame []byte // a complete WebSocket frame; shared and never modified
	tick  uint32 // the server tick of a hub frame; 0 for pongs, errors and control replies
	hub   bool   // from the hub (events or snapshot), as opposed to the session
}

// hubState says what the outbox does with frames offered by the hub.
type hubState uint8

const (
	hubOff  hubState = iota // not attached to a match: hub frames are ignored
	hubHeld                 // joining: hub frames are kept but not sent until the welcome
	hubOn                   // playing: hub frames are sent
)

// outbox is one connection's bounded send queue, between the goroutines that
// produce frames (the match goroutine via the hub, the connection's reader)
// and the connection's writer goroutine.
//
// It has one slot for the latest snapshot, where a newer snapshot replaces an
// unsent older one (a snapshot is complete, so only the newest matters), and
// a FIFO for everything that must not be dropped: events, welcome, pongs,
// errors and control replies. The FIFO holds at most limit frames; an offer
// beyond that fails and the caller closes the connection as too slow, since
// a client that lets that many frames pile up is not keeping up.
//
// Offers never block: they take a mutex that is only ever held for a few
// slice operations, and signal the writer through a channel of size 1.
// It is safe for concurrent use.
type outbox struct {
	mu      sync.Mutex
	queue   []entry
	limit   int
	snap    entry
	hasSnap bool
	state   hubState
	// src is the hub whose frames are taken while state is not hubOff. A
	// connection whose join fails moves on to another match's hub, and an
	// OnTick of the old match that loaded its connection list before the
	// move may still offer to it: those frames belong to another match.
	src *hub
	// joinTick is the tick the welcome's roster is of: hub frames the
	// welcome covers (events of it or earlier, snapshots before it) are
	// dropped, also when the hub's encoder offers them after the release.
	joinTick uint32
	closed   bool          // no more offers are taken
	ready    chan struct{} // capacity 1: "there may be something to take"
}

func newOutbox(limit int) *outbox {
	return &outbox{
		queue: make([]entry, 0, min(limit, 16)),
		limit: limit,
		ready: make(chan struct{}, 1),
	}
}

func (o *outbox) signal() {
	select {
	case o.ready <- struct{}{}:
	default: // a wake-up is already pending; the writer takes everything at once
	}
}

// push queues a session frame (welcome, pong, error, control reply). It
// reports false when the queue is full.
func (o *outbox) push(frame []byte) bool {
	return o.enqueue(entry{frame: frame}, nil)
}

// offerEvents queues an events frame of src's for tick. It reports false
// when the queue is full; frames offered to a closed outbox, or one not
// attached to src, are dropped and reported as taken.
func (o *outbox) offerEvents(src *hub, frame []byte, tick uint32) bool {
	return o.enqueue(entry{frame: frame, tick: tick, hub: true}, src)
}

func (o *outbox) enqueue(e entry, src *hub) bool {
	o.mu.Lock()
	if o.closed || (e.hub && (o.state == hubOff || o.src != src || o.state == hubOn && e.tick <= o.joinTick)) {
		o.mu.Unlock()
		return true
	}
	if len(o.queue) >= o.limit {
		o.mu.Unlock()
		return false
	}
	o.queue = append(o.queue, e)
	o.mu.Unlock()
	o.signal()
	return true
}

// offerSnapshot puts a snapshot frame of src's for tick in the snapshot slot
// and reports whether it replaced one that was never sent. Like offerEvents,
// it ignores a src the outbox is not attached to.
func (o *outbox) offerSnapshot(src *hub, frame []byte, tick uint32) (replaced bool) {
	o.mu.Lock()
	if o.closed || o.state == hubOff || o.src != src || o.state == hubOn && tick < o.joinTick {
		o.mu.Unlock()
		return false
	}
	replaced = o.hasSnap
	o.snap, o.hasSnap = entry{frame: frame, tick: tick, hub: true}, true
	o.mu.Unlock()
	o.signal()
	return replaced
}

// hold starts accepting src's frames without sending them: the connection
// is attached to src's match and waiting for its join to complete.
func (o *outbox) hold(src *hub) {
	o.mu.Lock()
	o.state, o.src, o.joinTick = hubHeld, src, 0
	o.mu.Unlock()
}

// playing reports whether the outbox sends src's frames: the welcome of a
// join to src's match is out. While it is only held, the join decides what
// happens to the connection.
func (o *outbox) playing(src *hub) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state == hubOn && o.src == src
}

// release ends a hold. With a welcome frame, the welcome goes out before any
// hub frame, and hub frames the welcome already covers (events of ticks up to
// joinTick, snapshots older than joinTick) are dropped, so the client sees
// every event after its roster exactly once. With a nil welcome the join
// failed: hub frames are dropped and no more are taken.
func (o *outbox) release(welcome []byte, joinTick uint32) {
	o.mu.Lock()
	kept := o.queue[:0]
	var hubFrames []entry
	for _, e := range o.queue {
		switch {
		case !e.hub:
			kept = append(kept, e)
		case welcome != nil && e.tick > joinTick:
			hubFrames = append(hubFrames, e) // rare path: a join is once per connection
		}
	}
	if welcome != nil {
		kept = append(kept, entry{frame: welcome})
		kept = append(kept, hubFrames...)
		o.state, o.joinTick = hubOn, joinTick
		if o.hasSnap && o.snap.tick < joinTick {
			o.snap, o.hasSnap = entry{}, false
		}
	} else {
		o.state, o.src, o.joinTick = hubOff, nil, 0
		o.snap, o.hasSnap = entry{}, false
	}
	if len(kept) < len(o.queue) {
		clear(o.queue[len(kept):]) // drop references to the frames left behind
	}
	o.queue = kept
	o.mu.Unlock()
	o.signal()
}

// close stops taking offers. What is queued stays for the writer to flush
// or drop.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

// take appends everything that may be sent now to dst, in the order to send
// it, and empties the outbox of it.
//
// The order keeps the protocol's promise that a tick's events precede that
// tick's snapshot and that no snapshot overtakes events of its own or an
// earlier tick: queued frames of ticks up to the snapshot's tick (and session
// frames, which are out of band) go first, then the snapshot, then queued hub
// frames of later ticks. While the outbox is held, only the session frames at
// the head of the queue are taken.
func (o *outbox) take(dst []entry) []entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state == hubHeld {
		n := 0
		for n < len(o.queue) && !o.queue[n].hub {
			n++
		}
		dst = append(dst, o.queue[:n]...)
		rest := copy(o.queue, o.queue[n:])
		clear(o.queue[rest:])
		o.queue = o.queue[:rest]
		return dst
	}
	// A stable partition: hub frames newer than the snapshot move behind it.
	snapTick, hasSnap := o.snap.tick, o.hasSnap
	later := false
	for _, e := range o.queue {
		if hasSnap && e.hub && e.tick > snapTick {
			later = true
			continue
		}
		dst = append(dst, e)
	}
	if hasSnap {
		dst = append(dst, o.snap)
		o.snap, o.hasSnap = entry{}, false
	}
	if later {
		for _, e := range o.queue {
			if e.hub && e.tick > snapTick {
				dst = append(dst, e)
			}
		}
	}
	clear(o.queue) // let the GC have frames nobody else holds
	o.queue = o.queue[:0]
	return dst
}

// pending returns how many frames wait in the FIFO (not counting the
// snapshot slot).
func (o *outbox) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue)
}
