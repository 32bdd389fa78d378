package spectate

import "time"

// record is one published event as kept for resume. data is the event's
// complete SSE wire form, a slice of the frame it was published in, shared
// (never modified) with every subscriber queue that frame was offered to.
// tick and at are kept so a later spectator delay (SourceTV-style) can hold
// events back by game or wall time without re-encoding anything; at also
// ages events out of the history (see feed.trimHistoryLocked).
type record struct {
	id   uint64
	tick uint32
	at   time.Time
	data []byte
}

// ring is the bounded history of a feed: at most len(buf) events, the
// newest, whose ids are contiguous (each one more than the last). It counts
// the bytes it holds so the feed can bound them too. It is not safe for
// concurrent use; the feed guards it.
type ring struct {
	buf   []record
	start int // index of the oldest record
	n     int // records held
	bytes int // total len(data) of the records held
}

func newRing(size int) ring { return ring{buf: make([]record, size)} }

// push appends rec, whose id must be one more than the newest record's. When
// the ring is full the oldest record is evicted and returned.
func (r *ring) push(rec record) (evicted record, ok bool) {
	if r.n == len(r.buf) {
		evicted, ok = r.pop()
	}
	r.buf[(r.start+r.n)%len(r.buf)] = rec
	r.n++
	r.bytes += len(rec.data)
	return evicted, ok
}

// oldest returns the oldest record without removing it.
func (r *ring) oldest() (record, bool) {
	if r.n == 0 {
		return record{}, false
	}
	return r.buf[r.start], true
}

// pop removes and returns the oldest record.
func (r *ring) pop() (record, bool) {
	if r.n == 0 {
		return record{}, false
	}
	rec := r.buf[r.start]
	r.buf[r.start] = record{} // drop the reference to the frame
	r.start = (r.start + 1) % len(r.buf)
	r.n--
	r.bytes -= len(rec.data)
	return rec, true
}

// since appends to dst the data of every record with an id greater than id,
// oldest first. The caller checks that id is within the ring's range (ids are
// contiguous, so the first record wanted is found by arithmetic).
func (r *ring) since(id uint64, dst [][]byte) [][]byte {
	if r.n == 0 {
		return dst
	}
	oldest := r.buf[r.start].id
	skip := 0
	if id >= oldest {
		skip = int(id - oldest + 1)
	}
	for i := skip; i < r.n; i++ {
		dst = append(dst, r.buf[(r.start+i)%len(r.buf)].data)
	}
	return dst
}

// reset forgets every record (dropping the references so the data can be
// collected) and returns the bytes freed.
func (r *ring) reset() (freed int) {
	freed = r.bytes
	clear(r.buf)
	r.start, r.n, r.bytes = 0, 0, 0
	return freed
}

// trimHistoryLocked forgets the oldest events while the history is over its
// byte budget, all feeds' histories are over theirs, or the oldest event is
// more than maxLag old: a resume from before it would start further behind
// live than a stream may be. Resuming from a forgotten id gets a snapshot.
func (f *feed) trimHistoryLocked(now time.Time) {
	for {
		old, ok := f.hist.oldest()
		if !ok {
			return
		}
		over := f.opt.historyBytes > 0 && f.hist.bytes > f.opt.historyBytes ||
			f.opt.maxHistTotal > 0 && f.opt.histTotal.Load() > f.opt.maxHistTotal ||
			f.opt.maxLag > 0 && now.Sub(old.at) > f.opt.maxLag
		if !over {
			return
		}
		f.hist.pop()
		f.floor = old.id
		f.countHistory(-len(old.data))
	}
}

// countHistory adds n to the server-wide count of history bytes.
func (f *feed) countHistory(n int) {
	if f.opt.histTotal != nil {
		f.opt.histTotal.Add(int64(n))
	}
}

// freeHistory forgets the history of a feed that has stopped. A handler that
// found the feed just before it stopped can no longer resume from it: it gets
// a snapshot (and, after the match's end, the end event).
func (f *feed) freeHistory() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.countHistory(-f.hist.reset())
	f.floor = f.lastID + 1
	f.snapOK = false
}
