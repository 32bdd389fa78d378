package netcode

import (
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/skirmish-game/skirmish/game"
)

// A client that sends the input of protocol version 1 as it was before
// viewTime and shotId were appended (five elements after the type) still
// plays: its inputs are applied and acknowledged, its shots fly (judged
// against the present, named by no shot id). A client that sends them gets
// its shot id back on its projectile (PROTOCOL.md §1.4, §1.5). Alone in a
// match, a player is in the waiting phase, where shooting is allowed.
func TestShotIDsOverTheWire(t *testing.T) {
	for _, tt := range []struct {
		name string
		old  bool
	}{{"a client without view time and shot id", true}, {"a client with them", false}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{}, func(w *game.WorldConfig) { w.MaxRewind = 6 })
			p := e.dial(t, DialOptions{Name: "ada"})
			var seq, firstShot uint32
			send := func() {
				seq++
				if tt.old {
					raw, err := msgpack.Marshal([]any{int(TypeInput), seq, 0, 0, 0.25, int(game.ButtonFire)})
					if err != nil {
						t.Fatal(err)
					}
					_ = p.c.SendRaw(raw) // a failed send shows up as a closed connection
					return
				}
				p.mu.Lock()
				view := float64(p.last.Tick)
				p.mu.Unlock()
				if firstShot == 0 {
					firstShot = seq
				}
				_ = p.c.SendInput(game.Input{Seq: seq, Aim: 0.25, Buttons: game.ButtonFire, ViewTime: view, ShotID: seq})
			}
			var shot game.ProjectileState
			p.waitFor(t, "a shot of ada's", waitLong, func() bool {
				me, ok := p.last.Player(p.w.You)
				if !ok || me.AckSeq == 0 {
					return false
				}
				for _, q := range p.last.Projectiles {
					if q.Owner == p.w.You {
						shot = q
						return true
					}
				}
				return false
			}, send)
			p.mu.Lock()
			errs := append([]ErrorMessage(nil), p.errs...)
			p.mu.Unlock()
			if len(errs) != 0 {
				t.Fatalf("the server answered with errors: %+v", errs)
			}
			switch {
			case tt.old && shot.ShotID != 0:
				t.Fatalf("shot id %d for a client that sent none", shot.ShotID)
			case !tt.old && (shot.ShotID < firstShot || shot.ShotID > seq):
				t.Fatalf("shot id %d, want one of the inputs' %d..%d", shot.ShotID, firstShot, seq)
			}
		})
	}
}
