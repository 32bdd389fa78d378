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
				Clock: clk, EndedLinger: 100 * time.Millisecond, Logger: log,
			},
			NewID: func() string { return "only" },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = reg.Run(ctx) }()
		s := &server{registry: reg, clock: clk, log: log}
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
		// The match counts down, plays its one tick, ends and lingers out.
		for start := clk.Now(); exits.Load() == 0; {
			if clk.Now().Sub(start) > 10*time.Minute {
				t.Fatal("no exit within 10 minutes of match time")
			}
			clk.Advance(time.Second / 30)
			synctest.Wait()
		}
		<-watched
		if reg.Len() != 0 || exits.Load() != 1 {
			t.Fatalf("exit called %d times with %d matches left, want once with none", exits.Load(), reg.Len())
		}
		cancel()
		synctest.Wait()
	})
}
