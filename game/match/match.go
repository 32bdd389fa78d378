// Package match is Skirmish's match runtime: one goroutine per match owns a
// game.World and steps it on a fixed tick from an injected Clock, fed by a
// bounded inbox of joins, leaves and inputs, and hands every tick to
// Observers; the Registry creates, finds, quick-plays and reaps matches.
package match

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/journal"
)

// Errors returned by Match and Registry. A Join can also fail with
// game.ErrMatchFull or game.ErrMatchEnded, and an Input with
// game.ErrInvalidInput.
var (
	ErrBusy      = errors.New("match: inbox full")
	ErrStopped   = errors.New("match: stopped")
	ErrNotFound  = errors.New("match: not found")
	ErrNotSeated = errors.New("match: player not seated")
	// ErrAbandoned is the cancellation cause the Registry gives a match it
	// removes for having had no human for EmptyTimeout; the match then ends
	// with game.EndAbandoned rather than game.EndShutdown.
	ErrAbandoned = errors.New("match: abandoned")
	// ErrEndedByAdmin is the cancellation cause Registry.End gives a match;
	// the match then ends with game.EndAdmin.
	ErrEndedByAdmin = errors.New("match: ended by the host")
)

// Defaults for Config's zero values.
const (
	DefaultMaxCatchUp  = 5
	DefaultInboxSize   = 1024
	DefaultInputBuffer = 8
	DefaultEndedLinger = 10 * time.Second
)

// Config configures a Match. Zero values take the documented defaults.
type Config struct {
	ID          string           // required, unique in the registry
	World       game.WorldConfig // the simulation (World.EndedTicks is set from EndedLinger)
	Clock       Clock            // required
	MaxCatchUp  int              // most ticks stepped at once after a stall; 0 means DefaultMaxCatchUp
	InboxSize   int              // most pending inputs; 0 means DefaultInboxSize
	InputBuffer int              // most queued inputs per player; 0 means DefaultInputBuffer
	EndedLinger time.Duration    // how long an ended match keeps running (scoreboard); 0 means DefaultEndedLinger, negative means none
	// JournalBytes bounds the compressed journal the match records (see
	// Journal); past it the recording stops and the journal is truncated.
	// 0 means journal.DefaultMaxBytes.
	JournalBytes int
	Logger       *slog.Logger // nil means slog.Default()
	// Ticks is told how long each tick took and how many ticks were
	// dropped (cmd/skirmish feeds its metrics and its dashboard); nil means
	// nobody is told. Every match of a
	// Registry shares the template's.
	Ticks TickObserver
	// Private marks a match that players join by its id only: quick play
	// never offers it (Registry.CreatePrivate).
	Private bool
}

// JoinResult is what a successful Join returns.
type JoinResult struct {
	Player   game.PlayerID
	Snapshot game.Snapshot // the match after the tick that seated the player (a copy); it includes the player
}

// Info is a summary of a match, safe to read from any goroutine.
type Info struct {
	ID         string
	Map        string
	Phase      game.Phase
	Humans     int
	Bots       int
	MaxPlayers int
	TickRate   int
	TimeLeft   time.Duration // until the current phase ends; 0 when open-ended
	Overruns   uint64        // ticks dropped because the match fell too far behind
	Dropped    uint64        // inputs refused because the inbox was full
	Tick       uint32        // the last tick stepped
	Private    bool          // Config.Private
	Held       int           // seats held for a player whose connection dropped (counted in Humans)
	// TickedAt is when the last tick was stepped, on the match clock (the
	// match's creation before its first tick): a match whose TickedAt
	// stops moving is wedged.
	TickedAt time.Time
}

// Match runs one World on its own goroutine. All methods are safe for
// concurrent use.
//
// Only Run's goroutine touches the World. Join, Leave and Input go through a
// bounded inbox drained at the start of each tick into the one
// game.TickInput the World consumes; observers are called on Run's goroutine
// after each tick.
type Match struct {
	cfg   Config
	log   *slog.Logger
	dt    time.Duration
	world *game.World // owned by Run's goroutine once it starts
	jw    *journal.Writer

	epoch time.Time    // the match clock's zero: inputs' arrival and ticks' due times count from it
	jp    jitterParams // the jitter buffers' parameters

	// Run's goroutine only.
	queues         []inputQueue   // one per seated human, in join order (jitter.go)
	tickIn         game.TickInput // reused every tick
	redoers        []int          // the queue of each of tickIn's Redos
	joins          []*joinReq     // the tick's join commands' requests, in order
	snap           game.Snapshot  // reused every tick
	holds          []hold         // held seats (hold.go)
	resumers       []resumer      // the tick's Resumes, in order
	releasing      []func()       // released callbacks due once the tick is published
	lastOverrunLog uint32
	outOfIDs       func() bool // the world's IDsExhausted; tests stand in for 65,535 arrivals

	mu           sync.Mutex // guards the inbox and the seat bookkeeping below
	inputs       []inboxInput
	spareInputs  []inboxInput
	ctrl         []ctrlMsg
	spareCtrl    []ctrlMsg
	seated       map[game.PlayerID]bool    // humans seated (true) or leaving (false); held seats are seated
	ops          map[game.PlayerID]seatOps // Holds and Resumes in the inbox (hold.go)
	pendingJoins int
	noIDs        bool // the world has no player id left to give: nobody more can join
	ended        bool // the world reached PhaseEnded
	stopped      bool // Run has finished or is finishing
	dropped      uint64

	obsMu      sync.Mutex
	observers  []*obsEntry // copy-on-write: replaced, never modified in place
	obsStopped bool
	stopReason game.EndReason

	infoMu   sync.Mutex
	info     Info
	roster   []game.PlayerState // the players of the last tick published (Players)
	overruns atomic.Uint64

	started atomic.Bool
	done    chan struct{}
}

type obsEntry struct {
	o       Observer
	removed atomic.Bool
}

// New validates cfg and returns a Match that is not yet running.
func New(cfg Config) (*Match, error) {
	if cfg.ID == "" {
		return nil, errors.New("match: Config.ID is required")
	}
	if cfg.Clock == nil {
		return nil, errors.New("match: Config.Clock is required")
	}
	if cfg.MaxCatchUp == 0 {
		cfg.MaxCatchUp = DefaultMaxCatchUp
	}
	if cfg.InboxSize == 0 {
		cfg.InboxSize = DefaultInboxSize
	}
	if cfg.InputBuffer == 0 {
		cfg.InputBuffer = DefaultInputBuffer
	}
	if cfg.EndedLinger == 0 {
		cfg.EndedLinger = DefaultEndedLinger
	}
	if cfg.MaxCatchUp < 1 || cfg.InboxSize < 1 || cfg.InputBuffer < 1 {
		return nil, fmt.Errorf("match %s: MaxCatchUp, InboxSize and InputBuffer must be positive", cfg.ID)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.World = cfg.World.WithDefaults()
	rate := cfg.World.TickRate
	cfg.World.EndedTicks = 0
	if cfg.EndedLinger > 0 && rate > 0 {
		// Rounded up, with slack for dt's nanosecond truncation, so "10s"
		// is 300 ticks at 30 Hz, not 301.
		cfg.World.EndedTicks = int(math.Ceil(cfg.EndedLinger.Seconds()*float64(rate) - 1e-6))
	}
	w, err := game.NewWorld(cfg.World)
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", cfg.ID, err)
	}
	cfg.World = w.Config()
	epoch := cfg.Clock.Now()
	jw, err := journal.NewWriter(journal.Header{
		Match: cfg.ID, Start: epoch.UTC().Format(time.RFC3339Nano), World: cfg.World,
	}, cfg.JournalBytes)
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", cfg.ID, err)
	}
	m := &Match{
		cfg:         cfg,
		log:         cfg.Logger.With("match", cfg.ID),
		dt:          time.Second / time.Duration(rate),
		epoch:       epoch,
		jw:          jw,
		jp:          newJitterParams(rate),
		world:       w,
		inputs:      make([]inboxInput, 0, cfg.InboxSize),
		spareInputs: make([]inboxInput, 0, cfg.InboxSize),
		seated:      make(map[game.PlayerID]bool),
		ops:         make(map[game.PlayerID]seatOps),
		done:        make(chan struct{}),
	}
	m.outOfIDs = w.IDsExhausted
	m.updateInfo()
	return m, nil
}

// ID returns the match id.
func (m *Match) ID() string { return m.cfg.ID }

// Map returns the match's map. It is shared and read-only (game.Map), so
// safe for concurrent use.
func (m *Match) Map() *game.Map { return m.cfg.World.Map }

// Journal returns the match's journal (package journal): every tick's input
// as the match steps it, then its end. It is safe for concurrent use: take
// Bytes for a copy of the file, or Follow to read it as it grows.
func (m *Match) Journal() *journal.Writer { return m.jw }

// Done is closed when Run has returned.
func (m *Match) Done() <-chan struct{} { return m.done }

// Info returns a summary as of the last tick.
func (m *Match) Info() Info {
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
// processed it (or ctx is done). It fails fast with ErrStopped once the match
// has stopped, game.ErrMatchEnded once it has ended, game.ErrMatchFull when
// every seat holds (or is about to hold) a human, and ErrBusy when the inbox
// is full. The player is seated by the next tick, whose events (the join
// among them) reach observers before Join returns; the result's snapshot is
// that tick's. If ctx ends first, either the join is withdrawn (ctx's error)
// or, if the match was already seating the player, the seat is returned
// anyway.
func (m *Match) Join(ctx context.Context, name string) (JoinResult, error) {
	req := &joinReq{name: name, reply: make(chan joinReply, 1)}
	m.mu.Lock()
	switch {
	case m.stopped:
		m.mu.Unlock()
		return JoinResult{}, ErrStopped
	case m.ended:
		m.mu.Unlock()
		return JoinResult{}, game.ErrMatchEnded
	case m.humansLocked()+m.pendingJoins >= m.cfg.World.MaxPlayers:
		m.mu.Unlock()
		return JoinResult{}, game.ErrMatchFull
	case m.noIDs:
		m.mu.Unlock()
		return JoinResult{}, fmt.Errorf("%w: player ids exhausted", game.ErrMatchFull)
	case len(m.inputs) >= m.cfg.InboxSize:
		m.mu.Unlock()
		return JoinResult{}, ErrBusy
	}
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlJoin, join: req})
	m.pendingJoins++
	m.mu.Unlock()

	select {
	case r := <-req.reply:
		return r.res, r.err
	case <-ctx.Done():
		if req.abandon() {
			return JoinResult{}, fmt.Errorf("match %s: join: %w", m.cfg.ID, ctx.Err())
		}
		r := <-req.reply // taken: the reply is being sent right now
		return r.res, r.err
	}
}

// Leave removes player id. It never blocks and is never dropped: the inbox
// holds at most one leave per seated human, so it needs no bound of its own.
// Leaving twice, or with an id that is not a seated human, does nothing.
func (m *Match) Leave(id game.PlayerID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || !m.seated[id] {
		return
	}
	m.seated[id] = false
	m.ctrl = append(m.ctrl, ctrlMsg{kind: ctrlLeave, id: id})
}

// Input queues an input for player id. It never blocks. It runs
// game.Input.Sanitize — the only place an input is sanitized — and fails with
// a wrapped game.ErrInvalidInput for an input it cannot repair (NaN, Inf),
// ErrNotSeated when id is not a seated human, ErrStopped once the match has
// stopped, and ErrBusy when the inbox already holds InboxSize inputs (counted
// in Info.Dropped). Only the first allocates, and only on a bad input.
func (m *Match) Input(id game.PlayerID, in game.Input) error {
	in, err := in.Sanitize()
	if err != nil {
		return err
	}
	at := m.cfg.Clock.Now().Sub(m.epoch) // the jitter buffer measures arrivals against ticks
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.stopped:
		return ErrStopped
	case !m.seated[id]:
		return ErrNotSeated
	case len(m.inputs) >= m.cfg.InboxSize:
		m.dropped++
		return ErrBusy
	}
	m.inputs = append(m.inputs, inboxInput{id: id, in: in, at: at})
	return nil
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
