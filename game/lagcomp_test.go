package game

import (
	"fmt"
	"math"
	"testing"
)

// The crossing: a stands still at (200, 500) and fires along +X (aim 0);
// b runs down the line x = lineX at full speed (MaxSpeed/tickRate ≈ 8.7
// units a tick) from y = 100 on the box map. A shot's flight segment j (the
// (j+1)-th tick of its flight) spans x from 200+j·800/30 to 200+(j+1)·800/30,
// so it can only meet b in segment meetSegment(lineX) or the next, and it
// does if b is within PlayerRadius+ProjectileRadius (20) of y = 500 at the
// time that segment is judged against: the present (fire tick + j) without
// compensation, the shooter's view (view time + j) with it — which is in the
// past (the history) while j is less than the rewind, and the present after.
const (
	farLine  = 600 // met in segment 14: after the catch-up, in the present
	nearLine = 280 // met in segment 2: during the catch-up, in the history
)

// meetSegment is the flight segment in which a shot along y = 500 from
// x = 200 first reaches a player on the line x = lineX.
func meetSegment(lineX float64) int {
	return int((lineX - 200 - PlayerRadius - ProjectileRadius) / (ProjectileSpeed / DefaultTickRate))
}

type crossing struct {
	w    *World
	a, b PlayerID
	seq  uint32
	t0   uint32 // the tick the run starts from
}

func newCrossing(tb testing.TB, cfg WorldConfig, lineX float64) *crossing {
	tb.Helper()
	w, a, b := duel(tb, cfg)
	place(tb, w, b, lineX, 100)
	pl(tb, w, b).VY = MaxSpeed
	return &crossing{w: w, a: a, b: b, t0: w.Tick()}
}

// step advances one tick: b runs down, a stands and fires if asked.
func (c *crossing) step(fire bool, view float64, shot uint32) {
	c.seq++
	in := input(c.seq, 0, 0, 0, fire)
	in.ViewTime, in.ShotID = view, shot
	step(c.w, by(c.a, in), by(c.b, input(c.seq, 0, 1, math.Pi, false)))
}

// crossingYs is where b is (y) after each tick k = 1, 2, … of the run,
// measured on a run without shots (b's path does not depend on a).
func crossingYs(tb testing.TB, cfg WorldConfig, lineX float64, ticks int) []float64 {
	c := newCrossing(tb, cfg, lineX)
	ys := []float64{pl(tb, c.w, c.b).Y}
	for range ticks {
		c.step(false, 0, 0)
		ys = append(ys, pl(tb, c.w, c.b).Y)
	}
	return ys
}

// aimedTick is the run tick k at which b is nearest y = 500.
func aimedTick(ys []float64) int {
	best := 0
	for k := range ys {
		if math.Abs(ys[k]-500) < math.Abs(ys[best]-500) {
			best = k
		}
	}
	return best
}

// fireAt runs the crossing and fires one shot on run tick fire, claiming to
// have seen the world at run tick view (0: no view time). It returns b's
// health at the end.
func fireAt(tb testing.TB, cfg WorldConfig, lineX float64, fire int, view float64) int {
	tb.Helper()
	c := newCrossing(tb, cfg, lineX)
	for k := 1; k <= fire+30; k++ {
		v := 0.0
		if view != 0 {
			v = float64(c.t0) + view
		}
		c.step(k == fire, v, 0)
	}
	return pl(tb, c.w, c.b).health
}

func TestLagCompensationJudgesTheShooterView(t *testing.T) {
	for _, line := range []float64{farLine, nearLine} {
		t.Run(fmt.Sprintf("line x=%v", line), func(t *testing.T) { judgesTheShooterView(t, line) })
	}
}

func judgesTheShooterView(t *testing.T, line float64) {
	ys := crossingYs(t, WorldConfig{}, line, 80)
	meet := aimedTick(ys) // b crosses the line of fire on this run tick
	if math.Abs(ys[meet]-500) > 5 || ys[meet+5]-ys[meet] < 40 {
		t.Fatalf("the crossing is not what the test assumes: y %v at %d, %v five ticks on", ys[meet], meet, ys[meet+5])
	}
	// A shooter who saw the world 5 ticks late and fired so that, in its
	// view, the shot meets b on the line: view + segment = meet.
	const late = 5
	view := meet - meetSegment(line)
	fire := view + late
	tests := []struct {
		name      string
		maxRewind float64
		fire      int
		view      float64 // run tick; 0: none sent
		hit       bool
	}{
		{"compensated: judged where the shooter saw b", 6, fire, float64(view), true},
		{"off (--max-rewind 0): judged against the present", 0, fire, float64(view), false},
		{"no view time (an old client): the present", 6, fire, 0, false},
		{"a view in the future is the present", 6, fire, float64(fire + 3), false},
		{"fractional view: b between two ticks", 6, fire, float64(view) + 0.5, true},
		{"a view older than the bound is clamped to it", 2, fire + 3, float64(view), false},
		{"within a larger bound the same view counts", 8, fire + 3, float64(view), true},
		{"control: an up-to-date shooter hits without compensation", 0, view, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hp := fireAt(t, WorldConfig{MaxRewind: tt.maxRewind}, line, tt.fire, tt.view)
			if got := hp < MaxHealth; got != tt.hit {
				t.Fatalf("hit = %v (health %d), want %v", got, hp, tt.hit)
			}
		})
	}
}

// The documented trade-off (docs/ARCHITECTURE.md): a victim who reached
// cover less than the bound ago can still be hit, where the shooter saw
// them; one who reached it earlier cannot.
func TestLagCompensationHitsJustBehindCover(t *testing.T) {
	// The wall's corner is at (560, 530): a shot along y = 500 passes over
	// it, but the straight line from a to b is blocked once b is below
	// y ≈ 535.
	cfg := WorldConfig{Map: boxMap(Rect{X: 560, Y: 530, W: 20, H: 300})}
	ys := crossingYs(t, cfg, farLine, 80)
	meet := aimedTick(ys)
	view := meet - meetSegment(farLine)
	covered := func(y float64) bool { return !cfg.Map.segmentClear(200, 500, 600, y, ProjectileRadius) }
	// Five or seven ticks late, b is in cover when the shot gets there; a
	// bound two ticks short of that misses b by 26 units or more.
	for _, late := range []int{5, 7} {
		fire := view + late
		// Where b is when the shot gets to x = 600 in the present.
		if arrive := fire + meetSegment(farLine); !covered(ys[arrive]) {
			t.Fatalf("late %d: b at y %v is not in cover when the shot arrives", late, ys[arrive])
		}
		for _, maxRewind := range []float64{0, 2, 7} {
			cfg.MaxRewind = maxRewind
			hp := fireAt(t, cfg, farLine, fire, float64(view))
			want := float64(late) <= maxRewind
			if got := hp < MaxHealth; got != want {
				t.Errorf("late %d ticks, --max-rewind %v ticks: hit = %v, want %v", late, maxRewind, got, want)
			}
		}
	}
}

func TestLagCompensationCatchesTheShotUp(t *testing.T) {
	for _, tt := range []struct {
		name      string
		maxRewind float64
		late      float64 // ticks between the view and the fire tick
		want      float64 // ticks of flight after the fire Step
	}{
		{"off", 0, 5, 1},
		{"whole ticks", 6, 5, 6},
		{"fractional", 6, 4.25, 5.25},
		{"clamped", 3, 5, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Wide enough for a whole flight (960 units) from x = 200.
			wide := &Map{ID: "wide", Width: 1400, Height: 1000, Spawns: []Point{{X: 100, Y: 100}, {X: 1300, Y: 900}}}
			w, a, b := duel(t, WorldConfig{MaxRewind: tt.maxRewind, Map: wide})
			place(t, w, b, 600, 900) // out of the way
			in := input(1, 0, 0, 0, true)
			in.ViewTime, in.ShotID = float64(w.Tick()+1)-tt.late, 77
			step(w, by(a, in))
			var s Snapshot
			w.Snapshot(&s)
			if len(s.Projectiles) != 1 {
				t.Fatalf("%d projectiles, want 1", len(s.Projectiles))
			}
			q := s.Projectiles[0]
			flown := (q.X - 200) / (ProjectileSpeed / float64(w.cfg.TickRate))
			if math.Abs(flown-tt.want) > 1e-9 || q.Y != 500 {
				t.Fatalf("shot at (%v, %v): %v ticks of flight, want %v", q.X, q.Y, flown, tt.want)
			}
			if q.ShotID != 77 {
				t.Fatalf("shot id %d, want the input's 77 echoed", q.ShotID)
			}
			// Its lifetime counts the flight caught up: it ends where an
			// uncompensated shot ends, within a tick.
			life := 1
			for seq := uint32(2); len(w.projectiles) == 1; seq++ {
				step(w, by(a, input(seq, 0, 0, 0, false)))
				life++
			}
			if full := w.timers.projLife; life < full-int(tt.want) || life > full {
				t.Fatalf("the shot lived %d ticks after a catch-up of %v, want about %d", life, tt.want, full-int(tt.want)+1)
			}
		})
	}
}

// History is where players were, life by life: a shot is not judged against
// someone who has died since, nor against a previous life of someone who has
// respawned.
func TestLagCompensationOnlyTheSameLife(t *testing.T) {
	// b is met on the near line: in the history, while the shot catches up.
	ys := crossingYs(t, WorldConfig{}, nearLine, 80)
	meet := aimedTick(ys)
	view := meet - meetSegment(nearLine)
	fire := view + 5
	if hp := fireAt(t, WorldConfig{MaxRewind: 6}, nearLine, fire, float64(view)); hp == MaxHealth {
		t.Fatal("control: the shot does not hit b's history")
	}
	for _, tt := range []struct {
		name  string
		after func(tb testing.TB, c *crossing) // on run tick fire-2
		hp    func(p *player) bool
	}{
		{"dead since", func(tb testing.TB, c *crossing) {
			p := pl(tb, c.w, c.b)
			p.alive, p.health, p.respawn = false, 0, 1000
		}, func(p *player) bool { return !p.alive }},
		{"respawned since", func(tb testing.TB, c *crossing) {
			p := pl(tb, c.w, c.b)
			c.w.spawn(p, false)
			p.Body = Body{X: 900, Y: 900}
		}, func(p *player) bool { return p.alive && p.health == MaxHealth }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCrossing(t, WorldConfig{MaxRewind: 6}, nearLine)
			for k := 1; k <= fire+30; k++ {
				if k == fire-2 {
					tt.after(t, c)
				}
				c.step(k == fire, float64(c.t0)+float64(view), 0)
			}
			if p := pl(t, c.w, c.b); !tt.hp(p) {
				t.Fatalf("b was hit through its history: alive %v, health %d", p.alive, p.health)
			}
		})
	}
}

// A repeated input (the runtime sent none for the tick) is no new shot of
// the client's: it fires with no shot id, and its view moves on with time.
func TestRepeatedInputHasNoShotID(t *testing.T) {
	w, a, b := duel(t, WorldConfig{MaxRewind: 6})
	place(t, w, b, 600, 900)
	in := input(1, 0, 0, 0, true)
	in.ViewTime, in.ShotID = float64(w.Tick()), 5
	step(w, by(a, in))
	for range w.timers.fireCooldown {
		step(w) // a's input repeats: fire held
	}
	var s Snapshot
	w.Snapshot(&s)
	if len(s.Projectiles) != 2 {
		t.Fatalf("%d projectiles, want the first and a repeat", len(s.Projectiles))
	}
	if s.Projectiles[0].ShotID != 5 || s.Projectiles[1].ShotID != 0 {
		t.Fatalf("shot ids %d, %d: want 5 and 0", s.Projectiles[0].ShotID, s.Projectiles[1].ShotID)
	}
	// Both saw the world one tick behind: the same catch-up.
	if d := s.Projectiles[0].X - s.Projectiles[1].X; math.Abs(d-float64(w.timers.fireCooldown)*ProjectileSpeed/30) > 1e-9 {
		t.Fatalf("the repeat flew %v units less than the first, want %v", d, float64(w.timers.fireCooldown)*ProjectileSpeed/30)
	}
}

func TestSanitizeViewTime(t *testing.T) {
	for _, tt := range []struct {
		view, want float64
		err        bool
	}{
		{0, 0, false}, {123.5, 123.5, false}, {-4, 0, false},
		{math.NaN(), 0, true}, {math.Inf(1), 0, true}, {math.Inf(-1), 0, true},
	} {
		got, err := Input{Seq: 1, ViewTime: tt.view}.Sanitize()
		if (err != nil) != tt.err || (err == nil && got.ViewTime != tt.want) {
			t.Errorf("Sanitize(view %v) = %v, %v; want %v (error %v)", tt.view, got.ViewTime, err, tt.want, tt.err)
		}
	}
}

func TestMaxRewindConfig(t *testing.T) {
	for _, tt := range []struct {
		rewind float64
		ok     bool
	}{
		{0, true}, {6, true}, {0.5, true}, {30, true}, {30.01, false}, {-1, false}, {math.NaN(), false}, {math.Inf(1), false},
	} {
		_, err := NewWorld(WorldConfig{Map: boxMap(), MaxRewind: tt.rewind})
		if (err == nil) != tt.ok {
			t.Errorf("MaxRewind %v: err %v, want ok %v", tt.rewind, err, tt.ok)
		}
	}
}
