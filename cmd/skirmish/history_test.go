package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game/journal"
	"github.com/skirmish-game/skirmish/internal/pgtest"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate/store"
)

// endedEntry is an ended match in the API's list (PROTOCOL.md §3).
type endedEntry struct {
	ID         string `json:"id"`
	Phase      string `json:"phase"`
	Players    int    `json:"players"`
	EndedAt    string `json:"endedAt"`
	Reason     string `json:"reason"`
	Scoreboard []struct {
		Name string `json:"name"`
		Bot  bool   `json:"bot"`
	} `json:"scoreboard"`
}

// joinAndStop seats a player in a match on rs, then drains the server as
// SIGTERM does, and returns the match's id once serve has returned.
func joinAndStop(t *testing.T, rs *runningServer, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, welcome, err := netcode.Dial(ctx, "ws"+strings.TrimPrefix(rs.base, "http")+"/ws", netcode.DialOptions{Name: name})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	rs.stop()
	select {
	case err := <-rs.result:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		rs.result <- nil // for the cleanup
	case <-ctx.Done():
		t.Fatal("serve did not return")
	}
	return welcome.Match
}

// TestServeHistorySurvivesRestart: a match that ends in the SIGTERM drain
// is stored before the server exits, and a server started again on the
// same data dir lists it, finds it by id, and keeps it across pages.
func TestServeHistorySurvivesRestart(t *testing.T) {
	cfg := testServeConfig(t)
	rs := startServerFull(t, cfg)
	first := joinAndStop(t, rs, "ann")
	// serve returned only after the drain's match was saved and the
	// history closed: a process exiting now loses nothing.
	if st := rs.srv.recorder.Stats(); st.Saved != 1 || st.Queued != 0 || st.Failed != 0 {
		t.Fatalf("when serve returned: recorder stats %+v, want the match saved", st)
	}
	if _, err := rs.srv.history.Get(context.Background(), first); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("when serve returned the history was still open (Get: %v)", err)
	}
	second := joinAndStop(t, startServerFull(t, cfg), "bo")

	base := startServer(t, cfg) // the third server, same data dir
	var list []endedEntry
	resp := getJSONResp(t, base+"/api/matches?state=ended&limit=1", &list)
	if len(list) != 1 || list[0].ID != second || list[0].Reason != "shutdown" || list[0].Phase != "ended" {
		t.Fatalf("newest ended match %+v, want %s ended by the shutdown", list, second)
	}
	if _, err := time.Parse(time.RFC3339, list[0].EndedAt); err != nil {
		t.Errorf("endedAt %q: %v", list[0].EndedAt, err)
	}
	humans := 0
	for _, p := range list[0].Scoreboard {
		if p.Name == "bo" && !p.Bot {
			humans++
		}
	}
	if humans != 1 || list[0].Players != 1 {
		t.Errorf("scoreboard %+v, players %d: want bo, a human", list[0].Scoreboard, list[0].Players)
	}
	link := resp.Header.Get("Link")
	next, ok := strings.CutPrefix(link, "<")
	next, _, _ = strings.Cut(next, ">")
	if !ok || !strings.HasSuffix(link, `>; rel="next"`) {
		t.Fatalf("Link %q", link)
	}
	getJSONResp(t, base+next, &list)
	if len(list) != 1 || list[0].ID != first {
		t.Fatalf("second page %+v, want %s", list, first)
	}
	var one endedEntry
	getJSON(t, base+"/api/matches/"+first, http.StatusOK, &one)
	if one.ID != first || one.Reason != "shutdown" {
		t.Fatalf("GET /api/matches/%s = %+v", first, one)
	}
	// Its replay survived too: the journal, served from the history.
	resp, err := http.Get(base + "/api/matches/" + first + "/replay")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replay after a restart: %s %s", resp.Status, data)
	}
	r, err := journal.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); h.Match != first {
		t.Fatalf("the journal is of match %q, want %s", h.Match, first)
	}
}

// TestServeHistoryPostgres: with --database-url the history is in
// PostgreSQL (a real server, started for the test) and survives a restart
// the same way.
func TestServeHistoryPostgres(t *testing.T) {
	pg, err := pgtest.Shared()
	if err != nil {
		t.Fatalf("PostgreSQL is required for this test: %v", err)
	}
	cfg := testServeConfig(t)
	if cfg.DatabaseURL, err = pg.NewDatabase(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = "/nonexistent/never-created" // unused with a database URL
	rs := startServerFull(t, cfg)
	if b := rs.srv.history.Backend(); b != "postgres" {
		t.Fatalf("history backend %q, want postgres", b)
	}
	id := joinAndStop(t, rs, "pg")
	base := startServer(t, cfg)
	var one endedEntry
	getJSON(t, base+"/api/matches/"+id, http.StatusOK, &one)
	if one.ID != id || one.Reason != "shutdown" || len(one.Scoreboard) == 0 {
		t.Fatalf("GET /api/matches/%s after a restart = %+v", id, one)
	}
}

// getJSONResp is getJSON for a 200 that also returns the response.
func getJSONResp(t *testing.T, url string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	getJSON(t, url, http.StatusOK, into)
	return resp
}

// syncBuffer is a log sink the server writes from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeHistoryBroken: with its database gone, the server goes on — the
// live list answers, the history answers 503, a match that ends is logged
// and counted as not saved — and it still drains cleanly.
func TestServeHistoryBroken(t *testing.T) {
	cfg := testServeConfig(t)
	logs := &syncBuffer{}
	srv, err := newServer(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	rs := &runningServer{srv: srv, base: "http://" + ln.Addr().String(), stop: stop, result: make(chan error, 1)}
	go func() { rs.result <- srv.serve(ctx, ln) }()
	t.Cleanup(stop)

	srv.history.Close() // the database goes away under the running server
	var apiErr map[string]string
	getJSON(t, rs.base+"/api/matches?state=ended", http.StatusServiceUnavailable, &apiErr)
	if apiErr["error"] != "history_unavailable" {
		t.Errorf("history error %v", apiErr)
	}
	var live []map[string]any
	getJSON(t, rs.base+"/api/matches", http.StatusOK, &live)

	id := joinAndStop(t, rs, "cy") // the match ends and its save fails
	if st := srv.recorder.Stats(); st.Failed != 1 || st.Saved != 0 {
		t.Errorf("recorder stats %+v, want one failed save", st)
	}
	if !strings.Contains(logs.String(), "saving an ended match failed") || !strings.Contains(logs.String(), id) {
		t.Errorf("the failed save is not logged with its match:\n%s", logs)
	}
}
