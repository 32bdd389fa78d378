package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// Saver is where a Recorder saves records; *Store is one.
type Saver interface {
	Save(ctx context.Context, rec Record) error
}

var _ Saver = (*Store)(nil)

// Defaults for RecorderConfig's zero values.
const (
	DefaultQueue       = 256
	DefaultSaveTimeout = 10 * time.Second
)

// RecorderConfig configures a Recorder. Zero values take the documented
// defaults.
type RecorderConfig struct {
	// Store is where records are saved. Required.
	Store Saver
	// Queue is how many ended matches may wait to be saved; 0 means
	// DefaultQueue. A match that ends while the queue is full is not saved:
	// it is logged and counted (RecorderStats.Dropped). The queue only
	// fills when the database is slower than matches end for a long while —
	// 256 matches is minutes of a full server's endings — and the tick must
	// not wait for it.
	Queue int
	// SaveTimeout bounds one Save; 0 means DefaultSaveTimeout.
	SaveTimeout time.Duration
	// Journal, when not nil, gives a stopped match's journal. It is called
	// on the match's goroutine from OnStop, so it must only take what it
	// needs (the match's recording is final by then) and return; the func it
	// returns encodes and compresses on the Recorder's goroutine, off every
	// match. A nil func, or one returning nil bytes, stores no journal; an
	// error is logged and counted (Failed) and the match is stored without
	// its journal.
	Journal func(m *match.Match) func() ([]byte, error)
	// Clock stamps start and end times; nil means the system clock.
	Clock interface{ Now() time.Time }
	// Logger receives save failures; nil means slog.Default().
	Logger *slog.Logger
}

// RecorderStats are running totals, for metrics.
type RecorderStats struct {
	Saved   uint64 // records saved
	Failed  uint64 // saves (or journal encodings) that failed, each logged
	Dropped uint64 // ended matches never saved: the queue was full, or the Recorder was closing
	Queued  int    // records waiting now
}

// Recorder saves every match that ends, off the match goroutines: each
// match's observer (Observe) turns its end into a Record and offers it to a
// bounded queue without waiting; one goroutine, owned by the Recorder, saves
// them in order. A failed save is logged and counted, never retried, and
// never reaches the match or the server. Safe for concurrent use.
type Recorder struct {
	cfg RecorderConfig
	log *slog.Logger

	mu     sync.Mutex // guards closed and sends on queue
	closed bool
	queue  chan pending

	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
	done   chan struct{}

	saved, failed, dropped atomic.Uint64
}

// pending is one ended match waiting to be saved.
type pending struct {
	rec     Record
	journal func() ([]byte, error) // nil: none
}

// NewRecorder starts a Recorder's goroutine; Close stops it.
func NewRecorder(cfg RecorderConfig) (*Recorder, error) {
	if cfg.Store == nil {
		return nil, errors.New("store: RecorderConfig.Store is required")
	}
	if cfg.Queue < 0 || cfg.SaveTimeout < 0 {
		return nil, errors.New("store: RecorderConfig.Queue and SaveTimeout must not be negative")
	}
	if cfg.Queue == 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.SaveTimeout == 0 {
		cfg.SaveTimeout = DefaultSaveTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{cfg: cfg, log: cfg.Logger, queue: make(chan pending, cfg.Queue),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go r.run()
	return r, nil
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Stats returns the running totals.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{Saved: r.saved.Load(), Failed: r.failed.Load(), Dropped: r.dropped.Load(), Queued: len(r.queue)}
}

// Close stops taking records and saves those already queued, until ctx is
// done: then the save under way is cancelled, the rest are dropped
// (counted), and Close returns ctx's error. It returns once the Recorder's
// goroutine has. Matches that end after Close are dropped. Call it after
// the matches have stopped (a server's drain), so that their ends are saved.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.cancel()
		<-r.done
		return fmt.Errorf("store: recorder: %d ended matches not saved: %w", r.dropped.Load(), ctx.Err())
	}
}

// offer queues p without waiting; it reports whether p was taken.
func (r *Recorder) offer(p pending) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	select {
	case r.queue <- p:
		return true
	default:
		return false
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	defer r.cancel()
	for p := range r.queue {
		if r.ctx.Err() != nil {
			r.dropped.Add(1)
			continue
		}
		r.save(p)
	}
}

func (r *Recorder) save(p pending) {
	if p.journal != nil {
		j, err := p.journal()
		if err != nil {
			r.failed.Add(1)
			r.log.Error("store: encoding a match's journal failed; storing the match without it", "match", p.rec.ID, "err", err)
		}
		p.rec.Journal = j
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.SaveTimeout)
	defer cancel()
	if err := r.cfg.Store.Save(ctx, p.rec); err != nil {
		r.failed.Add(1)
		r.log.Error("store: saving an ended match failed", "match", p.rec.ID, "err", err)
		return
	}
	r.saved.Add(1)
}

// Observe returns the observer that records m: subscribe it before m runs
// (match.RegistryConfig.Observe does) so that it sees the whole match.
func (r *Recorder) Observe(m *match.Match) match.Observer {
	info := m.Info()
	return &recording{r: r, m: m, rec: Record{ID: info.ID, Map: info.Map, TickRate: info.TickRate, MaxPlayers: info.MaxPlayers,
		Private: info.Private}}
}

// recording is one match's observer: it notes when the match started, takes
// the final standings from the tick of its `end` event, and hands the record
// to the Recorder when the match stops. Its methods run on the match's
// goroutine and never block.
type recording struct {
	r     *Recorder
	m     *match.Match
	rec   Record
	ended bool
}

var _ match.Observer = (*recording)(nil)

// OnTick implements match.Observer.
func (o *recording) OnTick(s *game.Snapshot, events []game.Event) {
	if o.rec.StartedAt.IsZero() {
		o.rec.StartedAt = o.r.cfg.Clock.Now().UTC()
	}
	if o.ended {
		return
	}
	for i := range events {
		if ev := &events[i]; ev.Kind == game.EventEnd {
			o.end(s, game.EndReason(ev.Value))
			return
		}
	}
}

// end takes the result from the end tick's snapshot: the scoreboard and the
// winner by the game's one rule (game.RankPlayers, game.Winner).
func (o *recording) end(s *game.Snapshot, reason game.EndReason) {
	o.ended = true
	players := append([]game.PlayerState(nil), s.Players...) // once per match
	game.RankPlayers(players)
	board := make([]Standing, len(players))
	for i, p := range players {
		board[i] = Standing{ID: int(p.ID), Name: p.Name, Bot: p.Flags&game.FlagBot != 0, Kills: p.Kills, Deaths: p.Deaths}
	}
	o.rec.Scoreboard = board
	o.rec.Winner = int(game.Winner(players))
	o.rec.Reason = reason.String()
	o.rec.Tick = s.Tick
	o.rec.EndedAt = o.r.cfg.Clock.Now().UTC()
}

// OnStop implements match.Observer: the record is queued. A match stopped
// without an end event (none is known to) is stored with the stop's reason
// and no scoreboard.
func (o *recording) OnStop(reason game.EndReason) {
	if !o.ended {
		o.ended = true
		o.rec.Reason = reason.String()
		o.rec.Tick = o.m.Info().Tick
		o.rec.EndedAt = o.r.cfg.Clock.Now().UTC()
		if o.rec.StartedAt.IsZero() {
			o.rec.StartedAt = o.rec.EndedAt
		}
	}
	p := pending{rec: o.rec}
	if o.r.cfg.Journal != nil {
		p.journal = o.r.cfg.Journal(o.m)
	}
	if !o.r.offer(p) {
		o.r.dropped.Add(1)
		o.r.log.Warn("store: an ended match was not saved: the save queue is full or closed", "match", o.rec.ID,
			"queue", o.r.cfg.Queue)
	}
}
