package game

import (
	"math"
	"testing"
)

// scripted drives two humans with a reproducible pattern: strafing runs,
// sweeping aim, bursts of fire, an idle gap (to exercise the stale-input
// rule), and one of them leaving and a new player joining mid-match.
func runScripted(tb testing.TB, seed int64, ticks int) (*World, uint64) {
	tb.Helper()
	w := newWorld(tb, WorldConfig{Seed: seed, Map: arena(tb), BotFill: 6, TimeLimit: 1 << 30, ScoreLimit: 1 << 20})
	a, b := addHuman(tb, w, "alice"), addHuman(tb, w, "bob")
	for i := range ticks {
		seq := uint32(i + 1)
		ang := float64(i) * 0.05
		if i%200 < 150 { // bob goes quiet for 50 ticks out of 200
			w.SetInput(b, input(seq, math.Cos(ang*0.7), math.Sin(ang*1.3), ang, i%40 < 25))
		}
		w.SetInput(a, input(seq, float64(i/60%3-1), float64(i/90%3-1), -ang, i%15 < 5))
		if i == ticks/2 {
			w.RemovePlayer(a)
			a = addHuman(tb, w, "carol")
		}
		w.Step()
	}
	return w, w.Hash()
}

func TestDeterminism(t *testing.T) {
	const ticks = 3000
	w1, h1 := runScripted(t, 42, ticks)
	_, h2 := runScripted(t, 42, ticks)
	if h1 != h2 {
		t.Fatalf("same seed and inputs gave hashes %x and %x", h1, h2)
	}
	_, h3 := runScripted(t, 43, ticks)
	if h3 == h1 {
		t.Fatalf("different seeds gave the same hash %x: the hash cannot fail", h1)
	}
	// The run must have been eventful, or equal hashes prove little.
	var kills, deaths int
	for _, p := range w1.players {
		kills += p.kills
		deaths += p.deaths
	}
	if w1.Phase() != PhaseLive || kills == 0 || deaths == 0 {
		t.Fatalf("run was not eventful: phase %v, %d kills, %d deaths", w1.Phase(), kills, deaths)
	}
}

// Hash covers the state: changing any one part changes it.
func TestHashSensitivity(t *testing.T) {
	mutations := []struct {
		name string
		edit func(w *World)
	}{
		{"position", func(w *World) { w.players[0].X += 1e-9 }},
		{"health", func(w *World) { w.players[1].health-- }},
		{"rng", func(w *World) { w.rng.next() }},
		{"bot brain", func(w *World) { w.players[0].brain.think++ }},
		{"pending input", func(w *World) { w.players[1].next.Seq++ }},
		{"projectile", func(w *World) { w.projectiles = append(w.projectiles, projectile{id: 1}) }},
		{"tick", func(w *World) { w.tick++ }},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			w := newWorld(t, WorldConfig{Seed: 1, BotFill: 2})
			addHuman(t, w, "h")
			before := w.Hash()
			if w.Hash() != before {
				t.Fatalf("Hash is not stable")
			}
			m.edit(w)
			if w.Hash() == before {
				t.Fatalf("Hash ignores %s", m.name)
			}
		})
	}
}

// Bots alone play a whole match to its end, with kills along the way.
func TestBotsPlayWholeMatch(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		w := newWorld(t, WorldConfig{Seed: seed, Map: arena(t), BotFill: 8, TimeLimit: 30 * 60 * 5})
		var kills, respawns int
		evs := stepUntil(t, w, 30*60*6, func() bool { return w.Phase() == PhaseEnded })
		kills, respawns = countKind(evs, EventKill), countKind(evs, EventRespawn)
		if kills < 20 || respawns == 0 {
			t.Fatalf("seed %d: %d kills %d respawns: bots are not fighting", seed, kills, respawns)
		}
		if w.EndReason() != EndScoreLimit && w.EndReason() != EndTimeLimit {
			t.Fatalf("seed %d: ended by %v", seed, w.EndReason())
		}
		if w.Winner() == 0 {
			t.Fatalf("seed %d: no winner after %d kills", seed, kills)
		}
		t.Logf("seed %d: ended at tick %d by %v, %d kills", seed, w.Tick(), w.EndReason(), kills)
	}
}

// warmWorld is 8 players (2 humans, 6 bots) in the middle of a live match,
// with every slice at its working size.
func warmWorld(tb testing.TB) (*World, [2]PlayerID) {
	w := newWorld(tb, WorldConfig{Seed: 9, Map: arena(tb), BotFill: 8, TimeLimit: 1 << 30, ScoreLimit: 1 << 20})
	ids := [2]PlayerID{addHuman(tb, w, "alice"), addHuman(tb, w, "bob")}
	for i := range 600 {
		for _, id := range ids {
			w.SetInput(id, input(uint32(i+1), 1, 0.5, float64(i)*0.1, true))
		}
		w.Step()
	}
	return w, ids
}

func TestStepDoesNotAllocate(t *testing.T) {
	w, ids := warmWorld(t)
	seq := uint32(1000)
	allocs := testing.AllocsPerRun(500, func() {
		seq++
		for _, id := range ids {
			w.SetInput(id, input(seq, math.Sin(float64(seq)), math.Cos(float64(seq)), float64(seq)*0.1, seq%3 == 0))
		}
		w.Step()
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
	for b.Loop() {
		seq++
		for _, id := range ids {
			w.SetInput(id, input(seq, 1, -0.5, float64(seq)*0.1, seq%2 == 0))
		}
		w.Step()
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
