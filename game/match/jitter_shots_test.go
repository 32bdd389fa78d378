package match

import (
	"math"
	"testing"
	"testing/synctest"

	"github.com/skirmish-game/skirmish/game"
)

// shot is an input that fires, with the view time and shot id a client sends.
func shot(seq uint32, view float64, id uint32) game.Input {
	return game.Input{Seq: seq, Buttons: game.ButtonFire, ViewTime: view, ShotID: id}
}

func TestStandInsAreNotTheClientsShots(t *testing.T) {
	r := newQueueRun(8)
	r.step(0, shot(1, 100, 11))
	if in := r.step(0); in.Seq != 1 || in.ShotID != 11 || in.ViewTime != 100 {
		t.Fatalf("slot 1 got %+v, want the input as sent", in)
	}
	// Slots 2 and 3: nothing arrived. The stand-ins fire like the newest
	// input (the trigger is held) but are no shot the client predicted, and
	// the client's view would have moved on a tick per slot.
	for slot := uint32(2); slot <= 3; slot++ {
		in := r.step(0)
		if in.Seq != slot || in.Buttons&game.ButtonFire == 0 || in.ShotID != 0 || in.ViewTime != 100+float64(slot-1) {
			t.Fatalf("stand-in for slot %d: %+v, want fire, shot 0, view %v", slot, in, 100+float64(slot-1))
		}
	}
}

func TestLateFireKeepsItsShotID(t *testing.T) {
	r := newQueueRun(8)
	r.step(0, game.Input{Seq: 1, ViewTime: 50})
	r.step(0) // slot 1
	r.step(0) // slot 2: stood in for, without fire
	// Input 2 arrives late: it fired. Its fire goes to the next input
	// applied, with its shot id, so the client's predicted shot is matched.
	in := r.step(0, shot(2, 51, 22), game.Input{Seq: 3, ViewTime: 52})
	if in.Seq != 3 || in.Buttons&game.ButtonFire == 0 || in.ShotID != 22 {
		t.Fatalf("slot 3 got %+v, want input 3 firing input 2's shot 22", in)
	}
	// A held fire never takes over an input's own shot.
	r.step(0) // slot 4: stand-in, no fire
	in = r.step(0, shot(4, 53, 44), shot(5, 54, 55))
	if in.Seq != 5 || in.ShotID != 55 {
		t.Fatalf("slot 5 got %+v, want its own shot 55", in)
	}
}

// The view time and shot id an input carries reach the World through a real
// Match (inbox, jitter buffer, TickInput): the shot comes out caught up by
// its view's age (at most MaxRewind) and names its shot id.
func TestMatchCarriesViewTimeToTheWorld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{World: game.WorldConfig{MaxRewind: 6}})
		a, b := h.joinNow("a"), h.joinNow("b")
		var seq uint32
		// tick sends a's input (and an idle one of b's) and steps one tick.
		tick := func(in game.Input) *game.Snapshot {
			seq++
			in.Seq = seq
			if err := h.m.Input(a, in); err != nil {
				t.Fatal(err)
			}
			if err := h.m.Input(b, game.Input{Seq: seq}); err != nil {
				t.Fatal(err)
			}
			h.step(1)
			return h.rec.last()
		}
		for live := false; !live; {
			live = tick(game.Input{}).Phase == game.PhaseLive
		}
		speed := game.ProjectileSpeed / float64(h.m.cfg.World.TickRate)
		for i, behind := range []float64{0, 2.5, 20} { // 0: no view time sent
			view := 0.0
			if behind > 0 {
				view = float64(h.rec.last().Tick) - behind
			}
			id := uint32(100 + i)
			var fired *game.Snapshot
			s := tick(game.Input{Aim: math.Pi / 2, Buttons: game.ButtonFire, ViewTime: view, ShotID: id})
			for range 5 {
				for _, q := range s.Projectiles {
					if q.ShotID == id {
						fired = s
					}
				}
				if fired != nil {
					break
				}
				s = tick(game.Input{Aim: math.Pi / 2})
			}
			if fired == nil {
				t.Fatalf("shot %d never appeared", id)
			}
			me, _ := fired.Player(a)
			for _, q := range fired.Projectiles {
				if q.ShotID != id {
					continue
				}
				flown := math.Hypot(q.X-me.X, q.Y-me.Y) / speed
				want := 1.0
				if behind > 0 {
					want = 1 + min(6, float64(fired.Tick)-view)
				}
				if math.Abs(flown-want) > 1e-9 {
					t.Fatalf("shot %d (view %v) fired on tick %d has flown %v ticks, want %v", id, view, fired.Tick, flown, want)
				}
			}
			for range 10 { // reload
				tick(game.Input{})
			}
		}
	})
}
