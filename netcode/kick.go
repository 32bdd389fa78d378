package netcode

import (
	"errors"
	"fmt"

	"github.com/skirmish-game/skirmish/game"
)

// ErrNoSeat is Kick's error when the match has no seat for the player: no
// such match or player, the player has left already, or it is a bot (bots
// have no seat on the wire).
var ErrNoSeat = errors.New("netcode: no seat")

// Kick removes human player id from match matchID for good, whether their
// seat is played or held: the seat is released at once (the match gets a
// leave, so everyone sees the player's `leave` and bots refill per bot
// fill), its resume tokens die (a resume gets 17 token_expired), and the
// connection playing it, if any, gets what is queued for it and then close
// 4010 (PROTOCOL.md §1.7). A kicked player may join again as a new player:
// a kick is not a ban. It fails with a wrapped ErrNoSeat when there is no
// such live seat. It is safe for concurrent use and never waits on a socket.
func (s *Server) Kick(matchID string, id game.PlayerID) error {
	st := s.seats.find(matchID, id)
	if st == nil {
		return fmt.Errorf("%w for player %d in match %q", ErrNoSeat, id, matchID)
	}
	st.mu.Lock()
	if st.state == seatReleased {
		st.mu.Unlock()
		return fmt.Errorf("%w for player %d in match %q: they left", ErrNoSeat, id, matchID)
	}
	// Under the seat's lock, as drop does: the pipe's teardown finds the
	// seat no longer its own and does nothing to it, a resume finds it
	// released, and the match's inbox gets the Leave after any Hold.
	pipe := st.pipe
	st.match.Leave(st.player)
	st.state, st.pipe, st.match = seatReleased, nil, nil
	st.mu.Unlock()
	s.seats.retire(st)
	if pipe != nil {
		pipe.closeWith(CloseKicked, closeFlush, nil)
	}
	s.log.Info("player kicked", "match", matchID, "player", id)
	return nil
}

// find returns the seat of player id in match matchID that the table still
// knows (live or recently released), or nil. Player ids are not reused
// within a match, so there is at most one. It walks the whole table: a
// host's kick is rare, and an index kept for it would cost every join.
func (t *seatTable) find(matchID string, id game.PlayerID) *seat {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, st := range t.byKey {
		if st.player == id && st.matchID == matchID {
			return st
		}
	}
	return nil
}
