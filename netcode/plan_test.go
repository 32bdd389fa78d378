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
// late, old pictures or nothing, and half of them declaring a narrow view:
// every frame a client applies gives it
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
					if i%2 == 1 { // a narrow window declares its view
						r.conns[i].stream.Load().setView(r.conns[i], View{Width: 800, Height: 1000})
					}
				}
				var complete, deltas int
				for range 200 {
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
// snapshot and the interest rule, with the view the client declared (or
// the view box).
func checkInterest(t *testing.T, r *rig, st *stream, cur *WireState, got *WireState) {
	t.Helper()
	cx, cy := r.h.mapW/2, r.h.mapH/2
	if i := cur.player(st.player); i >= 0 {
		cx, cy = DequantizePos(cur.Players[i].X), DequantizePos(cur.Players[i].Y)
	}
	view := st.view
	if view == (View{}) {
		view = View{Width: ViewBoxWidth, Height: ViewBoxHeight}
	}
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

// The budget holds and nothing starves: with a send rate below what the
// deltas of a full arena need, every player gets at most the rate (over
// any stretch of a second or more, plus the quarter second it may save
// up and one frame's overshoot of what must go), and every entity that
// waits is sent within a second (20 snapshots; the farthest projectiles,
// whose priority grows slowest, wait longest: 10 to 16 on these worlds):
// its accumulated priority overtakes the nearer players that keep changing.
func TestBudgetHoldsAndNothingStarves(t *testing.T) {
	const rate, steps = 1800, 600 // B/s; 30 s of 20 Hz snapshots
	r := newRig(t, "arena", 8, 8, 3, Config{MaxSendRate: rate})
	clients := make([]*pictures, len(r.conns))
	for i := range clients {
		clients[i] = newPictures()
	}
	type key struct {
		client int
		id     uint32
		proj   bool
	}
	stale := map[key]int{} // snapshots in a row the client's value was not the snapshot's
	worst, worstKey := 0, key{}
	sent := make([][]int, len(r.conns)) // bytes per step, per client
	for range steps {
		tick := r.step()
		cur := r.h.snapshotOf(tick)
		for i, p := range clients {
			f := r.frame(i)
			sent[i] = append(sent[i], len(f))
			if f == nil {
				continue
			}
			if _, ok := p.apply(t, f); !ok {
				t.Fatalf("tick %d: client %d dropped a frame", tick, i)
			}
			r.ack(i, tick)
			have := map[uint32]WirePlayer{}
			for _, q := range p.last.Players {
				have[uint32(q.ID)] = q
			}
			for _, q := range cur.Players {
				k := key{client: i, id: uint32(q.ID)}
				if v, ok := have[k.id]; ok && v == q {
					stale[k] = 0
					continue
				}
				if stale[k]++; stale[k] > worst {
					worst, worstKey = stale[k], k
				}
			}
			haveP := map[uint32]WireProjectile{}
			for _, q := range p.last.Projectiles {
				haveP[q.ID] = q
			}
			for _, q := range cur.Projectiles {
				k := key{client: i, id: q.ID, proj: true}
				if v, ok := haveP[k.id]; ok && v == q {
					stale[k] = 0
					continue
				}
				if stale[k]++; stale[k] > worst {
					worst, worstKey = stale[k], k
				}
			}
		}
	}
	st := r.h.srv.Stats()
	t.Logf("%d entities deferred, %d complete snapshots held back; the stalest entity waited %d snapshots (%+v)",
		st.EntitiesDeferred, st.BudgetHeld, worst, worstKey)
	if st.EntitiesDeferred == 0 {
		t.Fatal("nothing was deferred: the rate does not bind, the test tests nothing")
	}
	if worst > 20 { // a second: the farthest projectile's priority grows slowest
		t.Errorf("an entity waited %d snapshots in a row (%+v): starved", worst, worstKey)
	}
	burst := rate * budgetWindow
	for i, s := range sent {
		for from := range s {
			total, biggest := 0, 0
			for to := from; to < len(s); to++ {
				total += s[to]
				biggest = max(biggest, s[to])
				secs := float64(to-from+1) / 20
				if secs >= 1 && float64(total) > rate*secs+burst+float64(biggest) {
					t.Fatalf("client %d got %d bytes in %.2f s from snapshot %d: over %d B/s", i, total, secs, from, rate)
				}
			}
		}
	}
}
