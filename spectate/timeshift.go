package spectate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/skirmish-game/skirmish/game/journal"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
	"github.com/skirmish-game/skirmish/spectate/store"
)

// Journals finds the journal of a match that is no longer in memory: the
// match store, *store.Store. A match it does not have is (nil, nil) or an
// error wrapping ErrNoJournal, store.ErrNotFound or store.ErrNoJournal; any
// other error is the store failing. Implementations must be safe for
// concurrent use.
type Journals interface {
	Journal(ctx context.Context, id string) ([]byte, error)
}

var _ Journals = (*store.Store)(nil)

// ErrNoJournal is what a Journals returns (wrapped) for a match it does not
// have.
var ErrNoJournal = errors.New("spectate: no journal for this match")

// Speeds a timeshift stream may play at (?speed=).
const (
	MinSpeed = 0.25
	MaxSpeed = 8
)

// eventsQuery is what the events URL asks for besides the match.
type eventsQuery struct {
	rate      int     // states per second for this spectator; 0: the feed's
	timeshift bool    // from or speed given: a re-simulated stream
	from      uint32  // the first tick (timeshift)
	speed     float64 // timeshift speed
}

// queryError is a 400 answer: an error word and a message.
type queryError struct{ code, msg string }

// parseQuery reads ?rate=, ?from= and ?speed= (PROTOCOL.md §2).
func (s *Server) parseQuery(r *http.Request) (eventsQuery, *queryError) {
	q := eventsQuery{speed: 1}
	v := r.URL.Query()
	if x := v.Get("rate"); x != "" || v.Has("rate") {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 || n > s.cfg.Rate {
			return q, &queryError{"bad_rate", fmt.Sprintf("rate %q: want a whole number of states per second from 1 to %d", x, s.cfg.Rate)}
		}
		if n < s.cfg.Rate {
			q.rate = n
		}
	}
	if x := v.Get("from"); x != "" || v.Has("from") {
		n, err := strconv.ParseUint(x, 10, 32)
		if err != nil {
			return q, &queryError{"bad_from", fmt.Sprintf("from %q: want a tick, a whole number from 0", x)}
		}
		q.from, q.timeshift = uint32(n), true
	}
	if x := v.Get("speed"); x != "" || v.Has("speed") {
		f, err := strconv.ParseFloat(x, 64)
		if err != nil || !(f >= MinSpeed && f <= MaxSpeed) {
			return q, &queryError{"bad_speed", fmt.Sprintf("speed %q: want a number from %v to %v", x, MinSpeed, MaxSpeed)}
		}
		q.speed, q.timeshift = f, true
	}
	return q, nil
}

// found is a match's journal as a replay needs it.
type found struct {
	live    *journal.Writer // in memory: the match's own writer (running or recently stopped)
	data    []byte          // from the store
	running *match.Match    // the match, while it runs
	stopped time.Time       // when a match in memory stopped (zero: running, or from the store)
}

// recent reports whether the match stopped less than the delay ago: its end
// is not yet public.
func (s *Server) recent(fd found) bool {
	return !fd.stopped.IsZero() && s.cfg.Clock.Now().Sub(fd.stopped) < s.cfg.Delay
}

// findJournal looks for match id's journal: running, kept by the registry,
// or stored. err is errNotFound-like (match.ErrNotFound wrapped) when none
// has it.
func (s *Server) findJournal(ctx context.Context, id string) (found, error) {
	if m, err := s.running(id); err == nil {
		return found{live: m.Journal(), running: m}, nil
	}
	if w, at, ok := s.cfg.Registry.Journal(id); ok {
		return found{live: w, stopped: at}, nil
	}
	if s.cfg.Journals != nil {
		data, err := s.cfg.Journals.Journal(ctx, id)
		switch {
		case err == nil && data != nil:
			return found{data: data}, nil
		case err != nil && !errors.Is(err, ErrNoJournal) && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrNoJournal):
			return found{}, fmt.Errorf("%w: %w", errStorage, err)
		}
	}
	return found{}, errNoMatch
}

var (
	errNoMatch = errors.New("spectate: no such match")
	errStorage = errors.New("spectate: the match store failed")
)

// openJournal opens a stored journal and reads it through once, so that a
// damaged one is refused before its stream starts; it returns its last
// tick.
func openJournal(data []byte) (last uint32, err error) {
	r, err := journal.Open(data)
	if err != nil {
		return 0, err
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Ticks(), nil
		}
		if err != nil {
			return 0, err
		}
		if rec.Kind == journal.KindEnd {
			last = rec.Tick
		}
	}
}

// refuseJournal answers a replay request whose journal cannot be had.
func (s *Server) refuseJournal(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, errNoMatch):
		httpapi.WriteError(w, http.StatusNotFound, "match_not_found", "no match with id "+strconv.Quote(id))
	case errors.Is(err, errStorage):
		s.log.Error("spectate: reading a journal", "match", id, "err", err)
		httpapi.WriteError(w, http.StatusServiceUnavailable, "storage_unavailable", "the match store could not be read; try again")
	case errors.Is(err, journal.ErrCorrupt), errors.Is(err, journal.ErrTruncated):
		s.log.Warn("spectate: a damaged journal", "match", id, "err", err)
		httpapi.WriteError(w, http.StatusUnprocessableEntity, "journal_damaged", fmt.Sprintf("the journal of match %q cannot be replayed: %v", id, err))
	default:
		s.refuse(w, id, err)
	}
}

// ServeReplay serves GET /api/matches/{id}/replay: the journal of an ended
// match (PROTOCOL.md §5), from memory or the match store. A running match
// gets 409 match_live (its journal would give away more than the delay
// lets spectators see; watch it with ?from=), an unknown one 404, a damaged
// stored one 422 journal_damaged. Safe for concurrent use.
func (s *Server) ServeReplay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	fd, err := s.findJournal(r.Context(), id)
	if err != nil {
		s.refuseJournal(w, id, err)
		return
	}
	data := fd.data
	switch {
	case fd.running != nil || s.recent(fd):
		httpapi.WriteError(w, http.StatusConflict, "match_live", "match "+strconv.Quote(id)+" is still running (or its end is within the broadcast delay): its replay is there once it ends; watch it with ?from=<tick>")
		return
	case fd.live != nil:
		data = fd.live.Bytes()
	}
	if _, err := openJournal(data); err != nil {
		s.refuseJournal(w, id, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", JournalType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", `attachment; filename="`+id+`.skrj"`)
	h.Set("Cache-Control", "public, max-age=86400, immutable") // an ended match's journal never changes
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// JournalType is the media type of a journal file.
const JournalType = "application/vnd.skirmish.journal"

// replayHistory is the history of a timeshift stream's private feed: it has
// one spectator, who cannot resume it (a reconnect asks ?from= again).
const replayHistory = 16

// serveTimeshift serves a timeshift or replay stream: match id re-simulated
// from tick q.from at q.speed, never ahead of the live match less the delay,
// as the same SSE events (PROTOCOL.md §2, "Timeshift").
func (s *Server) serveTimeshift(w http.ResponseWriter, r *http.Request, id string, q eventsQuery) {
	fd, err := s.findJournal(r.Context(), id)
	if err != nil {
		s.refuseJournal(w, id, err)
		return
	}
	var (
		rd   *journal.Reader
		last uint32 // the last tick there is (ended), or shown now (running)
	)
	if fd.data != nil {
		if last, err = openJournal(fd.data); err == nil {
			rd, err = journal.Open(fd.data)
		}
		if err != nil {
			s.refuseJournal(w, id, err)
			return
		}
	} else {
		rd, last = fd.live.Follow(), fd.live.Ticks()
	}
	tickRate := rd.Header().World.TickRate
	delay := uint32(0)
	live := fd.running != nil || s.recent(fd)
	if live {
		delay = s.delayTicks(tickRate)
		if fd.running == nil { // stopped within the delay: its clock runs on
			last += ticksIn(max(s.cfg.Clock.Now().Sub(fd.stopped), 0), tickRate)
		}
		last = max(last, delay) - delay
	}
	from := min(q.from, last)
	if err := s.admissible(); err != nil {
		s.refuse(w, id, err)
		return
	}
	if r.Method == http.MethodHead {
		streamHeaders(w, r)
		w.WriteHeader(http.StatusOK)
		return
	}
	if n := s.replays.Add(1); int(n) > s.cfg.MaxReplays {
		s.replays.Add(-1)
		s.refuse(w, id, fmt.Errorf("%w: the server replays its maximum of %d streams", ErrServerFull, s.cfg.MaxReplays))
		return
	}
	defer s.replays.Add(-1)
	if err := s.admit(); err != nil {
		s.refuse(w, id, err)
		return
	}
	defer s.leave()

	opt := replayOptions{journal: rd, from: from, speed: q.speed, tickRate: tickRate, delay: delay,
		clock: s.cfg.Clock, log: s.log.With("match", id), desyncs: s.countDesync, parked: s.parkedHook(id)}
	if live {
		opt.live, opt.stopped = fd.live, fd.stopped
	}
	if fd.running != nil {
		opt.match = fd.running
	}
	src := newReplaySource(opt)
	// States a second of wall time stay at the spectator's rate whatever
	// the speed: at 4× the replay sends a state every 4 of its rate.
	rate := s.cfg.Rate
	if q.rate > 0 {
		rate = q.rate
	}
	rate = min(tickRate, max(1, int(math.Round(float64(rate)/q.speed))))
	f := newFeed(feedOptions{
		matchID: id, mapID: rd.Header().World.Map.ID, tickRate: tickRate, rate: rate,
		history: replayHistory, queueSize: s.cfg.QueueSize, maxPending: maxPending, maxLag: s.cfg.MaxLag,
		clock: s.cfg.Clock, counters: &s.stats, shed: &s.level, seq: &s.seq,
	})
	f.meta.extra = fmt.Appendf(nil, `,"timeline":{"from":%d,"last":%d,"live":%t,"speed":%s}`,
		from, last, live, strconv.FormatFloat(q.speed, 'f', -1, 64))
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan struct{})
	go func() { // owned here: cancelled and waited for before the handler returns
		defer close(done)
		f.run(ctx, src)
	}()
	defer func() {
		cancel()
		<-done
	}()
	sn := f.subscribe(0, false)
	defer f.unsubscribe(sn.sub)
	s.serveStream(w, r, id, sn)
}
