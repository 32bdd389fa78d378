package game

import "math"

// FNV-1a 64-bit parameters.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hasher is FNV-1a over fixed-width little-endian words. A value type with no
// interface behind it, so hashing allocates nothing.
type hasher struct{ h uint64 }

func (h *hasher) u64(v uint64) {
	for range 8 {
		h.h ^= v & 0xff
		h.h *= fnvPrime
		v >>= 8
	}
}

func (h *hasher) f64(v float64) { h.u64(math.Float64bits(v)) }
func (h *hasher) int(v int)     { h.u64(uint64(v)) }

func (h *hasher) bool(v bool) {
	if v {
		h.u64(1)
	} else {
		h.u64(0)
	}
}

func (h *hasher) str(s string) {
	h.int(len(s))
	for i := 0; i < len(s); i++ {
		h.h ^= uint64(s[i])
		h.h *= fnvPrime
	}
}

func (h *hasher) input(in Input) {
	h.u64(uint64(in.Seq))
	h.f64(in.MoveX)
	h.f64(in.MoveY)
	h.f64(in.Aim)
	h.u64(uint64(in.Buttons))
	h.f64(in.ViewTime)
	h.u64(uint64(in.ShotID))
}

// Hash returns a hash of the full simulation state, for determinism tests:
// FNV-1a over every field that influences future Steps, in a fixed order,
// floats by their bits. Two Worlds with equal hashes will (barring a
// collision) evolve identically under the same calls.
func (w *World) Hash() uint64 {
	h := hasher{h: fnvOffset}
	h.u64(uint64(w.tick))
	h.u64(uint64(w.phase))
	h.int(w.phaseLeft)
	h.u64(uint64(w.endReason))
	h.u64(uint64(w.winner))
	h.u64(w.rng.s)
	h.u64(uint64(w.nextID))
	h.u64(uint64(w.nextProj))
	h.int(w.botNameStart)
	h.int(len(w.players))
	for i := range w.players {
		p := &w.players[i]
		h.u64(uint64(p.id))
		h.str(p.name)
		h.bool(p.bot)
		h.f64(p.X)
		h.f64(p.Y)
		h.f64(p.VX)
		h.f64(p.VY)
		h.f64(p.aim)
		h.int(p.health)
		h.bool(p.alive)
		h.int(p.kills)
		h.int(p.deaths)
		h.int(p.respawn)
		h.int(p.protect)
		h.int(p.reload)
		h.u64(uint64(p.life))
		h.bool(p.held)
		h.input(p.next)
		h.bool(p.hasNext)
		h.input(p.last)
		h.int(p.stale)
		h.u64(uint64(p.ackSeq))
		h.u64(uint64(p.redoFloor))
		for _, r := range p.redo {
			h.u64(uint64(r.tick))
			h.f64(r.before.X)
			h.f64(r.before.Y)
			h.f64(r.before.VX)
			h.f64(r.before.VY)
		}
		b := &p.brain
		h.u64(uint64(b.target))
		h.bool(b.visible)
		h.int(b.think)
		h.int(b.reaction)
		h.f64(b.aimErr)
		h.f64(b.strafe)
		h.int(b.strafeT)
		h.f64(b.wander)
		h.int(b.stuck)
		h.int(b.unstick)
		h.f64(b.lastX)
		h.f64(b.lastY)
		h.f64(b.wpX)
		h.f64(b.wpY)
		h.bool(b.hasWP)
		h.u64(uint64(b.seq))
	}
	h.int(len(w.projectiles))
	for i := range w.projectiles {
		q := &w.projectiles[i]
		h.u64(uint64(q.id))
		h.u64(uint64(q.owner))
		h.f64(q.x)
		h.f64(q.y)
		h.f64(q.vx)
		h.f64(q.vy)
		h.int(q.life)
		h.u64(uint64(q.shot))
		h.f64(q.rewind)
	}
	hs := &w.hist
	for i, tick := range hs.ticks {
		h.u64(uint64(tick))
		h.int(hs.count[i])
		for _, e := range hs.entries[i*hs.stride : i*hs.stride+hs.count[i]] {
			h.u64(uint64(e.id))
			h.bool(e.alive)
			h.u64(uint64(e.life))
			h.f64(e.x)
			h.f64(e.y)
		}
	}
	return h.h
}
