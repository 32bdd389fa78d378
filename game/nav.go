package game

import "math"

// nav is a coarse walkability grid over the map, used by bots to find their
// way to a target they cannot see instead of running into the wall between
// them. It is built once per World; searches reuse its buffers, so path
// finding inside Step allocates nothing.
type nav struct {
	cell       float64 // cell size, world units
	cols, rows int
	walk       []bool  // a player fits at the cell's centre
	parent     []int32 // BFS tree, valid where seen == gen
	seen       []uint32
	gen        uint32
	queue      []int32
}

// navMaxCells bounds a grid side so a huge map costs bounded memory and
// search time; navCell is the preferred resolution (two player radii).
const (
	navMaxCells = 128
	navCell     = 2 * PlayerRadius
)

func newNav(m *Map) *nav {
	cell := math.Max(navCell, math.Max(m.Width, m.Height)/navMaxCells)
	n := &nav{cell: cell, cols: int(math.Ceil(m.Width / cell)), rows: int(math.Ceil(m.Height / cell))}
	size := n.cols * n.rows
	n.walk = make([]bool, size)
	n.parent = make([]int32, size)
	n.seen = make([]uint32, size)
	n.queue = make([]int32, 0, size)
	for r := range n.rows {
		for c := range n.cols {
			x, y := n.centre(int32(r*n.cols + c))
			inside := x >= PlayerRadius && y >= PlayerRadius && x <= m.Width-PlayerRadius && y <= m.Height-PlayerRadius
			_, hit := m.circleHitsWall(x, y, PlayerRadius+1)
			n.walk[r*n.cols+c] = inside && !hit
		}
	}
	return n
}

func (n *nav) centre(i int32) (float64, float64) {
	c, r := int(i)%n.cols, int(i)/n.cols
	return (float64(c) + 0.5) * n.cell, (float64(r) + 0.5) * n.cell
}

// cellAt returns the walkable cell nearest (x,y) within one ring, or -1.
func (n *nav) cellAt(x, y float64) int32 {
	c0, r0 := int(x/n.cell), int(y/n.cell)
	best, bestD := int32(-1), math.Inf(1)
	for dr := -1; dr <= 1; dr++ {
		for dc := -1; dc <= 1; dc++ {
			c, r := c0+dc, r0+dr
			if c < 0 || r < 0 || c >= n.cols || r >= n.rows || !n.walk[r*n.cols+c] {
				continue
			}
			i := int32(r*n.cols + c)
			cx, cy := n.centre(i)
			if d := (cx-x)*(cx-x) + (cy-y)*(cy-y); d < bestD {
				best, bestD = i, d
			}
		}
	}
	return best
}

// waypoint returns where a player at (fx,fy) should head to reach (tx,ty):
// the furthest point along the grid's shortest path that is in plain sight
// of the player (so movement is a straight line, not a staircase). ok is
// false when there is no path.
func (n *nav) waypoint(m *Map, fx, fy, tx, ty float64) (x, y float64, ok bool) {
	from, to := n.cellAt(fx, fy), n.cellAt(tx, ty)
	if from < 0 || to < 0 {
		return 0, 0, false
	}
	if from == to {
		return tx, ty, true
	}
	n.gen++
	if n.gen == 0 { // wrapped: clear stale marks once every 2³² searches
		clear(n.seen)
		n.gen = 1
	}
	q := n.queue[:0]
	q = append(q, from)
	n.seen[from], n.parent[from] = n.gen, -1
	found := false
	for head := 0; head < len(q) && !found; head++ {
		i := q[head]
		c, r := int(i)%n.cols, int(i)/n.cols
		for k := range 4 {
			nc, nr := c, r
			switch k {
			case 0:
				nc++
			case 1:
				nc--
			case 2:
				nr++
			default:
				nr--
			}
			if nc < 0 || nr < 0 || nc >= n.cols || nr >= n.rows {
				continue
			}
			j := int32(nr*n.cols + nc)
			if !n.walk[j] || n.seen[j] == n.gen {
				continue
			}
			n.seen[j], n.parent[j] = n.gen, i
			if j == to {
				found = true
				break
			}
			q = append(q, j)
		}
	}
	if !found {
		n.queue = q[:0]
		return 0, 0, false
	}
	// Reuse the queue as the path, target first. Then walk it from the
	// start and head for the last cell still in plain sight: usually a
	// few checks, and it cuts the grid's staircase into straight runs.
	path := q[:0]
	for i := to; i != from; i = n.parent[i] {
		path = append(path, i)
	}
	n.queue = path[:0]
	x, y = n.centre(path[len(path)-1]) // the neighbour of the start: always fine
	for k := len(path) - 2; k >= 0; k-- {
		cx, cy := n.centre(path[k])
		if !m.segmentClear(fx, fy, cx, cy, PlayerRadius) {
			break
		}
		x, y = cx, cy
	}
	return x, y, true
}
