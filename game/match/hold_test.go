package match

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// resume starts a Resume and returns a channel with its outcome.
func (h *harness) resume(ctx context.Context, id game.PlayerID) <-chan joinOutcome {
	ch := make(chan joinOutcome, 1)
	go func() {
		res, err := h.m.Resume(ctx, id)
		ch <- joinOutcome{res, err}
	}()
	return ch
}

// resumeNow resumes id and steps until the match has processed it.
func (h *harness) resumeNow(id game.PlayerID) (JoinResult, error) {
	h.tb.Helper()
	ch := h.resume(context.Background(), id)
	h.waitCtrl(1)
	h.step(1)
	o := <-ch
	return o.res, o.err
}

// waitCtrl polls until n control messages sit in the inbox.
func (h *harness) waitCtrl(n int) {
	h.tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		h.m.mu.Lock()
		p := len(h.m.ctrl)
		h.m.mu.Unlock()
		if p >= n {
			return
		}
		if time.Now().After(deadline) {
			h.tb.Fatalf("%d control messages pending, want %d", p, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// counter is a released callback that counts its calls.
type counter struct{ n atomic.Int32 }

func (c *counter) fn() { c.n.Add(1) }

// leavesOf counts id's leave events.
func leavesOf(evs []game.Event, id game.PlayerID) int {
	n := 0
	for _, e := range evs {
		if e.Kind == game.EventLeave && e.Player == id {
			n++
		}
	}
	return n
}

func playerFlags(tb testing.TB, s *game.Snapshot, id game.PlayerID) game.PlayerFlags {
	tb.Helper()
	p, ok := s.Player(id)
	if !ok {
		tb.Fatalf("player %d not in snapshot of tick %d", id, s.Tick)
	}
	return p.Flags
}

func TestHoldAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{World: game.WorldConfig{BotFill: 2}})
		a := h.joinNow("a")
		for seq := uint32(1); seq <= 5; seq++ {
			if err := h.m.Input(a, game.Input{Seq: seq, MoveX: 1}); err != nil {
				t.Fatal(err)
			}
			h.step(1)
		}
		var released counter
		if !h.m.Hold(a, time.Second, released.fn) {
			t.Fatal("Hold of a seated player refused")
		}
		h.step(1)
		if f := playerFlags(t, h.rec.last(), a); f&game.FlagDisconnected == 0 {
			t.Fatalf("held player's flags %b", f)
		}
		if e, ok := findEvent(h.rec.allEvents(), game.EventDisconnect); !ok || e.Player != a {
			t.Fatalf("no disconnect event for %d", a)
		}
		if info := h.m.Info(); info.Humans != 1 || info.Bots != 1 {
			t.Fatalf("info %+v: a held seat is a human's", info)
		}
		// The held seat is taken: a new human gets the bot's seat, not the held one.
		if _, open := h.m.openSeats(); open != h.m.cfg.World.MaxPlayers-1 {
			t.Fatalf("open seats %d", open)
		}
		h.step(10)

		// Inputs the old connection left in the inbox are dropped with it: the
		// resumed player's input starts afresh from seq 1.
		if err := h.m.Input(a, game.Input{Seq: 500, MoveX: -1}); err != nil {
			t.Fatal(err)
		}
		res, err := h.resumeNow(a)
		if err != nil {
			t.Fatalf("Resume: %v", err)
		}
		if res.Player != a {
			t.Fatalf("resumed as %d, want %d", res.Player, a)
		}
		me, ok := res.Snapshot.Player(a)
		if !ok || me.Flags&game.FlagDisconnected != 0 || me.AckSeq != 0 || res.Snapshot.Tick != h.rec.last().Tick {
			t.Fatalf("resume snapshot (tick %d): %+v", res.Snapshot.Tick, me)
		}
		if e, ok := findEvent(h.rec.allEvents(), game.EventReconnect); !ok || e.Player != a {
			t.Fatal("no reconnect event")
		}
		if n := leavesOf(h.rec.allEvents(), a); n != 0 {
			t.Fatalf("%d leave events", n)
		}
		h.step(2)
		if p, _ := h.rec.last().Player(a); p.AckSeq != 0 {
			t.Fatalf("an input from before the resume was applied: ackSeq %d", p.AckSeq)
		}
		for seq := uint32(1); seq <= 3; seq++ {
			if err := h.m.Input(a, game.Input{Seq: seq, MoveX: 1}); err != nil {
				t.Fatal(err)
			}
			h.step(1)
		}
		if p, _ := h.rec.last().Player(a); p.AckSeq == 0 {
			t.Fatal("the resumed player's new inputs are not applied")
		}
		h.step(60) // well past the window: the hold is gone
		if released.n.Load() != 0 {
			t.Fatal("released called for a resumed hold")
		}
		if leavesOf(h.rec.allEvents(), a) != 0 {
			t.Fatal("a resumed seat was released")
		}
	})
}

// TestHoldExpires: the seat is released exactly when the window has passed,
// on the match clock, as a leave: the leave event, a bot takes the seat,
// released is called once, and a late Resume fails.
func TestHoldExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{World: game.WorldConfig{BotFill: 2}})
		a := h.joinNow("a")
		window := 10 * h.dt
		var released counter
		h.m.Hold(a, window, released.fn)
		h.step(1) // the tick that holds the seat
		held := h.rec.last().Tick
		h.step(9)
		if n := leavesOf(h.rec.allEvents(), a); n != 0 || released.n.Load() != 0 {
			t.Fatalf("released early: %d leaves, released %d", n, released.n.Load())
		}
		h.step(1)
		h.sleeping() // released is called once the tick is published
		var leave game.Event
		for _, e := range h.rec.allEvents() {
			if e.Kind == game.EventLeave && e.Player == a {
				leave = e
			}
		}
		if ok := leave.Player == a; !ok || leave.Tick != held+10 {
			t.Fatalf("leave %+v (found %v), want player %d at tick %d", leave, ok, a, held+10)
		}
		if released.n.Load() != 1 {
			t.Fatalf("released called %d times", released.n.Load())
		}
		if info := h.m.Info(); info.Humans != 0 || info.Bots != 2 {
			t.Fatalf("after expiry: %+v, want the seat back to bot fill", info)
		}
		if _, err := h.m.Resume(context.Background(), a); !errors.Is(err, ErrNotSeated) {
			t.Fatalf("Resume after expiry: %v, want ErrNotSeated", err)
		}
		if err := h.m.Input(a, game.Input{Seq: 1}); !errors.Is(err, ErrNotSeated) {
			t.Fatalf("Input after expiry: %v", err)
		}
		h.step(5)
		if released.n.Load() != 1 || leavesOf(h.rec.allEvents(), a) != 1 {
			t.Fatal("released or left twice")
		}
	})
}

// TestResumeOpenSeat: resuming a player who is not held (the old connection
// is still open) restarts their input without any event.
func TestResumeOpenSeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{})
		a := h.joinNow("a")
		for seq := uint32(1); seq <= 5; seq++ {
			_ = h.m.Input(a, game.Input{Seq: seq})
			h.step(1)
		}
		if p, _ := h.rec.last().Player(a); p.AckSeq == 0 {
			t.Fatal("inputs not applied")
		}
		before := len(h.rec.allEvents())
		res, err := h.resumeNow(a)
		if err != nil || res.Player != a {
			t.Fatalf("Resume: %v %+v", err, res.Player)
		}
		if evs := h.rec.allEvents()[before:]; len(evs) != 0 {
			t.Fatalf("events %+v", evs)
		}
		if p, _ := res.Snapshot.Player(a); p.AckSeq != 0 {
			t.Fatalf("ackSeq %d after resume", p.AckSeq)
		}
	})
}

// TestHoldEnds: a hold ends with released called once when the player
// leaves or the match stops; Hold refuses a player who is not seated or a
// stopped match (and never calls released then).
func TestHoldEnds(t *testing.T) {
	t.Run("leave", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{})
			a := h.joinNow("a")
			var released counter
			h.m.Hold(a, time.Hour, released.fn)
			h.step(1)
			h.m.Leave(a)
			h.step(1)
			h.sleeping() // released is called once the tick is published
			if released.n.Load() != 1 || leavesOf(h.rec.allEvents(), a) != 1 {
				t.Fatalf("released %d, leaves %d", released.n.Load(), leavesOf(h.rec.allEvents(), a))
			}
			h.step(3)
			if released.n.Load() != 1 {
				t.Fatal("released twice")
			}
		})
	})
	t.Run("stop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{})
			a := h.joinNow("a")
			var held, queued counter
			h.m.Hold(a, time.Hour, held.fn)
			h.step(1)
			b := h.joinNow("b")
			h.m.Hold(b, time.Hour, queued.fn) // still in the inbox when the match stops
			h.cancel()
			<-h.m.Done()
			if held.n.Load() != 1 || queued.n.Load() != 1 {
				t.Fatalf("released %d and %d times at stop, want once each", held.n.Load(), queued.n.Load())
			}
			var late counter
			if h.m.Hold(a, time.Hour, late.fn) {
				t.Fatal("Hold on a stopped match accepted")
			}
			if _, err := h.m.Resume(context.Background(), a); !errors.Is(err, ErrStopped) {
				t.Fatalf("Resume on a stopped match: %v", err)
			}
			if late.n.Load() != 0 {
				t.Fatal("a refused Hold called released")
			}
		})
	})
	t.Run("not seated", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{})
			var released counter
			if h.m.Hold(42, time.Second, released.fn) {
				t.Fatal("Hold of nobody accepted")
			}
			if _, err := h.m.Resume(context.Background(), 42); !errors.Is(err, ErrNotSeated) {
				t.Fatalf("Resume of nobody: %v", err)
			}
		})
	})
}

// TestResumeAbandoned: a Resume whose caller gave up before the match took
// it leaves the seat held.
func TestResumeAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{})
		a := h.joinNow("a")
		h.m.Hold(a, time.Hour, nil)
		h.step(1)
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.resume(ctx, a)
		h.waitCtrl(1)
		cancel()
		if o := <-ch; !errors.Is(o.err, context.Canceled) {
			t.Fatalf("abandoned Resume: %v", o.err)
		}
		h.step(1)
		if f := playerFlags(t, h.rec.last(), a); f&game.FlagDisconnected == 0 {
			t.Fatal("an abandoned Resume gave the seat back")
		}
	})
}

// TestResumeRacesTheWindow: the match goroutine is the one judge. A Resume
// drained with the tick the window ends on wins; one tick later it fails
// and the seat is gone. A Hold and a Resume in one tick (a reconnect
// within a tick) leave the player seated, with both events.
func TestResumeRacesTheWindow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after int // ticks stepped between the hold's tick and the Resume's
		ok    bool
	}{
		{"last tick", 4, true},
		{"one tick late", 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := startMatch(t, Config{})
				a := h.joinNow("a")
				var released counter
				h.m.Hold(a, 5*h.dt, released.fn)
				h.step(1)
				h.step(tc.after)
				var err error
				if tc.ok {
					_, err = h.resumeNow(a)
				} else {
					_, err = h.m.Resume(context.Background(), a) // refused at once: the seat is gone
				}
				if tc.ok != (err == nil) {
					t.Fatalf("Resume: %v, want ok %v", err, tc.ok)
				}
				if !tc.ok && !errors.Is(err, ErrNotSeated) {
					t.Fatalf("late Resume: %v, want ErrNotSeated", err)
				}
				h.step(10)
				h.sleeping()
				wantReleased := int32(0)
				if !tc.ok {
					wantReleased = 1
				}
				if released.n.Load() != wantReleased || leavesOf(h.rec.allEvents(), a) != int(wantReleased) {
					t.Fatalf("released %d, leaves %d, want %d", released.n.Load(), leavesOf(h.rec.allEvents(), a), wantReleased)
				}
			})
		})
	}
	t.Run("hold and resume in one tick", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := startMatch(t, Config{})
			a := h.joinNow("a")
			h.m.Hold(a, time.Second, nil)
			ch := h.resume(context.Background(), a)
			h.waitCtrl(2)
			h.step(1)
			if o := <-ch; o.err != nil {
				t.Fatal(o.err)
			}
			evs := h.rec.allEvents()
			if countKind(evs, game.EventDisconnect) != 1 || countKind(evs, game.EventReconnect) != 1 {
				t.Fatalf("events %+v", evs)
			}
			if f := playerFlags(t, h.rec.last(), a); f&game.FlagDisconnected != 0 {
				t.Fatal("still flagged")
			}
		})
	})
}
