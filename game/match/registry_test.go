package match

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
)

// regHarness runs a Registry on a manual clock.
type regHarness struct {
	tb         testing.TB
	clk        *clock.Manual
	r          *Registry
	cancel     context.CancelFunc
	errc       chan error
	started    bool
	pendingCtx context.Context // for tests that call run themselves
}

func startRegistry(tb testing.TB, cfg RegistryConfig, run bool) *regHarness {
	tb.Helper()
	clk := clock.NewManual(time.Unix(1000, 0))
	cfg.Match.Clock = clk
	if cfg.Match.World.Map == nil {
		cfg.Match.World.Map = boxMap()
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	var mu sync.Mutex
	n := 0
	cfg.NewID = func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("m%02d", n)
	}
	r, err := NewRegistry(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	h := &regHarness{tb: tb, clk: clk, r: r, errc: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	tb.Cleanup(func() {
		cancel()
		h.wait()
	})
	h.pendingCtx = ctx
	if run {
		h.run(ctx)
	}
	return h
}

func (h *regHarness) run(ctx context.Context) {
	h.started = true
	go func() { h.errc <- h.r.Run(ctx) }()
}

func (h *regHarness) wait() {
	if !h.started {
		return
	}
	select {
	case err := <-h.errc:
		if err != nil {
			h.tb.Errorf("Registry.Run: %v", err)
		}
		h.started = false
	case <-time.After(waitTimeout):
		h.tb.Errorf("Registry.Run did not return")
	}
}

// pump advances the clock a tick at a time until cond holds. It must run
// inside a synctest bubble: after each tick, synctest.Wait returns once every
// match and the reaper have handled it and sleep on the clock again, so cond
// sees the state as of exactly that tick. Its budget is match time, not wall
// time: a loaded machine slows a test down but cannot fail it.
func (h *regHarness) pump(what string, cond func() bool) {
	h.tb.Helper()
	synctest.Wait()
	for start := h.clk.Now(); !cond(); {
		// Ten minutes is far more than any test here needs, and fewer ticks
		// than a recorder buffers (so a failure stays a clean one).
		if h.clk.Now().Sub(start) > 10*time.Minute {
			h.tb.Fatalf("%s: not reached within 10 minutes of match time", what)
		}
		h.clk.Advance(time.Second / 30)
		synctest.Wait()
	}
}

// joinAll joins n humans into m in one tick and returns once all are seated
// and that tick is published (Info, List). It must run inside a synctest
// bubble.
func (h *regHarness) joinAll(m *Match, n int) {
	h.tb.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := m.Join(context.Background(), fmt.Sprint("p", i))
			errs <- err
		}()
	}
	synctest.Wait() // every Join has queued and waits for its reply
	h.clk.Advance(time.Second / 30)
	synctest.Wait() // the tick that seats them has run and the match sleeps again
	for range n {
		if err := <-errs; err != nil {
			h.tb.Errorf("join: %v", err)
		}
	}
}

func TestRegistryQuickPlay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{World: game.WorldConfig{MaxPlayers: 3}}}, true)
		m1, err := h.r.Create()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := h.r.Create()
		if err != nil {
			t.Fatal(err)
		}
		// Both empty: the tie goes to the lowest id.
		if got, _ := h.r.QuickPlay(); got != m1 {
			t.Fatalf("QuickPlay picked %s among empty matches, want %s", got.ID(), m1.ID())
		}
		h.joinAll(m1, 1)
		h.joinAll(m2, 2)
		if got, _ := h.r.QuickPlay(); got != m2 {
			t.Fatalf("QuickPlay picked %s, want the fuller %s", got.ID(), m2.ID())
		}
		h.joinAll(m2, 1) // m2 is now full
		if got, _ := h.r.QuickPlay(); got != m1 {
			t.Fatalf("QuickPlay picked %s, want %s (m2 is full)", got.ID(), m1.ID())
		}
		h.joinAll(m1, 2) // both full
		m3, err := h.r.QuickPlay()
		if err != nil || m3 == m1 || m3 == m2 {
			t.Fatalf("QuickPlay with every match full: %v, %v; want a new match", m3, err)
		}
		if m, ok := h.r.Find(m3.ID()); !ok || m != m3 {
			t.Fatalf("Find(%s) = %v, %v", m3.ID(), m, ok)
		}
		if _, ok := h.r.Find("nope"); ok {
			t.Fatalf("Find found a match that does not exist")
		}
		list := h.r.List()
		if len(list) != 3 || list[0].ID != "m01" || list[1].ID != "m02" || list[2].ID != "m03" {
			t.Fatalf("List = %+v, want m01, m02, m03 in order", list)
		}
		if list[0].Humans != 3 || list[2].Humans != 0 {
			t.Fatalf("List humans %d/%d", list[0].Humans, list[2].Humans)
		}
	})
}

// QuickPlay never picks an ended match, even one with free seats.
func TestRegistryQuickPlaySkipsEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{
			World:       game.WorldConfig{BotFill: 2, TimeLimit: 1},
			EndedLinger: time.Hour,
		}}, true)
		m1, _ := h.r.Create()
		h.pump("the match to end", func() bool { return m1.Info().Phase == game.PhaseEnded })
		m2, err := h.r.QuickPlay()
		if err != nil || m2 == m1 {
			t.Fatalf("QuickPlay returned %v, %v; want a new match", m2, err)
		}
	})
}

// The empty match QuickPlay hands out is about to get a player: the reaper
// must not remove it in the moment between QuickPlay and the Join (the
// player would be refused, or seated and at once thrown out with the
// abandoned match), even if it had been empty for almost EmptyTimeout.
func TestRegistryQuickPlayedMatchIsNotReapedBeforeTheJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{EmptyTimeout: 3 * time.Second}, true)
		created := h.clk.Now()
		m, _ := h.r.Create()
		h.pump("the match to sit empty for most of EmptyTimeout", func() bool { return h.clk.Now().Sub(created) >= 2500*time.Millisecond })
		if got, err := h.r.QuickPlay(); got != m {
			t.Fatalf("QuickPlay = %v, %v; want the empty match", got, err)
		}
		// The player's Join is slow to arrive: the timeout passes meanwhile.
		h.pump("EmptyTimeout to pass", func() bool { return h.clk.Now().Sub(created) >= 5*time.Second })
		if _, ok := h.r.Find(m.ID()); !ok {
			t.Fatalf("the match QuickPlay just handed out was reaped")
		}
		h.joinAll(m, 1)
	})
}

// A match that has used up its player ids (65535 arrivals, humans and bot
// refills, over its life) can seat nobody. QuickPlay must not keep sending
// players to it, or every quick-play join fails while it lasts.
func TestRegistryQuickPlaySkipsMatchOutOfIDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{World: game.WorldConfig{MaxPlayers: 4}}}, false)
		m, _ := h.r.Create()
		// As if 65,534 players had come and gone: the next join takes the last
		// id. (Run has not started, so the field is not yet shared; the match
		// asks with m.mu held.)
		m.outOfIDs = func() bool { return len(m.seated) > 0 }
		h.run(h.pendingCtx)
		h.joinAll(m, 1) // takes the last id
		if _, err := m.Join(canceled(), "next"); !errors.Is(err, game.ErrMatchFull) {
			t.Fatalf("Join to a match out of ids: %v, want game.ErrMatchFull", err)
		}
		if got, err := h.r.QuickPlay(); err != nil || got == m {
			t.Fatalf("QuickPlay = %v, %v; want a new match, not the one that is out of ids", got, err)
		}
	})
}

func TestRegistryMaxMatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{MaxMatches: 2}, true)
		for range 2 {
			if _, err := h.r.Create(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := h.r.Create(); !errors.Is(err, ErrTooManyMatches) {
			t.Fatalf("third Create: %v, want ErrTooManyMatches", err)
		}
		if h.r.Len() != 2 || h.r.MaxMatches() != 2 {
			t.Fatalf("Len %d MaxMatches %d, want 2 and 2", h.r.Len(), h.r.MaxMatches())
		}
	})
}

func TestRegistryReapsEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{
			World:       game.WorldConfig{BotFill: 2, TimeLimit: 1},
			EndedLinger: -1,
		}}, true)
		m, _ := h.r.Create()
		rec := newRecorder()
		m.Subscribe(rec)
		h.pump("the ended match to be removed", func() bool { _, ok := h.r.Find(m.ID()); return !ok })
		<-m.Done()
		if got := rec.stopReasons(); len(got) != 1 || got[0] != game.EndTimeLimit {
			t.Fatalf("OnStop %v, want time_limit", got)
		}
		if len(h.r.List()) != 0 || h.r.Len() != 0 {
			t.Fatalf("List (or Len) still shows the ended match")
		}
	})
}

func TestRegistryReapsEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{EmptyTimeout: 3 * time.Second}, true)
		// A match's empty clock starts when it is created; only the test moves
		// the manual clock, so this is that instant. (Reading it after the
		// joins below made the test fail 1 run in 4 under -race.)
		start := h.clk.Now()
		empty, _ := h.r.Create()
		busy, _ := h.r.Create()
		h.joinAll(busy, 1)
		rec := newRecorder()
		empty.Subscribe(rec)
		h.pump("the empty match to be removed", func() bool { _, ok := h.r.Find(empty.ID()); return !ok })
		// Removed by the first reap at least EmptyTimeout after Create; the
		// reaper looks every EmptyTimeout/4 (750 ms), on tick boundaries.
		if waited := h.clk.Now().Sub(start); waited < 3*time.Second || waited > 3*time.Second+750*time.Millisecond+time.Second/30 {
			t.Fatalf("removed after %v, want EmptyTimeout (3s) to EmptyTimeout plus one reap interval", waited)
		}
		select {
		case <-rec.stoped:
		case <-time.After(waitTimeout):
			t.Fatalf("removed match's observers got no OnStop")
		}
		if got := rec.stopReasons(); got[0] != game.EndAbandoned {
			t.Fatalf("OnStop(%v), want abandoned (a reaped match is not a server shutdown)", got[0])
		}
		// The match with a human survives well past the timeout.
		h.pump("time to pass", func() bool { return h.clk.Now().Sub(start) > 10*time.Second })
		if _, ok := h.r.Find(busy.ID()); !ok {
			t.Fatalf("a match with a human was removed")
		}
	})
}

func TestRegistryLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{}, false)
		m, err := h.r.Create() // before Run: queued
		if err != nil {
			t.Fatal(err)
		}
		rec := newRecorder()
		m.Subscribe(rec)
		h.run(h.pendingCtx)
		h.pump("the queued match to tick", func() bool { return rec.ticks() > 0 })
		h.cancel()
		h.wait()
		<-m.Done()
		if got := rec.stopReasons(); len(got) != 1 || got[0] != game.EndShutdown {
			t.Fatalf("OnStop %v after registry shutdown, want one shutdown", got)
		}
		if _, err := h.r.Create(); !errors.Is(err, ErrRegistryStopped) {
			t.Fatalf("Create after Run returned: %v, want ErrRegistryStopped", err)
		}
		if err := h.r.Run(context.Background()); err == nil {
			t.Fatalf("second Run accepted")
		}
	})
}

func TestNewRegistryConfig(t *testing.T) {
	clk := clock.NewManual(time.Unix(0, 0))
	id := func() string { return "x" }
	tests := []struct {
		name string
		cfg  RegistryConfig
	}{
		{"no NewID", RegistryConfig{Match: Config{Clock: clk, World: game.WorldConfig{Map: boxMap()}}}},
		{"no clock", RegistryConfig{NewID: id, Match: Config{World: game.WorldConfig{Map: boxMap()}}}},
		{"no map", RegistryConfig{NewID: id, Match: Config{Clock: clk}}},
		{"bad template", RegistryConfig{NewID: id, Match: Config{Clock: clk, World: game.WorldConfig{Map: boxMap(), MaxPlayers: -1}}}},
		{"negative max", RegistryConfig{NewID: id, MaxMatches: -1, Match: Config{Clock: clk, World: game.WorldConfig{Map: boxMap()}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewRegistry(tc.cfg); err == nil {
				t.Fatalf("NewRegistry accepted %+v", tc.cfg)
			}
		})
	}
}

// Many players arriving, playing and leaving at once, with the clock running
// and the registry listed concurrently: run under -race, this is the test
// that the registry and match are free of data races and lost players.
//
// It runs on real goroutines, outside a synctest bubble, with a pumper that
// moves the clock as fast as it can; so that its pace cannot decide the
// outcome, no match may be reaped or end while the test counts them.
func TestRegistryConcurrentUse(t *testing.T) {
	h := startRegistry(t, RegistryConfig{
		EmptyTimeout: 24 * time.Hour,
		Match: Config{World: game.WorldConfig{
			MaxPlayers: 4, BotFill: 2,
			TimeLimit: 24 * 3600 * 30, ScoreLimit: 1 << 20, // a day at 30 Hz; unreachable
		}},
	}, true)
	stop := make(chan struct{})
	var pumpWG sync.WaitGroup
	pumpWG.Add(1)
	go func() { // the clock and a spectator-ish reader
		defer pumpWG.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			h.clk.Advance(time.Second / 30)
			for _, info := range h.r.List() {
				if m, ok := h.r.Find(info.ID); ok {
					_ = m.Info()
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	const players = 12
	var wg, seated sync.WaitGroup
	seated.Add(players) // everyone holds a seat at once: at least players/4 matches
	errs := make(chan error, players)
	for i := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			var m *Match
			var res JoinResult
			for attempt := 0; ; attempt++ {
				var err error
				if m, err = h.r.QuickPlay(); err != nil {
					errs <- err
					seated.Done()
					return
				}
				if res, err = m.Join(ctx, fmt.Sprint("p", i)); err == nil {
					break
				}
				if !errors.Is(err, game.ErrMatchFull) || attempt > 20 {
					errs <- fmt.Errorf("join: %w", err)
					seated.Done()
					return
				}
			}
			seated.Done()
			seated.Wait()
			rec := newRecorder()
			unsub := m.Subscribe(rec)
			for seq := uint32(1); seq <= 20; seq++ {
				m.Input(res.Player, game.Input{Seq: seq, MoveX: 1, Buttons: game.ButtonFire})
			}
			timeout := time.After(waitTimeout)
			for range 5 {
				select {
				case <-rec.ticked:
				case <-timeout:
					errs <- fmt.Errorf("player %d: no 5 ticks within %v", i, waitTimeout)
					unsub()
					m.Leave(res.Player)
					return
				}
			}
			unsub()
			m.Leave(res.Player)
		}()
	}
	wg.Wait()
	close(stop)
	pumpWG.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, info := range h.r.List() {
		if info.Humans > 4 {
			t.Errorf("match %s has %d humans, over MaxPlayers", info.ID, info.Humans)
		}
	}
	if n := len(h.r.List()); n < players/4 {
		t.Errorf("%d matches for %d players of 4 seats", n, players)
	}
}

// TestRegistryObserve: RegistryConfig.Observe's observer is on every match
// from its first tick to its stop, whether the match ends or is shut down.
func TestRegistryObserve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		recs := map[string]*recorder{}
		h := startRegistry(t, RegistryConfig{
			Match: Config{World: game.WorldConfig{BotFill: 2, TimeLimit: 1}, EndedLinger: -1},
			Observe: func(m *Match) Observer {
				mu.Lock()
				defer mu.Unlock()
				recs[m.ID()] = newRecorder()
				return recs[m.ID()]
			},
		}, false)
		ended, _ := h.r.Create() // before Run: observed all the same
		h.run(h.pendingCtx)
		h.pump("the first match to end", func() bool { _, ok := h.r.Find(ended.ID()); return !ok })
		running, _ := h.r.QuickPlay()
		h.pump("the second match to tick", func() bool { return recs[running.ID()].ticks() > 0 })
		h.cancel()
		h.wait()
		mu.Lock()
		defer mu.Unlock()
		for id, want := range map[string]game.EndReason{ended.ID(): game.EndTimeLimit, running.ID(): game.EndShutdown} {
			rec := recs[id]
			if rec == nil {
				t.Fatalf("match %s was not observed", id)
			}
			if got := rec.stopReasons(); len(got) != 1 || got[0] != want {
				t.Errorf("match %s: OnStop %v, want %v", id, got, want)
			}
			rec.mu.Lock()
			first := rec.snaps[0].Tick
			rec.mu.Unlock()
			if first != 1 {
				t.Errorf("match %s: first tick observed %d, want 1", id, first)
			}
		}
	})
}
