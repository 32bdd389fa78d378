package netsim

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// readSize is the most one read takes from a source: a few segments, and
// small, since the load tool runs a link per bot.
const readSize = 4 << 10

// segmentOverhead is what a queued segment costs beside its bytes (its
// slice header, delivery time and list slot), counted against the queue
// limit so that a source of one-byte writes cannot grow the queue's
// bookkeeping without bound.
const segmentOverhead = 64

// segment is a run of bytes that is delivered at once, or the end of the
// stream (end set; err nil for a clean end, or the error to pass on).
type segment struct {
	at  time.Time
	b   []byte
	end bool
	err error
}

// direction carries one direction of a connection: its reader takes bytes
// from src into a bounded queue, each segment stamped with its delivery
// time by the schedule, and its writer delivers them to dst when due. A
// full queue stops the reader, so the source's TCP flow control pushes
// back on its sender (netem's queue limit without the drops: TCP never
// loses bytes, it slows down).
type direction struct {
	src, dst net.Conn
	clk      Clock
	limit    int // bytes plus segmentOverhead per segment

	mu     sync.Mutex
	sched  *schedule
	segs   []segment // FIFO; delivery times never decrease
	queued int       // cost of segs against limit
	peak   int       // highest queued, for tests of the bound

	ready     chan struct{} // a segment was queued (cap 1)
	room      chan struct{} // the writer took segments off (cap 1)
	delivered atomic.Int64  // bytes written to dst
}

func newDirection(src, dst net.Conn, clk Clock, limit int, sched *schedule) *direction {
	return &direction{src: src, dst: dst, clk: clk, limit: limit, sched: sched,
		ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

// read moves bytes from src into the queue until src ends or stop closes.
// Its last act is to queue the end of the stream, so the end (a FIN, or a
// reset) travels with the same delay as the bytes before it.
func (d *direction) read(stop <-chan struct{}) {
	buf := make([]byte, readSize)
	for {
		n := d.waitRoom(stop)
		if n == 0 {
			return
		}
		n, err := d.src.Read(buf[:min(n, len(buf))])
		now := d.clk.Now()
		if n > 0 {
			d.push(now, buf[:n])
		}
		if err != nil {
			d.pushEnd(now, endError(err))
			return
		}
	}
}

// endError is nil for a clean end of a source (EOF, or our own close of
// it) and the error otherwise (a reset), which the writer passes on.
func endError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// waitRoom blocks until the queue has room and returns how many bytes fit
// in it, or 0 once stop closes.
func (d *direction) waitRoom(stop <-chan struct{}) int {
	for {
		d.mu.Lock()
		n := fits(d.limit - d.queued)
		d.mu.Unlock()
		if n > 0 {
			return n
		}
		select {
		case <-d.room:
		case <-stop:
			return 0
		}
	}
}

// fits returns how many bytes can be queued in room, with the overhead of
// the segments they make.
func fits(room int) int {
	full := room / (segmentSize + segmentOverhead)
	return full*segmentSize + max(0, room%(segmentSize+segmentOverhead)-segmentOverhead)
}

// push queues b, which arrived at now, as segments of at most segmentSize.
func (d *direction) push(now time.Time, b []byte) {
	d.mu.Lock()
	for len(b) > 0 {
		n := min(len(b), segmentSize)
		seg := segment{at: d.sched.next(now, n), b: make([]byte, n)}
		copy(seg.b, b)
		b = b[n:]
		d.segs = append(d.segs, seg)
		d.queued += n + segmentOverhead
	}
	d.peak = max(d.peak, d.queued)
	d.mu.Unlock()
	signal(d.ready)
}

// pushEnd queues the end of the stream: err nil for a clean end.
func (d *direction) pushEnd(now time.Time, err error) {
	d.mu.Lock()
	d.segs = append(d.segs, segment{at: d.sched.next(now, 0), end: true, err: err})
	d.mu.Unlock()
	signal(d.ready)
}

// write delivers the queue to dst, each segment once its time has come and
// never during a stall, until it delivers the end of the stream or stop
// closes. It returns nil after a clean end (dst half-closed), ErrCut when
// stopped, the source's error after passing it on (dst reset), or dst's
// write error.
func (d *direction) write(stop <-chan struct{}) error {
	var batch net.Buffers
	for {
		d.mu.Lock()
		if len(d.segs) == 0 {
			d.mu.Unlock()
			select {
			case <-d.ready:
				continue
			case <-stop:
				return ErrCut
			}
		}
		now := d.clk.Now()
		// A segment that was due before a stall but held up (a slow
		// reader) still waits the stall out.
		if at := d.sched.imp.Stall.release(d.sched.epoch, latest(d.segs[0].at, now)); at.After(now) {
			d.mu.Unlock()
			select {
			case <-d.clk.After(at.Sub(now)):
				continue
			case <-stop:
				return ErrCut
			}
		}
		batch = batch[:0]
		var end *segment
		freed := 0
		for len(d.segs) > 0 && !d.segs[0].at.After(now) {
			s := d.segs[0]
			d.segs[0] = segment{}
			d.segs = d.segs[1:]
			if s.end {
				end = &s
				break
			}
			batch = append(batch, s.b)
			freed += len(s.b) + segmentOverhead
		}
		d.queued -= freed
		d.mu.Unlock()
		signal(d.room)

		if len(batch) > 0 {
			bufs := batch // WriteTo consumes its receiver
			n, err := bufs.WriteTo(d.dst)
			d.delivered.Add(n)
			if err != nil {
				return fmt.Errorf("netsim: write: %w", err)
			}
		}
		if end != nil {
			if end.err != nil {
				reset(d.dst)
				return end.err
			}
			closeWrite(d.dst)
			return nil
		}
	}
}

// peakQueued returns the most the queue has held (bytes plus overhead).
func (d *direction) peakQueued() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.peak
}

// signal wakes a waiter on ch (cap 1) without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// closeWrite half-closes c when it can (a FIN on TCP), and closes it when
// it cannot (an in-process pipe).
func closeWrite(c net.Conn) {
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = c.Close()
}

// reset closes c abruptly: on TCP with SO_LINGER 0, so the peer gets a
// RST, as when a NAT or a dropped link forgets the connection.
func reset(c net.Conn) {
	if lc, ok := c.(interface{ SetLinger(int) error }); ok {
		_ = lc.SetLinger(0)
	}
	_ = c.Close()
}
