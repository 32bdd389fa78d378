package spectate

import (
	"bytes"
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// source is what a feed needs from a match: *match.Match satisfies it, and
// tests use a hand-written fake.
type source interface {
	Subscribe(o match.Observer) (unsubscribe func())
	Done() <-chan struct{}
}

var _ source = (*match.Match)(nil)

var _ match.Observer = (*feed)(nil)

// outRecord is an event in the frame being built: its id, tick and bytes
// out[start:end].
type outRecord struct {
	id         uint64
	tick       uint32
	start, end int
	state      bool // a `state` event (a slower spectator may skip it)
}

// pendingEvent is a game event waiting for the feed goroutine, with the one
// fact from its tick's snapshot the wire needs and the event lacks: the time
// left in the phase a `phase` event announces.
type pendingEvent struct {
	game.Event
	ticksLeft uint32
}

// batch is what the match goroutine hands the feed goroutine. Two batches are
// swapped at every flush so that neither side allocates in steady state.
type batch struct {
	events       []pendingEvent
	state        game.Snapshot // the latest snapshot copied (valid if hasState)
	hasState     bool
	publishState bool // state is due by the throttle (else it only refreshes the feed's picture)
	overflow     bool // events were discarded because the feed goroutine fell too far behind
	stopped      bool // the match called OnStop
	stopReason   game.EndReason
}

func (b *batch) reset() {
	clear(b.events) // drop name strings for the collector
	b.events = b.events[:0]
	b.hasState, b.publishState, b.overflow, b.stopped = false, false, false, false
}

// feedOptions are the per-feed settings derived from Config and the match.
type feedOptions struct {
	matchID    string
	mapID      string
	tickRate   int
	rate       int // state events per second (match.TickDue's rule)
	history    int
	queueSize  int           // frames
	maxPending int           // most events held between two flushes before the feed resets
	maxLag     time.Duration // a spectator further behind live is dropped; 0: no limit
	clock      Clock
	counters   *counters

	historyBytes int           // most bytes in this feed's history; 0: no limit
	histTotal    *atomic.Int64 // bytes in all feeds' histories (shared); nil: not shared
	maxHistTotal int64         // most bytes in all histories together; 0: no limit
	idleGrace    time.Duration // how long the feed outlives its last spectator
	release      func(*feed) bool
	startID      uint64         // the id a released predecessor feed of the match reached
	shed         *atomic.Int32  // the server's shedding level: states are thinned by 2^level; nil: 0
	seq          *atomic.Uint64 // numbers subscriptions server-wide; nil: all 0
	resume       *bucket        // paces resume backlogs; nil: unpaced
}

// feed turns one match's tick output into a numbered SSE event stream shared
// by every spectator of that match. It is a match.Observer: OnTick and OnStop
// run on the match goroutine and only copy and signal; the feed's own
// goroutine (run) encodes each event once, keeps it in the history ring and
// offers each flush's events as one shared frame to every subscriber's
// queue, dropping a subscriber that is more than maxLag behind.
//
// All methods are safe for concurrent use; OnTick and OnStop follow the
// match.Observer contract.
type feed struct {
	opt   feedOptions
	meta  matchMeta
	ready chan struct{} // closed once the feed is subscribed to its match

	// Touched only by the match goroutine (OnTick).
	stateSeen bool // a state has been handed over; the first is due at once

	closed atomic.Bool // the end event is out: OnTick stops collecting

	// Hand-off from the match goroutine to the feed goroutine.
	pmu     sync.Mutex
	pend    batch
	endSeen bool // an EventEnd was handed over; later events are ignored
	wake    chan struct{}

	// Touched only by the feed goroutine.
	work batch

	// Guarded by mu: shared by the feed goroutine and subscribing handlers, so
	// that a subscription and its history hand-off are atomic with respect to
	// publishing (no gap, no duplicate).
	mu        sync.Mutex
	lastID    uint64 // id of the newest published event; 0 before any
	floor     uint64 // smallest Last-Event-ID that can resume: every event after it is in hist
	hist      ring
	out       []byte      // the frame being built: events published since the last emit
	outRecs   []outRecord // where each of those events is in out
	subs      []*subscriber
	waiting   []*subscriber // arrived before the first state; get a snapshot at the next flush
	latest    game.Snapshot // the state as of lastID
	hasState  bool
	names     roster
	finished  bool      // end published, every queue closed
	released  bool      // nobody watched for idleGrace: the feed is gone (see Server.release)
	idleSince time.Time // when the last spectator left (or the feed started without one); zero while watched
	endData   []byte    // the end event, for spectators who arrive after it
	endID     uint64
	snap      []byte // cached snapshot event with id snapID; valid while snapOK (until latest or lastID changes)
	snapID    uint64
	snapOK    bool
}

func newFeed(opt feedOptions) *feed {
	if opt.clock == nil {
		opt.clock = systemClock{}
	}
	f := &feed{
		opt: opt,
		meta: matchMeta{
			matchJSON: quoteJSON(opt.matchID),
			mapJSON:   quoteJSON(opt.mapID),
			tickRate:  opt.tickRate,
		},
		ready: make(chan struct{}),
		wake:  make(chan struct{}, 1),
		hist:  newRing(opt.history),
		names: make(roster),
	}
	if opt.startID > 0 {
		// Ids continue those of the match's released feed, and nothing at
		// or before them can resume here: this feed never published them.
		f.lastID, f.floor = opt.startID, opt.startID+1
	}
	f.idleSince = opt.clock.Now() // until its first spectator subscribes
	return f
}

// OnTick implements match.Observer. It runs on the match goroutine and never
// blocks: events are appended to the pending batch, the snapshot is copied
// only on throttle ticks (and on the tick the match ends, so the scoreboard
// is exact, and on ticks whose events join a state not yet flushed), and the
// feed goroutine is signalled without waiting.
func (f *feed) OnTick(s *game.Snapshot, events []game.Event) {
	if f.closed.Load() {
		return
	}
	due := !f.stateSeen || match.TickDue(s.Tick, f.stateRate(), f.opt.tickRate)
	end := false
	for i := range events {
		if events[i].Kind == game.EventEnd {
			end = true
		}
	}
	// A feed started while the match shows its scoreboard never gets the
	// match's end event; it learns of the end from the state instead.
	late := !end && s.Phase == game.PhaseEnded
	if !due && !end && !late && len(events) == 0 {
		return
	}

	f.pmu.Lock()
	if f.endSeen {
		f.pmu.Unlock()
		return
	}
	p := &f.pend
	if len(p.events)+len(events) > f.opt.maxPending && len(p.events) > 0 {
		// The feed goroutine has not run for a very long time. Keeping
		// everything would be an unbounded queue; the documented rule is to
		// drop the backlog and reset the feed (see flush).
		p.overflow = true
		clear(p.events)
		p.events = p.events[:0]
	}
	for i := range events {
		ev := pendingEvent{Event: events[i]}
		if ev.Kind == game.EventPhase && game.Phase(ev.Value) == s.Phase {
			ev.ticksLeft = s.PhaseTicksLeft
		}
		p.events = append(p.events, ev)
	}
	if late {
		p.events = append(p.events, pendingEvent{Event: endFromState(s)})
		end = true
	}
	// A state still pending (the feed goroutine has not run since it was due)
	// is refreshed when later events join it: the state published after them
	// must reflect them, and so must a snapshot with the same id. The
	// throttle keeps its rhythm (TickDue depends on the tick alone).
	refresh := p.hasState && len(events) > 0
	if due || end || refresh {
		p.state.CopyFrom(s)
		p.hasState = true
	}
	if due {
		p.publishState = true
		f.stateSeen = true
	}
	if end {
		f.endSeen = true
	}
	f.pmu.Unlock()

	if due || end {
		f.signal()
	}
}

// stateRate is the state events per second now: the configured rate,
// halved per shedding level while the server sheds spectator work, but never
// below one a second. The ticks that carry them follow match.TickDue, the
// rule players' snapshots follow too.
func (f *feed) stateRate() int {
	if f.opt.shed == nil {
		return f.opt.rate
	}
	level := min(max(f.opt.shed.Load(), 0), maxShedLevel)
	return max(f.opt.rate>>level, 1)
}

// endFromState rebuilds the end event of a match that ended before the feed
// subscribed, from its ended state, by the rules the match applied: the
// winner is game.Winner's; the reason is the score limit if somebody reached
// it, else the time limit (a shutdown or abandoned match stops at once,
// without a scoreboard phase). Its tick is the state's, the first the feed saw.
func endFromState(s *game.Snapshot) game.Event {
	reason := game.EndTimeLimit
	for i := range s.Players {
		if s.ScoreLimit > 0 && s.Players[i].Kills >= s.ScoreLimit {
			reason = game.EndScoreLimit
		}
	}
	return game.Event{Tick: s.Tick, Kind: game.EventEnd, Value: int32(reason), Player: game.Winner(s.Players)}
}

// onDesync implements desyncer: the replay feeding f has desynced. The
// `desync` event joins the events waiting for the next state.
func (f *feed) onDesync(tick uint32, n int) {
	f.pmu.Lock()
	if !f.endSeen {
		f.pend.events = append(f.pend.events, pendingEvent{Event: game.Event{Tick: tick, Kind: eventDesync, Value: int32(min(n, math.MaxInt32))}})
	}
	f.pmu.Unlock()
}

// OnStop implements match.Observer: the match is over (after its last OnTick).
func (f *feed) OnStop(reason game.EndReason) {
	f.pmu.Lock()
	f.pend.stopped, f.pend.stopReason = true, reason
	f.pmu.Unlock()
	f.signal()
}

// signal wakes the feed goroutine without blocking; one pending wake-up is
// enough because a flush takes everything handed over so far.
func (f *feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// finish says why the feed goroutine flushes.
type finish int

const (
	flushWake      finish = iota // the match handed over a batch
	flushMatchDone               // the match's Run returned
	flushShutdown                // the server is shutting down
)

// run is the feed goroutine. It returns when the match has stopped or ctx
// is cancelled, after publishing `end` and closing every subscriber queue.
//
// It also returns when nobody has watched for idleGrace and opt.release
// agrees; the history is freed on the way out.
func (f *feed) run(ctx context.Context, src source) {
	unsubscribe := src.Subscribe(f)
	defer unsubscribe()
	defer f.freeHistory()
	close(f.ready)
	done := src.Done()
	for {
		select {
		case <-f.wake:
			if f.flush(flushWake) {
				return
			}
			if f.opt.release != nil && f.idle(f.opt.clock.Now()) && f.opt.release(f) {
				return
			}
		case <-done:
			f.flush(flushMatchDone)
			return
		case <-ctx.Done():
			f.flush(flushShutdown)
			return
		}
	}
}

// flush publishes everything handed over since the last flush and reports
// whether the feed is done (its goroutine should return).
func (f *feed) flush(why finish) bool {
	f.pmu.Lock()
	if why == flushWake && !f.pend.hasState && !f.pend.stopped {
		// A wake-up left over from a batch already taken (the match
		// signalled between our receive and the swap). Events handed over
		// since then wait for the state that follows them: published alone
		// they would leave the feed's picture older than its last id.
		f.pmu.Unlock()
		return false
	}
	f.pend, f.work = f.work, f.pend
	f.pmu.Unlock()
	w := &f.work
	defer w.reset()

	now := f.opt.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.finished {
		f.publishBatchLocked(w, now)
	}
	var reason game.EndReason
	switch {
	case w.stopped:
		reason = w.stopReason
	case why == flushMatchDone:
		// Run returned without an OnStop reaching us: the match stopped
		// before this feed's Subscribe took effect. Its reason is unknown.
		reason = game.EndShutdown
	case why == flushShutdown:
		reason = game.EndShutdown
	default:
		return false
	}
	if !f.finished {
		f.finishLocked(reason, 0, f.latest.Tick, now)
	}
	return true
}

// publishBatchLocked publishes a batch: discrete events in order, then the
// state, then (if the match ended) `end` last, because the stream closes
// after it.
func (f *feed) publishBatchLocked(w *batch, now time.Time) {
	if w.overflow {
		f.resetLocked()
	}
	var end *pendingEvent
	for i := range w.events {
		ev := &w.events[i]
		switch ev.Kind {
		case game.EventEnd:
			if end == nil {
				end = ev
			}
			continue
		case game.EventJoin:
			f.names.set(ev.Player, ev.Name, ev.Value == 1)
		case game.EventLeave:
			// The batch's state is newer than this leave, so it will not
			// bring the player back.
			delete(f.names, ev.Player)
		}
		start := len(f.out)
		var ok bool
		if f.out, ok = appendEvent(f.out, f.lastID+1, &ev.Event, ev.ticksLeft, f.opt.tickRate); ok {
			f.publishLocked(ev.Tick, start, false)
		} else {
			f.out = f.out[:start]
		}
	}
	if w.hasState {
		f.latest.CopyFrom(&w.state)
		f.hasState, f.snapOK = true, false
		f.names.learn(&f.latest)
		if w.publishState {
			start := len(f.out)
			f.out = appendState(f.out, f.lastID+1, &f.latest, f.opt.tickRate, f.names)
			f.publishLocked(f.latest.Tick, start, true)
		}
	}
	f.emitLocked(now)
	f.promoteLocked(false, now)
	if end != nil {
		f.finishLocked(game.EndReason(end.Value), end.Player, end.Tick, now)
	}
}

// publishLocked gives the event encoded at f.out[start:] (with id
// lastID+1) its id; emitLocked sends it.
func (f *feed) publishLocked(tick uint32, start int, state bool) {
	f.lastID++
	f.snapOK = false
	f.outRecs = append(f.outRecs, outRecord{id: f.lastID, tick: tick, start: start, end: len(f.out), state: state})
	f.opt.counters.events.Add(1)
}

// emitLocked turns the events published since the last emit into one frame:
// copied once, to its exact size, kept in the history (each record a slice of
// the frame) and offered to every subscriber. It returns nil when there was
// nothing to emit.
func (f *feed) emitLocked(now time.Time) *frame {
	if len(f.out) == 0 {
		return nil
	}
	fr := &frame{data: bytes.Clone(f.out), at: now, events: len(f.outRecs)}
	if r := f.outRecs[len(f.outRecs)-1]; r.state { // a flush's state is its last event
		fr.stateAt, fr.stateTick, fr.hasState = r.start, r.tick, true
	}
	for _, r := range f.outRecs {
		rec := record{id: r.id, tick: r.tick, at: now, data: fr.data[r.start:r.end]}
		if old, ok := f.hist.push(rec); ok {
			f.floor = old.id
			f.countHistory(-len(old.data))
		}
		f.countHistory(len(rec.data))
	}
	f.trimHistoryLocked(now)
	f.out, f.outRecs = f.out[:0], f.outRecs[:0]
	f.offerLocked(fr, now)
	return fr
}

// finishLocked publishes `end` and closes every queue; spectators drain what
// is queued and their streams end.
func (f *feed) finishLocked(reason game.EndReason, winner game.PlayerID, tick uint32, now time.Time) {
	f.promoteLocked(true, now)
	start := len(f.out) // 0: every flush emits before it finishes
	f.out = appendEnd(f.out, f.lastID+1, tick, reason, winner, &f.latest, f.names)
	f.publishLocked(tick, start, false)
	f.endData, f.endID = f.emitLocked(now).data[start:], f.lastID
	f.finished = true
	f.closed.Store(true)
	for _, sub := range f.subs {
		sub.idx = -1
		sub.close()
	}
	clear(f.subs)
	f.subs = f.subs[:0]
}

// resetLocked is the overflow rule for the hand-off: the backlog the match
// produced while the feed goroutine was starved is gone, so the history can no
// longer promise "every event after N". Every subscriber is dropped and the
// history forgotten; clients reconnect and get a fresh snapshot. Ids keep
// increasing, so an old Last-Event-ID can never resume across the gap.
func (f *feed) resetLocked() {
	for len(f.subs) > 0 {
		f.dropLocked(f.subs[len(f.subs)-1])
	}
	f.countHistory(-f.hist.reset())
	f.floor = f.lastID + 1
	f.snapOK = false
	f.opt.counters.resets.Add(1)
}

// snapshotLocked returns the `snapshot` event for the feed's latest state
// with the given id, encoding it at most once per id: many spectators
// arriving together share the bytes.
func (f *feed) snapshotLocked(id uint64) []byte {
	if f.snapOK && f.snapID == id {
		return f.snap
	}
	f.snap = appendSnapshot(nil, id, &f.meta, &f.latest, f.names)
	f.snapID, f.snapOK = id, true
	return f.snap
}

// counters are server-wide totals, updated by every feed.
type counters struct {
	events  atomic.Uint64
	dropped atomic.Uint64
	resets  atomic.Uint64
	refused atomic.Uint64
	shed    atomic.Uint64
	paced   atomic.Uint64
	desyncs atomic.Uint64
	// Written to spectators by the handlers: events (one per event per
	// spectator) and their bytes.
	sent      atomic.Uint64
	sentBytes atomic.Uint64

	archiveErrors atomic.Uint64 // match history requests that failed
}

// wrote counts events and their bytes written to a spectator.
func (c *counters) wrote(events int, chunks [][]byte) {
	n := 0
	for _, b := range chunks {
		n += len(b)
	}
	c.sent.Add(uint64(events))
	c.sentBytes.Add(uint64(n))
}
