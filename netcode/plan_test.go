package netcode

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// pictureOf is the picture the stream recorded for tick: what it believes
// the client holds once it has applied that frame.
func (st *stream) pictureOf(tick uint32, snap *WireState) (WireState, bool) {
	f := st.frame(tick)
	if f == nil || snap == nil || snap.Tick != tick {
		return WireState{}, false
	}
	w := WireState{Tick: tick, Phase: snap.Phase, PhaseTicksLeft: snap.PhaseTicksLeft, ScoreLimit: snap.ScoreLimit}
	for _, e := range f.players {
		w.Players = append(w.Players, f.player(e, snap))
	}
	for _, e := range f.projectiles {
		w.Projectiles = append(w.Projectiles, f.projectile(e, snap))
	}
	return w, true
}

// The planner's property, over simulated worlds on both maps, with and
// without a tight budget, with clients that lose frames and acknowledge
// late, old pictures or nothing: every frame a client applies gives it
// exactly the picture the server recorded for it (so the next delta, made
// against that record, is right); no delta is ever dropped by an honest
// client; and without a budget the picture is the snapshot itself, cut to
// the client's interest: every entity in it is exact, every entity within
// the view and margin (and the player and its projectiles) is in it, and
// nothing beyond the view, margin and hysteresis is.
func TestPlannedPicturesAreTheClientsPictures(t *testing.T) {
	cases := []struct {
		mapID   string
		players int
		rate    int
	}{
		{"arena", 8, -1},
		{"arena", 8, 1500},
		{"crossroads", 16, -1},
		{"crossroads", 16, 1500},
	}
	for _, tc := range cases {
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("%s/%d/rate%d/seed%d", tc.mapID, tc.players, tc.rate, seed), func(t *testing.T) {
				r := newRig(t, tc.mapID, tc.players, tc.players, seed, Config{MaxSendRate: tc.rate})
				rng := rand.New(rand.NewPCG(seed, 99))
				clients := make([]*pictures, len(r.conns))
				for i := range clients {
					clients[i] = newPictures()
				}
				var complete, deltas int
				for range 300 {
					tick := r.step()
					cur := r.h.snapshotOf(tick)
					for i, p := range clients {
						st := r.conns[i].stream.Load()
						frame := r.frame(i)
						if frame == nil {
							continue // the budget held a complete snapshot back
						}
						if rng.IntN(10) == 0 {
							continue // lost on the way
						}
						full, ok := p.apply(t, frame)
						if !ok {
							t.Fatalf("tick %d: client %d dropped a delta: its baseline was not what the server recorded", tick, i)
						}
						if full {
							complete++
						} else {
							deltas++
						}
						want, _ := st.pictureOf(tick, cur)
						if got := p.last; !reflect.DeepEqual(normWire(&got), normWire(&want)) {
							t.Fatalf("tick %d, client %d: the client's picture\n%+v\nthe server's record\n%+v", tick, i, got, want)
						}
						if tc.rate < 0 {
							checkInterest(t, r, st, cur, &p.last)
						}
						// Acknowledge: mostly the newest picture, sometimes an
						// older one, sometimes nothing.
						switch k := rng.IntN(10); {
						case k == 0:
						case k == 1:
							old := p.c.pictures[rng.IntN(ringSize)].Tick
							if old != 0 && !r.ack(i, old) && old+2*ringSize > tick {
								// an old picture the stream no longer remembers is refused (and counted)
								if st.frame(old) != nil {
									t.Fatalf("ack %d refused", old)
								}
							}
						default:
							if !r.ack(i, p.c.acked.Load()) {
								t.Fatalf("tick %d: the ack of the newest picture %d was refused", tick, p.c.acked.Load())
							}
						}
					}
				}
				st := r.h.srv.Stats()
				t.Logf("%d deltas, %d complete applied; %d entities deferred, %d complete held back", deltas, complete, st.EntitiesDeferred, st.BudgetHeld)
				if deltas < 4*complete {
					t.Fatalf("%d deltas and %d complete snapshots applied: deltas should be most", deltas, complete)
				}
			})
		}
	}
}

// checkInterest checks a picture made without a budget against the
// snapshot and the interest rule.
func checkInterest(t *testing.T, r *rig, st *stream, cur *WireState, got *WireState) {
	t.Helper()
	cx, cy := r.h.mapW/2, r.h.mapH/2
	if i := cur.player(st.player); i >= 0 {
		cx, cy = DequantizePos(cur.Players[i].X), DequantizePos(cur.Players[i].Y)
	}
	view := View{Width: ViewBoxWidth, Height: ViewBoxHeight}
	near := viewAround(view, r.h.mapW, r.h.mapH, cx, cy, ViewMargin)
	keep := viewAround(view, r.h.mapW, r.h.mapH, cx, cy, ViewMargin+ViewHysteresis)
	in := map[game.PlayerID]bool{}
	for _, p := range got.Players {
		i := cur.player(p.ID)
		if i < 0 || cur.Players[i] != p {
			t.Fatalf("tick %d: player %d in the picture is %+v, not the snapshot's", cur.Tick, p.ID, p)
		}
		if p.ID != st.player && !keep.holds(p.X, p.Y) {
			t.Fatalf("tick %d: player %d at (%d, %d) is beyond the view of player %d", cur.Tick, p.ID, p.X, p.Y, st.player)
		}
		in[p.ID] = true
	}
	for _, p := range cur.Players {
		if (p.ID == st.player || near.holds(p.X, p.Y)) && !in[p.ID] {
			t.Fatalf("tick %d: player %d at (%d, %d) is in the view of player %d but not in its picture", cur.Tick, p.ID, p.X, p.Y, st.player)
		}
	}
	inj := map[uint32]bool{}
	byID := map[uint32]WireProjectile{}
	for _, q := range cur.Projectiles {
		byID[q.ID] = q
	}
	for _, q := range got.Projectiles {
		inj[q.ID] = true
		if byID[q.ID] != q {
			t.Fatalf("tick %d: projectile %d in the picture is %+v, not the snapshot's", cur.Tick, q.ID, q)
		}
		if q.Owner != st.player && !keep.holds(q.X, q.Y) {
			t.Fatalf("tick %d: projectile %d beyond the view", cur.Tick, q.ID)
		}
	}
	for _, q := range cur.Projectiles {
		if (q.Owner == st.player || near.holds(q.X, q.Y)) && !inj[q.ID] {
			t.Fatalf("tick %d: projectile %d of %d is in the view of player %d but not in its picture", cur.Tick, q.ID, q.Owner, st.player)
		}
	}
	if len(inj) != len(got.Projectiles) {
		t.Fatalf("tick %d: projectiles repeated", cur.Tick)
	}
}
