package match

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/journal"
)

// Run steps the match until ctx is cancelled or the match ends and lingers
// out. It returns nil on a normal end and ctx's error when cancelled.
// Observers get OnStop before it returns. Run may be called only once.
//
// Timing is a fixed step with an accumulator: each wake adds the real time
// elapsed (on the Clock) and steps while a whole tick is owed, at most
// MaxCatchUp steps per wake; any further debt is dropped and counted as
// overruns, so a stalled process catches up briefly instead of fast-forwarding
// the game for seconds.
func (m *Match) Run(ctx context.Context) error {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("match: Run called twice")
	}
	defer close(m.done)
	m.log.Debug("match running", "tickRate", m.cfg.World.TickRate, "map", m.world.Map().ID)

	clk, dt := m.cfg.Clock, m.dt
	last := clk.Now()
	var acc time.Duration
	for {
		select {
		case <-ctx.Done():
			m.shutdown(ctx)
			return ctx.Err()
		case <-clk.After(dt - acc):
		}
		now := clk.Now()
		if d := now.Sub(last); d > 0 { // a clock going backwards owes nothing
			acc += d
		}
		last = now
		for steps := 0; acc >= dt; steps++ {
			if steps == m.cfg.MaxCatchUp {
				m.overrun(uint64(acc / dt))
				acc %= dt
				break
			}
			acc -= dt
			// The tick's due time on the schedule, however late the wake-up:
			// inputs are measured against it (jitter.go).
			start := clk.Now()
			over := m.tick(now.Sub(m.epoch) - acc)
			if m.cfg.Ticks != nil {
				// The tick's whole cost, observers' encoding included: what
				// must fit in dt for the match to keep its rate.
				m.cfg.Ticks.ObserveTick(clk.Now().Sub(start))
			}
			if over {
				m.stop(m.world.EndReason())
				return nil
			}
		}
	}
}

// overrun counts ticks dropped and logs about it at most once per second of
// match time, so a host under sustained overload gets a signal, not a flood.
func (m *Match) overrun(n uint64) {
	m.overruns.Add(n)
	if m.cfg.Ticks != nil {
		m.cfg.Ticks.TicksDropped(n)
	}
	if t := m.world.Tick(); m.lastOverrunLog == 0 || t-m.lastOverrunLog >= uint32(m.cfg.World.TickRate) {
		m.lastOverrunLog = t
		m.log.Warn("match fell behind; ticks dropped", "dropped", n, "total", m.overruns.Load())
	}
}

// tick runs one simulation tick and reports whether the match is over (ended
// and lingered out): the inbox becomes the tick's one game.TickInput, the
// World steps, observers get the tick, and then the tick's joiners get their
// seats — after the observers, so that a joiner's connection has been offered
// every event up to and including its join tick (and can drop them: its
// welcome's roster covers them).
// due is when the tick fell due on the match clock (since its epoch).
func (m *Match) tick(due time.Duration) bool {
	m.drainInbox(due)
	m.mu.Lock()
	m.expireHolds(m.world.Tick() + 1)
	m.mu.Unlock()
	in := &m.tickIn
	in.Inputs, in.Redos, m.redoers = in.Inputs[:0], in.Redos[:0], m.redoers[:0]
	last := m.world.Tick()
	for i := range m.queues {
		q := &m.queues[i]
		if r, ok := q.redo(last); ok {
			in.Redos = append(in.Redos, r)
			m.redoers = append(m.redoers, i)
		}
		if x, ok := q.next(&m.jp, last+1); ok {
			in.Inputs = append(in.Inputs, game.PlayerInput{Player: q.id, Input: x})
		}
	}
	m.world.Step(*in)
	m.record(in)
	for k, done := range m.world.RedoOutcomes() {
		m.queues[m.redoers[k]].redone(done)
	}
	m.seatJoiners()
	m.publish()
	m.replyJoiners()
	m.replyResumers()
	m.callReleased()
	clear(in.Commands) // drop names for the collector
	in.Commands = in.Commands[:0]
	return m.world.Phase() == game.PhaseEnded && m.world.PhaseTicksLeft() == 0
}

// record writes the tick just stepped to the journal, with the World's hash
// every journal.HashEvery ticks so that a replay can tell it desynced.
func (m *Match) record(in *game.TickInput) {
	m.jw.Tick(in)
	if t := m.world.Tick(); t%journal.HashEvery == 0 {
		m.jw.Hash(t, m.world.Hash())
	}
}

// publish refreshes Info and hands the tick to observers. Info (and the
// ended flag Join checks) goes first, so that anyone who learns of a tick from
// an observer finds the match's own state at least as new.
func (m *Match) publish() {
	m.updateInfo()
	m.world.Snapshot(&m.snap)
	for i := range m.queues {
		q := &m.queues[i]
		if p := playerIndex(&m.snap, q.id); p >= 0 {
			m.snap.Players[p].InputTiming = game.InputTiming{
				InputSlack: q.slack(), InputsSkipped: q.skipped, InputsAwaited: q.awaited(),
			}
		}
	}
	m.infoMu.Lock()
	m.roster = append(m.roster[:0], m.snap.Players...) // no allocation once grown
	m.infoMu.Unlock()
	events := m.world.Events()
	m.obsMu.Lock()
	obs := m.observers
	m.obsMu.Unlock()
	for _, e := range obs {
		if !e.removed.Load() {
			e.o.OnTick(&m.snap, events)
		}
	}
}

// drainInbox swaps the inbox out under the lock: joins and leaves become the
// tick's commands in arrival order, and inputs go into the per-player jitter
// buffers, measured against the tick due at due. A join whose caller gave up
// is dropped here.
func (m *Match) drainInbox(due time.Duration) {
	m.mu.Lock()
	m.inputs, m.spareInputs = m.spareInputs[:0], m.inputs
	m.ctrl, m.spareCtrl = m.spareCtrl[:0], m.ctrl
	abandoned := 0
	for _, c := range m.spareCtrl {
		switch c.kind {
		case ctrlJoin:
			if !c.join.take() {
				abandoned++
				continue
			}
			m.joins = append(m.joins, c.join)
			m.tickIn.Commands = append(m.tickIn.Commands, game.Command{Kind: game.CommandJoin, Name: c.join.name})
		case ctrlLeave:
			m.leaveHeld(c.id)
			m.tickIn.Commands = append(m.tickIn.Commands, game.Command{Kind: game.CommandLeave, Player: c.id})
		case ctrlHold, ctrlResume:
			m.drainSeatOp(&c)
		}
	}
	m.pendingJoins -= abandoned
	m.mu.Unlock()
	clear(m.spareCtrl) // drop *joinReq pointers

	for _, x := range m.spareInputs {
		for i := range m.queues {
			if m.queues[i].id == x.id {
				m.queues[i].arrive(x.in, x.at, due, &m.jp)
				break
			}
		}
	}
}

// seatJoiners does the runtime's bookkeeping for the tick's commands: the
// seats taken by joiners (with their jitter buffers) and those left.
func (m *Match) seatJoiners() {
	outcomes := m.world.JoinOutcomes()
	m.mu.Lock()
	m.pendingJoins -= len(m.joins)
	for _, o := range outcomes {
		if o.Err == nil {
			m.seated[o.Player] = true
		}
	}
	for _, c := range m.tickIn.Commands {
		if c.Kind == game.CommandLeave {
			delete(m.seated, c.Player)
			delete(m.ops, c.Player)
		}
	}
	m.noIDs = m.outOfIDs()
	m.mu.Unlock()
	for _, o := range outcomes {
		if o.Err == nil {
			m.queues = append(m.queues, newInputQueue(o.Player, m.cfg.InputBuffer))
		}
	}
	m.seatResumers()
	for _, c := range m.tickIn.Commands {
		if c.Kind != game.CommandLeave {
			continue
		}
		for i := range m.queues {
			if m.queues[i].id == c.Player {
				m.queues = append(m.queues[:i], m.queues[i+1:]...)
				break
			}
		}
		m.log.Debug("player left", "player", c.Player)
	}
}

// replyJoiners answers the tick's joiners, in order, with their seat and the
// tick's snapshot, or with why they got none.
func (m *Match) replyJoiners() {
	outcomes := m.world.JoinOutcomes()
	for i, req := range m.joins {
		o := outcomes[i]
		if o.Err != nil {
			req.reply <- joinReply{err: o.Err}
			continue
		}
		res := JoinResult{Player: o.Player}
		res.Snapshot.CopyFrom(&m.snap)
		req.reply <- joinReply{res: res}
		m.log.Debug("player joined", "player", o.Player, "name", req.name)
	}
	clear(m.joins)
	m.joins = m.joins[:0]
}

// shutdown ends the world when Run's context is cancelled — a server
// shutdown, the registry removing an abandoned match (the context's cause
// is ErrAbandoned) or the host ending it (ErrEndedByAdmin) — and delivers the final tick (with the phase and end
// events) before stopping. Joins and inputs still in the inbox are not
// applied: stop fails the joins.
func (m *Match) shutdown(ctx context.Context) {
	reason := game.EndShutdown
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, ErrAbandoned):
		reason = game.EndAbandoned
	case errors.Is(cause, ErrEndedByAdmin):
		reason = game.EndAdmin
	}
	end := game.TickInput{Commands: []game.Command{{Kind: game.CommandEnd, Reason: reason}}}
	m.world.Step(end)
	m.record(&end)
	m.publish()
	m.stop(reason)
}

// stop refuses further joins and inputs, fails joins still in the inbox, and
// calls every observer's OnStop exactly once.
func (m *Match) stop(reason game.EndReason) {
	m.mu.Lock()
	m.stopped = true
	ctrl := m.ctrl
	m.ctrl = nil
	m.mu.Unlock()
	for _, c := range ctrl {
		switch {
		case (c.kind == ctrlJoin || c.kind == ctrlResume) && c.join.take():
			c.join.reply <- joinReply{err: ErrStopped}
		case c.kind == ctrlHold:
			m.releasing = append(m.releasing, c.released)
		}
	}
	for _, h := range m.holds {
		m.releasing = append(m.releasing, h.released)
	}
	m.holds = nil
	m.callReleased()

	m.jw.End(m.world.Tick(), reason)

	m.obsMu.Lock()
	m.obsStopped, m.stopReason = true, reason
	obs := m.observers
	m.observers = nil
	m.obsMu.Unlock()
	for _, e := range obs {
		if !e.removed.Load() {
			e.o.OnStop(reason)
		}
	}
	m.updateInfo()
	m.log.Info("match stopped", "reason", reason, "tick", m.world.Tick(), "winner", m.world.Winner(),
		"overruns", m.overruns.Load())
}

// updateInfo publishes the world's summary for Info and the join checks.
func (m *Match) updateInfo() {
	w := m.world
	cfg := w.Config()
	info := Info{
		ID:         m.cfg.ID,
		Map:        w.Map().ID,
		Phase:      w.Phase(),
		Humans:     w.Humans(),
		Bots:       w.Bots(),
		MaxPlayers: cfg.MaxPlayers,
		TickRate:   cfg.TickRate,
		TimeLeft:   time.Duration(w.PhaseTicksLeft()) * m.dt,
		Tick:       w.Tick(),
		Private:    m.cfg.Private,
		Held:       len(m.holds),
		TickedAt:   m.cfg.Clock.Now(),
	}
	m.infoMu.Lock()
	m.info = info
	m.infoMu.Unlock()
	if info.Phase == game.PhaseEnded {
		m.mu.Lock()
		m.ended = true
		m.mu.Unlock()
	}
}

// playerIndex returns the index of player id in s.Players (sorted by id), or -1.
func playerIndex(s *game.Snapshot, id game.PlayerID) int {
	i, ok := slices.BinarySearchFunc(s.Players, id, func(p game.PlayerState, id game.PlayerID) int { return cmp.Compare(p.ID, id) })
	if !ok {
		return -1
	}
	return i
}
