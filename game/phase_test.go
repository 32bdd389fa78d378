package game

import (
	"errors"
	"testing"
)

func TestPhases(t *testing.T) {
	const rate = 30
	w := newWorld(t, WorldConfig{TickRate: rate, TimeLimit: 100, EndedTicks: 50})
	a := addHuman(t, w, "a")
	for range 10 {
		step(w)
	}
	if w.Phase() != PhaseWaiting || w.PhaseTicksLeft() != 0 {
		t.Fatalf("one player: phase %v left %d, want waiting, open-ended", w.Phase(), w.PhaseTicksLeft())
	}
	b := addHuman(t, w, "b") // its Step starts the countdown
	if w.Phase() != PhaseCountdown || w.PhaseTicksLeft() != CountdownDuration*rate {
		t.Fatalf("two players: phase %v left %d, want countdown %v", w.Phase(), w.PhaseTicksLeft(), CountdownDuration*rate)
	}
	if e, ok := findEvent(w.Events(), EventPhase); !ok || e.Value != int32(PhaseCountdown) {
		t.Fatalf("no countdown phase event in %+v", w.Events())
	}
	// Everyone is on a distinct spawn at the countdown start.
	if pa, pb := pl(t, w, a), pl(t, w, b); pa.X == pb.X && pa.Y == pb.Y {
		t.Fatalf("both players on the same spawn (%v,%v)", pa.X, pa.Y)
	}
	// No shooting during the countdown, but moving is allowed.
	x0 := pl(t, w, a).X
	var seq uint32
	countdown := 1
	for w.Phase() == PhaseCountdown {
		seq++
		mx := 1.0
		if x0 > 500 {
			mx = -1
		}
		step(w, by(a, input(seq, mx, 0, 0, true)))
		countdown++
		if w.Phase() == PhaseCountdown && len(w.projectiles) != 0 {
			t.Fatalf("a shot was fired during the countdown")
		}
	}
	if countdown != CountdownDuration*rate+1 || w.Phase() != PhaseLive {
		t.Fatalf("countdown lasted %d ticks then %v, want %v then live", countdown-1, w.Phase(), CountdownDuration*rate)
	}
	if pl(t, w, a).X == x0 {
		t.Fatalf("could not move during the countdown")
	}
	if w.PhaseTicksLeft() != 100 {
		t.Fatalf("live ticks left %d, want the time limit 100", w.PhaseTicksLeft())
	}
	live := 1
	var evs []Event
	for w.Phase() == PhaseLive {
		step(w)
		evs = w.Events()
		live++
	}
	if live != 101 || w.EndReason() != EndTimeLimit {
		t.Fatalf("live lasted %d ticks, ended by %v; want 100 by time limit", live-1, w.EndReason())
	}
	if countKind(evs, EventPhase) != 1 || countKind(evs, EventEnd) != 1 {
		t.Fatalf("end tick events %+v, want a phase and an end event", evs)
	}
	if e, _ := findEvent(evs, EventEnd); e.Value != int32(EndTimeLimit) || e.Player != 0 {
		t.Fatalf("end event %+v, want time limit and no winner (nobody scored)", e)
	}
	// Ended: frozen, ticks left count down the linger, nothing more happens.
	if w.PhaseTicksLeft() != 50 {
		t.Fatalf("ended ticks left %d, want 50", w.PhaseTicksLeft())
	}
	h := pl(t, w, a).Body
	for i := range 60 {
		seq++
		step(w, by(a, input(seq, 1, 1, 0, true)))
		if len(w.Events()) != 0 {
			t.Fatalf("events after the end: %+v", w.Events())
		}
		if want := max(0, 49-i); w.PhaseTicksLeft() != want {
			t.Fatalf("ended ticks left %d, want %d", w.PhaseTicksLeft(), want)
		}
	}
	if pl(t, w, a).Body != h || w.Phase() != PhaseEnded || len(w.projectiles) != 0 {
		t.Fatalf("world not frozen after the end")
	}
	if pl(t, w, a).ackSeq != seq {
		t.Fatalf("inputs not acknowledged after the end: ack %d want %d", pl(t, w, a).ackSeq, seq)
	}
	if o := joinStep(w, "late"); !errors.Is(o.Err, ErrMatchEnded) || o.Player != 0 {
		t.Fatalf("join after the end: %+v, want ErrMatchEnded", o)
	}
}

func TestScoreLimitEndsMatch(t *testing.T) {
	w, a, b := duel(t, WorldConfig{ScoreLimit: 1})
	evs := fireUntil(t, w, a, 100, func() bool { return w.Phase() == PhaseEnded })
	e, ok := findEvent(evs, EventEnd)
	if !ok || e.Value != int32(EndScoreLimit) || e.Player != a {
		t.Fatalf("end event %+v, want a=%d winning by score limit", e, a)
	}
	if w.Winner() != a || w.EndReason() != EndScoreLimit {
		t.Fatalf("winner %d reason %v", w.Winner(), w.EndReason())
	}
	if pl(t, w, b).alive {
		t.Fatalf("victim should be dead on the final scoreboard")
	}
}

func TestWinner(t *testing.T) {
	type score struct{ kills, deaths int }
	tests := []struct {
		name   string
		scores []score // players 1..n
		want   PlayerID
	}{
		{"most kills", []score{{1, 0}, {3, 5}, {2, 0}}, 2},
		{"tie broken by fewer deaths", []score{{3, 2}, {3, 1}, {1, 0}}, 2},
		{"full tie goes to lower id", []score{{0, 0}, {2, 1}, {2, 1}}, 2},
		{"nobody scored", []score{{0, 0}, {0, 3}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, WorldConfig{})
			for i := range tc.scores {
				if id := addHuman(t, w, "p"); id != PlayerID(i+1) {
					t.Fatalf("ids not sequential")
				}
			}
			for i, s := range tc.scores {
				p := pl(t, w, PlayerID(i+1))
				p.kills, p.deaths = s.kills, s.deaths
			}
			endStep(w, EndShutdown)
			if w.Winner() != tc.want {
				t.Fatalf("winner %d, want %d", w.Winner(), tc.want)
			}
			e, ok := findEvent(w.Events(), EventEnd)
			if !ok || e.Player != tc.want || e.Value != int32(EndShutdown) || e.Tick != w.Tick() {
				t.Fatalf("end event %+v, want winner %d, shutdown, tick %d", e, tc.want, w.Tick())
			}
			endStep(w, EndTimeLimit) // a second end is ignored
			if w.EndReason() != EndShutdown {
				t.Fatalf("second End changed the reason to %v", w.EndReason())
			}
		})
	}
}

// Bots count as participants: a bot-filled match starts without humans.
func TestBotsStartCountdown(t *testing.T) {
	w := newWorld(t, WorldConfig{BotFill: 2})
	step(w)
	if w.Phase() != PhaseCountdown {
		t.Fatalf("phase %v with two bots, want countdown", w.Phase())
	}
}

// With no damage outside the live phase, shots fired while waiting hurt
// nobody and are cleared when the countdown starts.
func TestNoDamageBeforeLive(t *testing.T) {
	w := newWorld(t, WorldConfig{})
	a := addHuman(t, w, "a")
	place(t, w, a, 200, 500)
	release := shoot(w, a, 0)
	if len(w.projectiles) != 1 {
		t.Fatalf("could not fire while waiting")
	}
	step(w, release)
	addHuman(t, w, "b")
	if w.Phase() != PhaseCountdown || len(w.projectiles) != 0 {
		t.Fatalf("phase %v with %d shots; want countdown with none", w.Phase(), len(w.projectiles))
	}
	// A shot placed by hand during the countdown does not hurt.
	b := w.players[1].id
	place(t, w, b, 600, 500)
	w.projectiles = append(w.projectiles, projectile{id: 99, owner: a, x: 500, y: 500, vx: ProjectileSpeed, life: 10})
	for range 10 {
		step(w)
	}
	if h := pl(t, w, b).health; h != MaxHealth {
		t.Fatalf("damage during the countdown: health %d", h)
	}
}
