// Package spectate serves Skirmish's spectators: one Server-Sent Events feed
// per match and the JSON match list (docs/PROTOCOL.md §2 and §3).
//
// Each watched match has one feed, a match.Observer created on the match's
// first spectator and released IdleGrace after its last one leaves; its
// history of recent events (bounded by count, bytes and MaxLag) serves
// Last-Event-ID resume. The match goroutine only copies into the feed; the
// feed's own goroutine encodes every event once and shares the bytes, one
// frame per flush, with all spectators' bounded queues; each spectator's
// HTTP handler writes its queue to the socket. A spectator more than MaxLag
// behind live is dropped and can resume; it never slows the match or the
// other spectators. Overload is shed from spectators, never from the tick:
// streams are capped (MaxSpectators), resumes paced (ResumeRate), and while
// the matches run late the server takes spectator work away (load.go).
package spectate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game/match"
)

// Config configures a Server. Zero values take the documented defaults.
type Config struct {
	// Registry is where matches are found. Required.
	Registry *match.Registry
	// Archive is where ended matches are read from (GET
	// /api/matches?state=ended, GET /api/matches/{id}); nil means no
	// history: the ended list is empty and only running matches are found.
	Archive Archive
	// Rate is the `state` events per second per match; 0 means 10. The
	// ticks that carry one follow match.TickDue, the players' snapshot rule
	// (a Rate that does not divide the tick rate spaces states unevenly by
	// one tick; a Rate at or above the tick rate means one state per tick).
	Rate int
	// History is how many events each match's feed keeps for Last-Event-ID
	// resume; 0 means 1024.
	History int
	// HistoryBytes bounds the bytes of one feed's history; 0 means 512 KiB.
	HistoryBytes int
	// MaxHistoryBytes bounds the bytes of all feeds' histories together: a
	// feed that publishes while the total is over it forgets its own oldest
	// events. 0 means 64 MiB.
	MaxHistoryBytes int
	// IdleGrace is how long a feed outlives its last spectator (so that a
	// reconnect resumes) before it is released: its goroutine stops, it
	// unsubscribes from the match and its history is freed. 0 means 5s.
	IdleGrace time.Duration
	// QueueSize is how many writes (each the events one feed flush
	// published) may wait for one spectator's connection before that
	// spectator is dropped; 0 means 256.
	QueueSize int
	// Heartbeat is how long a stream may be idle before a ": hb" comment is
	// sent (keeping proxies from timing it out); 0 means 15s.
	Heartbeat time.Duration
	// Retry is the reconnect delay advertised to clients in "retry:"; 0 means 2s.
	Retry time.Duration
	// WriteTimeout is the most time one write to a spectator may take; a
	// spectator whose socket stays stuck longer is dropped. 0 means 10s.
	// MaxLag usually drops a stuck spectator first; this bounds a write
	// when no more events come (the match ended).
	WriteTimeout time.Duration
	// MaxLag is how far behind live a spectator may fall: one whose oldest
	// event not yet taken by its socket is older than this is dropped. 0
	// means 5s.
	MaxLag time.Duration
	// SendBuffer is the kernel send buffer (SO_SNDBUF) of each stream's
	// socket in bytes; 0 means 64 KiB, negative leaves the OS default. It
	// needs ConnContext installed on the http.Server.
	SendBuffer int
	// MaxSpectators caps the event streams served at once; more are refused
	// with 503 server_full. 0 means 10000; negative means none at all (a
	// host with no file descriptors to spare).
	MaxSpectators int
	// ResumeRate bounds the bytes of Last-Event-ID backlogs replayed per
	// second, server-wide (a token bucket holding one second's worth); a
	// resume whose backlog does not fit gets a fresh snapshot instead. 0
	// means 4 MiB/s; negative means unpaced.
	ResumeRate int
	// LoadInterval is how often the server checks whether matches run late
	// and sheds spectator work if so (see load.go); 0 means 250ms, negative
	// turns the check off.
	LoadInterval time.Duration
	// Delay is the broadcast delay (SourceTV's tv_delay): every spectator
	// sees each match as it was this long ago, in ticks of the match's own
	// clock. A delayed feed re-simulates its match from the journal (see
	// replay.go), so the delay holds no buffer of events. 0 means none; at
	// most MaxDelay.
	Delay time.Duration
	// Journals finds the journals of matches no longer in memory (the match
	// store); nil means only the registry's (running and recently stopped
	// matches, match.Registry.Journal).
	Journals Journals
	// MaxReplays caps the timeshift and replay streams served at once
	// (each re-simulates its match on its own); more are refused with 503
	// server_full. 0 means 64.
	MaxReplays int
	// Clock stamps published events and measures lag; nil means the system
	// clock. Tests pass a manual clock.
	Clock Clock
	// Logger receives connection-level logs; nil means slog.Default().
	Logger *slog.Logger
}

// Clock is where a Server reads the time (game/clock.Manual satisfies it).
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Defaults for Config's zero values.
const (
	DefaultRate          = 10
	DefaultHistory       = 1024
	DefaultQueueSize     = 256
	DefaultHeartbeat     = 15 * time.Second
	DefaultRetry         = 2 * time.Second
	DefaultWriteTimeout  = 10 * time.Second
	DefaultMaxLag        = 5 * time.Second
	DefaultSendBuffer    = 64 << 10
	DefaultHistoryBytes  = 512 << 10
	DefaultMaxHistory    = 64 << 20 // MaxHistoryBytes
	DefaultIdleGrace     = 5 * time.Second
	DefaultMaxSpectators = 10000
	DefaultResumeRate    = 4 << 20
	DefaultLoadInterval  = 250 * time.Millisecond
	DefaultMaxReplays    = 64
	// MaxDelay is the longest broadcast delay (Config.Delay).
	MaxDelay = 10 * time.Minute
)

// retryLater is when a refused or shed spectator should try again: a whole
// number of seconds, uniformly random in 5–15 s, so that clients refused
// together do not come back together ("full jitter", as in AWS's
// "Exponential Backoff And Jitter").
func retryLater() time.Duration {
	return time.Duration(5+rand.IntN(11)) * time.Second
}

// maxPending bounds the events a match may hand a feed between two flushes.
// The feed goroutine flushes several times a second, so reaching this means it
// was starved for a very long time; the feed then resets (see feed.resetLocked).
const maxPending = 4096

// Why a spectator's stream is refused.
var (
	ErrShuttingDown = errors.New("spectate: server shutting down")
	// ErrServerFull: MaxSpectators streams are open, or the matches run late
	// and new streams wait (see load.go).
	ErrServerFull = errors.New("spectate: server full")
)

// Stats are running totals for metrics.
type Stats struct {
	Feeds      int    // matches with a live feed
	Spectators int    // connected spectators
	Events     uint64 // events published by all feeds since the server started
	Dropped    uint64 // spectators disconnected because they could not keep up
	Resets     uint64 // feeds that lost their history because their goroutine was starved
	History    int64  // bytes held by all feeds' histories
	Streams    int    // event streams being served (spectators, and handlers about to be)
	Refused    uint64 // streams refused with server_full
	Shed       uint64 // spectators dropped because the matches ran late
	Paced      uint64 // resumes that got a snapshot because the resume budget was spent
	Level      int    // the shedding level now (load.go): 0 is normal
	Replays    int    // timeshift and replay streams being served
	Desyncs    uint64 // replays whose state hash differed from the recorded one
	Sent       uint64 // events written to spectators, one per event per spectator (the first snapshot and resume backlogs included)
	BytesSent  uint64 // bytes of those events
	// ArchiveErrors counts requests the match history could not answer
	// (each logged, answered 503 history_unavailable).
	ArchiveErrors uint64
}

// Server serves the spectator feeds and the match list. Its methods are safe
// for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // cancelled by Shutdown; parent of every feed goroutine
	cancel context.CancelFunc
	stats  counters

	mu      sync.Mutex
	closed  bool
	streams int  // admitted streams (see admit)
	loadRun bool // the load goroutine is running
	feeds   map[string]*feed
	// lastIDs holds the last id of each running match's released feed, so
	// that the match's next feed continues its ids (a Last-Event-ID never
	// names two events).
	lastIDs map[string]uint64
	wg      sync.WaitGroup // feed goroutines, running handlers and the load goroutine
	history atomic.Int64   // bytes in all feeds' histories
	level   atomic.Int32   // the shedding level (load.go); feeds read it every tick
	seq     atomic.Uint64  // subscription order, for shedding the newest first
	resume  *bucket        // paces resume backlogs; nil: unpaced

	replays    atomic.Int32                    // timeshift streams being served
	parked     func(match string, tick uint32) // tests: see replayOptions.parked; set before any feed starts
	loadChecks atomic.Uint64                   // checkLoad calls so far (tests wait on it)
	writing    atomic.Int64                    // nanoseconds handlers have spent writing to spectators
}

// NewServer validates cfg, applies defaults and returns a Server. Feeds are
// started lazily, on each match's first spectator; Shutdown stops them.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, errors.New("spectate: Config.Registry is required")
	}
	for _, c := range []struct {
		name string
		neg  bool
	}{
		{"Rate", cfg.Rate < 0},
		{"History", cfg.History < 0},
		{"QueueSize", cfg.QueueSize < 0},
		{"Heartbeat", cfg.Heartbeat < 0},
		{"Retry", cfg.Retry < 0},
		{"WriteTimeout", cfg.WriteTimeout < 0},
		{"MaxLag", cfg.MaxLag < 0},
		{"HistoryBytes", cfg.HistoryBytes < 0},
		{"MaxHistoryBytes", cfg.MaxHistoryBytes < 0},
		{"IdleGrace", cfg.IdleGrace < 0},
		{"Delay", cfg.Delay < 0},
		{"MaxReplays", cfg.MaxReplays < 0},
	} {
		if c.neg {
			return nil, fmt.Errorf("spectate: Config.%s must not be negative", c.name)
		}
	}
	if cfg.Delay > MaxDelay {
		return nil, fmt.Errorf("spectate: Config.Delay %v is over %v", cfg.Delay, MaxDelay)
	}
	if cfg.MaxReplays == 0 {
		cfg.MaxReplays = DefaultMaxReplays
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.History == 0 {
		cfg.History = DefaultHistory
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Retry == 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxLag == 0 {
		cfg.MaxLag = DefaultMaxLag
	}
	if cfg.HistoryBytes == 0 {
		cfg.HistoryBytes = DefaultHistoryBytes
	}
	if cfg.MaxHistoryBytes == 0 {
		cfg.MaxHistoryBytes = DefaultMaxHistory
	}
	if cfg.IdleGrace == 0 {
		cfg.IdleGrace = DefaultIdleGrace
	}
	switch {
	case cfg.MaxSpectators == 0:
		cfg.MaxSpectators = DefaultMaxSpectators
	case cfg.MaxSpectators < 0:
		cfg.MaxSpectators = 0
	}
	if cfg.ResumeRate == 0 {
		cfg.ResumeRate = DefaultResumeRate
	}
	if cfg.LoadInterval == 0 {
		cfg.LoadInterval = DefaultLoadInterval
	}
	if cfg.SendBuffer == 0 {
		cfg.SendBuffer = DefaultSendBuffer
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		ctx:     ctx,
		cancel:  cancel,
		feeds:   make(map[string]*feed),
		lastIDs: make(map[string]uint64),
		resume:  newBucket(cfg.ResumeRate, cfg.Clock.Now()),
	}, nil
}

// Shutdown ends every stream (with an `end` event, reason "shutdown", unless
// its match already sent one), refuses new spectators, and waits until every
// feed goroutine and handler has returned or ctx is done. It may be called
// more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("spectate: shutdown: waiting for streams: %w", ctx.Err())
	}
}

// Spectators returns how many spectators are watching match id.
func (s *Server) Spectators(id string) int {
	s.mu.Lock()
	f := s.feeds[id]
	s.mu.Unlock()
	if f == nil {
		return 0
	}
	return f.spectators()
}

// Stats returns running totals.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	feeds := make([]*feed, 0, len(s.feeds))
	for _, f := range s.feeds {
		feeds = append(feeds, f)
	}
	streams := s.streams
	s.mu.Unlock()
	st := Stats{
		Feeds:     len(feeds),
		Events:    s.stats.events.Load(),
		Dropped:   s.stats.dropped.Load(),
		Resets:    s.stats.resets.Load(),
		History:   s.history.Load(),
		Streams:   streams,
		Refused:   s.stats.refused.Load(),
		Shed:      s.stats.shed.Load(),
		Paced:     s.stats.paced.Load(),
		Level:     int(s.level.Load()),
		Sent:      s.stats.sent.Load(),
		BytesSent: s.stats.sentBytes.Load(),
		Replays:   int(s.replays.Load()),
		Desyncs:   s.stats.desyncs.Load(),

		ArchiveErrors: s.stats.archiveErrors.Load(),
	}
	for _, f := range feeds {
		st.Spectators += f.spectators()
	}
	return st
}

// enter registers a handler with the server's WaitGroup; it reports false
// once Shutdown has begun. A true result must be paired with s.wg.Done.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// admit takes a place for one stream, or says why there is none: the
// server is shutting down, MaxSpectators streams are open, or the matches
// run late (load.go). A nil result must be paired with leave.
func (s *Server) admit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admissibleLocked(); err != nil {
		return err
	}
	s.streams++
	return nil
}

// admissible is admit without taking the place (for HEAD).
func (s *Server) admissible() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admissibleLocked()
}

func (s *Server) admissibleLocked() error {
	switch {
	case s.closed:
		return ErrShuttingDown
	case s.streams >= s.cfg.MaxSpectators:
		return fmt.Errorf("%w: the server serves its maximum of %d spectators", ErrServerFull, s.cfg.MaxSpectators)
	case s.level.Load() > 0:
		return fmt.Errorf("%w: the matches are running late, so no new spectators for now", ErrServerFull)
	}
	return nil
}

// leave gives back an admitted stream's place.
func (s *Server) leave() {
	s.mu.Lock()
	s.streams--
	s.mu.Unlock()
}

// lookup returns the running match id without starting a feed (HEAD), or
// an error wrapping match.ErrNotFound or ErrShuttingDown.
func (s *Server) lookup(id string) (*match.Match, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrShuttingDown
	}
	return s.running(id)
}

// running returns match id if it is still running, or an error wrapping
// match.ErrNotFound.
func (s *Server) running(id string) (*match.Match, error) {
	m, ok := s.cfg.Registry.Find(id)
	if !ok {
		return nil, fmt.Errorf("spectate: match %q: %w", id, match.ErrNotFound)
	}
	select {
	case <-m.Done():
		return nil, fmt.Errorf("spectate: match %q is over: %w", id, match.ErrNotFound)
	default:
	}
	return m, nil
}

// feed returns match id's feed, creating it (and starting its goroutine) on
// the match's first spectator.
func (s *Server) feed(id string) (*feed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrShuttingDown
	}
	if f := s.feeds[id]; f != nil {
		return f, nil
	}
	m, err := s.running(id)
	if err != nil {
		return nil, err
	}
	info := m.Info()
	tickRate := info.TickRate // a match's Info always has its World's (defaulted) tick rate
	f := newFeed(feedOptions{
		matchID:      id,
		mapID:        info.Map,
		tickRate:     tickRate,
		rate:         s.cfg.Rate,
		history:      s.cfg.History,
		queueSize:    s.cfg.QueueSize,
		maxPending:   maxPending,
		maxLag:       s.cfg.MaxLag,
		clock:        s.cfg.Clock,
		counters:     &s.stats,
		historyBytes: s.cfg.HistoryBytes,
		histTotal:    &s.history,
		maxHistTotal: int64(s.cfg.MaxHistoryBytes),
		idleGrace:    s.cfg.IdleGrace,
		release:      s.release,
		startID:      s.lastIDs[id],
		shed:         &s.level,
		seq:          &s.seq,
		resume:       s.resume,
	})
	delete(s.lastIDs, id)
	s.feeds[id] = f
	var src source = m
	if s.cfg.Delay > 0 {
		src = s.delayed(m, tickRate)
	}
	if !s.loadRun && s.cfg.LoadInterval > 0 {
		s.loadRun = true
		s.wg.Add(1)
		go s.watchLoad()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f.run(s.ctx, src)
		s.mu.Lock()
		if s.feeds[id] == f {
			delete(s.feeds, id) // the match is over (a released feed is gone already)
		}
		s.mu.Unlock()
	}()
	return f, nil
}

// delayTicks is Delay in ticks of a match at tickRate, rounded up: never
// less than the delay.
func (s *Server) delayTicks(tickRate int) uint32 {
	return uint32(math.Ceil(s.cfg.Delay.Seconds()*float64(tickRate) - 1e-9))
}

// delayed is the source of match m's delayed feed: its journal replayed,
// from now − Delay on, following the match Delay behind.
func (s *Server) delayed(m *match.Match, tickRate int) *replaySource {
	delay := s.delayTicks(tickRate)
	w := m.Journal()
	from := uint32(0)
	if t := w.Ticks(); t > delay {
		from = t - delay
	}
	return newReplaySource(replayOptions{
		journal: w.Follow(), live: w, match: m, from: from, delay: delay, tickRate: tickRate,
		clock: s.cfg.Clock, log: s.log.With("match", m.ID()), desyncs: s.countDesync, parked: s.parkedHook(m.ID()),
	})
}

// parkedHook is the tests' hook for match id's replays; nil without one.
func (s *Server) parkedHook(id string) func(uint32) {
	if s.parked == nil {
		return nil
	}
	return func(tick uint32) { s.parked(id, tick) }
}

func (s *Server) countDesync() { s.stats.desyncs.Add(1) }

// release is a feed's way out when nobody has watched it for IdleGrace: it
// takes the feed out of the server (under both locks, so no spectator can
// subscribe to it after this) and keeps its last id for the match's next
// feed. It reports false if a spectator came back meanwhile.
func (s *Server) release(f *feed) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.idleLocked(f.opt.clock.Now()) {
		return false
	}
	f.released = true
	f.closed.Store(true) // OnTick stops copying at once
	id := f.opt.matchID
	if s.feeds[id] == f {
		delete(s.feeds, id)
	}
	for old := range s.lastIDs { // matches that stopped need none
		if _, err := s.running(old); err != nil {
			delete(s.lastIDs, old)
		}
	}
	s.lastIDs[id] = f.lastID
	s.log.Debug("spectate: released an unwatched feed", "match", id, "last_id", f.lastID)
	return true
}
