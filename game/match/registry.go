package match

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skirmish-game/skirmish/game/journal"
)

// Errors returned by Registry.
var (
	ErrTooManyMatches  = errors.New("match: too many matches")
	ErrRegistryStopped = errors.New("match: registry stopped")
	// ErrDraining is Create's and QuickPlay's error once Drain was called:
	// the registry starts no new match.
	ErrDraining = errors.New("match: draining, no new matches")
)

// Defaults for RegistryConfig's zero values.
const (
	DefaultMaxMatches   = 256
	DefaultEmptyTimeout = 60 * time.Second
	DefaultKeepJournals = 64 << 20
)

// RegistryConfig configures a Registry. Zero values take the documented
// defaults.
type RegistryConfig struct {
	// Match is the template for new matches; ID is set per match, and
	// World.Seed is mixed with the id so matches do not play out alike.
	// Match.Clock is required and is also the registry's clock.
	Match        Config
	NewID        func() string // required: unique match ids (cmd passes uuid.NewString)
	MaxMatches   int           // 0 means DefaultMaxMatches
	EmptyTimeout time.Duration // a match with no humans for this long is removed; 0 means DefaultEmptyTimeout
	Logger       *slog.Logger  // nil means Match.Logger, then slog.Default()
	// KeepJournals bounds the compressed bytes of stopped matches' journals
	// the registry keeps for Journal (newest first, the oldest dropped), so
	// a match can be replayed right after it ends whether or not a store
	// has it yet. 0 means DefaultKeepJournals; negative keeps none.
	KeepJournals int
	// Observe, when not nil, is asked for an observer of every match the
	// registry creates, subscribed before the match runs so that it sees
	// every tick and the stop (the match history's recorder). It is called
	// with the registry locked: it must not call the Registry. A nil
	// Observer subscribes nothing.
	Observe func(m *Match) Observer
}

// Registry creates, finds and reaps matches. Safe for concurrent use.
//
// Matches created before Run is called are queued and start when Run does;
// after Run has returned, Create fails with ErrRegistryStopped.
type Registry struct {
	cfg RegistryConfig
	log *slog.Logger

	mu      sync.Mutex
	matches map[string]*regEntry
	ctx     context.Context // Run's context; nil before Run
	stopped bool
	wg      sync.WaitGroup

	draining bool          // Drain was called: no new matches (admin.go)
	drained  chan struct{} // closed once draining and the last match is gone; nil before Drain
	ended    []keptJournal // stopped matches' journals, oldest first
	endedSz  int           // their compressed bytes
}

// keptJournal is a stopped match's journal (not the match: its World is
// let go).
type keptJournal struct {
	id string
	w  *journal.Writer
	at time.Time // when the match stopped, on the registry's clock
}

type regEntry struct {
	m          *Match
	cancel     context.CancelCauseFunc // nil until started
	emptySince time.Time               // zero while the match has humans
	removed    bool                    // reaped: no longer findable, Run is stopping
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) (*Registry, error) {
	if cfg.NewID == nil {
		return nil, errors.New("match: RegistryConfig.NewID is required")
	}
	if cfg.Match.Clock == nil {
		return nil, errors.New("match: RegistryConfig.Match.Clock is required")
	}
	if cfg.Match.World.Map == nil {
		return nil, errors.New("match: RegistryConfig.Match.World.Map is required")
	}
	if cfg.MaxMatches == 0 {
		cfg.MaxMatches = DefaultMaxMatches
	}
	if cfg.MaxMatches < 0 {
		return nil, fmt.Errorf("match: MaxMatches %d is negative", cfg.MaxMatches)
	}
	if cfg.EmptyTimeout == 0 {
		cfg.EmptyTimeout = DefaultEmptyTimeout
	}
	if cfg.KeepJournals == 0 {
		cfg.KeepJournals = DefaultKeepJournals
	}
	if cfg.EmptyTimeout < 0 {
		return nil, fmt.Errorf("match: EmptyTimeout %v is negative", cfg.EmptyTimeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Match.Logger
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Match.Logger == nil {
		cfg.Match.Logger = cfg.Logger
	}
	// Fail now, not on the first Create, if the template is bad.
	probe := cfg.Match
	probe.ID = "template"
	if _, err := New(probe); err != nil {
		return nil, fmt.Errorf("match: RegistryConfig.Match: %w", err)
	}
	return &Registry{cfg: cfg, log: cfg.Logger, matches: make(map[string]*regEntry)}, nil
}

// Run starts matches' goroutines as they are created and stops them all when
// ctx is cancelled (each observer gets OnStop(EndShutdown)); it returns when
// every match goroutine has returned. It also reaps matches that have been
// without humans for EmptyTimeout. Run may be called only once.
func (r *Registry) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.ctx != nil || r.stopped {
		r.mu.Unlock()
		return errors.New("match: Registry.Run called twice")
	}
	r.ctx = ctx
	for _, e := range r.sortedLocked() {
		r.startLocked(e)
	}
	r.mu.Unlock()

	clk := r.cfg.Match.Clock
	// Check often enough that an empty match lives at most ~25% past its
	// timeout, but never spin.
	interval := max(min(r.cfg.EmptyTimeout/4, time.Second), 10*time.Millisecond)
	for {
		select {
		case <-ctx.Done():
			r.mu.Lock()
			r.stopped = true
			for _, e := range r.matches {
				e.removed = true
				e.cancel(nil)
			}
			r.mu.Unlock()
			r.wg.Wait()
			return nil
		case <-clk.After(interval):
			r.reap(clk.Now())
		}
	}
}

// reap stops matches that have had no human (seated or joining) for
// EmptyTimeout. Matches whose Run returned remove themselves.
func (r *Registry) reap(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.sortedLocked() {
		if e.removed {
			continue
		}
		if humans, _ := e.m.openSeats(); humans > 0 {
			e.emptySince = time.Time{}
			continue
		}
		if e.emptySince.IsZero() {
			e.emptySince = now
			continue
		}
		if now.Sub(e.emptySince) >= r.cfg.EmptyTimeout {
			r.log.Info("removing empty match", "match", e.m.ID(), "empty", now.Sub(e.emptySince))
			e.removed = true
			delete(r.matches, e.m.ID())
			e.cancel(ErrAbandoned)
			r.checkDrainedLocked()
		}
	}
}

// startLocked runs e's match on a goroutine owned by the registry; r.mu held,
// r.ctx set.
func (r *Registry) startLocked(e *regEntry) {
	ctx, cancel := context.WithCancelCause(r.ctx)
	e.cancel = cancel
	e.emptySince = r.cfg.Match.Clock.Now()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel(nil)
		err := e.m.Run(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			r.log.Error("match failed", "match", e.m.ID(), "err", err)
		}
		r.mu.Lock()
		if cur, ok := r.matches[e.m.ID()]; ok && cur == e {
			delete(r.matches, e.m.ID())
		}
		e.removed = true
		r.keepLocked(e.m)
		r.checkDrainedLocked()
		r.mu.Unlock()
	}()
}

// Create starts a new match (or queues it until Run starts). It returns
// ErrTooManyMatches when MaxMatches are running and ErrRegistryStopped after
// Run has returned.
func (r *Registry) Create() (*Match, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.createLocked(false)
}

func (r *Registry) createLocked(private bool) (*Match, error) {
	if r.stopped {
		return nil, ErrRegistryStopped
	}
	if r.draining {
		return nil, ErrDraining
	}
	if len(r.matches) >= r.cfg.MaxMatches {
		return nil, fmt.Errorf("%w (%d)", ErrTooManyMatches, r.cfg.MaxMatches)
	}
	id := r.cfg.NewID()
	if _, dup := r.matches[id]; dup || id == "" {
		return nil, fmt.Errorf("match: NewID returned %q, which is empty or already in use", id)
	}
	cfg := r.cfg.Match
	cfg.ID, cfg.Private = id, private
	h := fnv.New64a()
	h.Write([]byte(id))
	cfg.World.Seed ^= int64(h.Sum64())
	m, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("match: create match: %w", err)
	}
	if r.cfg.Observe != nil {
		if o := r.cfg.Observe(m); o != nil {
			m.Subscribe(o) // for the match's whole life: it unsubscribes itself on stop
		}
	}
	e := &regEntry{m: m}
	r.matches[id] = e
	if r.ctx != nil {
		r.startLocked(e)
	}
	r.log.Info("match created", "match", id, "private", private)
	return m, nil
}

// Find returns the running match with id.
func (r *Registry) Find(id string) (*Match, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.matches[id]
	if !ok || e.removed {
		return nil, false
	}
	return e.m, true
}

// Journal returns the journal of match id, running or stopped recently
// enough to be among those kept (KeepJournals), and when it stopped (zero
// while it runs). It is safe for concurrent use.
func (r *Registry) Journal(id string) (w *journal.Writer, stopped time.Time, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.matches[id]; ok {
		return e.m.Journal(), time.Time{}, true
	}
	for i := len(r.ended) - 1; i >= 0; i-- {
		if r.ended[i].id == id {
			return r.ended[i].w, r.ended[i].at, true
		}
	}
	return nil, time.Time{}, false
}

// keepLocked keeps the journal of m, which has stopped, dropping the
// oldest kept ones past KeepJournals; r.mu held.
func (r *Registry) keepLocked(m *Match) {
	if r.cfg.KeepJournals < 0 {
		return
	}
	packed, tail := m.Journal().Size()
	r.ended = append(r.ended, keptJournal{id: m.ID(), w: m.Journal(), at: r.cfg.Match.Clock.Now()})
	r.endedSz += packed + tail
	for len(r.ended) > 0 && r.endedSz > r.cfg.KeepJournals {
		p, t := r.ended[0].w.Size()
		r.endedSz -= p + t
		r.ended[0] = keptJournal{}
		r.ended = r.ended[1:]
	}
}

// QuickPlay returns the fullest match that still has a seat for a human and
// has not ended, creating one if there is none (ErrDraining after Drain);
// private matches are never offered. Ties go to the lowest id.
// Seats count joins still in flight, but another player can still take the
// last seat between QuickPlay and Join: a caller whose Join fails with
// game.ErrMatchFull or game.ErrMatchEnded should call QuickPlay again. The match
// returned starts a new EmptyTimeout, so the reaper does not remove it
// before the caller's Join arrives.
func (r *Registry) QuickPlay() (*Match, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best *regEntry
	bestHumans := -1
	for _, e := range r.sortedLocked() {
		if e.removed || e.m.cfg.Private {
			continue
		}
		humans, open := e.m.openSeats()
		if open > 0 && humans > bestHumans {
			best, bestHumans = e, humans
		}
	}
	if best != nil {
		best.emptySince = time.Time{}
		return best.m, nil
	}
	return r.createLocked(false)
}

// Len returns how many matches are running or queued to run: the ones List
// lists, without summarising them.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.matches {
		if !e.removed {
			n++
		}
	}
	return n
}

// Clock returns the clock of the registry and its matches.
func (r *Registry) Clock() Clock { return r.cfg.Match.Clock }

// MaxMatches returns the most matches the registry runs at once.
func (r *Registry) MaxMatches() int { return r.cfg.MaxMatches }

// List returns a summary of every running match, private ones included
// (Info.Private), ordered by id.
func (r *Registry) List() []Info {
	r.mu.Lock()
	var ms []*Match
	for _, e := range r.sortedLocked() {
		if !e.removed {
			ms = append(ms, e.m)
		}
	}
	r.mu.Unlock()
	out := make([]Info, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Info())
	}
	return out
}

// sortedLocked returns the entries ordered by id; r.mu held.
func (r *Registry) sortedLocked() []*regEntry {
	out := make([]*regEntry, 0, len(r.matches))
	for _, e := range r.matches {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *regEntry) int { return strings.Compare(a.m.ID(), b.m.ID()) })
	return out
}
