package game

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

// The browser client draws its own shots at once (predicted shots,
// client/src/net/shot.ts) with a TypeScript port of SpawnShot and StepShot.
// Both sides are pinned to one golden file, as movement is
// (movement_vectors_test.go): this test generates seeded cases, runs them
// through SpawnShot and StepShot and compares with
// testdata/shot_vectors.json; the client's shot.test.ts replays the same
// file through the port. After a deliberate change to the shot rules, the
// tuning or the maps, regenerate it with
//
//	go test ./game -run ShotVectors -update
//
// and commit the file with the change: the client test then fails until the
// port follows. Values are compared within vectorTolerance (math.Sincos and
// JavaScript's Math.sin/Math.cos may differ in the last bit).

const (
	shotVectorFile = "testdata/shot_vectors.json"
	shotVectorSeed = 20250107
)

// shotVectorDoc is the golden file. A flight is a spawn followed by steps of
// dt until the shot meets a wall or its lifetime runs out: spawn is
// [x, y, aim], each step [x, y, vx, vy, t, wall] (the shot after the step,
// the fraction of the step it travelled, and 1 if a wall stopped it).
type shotVectorDoc struct {
	Comment   string        `json:"comment"`
	Constants shotConstants `json:"constants"`
	Maps      []*Map        `json:"maps"`
	Flights   []shotFlight  `json:"flights"`
}

type shotConstants struct {
	ProjectileSpeed    float64 `json:"projectileSpeed"`
	ProjectileRadius   float64 `json:"projectileRadius"`
	ProjectileLifetime float64 `json:"projectileLifetime"`
	FireCooldown       float64 `json:"fireCooldown"`
}

type shotFlight struct {
	Name  string       `json:"name"`
	Map   string       `json:"map"`
	DT    float64      `json:"dt"`
	Spawn [3]float64   `json:"spawn"`
	Steps [][6]float64 `json:"steps"`
}

func TestShotVectors(t *testing.T) {
	want := generateShotVectors(t)
	if *updateVectors {
		data := encodeShotVectors(t, want)
		if err := os.WriteFile(shotVectorFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d flights, %d bytes", shotVectorFile, len(want.Flights), len(data))
		return
	}
	data, err := os.ReadFile(shotVectorFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./game -run ShotVectors -update)", err)
	}
	var got shotVectorDoc
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v", shotVectorFile, err)
	}
	stale := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s is stale: %s (regenerate with -update if the shot rules changed on purpose, then update client/src/net/shot.ts)",
			shotVectorFile, fmt.Sprintf(format, args...))
	}
	if got.Constants != want.Constants {
		stale("constants %+v, tuning.go has %+v", got.Constants, want.Constants)
	}
	if !reflect.DeepEqual(got.Maps, want.Maps) {
		stale("maps differ from the generator's")
	}
	if len(got.Flights) != len(want.Flights) {
		stale("%d flights, the generator makes %d", len(got.Flights), len(want.Flights))
	}
	maps := vectorMaps(got.Maps)
	near := func(a, b float64) bool { return math.Abs(a-b) <= vectorTolerance }
	for i, gf := range got.Flights {
		wf := want.Flights[i]
		if gf.Name != wf.Name || gf.Map != wf.Map || gf.DT != wf.DT || gf.Spawn != wf.Spawn || len(gf.Steps) != len(wf.Steps) {
			stale("flight %d (%s) does not match the generator's %s", i, gf.Name, wf.Name)
		}
		// Run the file's own flight through the rules: the file, not the
		// generator, is what the client is tested against.
		s := SpawnShot(gf.Spawn[0], gf.Spawn[1], gf.Spawn[2])
		for k, st := range gf.Steps {
			if k == 0 {
				// The spawn is checked through the first step's velocity.
				if !near(s.VX, st[2]) || !near(s.VY, st[3]) {
					t.Fatalf("flight %s: SpawnShot%v = %+v, file says velocity (%v,%v)", gf.Name, gf.Spawn, s, st[2], st[3])
				}
			}
			next, frac, wall := StepShot(s, gf.DT, maps[gf.Map])
			w := 0.0
			if wall {
				w = 1
			}
			for j, v := range [...]float64{next.X, next.Y, next.VX, next.VY, frac, w} {
				if !near(v, st[j]) {
					t.Fatalf("flight %s step %d: StepShot(%+v, %v) = %+v, %v, %v; file says %v",
						gf.Name, k, s, gf.DT, next, frac, wall, st)
				}
			}
			s = Shot{X: st[0], Y: st[1], VX: st[2], VY: st[3]}
		}
	}
}

// TestShotVectorsCoverage checks that the flights reach every branch a port
// could get wrong: walls hit from every side, the arena's edge, a thin wall,
// a shot that starts inside a wall, a graze along a wall's face, and flights
// that run out of lifetime.
func TestShotVectorsCoverage(t *testing.T) {
	doc := generateShotVectors(t)
	maps := vectorMaps(doc.Maps)
	life := ticksFor(ProjectileLifetime, 30)
	count := map[string]int{}
	for _, f := range doc.Flights {
		m := maps[f.Map]
		last := f.Steps[len(f.Steps)-1]
		switch {
		case last[5] == 0:
			count["lifetime"]++
		case last[4] == 0:
			count["starts in a wall"]++
		case last[0] <= ProjectileRadius+1e-9 || last[1] <= ProjectileRadius+1e-9 ||
			last[0] >= m.Width-ProjectileRadius-1e-9 || last[1] >= m.Height-ProjectileRadius-1e-9:
			count["arena edge"]++
		default:
			count["wall"]++
			switch {
			case math.Abs(last[2]) > math.Abs(last[3]) && last[2] > 0:
				count["wall from the left"]++
			case math.Abs(last[2]) > math.Abs(last[3]):
				count["wall from the right"]++
			case last[3] > 0:
				count["wall from above"]++
			default:
				count["wall from below"]++
			}
		}
		if len(f.Steps) == life && f.DT == 1.0/30 {
			count["full lifetime at 30 Hz"]++
		}
		if f.Spawn[2] == 0 || f.Spawn[2] == math.Pi/2 {
			count["axis-aligned"]++
		}
	}
	for _, k := range []string{"lifetime", "starts in a wall", "arena edge", "wall", "wall from the left",
		"wall from the right", "wall from above", "wall from below", "full lifetime at 30 Hz", "axis-aligned"} {
		if count[k] < 3 {
			t.Errorf("only %d flights end by %s; the vectors do not exercise it", count[k], k)
		}
	}
	t.Logf("flight endings: %v", count)
}

func generateShotVectors(tb testing.TB) shotVectorDoc {
	tb.Helper()
	maps := []*Map{arena(tb), syntheticMap()}
	doc := shotVectorDoc{
		Comment: "Golden vectors for game.SpawnShot and game.StepShot, shared by game/shot_vectors_test.go and " +
			"client/src/net/shot.test.ts. Generated: go test ./game -run ShotVectors -update. " +
			"spawn = [x, y, aim]; each step = [x, y, vx, vy, t, wall]: the shot after one StepShot of dt from the previous " +
			"step's shot (the first from SpawnShot), the fraction of the step travelled, 1 if a wall or the arena edge stopped it.",
		Constants: shotConstants{
			ProjectileSpeed: ProjectileSpeed, ProjectileRadius: ProjectileRadius,
			ProjectileLifetime: ProjectileLifetime, FireCooldown: FireCooldown,
		},
		Maps: maps,
	}
	rng := rand.New(rand.NewPCG(shotVectorSeed, shotVectorSeed^0x9e3779b97f4a7c15))
	uniform := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	dt := func() float64 {
		switch rng.IntN(4) {
		case 0, 1:
			return 1.0 / 30
		case 2:
			return 1.0 / 60
		default:
			return 1.0 / float64([]int{10, 20, 64, 128}[rng.IntN(4)])
		}
	}
	for _, m := range maps {
		add := func(kind string, i int, x, y, aim, dt float64) {
			doc.Flights = append(doc.Flights, runFlight(fmt.Sprintf("%s/%s/%d", m.ID, kind, i), m, x, y, aim, dt))
		}
		for i := range 60 { // anywhere, any direction
			add("random", i, uniform(0, m.Width), uniform(0, m.Height), uniform(-math.Pi, math.Pi), dt())
		}
		for i := range 40 { // from a free spot at a wall, axis-aligned or not
			r := &m.Walls[rng.IntN(len(m.Walls))]
			aims := [...]float64{0, math.Pi / 2, math.Pi, -math.Pi / 2}
			side := rng.IntN(4)
			var x, y float64
			switch side {
			case 0: // left of the wall, shooting right
				x, y = r.X-uniform(20, 200), uniform(r.Y, r.Y+r.H)
			case 1: // below, shooting up
				x, y = uniform(r.X, r.X+r.W), r.Y+r.H+uniform(20, 200)
			case 2: // right, shooting left
				x, y = r.X+r.W+uniform(20, 200), uniform(r.Y, r.Y+r.H)
			default: // above, shooting down
				x, y = uniform(r.X, r.X+r.W), r.Y-uniform(20, 200)
			}
			aim := aims[[...]int{0, 3, 2, 1}[side]]
			if i%2 == 1 {
				aim += uniform(-0.3, 0.3)
			}
			add("at-wall", i, x, y, aim, dt())
		}
		for i := range 8 { // from inside a wall: stopped at once
			r := &m.Walls[rng.IntN(len(m.Walls))]
			add("inside-wall", i, uniform(r.X, r.X+r.W), uniform(r.Y, r.Y+r.H), uniform(-math.Pi, math.Pi), dt())
		}
	}
	// Fixed flights that must always be present.
	fixed := []struct {
		name       string
		x, y, aim  float64
		dt         float64
		mapIndex   int
		whyPresent string
	}{
		{"open-lane-full-lifetime", 50, 100, 0, 1.0 / 30, 0, "the lane along y=100 is clear: the shot runs out first"},
		{"open-lane-full-lifetime-2", 50, 900, 0, 1.0 / 30, 0, "the lane along y=900 is clear"},
		{"open-lane-full-lifetime-3", 1550, 900, math.Pi, 1.0 / 30, 0, "the same lane, the other way"},
		{"graze-along-wall-face", 100, 200 - ProjectileRadius, 0, 1.0 / 30, 0, "exactly touching a face is not a hit (aim 0: VY is exactly 0)"},
		{"thin-wall", 60, 100, 0, 1.0 / 30, 1, "a 4-unit wall stops an 800 u/s shot"},
		{"arena-corner", 1500, 900, math.Pi / 4, 1.0 / 60, 0, "out through the corner"},
		{"straight-down-edge", 100, 950, math.Pi / 2, 1.0 / 30, 0, "starts close to the bottom edge"},
		{"aim-beyond-pi", 800, 380, 7.5, 1.0 / 30, 0, "an aim the World never gets (Sanitize wraps it) still spawns the same way"},
		{"open-lane-60hz", 50, 100, 0, 1.0 / 60, 0, "lifetime in ticks at another rate"},
		{"open-lane-vertical", 120, 100, math.Pi / 2, 1.0 / 30, 0, "a clear column"},
		{"open-lane-vertical-2", 1480, 100, math.Pi / 2, 1.0 / 30, 0, "a clear column"},
	}
	for _, f := range fixed {
		m := maps[f.mapIndex]
		doc.Flights = append(doc.Flights, runFlight(m.ID+"/fixed/"+f.name, m, f.x, f.y, f.aim, f.dt))
	}
	return doc
}

// runFlight spawns a shot and steps it as the World does until it stops at a
// wall or has flown its lifetime (in whole ticks at 1/dt Hz).
func runFlight(name string, m *Map, x, y, aim, dt float64) shotFlight {
	f := shotFlight{Name: name, Map: m.ID, DT: dt, Spawn: [3]float64{x, y, aim}}
	s := SpawnShot(x, y, aim)
	for range ticksFor(ProjectileLifetime, int(math.Round(1/dt))) {
		next, frac, wall := StepShot(s, dt, m)
		w := 0.0
		if wall {
			w = 1
		}
		f.Steps = append(f.Steps, [6]float64{next.X, next.Y, next.VX, next.VY, frac, w})
		if wall {
			break
		}
		s = next
	}
	return f
}

// encodeShotVectors writes one flight per line so that a regenerated file
// diffs readably.
func encodeShotVectors(tb testing.TB, doc shotVectorDoc) []byte {
	tb.Helper()
	js := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"comment\": %s,\n  \"constants\": %s,\n  \"maps\": [\n", js(doc.Comment), js(doc.Constants))
	for i, m := range doc.Maps {
		fmt.Fprintf(&buf, "    %s%s\n", js(m), sep(i, len(doc.Maps)))
	}
	buf.WriteString("  ],\n  \"flights\": [\n")
	for i, f := range doc.Flights {
		fmt.Fprintf(&buf, "    %s%s\n", js(f), sep(i, len(doc.Flights)))
	}
	buf.WriteString("  ]\n}\n")
	if !json.Valid(buf.Bytes()) {
		tb.Fatal("encodeShotVectors produced invalid JSON")
	}
	return buf.Bytes()
}
