package netsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game/clock"
)

// These tests run real loopback sockets on the real clock, so they assert
// what the link guarantees — never early, never reordered, never above the
// rate, never over the queue limit — exactly, and how late things may be
// only with robust statistics and a margin a loaded 2-core machine keeps.

// lateMargin is how much later than its schedule the median delivery may
// be: scheduling on a loaded machine, never the link's own doing.
const lateMargin = 60 * time.Millisecond

// hows are the two ways a connection goes through a link: Pipe between two
// TCP connections (the proxy), and Dial/Wrap in-process (the load tool).
var hows = []string{"pipe", "wrap"}

func newLink(t *testing.T, cfg Config) *Link {
	t.Helper()
	l, err := NewLink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func accept(t testing.TB, ln net.Listener) net.Conn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.c
	case <-time.After(waitLong):
		ln.Close()
		<-ch
		t.Fatal("accept timed out")
		return nil
	}
}

// through returns the two ends of a connection carried by l: near is the
// client's end (a → b, Up), far the server's.
func through(t testing.TB, l *Link, how string) (near, far net.Conn) {
	t.Helper()
	srv := listen(t)
	switch how {
	case "pipe":
		front := listen(t)
		near, err := net.Dial("tcp", front.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		a := accept(t, front)
		b, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		far = accept(t, srv)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = l.Pipe(a, b)
		}()
		t.Cleanup(func() {
			near.Close()
			far.Close()
			select {
			case <-done:
			case <-time.After(waitLong):
				t.Error("Pipe did not return after both ends closed")
			}
		})
		return near, far
	case "wrap":
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		near, err := l.Dial(ctx, "tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		far = accept(t, srv)
		t.Cleanup(func() {
			near.Close()
			far.Close()
		})
		return near, far
	}
	panic(how)
}

// oneWay writes a byte on from and measures how long it takes to be read
// on to, n times.
func oneWay(t *testing.T, from, to net.Conn, n int) []time.Duration {
	t.Helper()
	var lat []time.Duration
	buf := make([]byte, 1)
	_ = to.SetReadDeadline(time.Now().Add(waitLong))
	for i := range n {
		start := time.Now()
		if _, err := from.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(to, buf); err != nil || buf[0] != byte(i) {
			t.Fatalf("read %v, %v; want %d", buf, err, i)
		}
		lat = append(lat, time.Since(start))
	}
	return lat
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestLinkDelay: a byte written at t is read at t+delay or later — never
// earlier — in both directions, and typically not much later.
func TestLinkDelay(t *testing.T) {
	const delay = 40 * time.Millisecond
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			l := newLink(t, Config{Impairment: Impairment{Delay: delay}})
			near, far := through(t, l, how)
			for _, dir := range []struct {
				name     string
				from, to net.Conn
			}{{"up", near, far}, {"down", far, near}} {
				lat := oneWay(t, dir.from, dir.to, 12)
				t.Logf("%s: one-way min %s median %s max %s", dir.name, slices.Min(lat), median(lat), slices.Max(lat))
				if early := slices.Min(lat); early < delay {
					t.Errorf("%s: a byte arrived after %s, before the %s delay", dir.name, early, delay)
				}
				if m := median(lat); m > delay+lateMargin {
					t.Errorf("%s: median one-way %s, want about %s (%v)", dir.name, m, delay, lat)
				}
			}
		})
	}
}

// TestLinkKeepsOrderUnderJitter is a property test: random writes, both
// ways at once, through a link whose jitter is larger than its delay, so
// that without TCP's ordering most segments would overtake; every byte
// arrives, in order.
func TestLinkKeepsOrderUnderJitter(t *testing.T) {
	for _, how := range hows {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", how, seed), func(t *testing.T) {
				l := newLink(t, Config{Impairment: Impairment{Delay: ms(2), Jitter: ms(5)}, Seed: seed})
				near, far := through(t, l, how)
				errs := make(chan error, 4)
				for i, ends := range [][2]net.Conn{{near, far}, {far, near}} {
					want := randomStream(seed*2+uint64(i), 200<<10)
					go func() { errs <- writeRandomly(ends[0], want, seed*2+uint64(i)) }()
					go func() {
						got := make([]byte, len(want))
						_ = ends[1].SetReadDeadline(time.Now().Add(waitLong))
						_, err := io.ReadFull(ends[1], got)
						if err == nil && !bytes.Equal(got, want) {
							i := 0
							for got[i] == want[i] {
								i++
							}
							err = fmt.Errorf("bytes differ from offset %d of %d", i, len(want))
						}
						errs <- err
					}()
				}
				for range 4 {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

func randomStream(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeRandomly writes b in random pieces, pausing now and then so the
// link sees both bursts and gaps.
func writeRandomly(c net.Conn, b []byte, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 2))
	for len(b) > 0 {
		n := min(len(b), 1+r.IntN(4000))
		if _, err := c.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if r.IntN(8) == 0 {
			time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
		}
	}
	return nil
}

// TestLinkRate: a sender that never pauses gets the rate, each way at
// once (each direction has its own bucket), over real sockets. The link
// runs on a manual clock, so the rate is checked exactly: over 2 s of that
// clock each direction delivers 2 s of the rate, within a segment. On the
// real clock the throughput a loaded machine reaches is below the rate
// (the link never delivers faster), which says nothing about the link; the
// real clock's side of delivery (sleeping until a segment is due) is
// TestLinkDelay's.
func TestLinkRate(t *testing.T) {
	const rate, step, steps = 100_000, 10 * time.Millisecond, 200
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			clk := clock.NewManual(t0)
			l := newLink(t, Config{Impairment: Impairment{Rate: rate}, Clock: clk})
			near, far := through(t, l, how)
			for _, ends := range [][2]net.Conn{{near, far}, {far, near}} {
				go func() {
					chunk := make([]byte, 4096)
					for {
						if _, err := ends[0].Write(chunk); err != nil {
							return // the test closed it
						}
					}
				}()
				go func() { _, _ = io.Copy(io.Discard, ends[1]) }()
			}
			// What is queued is due only on the manual clock: the end drops it.
			t.Cleanup(func() { l.Cut() })
			// Both writers asleep on the clock means each has a segment
			// queued that is not due yet: the senders keep the link busy.
			asleep := func() {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), waitLong)
				defer cancel()
				if err := clk.WaitForWaiters(ctx, 2); err != nil {
					t.Fatalf("the link's writers are not waiting on the clock: %v", err)
				}
			}
			asleep()
			var p *pipe
			l.mu.Lock()
			for q := range l.pipes {
				p = q
			}
			l.mu.Unlock()
			up, down := p.ab.delivered.Load(), p.ba.delivered.Load()
			for range steps {
				clk.Advance(step)
				asleep()
			}
			up, down = p.ab.delivered.Load()-up, p.ba.delivered.Load()-down
			want := int64(rate * steps * step / time.Second)
			t.Logf("over %v of the link's clock: %d bytes up, %d down (the rate: %d)", steps*step, up, down, want)
			for dir, got := range map[string]int64{"up": up, "down": down} {
				if got < want-segmentSize || got > want+segmentSize {
					t.Errorf("%s: %d bytes delivered in %v at %d B/s, want %d ± %d", dir, got, steps*step, rate, want, segmentSize)
				}
			}
		})
	}
}

// TestLinkQueueIsBounded: a sender faster than the link fills the queue to
// its limit and no further, and then its writes block (here, until their
// deadline): the link pushes back instead of growing.
func TestLinkQueueIsBounded(t *testing.T) {
	const limit = 32 << 10
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			l := newLink(t, Config{Impairment: Impairment{Rate: 2000}, QueueLimit: limit})
			near, _ := through(t, l, how)
			_ = near.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
			chunk := make([]byte, 4096)
			var err error
			for err == nil {
				_, err = near.Write(chunk)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("write failed with %v, want it to block until its deadline", err)
			}
			var p *pipe
			l.mu.Lock()
			for q := range l.pipes {
				p = q
			}
			l.mu.Unlock()
			if peak := p.ab.peakQueued(); peak > limit || peak < limit-segmentSize-segmentOverhead {
				t.Fatalf("the queue peaked at %d bytes, want the limit, %d", peak, limit)
			}
		})
	}
}

// TestLinkCut: a cut fails both ends at once, as a reset, and the link
// carries the next connection.
func TestLinkCut(t *testing.T) {
	for _, how := range hows {
		t.Run(how, func(t *testing.T) {
			l := newLink(t, Config{Impairment: Impairment{Delay: ms(5)}})
			near, far := through(t, l, how)
			oneWay(t, near, far, 1)
			if n := l.Cut(); n != 1 {
				t.Fatalf("Cut() = %d, want 1", n)
			}
			for name, c := range map[string]net.Conn{"near": near, "far": far} {
				_ = c.SetReadDeadline(time.Now().Add(waitLong))
				_, err := c.Read(make([]byte, 1))
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("%s end read %v after the cut, want a reset", name, err)
				}
			}
			near, far = through(t, l, how)
			oneWay(t, near, far, 1)
			oneWay(t, far, near, 1)
		})
	}
}

// TestLinkShutdownDrains: Shutdown lets a closing connection deliver what
// it queued, and its FIN, before it returns; then the link refuses more.
func TestLinkShutdownDrains(t *testing.T) {
	l := newLink(t, Config{Impairment: Impairment{Delay: ms(50)}})
	near, far := through(t, l, "wrap")
	if _, err := near.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	near.Close()
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		shut <- l.Shutdown(ctx)
	}()
	_ = far.SetReadDeadline(time.Now().Add(waitLong))
	got, err := io.ReadAll(far)
	if err != nil || string(got) != "bye" {
		t.Fatalf("far end read %q, %v; want bye, then EOF", got, err)
	}
	far.Close()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown = %v, want nil: the connection ended by itself", err)
	}
	srv := listen(t)
	if _, err := l.Dial(context.Background(), "tcp", srv.Addr().String()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Dial on a shut link: %v, want ErrClosed", err)
	}
}
