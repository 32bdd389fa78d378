package game

import "math"

// Body is the part of a player that movement reads and writes. It is exported,
// with StepMovement, as the reference the browser client's prediction is
// ported from (and tested against).
type Body struct {
	X, Y   float64 // centre, world units
	VX, VY float64 // units per second
}

// maxSubstep is the longest distance a body moves between two collision
// resolutions. Half the radius means no wall thinner than a player can be
// tunnelled through at any tick rate.
const maxSubstep = PlayerRadius / 2

// resolvePasses is how many times per substep the walls are re-checked after a
// push: a push out of one wall can push into another in a tight corner.
const resolvePasses = 4

// StepMovement advances one player's body by dt seconds under a move input.
// It is a pure function of its arguments (safe for concurrent use) so the
// client can replay it for prediction. The algorithm, in this exact order:
//
//  1. Wish: (moveX, moveY), scaled to length 1 if longer (Sanitize already
//     does this; repeated here so the function stands alone).
//  2. Velocity: if the wish is non-zero, the target velocity is
//     wish·MaxSpeed and the velocity moves straight toward it by at most
//     Accel·dt (snapping to it when closer). If the wish is zero, the speed
//     drops by Friction·dt (to zero when smaller), direction unchanged.
//  3. Position: the displacement v·dt is split into n = ceil(|v·dt| /
//     (PlayerRadius/2)) equal substeps (n ≥ 1). Each substep adds v·dt/n
//     using the velocity as it is after the previous substep's collisions.
//  4. Collision after each substep: up to 4 passes over the map's walls in
//     map order; for each wall the circle overlaps, push the centre out along
//     the normal (from the wall's closest point to the centre; through the
//     nearest side if the centre is inside), and if the velocity points into
//     the wall (v·n < 0) remove that component (v -= (v·n)·n), which is what
//     makes players slide along walls. A pass with no overlaps ends early.
//  5. Finally the centre is clamped to [R, Width-R]×[R, Height-R], zeroing
//     the velocity component that pushed it out.
func StepMovement(b Body, moveX, moveY, dt float64, m *Map) Body {
	// 1. wish
	if l := math.Hypot(moveX, moveY); l > 1 {
		moveX, moveY = moveX/l, moveY/l
	}
	// 2. velocity
	if moveX != 0 || moveY != 0 {
		dx, dy := moveX*MaxSpeed-b.VX, moveY*MaxSpeed-b.VY
		d, maxD := math.Hypot(dx, dy), Accel*dt
		if d <= maxD {
			b.VX, b.VY = moveX*MaxSpeed, moveY*MaxSpeed
		} else {
			b.VX += dx * (maxD / d)
			b.VY += dy * (maxD / d)
		}
	} else {
		s, drop := math.Hypot(b.VX, b.VY), Friction*dt
		if s <= drop {
			b.VX, b.VY = 0, 0
		} else {
			b.VX *= (s - drop) / s
			b.VY *= (s - drop) / s
		}
	}
	// 3. position in substeps, 4. collision after each
	dist := math.Hypot(b.VX, b.VY) * dt
	n := int(math.Ceil(dist / maxSubstep))
	if n < 1 {
		n = 1
	}
	sub := dt / float64(n)
	for range n {
		b.X += b.VX * sub
		b.Y += b.VY * sub
		b = resolveWalls(b, m)
	}
	// 5. arena bounds
	if b.X < PlayerRadius {
		b.X, b.VX = PlayerRadius, math.Max(b.VX, 0)
	} else if b.X > m.Width-PlayerRadius {
		b.X, b.VX = m.Width-PlayerRadius, math.Min(b.VX, 0)
	}
	if b.Y < PlayerRadius {
		b.Y, b.VY = PlayerRadius, math.Max(b.VY, 0)
	} else if b.Y > m.Height-PlayerRadius {
		b.Y, b.VY = m.Height-PlayerRadius, math.Min(b.VY, 0)
	}
	return b
}

// resolveWalls is step 4 of StepMovement.
func resolveWalls(b Body, m *Map) Body {
	for range resolvePasses {
		pushed := false
		for i := range m.Walls {
			x, y, nx, ny, ok := pushOutOfRect(b.X, b.Y, PlayerRadius, &m.Walls[i])
			if !ok {
				continue
			}
			pushed = true
			b.X, b.Y = x, y
			if vn := b.VX*nx + b.VY*ny; vn < 0 {
				b.VX -= vn * nx
				b.VY -= vn * ny
			}
		}
		if !pushed {
			break
		}
	}
	return b
}
