package game

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shippedMap is one map file of assets/maps, parsed.
type shippedMap struct {
	file string // its name without .json: the id clients fetch it by
	m    *Map
}

// shippedMaps parses every map in assets/maps (each must parse).
func shippedMaps(tb testing.TB) []shippedMap {
	tb.Helper()
	files, err := filepath.Glob("../assets/maps/*.json")
	if err != nil || len(files) < 2 {
		tb.Fatalf("maps in assets/maps: %v (%v), want the arena and the large map", files, err)
	}
	var maps []shippedMap
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := ParseMap(data)
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		maps = append(maps, shippedMap{file: strings.TrimSuffix(filepath.Base(f), ".json"), m: m})
	}
	return maps
}

// largeMap loads the shipped large map (issue 8's interest management map).
func largeMap(tb testing.TB) *Map {
	tb.Helper()
	for _, s := range shippedMaps(tb) {
		if s.m.ID == "crossroads" {
			return s.m
		}
	}
	tb.Fatal("assets/maps has no crossroads map")
	return nil
}

// fineReach flood-fills the player-centre positions of m on a grid of
// cell-unit squares from (x, y) and reports which squares a player reaches.
// It is finer than the bots' nav grid, so it finds gaps the nav grid would
// round away.
func fineReach(m *Map, x, y, cell float64) (reached func(x, y float64) bool) {
	cols, rows := int(m.Width/cell), int(m.Height/cell)
	free := func(c, r int) bool {
		x, y := (float64(c)+0.5)*cell, (float64(r)+0.5)*cell
		if x < PlayerRadius || y < PlayerRadius || x > m.Width-PlayerRadius || y > m.Height-PlayerRadius {
			return false
		}
		_, hit := m.circleHitsWall(x, y, PlayerRadius)
		return !hit
	}
	seen := make([]bool, cols*rows)
	stack := [][2]int{{int(x / cell), int(y / cell)}}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c[0] < 0 || c[1] < 0 || c[0] >= cols || c[1] >= rows || seen[c[1]*cols+c[0]] || !free(c[0], c[1]) {
			continue
		}
		seen[c[1]*cols+c[0]] = true
		stack = append(stack, [2]int{c[0] + 1, c[1]}, [2]int{c[0] - 1, c[1]}, [2]int{c[0], c[1] + 1}, [2]int{c[0], c[1] - 1})
	}
	return func(x, y float64) bool { return seen[int(y/cell)*cols+int(x/cell)] }
}

// Every shipped map is one a match can be played on: its id is its file
// name (clients fetch /assets/maps/{id}.json), its spawns do not overlap,
// a player can walk from every spawn to every other, and so can a bot on
// its nav grid (the path it follows to a target it cannot see).
func TestShippedMaps(t *testing.T) {
	for _, s := range shippedMaps(t) {
		t.Run(s.file, func(t *testing.T) {
			m := s.m
			if m.ID != s.file {
				t.Fatalf("map id %q in %s.json: the id must be the file's name", m.ID, s.file)
			}
			if m.Name == "" {
				t.Error("no name")
			}
			for i, a := range m.Spawns {
				for j, b := range m.Spawns[i+1:] {
					if math.Hypot(a.X-b.X, a.Y-b.Y) < 2*PlayerRadius {
						t.Errorf("spawns %d and %d overlap", i, i+1+j)
					}
				}
			}
			s0 := m.Spawns[0]
			walk := fineReach(m, s0.X, s0.Y, 8)
			for i, sp := range m.Spawns {
				if !walk(sp.X, sp.Y) {
					t.Errorf("spawn %d (%v,%v) cannot be walked to from spawn 0", i, sp.X, sp.Y)
				}
			}
			n := newNav(m)
			for i, a := range m.Spawns {
				for j, b := range m.Spawns {
					if i == j {
						continue
					}
					if _, _, ok := n.waypoint(m, a.X, a.Y, b.X, b.Y); !ok {
						t.Errorf("no nav path from spawn %d (%v,%v) to spawn %d (%v,%v)", i, a.X, a.Y, j, b.X, b.Y)
					}
				}
			}
		})
	}
}

// sightFraction is the share of pairs of walkable points of m at most
// botRange apart that see each other (a shot flies clear between them):
// the lower, the more cover. Points are the centres of a 40-unit grid, pairs
// a fixed sample, so the figure is deterministic.
func sightFraction(m *Map) float64 {
	const cell = 40.0
	var pts []Point
	for y := cell / 2; y < m.Height; y += cell {
		for x := cell / 2; x < m.Width; x += cell {
			if x > PlayerRadius && y > PlayerRadius && x < m.Width-PlayerRadius && y < m.Height-PlayerRadius {
				if _, hit := m.circleHitsWall(x, y, PlayerRadius); !hit {
					pts = append(pts, Point{x, y})
				}
			}
		}
	}
	r := newRNG(1)
	pairs, clear := 0, 0
	for pairs < 20000 {
		a, b := pts[r.intn(len(pts))], pts[r.intn(len(pts))]
		if math.Hypot(a.X-b.X, a.Y-b.Y) > botRange {
			continue
		}
		pairs++
		if m.segmentClear(a.X, a.Y, b.X, b.Y, ProjectileRadius) {
			clear++
		}
	}
	return float64(clear) / float64(pairs)
}

// The large map is what issue 8's interest management is measured on: at
// least three times the arena's area, seats for 16 spread apart, and more
// cover — fewer sight lines within a bot's range — with spawns out of sight
// of one another.
func TestLargeMap(t *testing.T) {
	a, m := arena(t), largeMap(t)
	if got, want := m.Width*m.Height, 3*a.Width*a.Height; got < want {
		t.Errorf("area %v, want at least 3× the arena's (%v)", got, want)
	}
	if len(m.Spawns) < 16 {
		t.Errorf("%d spawns, want at least 16 (one each for a 16-player match)", len(m.Spawns))
	}
	closest := math.Inf(1)
	for i, p := range m.Spawns {
		for _, q := range m.Spawns[i+1:] {
			closest = math.Min(closest, math.Hypot(p.X-q.X, p.Y-q.Y))
		}
	}
	if closest < 300 {
		t.Errorf("two spawns %.0f units apart, want at least 300", closest)
	}
	if len(m.Walls) <= len(a.Walls) {
		t.Errorf("%d walls, want more than the arena's %d", len(m.Walls), len(a.Walls))
	}
	sa, sm := sightFraction(a), sightFraction(m)
	t.Logf("sight lines within %v units: arena %.0f%%, %s %.0f%%", botRange, 100*sa, m.ID, 100*sm)
	if sm > 0.75*sa {
		t.Errorf("%.0f%% of near pairs see each other, want at most three quarters of the arena's %.0f%%: more cover", 100*sm, 100*sa)
	}
	// A shot flies ProjectileSpeed × ProjectileLifetime; no spawn is in
	// clear sight of more than one other within that.
	reach := ProjectileSpeed * ProjectileLifetime
	for i, p := range m.Spawns {
		seen := 0
		for j, q := range m.Spawns {
			if i != j && math.Hypot(p.X-q.X, p.Y-q.Y) < reach && m.segmentClear(p.X, p.Y, q.X, q.Y, ProjectileRadius) {
				seen++
			}
		}
		if seen > 1 {
			t.Errorf("spawn %d (%v,%v) is in clear sight of %d others within a shot's reach, want at most 1", i, p.X, p.Y, seen)
		}
	}
}

// TestBotsOnLargeMap fills a 16-seat match on the large map with bots and
// plays a minute of it (fixed seeds, so the run is the same every time):
// the countdown puts the 16 on distinct spawns far apart; every bot keeps
// moving, sights targets (through the walls' gaps, by its nav grid) and is
// never stuck in one spot for long; the match has kills; and respawns land
// away from everyone alive.
func TestBotsOnLargeMap(t *testing.T) {
	const (
		players   = 16
		seconds   = 60
		stuckLen  = 3.0              // s: longest a living bot may stay within stuckSpot
		stuckSpot = 2 * PlayerRadius // units
	)
	m := largeMap(t)
	for _, seed := range []int64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newWorld(t, WorldConfig{Map: m, MaxPlayers: players, BotFill: players, Seed: seed, ScoreLimit: 1000})
			if n := len(w.players); n != players {
				t.Fatalf("%d bots seated, want %d", n, players)
			}
			stepUntil(t, w, 10, func() bool { return w.Phase() == PhaseCountdown })
			for i, p := range w.players {
				for _, q := range w.players[i+1:] {
					if d := math.Hypot(p.X-q.X, p.Y-q.Y); d < 300 {
						t.Errorf("countdown: players %d and %d start %.0f units apart, want at least 300", p.id, q.id, d)
					}
				}
			}
			stepUntil(t, w, 5*DefaultTickRate, func() bool { return w.Phase() == PhaseLive })

			type track struct {
				life         uint32
				lastX, lastY float64 // position on the previous tick
				spotX, spotY float64 // where the current stay began
				spotAt       uint32  // tick it began
				travelled    float64 // units while alive
				longestStay  uint32  // ticks
				sawTarget    bool
			}
			tracks := make([]track, players)
			kills, respawns, nearest := 0, 0, math.Inf(1)
			for range seconds * DefaultTickRate {
				step(w)
				for _, e := range w.Events() {
					switch e.Kind {
					case EventKill:
						kills++
					case EventRespawn:
						respawns++
						p := pl(t, w, e.Player)
						for _, q := range w.players {
							if q.alive && q.id != p.id {
								nearest = math.Min(nearest, math.Hypot(q.X-p.X, q.Y-p.Y))
							}
						}
					}
				}
				for i := range w.players {
					p, tr := &w.players[i], &tracks[i]
					if p.brain.target != 0 && p.brain.visible {
						tr.sawTarget = true
					}
					if !p.alive || p.life != tr.life { // dead, or a new life: start over
						*tr = track{life: p.life, lastX: p.X, lastY: p.Y, spotX: p.X, spotY: p.Y, spotAt: w.Tick(),
							travelled: tr.travelled, longestStay: tr.longestStay, sawTarget: tr.sawTarget}
						continue
					}
					tr.travelled += math.Hypot(p.X-tr.lastX, p.Y-tr.lastY)
					tr.lastX, tr.lastY = p.X, p.Y
					if math.Hypot(p.X-tr.spotX, p.Y-tr.spotY) > stuckSpot {
						tr.spotX, tr.spotY, tr.spotAt = p.X, p.Y, w.Tick()
					}
					tr.longestStay = max(tr.longestStay, w.Tick()-tr.spotAt)
				}
			}
			t.Logf("%d s: %d kills, %d respawns, nearest living player to a respawn %.0f units", seconds, kills, respawns, nearest)
			for i, tr := range tracks {
				id := w.players[i].id
				t.Logf("bot %d: travelled %.0f units, longest in one spot %.1f s", id, tr.travelled, float64(tr.longestStay)/DefaultTickRate)
				if tr.travelled < seconds*MaxSpeed/10 {
					t.Errorf("bot %d travelled %.0f units in %d s, want at least a tenth of full speed", id, tr.travelled, seconds)
				}
				if s := float64(tr.longestStay) / DefaultTickRate; s > stuckLen {
					t.Errorf("bot %d stayed within %v units for %.1f s while alive, want at most %v s", id, stuckSpot, s, stuckLen)
				}
				if !tr.sawTarget {
					t.Errorf("bot %d never had a target in sight", id)
				}
			}
			if kills < players {
				t.Errorf("%d kills in %d s of 16 bots, want at least %d", kills, seconds, players)
			}
			if respawns == 0 || nearest < 250 {
				t.Errorf("%d respawns, nearest living player %.0f units away, want respawns at least 250 units from everyone", respawns, nearest)
			}
		})
	}
}

// A bot finds its way across the large map: from every spawn, hunting an
// idle target at the spawn farthest from it (out of sight), it follows its
// nav grid around the walls and has the target in sight within a quarter
// more than the time to run the straight line between them (plus a second
// to react). Without the nav grid bots get there too, by steering and
// wandering, but up to twice as slowly.
func TestBotHuntsAcrossLargeMap(t *testing.T) {
	m := largeMap(t)
	worst := 0.0
	for i, from := range m.Spawns {
		far := from
		for _, s := range m.Spawns {
			if math.Hypot(s.X-from.X, s.Y-from.Y) > math.Hypot(far.X-from.X, far.Y-from.Y) {
				far = s
			}
		}
		straight := math.Hypot(far.X-from.X, far.Y-from.Y) / MaxSpeed // s
		limit := int((1.25*straight + 1) * DefaultTickRate)
		w, human, bot := botDuel(t, m, far.X, far.Y, from.X, from.Y)
		ticks := 0
		for ; ticks < limit; ticks++ {
			human.protect, human.hasNext = 0, true // idle, never stale
			if bot.brain.target == human.id && bot.brain.visible {
				break
			}
			step(w)
		}
		worst = math.Max(worst, float64(ticks)/DefaultTickRate/straight)
		if ticks >= limit {
			t.Errorf("bot from spawn %d (%v,%v) did not sight its target at (%v,%v) within %.1f s; it got to (%.0f,%.0f)",
				i, from.X, from.Y, far.X, far.Y, float64(limit)/DefaultTickRate, bot.X, bot.Y)
		}
	}
	t.Logf("slowest hunt: %.2f× the straight run", worst)
}
