package match

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
)

// waitTimeout bounds every wait in the runner tests: generous, because a
// loaded 2-core machine running -race can stall a goroutine for a while.
const waitTimeout = 20 * time.Second

var quietLog = slog.New(slog.DiscardHandler)

// recorder is an Observer that keeps copies of everything it is given.
type recorder struct {
	mu     sync.Mutex
	snaps  []game.Snapshot
	events []game.Event
	stops  []game.EndReason
	ticked chan struct{} // one send per OnTick (buffered, never blocks)
	stoped chan struct{} // closed by the first OnStop
}

func newRecorder() *recorder {
	return &recorder{ticked: make(chan struct{}, 1<<16), stoped: make(chan struct{})}
}

func (r *recorder) OnTick(s *game.Snapshot, events []game.Event) {
	r.mu.Lock()
	var c game.Snapshot
	c.CopyFrom(s)
	r.snaps = append(r.snaps, c)
	r.events = append(r.events, events...)
	r.mu.Unlock()
	r.ticked <- struct{}{}
}

func (r *recorder) OnStop(reason game.EndReason) {
	r.mu.Lock()
	r.stops = append(r.stops, reason)
	if len(r.stops) == 1 {
		close(r.stoped)
	}
	r.mu.Unlock()
}

func (r *recorder) last() *game.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.snaps[len(r.snaps)-1]
	return &s
}

func (r *recorder) ticks() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.snaps)
}

func (r *recorder) allEvents() []game.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]game.Event(nil), r.events...)
}

func (r *recorder) stopReasons() []game.EndReason {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]game.EndReason(nil), r.stops...)
}

// waitTicks waits for n more OnTick calls.
func (r *recorder) waitTicks(tb testing.TB, n int) {
	tb.Helper()
	timeout := time.After(waitTimeout)
	for range n {
		select {
		case <-r.ticked:
		case <-timeout:
			tb.Fatalf("timed out waiting for a tick")
		}
	}
}

// harness runs one Match on a manual clock.
type harness struct {
	tb     testing.TB
	clk    *clock.Manual
	m      *Match
	rec    *recorder
	dt     time.Duration
	cancel context.CancelFunc
	errc   chan error
}

func startMatch(tb testing.TB, cfg Config) *harness {
	tb.Helper()
	clk := clock.NewManual(time.Unix(1000, 0))
	if cfg.ID == "" {
		cfg.ID = "m1"
	}
	if cfg.World.Map == nil {
		cfg.World.Map = boxMap()
	}
	cfg.Clock = clk
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	m, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	h := &harness{tb: tb, clk: clk, m: m, rec: newRecorder(), dt: m.dt, errc: make(chan error, 1)}
	m.Subscribe(h.rec)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.errc <- m.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-h.errc:
		case <-time.After(waitTimeout):
			tb.Errorf("Run did not return after cancel")
		}
	})
	return h
}

// sleeping waits until the match is blocked on the clock.
func (h *harness) sleeping() {
	h.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.clk.WaitForWaiters(ctx, 1); err != nil {
		h.tb.Fatalf("match never went back to sleep: %v", err)
	}
}

// step advances exactly n ticks, one at a time.
func (h *harness) step(n int) {
	h.tb.Helper()
	for range n {
		h.sleeping()
		h.clk.Advance(h.dt)
		h.rec.waitTicks(h.tb, 1)
	}
}

// join starts a Join and returns a channel with its outcome.
type joinOutcome struct {
	res JoinResult
	err error
}

func (h *harness) join(ctx context.Context, name string) <-chan joinOutcome {
	ch := make(chan joinOutcome, 1)
	go func() {
		res, err := h.m.Join(ctx, name)
		ch <- joinOutcome{res, err}
	}()
	return ch
}

// joinNow joins and steps until the match has processed it.
func (h *harness) joinNow(name string) game.PlayerID {
	h.tb.Helper()
	ch := h.join(context.Background(), name)
	h.waitPending(1)
	h.step(1)
	o := <-ch
	if o.err != nil {
		h.tb.Fatalf("join %q: %v", name, o.err)
	}
	return o.res.Player
}

// waitPending waits until n joins sit in the inbox. It must run inside a
// synctest bubble: Wait returns once every Join goroutine has queued its
// request and blocks on the reply.
func (h *harness) waitPending(n int) {
	h.tb.Helper()
	synctest.Wait()
	h.m.mu.Lock()
	p := h.m.pendingJoins
	h.m.mu.Unlock()
	if p < n {
		h.tb.Fatalf("%d joins pending, want %d", p, n)
	}
}

func TestMatchTicksAndObservers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{})
		second := newRecorder()
		unsub := h.m.Subscribe(second)
		h.step(3)
		// step waits for the first observer only; publish may not have reached
		// the second one for tick 3 yet, and an unsubscribe before it does
		// rightly cancels that call.
		second.waitTicks(t, 3)
		unsub()
		unsub() // idempotent
		h.step(2)
		if got := h.rec.ticks(); got != 5 {
			t.Fatalf("observer got %d ticks, want 5", got)
		}
		for i, s := range h.rec.snaps {
			if s.Tick != uint32(i+1) {
				t.Fatalf("tick %d delivered as %d", i+1, s.Tick)
			}
		}
		if got := second.ticks(); got != 3 {
			t.Fatalf("unsubscribed observer got %d ticks, want 3", got)
		}
		h.sleeping()
		if info := h.m.Info(); info.Tick != 5 || info.ID != "m1" || info.Map != "box" || info.TickRate != 30 || info.MaxPlayers != 8 {
			t.Fatalf("info %+v", info)
		}
		h.cancel()
		if err := <-h.errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
		h.errc <- nil // for the cleanup
		if got := second.stopReasons(); len(got) != 0 {
			t.Fatalf("unsubscribed observer got OnStop %v", got)
		}
	})
}

func TestMatchJoinLeaveInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{InputBuffer: 4})
		h.step(1)
		ch := h.join(context.Background(), "alice")
		h.waitPending(1)
		h.step(1)
		o := <-ch
		if o.err != nil {
			t.Fatal(o.err)
		}
		id := o.res.Player
		if p, ok := o.res.Snapshot.Player(id); !ok || p.Name != "alice" {
			t.Fatalf("join snapshot %+v does not hold the new player", o.res.Snapshot)
		}
		if o.res.Snapshot.Tick != 2 {
			t.Fatalf("join snapshot at tick %d, want 2 (the tick that seated the player)", o.res.Snapshot.Tick)
		}
		if e, ok := findEvent(h.rec.allEvents(), game.EventJoin); !ok || e.Player != id || e.Tick != 2 {
			t.Fatalf("join event %+v, want player %d at tick 2", e, id)
		}

		// Three inputs arrive out of order in one tick: after a tick of
		// cushion, applied one per tick in seq order; a duplicate is dropped.
		for _, seq := range []uint32{3, 1, 2, 2} {
			if err := h.m.Input(id, game.Input{Seq: seq, MoveX: 1}); err != nil {
				t.Fatalf("input %d refused: %v", seq, err)
			}
		}
		for want := uint32(0); want <= 3; want++ {
			h.step(1)
			if p, _ := h.rec.last().Player(id); p.AckSeq != want {
				t.Fatalf("ack %d, want %d (a tick of cushion, then one input per tick, in order)", p.AckSeq, want)
			}
		}
		// Slot 4's input is missing: its tick is consumed with a stand-in. A
		// stale duplicate changes nothing.
		h.m.Input(id, game.Input{Seq: 2})
		h.step(1)
		if p, _ := h.rec.last().Player(id); p.AckSeq != 4 || p.InputsSkipped != 0 {
			t.Fatalf("ack %d, skipped %d; want 4 and 0", p.AckSeq, p.InputsSkipped)
		}

		// A burst larger than the buffer keeps the newest: the older ones are
		// skipped (and counted) at once.
		for seq := uint32(10); seq < 16; seq++ {
			h.m.Input(id, game.Input{Seq: seq})
		}
		var acks []uint32
		for range 5 {
			h.step(1)
			p, _ := h.rec.last().Player(id)
			acks = append(acks, p.AckSeq)
		}
		if want := []uint32{12, 13, 14, 15, 16}; !equal(acks, want) {
			t.Fatalf("acks %v, want %v (buffer of 4 keeps the newest)", acks, want)
		}
		if p, _ := h.rec.last().Player(id); p.InputsSkipped != 2 {
			t.Fatalf("skipped %d, want 2 (inputs 10 and 11 made room)", p.InputsSkipped)
		}

		// Invalid and foreign inputs are refused.
		if err := h.m.Input(id, game.Input{Seq: 99, Aim: math.NaN()}); !errors.Is(err, game.ErrInvalidInput) {
			t.Fatalf("NaN input: %v, want game.ErrInvalidInput", err)
		}
		if err := h.m.Input(id+100, game.Input{Seq: 1}); !errors.Is(err, ErrNotSeated) {
			t.Fatalf("input for an unknown player: %v, want ErrNotSeated", err)
		}

		h.m.Leave(id)
		h.m.Leave(id) // twice: one leave
		if err := h.m.Input(id, game.Input{Seq: 100}); !errors.Is(err, ErrNotSeated) {
			t.Fatalf("input after Leave: %v, want ErrNotSeated", err)
		}
		h.step(1)
		if n := countKind(h.rec.allEvents(), game.EventLeave); n != 1 {
			t.Fatalf("%d leave events, want 1", n)
		}
		if _, ok := h.rec.last().Player(id); ok {
			t.Fatalf("player still seated after leaving")
		}
		if h.m.Info().Humans != 0 {
			t.Fatalf("info still counts the human")
		}
	})
}

func equal(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMatchInboxOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{InboxSize: 4})
		id := h.joinNow("a")
		for seq := uint32(1); seq <= 4; seq++ {
			if err := h.m.Input(id, game.Input{Seq: seq}); err != nil {
				t.Fatalf("input %d refused below the bound: %v", seq, err)
			}
		}
		if err := h.m.Input(id, game.Input{Seq: 5}); !errors.Is(err, ErrBusy) {
			t.Fatalf("input beyond InboxSize: %v, want ErrBusy", err)
		}
		if got := h.m.Info().Dropped; got != 1 {
			t.Fatalf("Dropped = %d, want 1", got)
		}
		if _, err := h.m.Join(context.Background(), "b"); !errors.Is(err, ErrBusy) {
			t.Fatalf("Join with a full inbox: %v, want ErrBusy", err)
		}
		h.m.Leave(id) // never dropped, even with a full inbox
		h.step(1)
		if _, ok := h.rec.last().Player(id); ok {
			t.Fatalf("Leave was dropped")
		}
	})
}

func TestMatchCatchUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{MaxCatchUp: 3})
		h.step(1)
		h.sleeping()
		h.clk.Advance(10 * h.dt) // a 10-tick stall
		h.rec.waitTicks(t, 3)
		h.sleeping()
		if got := h.rec.ticks(); got != 4 {
			t.Fatalf("%d ticks after a 10-tick stall with MaxCatchUp 3, want 1+3", got)
		}
		if got := h.m.Info().Overruns; got != 7 {
			t.Fatalf("Overruns = %d, want 7", got)
		}
		// Back on schedule: one tick per dt, and a partial dt owes nothing yet.
		h.clk.Advance(h.dt / 2)
		if h.clk.Waiters() != 1 {
			t.Fatalf("half a tick woke the match")
		}
		h.clk.Advance(h.dt - h.dt/2)
		h.rec.waitTicks(t, 1)
		h.sleeping()
		if got := h.rec.ticks(); got != 5 {
			t.Fatalf("%d ticks, want 5", got)
		}
	})
}

func TestMatchNormalEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{
			World:       game.WorldConfig{BotFill: 2, TimeLimit: 3},
			EndedLinger: 5 * time.Second / 30, // 5 ticks
		})
		countdown := game.CountdownDuration * 30
		h.step(int(countdown) + 4) // countdown, 3 live ticks, the tick that ends it
		if h.rec.last().Phase != game.PhaseEnded {
			t.Fatalf("phase %v, want ended", h.rec.last().Phase)
		}
		if _, err := h.m.Join(context.Background(), "late"); !errors.Is(err, game.ErrMatchEnded) {
			t.Fatalf("Join after the end: %v, want game.ErrMatchEnded", err)
		}
		if got := h.rec.last().PhaseTicksLeft; got != 5 {
			t.Fatalf("ended PhaseTicksLeft %d, want 5", got)
		}
		h.step(5)
		select {
		case err := <-h.errc:
			if err != nil {
				t.Fatalf("Run returned %v, want nil", err)
			}
			h.errc <- nil
		case <-time.After(waitTimeout):
			t.Fatalf("Run did not return after the linger")
		}
		<-h.m.Done()
		if got := h.rec.stopReasons(); len(got) != 1 || got[0] != game.EndTimeLimit {
			t.Fatalf("OnStop calls %v, want one with time_limit", got)
		}
		if _, err := h.m.Join(context.Background(), "later"); !errors.Is(err, ErrStopped) {
			t.Fatalf("Join after stop: %v, want ErrStopped", err)
		}
		late := newRecorder()
		h.m.Subscribe(late)
		if got := late.stopReasons(); len(got) != 1 || got[0] != game.EndTimeLimit {
			t.Fatalf("late subscriber got %v, want an immediate OnStop(time_limit)", got)
		}
	})
}

func TestMatchShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{})
		h.joinNow("a")
		pending := h.join(context.Background(), "b")
		h.waitPending(1)
		h.cancel()
		select {
		case err := <-h.errc:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v", err)
			}
			h.errc <- nil
		case <-time.After(waitTimeout):
			t.Fatalf("Run did not return after cancel")
		}
		if o := <-pending; !errors.Is(o.err, ErrStopped) {
			t.Fatalf("pending join got %v, want ErrStopped", o.err)
		}
		last := h.rec.last()
		if last.Phase != game.PhaseEnded {
			t.Fatalf("final tick phase %v, want ended", last.Phase)
		}
		evs := h.rec.allEvents()
		e, ok := findEvent(evs, game.EventEnd)
		if !ok || e.Value != int32(game.EndShutdown) || e.Tick != last.Tick {
			t.Fatalf("end event %+v (found %v), want shutdown in the final tick %d", e, ok, last.Tick)
		}
		if got := h.rec.stopReasons(); len(got) != 1 || got[0] != game.EndShutdown {
			t.Fatalf("OnStop calls %v, want one with shutdown", got)
		}
	})
}

func TestMatchJoinRules(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{World: game.WorldConfig{MaxPlayers: 2}})
			h.joinNow("a")
			ch := h.join(context.Background(), "b") // pending: counts as seated
			h.waitPending(1)
			if _, err := h.m.Join(context.Background(), "c"); !errors.Is(err, game.ErrMatchFull) {
				t.Fatalf("third join: %v, want game.ErrMatchFull", err)
			}
			h.step(1)
			if o := <-ch; o.err != nil {
				t.Fatal(o.err)
			}
		})
	})
	t.Run("withdrawn by context", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{})
			ctx, cancel := context.WithCancel(context.Background())
			ch := h.join(ctx, "ghost")
			h.waitPending(1)
			cancel()
			if o := <-ch; !errors.Is(o.err, context.Canceled) {
				t.Fatalf("join returned %v, want context.Canceled", o.err)
			}
			h.step(2)
			if n := countKind(h.rec.allEvents(), game.EventJoin); n != 0 {
				t.Fatalf("a withdrawn join was seated")
			}
			if humans, open := h.m.openSeats(); humans != 0 || open != 8 {
				t.Fatalf("seats %d/%d after a withdrawn join", humans, open)
			}
		})
	})
}

func TestNewConfig(t *testing.T) {
	clk := clock.NewManual(time.Unix(0, 0))
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no id", Config{Clock: clk, World: game.WorldConfig{Map: boxMap()}}},
		{"no clock", Config{ID: "x", World: game.WorldConfig{Map: boxMap()}}},
		{"no map", Config{ID: "x", Clock: clk}},
		{"negative inbox", Config{ID: "x", Clock: clk, InboxSize: -1, World: game.WorldConfig{Map: boxMap()}}},
		{"bad tick rate", Config{ID: "x", Clock: clk, World: game.WorldConfig{Map: boxMap(), TickRate: 1000}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatalf("NewMatch accepted %+v", tc.cfg)
			}
		})
	}
	m, err := New(Config{ID: "x", Clock: clk, World: game.WorldConfig{Map: boxMap()}, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	if m.cfg.World.EndedTicks != 300 {
		t.Fatalf("EndedTicks %d, want 10 s at 30 Hz", m.cfg.World.EndedTicks)
	}
	if err := m.Run(canceled()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run on a cancelled ctx: %v", err)
	}
	if err := m.Run(context.Background()); err == nil {
		t.Fatalf("second Run accepted")
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
