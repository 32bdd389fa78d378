package match

import (
	"fmt"

	"github.com/skirmish-game/skirmish/game"
)

// What a host does to a running server through the registry: private
// matches, ending a match, draining (no new matches, then wait for the last
// one to end), and what each match looks like from outside.

// CreatePrivate starts a new match as Create does, but one that QuickPlay
// never offers: players reach it by its id only (a hello naming it). Like
// any match it is removed when it has had no human for EmptyTimeout, which
// starts when it is created.
func (r *Registry) CreatePrivate() (*Match, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.createLocked(true)
}

// End ends the running match id now with game.EndAdmin: its observers get
// the tick with the end event and then OnStop(game.EndAdmin), without the
// ended match's linger, and it is no longer findable once End returns. It
// does not wait for the match goroutine. It fails with ErrNotFound when no
// running match has the id.
func (r *Registry) End(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.matches[id]
	if !ok || e.removed {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	e.removed = true
	delete(r.matches, id)
	if e.cancel != nil {
		e.cancel(ErrEndedByAdmin)
	} else {
		// Queued before Run: it never ran, so nobody watches it.
		close(e.m.done)
	}
	r.checkDrainedLocked()
	r.log.Info("match ended by the host", "match", id)
	return nil
}

// Drain stops the registry from starting matches (Create, CreatePrivate
// and a QuickPlay that finds no seat fail with ErrDraining; the running
// matches play on and take joins) and returns a channel that is closed once
// the last match is gone (ended and lingered out, reaped, or ended by End):
// at once when there is none. Calling it again returns the same channel.
func (r *Registry) Drain() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.draining {
		r.draining = true
		r.drained = make(chan struct{})
		r.checkDrainedLocked()
	}
	return r.drained
}

// checkDrainedLocked closes drained when draining and no match is left;
// r.mu held.
func (r *Registry) checkDrainedLocked() {
	if !r.draining || len(r.matches) > 0 {
		return
	}
	select {
	case <-r.drained:
	default:
		close(r.drained)
	}
}

// Players returns the players of the match as of its last published tick,
// sorted by id (a copy: names, flags, kills and deaths; the runtime's input
// timing included). It is safe for concurrent use.
func (m *Match) Players() []game.PlayerState {
	m.infoMu.Lock()
	defer m.infoMu.Unlock()
	return append([]game.PlayerState(nil), m.roster...)
}
