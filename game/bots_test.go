package game

import (
	"math"
	"testing"
)

// botDuel is one idle human and one bot on m, placed by hand, live.
func botDuel(t *testing.T, m *Map, hx, hy, bx, by float64) (w *World, human, bot *player) {
	t.Helper()
	w = newWorld(t, WorldConfig{Map: m, BotFill: 2, Seed: 11})
	h := addHuman(t, w, "target")
	stepUntil(t, w, 200, func() bool { return w.Phase() == PhaseLive })
	var b PlayerID
	for _, p := range w.players {
		if p.bot {
			b = p.id
		}
	}
	place(t, w, h, hx, hy)
	place(t, w, b, bx, by)
	w.projectiles = w.projectiles[:0] // shots from before the placement
	return w, pl(t, w, h), pl(t, w, b)
}

func TestBotHoldsFireWithoutLineOfSight(t *testing.T) {
	// A wall from top to bottom: no path, no sight.
	m := boxMap(Rect{X: 490, Y: 20, W: 20, H: 960})
	w, human, bot := botDuel(t, m, 200, 500, 800, 500)
	for range 300 {
		step(w)
		for _, q := range w.projectiles {
			if q.owner == bot.id {
				t.Fatalf("bot fired at tick %d without line of sight", w.Tick())
			}
		}
	}
	if human.health != MaxHealth {
		t.Fatalf("human hurt through a wall")
	}
}

func TestBotHuntsAroundWalls(t *testing.T) {
	// A wall with a gap at the bottom: the bot must go around to see its
	// target, then shoot it.
	m := boxMap(Rect{X: 490, Y: 20, W: 20, H: 800})
	w, human, bot := botDuel(t, m, 200, 150, 800, 150)
	if w.m.segmentClear(human.X, human.Y, bot.X, bot.Y, ProjectileRadius) {
		t.Fatalf("setup: bot can already see its target")
	}
	var firstHit uint32
	stepUntil(t, w, 30*20, func() bool {
		human.protect = 0
		human.hasNext = true // idle, and never stale
		if human.deaths > 0 || human.health < MaxHealth {
			firstHit = w.Tick()
			return true
		}
		return false
	})
	t.Logf("bot first hit its hidden target at tick %d", firstHit)
	if bot.brain.target != human.id {
		t.Fatalf("bot target %d, want %d", bot.brain.target, human.id)
	}
}

func TestBotAimsAtTarget(t *testing.T) {
	w, human, bot := botDuel(t, boxMap(), 300, 300, 600, 600)
	want := math.Atan2(human.Y-bot.Y, human.X-bot.X)
	stepUntil(t, w, 60, func() bool {
		human.hasNext = true
		return math.Abs(angleDiff(bot.aim, want)) < 0.35 && w.nextProj > 0
	})
}

func TestNavWaypoint(t *testing.T) {
	m := boxMap(Rect{X: 490, Y: 20, W: 20, H: 800})
	n := newNav(m)
	// From the top left to the top right, the path leads down to the gap.
	x, y, ok := n.waypoint(m, 200, 150, 800, 150)
	if !ok {
		t.Fatalf("no path around the wall")
	}
	if y <= 150 || !m.segmentClear(200, 150, x, y, PlayerRadius) {
		t.Fatalf("waypoint (%v,%v) does not lead down toward the gap in sight", x, y)
	}
	// Following waypoints gets there.
	px, py := 200.0, 150.0
	for i := 0; i < 50 && math.Hypot(px-800, py-150) > n.cell; i++ {
		x, y, ok = n.waypoint(m, px, py, 800, 150)
		if !ok {
			t.Fatalf("lost the path at (%v,%v)", px, py)
		}
		px, py = x, y
	}
	if math.Hypot(px-800, py-150) > n.cell {
		t.Fatalf("waypoints ended at (%v,%v), not at the target", px, py)
	}
	// Sealed off: no path.
	sealed := boxMap(Rect{X: 490, Y: 20, W: 20, H: 960})
	if _, _, ok := newNav(sealed).waypoint(sealed, 200, 150, 800, 150); ok {
		t.Fatalf("found a path through a solid wall")
	}
	if allocs := testing.AllocsPerRun(50, func() { n.waypoint(m, 200, 150, 800, 150) }); allocs != 0 {
		t.Fatalf("waypoint allocates %v times", allocs)
	}
}
