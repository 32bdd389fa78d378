package spectate

import (
	"errors"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// writeBatch is the most queued events written between two flushes: enough to
// catch up after a stall in a few syscalls, small enough that the heartbeat
// and the client-gone check are never far away.
const writeBatch = 64

var heartbeat = []byte(": hb\n\n")

// ServeEvents serves GET /api/matches/{id}/events: the match's spectator feed
// as Server-Sent Events (PROTOCOL.md §2) — with Config.Delay, the match as it
// was that long ago; with ?rate=N, at most N states a second; with ?from= or
// ?speed=, a timeshift stream re-simulated from the match's journal
// (timeshift.go); bad parameters get 400 bad_rate, bad_from or bad_speed. It
// returns when the match ends, the client goes away, the spectator falls
// behind, or the server shuts down.
//
// HEAD gets the status and headers a GET would get, and returns at once: it
// neither subscribes nor starts a feed, so it is never counted as a
// spectator (writes to a HEAD response are discarded, so a HEAD that
// streamed would never notice its client was gone). It is safe for
// concurrent use.
func (s *Server) ServeEvents(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	defer s.wg.Done()

	id := r.PathValue("id")
	q, err := s.parseQuery(r)
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, err.code, err.msg)
		return
	}
	if q.timeshift {
		s.serveTimeshift(w, r, id, q)
		return
	}
	if _, err := s.lookup(id); err != nil {
		if s.delayedEnd(id) {
			// Stopped less than the delay ago: to spectators it is still
			// on, and its last seconds come from its journal.
			q.from, q.speed = math.MaxUint32, 1
			s.serveTimeshift(w, r, id, q)
			return
		}
		s.refuse(w, id, err)
		return
	}
	if r.Method == http.MethodHead {
		if err := s.admissible(); err != nil {
			s.refuse(w, id, err)
			return
		}
		streamHeaders(w, r)
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := s.admit(); err != nil {
		s.refuse(w, id, err)
		return
	}
	defer s.leave()
	last, resume := lastEventID(r)
	var sn subscription
	for try := 0; ; try++ {
		f, err := s.feed(id)
		if err != nil {
			s.refuse(w, id, err)
			return
		}
		if sn = f.subscribeAt(last, resume, q.rate); !sn.released {
			if sn.sub != nil {
				defer f.unsubscribe(sn.sub)
			}
			break
		}
		// The feed was released as we came: the next call starts a new one,
		// unless that keeps happening (a pathological grace).
		if try == 2 {
			s.refuse(w, id, errRetry)
			return
		}
	}
	if sn.over {
		// The client saw the match's end already; 204 tells EventSource to
		// stop reconnecting.
		w.WriteHeader(http.StatusNoContent)
		return
	}

	s.serveStream(w, r, id, sn)
}

// delayedEnd reports whether match id stopped less than the broadcast delay
// ago (its journal is still in memory).
func (s *Server) delayedEnd(id string) bool {
	if s.cfg.Delay <= 0 {
		return false
	}
	w, at, ok := s.cfg.Registry.Journal(id)
	return ok && s.recent(found{live: w, stopped: at})
}

// serveStream writes a subscription to the client: the retry line, the
// backlog, then the queued frames as they come, with heartbeats, until the
// feed closes the queue, drops the spectator, or the client goes away.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, id string, sn subscription) {
	streamHeaders(w, r)
	w.WriteHeader(http.StatusOK)
	if s.cfg.SendBuffer > 0 {
		setSendBuffer(r, s.cfg.SendBuffer)
	}

	sub := sn.sub
	out := stream{w: w, rc: http.NewResponseController(w), sub: sub, timeout: s.cfg.WriteTimeout, meter: &s.writing}
	// The feed aborts a write in progress when it drops the spectator.
	sub.attach(func() { _ = out.rc.SetWriteDeadline(aLongTimeAgo) })
	defer sub.detach()
	if err := out.send(retryLine(s.cfg.Retry)); err != nil {
		s.writeFailed(id, sub, err, &out)
		return
	}
	for len(sn.backlog) > 0 {
		n := min(len(sn.backlog), writeBatch)
		if err := out.send(sn.backlog[:n]...); err != nil {
			s.writeFailed(id, sub, err, &out)
			return
		}
		s.stats.wrote(n, sn.backlog[:n]) // one event each
		sn.backlog = sn.backlog[n:]
	}

	hb := time.NewTimer(s.cfg.Heartbeat)
	defer hb.Stop()
	frames := make([]*frame, 0, writeBatch)
	chunks := make([][]byte, 0, writeBatch)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-hb.C:
			if err := out.send(heartbeat); err != nil {
				s.writeFailed(id, sub, err, &out)
				return
			}
			hb.Reset(s.cfg.Heartbeat)
			continue
		case <-sub.ready:
		}
		for more := true; more; {
			var closed, dropped bool
			frames, closed, dropped = sub.take(frames[:0])
			if dropped {
				s.dropped(id, sub, &out)
				return
			}
			if len(frames) > 0 {
				chunks = chunks[:0]
				events := 0
				for _, fr := range frames {
					chunks = append(chunks, fr.data)
					events += fr.events
				}
				clear(frames) // written frames may be collected
				err := out.send(chunks...)
				if err == nil {
					s.stats.wrote(events, chunks)
				}
				clear(chunks)
				if err != nil {
					s.writeFailed(id, sub, err, &out)
					return
				}
				hb.Reset(s.cfg.Heartbeat)
			}
			if closed {
				return // the feed ended: end was the last frame written
			}
			more = sub.written()
		}
	}
}

// streamHeaders sets the headers of an event stream (PROTOCOL.md §2).
func streamHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	if r.ProtoMajor == 1 {
		h.Set("Connection", "keep-alive") // a hop-by-hop header: HTTP/2 forbids it
	}
}

// errRetry is a stream refused for a passing reason; the client retries.
var errRetry = errors.New("spectate: try again")

// refuse answers a request for match id's stream that cannot be served.
func (s *Server) refuse(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, ErrShuttingDown):
		httpapi.WriteError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	case errors.Is(err, ErrServerFull):
		s.stats.refused.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(retryLater()/time.Second)))
		httpapi.WriteError(w, http.StatusServiceUnavailable, "server_full", strings.TrimPrefix(err.Error(), ErrServerFull.Error()+": "))
	case errors.Is(err, errRetry):
		w.Header().Set("Retry-After", "1")
		httpapi.WriteError(w, http.StatusServiceUnavailable, "server_full", "the match's feed is restarting; try again")
	default:
		httpapi.WriteError(w, http.StatusNotFound, "match_not_found", "no running match with id "+strconv.Quote(id))
	}
}

// writeFailed accounts for a stream that ended on a failed write. A stuck
// client (deadline) is the interesting case, counted as dropped unless its
// feed already dropped it (and aborted the write); a vanished one is routine.
func (s *Server) writeFailed(match string, sub *subscriber, err error, out *stream) {
	switch {
	case errors.Is(err, errDropped) || sub.isDropped():
		s.dropped(match, sub, out)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.stats.dropped.Add(1)
		s.log.Info("spectate: dropped a stuck spectator", "match", match, "err", err)
	default:
		s.log.Debug("spectate: spectator write failed", "match", match, "err", err)
	}
}

// dropped ends the stream of a spectator its feed let go. One shed to spare
// the matches is told when to come back (an SSE retry field), if out can
// still take it; one that fell behind is not written to again.
func (s *Server) dropped(match string, sub *subscriber, out *stream) {
	retry := sub.retryHint()
	if retry == 0 {
		s.log.Info("spectate: dropped a spectator that fell behind", "match", match)
		return
	}
	if out != nil {
		out.last(retryLine(retry))
	}
	s.log.Debug("spectate: shed a spectator", "match", match, "retry", retry)
}

// errDropped ends a stream whose spectator the feed dropped.
var errDropped = errors.New("spectate: spectator dropped")

// aLongTimeAgo is a deadline in the past: it makes a blocked write fail now.
var aLongTimeAgo = time.Unix(1, 0)

// stream writes SSE chunks to one response with a deadline on every write.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	sub     *subscriber
	timeout time.Duration
	meter   *atomic.Int64 // nanoseconds spent in send, server-wide (load.go)
}

// send writes chunks and flushes them to the client.
func (st *stream) send(chunks ...[]byte) error {
	start := time.Now()
	defer func() { st.meter.Add(int64(min(time.Since(start), meterCap))) }()
	for _, c := range chunks {
		if err := st.deadline(); err != nil {
			return err
		}
		if _, err := st.w.Write(c); err != nil {
			return err
		}
	}
	if err := st.deadline(); err != nil {
		return err
	}
	return st.rc.Flush()
}

// last writes chunk after the spectator was dropped (so deadline refuses),
// with a short deadline of its own: best effort.
func (st *stream) last(chunk []byte) {
	if st.rc.SetWriteDeadline(time.Now().Add(lastWriteTimeout)) != nil {
		return
	}
	if _, err := st.w.Write(chunk); err == nil {
		_ = st.rc.Flush()
	}
}

// meterCap is the most one send adds to the write meter. A write returns
// once the kernel has copied the bytes, so a healthy one costs microseconds
// of CPU; one that takes longer is mostly waiting for a full socket (a stuck
// client), which costs no CPU and must not look like load.
const meterCap = 2 * time.Millisecond

// lastWriteTimeout bounds stream.last.
const lastWriteTimeout = time.Second

// deadline bounds the next write, so a client that stops reading is dropped
// instead of holding its handler (and its queue) forever. It is extended
// before every write, which also lifts any server-wide WriteTimeout that would
// cut a long-lived stream. It fails with errDropped once the feed has dropped
// the spectator (see subscriber.arm).
func (st *stream) deadline() error {
	ok, err := st.sub.arm(func() error {
		return st.rc.SetWriteDeadline(time.Now().Add(st.timeout))
	})
	switch {
	case !ok:
		return errDropped
	case errors.Is(err, http.ErrNotSupported):
		return nil // e.g. a ResponseWriter wrapper without Unwrap: no per-write bound
	}
	return err
}

// retryLine is the stream's first line: the client's reconnect delay.
func retryLine(d time.Duration) []byte {
	b := append([]byte("retry: "), strconv.FormatInt(d.Milliseconds(), 10)...)
	return append(b, "\n\n"...)
}

// lastEventID returns the event id a reconnecting client last saw: the
// Last-Event-ID header (set by EventSource on reconnect) or else the
// lastEventId query parameter (for a client that reopens the stream itself).
// ok is false when neither is present or the value is not a valid id, in
// which case the client starts from a fresh snapshot.
func lastEventID(r *http.Request) (id uint64, ok bool) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		return parseEventID(v)
	}
	return parseEventID(r.URL.Query().Get("lastEventId"))
}

// parseEventID parses an event id as this server writes it: 1 to 20 ASCII
// decimal digits (no sign, no spaces) fitting in a uint64.
func parseEventID(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// listEntry is one match in GET /api/matches and GET /api/matches/{id}
// (PROTOCOL.md §3): a running match, or with its Result an ended one.
type listEntry struct {
	ID         string  `json:"id"`
	Map        string  `json:"map"`
	Phase      string  `json:"phase"`
	Players    int     `json:"players"`
	Bots       int     `json:"bots"`
	MaxPlayers int     `json:"maxPlayers"`
	Spectators int     `json:"spectators"`
	TimeLeft   float64 `json:"timeLeft"`
	Tick       uint32  `json:"tick"`           // the match's tick now (not delayed)
	TickRate   int     `json:"tickRate"`       // ticks per second
	Delay      float64 `json:"spectatorDelay"` // the broadcast delay, seconds
	*Result            // ended matches only (archive.go)
}

// ServeList serves GET /api/matches (PROTOCOL.md §3): every running match
// but the private ones (joined by a link the host hands out) with its
// spectator count, ordered by id; with ?state=ended the stored ended public
// matches instead, newest first, a page at a time (serveEnded). It is safe
// for concurrent use.
func (s *Server) ServeList(w http.ResponseWriter, r *http.Request) {
	q, err := parseListQuery(r.URL.Query())
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, "bad_query", err.Error())
		return
	}
	if q.ended {
		s.serveEnded(w, r, q)
		return
	}
	infos := s.cfg.Registry.List()
	list := make([]listEntry, 0, len(infos)) // an empty list is [], not null
	for _, m := range infos {
		if m.Private {
			continue
		}
		list = append(list, s.liveEntry(m))
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}

// liveEntry is a running match's entry.
func (s *Server) liveEntry(m match.Info) listEntry {
	return listEntry{
		ID:         m.ID,
		Map:        m.Map,
		Phase:      m.Phase.String(),
		Players:    m.Humans,
		Bots:       m.Bots,
		MaxPlayers: m.MaxPlayers,
		Spectators: s.Spectators(m.ID),
		TimeLeft:   roundTo(m.TimeLeft.Seconds(), timeDecimals),
		Tick:       m.Tick,
		TickRate:   m.TickRate,
		Delay:      s.cfg.Delay.Seconds(),
	}
}

// roundTo rounds v to prec decimals, as the feed writes times.
func roundTo(v float64, prec int) float64 {
	p := math.Pow10(prec)
	return math.Round(v*p) / p
}
