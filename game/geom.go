package game

import "math"

// Geometry used by movement, projectiles and bots. Everything here is a pure
// function of its arguments so the client can port it line for line.

// closestOnRect returns the point of r closest to (x,y) (clamping each axis).
func closestOnRect(x, y float64, r *Rect) (float64, float64) {
	return clamp(x, r.X, r.X+r.W), clamp(y, r.Y, r.Y+r.H)
}

// circleOverlapsRect reports whether a circle strictly overlaps r: a circle
// that merely touches an edge does not, so a player resting against a wall is
// not pushed every tick.
func circleOverlapsRect(x, y, radius float64, r *Rect) bool {
	cx, cy := closestOnRect(x, y, r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy < radius*radius
}

// pushOutOfRect moves a circle overlapping r to the nearest position where it
// only touches r and returns the new centre and the unit normal it was pushed
// along. ok is false when the circle did not overlap.
//
// When the centre is outside the rectangle the push is along the line from the
// closest point on r to the centre (this rounds corners, so players slide
// smoothly around them). When the centre is inside (possible only after a
// large step), the push is out through the nearest side.
func pushOutOfRect(x, y, radius float64, r *Rect) (nx, ny, normX, normY float64, ok bool) {
	cx, cy := closestOnRect(x, y, r)
	dx, dy := x-cx, y-cy
	d2 := dx*dx + dy*dy
	if d2 >= radius*radius {
		return x, y, 0, 0, false
	}
	if d2 > 0 {
		d := math.Sqrt(d2)
		normX, normY = dx/d, dy/d
		push := radius - d
		return x + normX*push, y + normY*push, normX, normY, true
	}
	// Centre inside: distances to each side; leave through the smallest.
	left, right := x-r.X, r.X+r.W-x
	top, bottom := y-r.Y, r.Y+r.H-y
	switch m := math.Min(math.Min(left, right), math.Min(top, bottom)); m {
	case left:
		return r.X - radius, y, -1, 0, true
	case right:
		return r.X + r.W + radius, y, 1, 0, true
	case top:
		return x, r.Y - radius, 0, -1, true
	default:
		return x, r.Y + r.H + radius, 0, 1, true
	}
}

// segmentRectT returns the smallest t in [0,1] at which the point
// (x0,y0)+t·(dx,dy) enters r grown by pad on every side (the slab method). A
// segment that starts inside hits at t=0.
func segmentRectT(x0, y0, dx, dy float64, r *Rect, pad float64) (float64, bool) {
	tmin, tmax := 0.0, 1.0
	if !slab(x0, dx, r.X-pad, r.X+r.W+pad, &tmin, &tmax) {
		return 0, false
	}
	if !slab(y0, dy, r.Y-pad, r.Y+r.H+pad, &tmin, &tmax) {
		return 0, false
	}
	return tmin, true
}

// slab narrows [tmin,tmax] to where p+t·d lies within [lo,hi] on one axis and
// reports whether anything is left. Touching the boundary counts as inside
// only for a moving point, so a projectile grazing a wall edge exactly is not
// stopped by it.
func slab(p, d, lo, hi float64, tmin, tmax *float64) bool {
	if d == 0 {
		return p > lo && p < hi
	}
	t1, t2 := (lo-p)/d, (hi-p)/d
	if t1 > t2 {
		t1, t2 = t2, t1
	}
	if t1 > *tmin {
		*tmin = t1
	}
	if t2 < *tmax {
		*tmax = t2
	}
	return *tmin < *tmax
}

// segmentLeavesBox returns the smallest t in [0,1] at which (x0,y0)+t·(dx,dy)
// is outside [minX,maxX]×[minY,maxY]; a start outside leaves at t=0.
func segmentLeavesBox(x0, y0, dx, dy, minX, maxX, minY, maxY float64) (float64, bool) {
	if x0 < minX || x0 > maxX || y0 < minY || y0 > maxY {
		return 0, true
	}
	t, hit := 2.0, false
	edge := func(p, d, lo, hi float64) {
		switch {
		case d > 0 && p+d > hi:
			if s := (hi - p) / d; s < t {
				t, hit = s, true
			}
		case d < 0 && p+d < lo:
			if s := (lo - p) / d; s < t {
				t, hit = s, true
			}
		}
	}
	edge(x0, dx, minX, maxX)
	edge(y0, dy, minY, maxY)
	return t, hit
}

// segmentCircleT returns the smallest t in [0,1] at which (x0,y0)+t·(dx,dy)
// is within radius of (cx,cy). A segment that starts inside hits at t=0.
func segmentCircleT(x0, y0, dx, dy, cx, cy, radius float64) (float64, bool) {
	fx, fy := x0-cx, y0-cy
	c := fx*fx + fy*fy - radius*radius
	if c <= 0 {
		return 0, true
	}
	a := dx*dx + dy*dy
	if a == 0 {
		return 0, false
	}
	b := fx*dx + fy*dy // half of the usual b
	disc := b*b - a*c
	if disc < 0 {
		return 0, false
	}
	t := (-b - math.Sqrt(disc)) / a
	if t < 0 || t > 1 {
		return 0, false
	}
	return t, true
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// angleDiff returns b-a wrapped into [-π, π].
func angleDiff(a, b float64) float64 {
	d := math.Remainder(b-a, 2*math.Pi)
	return d
}
