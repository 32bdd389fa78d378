package game

import (
	"math"
	"testing"
)

const dt30 = 1.0 / 30

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

func TestStepMovementVelocity(t *testing.T) {
	open := boxMap()
	tests := []struct {
		name      string
		start     Body
		mx, my    float64
		ticks     int
		wantVX    float64
		wantVY    float64
		wantSpeed float64 // checked when wantVX/VY are NaN
	}{
		{"accel one tick", Body{X: 500, Y: 500}, 1, 0, 1, Accel * dt30, 0, 0},
		{"accel reaches max speed", Body{X: 500, Y: 500}, 1, 0, 5, MaxSpeed, 0, 0},
		{"never exceeds max speed", Body{X: 300, Y: 500}, 1, 0, 30, MaxSpeed, 0, 0},
		{"left and up", Body{X: 500, Y: 500}, -1, 0, 10, -MaxSpeed, 0, 0},
		{"diagonal normalised", Body{X: 500, Y: 500}, 1, 1, 10, MaxSpeed / math.Sqrt2, MaxSpeed / math.Sqrt2, 0},
		{"over-long wish is scaled", Body{X: 500, Y: 500}, 3, 4, 10, MaxSpeed * 0.6, MaxSpeed * 0.8, 0},
		{"half stick half speed", Body{X: 500, Y: 500}, 0.5, 0, 10, MaxSpeed / 2, 0, 0},
		{"friction one tick", Body{X: 500, Y: 500, VX: MaxSpeed}, 0, 0, 1, MaxSpeed - Friction*dt30, 0, 0},
		{"friction stops", Body{X: 500, Y: 500, VX: MaxSpeed}, 0, 0, 10, 0, 0, 0},
		{"friction keeps direction", Body{X: 500, Y: 500, VX: 120, VY: -160}, 0, 0, 1,
			120 * (200 - Friction*dt30) / 200, -160 * (200 - Friction*dt30) / 200, 0},
		{"reversing decelerates first", Body{X: 500, Y: 500, VX: MaxSpeed}, -1, 0, 1, MaxSpeed - Accel*dt30, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.start
			for range tc.ticks {
				b = StepMovement(b, tc.mx, tc.my, dt30, open)
			}
			if !near(b.VX, tc.wantVX, 1e-9) || !near(b.VY, tc.wantVY, 1e-9) {
				t.Fatalf("velocity = (%v, %v), want (%v, %v)", b.VX, b.VY, tc.wantVX, tc.wantVY)
			}
		})
	}
}

func TestStepMovementPosition(t *testing.T) {
	open := boxMap()
	b := Body{X: 500, Y: 500, VX: MaxSpeed}
	b = StepMovement(b, 1, 0, dt30, open)
	if want := 500 + MaxSpeed*dt30; !near(b.X, want, 1e-9) || b.Y != 500 {
		t.Fatalf("at full speed moved to (%v,%v), want (%v,500)", b.X, b.Y, want)
	}
}

func TestStepMovementWalls(t *testing.T) {
	// A pillar in the middle of the room, x 400..600, y 400..600.
	m := boxMap(Rect{X: 400, Y: 400, W: 200, H: 200})
	tests := []struct {
		name   string
		start  Body
		mx, my float64
		ticks  int
		check  func(t *testing.T, b Body)
	}{
		{
			name: "stops at wall face", start: Body{X: 300, Y: 500}, mx: 1, ticks: 60,
			check: func(t *testing.T, b Body) {
				if !near(b.X, 400-PlayerRadius, 1e-6) || b.VX != 0 {
					t.Fatalf("x=%v vx=%v, want resting at %v with vx 0", b.X, b.VX, 400-PlayerRadius)
				}
			},
		},
		{
			name: "slides along wall", start: Body{X: 300, Y: 590}, mx: 1, my: -0.5, ticks: 20,
			check: func(t *testing.T, b Body) {
				if !near(b.X, 400-PlayerRadius, 1e-6) {
					t.Fatalf("x=%v, want against the face at %v", b.X, 400-PlayerRadius)
				}
				if b.Y > 520 || b.VY >= 0 || b.VX != 0 {
					t.Fatalf("y=%v v=(%v,%v): not sliding up along the face", b.Y, b.VX, b.VY)
				}
			},
		},
		{
			name: "slides around a corner", start: Body{X: 300, Y: 405}, mx: 1, my: -0.2, ticks: 60,
			check: func(t *testing.T, b Body) {
				if b.X < 600 {
					t.Fatalf("x=%v: stuck on the corner instead of passing above it", b.X)
				}
			},
		},
		{
			name: "border wall", start: Body{X: 100, Y: 100}, mx: -1, my: -1, ticks: 60,
			check: func(t *testing.T, b Body) {
				if !near(b.X, 20+PlayerRadius, 1e-6) || !near(b.Y, 20+PlayerRadius, 1e-6) {
					t.Fatalf("(%v,%v), want wedged in the corner at (%v,%v)", b.X, b.Y, 20+PlayerRadius, 20+PlayerRadius)
				}
			},
		},
		{
			name: "pushed out when starting inside", start: Body{X: 410, Y: 500}, ticks: 1,
			check: func(t *testing.T, b Body) {
				if !near(b.X, 400-PlayerRadius, 1e-6) {
					t.Fatalf("x=%v, want pushed out of the near face to %v", b.X, 400-PlayerRadius)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.start
			for range tc.ticks {
				b = StepMovement(b, tc.mx, tc.my, dt30, m)
				if _, hit := m.circleHitsWall(b.X, b.Y, PlayerRadius-1e-6); hit {
					t.Fatalf("overlapping a wall at (%v,%v)", b.X, b.Y)
				}
			}
			tc.check(t, b)
		})
	}
}

// At a very low tick rate one step covers more than a player's diameter;
// substeps must still stop the player at a thin wall.
func TestStepMovementNoTunnelling(t *testing.T) {
	m := boxMap(Rect{X: 500, Y: 0, W: 4, H: 1000})
	b := Body{X: 470, Y: 500, VX: MaxSpeed}
	for range 10 {
		b = StepMovement(b, 1, 0, 0.5, m) // 130 units per step
	}
	if b.X > 500 {
		t.Fatalf("tunnelled through a 4-unit wall: x=%v", b.X)
	}
}

// Arena edge clamping holds even on a map without border walls.
func TestStepMovementArenaEdge(t *testing.T) {
	m := &Map{ID: "open", Width: 200, Height: 200, Spawns: []Point{{X: 100, Y: 100}}}
	b := Body{X: 100, Y: 100}
	for range 60 {
		b = StepMovement(b, 1, 1, dt30, m)
	}
	if b.X != 200-PlayerRadius || b.Y != 200-PlayerRadius || b.VX != 0 || b.VY != 0 {
		t.Fatalf("got %+v, want clamped at the corner with zero velocity", b)
	}
}
