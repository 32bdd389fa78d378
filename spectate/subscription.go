package spectate

import (
	"slices"
	"time"
)

// This file is the feed's side of its spectators: subscribing (with the
// history hand-off), offering frames, dropping and shedding, and noticing
// when nobody watches. The subscriber's own queue is in subscriber.go.

// idle reports whether nobody has watched the feed for idleGrace at now.
func (f *feed) idle(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.idleLocked(now)
}

func (f *feed) idleLocked(now time.Time) bool {
	return len(f.subs)+len(f.waiting) == 0 && !f.finished && !f.idleSince.IsZero() &&
		now.Sub(f.idleSince) >= f.opt.idleGrace
}

// noteLeftLocked starts the idle clock when the last spectator has gone.
func (f *feed) noteLeftLocked() {
	if len(f.subs)+len(f.waiting) == 0 && f.idleSince.IsZero() {
		f.idleSince = f.opt.clock.Now()
	}
}

// offerLocked queues fr for every subscriber without blocking. A subscriber
// is dropped (its handler stops; the client can resume with Last-Event-ID)
// when its oldest unwritten frame is more than maxLag old, or when its queue
// is full.
func (f *feed) offerLocked(fr *frame, now time.Time) {
	for i := 0; i < len(f.subs); {
		sub := f.subs[i]
		mine := sub.pick(fr, f.opt.tickRate)
		if mine == nil {
			i++
			continue
		}
		if !sub.offer(mine, now, f.opt.maxLag) {
			f.dropLocked(sub)
			continue // dropLocked moved the last subscriber into slot i: look at it next
		}
		i++
	}
}

// dropLocked lets sub go because it fell behind.
func (f *feed) dropLocked(sub *subscriber) {
	f.letGoLocked(sub, 0)
	f.opt.counters.dropped.Add(1)
}

func (f *feed) letGoLocked(sub *subscriber, retry time.Duration) {
	f.removeLocked(sub)
	sub.drop(retry)
	f.noteLeftLocked()
}

// appendSeqs appends the subscription numbers of f's spectators to dst.
func (f *feed) appendSeqs(dst []uint64) []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, sub := range f.subs {
		dst = append(dst, sub.seq)
	}
	return dst
}

// shedFrom drops the spectators whose subscription number is at least
// cutoff (see Server.shedNewest) and returns how many.
func (f *feed) shedFrom(cutoff uint64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for i := 0; i < len(f.subs); {
		if sub := f.subs[i]; sub.seq >= cutoff {
			// Told to come back later, at a random moment, a shed wave
			// does not return as one herd after EventSource's 2 s.
			f.letGoLocked(sub, retryLater()) // moves the last subscriber into slot i
			f.opt.counters.shed.Add(1)
			n++
			continue
		}
		i++
	}
	return n
}

// removeLocked takes sub out of f.subs (order is not kept).
func (f *feed) removeLocked(sub *subscriber) {
	i := sub.idx
	if i < 0 {
		return
	}
	last := len(f.subs) - 1
	f.subs[i] = f.subs[last]
	f.subs[i].idx = i
	f.subs[last] = nil
	f.subs = f.subs[:last]
	sub.idx = -1
}

func (f *feed) addLocked(sub *subscriber) {
	sub.idx = len(f.subs)
	f.subs = append(f.subs, sub)
	f.idleSince = time.Time{}
}

// promoteLocked gives every waiting subscriber its first snapshot (as of
// lastID) and starts offering it frames. Without a state yet it waits, unless
// the feed is ending: then the (empty) snapshot is still the best first event.
func (f *feed) promoteLocked(ending bool, now time.Time) {
	if len(f.waiting) == 0 || (!f.hasState && !ending) {
		return
	}
	fr := &frame{data: f.snapshotLocked(f.lastID), at: now, events: 1}
	for _, sub := range f.waiting {
		sub.waiting = false
		sub.saw(f.latest.Tick, f.opt.tickRate)
		sub.push(fr) // the queue is empty and has room for at least one
		f.addLocked(sub)
	}
	clear(f.waiting)
	f.waiting = f.waiting[:0]
}

// subscription is what a new spectator starts with.
type subscription struct {
	sub      *subscriber // nil when over or released
	backlog  [][]byte    // events to write before the queued frames
	over     bool        // the match has ended and the client has already seen everything
	released bool        // the feed was released just now: ask the server for the match's feed again
}

// subscribe adds a spectator. With resume set and last still resumable, the
// backlog is every event after last; otherwise it is a fresh snapshot whose
// id is the feed's current last id, so a later resume from it continues
// without a gap. It runs under mu, so nothing is published between the
// backlog and the first queued event.
func (f *feed) subscribe(last uint64, resume bool) subscription {
	return f.subscribeAt(last, resume, 0)
}

// subscribeAt is subscribe for a spectator who asked for rate states a
// second (0: the feed's rate).
func (f *feed) subscribeAt(last uint64, resume bool, rate int) subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.released {
		return subscription{released: true}
	}
	sub := newSubscriber(f.opt.queueSize)
	sub.rate = rate
	if f.opt.seq != nil {
		sub.seq = f.opt.seq.Add(1)
	}
	var backlog [][]byte
	resumable := resume && (f.hasState || f.finished) && f.floor <= last && last <= f.lastID
	if resumable {
		backlog = f.hist.since(last, nil)
		if f.finished && len(backlog) == 0 {
			return subscription{over: true}
		}
		n := 0
		for _, b := range backlog {
			n += len(b)
		}
		if !f.opt.resume.take(f.opt.clock.Now(), n) {
			// A storm of resumes would replay megabytes at once: past the
			// budget, a resume starts from a snapshot, shared by all.
			backlog, resumable = nil, false
			f.opt.counters.paced.Add(1)
		}
	}
	switch {
	case resumable:
	case f.finished:
		// The snapshot takes the id before end's, so the two read as one
		// contiguous stream.
		backlog = [][]byte{f.snapshotLocked(f.endID - 1), f.endData}
	case !f.hasState:
		sub.waiting = true
		f.waiting = append(f.waiting, sub)
		f.idleSince = time.Time{}
		return subscription{sub: sub}
	default:
		backlog = [][]byte{f.snapshotLocked(f.lastID)}
		sub.saw(f.latest.Tick, f.opt.tickRate)
	}
	if f.finished {
		sub.close()
	} else {
		f.addLocked(sub)
	}
	return subscription{sub: sub, backlog: backlog}
}

// unsubscribe removes sub; it is a no-op if the feed already let it go.
func (f *feed) unsubscribe(sub *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sub.waiting {
		for i, w := range f.waiting {
			if w == sub {
				f.waiting = slices.Delete(f.waiting, i, i+1)
				break
			}
		}
		sub.waiting = false
	} else {
		f.removeLocked(sub)
	}
	f.noteLeftLocked()
}

// spectators returns how many spectators are subscribed.
func (f *feed) spectators() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs) + len(f.waiting)
}
