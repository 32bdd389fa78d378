package match

import (
	"context"
	"fmt"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// Held seats: a human whose connection dropped keeps their seat for a
// window on the match clock (Hold), and a new connection takes it back
// (Resume) — Colyseus's allowReconnection, with the match goroutine as the
// one judge of "in time": a Resume and the window's end are both decided
// where the World is stepped, so exactly one of them wins. The World's side
// (what a held player does and shows) is game.CommandDisconnect and
// game.CommandReconnect.

// seatOps are the Hold and Resume calls of one seat in the inbox: at most
// one of each, which bounds what they add to it.
type seatOps uint8

const (
	opHold seatOps = 1 << iota
	opResume
)

// hold is one held seat; the match goroutine's.
type hold struct {
	id       game.PlayerID
	until    uint32 // the tick whose commands release the seat
	released func() // nil: nobody to tell
}

// Hold keeps player id's seat while it has no connection, for window (at
// least one tick) on the match clock: the player stays seated and counted
// (joins, quick play and bot fill see the seat as taken) but does not act
// and is flagged (game.CommandDisconnect, from the next tick). A Resume
// within the window gives the seat back; otherwise, on the first tick at
// least window after the one that held it, the seat is released exactly as
// a Leave releases it (the leave event, bots refill per BotFill), and then
// released is called.
//
// released, if not nil, is called at most once, on the match goroutine,
// when the seat is released without a Resume: the window passed, the player
// left, or the match stopped. It must not block or call into the Match.
//
// Hold reports whether the hold was queued: it is false, and released is
// never called, when id is not a seated human (left, leaving, never
// seated), a Hold of id is already in the inbox, or the match has stopped.
// A Hold of a player held already keeps the window running and replaces
// released (the earlier one is never called). A player's inputs queued
// before the Hold are dropped. It never blocks.
func (m *Match) Hold(id game.PlayerID, window time.Duration, released func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || !m.seated[id] || m.ops[id]&opHold != 0 {
		return false
	}
	ticks := max(1, (window+m.dt-1)/m.dt) // rounded up: never shorter than asked
	m.ops[id] |= opHold
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlHold, id: id, ticks: uint32(min(ticks, 1<<30)), released: released})
	return true
}

// Resume gives player id their seat back on a new connection and waits
// until the match goroutine has done so (or ctx is done), as Join does: the
// result's snapshot is that of the tick that did it, whose events (the
// reconnect among them) reach observers before Resume returns. A held
// player is back (game.CommandReconnect; their hold is over); a player who
// is seated but not held — their old connection is still open — just
// starts afresh. Either way the player's input restarts: a new jitter
// buffer, inputs queued before the Resume dropped, ackSeq 0 until the new
// connection's first input is applied.
//
// It fails with ErrNotSeated when id is not a seated human (the window
// passed, the player left), ErrStopped once the match has stopped, and
// ErrBusy while another Resume of id is in the inbox. If ctx ends first,
// either the Resume is withdrawn (ctx's error; the seat stays held) or, if
// the match was already resuming the player, its result is returned anyway.
func (m *Match) Resume(ctx context.Context, id game.PlayerID) (JoinResult, error) {
	req := &joinReq{reply: make(chan joinReply, 1)}
	m.mu.Lock()
	switch {
	case m.stopped:
		m.mu.Unlock()
		return JoinResult{}, ErrStopped
	case !m.seated[id]:
		m.mu.Unlock()
		return JoinResult{}, ErrNotSeated
	case m.ops[id]&opResume != 0:
		m.mu.Unlock()
		return JoinResult{}, ErrBusy
	}
	m.ops[id] |= opResume
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlResume, id: id, join: req})
	m.mu.Unlock()

	select {
	case r := <-req.reply:
		return r.res, r.err
	case <-ctx.Done():
		if req.abandon() {
			return JoinResult{}, fmt.Errorf("match %s: resume: %w", m.cfg.ID, ctx.Err())
		}
		r := <-req.reply
		return r.res, r.err
	}
}

// drainSeatOp turns a Hold or Resume from the inbox into the tick's
// command; m.mu held, the match goroutine. The player's input queue goes at
// once, with whatever the old connection left in it and in this tick's
// inbox; a resumed player gets a new one once the World has stepped.
func (m *Match) drainSeatOp(c *ctrlMsg) {
	switch c.kind {
	case ctrlHold:
		m.ops[c.id] &^= opHold
		if !m.seated[c.id] { // a Leave got there first
			m.releasing = append(m.releasing, c.released)
			return
		}
		if i := m.holdIndex(c.id); i >= 0 { // held already: the window runs on
			m.holds[i].released = c.released
			return
		}
		m.holds = append(m.holds, hold{id: c.id, until: m.world.Tick() + 1 + c.ticks, released: c.released})
		m.tickIn.Commands = append(m.tickIn.Commands, game.Command{Kind: game.CommandDisconnect, Player: c.id})
	case ctrlResume:
		m.ops[c.id] &^= opResume
		if !c.join.take() {
			return // withdrawn: the seat stays as it is
		}
		if !m.seated[c.id] {
			c.join.reply <- joinReply{err: fmt.Errorf("match %s: resume %d: %w", m.cfg.ID, c.id, ErrNotSeated)}
			return
		}
		if i := m.holdIndex(c.id); i >= 0 {
			m.holds = append(m.holds[:i], m.holds[i+1:]...)
		}
		m.resumers = append(m.resumers, resumer{id: c.id, req: c.join})
		m.tickIn.Commands = append(m.tickIn.Commands, game.Command{Kind: game.CommandReconnect, Player: c.id})
	}
	m.dropQueue(c.id)
}

// expireHolds releases, as leaves of the tick about to be stepped (next),
// the seats whose window has passed; m.mu held, the match goroutine.
func (m *Match) expireHolds(next uint32) {
	kept := m.holds[:0]
	for _, h := range m.holds {
		if h.until > next {
			kept = append(kept, h)
			continue
		}
		m.seated[h.id] = false // Leave and Input see it gone; seatJoiners forgets it
		m.tickIn.Commands = append(m.tickIn.Commands, game.Command{Kind: game.CommandLeave, Player: h.id})
		m.releasing = append(m.releasing, h.released)
		m.log.Debug("held seat released", "player", h.id)
	}
	clear(m.holds[len(kept):])
	m.holds = kept
}

// leaveHeld ends id's hold, if any, because the player leaves: released is
// due once the tick is published. m.mu held, the match goroutine.
func (m *Match) leaveHeld(id game.PlayerID) {
	if i := m.holdIndex(id); i >= 0 {
		m.releasing = append(m.releasing, m.holds[i].released)
		m.holds = append(m.holds[:i], m.holds[i+1:]...)
	}
}

func (m *Match) holdIndex(id game.PlayerID) int {
	for i := range m.holds {
		if m.holds[i].id == id {
			return i
		}
	}
	return -1
}

// dropQueue forgets id's jitter buffer, if any.
func (m *Match) dropQueue(id game.PlayerID) {
	for i := range m.queues {
		if m.queues[i].id == id {
			m.queues = append(m.queues[:i], m.queues[i+1:]...)
			return
		}
	}
}

// resumer is a Resume the tick is carrying out.
type resumer struct {
	id  game.PlayerID
	req *joinReq
}

// seatResumers gives the tick's resumed players a new jitter buffer (before
// the tick's leaves are applied: a player resumed and left in one tick has
// none).
func (m *Match) seatResumers() {
	for _, r := range m.resumers {
		m.queues = append(m.queues, newInputQueue(r.id, m.cfg.InputBuffer))
	}
}

// replyResumers answers the tick's Resumes with the tick's snapshot, or
// ErrNotSeated for a player who left in the same tick.
func (m *Match) replyResumers() {
	for _, r := range m.resumers {
		if playerIndex(&m.snap, r.id) < 0 {
			r.req.reply <- joinReply{err: fmt.Errorf("match %s: resume %d: %w", m.cfg.ID, r.id, ErrNotSeated)}
			continue
		}
		res := JoinResult{Player: r.id}
		res.Snapshot.CopyFrom(&m.snap)
		r.req.reply <- joinReply{res: res}
		m.log.Debug("player resumed", "player", r.id)
	}
	clear(m.resumers)
	m.resumers = m.resumers[:0]
}

// callReleased calls the released functions of the seats this tick let go,
// after the tick was published and outside every lock.
func (m *Match) callReleased() {
	for _, f := range m.releasing {
		if f != nil {
			f()
		}
	}
	clear(m.releasing)
	m.releasing = m.releasing[:0]
}
