package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
)

// --exit-after-match: nothing happens while no match has run; once one has
// and none is left (it ended and lingered out), exit is called, once.
func TestWatchLastMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		raw, err := assets.Map("arena")
		if err != nil {
			t.Fatal(err)
		}
		m, err := game.ParseMap(raw)
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewManual(time.Unix(1000, 0))
		log := slog.New(slog.DiscardHandler)
		reg, err := match.NewRegistry(match.RegistryConfig{
			Match: match.Config{
				World: game.WorldConfig{Map: m, TickRate: 30, BotFill: 2, TimeLimit: 1},
				Clock: clk, EndedLinger: 3 * lastMatchPoll, Logger: log, // the watch sees it ended
			},
			NewID: func() string { return "only" },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = reg.Run(ctx) }()
		players, err := netcode.NewServer(netcode.Config{Registry: reg, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		s := &server{registry: reg, players: players, clock: clk, log: log, maxConnections: 10}
		s.started.Store(true)
		var exits atomic.Int32
		watched := make(chan struct{})
		go func() { defer close(watched); s.watchLastMatch(ctx, func() { exits.Add(1) }) }()

		// No match yet: a minute passes, nobody exits.
		for range 60 {
			clk.Advance(lastMatchPoll)
			synctest.Wait()
		}
		if exits.Load() != 0 {
			t.Fatal("exit before any match ran")
		}
		if _, err := reg.Create(); err != nil {
			t.Fatal(err)
		}
		// The match counts down, plays its one tick, ends (from then on the
		// server is not ready) and lingers out (then it exits).
		sawClosing := false
		var endedAt time.Time
		for start := clk.Now(); exits.Load() == 0; {
			if clk.Now().Sub(start) > 10*time.Minute {
				t.Fatal("no exit within 10 minutes of match time")
			}
			if endedAt.IsZero() && reg.Len() == 1 && reg.List()[0].Phase == game.PhaseEnded {
				endedAt = clk.Now()
			}
			clk.Advance(time.Second / 30)
			synctest.Wait()
			// A poll after the end, the server takes no new players.
			if !endedAt.IsZero() && clk.Now().Sub(endedAt) > lastMatchPoll && exits.Load() == 0 {
				if nr, ok := s.readiness(); ok || nr.reason != "draining" {
					t.Fatalf("a match ended %v ago but readiness is %v %q", clk.Now().Sub(endedAt), ok, nr.reason)
				}
				sawClosing = true
			}
		}
		if !sawClosing {
			t.Fatal("the ended match lingered out before the watch looked: no not-ready moment seen")
		}
		<-watched
		if reg.Len() != 0 || exits.Load() != 1 {
			t.Fatalf("exit called %d times with %d matches left, want once with none", exits.Load(), reg.Len())
		}
		cancel()
		synctest.Wait()
	})
}
