package game

import (
	"math"
	"testing"
)

// newWorld builds a World on the box map unless cfg names a map.
func newWorld(tb testing.TB, cfg WorldConfig) *World {
	tb.Helper()
	if cfg.Map == nil {
		cfg.Map = boxMap()
	}
	w, err := NewWorld(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// addHuman seats a human with a Step of its own and returns its id.
func addHuman(tb testing.TB, w *World, name string) PlayerID {
	tb.Helper()
	o := joinStep(w, name)
	if o.Err != nil {
		tb.Fatalf("join %q: %v", name, o.Err)
	}
	return o.Player
}

// joinStep steps w once with a join command and returns its outcome.
func joinStep(w *World, name string) JoinOutcome {
	w.Step(TickInput{Commands: []Command{{Kind: CommandJoin, Name: name}}})
	return w.JoinOutcomes()[0]
}

// leaveStep steps w once with a leave command for id.
func leaveStep(w *World, id PlayerID) {
	w.Step(TickInput{Commands: []Command{{Kind: CommandLeave, Player: id}}})
}

// endStep steps w once with an end command.
func endStep(w *World, reason EndReason) {
	w.Step(TickInput{Commands: []Command{{Kind: CommandEnd, Reason: reason}}})
}

// step steps w once with the given inputs (none: every human repeats or
// idles).
func step(w *World, ins ...PlayerInput) { w.Step(TickInput{Inputs: ins}) }

// by is player id's input for a step.
func by(id PlayerID, in Input) PlayerInput { return PlayerInput{Player: id, Input: in} }

// pl returns the live state of player id.
func pl(tb testing.TB, w *World, id PlayerID) *player {
	tb.Helper()
	i := w.index(id)
	if i < 0 {
		tb.Fatalf("player %d not seated", id)
	}
	return &w.players[i]
}

// stepUntil steps until cond holds, failing after limit steps. It returns the
// events of every step taken, copied.
func stepUntil(tb testing.TB, w *World, limit int, cond func() bool) []Event {
	tb.Helper()
	var evs []Event
	for range limit {
		if cond() {
			return evs
		}
		step(w)
		evs = append(evs, w.Events()...)
	}
	if !cond() {
		tb.Fatalf("condition not reached within %d steps (tick %d, phase %v)", limit, w.Tick(), w.Phase())
	}
	return evs
}

// fireUntil steps with id holding fire (no move, aim 0, a fresh seq every
// tick) until cond holds, failing after limit steps. It returns the events of
// every step taken, copied.
func fireUntil(tb testing.TB, w *World, id PlayerID, limit int, cond func() bool) []Event {
	tb.Helper()
	var evs []Event
	seq := pl(tb, w, id).ackSeq
	for range limit {
		if cond() {
			return evs
		}
		seq++
		step(w, by(id, input(seq, 0, 0, 0, true)))
		evs = append(evs, w.Events()...)
	}
	if !cond() {
		tb.Fatalf("condition not reached within %d steps (tick %d, phase %v)", limit, w.Tick(), w.Phase())
	}
	return evs
}

// duel returns a live world with two humans, a at (200,500) and b at
// (600,500) on the box map, both unprotected and idle.
func duel(tb testing.TB, cfg WorldConfig) (w *World, a, b PlayerID) {
	tb.Helper()
	w = newWorld(tb, cfg)
	a, b = addHuman(tb, w, "a"), addHuman(tb, w, "b")
	stepUntil(tb, w, 10*w.cfg.TickRate, func() bool { return w.Phase() == PhaseLive })
	place(tb, w, a, 200, 500)
	place(tb, w, b, 600, 500)
	return w, a, b
}

func place(tb testing.TB, w *World, id PlayerID, x, y float64) {
	tb.Helper()
	p := pl(tb, w, id)
	p.Body = Body{X: x, Y: y}
	p.protect = 0
}

// input is a sanitized input, as the match runtime hands the World; tests
// pass finite values only.
func input(seq uint32, mx, my, aim float64, fire bool) Input {
	in := Input{Seq: seq, MoveX: mx, MoveY: my, Aim: aim}
	if fire {
		in.Buttons = ButtonFire
	}
	in, err := in.Sanitize()
	if err != nil {
		panic(err)
	}
	return in
}

func countKind(evs []Event, k EventKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func findEvent(evs []Event, k EventKind) (Event, bool) {
	for _, e := range evs {
		if e.Kind == k {
			return e, true
		}
	}
	return Event{}, false
}

func nanF() float64 { return math.NaN() }
