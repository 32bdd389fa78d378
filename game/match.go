package game

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by Match and Registry.
var (
	ErrMatchFull    = errors.New("game: match full")
	ErrMatchBusy    = errors.New("game: match inbox full")
	ErrMatchStopped = errors.New("game: match stopped")
	ErrNotFound     = errors.New("game: match not found")
	// ErrMatchAbandoned is the cancellation cause the Registry gives a match
	// it removes for having had no human for EmptyTimeout; the match then
	// ends with EndAbandoned rather than EndShutdown.
	ErrMatchAbandoned = errors.New("game: match abandoned")
)

// MatchConfig configures a Match. Zero values take the documented defaults.
type MatchConfig struct {
	ID          string        // required, unique in the registry
	World       WorldConfig   // the simulation (World.EndedTicks is set from EndedLinger)
	Clock       Clock         // required
	MaxCatchUp  int           // most ticks stepped at once after a stall; 0 means 5
	InboxSize   int           // most pending inputs; 0 means 1024
	InputBuffer int           // most queued inputs per player; 0 means 8
	EndedLinger time.Duration // how long an ended match keeps running (scoreboard); 0 means 10s, negative means none
	Logger      *slog.Logger  // nil means slog.Default()
}

// JoinResult is what a successful Join returns.
type JoinResult struct {
	Player   PlayerID
	Snapshot Snapshot // the match as it was when the player joined (a copy)
}

// MatchInfo is a summary of a match, safe to read from any goroutine.
type MatchInfo struct {
	ID         string
	Map        string
	Phase      Phase
	Humans     int
	Bots       int
	MaxPlayers int
	TickRate   int
	TimeLeft   time.Duration // until the current phase ends; 0 when open-ended
	Overruns   uint64        // ticks dropped because the match fell too far behind
	Dropped    uint64        // inputs refused because the inbox was full
	Tick       uint32        // the last tick stepped
}

// Match runs one World on its own goroutine. All methods are safe for
// concurrent use.
//
// Only Run's goroutine touches the World. Join, Leave and Input go through a
// bounded inbox drained at the start of each tick; observers are called on
// Run's goroutine after each tick.
type Match struct {
	cfg   MatchConfig
	log   *slog.Logger
	dt    time.Duration
	world *World // owned by Run's goroutine once it starts

	// Run's goroutine only.
	queues         []inputQueue // one per seated human, in join order
	snap           Snapshot     // reused every tick
	lastOverrunLog uint32

	mu           sync.Mutex // guards the inbox and the seat bookkeeping below
	inputs       []inboxInput
	spareInputs  []inboxInput
	ctrl         []ctrlMsg
	spareCtrl    []ctrlMsg
	seated       map[PlayerID]bool // humans seated (true) or leaving (false)
	pendingJoins int
	noIDs        bool // the world has no player id left to give: nobody more can join
	ended        bool // the world reached PhaseEnded
	stopped      bool // Run has finished or is finishing
	dropped      uint64

	obsMu      sync.Mutex
	observers  []*obsEntry // copy-on-write: replaced, never modified in place
	obsStopped bool
	stopReason EndReason

	infoMu   sync.Mutex
	info     MatchInfo
	overruns atomic.Uint64

	started atomic.Bool
	done    chan struct{}
}

type obsEntry struct {
	o       Observer
	removed atomic.Bool
}

// NewMatch validates cfg and returns a Match that is not yet running.
func NewMatch(cfg MatchConfig) (*Match, error) {
	if cfg.ID == "" {
		return nil, errors.New("game: MatchConfig.ID is required")
	}
	if cfg.Clock == nil {
		return nil, errors.New("game: MatchConfig.Clock is required")
	}
	if cfg.MaxCatchUp == 0 {
		cfg.MaxCatchUp = 5
	}
	if cfg.InboxSize == 0 {
		cfg.InboxSize = 1024
	}
	if cfg.InputBuffer == 0 {
		cfg.InputBuffer = 8
	}
	if cfg.EndedLinger == 0 {
		cfg.EndedLinger = 10 * time.Second
	}
	if cfg.MaxCatchUp < 1 || cfg.InboxSize < 1 || cfg.InputBuffer < 1 {
		return nil, fmt.Errorf("game: match %s: MaxCatchUp, InboxSize and InputBuffer must be positive", cfg.ID)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rate := cfg.World.TickRate
	if rate == 0 {
		rate = DefaultTickRate
	}
	if rate < 1 || rate > MaxTickRate {
		return nil, fmt.Errorf("game: match %s: TickRate %d out of range 1..%d", cfg.ID, rate, MaxTickRate)
	}
	dt := time.Second / time.Duration(rate)
	cfg.World.EndedTicks = 0
	if cfg.EndedLinger > 0 {
		// Rounded up, with slack for dt's nanosecond truncation, so "10s"
		// is 300 ticks at 30 Hz, not 301.
		cfg.World.EndedTicks = int(math.Ceil(cfg.EndedLinger.Seconds()*float64(rate) - 1e-6))
	}
	w, err := NewWorld(cfg.World)
	if err != nil {
		return nil, fmt.Errorf("game: match %s: %w", cfg.ID, err)
	}
	cfg.World = w.Config()
	m := &Match{
		cfg:         cfg,
		log:         cfg.Logger.With("match", cfg.ID),
		dt:          dt,
		world:       w,
		inputs:      make([]inboxInput, 0, cfg.InboxSize),
		spareInputs: make([]inboxInput, 0, cfg.InboxSize),
		seated:      make(map[PlayerID]bool),
		done:        make(chan struct{}),
	}
	m.updateInfo()
	return m, nil
}

// ID returns the match id.
func (m *Match) ID() string { return m.cfg.ID }

// Done is closed when Run has returned.
func (m *Match) Done() <-chan struct{} { return m.done }

// Info returns a summary as of the last tick.
func (m *Match) Info() MatchInfo {
	m.infoMu.Lock()
	info := m.info
	m.infoMu.Unlock()
	info.Overruns = m.overruns.Load()
	m.mu.Lock()
	info.Dropped = m.dropped
	m.mu.Unlock()
	return info
}

// Join seats a human named name and waits until the match goroutine has
// processed it (or ctx is done). It fails fast with ErrMatchStopped once the
// match has stopped, ErrMatchEnded once it has ended, ErrMatchFull when every
// seat holds (or is about to hold) a human, and ErrMatchBusy when the inbox is
// full. The join event reaches observers with the next tick. If ctx ends
// first, either the join is withdrawn (ctx's error) or, if the match was
// already seating the player, the seat is returned anyway.
func (m *Match) Join(ctx context.Context, name string) (JoinResult, error) {
	req := &joinReq{name: name, reply: make(chan joinReply, 1)}
	m.mu.Lock()
	switch {
	case m.stopped:
		m.mu.Unlock()
		return JoinResult{}, ErrMatchStopped
	case m.ended:
		m.mu.Unlock()
		return JoinResult{}, ErrMatchEnded
	case m.humansLocked()+m.pendingJoins >= m.cfg.World.MaxPlayers:
		m.mu.Unlock()
		return JoinResult{}, ErrMatchFull
	case m.noIDs:
		m.mu.Unlock()
		return JoinResult{}, fmt.Errorf("%w: player ids exhausted", ErrMatchFull)
	case len(m.inputs) >= m.cfg.InboxSize:
		m.mu.Unlock()
		return JoinResult{}, ErrMatchBusy
	}
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlJoin, join: req})
	m.pendingJoins++
	m.mu.Unlock()

	select {
	case r := <-req.reply:
		return r.res, r.err
	case <-ctx.Done():
		if req.abandon() {
			return JoinResult{}, fmt.Errorf("game: join match %s: %w", m.cfg.ID, ctx.Err())
		}
		r := <-req.reply // taken: the reply is being sent right now
		return r.res, r.err
	}
}

// Leave removes player id. It never blocks and is never dropped: the inbox
// holds at most one leave per seated human, so it needs no bound of its own.
// Leaving twice, or with an id that is not a seated human, does nothing.
func (m *Match) Leave(id PlayerID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || !m.seated[id] {
		return
	}
	m.seated[id] = false
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlLeave, id: id})
}

// Input queues an input for player id. It never blocks. It returns false when
// the input was dropped: the inbox already holds InboxSize inputs (counted in
// MatchInfo.Dropped), the input is invalid (NaN/Inf), id is not a seated
// human, or the match has stopped. The input is sanitized again here so that
// nothing a client sends can reach the World unchecked.
func (m *Match) Input(id PlayerID, in Input) bool {
	in, err := in.Sanitize()
	if err != nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || !m.seated[id] {
		return false
	}
	if len(m.inputs) >= m.cfg.InboxSize {
		m.dropped++
		return false
	}
	m.inputs = append(m.inputs, inboxInput{id: id, in: in})
	return true
}

// Subscribe adds an observer; the returned func removes it (and is safe to
// call more than once). An OnTick already under way when unsubscribe is
// called may still complete, but no call starts after it returns. If the
// match has already stopped, o.OnStop is called at once, on the caller's
// goroutine, so a late subscriber is never left waiting.
func (m *Match) Subscribe(o Observer) (unsubscribe func()) {
	m.obsMu.Lock()
	if m.obsStopped {
		reason := m.stopReason
		m.obsMu.Unlock()
		o.OnStop(reason)
		return func() {}
	}
	e := &obsEntry{o: o}
	next := make([]*obsEntry, len(m.observers), len(m.observers)+1)
	copy(next, m.observers)
	m.observers = append(next, e)
	m.obsMu.Unlock()
	return func() {
		if e.removed.Swap(true) {
			return
		}
		m.obsMu.Lock()
		defer m.obsMu.Unlock()
		next := make([]*obsEntry, 0, len(m.observers))
		for _, x := range m.observers {
			if x != e {
				next = append(next, x)
			}
		}
		m.observers = next
	}
}

// humansLocked is the number of humans seated and not leaving; m.mu held.
func (m *Match) humansLocked() int {
	n := 0
	for _, seated := range m.seated {
		if seated {
			n++
		}
	}
	return n
}

// openSeats returns how many more humans could join right now, counting
// joins still in the inbox as seated (so QuickPlay does not send a burst of
// players to a match that only has room for some of them). It is 0 once the
// match has ended or stopped, or has no player id left to give.
func (m *Match) openSeats() (humans, open int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	humans = m.humansLocked() + m.pendingJoins
	if m.stopped || m.ended || m.noIDs {
		return humans, 0
	}
	return humans, max(0, m.cfg.World.MaxPlayers-humans)
}

// outOfIDs reports whether the world has given out every PlayerID, after
// which AddPlayer fails whatever the seat count says; Run's goroutine only.
func (m *Match) outOfIDs() bool { return m.world.nextID > math.MaxUint16 }
