package netcode

import (
	"cmp"
	"math"
	"slices"
)

// The send budget (PROTOCOL.md §1.10): what a delta carries when all of it
// would exceed the bytes a player has left, and what the sums count.

// Priority weights of the budget: players over projectiles, a player's own
// projectiles over others', all falling with distance.
const (
	weightPlayer        = 1.0
	weightProjectile    = 0.5
	weightOwnProjectile = 2.0
	// budgetWindow is how many seconds of the send rate the budget saves up
	// at most: short bursts (a fight, a complete snapshot) pass, a stream
	// above the rate for longer waits.
	budgetWindow = 0.25
	// deltaHeader is the bytes of a delta besides its entries (the array
	// header, type, ticks, phase fields and six list headers), for the
	// budget's sums.
	deltaHeader = 22
)

// choose marks the candidates the frame carries: all of them when they
// fit the budget (or there is none); otherwise what must go (the player
// itself, removals) and then the others by accumulated priority — the
// entity's weight now plus what it was owed from earlier snapshots, Unreal
// Iris's and Halo: Reach's accumulating priority (David Aldridge, "I Shot
// You First", GDC 2011) — until the next one does not fit. What waits is
// owed its priority at the next snapshot, so nothing starves. It returns
// how many entities wait, and what all of them would cost.
func (st *stream) choose(env *planEnv, sc *planScratch) (deferred, total int) {
	total = deltaHeader
	for i := range sc.cands {
		total += sc.cands[i].cost
	}
	if env.sendRate <= 0 || float64(total) <= st.tokens {
		for i := range sc.cands {
			sc.cands[i].sent = !sc.cands[i].same
		}
		st.prio = st.prio[:0]
		return 0, total
	}
	// What each waiting entity is owed: the old list and the candidates are
	// both in key order (players, then projectiles, by id).
	left := st.tokens - deltaHeader
	sc.order = sc.order[:0]
	oi := 0
	for i := range sc.cands {
		c := &sc.cands[i]
		if c.same {
			continue
		}
		if c.must {
			c.sent = true
			left -= float64(c.cost)
			continue
		}
		for oi < len(st.prio) && st.prio[oi].key < c.key {
			oi++
		}
		c.prio = c.weight
		if oi < len(st.prio) && st.prio[oi].key == c.key {
			c.prio += st.prio[oi].acc
		}
		sc.order = append(sc.order, i)
	}
	slices.SortStableFunc(sc.order, func(a, b int) int { return cmp.Compare(sc.cands[b].prio, sc.cands[a].prio) })
	for _, i := range sc.order {
		c := &sc.cands[i]
		if float64(c.cost) > left {
			break
		}
		c.sent = true
		left -= float64(c.cost)
	}
	next := st.prioSpare[:0]
	for i := range sc.cands {
		c := &sc.cands[i]
		if !c.sent && !c.same && c.entry.act != actGone {
			next = append(next, waiting{key: c.key, acc: c.prio})
			deferred++
		}
	}
	st.prio, st.prioSpare = next, st.prio
	return deferred, total
}

// intSize is the bytes msgpack's smallest form of v takes.
func intSize(v int64) int {
	switch {
	case v >= -32 && v <= 127:
		return 1
	case v >= math.MinInt8 && v <= math.MaxUint8:
		return 2
	case v >= math.MinInt16 && v <= math.MaxUint16:
		return 3
	case v >= math.MinInt32 && v <= math.MaxUint32:
		return 5
	}
	return 9
}

// changeSize is the bytes of a change entry (its id counted whole: the
// gap is smaller, so the sum errs on the safe side).
func changeSize(c *Change) int {
	n := 1 + intSize(int64(c.ID)) + intSize(int64(c.Mask))
	for f, v := range c.Values {
		if c.Mask&(1<<f) != 0 {
			n += intSize(v)
		}
	}
	return n
}

func wirePlayerSize(p *WirePlayer) int {
	n := 1
	for _, v := range [...]int64{int64(p.ID), int64(p.X), int64(p.Y), int64(p.VX), int64(p.VY), int64(p.Aim), int64(p.Health),
		int64(p.Flags), int64(p.Kills), int64(p.Deaths), int64(p.RespawnTicks), int64(p.AckSeq), int64(p.InputSlack),
		int64(p.InputsSkipped), int64(p.InputsAwaited)} {
		n += intSize(v)
	}
	return n
}

func wireProjectileSize(p *WireProjectile) int {
	n := 1
	for _, v := range [...]int64{int64(p.ID), int64(p.Owner), int64(p.X), int64(p.Y), int64(p.VX), int64(p.VY), int64(p.ShotID)} {
		n += intSize(v)
	}
	return n
}
