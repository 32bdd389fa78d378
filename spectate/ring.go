package spectate

import "time"

// record is one published event as kept for resume. data is the event's
// complete SSE wire form, shared (never modified) with every subscriber queue
// it was offered to. tick and at are kept so a later spectator delay
// (SourceTV-style) can hold events back by game or wall time without
// re-encoding anything.
type record struct {
	id   uint64
	tick uint32
	at   time.Time
	data []byte
}

// ring is the bounded history of a feed: the newest len(buf) events, whose
// ids are contiguous (each one more than the last). It is not safe for
// concurrent use; the feed guards it.
type ring struct {
	buf   []record
	start int // index of the oldest record
	n     int // records held
}

func newRing(size int) ring { return ring{buf: make([]record, size)} }

// push appends rec, whose id must be one more than the newest record's. When
// the ring is full the oldest record is evicted and returned.
func (r *ring) push(rec record) (evicted record, ok bool) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = rec
		r.n++
		return record{}, false
	}
	evicted = r.buf[r.start]
	r.buf[r.start] = rec
	r.start = (r.start + 1) % len(r.buf)
	return evicted, true
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
// collected).
func (r *ring) reset() {
	clear(r.buf)
	r.start, r.n = 0, 0
}
