package game

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Rect is an axis-aligned wall: X,Y is the top-left corner.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Point is a position in world units.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Map is an arena: its size, its walls and its spawn points. A Map returned by
// ParseMap is valid and must not be modified afterwards: Worlds share it and
// read it without locks, so it is safe for concurrent reads.
type Map struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Walls  []Rect  `json:"walls"`
	Spawns []Point `json:"spawns"`
}

// Limits on map files. They bound the work a Step does per player and
// projectile (every wall is tested), and keep positions well inside the range
// the wire's pos encoding (units × 8 in an int) can carry.
const (
	MaxMapSize   = 20000 // largest width or height, world units
	MaxMapWalls  = 256
	MaxMapSpawns = 64
	maxMapIDLen  = 64
	maxMapName   = 128
)

// ErrInvalidMap is wrapped by every error ParseMap returns.
var ErrInvalidMap = errors.New("game: invalid map")

// ParseMap decodes and validates a JSON map file (see assets/maps). Unknown
// fields are rejected so that a typo in a hand-written map fails loudly
// instead of silently dropping a wall. The map must have a positive size, walls
// of positive size inside the arena, and at least one spawn point where a
// player fits (inside the arena and clear of every wall by PlayerRadius).
func ParseMap(data []byte) (*Map, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Map
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrInvalidMap, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the map object", ErrInvalidMap)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Map) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidMap, m.ID, fmt.Sprintf(format, args...))
	}
	if m.ID == "" || len(m.ID) > maxMapIDLen {
		return bad("id must be 1..%d characters", maxMapIDLen)
	}
	// The id names the file clients fetch (/assets/maps/{id}.json), so it is
	// restricted to characters that need no escaping in a URL path.
	for _, c := range m.ID {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return bad("id may only contain a-z, 0-9, '-' and '_'")
		}
	}
	if len(m.Name) > maxMapName {
		return bad("name longer than %d bytes", maxMapName)
	}
	if !finitePositive(m.Width) || !finitePositive(m.Height) || m.Width > MaxMapSize || m.Height > MaxMapSize {
		return bad("size %gx%g must be positive and at most %d", m.Width, m.Height, MaxMapSize)
	}
	if m.Width < 4*PlayerRadius || m.Height < 4*PlayerRadius {
		return bad("size %gx%g is too small for a player", m.Width, m.Height)
	}
	if len(m.Walls) > MaxMapWalls {
		return bad("%d walls, at most %d", len(m.Walls), MaxMapWalls)
	}
	for i, r := range m.Walls {
		if !finite(r.X) || !finite(r.Y) || !finitePositive(r.W) || !finitePositive(r.H) {
			return bad("wall %d (%g,%g %gx%g) must have finite coordinates and positive size", i, r.X, r.Y, r.W, r.H)
		}
		if r.X < 0 || r.Y < 0 || r.X+r.W > m.Width || r.Y+r.H > m.Height {
			return bad("wall %d (%g,%g %gx%g) is outside the arena", i, r.X, r.Y, r.W, r.H)
		}
	}
	if len(m.Spawns) == 0 {
		return bad("no spawn points")
	}
	if len(m.Spawns) > MaxMapSpawns {
		return bad("%d spawn points, at most %d", len(m.Spawns), MaxMapSpawns)
	}
	for i, s := range m.Spawns {
		if !finite(s.X) || !finite(s.Y) {
			return bad("spawn %d has non-finite coordinates", i)
		}
		if s.X < PlayerRadius || s.Y < PlayerRadius || s.X > m.Width-PlayerRadius || s.Y > m.Height-PlayerRadius {
			return bad("spawn %d (%g,%g) is outside the arena", i, s.X, s.Y)
		}
		if w, ok := m.circleHitsWall(s.X, s.Y, PlayerRadius); ok {
			return bad("spawn %d (%g,%g) is inside wall %d", i, s.X, s.Y, w)
		}
	}
	return nil
}

// circleHitsWall reports the first wall (in map order) that a circle overlaps.
// Touching is not overlapping, matching the movement resolver.
func (m *Map) circleHitsWall(x, y, r float64) (int, bool) {
	for i := range m.Walls {
		if circleOverlapsRect(x, y, r, &m.Walls[i]) {
			return i, true
		}
	}
	return -1, false
}

// segmentClear reports whether a circle of radius pad can travel from (x0,y0)
// to (x1,y1) without touching a wall (and without leaving the arena).
func (m *Map) segmentClear(x0, y0, x1, y1, pad float64) bool {
	_, hit := m.segmentHit(x0, y0, x1-x0, y1-y0, pad)
	return !hit
}

// segmentHit returns the smallest t in [0,1] at which a circle of radius pad
// moving from (x0,y0) along (dx,dy) touches a wall or the arena's edge.
func (m *Map) segmentHit(x0, y0, dx, dy, pad float64) (float64, bool) {
	best, hit := 2.0, false
	for i := range m.Walls {
		if t, ok := segmentRectT(x0, y0, dx, dy, &m.Walls[i], pad); ok && t < best {
			best, hit = t, true
		}
	}
	// The arena's edge acts as a wall even if the map forgot its border.
	if t, ok := segmentLeavesBox(x0, y0, dx, dy, pad, m.Width-pad, pad, m.Height-pad); ok && t < best {
		best, hit = t, true
	}
	return best, hit
}

func finite(v float64) bool         { return !math.IsNaN(v) && !math.IsInf(v, 0) }
func finitePositive(v float64) bool { return finite(v) && v > 0 }
