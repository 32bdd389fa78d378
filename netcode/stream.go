package netcode

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/skirmish-game/skirmish/game"
)

// ringSize is how many snapshots a hub keeps and how many frames a stream
// remembers: a client's baseline older than that is gone, and it gets a
// complete snapshot (PROTOCOL.md §1.10).
const ringSize = 32

// A stream is what the server sends one seat: the frames it sent on the
// seat's current pipe (each with the picture it gives the client), the
// newest one the client acknowledged, the client's view and its byte
// budget. It lives with the seat, not the socket (Quake 3's client_t keeps
// its frames and netchan apart from the socket too): a resumed pipe starts
// complete again (its client may have lost its pictures with a reload), but
// keeps its view, its budget and what it owed.
//
// The hub's encoder goroutine plans and records frames; the seat's reader
// goroutine records acks and views. Both hold mu, which is only ever held
// for the planning of one frame.
type stream struct {
	mu     sync.Mutex
	player game.PlayerID
	pipe   *conn  // the connection the frames below were sent on
	view   View   // declared and clamped; zero: the default
	ack    uint32 // the newest tick the client acknowledged on pipe, 0: none

	frames [ringSize]sentFrame // the last frames planned on pipe, by slot
	next   int                 // the slot written next

	// The send budget: a token bucket in bytes (Config.MaxSendRate).
	tokens    float64
	refilled  uint32 // the tick tokens were last refilled at; 0: never
	prio      []waiting
	prioSpare []waiting
}

// sentFrame is one frame a stream planned: its tick and the picture the
// client has once it applies it, entity by entity. An entity's value is
// the hub's snapshot of that tick, or, for one the budget held back, the
// override the client computed for it (moved as predicted).
type sentFrame struct {
	tick          uint32 // 0: an empty slot
	players       []picEntry
	projectiles   []picEntry
	ovPlayers     []WirePlayer
	ovProjectiles []WireProjectile
	// whole: the picture is the snapshot of tick itself, every entity of it
	// at its value (sharedplan.go).
	whole bool
}

// picEntry is one entity of a picture: its id, and the index of its value
// among the frame's overrides, or -1 for the snapshot's value.
type picEntry struct {
	id uint32
	ov int32
}

// waiting is an entity the budget held back, with its accumulated priority.
type waiting struct {
	key uint64 // kind<<32 | id
	acc float64
}

// start makes c the stream's pipe: nothing sent on it, nothing
// acknowledged, so its first frame is complete.
func (st *stream) start(c *conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pipe, st.ack = c, 0
	for i := range st.frames {
		st.frames[i].tick, st.frames[i].whole = 0, false
	}
}

// acknowledge records c's client's ackTick. It reports false for an ack
// that names no frame sent on c that is still remembered (a tick in the
// future, never sent, or long gone), which the server counts: the stream
// then has no baseline, and the client gets complete snapshots until it
// acknowledges a frame it has. 0 means none and is no error.
func (st *stream) acknowledge(c *conn, tick uint32) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pipe != c {
		return true // a replaced pipe's acks mean nothing
	}
	if tick == 0 || st.frame(tick) == nil {
		st.ack = 0
		return tick == 0
	}
	st.ack = tick
	return true
}

// setView records the view c's client declared (already clamped).
func (st *stream) setView(c *conn, v View) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pipe == c {
		st.view = v
	}
}

// charge takes n bytes of hub frames sent to c from the budget.
func (st *stream) charge(c *conn, n int) {
	st.mu.Lock()
	if st.pipe == c {
		st.tokens -= float64(n)
	}
	st.mu.Unlock()
}

// frame returns the remembered frame of tick, or nil.
func (st *stream) frame(tick uint32) *sentFrame {
	if tick == 0 {
		return nil
	}
	for i := range st.frames {
		if st.frames[i].tick == tick {
			return &st.frames[i]
		}
	}
	return nil
}

// newest returns the last frame planned, or nil.
func (st *stream) newest() *sentFrame {
	f := &st.frames[(st.next+ringSize-1)%ringSize]
	if f.tick == 0 {
		return nil
	}
	return f
}

// Entity kinds, actions and a plan: what one recipient gets for one
// snapshot tick.
type entityKind uint8

const (
	kindPlayer entityKind = iota
	kindProjectile
)

type action uint8

const (
	actEnter  action = iota + 1 // sent complete: new to the picture (or the whole frame is complete)
	actChange                   // sent as a change entry
	actGone                     // listed as gone
)

// planEntry is one entity a frame carries.
type planEntry struct {
	kind   entityKind
	act    action
	idx    int32 // actEnter: the entity's index in the snapshot
	id     uint32
	change Change // actChange
}

// plan is a frame for one recipient: its bytes follow from the plan and
// the snapshot alone, so recipients with equal plans (the same baseline,
// the same entities and changes) share one frame, encoded once.
type plan struct {
	base    uint32      // the baseline's tick; 0: a complete snapshot
	entries []planEntry // per kind, in id order
	hash    uint64
}

func (p *plan) equal(q *plan) bool {
	return p.hash == q.hash && p.base == q.base && slices.Equal(p.entries, q.entries)
}

func (p *plan) rehash() {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * prime }
	mix(uint64(p.base))
	for i := range p.entries {
		e := &p.entries[i]
		mix(uint64(e.kind)<<40 | uint64(e.act)<<32 | uint64(e.id))
		mix(uint64(e.idx))
		mix(uint64(e.change.Mask))
		for f, v := range e.change.Values {
			if e.change.Mask&(1<<f) != 0 {
				mix(uint64(v))
			}
		}
	}
	p.hash = h
}

// planEnv is what a hub knows when it plans a snapshot tick.
type planEnv struct {
	cur        *WireState                   // the snapshot
	snapshot   func(tick uint32) *WireState // the hub's ring
	mapW, mapH float64                      // world units
	tickRate   int
	sendRate   float64    // bytes per second; 0: no budget
	share      *planShare // the tick's shared plans
}

// planResult says what became of one recipient's plan, for the counters.
type planResult struct {
	ok           bool // a frame is due (false: not this stream's pipe, or the budget holds it back)
	heldBack     bool // a complete snapshot the budget held back
	baselineLost bool // the acknowledged baseline had left the ring
	deferred     int  // entities the budget held back
}

// candidate is an entity a delta could carry, with what it costs and how
// much it is owed.
type candidate struct {
	entry  planEntry
	cost   int
	prio   float64
	must   bool // the player itself, or an entity whose prediction leaves the wire's range
	sent   bool
	inBase bool           // in the baseline's picture (a change or a same), as opposed to new
	bp     WirePlayer     // its baseline value, players
	bj     WireProjectile // its baseline value, projectiles
	same   bool           // in the baseline and unchanged: free, always "sent"
	key    uint64         // kind<<32 | id
	weight float64
}

// planScratch is a hub's reused memory for planning.
type planScratch struct {
	cands []candidate
	order []int
}

// plan decides what c's client gets for env.cur (PROTOCOL.md §1.10): a
// complete snapshot of its view when it has acknowledged no frame that is
// still in the ring, else a delta against the newest one it acknowledged;
// with a budget, the entities it cannot afford wait, and their priority
// grows while they wait. It records the frame (and the picture the client
// will have) and fills p.
func (st *stream) plan(c *conn, env *planEnv, sc *planScratch, p *plan) planResult {
	st.mu.Lock()
	defer st.mu.Unlock()
	var res planResult
	if st.pipe != c {
		return res
	}
	cur := env.cur
	if env.sendRate > 0 {
		burst := env.sendRate * budgetWindow
		if st.refilled == 0 {
			st.tokens = burst
		} else if cur.Tick > st.refilled {
			st.tokens = min(burst, st.tokens+env.sendRate*float64(cur.Tick-st.refilled)/float64(env.tickRate))
		}
		st.refilled = cur.Tick
	}

	// The view: the camera rectangle around the player, plus the margin.
	view := st.view
	if view == (View{}) {
		view = View{Width: ViewBoxWidth, Height: ViewBoxHeight}
	}
	cx, cy := env.mapW/2, env.mapH/2
	self := cur.player(st.player)
	if self >= 0 {
		cx, cy = DequantizePos(cur.Players[self].X), DequantizePos(cur.Players[self].Y)
	}
	near := viewAround(view, env.mapW, env.mapH, cx, cy, ViewMargin)
	keep := viewAround(view, env.mapW, env.mapH, cx, cy, ViewMargin+ViewHysteresis)
	last := st.newest()

	// The baseline: the newest acknowledged frame, if it and its snapshot
	// are still remembered.
	var base *sentFrame
	var baseSnap *WireState
	if st.ack != 0 {
		base, baseSnap = st.frame(st.ack), env.snapshot(st.ack)
		// The slot this frame goes to must not be the baseline's: a
		// baseline ringSize frames old is as good as gone.
		if base == nil || baseSnap == nil || base == &st.frames[st.next] || cur.Tick <= st.ack || cur.Tick-st.ack > maxDeltaSpan {
			base, baseSnap = nil, nil
			res.baselineLost = true
			st.ack = 0
		}
	}
	if base == nil && env.sendRate > 0 && st.tokens <= 0 {
		res.heldBack = true // a complete snapshot waits for the budget to refill
		return res
	}
	var key uint32 // the baseline's tick, 0 for none: what a shared plan is for
	if base != nil {
		key = st.ack
	}
	if env.share.usable(base) {
		if sp := env.share.find(key); sp != nil && (env.sendRate <= 0 || float64(sp.cost) <= st.tokens) {
			st.reuse(sp, cur.Tick, p)
			res.ok = true
			return res
		}
	}

	// What the client should see: itself, its projectiles, and whatever is
	// in its view (or, if it has it already, not far beyond).
	visible := func(kind entityKind, id uint32, x, y int32, owner game.PlayerID) bool {
		switch {
		case owner == st.player: // itself (owner is the player's own id) or its own projectile
			return true
		case near.holds(x, y):
			return true
		}
		return last != nil && keep.holds(x, y) && last.has(kind, id)
	}
	weight := func(kind entityKind, x, y int32, owner game.PlayerID) float64 {
		d := math.Hypot(DequantizePos(x)-cx, DequantizePos(y)-cy)
		w := weightPlayer
		if kind == kindProjectile {
			w = weightProjectile
			if owner == st.player {
				w = weightOwnProjectile
			}
		}
		return w / (1 + d/ViewMargin)
	}

	span, rate := int64(0), int64(env.tickRate)
	if base != nil {
		span = int64(cur.Tick - st.ack)
	}
	sc.cands = sc.cands[:0]
	// Players: the baseline's picture merged with the view, by id.
	bi := 0
	var bPlayers []picEntry
	if base != nil {
		bPlayers = base.players
	}
	for i := range cur.Players {
		q := &cur.Players[i]
		for bi < len(bPlayers) && bPlayers[bi].id < uint32(q.ID) {
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindPlayer, act: actGone, id: bPlayers[bi].id}, must: true,
				cost: intSize(int64(bPlayers[bi].id))})
			bi++
		}
		inBase := bi < len(bPlayers) && bPlayers[bi].id == uint32(q.ID)
		vis := visible(kindPlayer, uint32(q.ID), q.X, q.Y, q.ID)
		switch {
		case inBase && !vis:
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindPlayer, act: actGone, id: uint32(q.ID)}, must: true,
				cost: intSize(int64(q.ID))})
		case inBase:
			bp := base.player(bPlayers[bi], baseSnap)
			c := candidate{inBase: true, bp: bp, key: uint64(q.ID), weight: weight(kindPlayer, q.X, q.Y, 0),
				must: q.ID == st.player}
			if ch, changed := diffPlayer(&bp, q, span, rate); changed {
				c.entry = planEntry{kind: kindPlayer, act: actChange, id: uint32(q.ID), change: ch}
				c.cost = changeSize(&ch)
				if _, ok := advancePlayer(bp, span, rate); !ok {
					c.must = true
				}
			} else {
				c.entry, c.same = planEntry{kind: kindPlayer, id: uint32(q.ID)}, true
			}
			sc.cands = append(sc.cands, c)
		case vis:
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindPlayer, act: actEnter, idx: int32(i), id: uint32(q.ID)},
				cost: wirePlayerSize(q), key: uint64(q.ID), weight: weight(kindPlayer, q.X, q.Y, 0), must: q.ID == st.player || base == nil})
		}
		if inBase {
			bi++
		}
	}
	for ; bi < len(bPlayers); bi++ {
		sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindPlayer, act: actGone, id: bPlayers[bi].id}, must: true,
			cost: intSize(int64(bPlayers[bi].id))})
	}
	// Projectiles, likewise.
	bi = 0
	var bProjs []picEntry
	if base != nil {
		bProjs = base.projectiles
	}
	for i := range cur.Projectiles {
		q := &cur.Projectiles[i]
		for bi < len(bProjs) && bProjs[bi].id < q.ID {
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindProjectile, act: actGone, id: bProjs[bi].id}, must: true,
				cost: intSize(int64(bProjs[bi].id))})
			bi++
		}
		inBase := bi < len(bProjs) && bProjs[bi].id == q.ID
		vis := visible(kindProjectile, q.ID, q.X, q.Y, q.Owner)
		key := 1<<32 | uint64(q.ID)
		switch {
		case inBase && !vis:
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindProjectile, act: actGone, id: q.ID}, must: true,
				cost: intSize(int64(q.ID))})
		case inBase:
			bj := base.projectile(bProjs[bi], baseSnap)
			c := candidate{inBase: true, bj: bj, key: key, weight: weight(kindProjectile, q.X, q.Y, q.Owner)}
			if ch, changed := diffProjectile(&bj, q, span, rate); changed {
				c.entry = planEntry{kind: kindProjectile, act: actChange, id: q.ID, change: ch}
				c.cost = changeSize(&ch)
				if _, ok := advanceProjectile(bj, span, rate); !ok {
					c.must = true
				}
			} else {
				c.entry, c.same = planEntry{kind: kindProjectile, id: q.ID}, true
			}
			sc.cands = append(sc.cands, c)
		case vis:
			sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindProjectile, act: actEnter, idx: int32(i), id: q.ID},
				cost: wireProjectileSize(q), key: key, weight: weight(kindProjectile, q.X, q.Y, q.Owner), must: base == nil})
		}
		if inBase {
			bi++
		}
	}
	for ; bi < len(bProjs); bi++ {
		sc.cands = append(sc.cands, candidate{entry: planEntry{kind: kindProjectile, act: actGone, id: bProjs[bi].id}, must: true,
			cost: intSize(int64(bProjs[bi].id))})
	}

	var cost int
	res.deferred, cost = st.choose(env, sc)

	// The plan, and the frame the client will have.
	p.base = 0
	if base != nil {
		p.base = st.ack
	}
	p.entries = p.entries[:0]
	f := &st.frames[st.next]
	f.tick = cur.Tick
	f.players, f.projectiles = f.players[:0], f.projectiles[:0]
	f.ovPlayers, f.ovProjectiles = f.ovPlayers[:0], f.ovProjectiles[:0]
	for i := range sc.cands {
		c := &sc.cands[i]
		e := &c.entry
		switch {
		case c.same:
			f.add(e.kind, e.id, -1)
		case c.sent:
			if e.act != actGone {
				f.add(e.kind, e.id, -1)
			}
			p.entries = append(p.entries, *e)
		case c.inBase: // a change held back: the client moves it as predicted
			if e.kind == kindPlayer {
				v, _ := advancePlayer(c.bp, span, rate)
				f.add(kindPlayer, e.id, int32(len(f.ovPlayers)))
				f.ovPlayers = append(f.ovPlayers, v)
			} else {
				v, _ := advanceProjectile(c.bj, span, rate)
				f.add(kindProjectile, e.id, int32(len(f.ovProjectiles)))
				f.ovProjectiles = append(f.ovProjectiles, v)
			}
		}
		// a new entity held back stays out of the picture
	}
	f.whole = len(f.ovPlayers) == 0 && len(f.ovProjectiles) == 0 &&
		len(f.players) == len(cur.Players) && len(f.projectiles) == len(cur.Projectiles)
	st.next = (st.next + 1) % ringSize
	p.rehash()
	if f.whole && env.share.usable(base) {
		env.share.add(key, cost, p, f)
	}
	res.ok = true
	return res
}

func (f *sentFrame) add(kind entityKind, id uint32, ov int32) {
	if kind == kindPlayer {
		f.players = append(f.players, picEntry{id: id, ov: ov})
	} else {
		f.projectiles = append(f.projectiles, picEntry{id: id, ov: ov})
	}
}

// has reports whether the frame's picture holds the entity.
func (f *sentFrame) has(kind entityKind, id uint32) bool {
	list := f.players
	if kind == kindProjectile {
		list = f.projectiles
	}
	_, found := slices.BinarySearchFunc(list, id, func(e picEntry, id uint32) int { return cmp.Compare(e.id, id) })
	return found
}

// player returns the picture's value of a player: its override, or the
// snapshot's.
func (f *sentFrame) player(e picEntry, snap *WireState) WirePlayer {
	if e.ov >= 0 {
		return f.ovPlayers[e.ov]
	}
	return snap.Players[snap.player(game.PlayerID(e.id))]
}

// projectile returns the picture's value of a projectile.
func (f *sentFrame) projectile(e picEntry, snap *WireState) WireProjectile {
	if e.ov >= 0 {
		return f.ovProjectiles[e.ov]
	}
	i, _ := slices.BinarySearchFunc(snap.Projectiles, e.id, func(p WireProjectile, id uint32) int { return cmp.Compare(p.ID, id) })
	return snap.Projectiles[i]
}
