package game

import (
	"math"
	"testing"
)

// runScripted drives two humans with a reproducible pattern: strafing runs,
// sweeping aim, bursts of fire, an idle gap (to exercise the stale-input
// rule), late inputs redone, and one of them leaving and a new player
// joining mid-match. It returns the world and the journal: every TickInput
// it stepped, in order.
func runScripted(tb testing.TB, seed int64, ticks int) (*World, []TickInput) {
	tb.Helper()
	w := newWorld(tb, scriptedConfig(tb, seed))
	var journal []TickInput
	stepRec := func(in TickInput) {
		w.Step(in)
		rec := TickInput{
			Commands: append([]Command(nil), in.Commands...),
			Inputs:   append([]PlayerInput(nil), in.Inputs...),
		}
		for _, r := range in.Redos {
			r.Moves = append([]Move(nil), r.Moves...)
			rec.Redos = append(rec.Redos, r)
		}
		journal = append(journal, rec)
	}
	join := func(name string) PlayerID {
		stepRec(TickInput{Commands: []Command{{Kind: CommandJoin, Name: name}}})
		return w.JoinOutcomes()[0].Player
	}
	a, b := join("alice"), join("bob")
	for i := range ticks {
		seq := uint32(i + 1)
		ang := float64(i) * 0.05
		var in TickInput
		if i%200 < 150 { // bob goes quiet for 50 ticks out of 200
			in.Inputs = append(in.Inputs, by(b, input(seq, math.Cos(ang*0.7), math.Sin(ang*1.3), ang, i%40 < 25)))
		}
		in.Inputs = append(in.Inputs, by(a, input(seq, float64(i/60%3-1), float64(i/90%3-1), -ang, i%15 < 5)))
		if i == ticks/2 {
			in.Commands = []Command{{Kind: CommandLeave, Player: a}, {Kind: CommandJoin, Name: "carol"}}
		}
		if i%97 == 50 { // late inputs of alice's, redone (or refused) over the last 4 ticks
			in.Redos = []Redo{{Player: a, From: w.Tick() - 3, Moves: []Move{{X: -1}, {X: -1}, {Y: 1}, {Y: 1}}}}
		}
		stepRec(in)
		if i == ticks/2 {
			a = w.JoinOutcomes()[0].Player
		}
	}
	return w, journal
}

func scriptedConfig(tb testing.TB, seed int64) WorldConfig {
	return WorldConfig{Seed: seed, Map: arena(tb), BotFill: 6, TimeLimit: 1 << 30, ScoreLimit: 1 << 20}
}

// TestDeterminism pins the World's contract: the same config and the same
// TickInput values, in order, give the same state (Hash), whoever produces
// them — the script itself, or a replay of its journal into a fresh World.
func TestDeterminism(t *testing.T) {
	const ticks = 3000
	w1, journal := runScripted(t, 42, ticks)
	h1 := w1.Hash()
	w2, _ := runScripted(t, 42, ticks)
	if h2 := w2.Hash(); h1 != h2 {
		t.Fatalf("same seed and inputs gave hashes %x and %x", h1, h2)
	}
	replay := newWorld(t, scriptedConfig(t, 42))
	for _, in := range journal {
		replay.Step(in)
	}
	if hr := replay.Hash(); hr != h1 {
		t.Fatalf("replaying the journal gave hash %x, want %x", hr, h1)
	}
	w3, _ := runScripted(t, 43, ticks)
	if h3 := w3.Hash(); h3 == h1 {
		t.Fatalf("different seeds gave the same hash %x: the hash cannot fail", h1)
	}
}

// warmWorld is 8 players (2 humans, 6 bots) in the middle of a live match,
// with every slice at its working size.
func warmWorld(tb testing.TB) (*World, [2]PlayerID) {
	w := newWorld(tb, WorldConfig{Seed: 9, Map: arena(tb), BotFill: 8, TimeLimit: 1 << 30, ScoreLimit: 1 << 20})
	ids := [2]PlayerID{addHuman(tb, w, "alice"), addHuman(tb, w, "bob")}
	for i := range 600 {
		step(w, by(ids[0], input(uint32(i+1), 1, 0.5, float64(i)*0.1, true)),
			by(ids[1], input(uint32(i+1), 1, 0.5, float64(i)*0.1, true)))
	}
	return w, ids
}

func TestStepDoesNotAllocate(t *testing.T) {
	w, ids := warmWorld(t)
	seq := uint32(1000)
	in := TickInput{Inputs: make([]PlayerInput, len(ids))}
	allocs := testing.AllocsPerRun(500, func() {
		seq++
		for i, id := range ids {
			in.Inputs[i] = by(id, input(seq, math.Sin(float64(seq)), math.Cos(float64(seq)), float64(seq)*0.1, seq%3 == 0))
		}
		w.Step(in)
	})
	if allocs != 0 {
		t.Fatalf("Step allocates %v times per tick with 8 players", allocs)
	}
	if w.Phase() != PhaseLive || len(w.players) != 8 {
		t.Fatalf("measured the wrong thing: phase %v, %d players", w.Phase(), len(w.players))
	}
}

func BenchmarkStep8Players(b *testing.B) {
	w, ids := warmWorld(b)
	seq := uint32(1000)
	b.ReportAllocs()
	in := TickInput{Inputs: make([]PlayerInput, len(ids))}
	for b.Loop() {
		seq++
		for i, id := range ids {
			in.Inputs[i] = by(id, input(seq, 1, -0.5, float64(seq)*0.1, seq%2 == 0))
		}
		w.Step(in)
	}
}

func BenchmarkSnapshot(b *testing.B) {
	w, _ := warmWorld(b)
	var s Snapshot
	b.ReportAllocs()
	for b.Loop() {
		w.Snapshot(&s)
	}
}

func BenchmarkHash(b *testing.B) {
	w, _ := warmWorld(b)
	b.ReportAllocs()
	for b.Loop() {
		w.Hash()
	}
}
