package game

import (
	"testing"
)

// twins returns two identical live duels: one steps the moves a player
// really made, the other stand-ins, to be redone.
func twins(t *testing.T) (truth, w *World, a, b PlayerID) {
	t.Helper()
	truth, a, b = duel(t, WorldConfig{Seed: 3})
	w, _, _ = duel(t, WorldConfig{Seed: 3})
	return truth, w, a, b
}

func TestRedo(t *testing.T) {
	right, left := Move{X: 1}, Move{X: -1}
	t.Run("late moves put the player where they would have been", func(t *testing.T) {
		truth, w, a, _ := twins(t)
		real := []Move{right, right, left, left, left, {X: 0, Y: 1}}
		for k, m := range real {
			step(truth, by(a, input(uint32(k+1), m.X, m.Y, 0, false)))
			// w stood in with "right" throughout: the turn came late.
			step(w, by(a, input(uint32(k+1), 1, 0, 0, false)))
		}
		from := w.Tick() - uint32(len(real)) + 3 // the first stand-in that differed
		next := by(a, input(7, 0, 1, 0, false))
		w.Step(TickInput{Redos: []Redo{{Player: a, From: from, Moves: real[2:]}}, Inputs: []PlayerInput{next}})
		truth.Step(TickInput{Inputs: []PlayerInput{next}})
		if got := w.RedoOutcomes(); len(got) != 1 || !got[0] {
			t.Fatalf("outcomes %v, want the redo done", got)
		}
		if p, q := pl(t, w, a), pl(t, truth, a); p.Body != q.Body {
			t.Fatalf("after the redo %+v, want %+v", p.Body, q.Body)
		}
		if w.Hash() != truth.Hash() {
			t.Fatalf("the worlds differ after the redo")
		}
	})

	refused := []struct {
		name  string
		setup func(t *testing.T, w *World, a, b PlayerID) Redo
	}{
		{"reaching too far back", func(t *testing.T, w *World, a, _ PlayerID) Redo {
			for range RedoTicks + 2 {
				step(w, by(a, input(1, 1, 0, 0, false)))
			}
			from := w.Tick() - RedoTicks
			return Redo{Player: a, From: from, Moves: make([]Move, RedoTicks+1)}
		}},
		{"moves for the wrong number of ticks", func(t *testing.T, w *World, a, _ PlayerID) Redo {
			step(w, by(a, input(1, 1, 0, 0, false)))
			step(w, by(a, input(2, 1, 0, 0, false)))
			return Redo{Player: a, From: w.Tick() - 1, Moves: []Move{left}}
		}},
		{"from the future", func(t *testing.T, w *World, a, _ PlayerID) Redo {
			return Redo{Player: a, From: w.Tick() + 1, Moves: []Move{left}}
		}},
		{"a projectile met the player in the range", func(t *testing.T, w *World, a, b PlayerID) Redo {
			from := w.Tick() + 1
			// a (at 200, aiming along +X) shoots at b (at 600), who stands.
			fireUntil(t, w, a, 60, func() bool { return pl(t, w, b).health < MaxHealth })
			n := int(w.Tick()-from) + 1
			return Redo{Player: b, From: from, Moves: make([]Move, n)}
		}},
		{"an unknown player", func(t *testing.T, w *World, a, _ PlayerID) Redo {
			step(w, by(a, input(1, 1, 0, 0, false)))
			return Redo{Player: 999, From: w.Tick(), Moves: []Move{left}}
		}},
		{"an ended match", func(t *testing.T, w *World, a, _ PlayerID) Redo {
			step(w, by(a, input(1, 1, 0, 0, false)))
			endStep(w, EndShutdown)
			return Redo{Player: a, From: w.Tick() - 1, Moves: []Move{left, left}}
		}},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			w, a, b := duel(t, WorldConfig{Seed: 3})
			r := tc.setup(t, w, a, b)
			var before Body
			if i := w.index(r.Player); i >= 0 {
				before = w.players[i].Body
			}
			w.Step(TickInput{Redos: []Redo{r}})
			if got := w.RedoOutcomes(); len(got) != 1 || got[0] {
				t.Fatalf("outcomes %v, want the redo refused", got)
			}
			if i := w.index(r.Player); i >= 0 && w.players[i].alive && w.phase != PhaseEnded {
				// Refused: the tick moved the player as if there were no redo.
				if w.players[i].redo[w.tick%RedoTicks].before != before {
					t.Fatalf("a refused redo moved the player")
				}
			}
		})
	}

	t.Run("refused: a bot", func(t *testing.T) {
		w := newWorld(t, WorldConfig{Seed: 1, BotFill: 2})
		step(w)
		step(w)
		w.Step(TickInput{Redos: []Redo{{Player: w.players[0].id, From: w.Tick(), Moves: []Move{left}}}})
		if !w.players[0].bot || w.RedoOutcomes()[0] {
			t.Fatalf("a bot's movement was redone")
		}
	})

	t.Run("refused: across the countdown's move to the spawns", func(t *testing.T) {
		w := newWorld(t, WorldConfig{Seed: 5})
		a := addHuman(t, w, "a")
		step(w, by(a, input(1, 1, 0, 0, false)))
		step(w, by(a, input(2, 1, 0, 0, false)))
		from := w.Tick() - 1
		joinStep(w, "b") // the second player starts the countdown next tick
		step(w, by(a, input(3, 1, 0, 0, false)))
		if w.Phase() != PhaseCountdown {
			t.Fatalf("phase %v, want the countdown", w.Phase())
		}
		n := int(w.Tick()-from) + 1
		w.Step(TickInput{Redos: []Redo{{Player: a, From: from, Moves: make([]Move, n)}}})
		if got := w.RedoOutcomes(); got[0] {
			t.Fatalf("a redo reached back across the countdown's teleport")
		}
	})
}

func TestRedoAllocs(t *testing.T) {
	w, a, _ := duel(t, WorldConfig{Seed: 3})
	moves := make([]Move, 4)
	in := TickInput{Redos: []Redo{{Player: a, Moves: moves}}, Inputs: []PlayerInput{by(a, input(1, 1, 0, 0, false))}}
	for range 8 {
		w.Step(in) // warm: slices at their working size
	}
	allocs := testing.AllocsPerRun(200, func() {
		in.Redos[0].From = w.Tick() - 3
		w.Step(in)
		if !w.RedoOutcomes()[0] {
			t.Fatalf("redo refused")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Step with a redo, want 0", allocs)
	}
}
