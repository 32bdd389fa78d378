package spectate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/internal/httpapi"
	"github.com/skirmish-game/skirmish/spectate/store"
)

// Archive is where the ended matches are read from; *store.Store is one.
// Its methods must be safe for concurrent use.
type Archive interface {
	Get(ctx context.Context, id string) (store.Record, error)
	List(ctx context.Context, after *store.Cursor, limit int) ([]store.Record, *store.Cursor, error)
}

var _ Archive = (*store.Store)(nil)

// The page size of GET /api/matches?state=ended.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// archiveTimeout bounds one read of the archive for a request.
const archiveTimeout = 5 * time.Second

// Result is what an ended match's entry in the match list adds (PROTOCOL.md
// §3): its end as the `end` event tells it (PROTOCOL.md §2), plus when it
// started and each player's bot flag. A plain value, safe to copy.
type Result struct {
	StartedAt  string       `json:"startedAt"` // RFC 3339, UTC
	EndedAt    string       `json:"endedAt"`   // RFC 3339, UTC
	Reason     string       `json:"reason"`
	Winner     int          `json:"winner"`
	Scoreboard []scoreEntry `json:"scoreboard"`
}

type scoreEntry struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Kills  int    `json:"kills"`
	Deaths int    `json:"deaths"`
	Bot    bool   `json:"bot"`
}

// endedEntry is a stored match's entry: phase ended, its seats as they were
// at the end, nobody watching, no time left.
func (s *Server) endedEntry(rec store.Record) listEntry {
	e := listEntry{ID: rec.ID, Map: rec.Map, Phase: game.PhaseEnded.String(), MaxPlayers: rec.MaxPlayers,
		Tick: rec.Tick, TickRate: rec.TickRate, Delay: s.cfg.Delay.Seconds(),
		Result: &Result{
			StartedAt:  rec.StartedAt.UTC().Format(time.RFC3339Nano),
			EndedAt:    rec.EndedAt.UTC().Format(time.RFC3339Nano),
			Reason:     rec.Reason,
			Winner:     rec.Winner,
			Scoreboard: make([]scoreEntry, len(rec.Scoreboard)),
		}}
	for i, p := range rec.Scoreboard {
		e.Scoreboard[i] = scoreEntry{ID: p.ID, Name: p.Name, Kills: p.Kills, Deaths: p.Deaths, Bot: p.Bot}
		if p.Bot {
			e.Bots++
		} else {
			e.Players++
		}
	}
	return e
}

// listQuery is GET /api/matches's query, checked.
type listQuery struct {
	ended bool
	limit int
	after *store.Cursor
}

// parseListQuery reads state (live, the default, or ended), and for ended
// limit (1–MaxListLimit, default DefaultListLimit) and before (a cursor the
// server handed out in a Link header). Other parameters are ignored.
func parseListQuery(v url.Values) (listQuery, error) {
	q := listQuery{limit: DefaultListLimit}
	switch state := v.Get("state"); state {
	case "", "live":
		for _, k := range []string{"limit", "before"} {
			if v.Has(k) {
				return q, fmt.Errorf("%s is only for state=ended", k)
			}
		}
		return q, nil
	case "ended":
		q.ended = true
	default:
		return q, fmt.Errorf("state %q: want live or ended", state)
	}
	if v.Has("limit") {
		n, err := strconv.Atoi(v.Get("limit"))
		if err != nil || n < 1 || n > MaxListLimit {
			return q, fmt.Errorf("limit %q: want 1 to %d", v.Get("limit"), MaxListLimit)
		}
		q.limit = n
	}
	if v.Has("before") {
		c, err := store.ParseCursor(v.Get("before"))
		if err != nil {
			return q, fmt.Errorf("before %q: not a cursor this server gave (take the next page's URL from the Link header)", v.Get("before"))
		}
		q.after = &c
	}
	return q, nil
}

// serveEnded answers GET /api/matches?state=ended: a page of ended matches,
// newest first, with the next page's URL in a Link header (RFC 8288) when
// there is one.
func (s *Server) serveEnded(w http.ResponseWriter, r *http.Request, q listQuery) {
	list := []listEntry{}
	if s.cfg.Archive != nil {
		ctx, cancel := context.WithTimeout(r.Context(), archiveTimeout)
		defer cancel()
		recs, next, err := s.cfg.Archive.List(ctx, q.after, q.limit)
		if err != nil {
			s.archiveFailed(w, err)
			return
		}
		for _, rec := range recs {
			list = append(list, s.endedEntry(rec))
		}
		if next != nil {
			v := url.Values{"state": {"ended"}, "limit": {strconv.Itoa(q.limit)}, "before": {next.String()}}
			w.Header().Set("Link", "<"+r.URL.Path+"?"+v.Encode()+`>; rel="next"`)
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}

// ServeMatch serves GET /api/matches/{id} (PROTOCOL.md §3): the match as an
// entry of the list, running or ended; 404 match_not_found when neither the
// registry nor the archive has it. It is safe for concurrent use.
func (s *Server) ServeMatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if m, ok := s.cfg.Registry.Find(id); ok {
		httpapi.WriteJSON(w, http.StatusOK, s.liveEntry(m.Info()))
		return
	}
	if s.cfg.Archive != nil {
		ctx, cancel := context.WithTimeout(r.Context(), archiveTimeout)
		defer cancel()
		rec, err := s.cfg.Archive.Get(ctx, id)
		switch {
		case err == nil:
			httpapi.WriteJSON(w, http.StatusOK, s.endedEntry(rec))
			return
		case !errors.Is(err, store.ErrNotFound):
			s.archiveFailed(w, err)
			return
		}
	}
	httpapi.WriteError(w, http.StatusNotFound, "match_not_found", "no match with id "+strconv.Quote(id))
}

// archiveFailed answers a request the archive could not serve; the server
// goes on (the live matches do not need it).
func (s *Server) archiveFailed(w http.ResponseWriter, err error) {
	s.stats.archiveErrors.Add(1)
	s.log.Error("spectate: reading the match history failed", "err", err)
	httpapi.WriteError(w, http.StatusServiceUnavailable, "history_unavailable", "the match history cannot be read right now")
}
