package netcode

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// hub is one match's match.Observer: it turns each tick into prepared
// frames and offers them to the connections in the match.
//
// OnTick and OnStop run on the match goroutine and do only what must be
// done there: copy the tick's events, quantize a snapshot into a reused
// buffer, queue both. The hub's own goroutine (the encoder) does the rest,
// in tick order: it encodes each tick's events once for everyone, keeps the
// last ringSize snapshots, plans each connection's frame (a complete
// snapshot or a delta against the snapshot its client acknowledged, the
// entities of its view, what its budget allows: stream.plan), and encodes
// one frame per group of connections with equal plans, offered to each —
// centrifuge's preparedData, per group rather than per match. Nothing is
// encoded per recipient, and the match goroutine never waits for it.
//
// Order: the encoder offers a tick's events before that tick's snapshot and
// never a snapshot before the events of an earlier tick, which is what the
// outbox (outbox.take) and PROTOCOL.md §1.5 rely on. The queue holds at
// most maxHubJobs ticks; a newer snapshot replaces a queued one (it would
// replace it in every outbox anyway), events are never dropped, and should
// the queue fill (the encoder starved of CPU for seconds), OnTick drains it
// itself before adding more, so memory stays bounded and order kept.
//
// The connection list is copy-on-write so that OnTick never takes the
// server's lock; it is changed only by Server.attach and Server.detach,
// under the server's lock.
type hub struct {
	srv      *Server
	match    *match.Match
	tickRate int    // Hz
	snapRate int    // Hz, 1..tickRate
	pingTick uint32 // a ping goes out every pingTick ticks (rtt.go); 0: never
	mapW     float64
	mapH     float64

	conns       atomic.Pointer[[]*conn]
	tick        atomic.Uint32 // the latest tick seen, for pongs
	stopped     atomic.Bool
	stopReason  atomic.Int32
	unsubscribe func() // set and called under srv.mu

	q    hubQueue
	wake chan struct{} // capacity 1
	quit chan struct{} // closed by shut
	shut func()        // stops the encoder goroutine (the hub's last connection left); idempotent

	encMu sync.Mutex // held by whoever encodes: the encoder goroutine, or OnTick draining a full queue
	enc   *Encoder
	ring  [ringSize]*WireState // the last snapshots planned against, by slot
	ringN int                  // snapshots put in the ring so far
	plans []plan               // one per connection, reused
	sc    planScratch
	share planShare  // the tick's plans that recipients with equal baselines share (sharedplan.go)
	group []hubGroup // the tick's groups, reused
	wire  WireState  // a complete frame's entities
	delta Delta      // a delta frame's entries
	jobs  []hubJob   // the batch being encoded

	log *slog.Logger // for encode failures, which cannot happen with sane match sizes
}

// hubJob is one tick's work: its events (copied) and its snapshot
// (quantized), either of which may be absent.
type hubJob struct {
	tick   uint32
	events []game.Event
	snap   *WireState
	stop   bool // OnStop: close the playing connections once everything before is out
}

// hubQueue is the jobs between the match goroutine and the encoder, with
// the buffers they recycle.
type hubQueue struct {
	mu         sync.Mutex
	jobs       []hubJob
	freeSnaps  []*WireState
	freeEvents [][]game.Event
	closed     bool
}

// hubGroup is the connections that get one frame.
type hubGroup struct {
	plan    *plan
	members []*conn
	streams []*stream
}

// maxHubJobs bounds the queue between a match and its encoder: two seconds
// of ticks with events at 30 Hz.
const maxHubJobs = 64

var _ match.Observer = (*hub)(nil)

func newHub(s *Server, m *match.Match, tickRate, snapRate int) *hub {
	h := &hub{
		srv:      s,
		match:    m,
		tickRate: tickRate,
		snapRate: snapRate,
		pingTick: pingTicks(s.cfg.PingInterval, tickRate),
		wake:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		enc:      NewEncoder(),
		log:      s.log.With("match", m.ID()),
	}
	if mp := m.Map(); mp != nil {
		h.mapW, h.mapH = mp.Width, mp.Height
	}
	h.shut = sync.OnceFunc(func() {
		h.q.mu.Lock()
		h.q.closed = true
		h.q.mu.Unlock()
		close(h.quit)
	})
	h.conns.Store(new([]*conn))
	return h
}

// run is the encoder goroutine: it encodes what the match queues until the
// hub is closed (its last connection left). The server's WaitGroup counts
// it.
func (h *hub) run() {
	defer h.srv.wg.Done()
	for {
		select {
		case <-h.wake:
			h.drain()
		case <-h.quit:
			return
		}
	}
}

// snapshotDue reports whether tick is a snapshot tick, by the match
// runtime's one rule for rates (match.TickDue): exactly snapRate snapshots per
// second of ticks, the same ticks for every connection of the match.
func (h *hub) snapshotDue(tick uint32) bool {
	return match.TickDue(tick, h.snapRate, h.tickRate)
}

// OnTick queues the tick's events (if any) and, on snapshot ticks, the
// snapshot, for the encoder. It never blocks on the encoder, except to
// drain a full queue itself.
func (h *hub) OnTick(s *game.Snapshot, events []game.Event) {
	h.tick.Store(s.Tick)
	conns := *h.conns.Load()
	if len(conns) == 0 {
		return
	}
	if h.pingTick > 0 && s.Tick%h.pingTick == 0 {
		// A ping is a control frame, not the encoder's: offered here, at its
		// tick, whatever the encoder's backlog (rtt.go).
		frame := h.srv.pingFrame()
		for _, c := range conns {
			if !c.out.offerEvents(h, frame, s.Tick) {
				c.closeWith(CloseTooSlow, closeNow, nil)
			}
		}
		h.srv.stats.pings.Add(uint64(len(conns)))
	}
	due := h.snapshotDue(s.Tick)
	if !due && len(events) == 0 {
		return
	}
	var snap *WireState
	var evs []game.Event
	h.q.mu.Lock()
	if h.q.closed {
		h.q.mu.Unlock()
		return
	}
	if due {
		snap = h.q.takeSnap()
	}
	if len(events) > 0 {
		evs = h.q.takeEvents()
	}
	h.q.mu.Unlock()
	if snap != nil {
		snap.Quantize(s) // outside the lock: the buffer is this goroutine's until queued
	}
	evs = append(evs, events...)
	h.push(hubJob{tick: s.Tick, events: evs, snap: snap})
}

// push queues a job, draining the queue first if it is full.
func (h *hub) push(j hubJob) {
	for {
		h.q.mu.Lock()
		if h.q.closed {
			h.q.mu.Unlock()
			return
		}
		if len(h.q.jobs) < maxHubJobs {
			if j.snap != nil {
				h.q.supersede()
			}
			h.q.jobs = append(h.q.jobs, j)
			h.q.mu.Unlock()
			break
		}
		h.q.mu.Unlock()
		h.drain() // the encoder is far behind: help, then queue
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// supersede drops the snapshots of queued jobs (a newer one is coming) and
// the jobs left with nothing; q.mu held.
func (q *hubQueue) supersede() {
	kept := q.jobs[:0]
	for _, j := range q.jobs {
		if j.snap != nil {
			q.freeSnaps = append(q.freeSnaps, j.snap)
			j.snap = nil
		}
		if j.events != nil || j.stop {
			kept = append(kept, j)
		}
	}
	clear(q.jobs[len(kept):])
	q.jobs = kept
}

// takeSnap and takeEvents return a recycled buffer or a new one; q.mu held.
func (q *hubQueue) takeSnap() *WireState {
	if n := len(q.freeSnaps); n > 0 {
		w := q.freeSnaps[n-1]
		q.freeSnaps = q.freeSnaps[:n-1]
		return w
	}
	return new(WireState)
}

func (q *hubQueue) takeEvents() []game.Event {
	if n := len(q.freeEvents); n > 0 {
		e := q.freeEvents[n-1]
		q.freeEvents = q.freeEvents[:n-1]
		return e[:0]
	}
	return make([]game.Event, 0, 8)
}

// OnStop closes every connection playing in the match, once everything
// queued before (the end event, the last snapshot) is offered: 1001
// on a server shutdown, else 4005. A connection still joining is left to
// its join, which either fails (ErrMatchStopped: quick play tries another
// match) or, having taken a seat, sees stopped once its welcome is out and
// closes then; one that has moved on to another match is not this hub's to
// close.
func (h *hub) OnStop(reason game.EndReason) {
	h.stopReason.Store(int32(reason))
	h.stopped.Store(true) // before the playing checks: see conn.welcome
	h.push(hubJob{stop: true})
	// Encode what is queued here, before returning: whoever waits for the
	// match to stop (a server shutdown closing every connection next) must
	// find the end event and the last snapshot already offered.
	h.drain()
}

// drain encodes everything queued, in order.
func (h *hub) drain() {
	h.encMu.Lock()
	defer h.encMu.Unlock()
	for {
		h.q.mu.Lock()
		if h.q.closed || len(h.q.jobs) == 0 {
			h.q.mu.Unlock()
			return
		}
		h.jobs, h.q.jobs = h.q.jobs, h.jobs[:0]
		h.q.mu.Unlock()
		for i := range h.jobs {
			h.encode(&h.jobs[i])
		}
		h.q.mu.Lock()
		for i := range h.jobs {
			j := &h.jobs[i]
			if j.events != nil {
				clear(j.events) // drop names for the collector
				h.q.freeEvents = append(h.q.freeEvents, j.events)
			}
			// a snapshot went into the ring; the one it pushed out is free
		}
		clear(h.jobs)
		h.q.mu.Unlock()
	}
}

// encode does one job; encMu held.
func (h *hub) encode(j *hubJob) {
	conns := *h.conns.Load()
	if j.events != nil {
		h.events(j.tick, j.events, conns)
	}
	if j.snap != nil {
		h.snapshot(j.snap, conns)
	}
	if j.stop {
		code := h.closeCode()
		for _, c := range conns {
			if c.out.playing(h) {
				c.closeWith(code, closeFlush, nil)
			}
		}
	}
}

// events offers one tick's events, encoded once, to every connection.
func (h *hub) events(tick uint32, events []game.Event, conns []*conn) {
	frame, err := newServerFrame(h.enc.EncodeEvents(tick, events))
	if err != nil {
		h.log.Error("events not sent", "tick", tick, "err", err)
		return
	}
	for _, c := range conns {
		if !c.out.offerEvents(h, frame, tick) {
			c.closeWith(CloseTooSlow, closeNow, nil)
			continue
		}
		if st := c.stream.Load(); st != nil {
			st.charge(c, len(frame))
		}
	}
}

// snapshot puts w in the ring, plans every playing connection's frame,
// encodes one frame per group of equal plans and offers it.
func (h *hub) snapshot(w *WireState, conns []*conn) {
	slot := h.ringN % ringSize
	if old := h.ring[slot]; old != nil {
		h.q.mu.Lock()
		h.q.freeSnaps = append(h.q.freeSnaps, old)
		h.q.mu.Unlock()
	}
	h.ring[slot] = w
	h.ringN++

	h.share.reset(h.mapW, h.mapH)
	env := planEnv{cur: w, snapshot: h.snapshotOf, mapW: h.mapW, mapH: h.mapH, tickRate: h.tickRate,
		sendRate: float64(h.srv.cfg.MaxSendRate), share: &h.share}
	if len(h.plans) < len(conns) {
		h.plans = append(h.plans, make([]plan, len(conns)-len(h.plans))...)
	}
	groups := h.group[:0]
	st := &h.srv.stats
	for i, c := range conns {
		s := c.stream.Load()
		if s == nil {
			continue // still joining: its first snapshot comes after its welcome
		}
		p := &h.plans[i]
		res := s.plan(c, &env, &h.sc, p)
		if res.heldBack {
			st.budgetHeld.Add(1)
		}
		if res.baselineLost {
			st.baselinesLost.Add(1)
		}
		if res.deferred > 0 {
			st.entitiesDeferred.Add(uint64(res.deferred))
		}
		if !res.ok {
			continue
		}
		k := 0
		for k < len(groups) && !groups[k].plan.equal(p) {
			k++
		}
		if k == len(groups) {
			if k < cap(groups) {
				groups = groups[:k+1]
				groups[k].plan = p
				groups[k].members, groups[k].streams = groups[k].members[:0], groups[k].streams[:0]
			} else {
				groups = append(groups, hubGroup{plan: p})
			}
		}
		groups[k].members = append(groups[k].members, c)
		groups[k].streams = append(groups[k].streams, s)
	}
	for k := range groups {
		g := &groups[k]
		frame, err := newServerFrame(h.frame(w, g.plan))
		if err != nil {
			h.log.Error("snapshot not sent", "tick", w.Tick, "err", err)
			continue
		}
		// Counted before it is offered: whoever sees the frame arrive sees
		// it counted.
		st.snapshotFrames.Add(1)
		if g.plan.base == 0 {
			st.completeSnapshots.Add(uint64(len(g.members)))
		} else {
			st.deltaSnapshots.Add(uint64(len(g.members)))
		}
		var replaced uint64
		for m, c := range g.members {
			if c.out.offerSnapshot(h, frame, w.Tick) {
				replaced++
			}
			g.streams[m].charge(c, len(frame))
		}
		if replaced > 0 {
			st.snapshotsReplaced.Add(replaced)
		}
		clear(g.members) // let closed connections go
		clear(g.streams)
	}
	h.group = groups
}

// snapshotOf returns the ring's snapshot of tick, or nil; encMu held.
func (h *hub) snapshotOf(tick uint32) *WireState {
	for _, w := range h.ring {
		if w != nil && w.Tick == tick {
			return w
		}
	}
	return nil
}

// frame encodes a plan's frame of snapshot w: a complete snapshot of the
// entities it lists, or a delta.
func (h *hub) frame(w *WireState, p *plan) []byte {
	if p.base == 0 {
		c := &h.wire
		players, projectiles := c.Players[:0], c.Projectiles[:0]
		*c = WireState{Tick: w.Tick, Phase: w.Phase, PhaseTicksLeft: w.PhaseTicksLeft, ScoreLimit: w.ScoreLimit}
		for i := range p.entries {
			e := &p.entries[i]
			if e.kind == kindPlayer {
				players = append(players, w.Players[e.idx])
			} else {
				projectiles = append(projectiles, w.Projectiles[e.idx])
			}
		}
		c.Players, c.Projectiles = players, projectiles
		return h.enc.encodeWire(c)
	}
	d := &h.delta
	d.reset()
	d.Tick, d.BaseTick = w.Tick, p.base
	d.Phase, d.PhaseTicksLeft, d.ScoreLimit = w.Phase, w.PhaseTicksLeft, w.ScoreLimit
	for i := range p.entries {
		e := &p.entries[i]
		switch {
		case e.kind == kindPlayer && e.act == actEnter:
			d.Players = append(d.Players, w.Players[e.idx])
		case e.kind == kindPlayer && e.act == actChange:
			d.PlayerChanges = append(d.PlayerChanges, e.change)
		case e.kind == kindPlayer:
			d.PlayersGone = append(d.PlayersGone, e.id)
		case e.act == actEnter:
			d.Projectiles = append(d.Projectiles, w.Projectiles[e.idx])
		case e.act == actChange:
			d.ProjectileChanges = append(d.ProjectileChanges, e.change)
		default:
			d.ProjectilesGone = append(d.ProjectilesGone, e.id)
		}
	}
	return h.enc.EncodeDelta(d)
}

// closeCode is the close code for the connections of a stopped match.
func (h *hub) closeCode() CloseCode {
	if game.EndReason(h.stopReason.Load()) == game.EndShutdown {
		return CloseGoingAway
	}
	return CloseMatchOver
}

// add and remove change the connection list; srv.mu held.
func (h *hub) add(c *conn) {
	old := *h.conns.Load()
	next := make([]*conn, len(old), len(old)+1)
	copy(next, old)
	next = append(next, c)
	h.conns.Store(&next)
}

func (h *hub) remove(c *conn) (left int) {
	old := *h.conns.Load()
	next := make([]*conn, 0, len(old))
	for _, x := range old {
		if x != c {
			next = append(next, x)
		}
	}
	h.conns.Store(&next)
	return len(next)
}
