package spectate

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
)

// A stream's lag is measured against live, not against its socket
// (PROTOCOL.md §2): these tests run the match on the manual clock, so "one
// second behind" is 30 ticks, whatever the machine's speed.

// socketHolds is more than the stuck spectator's connection can hold in
// these tests: its server send buffer (SendBuffer 4 KiB, which Linux
// doubles), its client receive buffer (4 KiB, doubled) and the HTTP
// server's write buffers.
const socketHolds = 64 << 10

// rawStream opens an events stream on a bare TCP connection with a small
// receive buffer, so the test decides what is read and when.
func (h *harness) rawStream(id string) net.Conn {
	h.t.Helper()
	c, err := net.Dial("tcp", h.hs.Listener.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := fmt.Fprintf(c, "GET /api/matches/%s/events HTTP/1.1\r\nHost: test\r\n\r\n", id); err != nil {
		h.t.Fatal(err)
	}
	return c
}

// wireSize is an event's size on the wire, near enough.
func wireSize(ev sseEvent) int {
	return len("id: \nevent: \ndata: \n\n") + len(ev.ID) + len(ev.Event) + len(ev.Data)
}

func TestStreamBehindLiveIsDropped(t *testing.T) {
	const maxLag = time.Second // 30 ticks
	for _, tt := range []struct {
		name    string
		perTick int // bytes the spectator reads after each tick (the stream carries ~1.5 KB a tick)
	}{
		{"never reads", 0},
		{"reads slowly", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessConfig{
				// The write deadline is out of the way: only lag may drop it.
				spectate: Config{Rate: 30, MaxLag: maxLag, SendBuffer: 4096, WriteTimeout: time.Minute},
				world:    game.WorldConfig{BotFill: 8}, // big states
			})
			m := h.create()
			fast := h.connect(m.ID(), nil, "")
			h.waitFeed(m.ID(), 1)
			h.step(1)
			tick := decodeEvent(t, fast.next()).(*wireSnapshot).Tick

			slow := h.rawStream(m.ID())
			h.waitFeed(m.ID(), 2)
			lagTicks := int(maxLag / h.dt)
			published, read, full, n, buf := 0, 0, -1, 0, make([]byte, 4096)
			for ; h.srv.Spectators(m.ID()) > 1; n++ {
				// The spectator must be gone once an event its socket would
				// not take is maxLag old (+1 tick: the check runs at the
				// next publish).
				if full >= 0 && n > full+lagTicks+1 {
					t.Fatalf("still connected %d ticks after its socket was full (max lag %d ticks)", n-full, lagTicks)
				}
				h.step(1)
				tick++
				for _, ev := range fast.until(tick) { // the feed has published this tick
					published += wireSize(ev)
				}
				if tt.perTick > 0 {
					k, err := io.ReadFull(slow, buf[:tt.perTick])
					read += k
					if err != nil {
						break // dropped while reading
					}
				}
				if full < 0 && published-read > socketHolds {
					full = n
				}
			}
			t.Logf("dropped after %d ticks, %d bytes published, %d read (socket full by tick %d at the latest)", n, published, read, full)
			// The server let go of the connection at once, not at the write deadline.
			_ = slow.SetReadDeadline(time.Now().Add(wait))
			if _, err := io.Copy(io.Discard, slow); errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the dropped spectator's connection was not closed")
			}
			for range 10 { // the match and the live spectator carry on
				h.step(1)
				tick++
				fast.until(tick)
			}
			if st := h.srv.Stats(); st.Dropped != 1 || st.Spectators != 1 {
				t.Fatalf("stats %+v, want 1 dropped and 1 spectator", st)
			}
		})
	}
}

// TestFeedDropsSubscriberBehindLive: the feed measures each subscriber's lag
// from its oldest unwritten frame, queued or being written, whatever room its
// queue has left; an idle subscriber has no lag however quiet the feed.
func TestFeedDropsSubscriberBehindLive(t *testing.T) {
	clk := clock.NewManual(testEpoch)
	f := newTestFeed(t, feedSpec{rate: 30, queue: 1000, maxLag: time.Second, clock: clk})
	tickOne(f, 1)
	f.flush(flushWake)
	frozen := f.subscribe(0, false).sub // takes nothing: a process that stopped
	stuck := f.subscribe(0, false).sub  // took a frame, its write never returns
	live := f.subscribe(0, false).sub   // keeps up
	idle := f.subscribe(0, false).sub   // keeps up, and is alone later
	step := func(tick uint32) {
		clk.Advance(100 * time.Millisecond)
		tickOne(f, tick)
		f.flush(flushWake)
		queued(t, live)
		queued(t, idle)
	}
	step(2)
	stuck.take(make([]*frame, 0, 1))            // no written(): the write is in progress
	for tick := uint32(3); tick <= 12; tick++ { // 1s after the frames of tick 2
		step(tick)
		if frozen.isDropped() || stuck.isDropped() {
			t.Fatalf("dropped at tick %d, before its oldest frame was a second old", tick)
		}
	}
	step(13)
	if !frozen.isDropped() || !stuck.isDropped() {
		t.Fatalf("frozen dropped %v, stuck dropped %v: both were more than a second behind", frozen.isDropped(), stuck.isDropped())
	}
	if live.isDropped() || f.spectators() != 2 || f.opt.counters.dropped.Load() != 2 {
		t.Fatalf("live dropped %v, spectators %d, dropped %d", live.isDropped(), f.spectators(), f.opt.counters.dropped.Load())
	}
	f.unsubscribe(live)
	clk.Advance(time.Minute) // a long quiet spell is not lag
	step(14)
	if idle.isDropped() {
		t.Fatal("an idle, caught-up subscriber was dropped")
	}
}
