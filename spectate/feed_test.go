package spectate

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// These tests drive a feed by hand: the test goroutine plays the match
// (OnTick/OnStop) and calls flush where the feed goroutine would, so every
// interleaving is deterministic.

type feedSpec struct {
	rate         int // states per second at 30 Hz
	history      int
	queue        int
	maxPending   int
	maxLag       time.Duration
	historyBytes int
	clock        Clock // nil: a manual clock that stays at testEpoch
}

var testEpoch = time.Unix(1_700_000_000, 0)

func newTestFeed(t *testing.T, sp feedSpec) *feed {
	t.Helper()
	if sp.rate == 0 {
		sp.rate = 10
	}
	if sp.history == 0 {
		sp.history = 64
	}
	if sp.queue == 0 {
		sp.queue = 64
	}
	if sp.maxPending == 0 {
		sp.maxPending = 256
	}
	if sp.clock == nil {
		sp.clock = clock.NewManual(testEpoch)
	}
	return newFeed(feedOptions{
		matchID: "m1", mapID: "arena", tickRate: 30, rate: sp.rate,
		history: sp.history, queueSize: sp.queue, maxPending: sp.maxPending, maxLag: sp.maxLag,
		clock: sp.clock, counters: new(counters), historyBytes: sp.historyBytes,
	})
}

// queued takes everything in sub's queue without blocking, as its handler
// would write it, and parses it. closed: the queue is closed (and empty).
func queued(t *testing.T, sub *subscriber) (evs []sseEvent, closed bool) {
	t.Helper()
	frames, closed, _ := sub.take(make([]*frame, 0, 1<<20))
	sub.written()
	for _, fr := range frames {
		evs = append(evs, parseSSE(t, fr.data)...)
	}
	return evs, closed
}

func parseAll(t *testing.T, bs [][]byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	for _, b := range bs {
		out = append(out, parseSSE(t, b)...)
	}
	return out
}

// names lists "event#id" for compact comparisons.
func names(t *testing.T, evs []sseEvent) []string {
	t.Helper()
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s#%s", e.Event, e.ID))
	}
	return out
}

// tickOne is one match tick: a snapshot at tick with the given events.
func tickOne(f *feed, tick uint32, events ...game.Event) {
	s := testSnapshot(tick, 2)
	for i := range events {
		events[i].Tick = tick
	}
	f.OnTick(s, events)
}

// TestFeedThrottle pins the state rate to match.TickDue, the players'
// snapshot rule: rate states a second of ticks, also when the rate does not
// divide the tick rate (20/s at 30 Hz is 20 states, not 15).
func TestFeedThrottle(t *testing.T) {
	for _, rate := range []int{30, 20, 10, 7, 6} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			f := newTestFeed(t, feedSpec{rate: rate, queue: 256})
			tickOne(f, 1)
			f.flush(flushWake)
			sub := f.subscribe(0, false).sub
			var states []uint32
			for tick := uint32(2); tick <= 61; tick++ {
				tickOne(f, tick)
				f.flush(flushWake)
			}
			evs, _ := queued(t, sub)
			for _, e := range evs {
				if e.Event != "state" {
					t.Fatalf("unexpected %s", e.Event)
				}
				states = append(states, decodeEvent(t, e).(*wireState).Tick)
			}
			// Two seconds of ticks carry exactly 2·rate states, on the
			// ticks match.TickDue names.
			if want := 2 * rate; len(states) != want {
				t.Fatalf("%d states over 60 ticks at %d/s, want %d: %v", len(states), rate, want, states)
			}
			for _, tick := range states {
				if !match.TickDue(tick, rate, 30) {
					t.Fatalf("a state at tick %d, which match.TickDue does not name at %d/s (all: %v)", tick, rate, states)
				}
			}
		})
	}
}

func TestFeedCoalescesStatesButKeepsEvents(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 10})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub) // the snapshot

	// Nine ticks while the feed goroutine is "slow": three state-due ticks.
	tickOne(f, 2, game.Event{Kind: game.EventJoin, Player: 9, Name: "late"})
	tickOne(f, 3)
	tickOne(f, 4, game.Event{Kind: game.EventKill, Player: 1, Other: 2}, game.Event{Kind: game.EventScore, Player: 2, Value: 1})
	tickOne(f, 5)
	tickOne(f, 6, game.Event{Kind: game.EventRespawn, Player: 1})
	tickOne(f, 7)
	tickOne(f, 8)
	tickOne(f, 9, game.Event{Kind: game.EventLeave, Player: 9})
	tickOne(f, 10)
	f.flush(flushWake)

	evs, _ := queued(t, sub)
	want := []string{"join#2", "kill#3", "score#4", "respawn#5", "leave#6", "state#7"}
	if got := names(t, evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if tick := decodeEvent(t, evs[5]).(*wireState).Tick; tick != 9 {
		t.Fatalf("coalesced state is tick %d, want the latest due tick 9", tick)
	}
	if tick := decodeEvent(t, evs[1]).(*wireKill).Tick; tick != 4 {
		t.Fatalf("kill keeps its own tick: got %d", tick)
	}
}

func TestFeedPhaseEventTimeLeft(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 10})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub)
	s := testSnapshot(2, 2)
	s.Phase, s.PhaseTicksLeft = game.PhaseCountdown, 90
	f.OnTick(s, []game.Event{{Tick: 2, Kind: game.EventPhase, Value: int32(game.PhaseCountdown)}})
	tickOne(f, 3)
	f.flush(flushWake)
	evs, _ := queued(t, sub)
	if len(evs) != 2 || evs[0].Event != "phase" {
		t.Fatalf("got %v", names(t, evs))
	}
	if p := decodeEvent(t, evs[0]).(*wirePhase); p.Phase != "countdown" || p.TimeLeft != 3 || p.Tick != 2 {
		t.Fatalf("phase: %+v", p)
	}
}

func TestFeedSubscribe(t *testing.T) {
	// Ten flushes of (join, state) with a history of 8: ids 1..20, 13..20 kept.
	build := func(t *testing.T) *feed {
		f := newTestFeed(t, feedSpec{rate: 30, history: 8})
		for tick := uint32(1); tick <= 10; tick++ {
			tickOne(f, tick, game.Event{Kind: game.EventJoin, Player: game.PlayerID(tick), Name: "p"})
			f.flush(flushWake)
		}
		return f
	}
	tests := []struct {
		name   string
		last   uint64
		resume bool
		want   []string
	}{
		{"fresh", 0, false, []string{"snapshot#20"}},
		{"resume in history", 16, true, []string{"join#17", "state#18", "join#19", "state#20"}},
		// History holds 13..20, so resuming after 12 gets all eight.
		{"resume at floor", 12, true, []string{"join#13", "state#14", "join#15", "state#16", "join#17", "state#18", "join#19", "state#20"}},
		{"resume at newest", 20, true, []string{}},
		{"too old", 11, true, []string{"snapshot#20"}},
		{"from the future", 21, true, []string{"snapshot#20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t)
			sn := f.subscribe(tt.last, tt.resume)
			if sn.over || sn.sub == nil {
				t.Fatalf("subscription: %+v", sn)
			}
			if got := names(t, parseAll(t, sn.backlog)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("backlog %v, want %v", got, tt.want)
			}
			// The next published event follows without a gap or a duplicate.
			tickOne(f, 11)
			f.flush(flushWake)
			evs, _ := queued(t, sn.sub)
			if got := names(t, evs); !reflect.DeepEqual(got, []string{"state#21"}) {
				t.Fatalf("after subscribe: %v", got)
			}
			if f.spectators() != 1 {
				t.Fatalf("spectators %d", f.spectators())
			}
			f.unsubscribe(sn.sub)
			if f.spectators() != 0 {
				t.Fatalf("spectators after unsubscribe %d", f.spectators())
			}
		})
	}
}

func TestFeedSnapshotIsShared(t *testing.T) {
	f := newTestFeed(t, feedSpec{})
	tickOne(f, 1)
	f.flush(flushWake)
	a, b := f.subscribe(0, false), f.subscribe(0, false)
	if &a.backlog[0][0] != &b.backlog[0][0] {
		t.Fatal("two spectators arriving together should share one encoded snapshot")
	}
	snap := decodeEvent(t, parseAll(t, a.backlog)[0]).(*wireSnapshot)
	if snap.Match != "m1" || snap.Map != "arena" || snap.TickRate != 30 || snap.Tick != 1 || len(snap.Players) != 2 {
		t.Fatalf("snapshot %+v", snap)
	}
}

func TestFeedWaitingSubscriberGetsFirstSnapshot(t *testing.T) {
	f := newTestFeed(t, feedSpec{})
	sn := f.subscribe(0, false)
	if len(sn.backlog) != 0 || sn.sub == nil || f.spectators() != 1 {
		t.Fatalf("before any tick: %+v, spectators %d", sn, f.spectators())
	}
	gone := f.subscribe(5, true) // a resume before any state also waits
	f.unsubscribe(gone.sub)
	tickOne(f, 1, game.Event{Kind: game.EventJoin, Player: 1, Name: "a"})
	f.flush(flushWake)
	evs, _ := queued(t, sn.sub)
	if got := names(t, evs); !reflect.DeepEqual(got, []string{"snapshot#2"}) {
		t.Fatalf("got %v", got)
	}
	tickOne(f, 3)
	f.flush(flushWake)
	evs, _ = queued(t, sn.sub)
	if got := names(t, evs); !reflect.DeepEqual(got, []string{"state#3"}) {
		t.Fatalf("got %v", got)
	}
	if _, closed := queued(t, gone.sub); closed {
		t.Fatal("an unsubscribed waiting spectator is let go, not closed")
	}
}

func TestFeedDropsSlowSubscriber(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 30, queue: 4})
	tickOne(f, 1)
	f.flush(flushWake)
	slow, fast := f.subscribe(0, false).sub, f.subscribe(0, false).sub
	var got []uint64
	for tick := uint32(2); tick <= 11; tick++ {
		tickOne(f, tick)
		f.flush(flushWake)
		evs, closed := queued(t, fast)
		if closed {
			t.Fatal("the fast spectator was dropped")
		}
		for _, e := range evs {
			got = append(got, e.idNum(t))
		}
	}
	if len(got) != 10 || got[0] != 2 || got[9] != 11 {
		t.Fatalf("fast spectator ids %v", got)
	}
	if !slow.isDropped() {
		t.Fatal("the slow spectator was not dropped")
	}
	evs, closed := queued(t, slow)
	if !closed || len(evs) != 0 {
		t.Fatalf("slow queue: %d events, closed %v; want it released and closed", len(evs), closed)
	}
	if f.spectators() != 1 || f.opt.counters.dropped.Load() != 1 {
		t.Fatalf("spectators %d, dropped %d", f.spectators(), f.opt.counters.dropped.Load())
	}
	f.unsubscribe(slow) // the handler's deferred unsubscribe is harmless
	if f.spectators() != 1 {
		t.Fatalf("spectators %d", f.spectators())
	}
}

func TestFeedPendingOverflowResets(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 30, maxPending: 8})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub)
	lastBefore := f.lastID // 1
	for tick := uint32(2); tick <= 12; tick++ {
		tickOne(f, tick, game.Event{Kind: game.EventRespawn, Player: 1})
	}
	f.flush(flushWake)
	if !sub.isDropped() {
		t.Fatal("spectators must be dropped when the feed loses events")
	}
	if f.opt.counters.resets.Load() != 1 {
		t.Fatalf("resets %d", f.opt.counters.resets.Load())
	}
	// A client that had everything before the gap cannot resume across it.
	sn := f.subscribe(lastBefore, true)
	evs := parseAll(t, sn.backlog)
	if len(evs) != 1 || evs[0].Event != "snapshot" {
		t.Fatalf("resume across the gap: %v", names(t, evs))
	}
	// Events after the reset resume normally.
	last := f.lastID
	tickOne(f, 13)
	f.flush(flushWake)
	if sn2 := f.subscribe(last, true); len(sn2.backlog) != 1 {
		t.Fatalf("resume after reset: %v", names(t, parseAll(t, sn2.backlog)))
	}
}

func TestFeedEnd(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 10})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub)

	// The deciding kill and the end on a tick the throttle would skip.
	s := testSnapshot(2, 2)
	s.Players[1].Kills = 20
	f.OnTick(s, []game.Event{
		{Tick: 2, Kind: game.EventKill, Player: 1, Other: 2},
		{Tick: 2, Kind: game.EventEnd, Player: 2, Value: int32(game.EndScoreLimit)},
		{Tick: 2, Kind: game.EventScore, Player: 2, Value: 20},
		{Tick: 2, Kind: game.EventPhase, Value: int32(game.PhaseEnded)},
	})
	tickOne(f, 4) // ticks after the end are not collected
	if done := f.flush(flushWake); done {
		t.Fatal("the feed must stay (for late spectators) until the match stops")
	}
	evs, closed := queued(t, sub)
	if got, want := names(t, evs), []string{"kill#2", "score#3", "phase#4", "end#5"}; !reflect.DeepEqual(got, want) || !closed {
		t.Fatalf("got %v closed %v, want %v closed", got, closed, want)
	}
	end := decodeEvent(t, evs[3]).(*wireEnd)
	if end.Reason != "score_limit" || end.Winner != 2 || end.Tick != 2 || end.Scoreboard[0].Kills != 20 {
		t.Fatalf("end: %+v", end)
	}

	// Late spectators: a fresh one gets snapshot + end, one that saw end gets nothing.
	late := f.subscribe(0, false)
	if got := names(t, parseAll(t, late.backlog)); !reflect.DeepEqual(got, []string{"snapshot#4", "end#5"}) {
		t.Fatalf("late: %v", got)
	}
	if _, closed := queued(t, late.sub); !closed {
		t.Fatal("a late spectator's queue is closed at once")
	}
	if sn := f.subscribe(5, true); !sn.over {
		t.Fatalf("a client that saw end: %+v", sn)
	}
	if sn := f.subscribe(3, true); !reflect.DeepEqual(names(t, parseAll(t, sn.backlog)), []string{"phase#4", "end#5"}) {
		t.Fatalf("resume before end: %v", names(t, parseAll(t, sn.backlog)))
	}
	if f.spectators() != 0 {
		t.Fatalf("spectators %d", f.spectators())
	}

	f.OnStop(game.EndScoreLimit)
	if done := f.flush(flushWake); !done {
		t.Fatal("OnStop ends the feed")
	}
	if f.lastID != 5 {
		t.Fatalf("nothing is published after end; lastID %d", f.lastID)
	}
}

func TestFeedStopWithoutEnd(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stop   func(f *feed) bool
		reason string
	}{
		{"OnStop", func(f *feed) bool { f.OnStop(game.EndTimeLimit); return f.flush(flushWake) }, "time_limit"},
		{"server shutdown", func(f *feed) bool { return f.flush(flushShutdown) }, "shutdown"},
		{"match done without OnStop", func(f *feed) bool { return f.flush(flushMatchDone) }, "shutdown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFeed(t, feedSpec{})
			tickOne(f, 1)
			f.flush(flushWake)
			sn := f.subscribe(0, false)
			sub := sn.sub
			waiting := newTestFeed(t, feedSpec{}).subscribe(0, false)     // unrelated feed: untouched
			tickOne(f, 2, game.Event{Kind: game.EventRespawn, Player: 1}) // pending, not yet flushed
			if !tt.stop(f) {
				t.Fatal("the feed should be done")
			}
			queue, closed := queued(t, sub)
			evs := append(parseAll(t, sn.backlog), queue...)
			if got := names(t, evs); !reflect.DeepEqual(got, []string{"snapshot#1", "respawn#2", "end#3"}) || !closed {
				t.Fatalf("got %v closed %v", got, closed)
			}
			if end := decodeEvent(t, evs[2]).(*wireEnd); end.Reason != tt.reason || end.Winner != 0 || len(end.Scoreboard) != 2 {
				t.Fatalf("end %+v", end)
			}
			if _, closed := queued(t, waiting.sub); closed {
				t.Fatal("another feed's spectator was closed")
			}
		})
	}
}

func TestFeedStopBeforeFirstState(t *testing.T) {
	f := newTestFeed(t, feedSpec{})
	sn := f.subscribe(0, false)
	f.OnStop(game.EndShutdown)
	if !f.flush(flushWake) {
		t.Fatal("not done")
	}
	evs, closed := queued(t, sn.sub)
	if got := names(t, evs); !reflect.DeepEqual(got, []string{"snapshot#0", "end#1"}) || !closed {
		t.Fatalf("got %v closed %v", got, closed)
	}
}

func TestFeedOnTickDoesNotAllocate(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 30})
	s := testSnapshot(1, 8)
	events := []game.Event{{Kind: game.EventKill, Player: 1, Other: 2}, {Kind: game.EventScore, Player: 2, Value: 1}}
	f.OnTick(s, events) // warm the pending buffers
	f.pend.reset()
	allocs := testing.AllocsPerRun(100, func() {
		s.Tick++
		f.OnTick(s, events)
		f.pend.reset() // what the swap in flush does
	})
	if allocs != 0 {
		t.Fatalf("OnTick: %v allocs, want 0", allocs)
	}
}

// fakeSource is a hand-written match for the feed goroutine.
type fakeSource struct {
	mu           sync.Mutex
	obs          match.Observer
	unsubscribed bool
	subscribed   chan struct{}
	done         chan struct{}
}

func newFakeSource() *fakeSource {
	return &fakeSource{subscribed: make(chan struct{}), done: make(chan struct{})}
}

func (s *fakeSource) Subscribe(o match.Observer) func() {
	s.mu.Lock()
	s.obs = o
	s.mu.Unlock()
	close(s.subscribed)
	return func() {
		s.mu.Lock()
		s.unsubscribed = true
		s.mu.Unlock()
	}
}

func (s *fakeSource) Done() <-chan struct{} { return s.done }

// next waits for the next queued frame, which must hold one event; false
// when the queue is closed instead.
func next(t *testing.T, sub *subscriber) (sseEvent, bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		frames, closed, _ := sub.take(make([]*frame, 0, 1))
		sub.written()
		if len(frames) > 0 {
			evs := parseSSE(t, frames[0].data)
			if len(evs) != 1 {
				t.Fatalf("a frame of %d events, want 1", len(evs))
			}
			return evs[0], true
		}
		if closed {
			return sseEvent{}, false
		}
		select {
		case <-sub.ready:
		case <-timeout:
			t.Fatal("timed out waiting for an event")
			return sseEvent{}, false
		}
	}
}

func TestFeedRun(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stop   func(src *fakeSource, f *feed, cancel context.CancelFunc)
		reason string
	}{
		{"OnStop", func(_ *fakeSource, f *feed, _ context.CancelFunc) { f.OnStop(game.EndTimeLimit) }, "time_limit"},
		{"match done", func(src *fakeSource, _ *feed, _ context.CancelFunc) { close(src.done) }, "shutdown"},
		{"shutdown", func(_ *fakeSource, _ *feed, cancel context.CancelFunc) { cancel() }, "shutdown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFeed(t, feedSpec{rate: 30})
			src := newFakeSource()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			exited := make(chan struct{})
			go func() {
				defer close(exited)
				f.run(ctx, src)
			}()
			<-src.subscribed
			sub := f.subscribe(0, false).sub
			tickOne(f, 1) // this goroutine is the match
			if ev, _ := next(t, sub); ev.Event != "snapshot" {
				t.Fatalf("first event %+v", ev)
			}
			tickOne(f, 2)
			if ev, _ := next(t, sub); ev.Event != "state" || ev.ID != "2" {
				t.Fatalf("second event %+v", ev)
			}
			tt.stop(src, f, cancel)
			ev, _ := next(t, sub)
			if ev.Event != "end" || decodeEvent(t, ev).(*wireEnd).Reason != tt.reason {
				t.Fatalf("want end %s, got %+v", tt.reason, ev)
			}
			if _, ok := next(t, sub); ok {
				t.Fatal("the queue should be closed after end")
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Fatal("feed goroutine did not return")
			}
			src.mu.Lock()
			defer src.mu.Unlock()
			if !src.unsubscribed {
				t.Fatal("the feed did not unsubscribe from the match")
			}
		})
	}
}

// BenchmarkFanOut offers one encoded event to 1000 spectators' queues, as a
// feed does for every event of a popular match.
func BenchmarkFanOut(b *testing.B) {
	const spectators = 1000
	f := newFeed(feedOptions{
		matchID: "m", mapID: "arena", tickRate: 30, rate: 10,
		history: 1024, queueSize: 256, maxPending: 4096, counters: new(counters),
	})
	subs := make([]*subscriber, spectators)
	for i := range subs {
		subs[i] = newSubscriber(256)
		f.addLocked(subs[i])
	}
	fr := &frame{data: appendState(nil, 1, testSnapshot(1, 8), 30, make(roster)), at: testEpoch}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		f.offerLocked(fr, testEpoch)
		if n++; n == 200 { // empty the queues before they overflow (not timed)
			b.StopTimer()
			for _, s := range subs {
				s.take(make([]*frame, 0, 256))
				s.written()
			}
			n = 0
			b.StartTimer()
		}
	}
	if len(f.subs) != spectators {
		b.Fatalf("%d spectators left; the benchmark dropped some", len(f.subs))
	}
}

// TestFeedStateIsNeverOlderThanEventsBeforeIt: when the feed goroutine falls
// a tick behind, the events of a later tick must not be published ahead of
// an older pending state. Otherwise a live spectator sees the state go back
// in time, and a new spectator's snapshot (whose id says it reflects every
// event so far) misses those events for good.
func TestFeedStateIsNeverOlderThanEventsBeforeIt(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 10})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub) // the snapshot

	tickOne(f, 3) // a state is due; the feed goroutine has not run yet
	tickOne(f, 4, game.Event{Kind: game.EventKill, Player: 1, Other: 2})
	f.flush(flushWake)

	evs, _ := queued(t, sub)
	if got, want := names(t, evs), []string{"kill#2", "state#3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if st := decodeEvent(t, evs[1]).(*wireState); st.Tick < 4 {
		t.Fatalf("the state after the kill of tick 4 is of tick %d: older than the event before it", st.Tick)
	}
	late := parseAll(t, f.subscribe(0, false).backlog)
	if snap := decodeEvent(t, late[0]).(*wireSnapshot); late[0].ID != "3" || snap.Tick < 4 {
		t.Fatalf("snapshot #%s of tick %d claims to reflect the kill of tick 4", late[0].ID, snap.Tick)
	}

	// The throttle keeps its rhythm: the next state is the one due at tick 6.
	for tick := uint32(5); tick <= 8; tick++ {
		tickOne(f, tick)
		f.flush(flushWake)
	}
	evs, _ = queued(t, sub)
	if len(evs) != 1 || decodeEvent(t, evs[0]).(*wireState).Tick != 6 {
		t.Fatalf("after the refreshed state of tick 4, want one state at tick 6, got %v", names(t, evs))
	}
}

// TestFeedMatchEndedBeforeFeed: a feed created while the match already shows
// its scoreboard never sees the match's end event. Its spectators must still
// get the snapshot and the end (with the match's winner and reason) at once,
// not states until the match stops and then an end without a winner.
func TestFeedMatchEndedBeforeFeed(t *testing.T) {
	ended := func(scoreLimit int, kd ...[2]int) *game.Snapshot {
		s := testSnapshot(500, len(kd))
		s.Phase, s.PhaseTicksLeft, s.ScoreLimit = game.PhaseEnded, 250, scoreLimit
		for i := range kd {
			s.Players[i].Kills, s.Players[i].Deaths = kd[i][0], kd[i][1]
		}
		return s
	}
	tests := []struct {
		name   string
		snap   *game.Snapshot
		winner int
		reason string
	}{
		{"score limit", ended(5, [2]int{2, 0}, [2]int{5, 3}, [2]int{1, 1}), 2, "score_limit"},
		{"time limit, kills tie: fewer deaths", ended(20, [2]int{4, 3}, [2]int{4, 1}, [2]int{4, 1}), 2, "time_limit"},
		{"nobody scored", ended(20, [2]int{0, 0}, [2]int{0, 2}), 0, "time_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFeed(t, feedSpec{rate: 10})
			sn := f.subscribe(0, false) // waits for the first tick
			f.OnTick(tt.snap, nil)      // a lingering tick: no events
			f.flush(flushWake)
			evs, closed := queued(t, sn.sub)
			if got := names(t, evs); !reflect.DeepEqual(got, []string{"snapshot#1", "end#2"}) || !closed {
				t.Fatalf("got %v closed %v, want [snapshot#1 end#2] and the stream closed", got, closed)
			}
			if snap := decodeEvent(t, evs[0]).(*wireSnapshot); snap.Phase != "ended" {
				t.Fatalf("snapshot phase %q", snap.Phase)
			}
			end := decodeEvent(t, evs[1]).(*wireEnd)
			if end.Winner != tt.winner || end.Reason != tt.reason || end.Tick != 500 || len(end.Scoreboard) != len(tt.snap.Players) {
				t.Fatalf("end %+v, want winner %d reason %s tick 500", end, tt.winner, tt.reason)
			}
			f.OnStop(game.EndTimeLimit)
			if !f.flush(flushWake) || f.lastID != 2 {
				t.Fatalf("after the match stops: lastID %d, want nothing more published", f.lastID)
			}
		})
	}
}

// TestFeedStaleWakeDoesNotPublishEventsAlone: a wake-up left over from a
// batch the feed goroutine already took (the match signalled between its
// receive and its swap) must not publish the events of a later tick without
// the state that follows them: the feed's picture would then be older than
// its last id, and a spectator arriving then would never see those events.
func TestFeedStaleWakeDoesNotPublishEventsAlone(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 10})
	tickOne(f, 1)
	f.flush(flushWake)
	sub := f.subscribe(0, false).sub
	queued(t, sub) // the snapshot
	tickOne(f, 3)
	f.flush(flushWake) // state#2 of tick 3
	tickOne(f, 4, game.Event{Kind: game.EventKill, Player: 1, Other: 2})
	if f.flush(flushWake) { // the stale wake-up
		t.Fatal("a stale wake-up ended the feed")
	}
	late := f.subscribe(0, false)
	tickOne(f, 5)
	tickOne(f, 6) // due
	f.flush(flushWake)

	want := []string{"state#2", "kill#3", "state#4"}
	if evs, _ := queued(t, sub); !reflect.DeepEqual(names(t, evs), want) {
		t.Fatalf("live spectator got %v, want %v", names(t, evs), want)
	}
	evs := parseAll(t, late.backlog)
	more, _ := queued(t, late.sub)
	evs = append(evs, more...)
	if got := names(t, evs); !reflect.DeepEqual(got, []string{"snapshot#2", "kill#3", "state#4"}) {
		t.Fatalf("spectator arriving after the stale wake-up got %v: the kill of tick 4 must follow its snapshot of tick 3", got)
	}
}
