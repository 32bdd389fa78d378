package game

import "math"

// Shot is a projectile's flight as the shared shot rules see it: its centre
// (world units) and velocity (units per second). SpawnShot and StepShot are
// the reference the browser client's predicted shots are ported from
// (client/src/net/shot.ts), pinned to the same golden vectors
// (testdata/shot_vectors.json), as StepMovement is for movement.
type Shot struct {
	X, Y   float64
	VX, VY float64
}

// SpawnShot returns the shot a player centred at (x, y) fires along aim
// (radians, 0 = +X, π/2 = +Y): from the centre, at ProjectileSpeed. Starting
// at the centre (never inside a wall, since movement keeps players out of
// walls) means a player pressed against a wall cannot shoot through it. It is
// pure (safe for concurrent use).
func SpawnShot(x, y, aim float64) Shot {
	sin, cos := math.Sincos(aim)
	return Shot{X: x, Y: y, VX: cos * ProjectileSpeed, VY: sin * ProjectileSpeed}
}

// StepShot sweeps s along its velocity for dt seconds against the map's walls
// and the arena's edge (a circle of ProjectileRadius, swept, so a fast shot
// cannot pass through a thin wall). It returns the shot after the step, the
// fraction t in [0, 1] of the step it travelled, and whether a wall stopped
// it: then next is where it touched the wall (t of the way) and the shot is
// over; a shot that starts inside a wall stops at t = 0. Touching a wall's
// face exactly while moving along it is not a hit. It does not test players:
// the World does (a shot stops at whatever it reaches first along the
// segment). Pure (safe for concurrent use).
func StepShot(s Shot, dt float64, m *Map) (next Shot, t float64, wall bool) {
	dx, dy := s.VX*dt, s.VY*dt
	t, wall = m.segmentHit(s.X, s.Y, dx, dy, ProjectileRadius)
	if !wall {
		t = 1
	}
	s.X += dx * t
	s.Y += dy * t
	return s, t, wall
}
