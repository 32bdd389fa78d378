package game

import (
	"context"
	"errors"
	"time"
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
		return errors.New("game: Match.Run called twice")
	}
	defer close(m.done)
	m.log.Debug("match running", "tickRate", m.cfg.World.TickRate, "map", m.world.m.ID)

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
			if m.tick() {
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
	if t := m.world.Tick(); m.lastOverrunLog == 0 || t-m.lastOverrunLog >= uint32(m.cfg.World.TickRate) {
		m.lastOverrunLog = t
		m.log.Warn("match fell behind; ticks dropped", "dropped", n, "total", m.overruns.Load())
	}
}

// tick runs one simulation tick and reports whether the match is over (ended
// and lingered out).
func (m *Match) tick() bool {
	m.drainInbox()
	for i := range m.queues {
		if in, ok := m.queues[i].next(m.cfg.World.TickRate); ok {
			m.world.SetInput(m.queues[i].id, in)
		}
	}
	m.world.Step()
	m.publish()
	return m.world.Phase() == PhaseEnded && m.world.PhaseTicksLeft() == 0
}

// publish refreshes Info and hands the tick to observers. Info (and the
// ended flag Join checks) goes first, so that anyone who learns of a tick from
// an observer finds the match's own state at least as new.
func (m *Match) publish() {
	m.updateInfo()
	m.world.Snapshot(&m.snap)
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

// drainInbox swaps the inbox out under the lock and applies it: joins and
// leaves in arrival order, then inputs into the per-player jitter buffers.
func (m *Match) drainInbox() {
	m.mu.Lock()
	m.inputs, m.spareInputs = m.spareInputs[:0], m.inputs
	m.ctrl, m.spareCtrl = m.spareCtrl[:0], m.ctrl
	m.mu.Unlock()

	for _, c := range m.spareCtrl {
		switch c.kind {
		case ctrlJoin:
			m.join(c.join)
		case ctrlLeave:
			m.leave(c.id)
		}
	}
	clear(m.spareCtrl) // drop *joinReq pointers
	for _, x := range m.spareInputs {
		for i := range m.queues {
			if m.queues[i].id == x.id {
				m.queues[i].push(x.in)
				break
			}
		}
	}
}

func (m *Match) join(req *joinReq) {
	if !req.take() {
		m.mu.Lock()
		m.pendingJoins--
		m.mu.Unlock()
		return
	}
	id, err := m.world.AddPlayer(req.name)
	m.mu.Lock()
	m.pendingJoins--
	if err == nil {
		m.seated[id] = true
	}
	m.noIDs = m.outOfIDs()
	m.mu.Unlock()
	if err != nil {
		req.reply <- joinReply{err: err}
		return
	}
	m.queues = append(m.queues, inputQueue{id: id, buf: make([]Input, 0, m.cfg.InputBuffer)})
	res := JoinResult{Player: id}
	m.world.Snapshot(&res.Snapshot)
	req.reply <- joinReply{res: res}
	m.log.Debug("player joined", "player", id, "name", req.name)
}

func (m *Match) leave(id PlayerID) {
	m.world.RemovePlayer(id)
	for i := range m.queues {
		if m.queues[i].id == id {
			m.queues = append(m.queues[:i], m.queues[i+1:]...)
			break
		}
	}
	m.mu.Lock()
	delete(m.seated, id)
	m.noIDs = m.outOfIDs() // refilling bots take ids too
	m.mu.Unlock()
	m.log.Debug("player left", "player", id)
}

// shutdown ends the world when Run's context is cancelled — a server
// shutdown, or the registry removing an abandoned match (the context's cause
// is ErrMatchAbandoned) — and delivers the final tick (with the phase and end
// events) before stopping.
func (m *Match) shutdown(ctx context.Context) {
	reason := EndShutdown
	if errors.Is(context.Cause(ctx), ErrMatchAbandoned) {
		reason = EndAbandoned
	}
	m.world.End(reason)
	m.world.Step()
	m.publish()
	m.stop(reason)
}

// stop refuses further joins and inputs, fails joins still in the inbox, and
// calls every observer's OnStop exactly once.
func (m *Match) stop(reason EndReason) {
	m.mu.Lock()
	m.stopped = true
	ctrl := m.ctrl
	m.ctrl = nil
	m.mu.Unlock()
	for _, c := range ctrl {
		if c.kind == ctrlJoin && c.join.take() {
			c.join.reply <- joinReply{err: ErrMatchStopped}
		}
	}

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
	humans := w.Humans()
	info := MatchInfo{
		ID:         m.cfg.ID,
		Map:        w.m.ID,
		Phase:      w.Phase(),
		Humans:     humans,
		Bots:       len(w.players) - humans,
		MaxPlayers: w.cfg.MaxPlayers,
		TickRate:   w.cfg.TickRate,
		TimeLeft:   time.Duration(w.PhaseTicksLeft()) * m.dt,
		Tick:       w.Tick(),
	}
	m.infoMu.Lock()
	m.info = info
	m.infoMu.Unlock()
	if info.Phase == PhaseEnded {
		m.mu.Lock()
		m.ended = true
		m.mu.Unlock()
	}
}
