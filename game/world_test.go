package game

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNewWorldConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     WorldConfig
		wantErr string
	}{
		{"no map", WorldConfig{}, "Map is required"},
		{"invalid map", WorldConfig{Map: &Map{ID: "x"}}, "invalid map"},
		{"tick rate too high", WorldConfig{Map: boxMap(), TickRate: TickRates.Max + 1}, "TickRate"},
		{"tick rate too low", WorldConfig{Map: boxMap(), TickRate: TickRates.Min - 1}, "TickRate"},
		{"too few players", WorldConfig{Map: boxMap(), MaxPlayers: PlayerCounts.Min - 1}, "MaxPlayers"},
		{"negative tick rate", WorldConfig{Map: boxMap(), TickRate: -1}, "TickRate"},
		{"too many players", WorldConfig{Map: boxMap(), MaxPlayers: PlayerCounts.Max + 1}, "MaxPlayers"},
		{"negative bots", WorldConfig{Map: boxMap(), BotFill: -1}, "BotFill"},
		{"negative limit", WorldConfig{Map: boxMap(), ScoreLimit: -1}, "negative"},
		{"defaults", WorldConfig{Map: boxMap()}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWorld(tc.cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := w.Config()
			if c.TickRate != 30 || c.MaxPlayers != 8 || c.TimeLimit != 300*30 || c.ScoreLimit != 20 {
				t.Fatalf("defaults not applied: %+v", c)
			}
		})
	}
}

func TestSeats(t *testing.T) {
	t.Run("bots seated at start", func(t *testing.T) {
		w := newWorld(t, WorldConfig{BotFill: 4})
		if w.Bots() != 4 || w.Humans() != 0 {
			t.Fatalf("%d bots %d humans, want 4 bots", w.Bots(), w.Humans())
		}
		step(w)
		evs := w.Events()
		if countKind(evs, EventJoin) != 4 {
			t.Fatalf("events %+v, want 4 joins", evs)
		}
		for _, e := range evs {
			if e.Kind == EventJoin && (e.Value != 1 || !strings.HasPrefix(e.Name, "bot-") || e.Tick != 1) {
				t.Fatalf("bot join event %+v, want value 1, a bot- name, tick 1", e)
			}
		}
	})
	t.Run("bot names are distinct and deterministic", func(t *testing.T) {
		names := func(seed int64) []string {
			w := newWorld(t, WorldConfig{BotFill: 8, Seed: seed})
			var out []string
			for _, p := range w.players {
				out = append(out, p.name)
			}
			return out
		}
		a, b := names(7), names(7)
		seen := map[string]bool{}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("names differ with the same seed: %v vs %v", a, b)
			}
			if seen[a[i]] {
				t.Fatalf("duplicate bot name %q in %v", a[i], a)
			}
			seen[a[i]] = true
		}
	})
	t.Run("human takes a bot's place", func(t *testing.T) {
		w := newWorld(t, WorldConfig{BotFill: 4})
		step(w)
		id := addHuman(t, w, "alice")
		if w.Humans() != 1 || w.Bots() != 3 {
			t.Fatalf("%d humans %d bots, want 1 and 3", w.Humans(), w.Bots())
		}
		evs := w.Events() // of the join's Step
		if countKind(evs, EventLeave) != 1 || countKind(evs, EventJoin) != 1 {
			t.Fatalf("events %+v, want one bot leaving and one join", evs)
		}
		if e, _ := findEvent(evs, EventJoin); e.Player != id || e.Name != "alice" || e.Value != 0 {
			t.Fatalf("join event %+v", e)
		}
	})
	t.Run("bots refill when a human leaves", func(t *testing.T) {
		w := newWorld(t, WorldConfig{BotFill: 2})
		a := addHuman(t, w, "a")
		b := addHuman(t, w, "b")
		if w.Bots() != 0 {
			t.Fatalf("%d bots with two humans and BotFill 2", w.Bots())
		}
		leaveStep(w, a)
		if w.Bots() != 1 || w.Humans() != 1 {
			t.Fatalf("%d bots %d humans after a leave, want 1 and 1", w.Bots(), w.Humans())
		}
		leaveStep(w, a) // twice: no effect
		leaveStep(w, b)
		if w.Bots() != 2 || w.Humans() != 0 {
			t.Fatalf("%d bots %d humans after both left", w.Bots(), w.Humans())
		}
	})
	t.Run("full of humans", func(t *testing.T) {
		w := newWorld(t, WorldConfig{MaxPlayers: 2, BotFill: 2})
		addHuman(t, w, "a")
		addHuman(t, w, "b")
		if o := joinStep(w, "c"); !errors.Is(o.Err, ErrMatchFull) || o.Player != 0 {
			t.Fatalf("third human: %+v, want ErrMatchFull", o)
		}
	})
	t.Run("bot fill capped at max players", func(t *testing.T) {
		w := newWorld(t, WorldConfig{MaxPlayers: 3, BotFill: 10})
		if len(w.players) != 3 {
			t.Fatalf("%d seated, want 3", len(w.players))
		}
	})
	t.Run("ids are not reused", func(t *testing.T) {
		w := newWorld(t, WorldConfig{})
		a := addHuman(t, w, "a")
		leaveStep(w, a)
		if b := addHuman(t, w, "b"); b == a {
			t.Fatalf("id %d reused", a)
		}
	})
}

// A Step reports exactly its own events, stamped with its tick, in command
// order; the first Step also reports the bots NewWorld seated.
func TestStepEvents(t *testing.T) {
	w := newWorld(t, WorldConfig{BotFill: 1})
	step(w)
	if evs := w.Events(); len(evs) != 1 || evs[0].Kind != EventJoin || evs[0].Value != 1 || evs[0].Tick != 1 {
		t.Fatalf("first step's events %+v, want the bot's join at tick 1", evs)
	}
	w = newWorld(t, WorldConfig{})
	a := addHuman(t, w, "a")
	w.Step(TickInput{Commands: []Command{
		{Kind: CommandLeave, Player: a},
		{Kind: CommandJoin, Name: "b"},
		{Kind: CommandJoin, Name: "c"},
	}})
	var kinds []EventKind
	for _, e := range w.Events() {
		if e.Kind == EventJoin || e.Kind == EventLeave {
			kinds = append(kinds, e.Kind)
		}
		if e.Tick != w.Tick() {
			t.Fatalf("event %+v not stamped with tick %d", e, w.Tick())
		}
	}
	if want := []EventKind{EventLeave, EventJoin, EventJoin}; !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v (command order)", kinds, want)
	}
	if o := w.JoinOutcomes(); len(o) != 2 || o[0].Err != nil || o[1].Err != nil || o[0].Player >= o[1].Player {
		t.Fatalf("join outcomes %+v, want two seats in command order", o)
	}
	step(w)
	if len(w.Events()) != 0 || len(w.JoinOutcomes()) != 0 {
		t.Fatalf("events %+v and outcomes %+v not cleared", w.Events(), w.JoinOutcomes())
	}
}

func TestInputs(t *testing.T) {
	w := newWorld(t, WorldConfig{})
	a := addHuman(t, w, "a")
	place(t, w, a, 500, 500)

	// The last input set before a Step wins; AckSeq follows it.
	step(w, by(a, input(1, -1, 0, 1, false)), by(a, input(2, 1, 0, 2, false)))
	p := pl(t, w, a)
	if p.ackSeq != 2 || p.aim != 2 || p.VX <= 0 {
		t.Fatalf("ack %d aim %v vx %v, want the second input applied", p.ackSeq, p.aim, p.VX)
	}
	// A tick without an input for a.
	step(w)
	if p.ackSeq != 2 {
		t.Fatalf("ack moved without an input: %d", p.ackSeq)
	}
	// Without new input the last one repeats for InputStaleTime...
	stale := ticksFor(InputStaleTime, 30)
	for range stale - 1 {
		step(w)
	}
	if p.VX != MaxSpeed || p.aim != 2 {
		t.Fatalf("last input not repeated: vx %v aim %v", p.VX, p.aim)
	}
	// ...then the player stops, keeping the aim.
	for range 10 {
		step(w)
	}
	if p.VX != 0 || p.aim != 2 || p.ackSeq != 2 {
		t.Fatalf("stale input still applied: vx %v aim %v ack %d", p.VX, p.aim, p.ackSeq)
	}
	// Inputs for bots and unknown players are ignored.
	w2 := newWorld(t, WorldConfig{BotFill: 1})
	bot := w2.players[0].id
	step(w2, by(bot, input(1000, 1, 0, 0, true)), by(99, input(1, 1, 0, 0, true)))
	if w2.players[0].ackSeq == 1000 {
		t.Fatalf("a bot took a client input")
	}
}

func TestSnapshot(t *testing.T) {
	w, a, b := duel(t, WorldConfig{BotFill: 3})
	pl(t, w, b).protect = 5
	shoot(w, a, 0)
	var s Snapshot
	w.Snapshot(&s)
	if s.Tick != w.Tick() || s.Phase != PhaseLive || s.ScoreLimit != 20 || int(s.PhaseTicksLeft) != w.PhaseTicksLeft() {
		t.Fatalf("header %+v", s)
	}
	if len(s.Players) != 3 || len(s.Projectiles) != len(w.projectiles) {
		t.Fatalf("%d players %d projectiles, want 3 and %d", len(s.Players), len(s.Projectiles), len(w.projectiles))
	}
	for i := 1; i < len(s.Players); i++ {
		if s.Players[i-1].ID >= s.Players[i].ID {
			t.Fatalf("players not sorted by id")
		}
	}
	pb, _ := s.Player(b)
	if pb.Flags != FlagAlive|FlagProtected || pb.Health != MaxHealth || pb.Name != "b" {
		t.Fatalf("player b %+v", pb)
	}
	var bots int
	for _, p := range s.Players {
		if p.Flags&FlagBot != 0 {
			bots++
		}
	}
	if bots != 1 {
		t.Fatalf("%d bots flagged, want 1", bots)
	}
	var mine int
	for i, q := range s.Projectiles {
		if i > 0 && s.Projectiles[i-1].ID >= q.ID {
			t.Fatalf("projectiles not sorted by id")
		}
		if q.Owner == a {
			mine++
			if q.VX != ProjectileSpeed || q.VY != 0 {
				t.Fatalf("a's projectile %+v, want flying +X at full speed", q)
			}
		}
	}
	if mine != 1 {
		t.Fatalf("%d of a's projectiles in the snapshot, want 1", mine)
	}
	// Reusing dst does not allocate and replaces the content.
	allocs := testing.AllocsPerRun(100, func() { w.Snapshot(&s) })
	if allocs != 0 {
		t.Fatalf("Snapshot allocates %v per call into a reused dst", allocs)
	}
	var c Snapshot
	c.CopyFrom(&s)
	s.Players[0].X = -1
	if c.Players[0].X == -1 {
		t.Fatalf("CopyFrom shares the players slice")
	}
}
