package spectate

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skirmish-game/skirmish/game/clock"
)

// historyBytes is what f's history holds, measured from the outside.
func historyBytes(f *feed) (bytes, events int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.hist.since(0, nil) {
		bytes += len(d)
		events++
	}
	return bytes, events
}

// tickBig is one tick of a crowded match: its state is ~5 KB.
func tickBig(f *feed, tick uint32) {
	f.OnTick(testSnapshot(tick, 32), nil)
}

// TestFeedHistoryBytes: the history is bounded by bytes, however big the
// events; what it keeps still resumes, what it forgot gets a snapshot.
func TestFeedHistoryBytes(t *testing.T) {
	const budget = 16 << 10
	f := newTestFeed(t, feedSpec{rate: 30, history: 1024, historyBytes: budget})
	for tick := uint32(1); tick <= 200; tick++ {
		tickBig(f, tick)
		f.flush(flushWake)
		if n, _ := historyBytes(f); n > budget {
			t.Fatalf("tick %d: history holds %d bytes, budget %d", tick, n, budget)
		}
	}
	n, events := historyBytes(f)
	if events < 2 {
		t.Fatalf("history keeps %d events (%d bytes): the budget fits more", events, n)
	}
	last := f.lastID - uint64(events) // the oldest resumable id
	if sn := f.subscribe(last, true); len(sn.backlog) != events {
		t.Fatalf("resume from %d: %d events, want %d", last, len(sn.backlog), events)
	}
	if evs := parseAll(t, f.subscribe(last-1, true).backlog); len(evs) != 1 || evs[0].Event != "snapshot" {
		t.Fatalf("resume from a forgotten id: %v", names(t, evs))
	}
}

// TestFeedHistoryGlobalBytes: feeds together keep within the server-wide
// budget, each forgetting its own oldest events.
func TestFeedHistoryGlobalBytes(t *testing.T) {
	const perFeed, all = 32 << 10, 40 << 10
	total := new(atomic.Int64)
	feeds := make([]*feed, 3)
	for i := range feeds {
		feeds[i] = newFeed(feedOptions{
			matchID: fmt.Sprint("m", i), mapID: "arena", tickRate: 30, rate: 30, history: 1024,
			queueSize: 64, maxPending: 256, clock: clock.NewManual(testEpoch), counters: new(counters),
			historyBytes: perFeed, histTotal: total, maxHistTotal: all,
		})
	}
	for tick := uint32(1); tick <= 100; tick++ {
		sum := 0
		for _, f := range feeds {
			tickBig(f, tick)
			f.flush(flushWake)
			n, _ := historyBytes(f)
			sum += n
		}
		if sum > all || int64(sum) != total.Load() {
			t.Fatalf("tick %d: histories hold %d bytes (counted %d), budget %d", tick, sum, total.Load(), all)
		}
	}
	for i, f := range feeds {
		if _, events := historyBytes(f); events == 0 {
			t.Fatalf("feed %d kept nothing", i)
		}
	}
}

// TestFeedHistoryAge: the history keeps no event older than maxLag: a
// resume from further back would start more than maxLag behind live.
func TestFeedHistoryAge(t *testing.T) {
	clk := clock.NewManual(testEpoch)
	f := newTestFeed(t, feedSpec{rate: 30, history: 1024, maxLag: time.Second, clock: clk})
	for tick := uint32(1); tick <= 50; tick++ {
		clk.Advance(100 * time.Millisecond)
		tickOne(f, tick)
		f.flush(flushWake)
	}
	f.mu.Lock()
	oldest := f.hist.buf[f.hist.start].at
	f.mu.Unlock()
	if age := clk.Now().Sub(oldest); age > time.Second {
		t.Fatalf("the history keeps an event %s old", age)
	}
	if _, events := historyBytes(f); events != 11 { // ticks 40..50
		t.Fatalf("history keeps %d events, want the 11 of the last second", events)
	}
}

// TestFeedReleasedWhenIdle: a feed nobody watches stops after the grace:
// its goroutine returns, it unsubscribes from the match, and its history
// is freed from the server-wide count.
func TestFeedReleasedWhenIdle(t *testing.T) {
	clk := clock.NewManual(testEpoch)
	total := new(atomic.Int64)
	released := make(chan *feed, 1)
	f := newFeed(feedOptions{
		matchID: "m1", mapID: "arena", tickRate: 30, rate: 30, history: 64, queueSize: 64,
		maxPending: 256, clock: clk, counters: new(counters), histTotal: total,
		idleGrace: 2 * time.Second, release: func(f *feed) bool { released <- f; return true },
	})
	src := newFakeSource()
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		f.run(context.Background(), src)
	}()
	<-src.subscribed
	sub := f.subscribe(0, false).sub
	tick := uint32(0)
	step := func(n int) {
		for range n {
			tick++
			clk.Advance(100 * time.Millisecond)
			tickOne(f, tick)
			next(t, sub)
		}
	}
	step(5)
	f.unsubscribe(sub)
	sub = f.subscribe(0, false).sub // a spectator comes and goes within the grace
	step(15)
	f.unsubscribe(sub)
	for range 19 { // the grace is 20 ticks
		tick++
		clk.Advance(100 * time.Millisecond)
		tickOne(f, tick)
	}
	select {
	case <-exited:
		t.Fatal("released before the grace was over")
	default:
	}
	tick++
	clk.Advance(100 * time.Millisecond)
	tickOne(f, tick)
	select {
	case <-exited:
	case <-time.After(wait):
		t.Fatal("the feed did not stop after the grace")
	}
	if got := <-released; got != f {
		t.Fatal("released another feed")
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.unsubscribed {
		t.Fatal("the released feed is still subscribed to its match")
	}
	if n, _ := historyBytes(f); n != 0 || total.Load() != 0 {
		t.Fatalf("history %d bytes, total %d after release", n, total.Load())
	}
}

// TestStreamFeedReleasedAfterLastSpectator: an EventSource reconnecting 2 s
// after it lost its stream still resumes; once the last spectator has been
// gone for the grace the feed is released (its goroutine gone); a later
// spectator gets a fresh snapshot whose id continues the old ones, and an old
// Last-Event-ID cannot resume into the new feed's events.
func TestStreamFeedReleasedAfterLastSpectator(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 30, IdleGrace: 3 * time.Second}})
	m := h.create()
	before := goleak.IgnoreCurrent() // the harness: registry, match, HTTP server

	a := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	tick := decodeEvent(t, a.next()).(*wireSnapshot).Tick
	var evs []sseEvent
	for range 5 {
		h.step(1)
		tick++
		evs = append(evs, a.until(tick)...)
	}
	lastID := evs[len(evs)-1].ID
	a.close()
	h.waitFeed(m.ID(), 0)

	h.step(60) // 2 s: EventSource's retry delay
	b := h.connect(m.ID(), http.Header{"Last-Event-Id": {lastID}}, "")
	if ev := b.next(); ev.Event == "snapshot" || ev.idNum(t) != mustUint(t, lastID)+1 {
		t.Fatalf("reconnect 2 s later: %s#%s, want the event after %s", ev.Event, ev.ID, lastID)
	}
	b.close()
	h.waitFeed(m.ID(), 0)

	h.step(89) // the grace is 90 ticks
	if st := h.srv.Stats(); st.Feeds != 1 {
		t.Fatalf("released before the grace was over: %+v", st)
	}
	h.step(2) // the check runs when the feed publishes
	waitFor(t, "the feed's release", func() bool { return h.srv.Stats().Feeds == 0 })
	// The server's load goroutine started with the first feed and stays.
	if err := goleak.Find(before, goleak.IgnoreAnyFunction("github.com/skirmish-game/skirmish/spectate.(*Server).watchLoad")); err != nil {
		t.Fatalf("after release: %v", err)
	}

	c := h.connect(m.ID(), http.Header{"Last-Event-Id": {lastID}}, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	snap := c.next()
	if snap.Event != "snapshot" || snap.idNum(t) < mustUint(t, lastID) {
		t.Fatalf("after release: %s#%s, want a snapshot with an id of at least %s", snap.Event, snap.ID, lastID)
	}
	tick = decodeEvent(t, snap).(*wireSnapshot).Tick
	for range 3 {
		h.step(1)
		tick++
		c.until(tick)
	}
	c.close()
	h.waitFeed(m.ID(), 0)
	d := h.connect(m.ID(), http.Header{"Last-Event-Id": {lastID}}, "")
	if ev := d.next(); ev.Event != "snapshot" {
		t.Fatalf("an id of the released feed resumed into the new one: got %s#%s", ev.Event, ev.ID)
	}
}
