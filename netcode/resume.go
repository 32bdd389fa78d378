package netcode

import (
	"context"
	"errors"
	"time"

	"github.com/skirmish-game/skirmish/game/match"
)

// resume runs the connect sequence for a hello that carries a resume token
// (PROTOCOL.md §1.9): the token is checked and spent, the old pipe (if it is
// still open) closed with 4007, the match gives the seat back, and the
// welcome — same player, next token — goes out ahead of the first complete
// snapshot after the resume. A bad token is refused with its code and close
// 4006 and changes nobody's seat.
func (c *conn) resume(h *Hello) {
	st, old, token, code := c.srv.seats.claim(h.Resume, h.Match, c)
	if code != 0 {
		c.refuse(code, CloseResumeRefused, tokenRefusals[code])
		return
	}
	if old != nil {
		old.closeWith(CloseReplaced, closeFlush, nil)
	}
	st.mu.Lock()
	m := st.match
	st.mu.Unlock()
	if m == nil { // released between the claim and now
		c.refuse(CodeTokenExpired, CloseResumeRefused, tokenRefusals[CodeTokenExpired])
		return
	}
	ctx, cancel := context.WithTimeout(c.srv.ctx, joinTimeout)
	defer cancel()
	hb := c.srv.attach(m, c)
	res, err := m.Resume(ctx, st.player)
	if err != nil {
		c.out.release(nil, 0)
		c.srv.detach(hb, c)
		if errors.Is(err, match.ErrNotSeated) || errors.Is(err, match.ErrStopped) {
			c.srv.seats.release(st)
			c.refuse(CodeTokenExpired, CloseResumeRefused, tokenRefusals[CodeTokenExpired])
			return
		}
		// Not now (a stalled match, a shutdown): the seat is held again, and
		// the token the client showed is still good (never confirmed).
		c.srv.seats.drop(st, c, c.srv.cfg.ReconnectWindow)
		if !c.isClosing() {
			c.log.Info("resume refused", "match", m.ID(), "player", st.player, "err", err)
			c.refuse(CodeServerBusy, CloseServerBusy, "the server cannot resume you right now; try again")
		}
		return
	}
	c.srv.stats.resumed.Add(1)
	c.welcome(m, hb, st, token, &res)
	c.log.Debug("resumed", "match", m.ID(), "id", st.player)
}

// tokenRefusals are the messages of the resume refusals.
var tokenRefusals = map[ErrorCode]string{
	CodeTokenMalformed:  "the resume token is not one this server issues",
	CodeTokenUnknown:    "no seat has this resume token",
	CodeTokenExpired:    "the seat of this resume token was released",
	CodeTokenUsed:       "this resume token was used already; resume with the newest one",
	CodeTokenWrongMatch: "this resume token belongs to another match",
}

// heldFor says how long the seat is held now that the connection has ended
// (PROTOCOL.md §1.9), by how it ended:
//   - the peer is gone without a close frame (reset, EOF, a failed write),
//     or the server closed for a ping timeout or too slow a client: the
//     reconnect window;
//   - the client closed with 1001, which browsers send when the page goes
//     away (a reload, a closed tab): unloadGrace, enough for a reload to
//     resume;
//   - every other close — the client's 1000 or any other code, a protocol
//     error, the match or the server stopping, the seat resumed elsewhere:
//     0, a leave.
func (c *conn) heldFor() time.Duration {
	window := c.srv.cfg.ReconnectWindow
	if window <= 0 {
		return 0
	}
	code, mode := c.closeState()
	switch {
	case mode == closeSilent:
		return window
	case mode == closeReply && code == CloseGoingAway: // the client's, not the server's shutdown
		return min(window, unloadGrace)
	case mode == closeReply:
		return 0
	case code == ClosePingTimeout || code == CloseTooSlow:
		return window
	}
	return 0
}
