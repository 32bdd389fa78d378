package netcode

import (
	"log/slog"
	"sync/atomic"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// hub is one match's match.Observer: it turns each tick into prepared frames,
// encoded once, and offers the same bytes to every connection in the match.
//
// OnTick and OnStop run on the match goroutine and only make non-blocking
// offers; the connection list is copy-on-write so they never take the
// server's lock. The list is changed only by Server.attach and
// Server.detach, under the server's lock.
type hub struct {
	srv      *Server
	match    *match.Match
	tickRate int    // Hz
	snapRate int    // Hz, 1..tickRate
	pingTick uint32 // a ping goes out every pingTick ticks (rtt.go); 0: never

	conns       atomic.Pointer[[]*conn]
	tick        atomic.Uint32 // the latest tick seen, for pongs
	stopped     atomic.Bool
	stopReason  atomic.Int32
	unsubscribe func() // set and called under srv.mu

	enc *Encoder     // match goroutine only
	log *slog.Logger // for encode failures, which cannot happen with sane match sizes
}

var _ match.Observer = (*hub)(nil)

func newHub(s *Server, m *match.Match, tickRate, snapRate int) *hub {
	h := &hub{
		srv:      s,
		match:    m,
		tickRate: tickRate,
		snapRate: snapRate,
		pingTick: pingTicks(s.cfg.PingInterval, tickRate),
		enc:      NewEncoder(),
		log:      s.log.With("match", m.ID()),
	}
	h.conns.Store(new([]*conn))
	return h
}

// snapshotDue reports whether tick is a snapshot tick, by the match
// runtime's one rule for rates (match.TickDue): exactly snapRate snapshots per
// second of ticks, the same ticks for every connection of the match.
func (h *hub) snapshotDue(tick uint32) bool {
	return match.TickDue(tick, h.snapRate, h.tickRate)
}

// OnTick offers the tick's events frame (if any) and, on snapshot ticks, the
// snapshot frame to every connection. A connection whose queue is full is
// closed as too slow.
func (h *hub) OnTick(s *game.Snapshot, events []game.Event) {
	h.tick.Store(s.Tick)
	conns := *h.conns.Load()
	if len(conns) == 0 {
		return
	}
	if len(events) > 0 {
		frame, err := newServerFrame(h.enc.EncodeEvents(s.Tick, events))
		if err != nil {
			h.log.Error("events not sent", "tick", s.Tick, "err", err)
		} else {
			for _, c := range conns {
				if !c.out.offerEvents(h, frame, s.Tick) {
					c.closeWith(CloseTooSlow, closeNow, nil)
				}
			}
		}
	}
	if h.pingTick > 0 && s.Tick%h.pingTick == 0 {
		frame := h.srv.pingFrame()
		for _, c := range conns {
			if !c.out.offerEvents(h, frame, s.Tick) {
				c.closeWith(CloseTooSlow, closeNow, nil)
			}
		}
		h.srv.stats.pings.Add(uint64(len(conns)))
	}
	if !h.snapshotDue(s.Tick) {
		return
	}
	frame, err := newServerFrame(h.enc.EncodeSnapshot(s))
	if err != nil {
		h.log.Error("snapshot not sent", "tick", s.Tick, "err", err)
		return
	}
	var replaced uint64
	for _, c := range conns {
		if c.out.offerSnapshot(h, frame, s.Tick) {
			replaced++
		}
	}
	if replaced > 0 {
		h.srv.stats.snapshotsReplaced.Add(replaced)
	}
}

// OnStop closes every connection playing in the match: 1001 on a server
// shutdown, else 4005. Queued frames (the end event, the last snapshot) are
// flushed first. A connection still joining is left to its join, which
// either fails (ErrMatchStopped: quick play tries another match) or, having
// taken a seat, sees stopped once its welcome is out and closes then; one
// that has moved on to another match is not this hub's to close.
func (h *hub) OnStop(reason game.EndReason) {
	h.stopReason.Store(int32(reason))
	h.stopped.Store(true) // before the playing checks: see conn.join
	code := h.closeCode()
	for _, c := range *h.conns.Load() {
		if c.out.playing(h) {
			c.closeWith(code, closeFlush, nil)
		}
	}
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
