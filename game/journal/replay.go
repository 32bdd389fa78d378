package journal

import (
	"fmt"

	"github.com/skirmish-game/skirmish/game"
)

// Step is what Replay.Next did with one record.
type Step struct {
	Record
	// Mismatch is set on a hash record whose hash differs from the
	// replayed World's (Got): the replay has desynced from the match.
	Mismatch bool
	Got      uint64
}

// Replay re-simulates a journal: a fresh World from the header, stepped
// with each tick record's input, its hash checked at every hash record. It
// is not safe for concurrent use.
type Replay struct {
	r       *Reader
	w       *game.World
	desyncs int
}

// NewReplay builds the World of r's header. An invalid configuration is
// ErrCorrupt (wrapped).
func NewReplay(r *Reader) (*Replay, error) {
	w, err := game.NewWorld(r.Header().World)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	return &Replay{r: r, w: w}, nil
}

// World returns the replayed World, as of the last tick stepped. It must
// not be stepped by anyone else.
func (p *Replay) World() *game.World { return p.w }

// Header returns the journal's header.
func (p *Replay) Header() Header { return p.r.Header() }

// Desyncs returns how many hash records did not match so far.
func (p *Replay) Desyncs() int { return p.desyncs }

// Next applies the next record: a tick record steps the World (its events
// are then World.Events), a hash record is compared with World.Hash, the
// end record ends the replay. Errors are the Reader's (io.EOF after the
// end, ErrPending on a live journal with nothing new), and ErrCorrupt for a
// hash record of a tick other than the World's.
func (p *Replay) Next() (Step, error) {
	rec, err := p.r.Next()
	if err != nil {
		return Step{}, err
	}
	st := Step{Record: rec}
	switch rec.Kind {
	case KindTick:
		p.w.Step(*rec.Input)
	case KindHash:
		if rec.Tick != p.w.Tick() {
			p.r.err = fmt.Errorf("%w: hash of tick %d recorded after tick %d", ErrCorrupt, rec.Tick, p.w.Tick())
			return Step{}, p.r.err
		}
		if st.Got = p.w.Hash(); st.Got != rec.Hash {
			st.Mismatch = true
			p.desyncs++
		}
	}
	return st, nil
}
