package game

import (
	"fmt"
	"math"
	"testing"
)

// runScripted drives two humans with a reproducible pattern: strafing runs,
// sweeping aim, bursts of fire, an idle gap (to exercise the stale-input
// rule), late inputs redone, and one of them leaving and a new player
// joining mid-match. Every input says where its client saw the world (a
// view time from 2 to 11 ticks behind, some beyond the bound) and names its
// shots. It returns the world and the journal: every TickInput it stepped,
// in order.
func runScripted(tb testing.TB, cfg WorldConfig, ticks int) (*World, []TickInput) {
	tb.Helper()
	w := newWorld(tb, cfg)
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
		view := func(behind int) Input { // the view time and shot id of this tick's inputs
			return Input{ViewTime: float64(w.Tick()+1) - float64(behind) - 0.25, ShotID: seq}
		}
		var in TickInput
		if i%200 < 150 { // bob goes quiet for 50 ticks out of 200
			x := input(seq, math.Cos(ang*0.7), math.Sin(ang*1.3), ang, i%40 < 25)
			v := view(2 + i/300%10)
			x.ViewTime, x.ShotID = v.ViewTime, v.ShotID
			in.Inputs = append(in.Inputs, by(b, x))
		}
		x := input(seq, float64(i/60%3-1), float64(i/90%3-1), -ang, i%15 < 5)
		v := view(4)
		x.ViewTime, x.ShotID = v.ViewTime, v.ShotID
		in.Inputs = append(in.Inputs, by(a, x))
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

// scriptedConfig is the scripted match's config; maxRewind (ticks) turns lag
// compensation on.
func scriptedConfig(tb testing.TB, seed int64, maxRewind float64) WorldConfig {
	return WorldConfig{Seed: seed, Map: arena(tb), BotFill: 6, TimeLimit: 1 << 30, ScoreLimit: 1 << 20, MaxRewind: maxRewind}
}

// TestDeterminism pins the World's contract: the same config and the same
// TickInput values (view times included), in order, give the same state
// (Hash) and so the same hits, whoever produces them — the script itself, or
// a replay of its journal into a fresh World — with lag compensation off and
// on.
func TestDeterminism(t *testing.T) {
	const ticks = 3000
	standings := map[float64]string{}
	for _, maxRewind := range []float64{0, 6} {
		t.Run(fmt.Sprintf("max rewind %v ticks", maxRewind), func(t *testing.T) {
			w1, journal := runScripted(t, scriptedConfig(t, 42, maxRewind), ticks)
			h1 := w1.Hash()
			w2, _ := runScripted(t, scriptedConfig(t, 42, maxRewind), ticks)
			if h2 := w2.Hash(); h1 != h2 {
				t.Fatalf("same seed and inputs gave hashes %x and %x", h1, h2)
			}
			replay := newWorld(t, scriptedConfig(t, 42, maxRewind))
			for _, in := range journal {
				replay.Step(in)
			}
			if hr := replay.Hash(); hr != h1 {
				t.Fatalf("replaying the journal gave hash %x, want %x", hr, h1)
			}
			w3, _ := runScripted(t, scriptedConfig(t, 43, maxRewind), ticks)
			if h3 := w3.Hash(); h3 == h1 {
				t.Fatalf("different seeds gave the same hash %x: the hash cannot fail", h1)
			}
			var s Snapshot
			w1.Snapshot(&s)
			for _, p := range s.Players {
				standings[maxRewind] += fmt.Sprintf("%d:%d/%d/%d ", p.ID, p.Kills, p.Deaths, p.Health)
			}
		})
	}
	// The same inputs judged with and without compensation must come out
	// differently, or the compensated run above proved nothing about hits.
	if standings[0] == standings[6] {
		t.Fatalf("lag compensation changed no hit in the scripted match: %s", standings[0])
	}
}

// warmWorld is 8 players (2 humans, 6 bots) in the middle of a live match
// with lag compensation on, with every slice at its working size.
func warmWorld(tb testing.TB) (*World, [2]PlayerID) {
	w := newWorld(tb, WorldConfig{Seed: 9, Map: arena(tb), BotFill: 8, TimeLimit: 1 << 30, ScoreLimit: 1 << 20, MaxRewind: 6})
	ids := [2]PlayerID{addHuman(tb, w, "alice"), addHuman(tb, w, "bob")}
	for i := range 600 {
		step(w, by(ids[0], viewing(w, input(uint32(i+1), 1, 0.5, float64(i)*0.1, true), 4.5)),
			by(ids[1], viewing(w, input(uint32(i+1), 1, 0.5, float64(i)*0.1, true), 9)))
	}
	return w, ids
}

// viewing is in with a view time behind ticks behind the next Step's tick
// and a shot id.
func viewing(w *World, in Input, behind float64) Input {
	in.ViewTime, in.ShotID = float64(w.Tick()+1)-behind, in.Seq
	return in
}

func TestStepDoesNotAllocate(t *testing.T) {
	w, ids := warmWorld(t)
	seq := uint32(1000)
	in := TickInput{Inputs: make([]PlayerInput, len(ids))}
	allocs := testing.AllocsPerRun(500, func() {
		seq++
		for i, id := range ids {
			in.Inputs[i] = by(id, viewing(w, input(seq, math.Sin(float64(seq)), math.Cos(float64(seq)), float64(seq)*0.1, seq%3 == 0), 5.5))
		}
		w.Step(in)
	})
	if allocs != 0 {
		t.Fatalf("Step allocates %v times per tick with 8 players", allocs)
	}
	if w.Phase() != PhaseLive || len(w.players) != 8 || len(w.hist.ticks) == 0 {
		t.Fatalf("measured the wrong thing: phase %v, %d players, history of %d ticks", w.Phase(), len(w.players), len(w.hist.ticks))
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
