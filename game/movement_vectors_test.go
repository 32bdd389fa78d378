package game

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

// The browser client predicts its own player with a TypeScript port of
// StepMovement (client/src/net/movement.ts). Both sides are pinned to one
// golden file: this test generates seeded cases, runs them through
// StepMovement and compares with testdata/movement_vectors.json; the client's
// movement.test.ts replays the same file through the port. After a deliberate
// change to movement, tuning or the arena map, regenerate it with
//
//	go test ./game -run MovementVectors -update
//
// and commit the file with the change: the client test then fails until the
// port is updated to match.
//
// Results are compared within vectorTolerance rather than bit for bit: Go may
// fuse a*b+c into one FMA instruction on some architectures (arm64, amd64 v3),
// which moves the last bits. On amd64 v1 the port is bit-exact.

var updateVectors = flag.Bool("update", false, "rewrite testdata/movement_vectors.json from StepMovement")

const (
	vectorFile      = "testdata/movement_vectors.json"
	vectorTolerance = 1e-9
	vectorSeed      = 20240611
)

// vectorFileDoc is the golden file. Bodies and steps are arrays to keep it
// compact: a body is [x, y, vx, vy]; a step is [moveX, moveY, x, y, vx, vy],
// the input followed by the body StepMovement returns for it.
type vectorFileDoc struct {
	Comment   string          `json:"comment"`
	Constants vectorConstants `json:"constants"`
	Maps      []*Map          `json:"maps"`
	Cases     []vectorCase    `json:"cases"`
}

type vectorConstants struct {
	PlayerRadius float64 `json:"playerRadius"`
	MaxSpeed     float64 `json:"maxSpeed"`
	Accel        float64 `json:"accel"`
	Friction     float64 `json:"friction"`
}

// vectorCase is a start body and one or more steps of dt under the map; each
// step starts from the previous step's expected body.
type vectorCase struct {
	Name  string       `json:"name"`
	Map   string       `json:"map"`
	DT    float64      `json:"dt"`
	Start [4]float64   `json:"start"`
	Steps [][6]float64 `json:"steps"`
}

func bodyOf(v [4]float64) Body { return Body{X: v[0], Y: v[1], VX: v[2], VY: v[3]} }

func TestMovementVectors(t *testing.T) {
	want := generateVectors(t)
	if *updateVectors {
		data := encodeVectors(t, want)
		if err := os.WriteFile(vectorFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d cases, %d bytes", vectorFile, len(want.Cases), len(data))
		return
	}
	data, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./game -run MovementVectors -update)", err)
	}
	var got vectorFileDoc
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v", vectorFile, err)
	}
	stale := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s is stale: %s (regenerate with -update if movement changed on purpose, then update client/src/net/movement.ts)",
			vectorFile, fmt.Sprintf(format, args...))
	}
	if got.Constants != want.Constants {
		stale("constants %+v, tuning.go has %+v", got.Constants, want.Constants)
	}
	if !reflect.DeepEqual(got.Maps, want.Maps) {
		stale("maps differ from assets/maps/arena.json and the synthetic map")
	}
	if len(got.Cases) != len(want.Cases) {
		stale("%d cases, the generator makes %d", len(got.Cases), len(want.Cases))
	}
	maps := vectorMaps(got.Maps)
	for i, gc := range got.Cases {
		wc := want.Cases[i]
		if gc.Name != wc.Name || gc.Map != wc.Map || gc.DT != wc.DT || gc.Start != wc.Start || len(gc.Steps) != len(wc.Steps) {
			stale("case %d (%s) does not match the generator's %s", i, gc.Name, wc.Name)
		}
		// Run the file's own inputs through StepMovement: the file, not the
		// generator, is what the client is tested against.
		m := maps[gc.Map]
		b := bodyOf(gc.Start)
		for k, s := range gc.Steps {
			if s[0] != wc.Steps[k][0] || s[1] != wc.Steps[k][1] {
				stale("case %s step %d input (%v,%v), generator has (%v,%v)", gc.Name, k, s[0], s[1], wc.Steps[k][0], wc.Steps[k][1])
			}
			next := StepMovement(b, s[0], s[1], gc.DT, m)
			for j, v := range [4]float64{next.X, next.Y, next.VX, next.VY} {
				if math.Abs(v-s[2+j]) > vectorTolerance {
					t.Fatalf("case %s step %d: StepMovement(%+v, %v, %v, %v) = %+v, file says %v",
						gc.Name, k, b, s[0], s[1], gc.DT, next, s[2:])
				}
			}
			b = Body{X: s[2], Y: s[3], VX: s[4], VY: s[5]}
		}
	}
}

// TestMovementVectorsCoverage checks that the generated cases reach every
// branch of StepMovement, so a port that gets one wrong cannot pass.
func TestMovementVectorsCoverage(t *testing.T) {
	doc := generateVectors(t)
	maps := vectorMaps(doc.Maps)
	count := map[string]int{}
	for _, c := range doc.Cases {
		m := maps[c.Map]
		open := &Map{Width: m.Width, Height: m.Height} // same bounds, no walls
		b := bodyOf(c.Start)
		for _, s := range c.Steps {
			mx, my := s[0], s[1]
			got := Body{X: s[2], Y: s[3], VX: s[4], VY: s[5]}
			speed := math.Hypot(b.VX, b.VY)
			switch {
			case mx == 0 && my == 0 && speed > 0 && speed <= Friction*c.DT:
				count["friction stops"]++
			case mx == 0 && my == 0 && speed > 0:
				count["friction slows"]++
			case math.Hypot(mx, my) > 1:
				count["over-long wish"]++
			case mx != 0 || my != 0:
				count["accelerates"]++
			}
			if (speed-Accel*c.DT)*c.DT > 2*maxSubstep {
				count["several substeps"]++
			}
			for i := range m.Walls {
				r := &m.Walls[i]
				cx, cy := closestOnRect(b.X, b.Y, r)
				dx, dy := b.X-cx, b.Y-cy
				switch d2 := dx*dx + dy*dy; {
				case d2 == 0:
					count["starts inside a wall"]++
				case d2 == PlayerRadius*PlayerRadius:
					count["starts exactly touching"]++
				}
			}
			if free := StepMovement(b, mx, my, c.DT, open); free != got {
				count["collides"]++
			}
			if got.X == PlayerRadius || got.Y == PlayerRadius || got.X == m.Width-PlayerRadius || got.Y == m.Height-PlayerRadius {
				count["clamped to the arena"]++
			}
			b = got
		}
	}
	for _, k := range []string{
		"friction stops", "friction slows", "over-long wish", "accelerates", "several substeps",
		"starts inside a wall", "starts exactly touching", "collides", "clamped to the arena",
	} {
		if count[k] < 5 {
			t.Errorf("only %d steps where %s; the vectors do not exercise that branch", count[k], k)
		}
	}
	t.Logf("branch counts: %v", count)
}

func vectorMaps(ms []*Map) map[string]*Map {
	out := make(map[string]*Map, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// syntheticMap is small and dense with awkward geometry: a wall thinner than
// a player, a concave L corner, two walls sharing an edge, overlapping walls,
// a gap narrower than a player and a wall flush with the arena edge.
func syntheticMap() *Map {
	return &Map{
		ID: "synthetic", Name: "Synthetic", Width: 480, Height: 320,
		Walls: []Rect{
			{X: 120, Y: 40, W: 4, H: 120},      // thin
			{X: 200, Y: 200, W: 100, H: 20},    // L: horizontal
			{X: 280, Y: 120, W: 20, H: 80},     // L: vertical, concave corner at (280,200)
			{X: 340, Y: 40, W: 40, H: 40},      // two squares sharing an edge
			{X: 380, Y: 40, W: 40, H: 40},      //
			{X: 40, Y: 220, W: 60, H: 30},      // overlapping pair
			{X: 70, Y: 235, W: 60, H: 30},      //
			{X: 180, Y: 280, W: 40, H: 40},     // flush with the bottom edge
			{X: 150, Y: 100, W: 30, H: 10},     // gap of 24 (< 32) to the next
			{X: 204, Y: 100, W: 30, H: 10},     //
			{X: 440.5, Y: 150, W: 17.25, H: 3}, // non-integer geometry
		},
		Spawns: []Point{{X: 60, Y: 60}, {X: 420, Y: 280}},
	}
}

func generateVectors(tb testing.TB) vectorFileDoc {
	tb.Helper()
	maps := []*Map{arena(tb), syntheticMap()}
	doc := vectorFileDoc{
		Comment: "Golden vectors for game.StepMovement, shared by game/movement_vectors_test.go and " +
			"client/src/net/movement.test.ts. Generated: go test ./game -run MovementVectors -update. " +
			"start = [x, y, vx, vy]; each step = [moveX, moveY, x, y, vx, vy] (input, then the expected body), " +
			"and starts from the previous step's expected body.",
		Constants: vectorConstants{PlayerRadius: PlayerRadius, MaxSpeed: MaxSpeed, Accel: Accel, Friction: Friction},
		Maps:      maps,
	}
	rng := rand.New(rand.NewPCG(vectorSeed, vectorSeed^0x9e3779b97f4a7c15))
	for _, m := range maps {
		g := vectorGen{rng: rng, m: m}
		add := func(kind string, n int, one func() (Body, float64, [][2]float64)) {
			for i := range n {
				b, dt, inputs := one()
				doc.Cases = append(doc.Cases, runCase(fmt.Sprintf("%s/%s/%d", m.ID, kind, i), m, b, dt, inputs))
			}
		}
		add("random", 80, func() (Body, float64, [][2]float64) {
			return g.anyBody(), g.dt(), [][2]float64{g.input()}
		})
		add("near-wall", 80, func() (Body, float64, [][2]float64) {
			b, in := g.nearWall()
			return b, g.dt(), [][2]float64{in}
		})
		add("inside-wall", 24, func() (Body, float64, [][2]float64) {
			return g.insideWall(), g.dt(), [][2]float64{g.input()}
		})
		add("touching", 16, func() (Body, float64, [][2]float64) {
			b, in := g.touching()
			return b, g.dt(), [][2]float64{in}
		})
		add("corner", 24, func() (Body, float64, [][2]float64) {
			b, in := g.corner()
			return b, g.dt(), [][2]float64{in}
		})
		add("fast", 16, func() (Body, float64, [][2]float64) {
			return g.fastBody(), g.dt(), [][2]float64{g.input()}
		})
		add("run", 6, func() (Body, float64, [][2]float64) {
			dt := 1.0 / 30
			if g.rng.IntN(2) == 0 {
				dt = 1.0 / 60
			}
			return g.spawnBody(), dt, g.inputRun(45)
		})
	}
	// Fixed cases that must always be present, whatever the generator draws.
	m := maps[0]
	fixed := []struct {
		name   string
		b      Body
		dt     float64
		inputs [][2]float64
	}{
		{"idle", Body{X: 800, Y: 100}, 1.0 / 30, [][2]float64{{0, 0}}},
		{"zero dt", Body{X: 800, Y: 100, VX: 100, VY: -50}, 0, [][2]float64{{1, 0}}},
		{"centre of a square wall (ties leave left)", Body{X: 800, Y: 500}, 1.0 / 30, [][2]float64{{0, 0}}},
		{"arena corner", Body{X: 0, Y: 0, VX: -300, VY: -300}, 1.0 / 30, [][2]float64{{-1, -1}}},
		{"far outside", Body{X: -500, Y: 5000, VX: 10, VY: 10}, 1.0 / 60, [][2]float64{{0.3, -0.2}}},
		{"huge dt tunnels nothing", Body{X: 700, Y: 500, VX: MaxSpeed}, 0.5, [][2]float64{{1, 0}, {1, 0}, {1, 0}}},
	}
	for _, f := range fixed {
		doc.Cases = append(doc.Cases, runCase(m.ID+"/fixed/"+f.name, m, f.b, f.dt, f.inputs))
	}
	return doc
}

func runCase(name string, m *Map, b Body, dt float64, inputs [][2]float64) vectorCase {
	c := vectorCase{Name: name, Map: m.ID, DT: dt, Start: [4]float64{b.X, b.Y, b.VX, b.VY}}
	for _, in := range inputs {
		b = StepMovement(b, in[0], in[1], dt, m)
		c.Steps = append(c.Steps, [6]float64{in[0], in[1], b.X, b.Y, b.VX, b.VY})
	}
	return c
}

// encodeVectors writes one case per line so that a regenerated file diffs
// readably.
func encodeVectors(tb testing.TB, doc vectorFileDoc) []byte {
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
	buf.WriteString("  ],\n  \"cases\": [\n")
	for i, c := range doc.Cases {
		fmt.Fprintf(&buf, "    %s%s\n", js(c), sep(i, len(doc.Cases)))
	}
	buf.WriteString("  ]\n}\n")
	if !json.Valid(buf.Bytes()) {
		tb.Fatal("encodeVectors produced invalid JSON")
	}
	return buf.Bytes()
}

func sep(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

// vectorGen draws bodies and inputs for one map. Values are rounded to
// 1/64 or 1/1024 in some draws (like the wire's 1/8 quantization, exact in
// binary and short in JSON) and left at full precision in others.
type vectorGen struct {
	rng *rand.Rand
	m   *Map
}

func (g vectorGen) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

func (g vectorGen) maybeRound(v float64) float64 {
	switch g.rng.IntN(3) {
	case 0:
		return math.Round(v*64) / 64
	case 1:
		return math.Round(v*1024) / 1024
	default:
		return v
	}
}

// dt is mostly a real tick (30 or 60 Hz), sometimes another rate or an
// arbitrary value up to a tenth of a second.
func (g vectorGen) dt() float64 {
	switch g.rng.IntN(8) {
	case 0, 1, 2:
		return 1.0 / 30
	case 3, 4:
		return 1.0 / 60
	case 5:
		return 1.0 / float64([]int{10, 20, 64, 128, 240}[g.rng.IntN(5)])
	default:
		return g.uniform(0.001, 0.1)
	}
}

// velocity is zero, slow, around running speed, or past it.
func (g vectorGen) velocity() (float64, float64) {
	var s float64
	switch g.rng.IntN(5) {
	case 0:
		return 0, 0
	case 1:
		s = g.uniform(0, 50)
	case 2:
		s = MaxSpeed
	default:
		s = g.uniform(0, 1.5*MaxSpeed)
	}
	a := g.uniform(-math.Pi, math.Pi)
	return g.maybeRound(s * math.Cos(a)), g.maybeRound(s * math.Sin(a))
}

// input is what clients send: nothing, a key direction (unit or diagonal),
// a partial stick, or an over-long vector the step must scale down.
func (g vectorGen) input() [2]float64 {
	switch g.rng.IntN(6) {
	case 0:
		return [2]float64{0, 0}
	case 1, 2:
		dirs := [][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1},
			{math.Sqrt2 / 2, math.Sqrt2 / 2}, {-math.Sqrt2 / 2, math.Sqrt2 / 2},
			{math.Sqrt2 / 2, -math.Sqrt2 / 2}, {-math.Sqrt2 / 2, -math.Sqrt2 / 2}}
		return dirs[g.rng.IntN(len(dirs))]
	case 3:
		r, a := math.Sqrt(g.rng.Float64()), g.uniform(-math.Pi, math.Pi)
		return [2]float64{r * math.Cos(a), r * math.Sin(a)}
	case 4:
		return [2]float64{1, 1} // unnormalized diagonal, as a naive client sends
	default:
		return [2]float64{g.uniform(-2, 2), g.uniform(-2, 2)}
	}
}

// inputRun is n ticks of held keys, changing every few ticks.
func (g vectorGen) inputRun(n int) [][2]float64 {
	out := make([][2]float64, 0, n)
	in := g.input()
	for len(out) < n {
		if g.rng.IntN(8) == 0 {
			in = g.input()
		}
		out = append(out, in)
	}
	return out
}

func (g vectorGen) withVelocity(x, y float64) Body {
	vx, vy := g.velocity()
	return Body{X: x, Y: y, VX: vx, VY: vy}
}

// anyBody is anywhere in or a little outside the arena, walls included.
func (g vectorGen) anyBody() Body {
	return g.withVelocity(g.maybeRound(g.uniform(-20, g.m.Width+20)), g.maybeRound(g.uniform(-20, g.m.Height+20)))
}

func (g vectorGen) spawnBody() Body {
	s := g.m.Spawns[g.rng.IntN(len(g.m.Spawns))]
	return Body{X: s.X, Y: s.Y}
}

func (g vectorGen) wall() *Rect { return &g.m.Walls[g.rng.IntN(len(g.m.Walls))] }

// nearWall puts the centre within a radius and a bit of a random point on a
// wall's outline, moving and steering roughly into it.
func (g vectorGen) nearWall() (Body, [2]float64) {
	r := g.wall()
	var px, py, nx, ny float64
	switch g.rng.IntN(4) {
	case 0:
		px, py, nx, ny = r.X, g.uniform(r.Y, r.Y+r.H), -1, 0
	case 1:
		px, py, nx, ny = r.X+r.W, g.uniform(r.Y, r.Y+r.H), 1, 0
	case 2:
		px, py, nx, ny = g.uniform(r.X, r.X+r.W), r.Y, 0, -1
	default:
		px, py, nx, ny = g.uniform(r.X, r.X+r.W), r.Y+r.H, 0, 1
	}
	d := g.uniform(-4, PlayerRadius+6)
	b := g.withVelocity(g.maybeRound(px+nx*d), g.maybeRound(py+ny*d))
	if g.rng.IntN(2) == 0 { // aim the velocity into the wall so it slides
		b.VX, b.VY = -nx*g.uniform(50, MaxSpeed)+ny*g.uniform(-200, 200), -ny*g.uniform(50, MaxSpeed)+nx*g.uniform(-200, 200)
	}
	in := g.input()
	if g.rng.IntN(2) == 0 {
		in = [2]float64{-nx + ny*g.uniform(-0.7, 0.7), -ny + nx*g.uniform(-0.7, 0.7)}
	}
	return b, in
}

// insideWall puts the centre strictly inside a wall (after a large step a
// body can end up there), where the push leaves through the nearest side.
func (g vectorGen) insideWall() Body {
	r := g.wall()
	return g.withVelocity(g.uniform(r.X, r.X+r.W), g.uniform(r.Y, r.Y+r.H))
}

// touching rests the circle exactly against a wall face (no push: touching
// is not overlapping) and then moves it along or into the face.
func (g vectorGen) touching() (Body, [2]float64) {
	r := g.wall()
	var b Body
	var in [2]float64
	switch g.rng.IntN(4) {
	case 0:
		b, in = Body{X: r.X - PlayerRadius, Y: r.Y + r.H/2}, [2]float64{1, g.uniform(-1, 1)}
	case 1:
		b, in = Body{X: r.X + r.W + PlayerRadius, Y: r.Y + r.H/2}, [2]float64{-1, g.uniform(-1, 1)}
	case 2:
		b, in = Body{X: r.X + r.W/2, Y: r.Y - PlayerRadius}, [2]float64{g.uniform(-1, 1), 1}
	default:
		b, in = Body{X: r.X + r.W/2, Y: r.Y + r.H + PlayerRadius}, [2]float64{g.uniform(-1, 1), -1}
	}
	if g.rng.IntN(3) == 0 {
		in = [2]float64{0, 0}
	}
	return b, in
}

// corner approaches a wall corner or an arena corner diagonally.
func (g vectorGen) corner() (Body, [2]float64) {
	sx, sy := float64(1-2*g.rng.IntN(2)), float64(1-2*g.rng.IntN(2))
	var cx, cy float64
	if g.rng.IntN(3) == 0 { // arena corner: body heads out of bounds
		cx, cy = g.m.Width/2+sx*g.m.Width/2, g.m.Height/2+sy*g.m.Height/2
		sx, sy = -sx, -sy
	} else {
		r := g.wall()
		cx, cy = r.X+r.W/2+sx*r.W/2, r.Y+r.H/2+sy*r.H/2
	}
	d := g.uniform(0, 1.6*PlayerRadius)
	b := Body{X: g.maybeRound(cx + sx*d), Y: g.maybeRound(cy + sy*d)}
	s := g.uniform(0, MaxSpeed)
	b.VX, b.VY = -sx*s*g.uniform(0.3, 1), -sy*s*g.uniform(0.3, 1)
	return b, [2]float64{-sx, -sy}
}

// fastBody moves faster than any input makes it, so that one step needs
// several substeps even at 30 Hz.
func (g vectorGen) fastBody() Body {
	a, s := g.uniform(-math.Pi, math.Pi), g.uniform(3*MaxSpeed, 12*MaxSpeed)
	return Body{X: g.uniform(0, g.m.Width), Y: g.uniform(0, g.m.Height), VX: s * math.Cos(a), VY: s * math.Sin(a)}
}
