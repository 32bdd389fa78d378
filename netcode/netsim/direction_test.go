package netsim

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game/clock"
)

// waitLong bounds a wait for something that must happen; it is only ever
// reached when a test fails, so it can be generous for a loaded machine.
const waitLong = 20 * time.Second

// recorder is a net.Conn that records each write and when (by clk) it was
// made. Only Write, Close and CloseWrite are used.
type recorder struct {
	net.Conn
	clk *clock.Manual

	mu      sync.Mutex
	writes  []stamped
	fin     bool
	changed chan struct{} // cap 1
}

type stamped struct {
	at time.Duration // since t0
	b  string
}

func newRecorder(clk *clock.Manual) *recorder {
	return &recorder{clk: clk, changed: make(chan struct{}, 1)}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.writes = append(r.writes, stamped{r.clk.Now().Sub(t0), string(b)})
	r.mu.Unlock()
	signal(r.changed)
	return len(b), nil
}

func (r *recorder) CloseWrite() error {
	r.mu.Lock()
	r.fin = true
	r.mu.Unlock()
	signal(r.changed)
	return nil
}

func (r *recorder) Close() error { return r.CloseWrite() }

// got returns everything written so far, concatenated.
func (r *recorder) got() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var sb strings.Builder
	for _, w := range r.writes {
		sb.WriteString(w.b)
	}
	return sb.String()
}

// waitFor waits until the writes add up to want, and returns them.
func (r *recorder) waitFor(t *testing.T, want string) []stamped {
	t.Helper()
	deadline := time.After(waitLong)
	for {
		if got := r.got(); got == want {
			r.mu.Lock()
			defer r.mu.Unlock()
			return append([]stamped(nil), r.writes...)
		} else if !strings.HasPrefix(want, got) {
			t.Fatalf("delivered %q, want %q", got, want)
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("delivered %q, still waiting for %q", r.got(), want)
		}
	}
}

// startWriter runs d's writer until the test ends.
func startWriter(t *testing.T, d *direction) {
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- d.write(stop) }()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
}

// armed waits until the writer is waiting on the clock, so an Advance
// cannot slip in between its reading the time and arming its timer.
func armed(t *testing.T, clk *clock.Manual) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := clk.WaitForWaiters(ctx, 1); err != nil {
		t.Fatalf("the writer is not waiting on the clock: it delivered early or hung (%v)", err)
	}
}

// TestDirectionDelayAndStall drives one direction's writer on a manual
// clock: a byte is delivered exactly delay after it arrived; during a
// stall window nothing is delivered, however long the clock sits in it;
// at its end everything queued is delivered at once, in order; and a
// segment that was due before a window, but found by the writer only
// inside it, still waits the window out.
func TestDirectionDelayAndStall(t *testing.T) {
	clk := clock.NewManual(t0)
	imp := Impairment{Delay: ms(50), Stall: Stall{Duration: ms(200), Period: ms(1000)}} // windows [0.8s, 1s), [1.8s, 2s)
	rec := newRecorder(clk)
	d := newDirection(nil, rec, clk, DefaultQueueLimit, newSchedule(imp, t0, 1))
	startWriter(t, d)

	d.push(clk.Now(), []byte("a"))
	armed(t, clk)
	clk.Advance(ms(49))
	armed(t, clk) // still waiting: not delivered at 49 ms
	if got := rec.got(); got != "" {
		t.Fatalf("delivered %q after 49 ms of a 50 ms delay", got)
	}
	clk.Advance(ms(1))
	if w := rec.waitFor(t, "a"); w[0].at != ms(50) {
		t.Fatalf("a delivered at +%s, want +50ms", w[0].at)
	}

	clk.Advance(ms(700)) // 750 ms: b is due at 800 ms, in the window
	d.push(clk.Now(), []byte("b"))
	armed(t, clk)
	clk.Advance(ms(40)) // 790 ms
	d.push(clk.Now(), []byte("c"))
	for range 4 { // 990 ms
		clk.Advance(ms(50))
		armed(t, clk)
		if got := rec.got(); got != "a" {
			t.Fatalf("at +%s, inside the stall, delivered %q", clk.Now().Sub(t0), got)
		}
	}
	clk.Advance(ms(10)) // 1 s: the window ends
	w := rec.waitFor(t, "abc")
	for _, s := range w[1:] {
		if s.at != ms(1000) {
			t.Fatalf("%q released at +%s, want +1s, the end of the stall", s.b, s.at)
		}
	}

	clk.Advance(ms(700)) // 1.7 s: d is due at 1.75 s, before the next window
	d.push(clk.Now(), []byte("d"))
	armed(t, clk)
	clk.Advance(ms(150)) // the writer wakes at 1.85 s, inside the window
	armed(t, clk)
	if got := rec.got(); got != "abc" {
		t.Fatalf("at +1.85s, inside the stall, delivered %q", got)
	}
	clk.Advance(ms(150))
	if w := rec.waitFor(t, "abcd"); w[3].at != ms(2000) {
		t.Fatalf("d delivered at +%s, want +2s, the end of the stall", w[3].at)
	}
}

// TestDirectionDeliversTheEnd: the end of the stream is a half-close,
// delivered after the bytes before it and delayed like them.
func TestDirectionDeliversTheEnd(t *testing.T) {
	clk := clock.NewManual(t0)
	rec := newRecorder(clk)
	d := newDirection(nil, rec, clk, DefaultQueueLimit, newSchedule(Impairment{Delay: ms(30)}, t0, 1))
	stop := make(chan struct{})
	defer close(stop)
	done := make(chan error, 1)
	go func() { done <- d.write(stop) }()

	d.push(clk.Now(), []byte("bye"))
	d.pushEnd(clk.Now(), nil)
	armed(t, clk)
	clk.Advance(ms(29))
	armed(t, clk)
	rec.mu.Lock()
	fin := rec.fin
	rec.mu.Unlock()
	if fin || rec.got() != "" {
		t.Fatalf("delivered %q (fin %v) before the delay", rec.got(), fin)
	}
	clk.Advance(ms(1))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write returned %v after a clean end", err)
		}
	case <-time.After(waitLong):
		t.Fatal("the writer did not finish at the end of the stream")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !rec.fin || len(rec.writes) != 1 || rec.writes[0].b != "bye" {
		t.Fatalf("writes %v fin %v, want bye then fin", rec.writes, rec.fin)
	}
}

func TestFits(t *testing.T) {
	for _, room := range []int{0, 1, segmentOverhead, segmentOverhead + 1, segmentSize + segmentOverhead, 3*(segmentSize+segmentOverhead) + 100, DefaultQueueLimit} {
		n := fits(room)
		segs := (n + segmentSize - 1) / segmentSize
		if n < 0 || n+segs*segmentOverhead > room {
			t.Errorf("fits(%d) = %d: %d segments cost %d", room, n, segs, n+segs*segmentOverhead)
		}
		if more := n + 1; more+((more+segmentSize-1)/segmentSize)*segmentOverhead <= room {
			t.Errorf("fits(%d) = %d, but %d fit", room, n, more)
		}
	}
}
