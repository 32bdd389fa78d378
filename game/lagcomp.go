package game

import "math"

// Lag compensation: a shot is judged against the other players where its
// shooter saw them, not where they are when the input reaches the server —
// Valve's Source lag compensation (a history of player positions, rewound to
// the command's view: "Latency Compensating Methods in Client/Server
// In-game Protocol Design and Optimization", Bernier 2001) with Overwatch's
// cap on how far the shooter is favoured (Tim Ford, "Overwatch Gameplay
// Architecture and Netcode", GDC 2017).
//
// Shots here travel, so rewinding the world at the moment of firing is not
// enough: the shot flies on through a world that keeps moving. The shooter
// saw its shot leave at view time V (Input.ViewTime, the client's
// interpolation time) and, in its view, the shot's flight segment j met the
// players as they were at V+j. The server fires at tick T > V. Its first
// sweep therefore catches the shot up through the history: segment j,
// for j from 0 up to R = T−V, is tested against the players' recorded
// positions at V+j (interpolated between ticks, as the client draws them);
// after that the shot is where the shooter saw it at T, and it is swept
// normally, segment j against the present at tick V+j. Every segment of the
// flight is thus judged against what the shooter saw, and the shot in the
// world is R ticks further along than an uncompensated one — exactly where
// the shooter's own client draws it, so its predicted shot hands over
// without a jump. R is clamped to WorldConfig.MaxRewind: a view older than
// that is judged as if it were that old, and a victim is never wronged by
// more (see docs/ARCHITECTURE.md for the trade-offs).
//
// Walls do not move, so they need no history. The history holds each
// player's centre, whether they were alive and which life it was, for the
// last ⌈MaxRewind⌉ ticks, as every snapshot showed them (a later Redo of a
// player's movement does not rewrite what others saw). A shot is tested
// against a player in the past only if they are alive now and were alive in
// the same life then: nobody is hit through a life they no longer have.

// histEntry is one player after one tick.
type histEntry struct {
	id    PlayerID
	alive bool
	life  uint32
	x, y  float64
}

// history is a ring of the players' positions after each of the last
// len(ticks) ticks: frame i holds tick ticks[i] (0: none), its entries
// (sorted by id) are entries[i*stride:][:count[i]]. Everything is allocated
// once, by newHistory: recording and looking up never allocate.
type history struct {
	ticks   []uint32
	count   []int
	entries []histEntry
	stride  int
	max     float64 // WorldConfig.MaxRewind
}

// newHistory returns a history for rewinds of up to maxRewind ticks with up
// to players players; none at all when maxRewind is 0.
func newHistory(maxRewind float64, players int) history {
	if maxRewind <= 0 {
		return history{}
	}
	// A rewind of r reads ticks down to ⌊T−r⌋ ≥ T−⌈r⌉; tick T itself is
	// the live state.
	n := int(math.Ceil(maxRewind)) + 1
	return history{
		ticks:   make([]uint32, n),
		count:   make([]int, n),
		entries: make([]histEntry, n*players),
		stride:  players,
		max:     maxRewind,
	}
}

// record stores where everyone is after this tick.
func (w *World) record() {
	h := &w.hist
	if len(h.ticks) == 0 {
		return
	}
	i := int(w.tick % uint32(len(h.ticks)))
	h.ticks[i] = w.tick
	frame := h.entries[i*h.stride : (i+1)*h.stride]
	for k := range w.players {
		p := &w.players[k]
		frame[k] = histEntry{id: p.id, alive: p.alive, life: p.life, x: p.X, y: p.Y}
	}
	h.count[i] = len(w.players)
}

// rewindFor returns how many ticks a shot fired now with the given view time
// catches up: how old the view is, at most MaxRewind, no further back than
// the history reaches (the first tick) and less than a shot's lifetime. 0
// without a view time or with compensation off.
func (w *World) rewindFor(view float64) float64 {
	if view <= 0 || w.hist.max == 0 {
		return 0
	}
	r := float64(w.tick) - view
	return max(0, min(r, w.hist.max, float64(w.tick-1), float64(w.timers.projLife-1)))
}

// catchUp sweeps a just-fired q through the q.rewind ticks of flight its
// shooter already saw it make, segment j against the players at T−rewind+j
// (see the top of the file), and takes those ticks off its lifetime. It
// reports whether the shot flies on.
func (w *World) catchUp(q *projectile) bool {
	r := q.rewind
	q.rewind = 0
	view := float64(w.tick) - r
	for a := 0.0; a < r; a++ {
		if !w.sweep(q, min(1, r-a), view+a) {
			return false
		}
	}
	q.life -= int(r)
	return true
}

// pastPosition returns where p was at time at (ticks, T−MaxRewind ≤ at < T):
// interpolated between the two recorded ticks around it, as a client's
// interpolation draws it. ok is false if p was not alive in this life at the
// earlier of the two; across a death or a tick missing from the history the
// earlier tick holds, as the client holds the earlier frame over a
// discontinuity.
func (w *World) pastPosition(p *player, at float64) (x, y float64, ok bool) {
	t0 := math.Floor(at)
	tick := uint32(t0)
	if x, y, ok = w.recorded(p, tick); !ok {
		return 0, 0, false
	}
	f := at - t0
	if f == 0 {
		return x, y, true
	}
	x1, y1, ok1 := w.recorded(p, tick+1)
	if !ok1 {
		return x, y, true
	}
	return x + (x1-x)*f, y + (y1-y)*f, true
}

// recorded returns where p was after tick (the live state for the current
// tick), if p was alive in this life then.
func (w *World) recorded(p *player, tick uint32) (x, y float64, ok bool) {
	if tick == w.tick {
		return p.X, p.Y, p.alive
	}
	h := &w.hist
	if len(h.ticks) == 0 {
		return 0, 0, false
	}
	i := int(tick % uint32(len(h.ticks)))
	if h.ticks[i] != tick {
		return 0, 0, false
	}
	frame := h.entries[i*h.stride : i*h.stride+h.count[i]]
	lo, hi := 0, len(frame) // binary search: frames are sorted by id
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if frame[m].id < p.id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(frame) || frame[lo].id != p.id {
		return 0, 0, false
	}
	e := &frame[lo]
	return e.x, e.y, e.alive && e.life == p.life
}
