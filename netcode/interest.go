package netcode

import (
	"errors"
	"math"
)

// Interest management (PROTOCOL.md §1.10): each player receives the
// entities inside its view — the rectangle its camera shows, around it,
// plus a margin — and always itself and its own projectiles; an entity
// that enters the view arrives complete. This is Colyseus's StateView and
// Unreal's net relevancy, decided per recipient from the view the client
// declares (the view message) rather than from a fixed screen, because only
// the client knows its window and its zoom.

// View limits and defaults, in world units.
const (
	// ViewBoxWidth and ViewBoxHeight are the view box of PROTOCOL.md §4: no
	// client shows more of the world than 1600 × 1000 at once (the camera
	// zooms so that its window's wider side spans it). It is the view of a
	// client that has not declared one, and the most a declared view gets:
	// more would be a wall-hack by declaration.
	ViewBoxWidth  = 1600
	ViewBoxHeight = 1000
	// MinViewSize bounds a declared view's width and height from below: no
	// window shows less.
	MinViewSize = 320
	// ViewMargin is added on every side of the view: an entity is sent while
	// it is up to this far outside the view, so that it is in the client's
	// picture before it can be seen. It covers a snapshot interval of a
	// projectile (800 units/s × 50 ms = 40), the camera's lag and the
	// prediction lead (PROTOCOL.md §4: about 21 units at full speed, plus
	// speed × input delay), the interpolation delay (about 100 ms of
	// another player's movement, 26 units) and what moves into view before
	// the next snapshot, with room to spare.
	ViewMargin = 256
	// ViewHysteresis is how much further out an entity the client already
	// has may go before it is removed, so that one hovering on the edge does
	// not enter (complete) and leave every snapshot.
	ViewHysteresis = 128
)

// errBadView is a view message whose sizes are not positive finite numbers.
var errBadView = errors.New("netcode: view width and height must be positive finite numbers")

// clampView checks a declared view and brings it within the limits.
func clampView(v View) (View, error) {
	for _, d := range [...]float64{v.Width, v.Height} {
		if math.IsNaN(d) || math.IsInf(d, 0) || d <= 0 {
			return View{}, errBadView
		}
	}
	return View{
		Width:  min(max(v.Width, MinViewSize), ViewBoxWidth),
		Height: min(max(v.Height, MinViewSize), ViewBoxHeight),
	}, nil
}

// viewRect is an axis-aligned rectangle in world units.
type viewRect struct{ x0, y0, x1, y1 float64 }

// viewAround is the camera rectangle of view v around a player at (x, y)
// (world units) on a map of mapW × mapH, grown by margin on every side, by
// the camera rule of PROTOCOL.md §4: a map within the view box is shown
// whole (the arena), a larger one follows the player, the camera kept
// inside the map (an axis shorter than the view is shown whole). The rectangle
// always covers the part of the map a camera centred on the player would
// show, whichever of the two a client draws.
func viewAround(v View, mapW, mapH, x, y, margin float64) viewRect {
	axis := func(size, mapSize, at float64) (float64, float64) {
		half := size / 2
		centre := mapSize / 2
		if size < mapSize {
			centre = min(max(at, half), mapSize-half)
		}
		return centre - half - margin, centre + half + margin
	}
	if mapW <= ViewBoxWidth && mapH <= ViewBoxHeight {
		v = View{Width: mapW, Height: mapH} // shown whole, whatever the window (§4 rule 2)
	}
	var r viewRect
	r.x0, r.x1 = axis(v.Width, mapW, x)
	r.y0, r.y1 = axis(v.Height, mapH, y)
	return r
}

// holds reports whether the wire position (x, y) is inside r.
func (r viewRect) holds(x, y int32) bool {
	wx, wy := DequantizePos(x), DequantizePos(y)
	return wx >= r.x0 && wx <= r.x1 && wy >= r.y0 && wy <= r.y1
}
