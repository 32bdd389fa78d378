package spectate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/internal/httpapi"
	"github.com/skirmish-game/skirmish/spectate/store"
)

var ended0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// archiveHarness is the spectator server with a real SQLite archive holding
// n ended matches, e0 (the oldest) … e<n-1>, a minute apart.
func archiveHarness(t *testing.T, n int) (*harness, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for i := range n {
		rec := store.Record{ID: fmt.Sprintf("e%d", i), Map: "box", TickRate: 30, MaxPlayers: 8, Tick: 9000,
			StartedAt: ended0.Add(time.Duration(i-5) * time.Minute), EndedAt: ended0.Add(time.Duration(i) * time.Minute),
			Reason: "score_limit", Winner: 2, Scoreboard: []store.Standing{
				{ID: 2, Name: "Ann", Kills: 20, Deaths: 1}, {ID: 1, Name: "bot Ivy", Bot: true, Kills: 3, Deaths: 9}}}
		if err := st.Save(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return newHarness(t, harnessConfig{spectate: Config{Archive: st}}), st
}

// getAPI fetches url and decodes its JSON body into v, returning the answer.
func (h *harness) getAPI(url string, wantStatus int, v any) *http.Response {
	h.t.Helper()
	resp := h.get(url, nil)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode != wantStatus || resp.Header.Get("Content-Type") != "application/json" {
		h.t.Fatalf("GET %s: %s %s %s, want %d JSON", url, resp.Status, resp.Header.Get("Content-Type"), body, wantStatus)
	}
	if err := decodeStrict(string(body), v); err != nil {
		h.t.Fatalf("GET %s: %v: %s", url, err, body)
	}
	return resp
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// TestEndedListPages follows the Link header through the ended matches,
// newest first, each entry with exactly the documented keys.
func TestEndedListPages(t *testing.T) {
	h, _ := archiveHarness(t, 7)
	var ids []string
	url := h.hs.URL + "/api/matches?state=ended&limit=3"
	for pages := 0; url != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than 3 pages of 3 for 7 matches")
		}
		var list []listEntry
		resp := h.getAPI(url, http.StatusOK, &list)
		for _, e := range list {
			ids = append(ids, e.ID)
		}
		url = ""
		if link := resp.Header.Get("Link"); link != "" {
			m := linkNext.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link %q", link)
			}
			url = h.hs.URL + m[1]
		}
	}
	if want := []string{"e6", "e5", "e4", "e3", "e2", "e1", "e0"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("pages gave %v, want %v", ids, want)
	}

	var list []listEntry
	h.getAPI(h.hs.URL+"/api/matches?state=ended", http.StatusOK, &list) // default limit: all 7
	want := listEntry{ID: "e6", Map: "box", Phase: "ended", Players: 1, Bots: 1, MaxPlayers: 8, Tick: 9000, TickRate: 30,
		Result: &Result{StartedAt: "2026-11-30T12:01:00Z", EndedAt: "2026-11-30T12:06:00Z", Reason: "score_limit", Winner: 2,
			Scoreboard: []scoreEntry{{ID: 2, Name: "Ann", Kills: 20, Deaths: 1}, {ID: 1, Name: "bot Ivy", Kills: 3, Deaths: 9, Bot: true}}}}
	if len(list) != 7 || !reflect.DeepEqual(list[0], want) {
		t.Fatalf("first entry %+v %+v\nwant %+v %+v", list[0], list[0].Result, want, want.Result)
	}
}

// TestMatchByID: one match, running or ended, as a list entry.
func TestMatchByID(t *testing.T) {
	h, _ := archiveHarness(t, 1)
	m := h.create()
	var live listEntry
	h.getAPI(h.hs.URL+"/api/matches/"+m.ID(), http.StatusOK, &live)
	if live.ID != m.ID() || live.Phase == "ended" || live.Result != nil {
		t.Fatalf("running match: %+v", live)
	}
	var ended listEntry
	h.getAPI(h.hs.URL+"/api/matches/e0", http.StatusOK, &ended)
	if ended.ID != "e0" || ended.Phase != "ended" || ended.Result == nil || ended.EndedAt != "2026-11-30T12:00:00Z" {
		t.Fatalf("ended match: %+v", ended)
	}
	var e httpapi.Error
	h.getAPI(h.hs.URL+"/api/matches/nope", http.StatusNotFound, &e)
	if e.Error != "match_not_found" || e.Message == "" {
		t.Fatalf("unknown match: %+v", e)
	}
}

func TestListBadQuery(t *testing.T) {
	h, _ := archiveHarness(t, 0)
	for _, q := range []string{
		"state=nope", "state=ENDED", "state=ended&limit=0", "state=ended&limit=201", "state=ended&limit=x",
		"state=ended&limit=", "state=ended&before=garbage", "state=ended&before=1.", "limit=5", "state=live&before=1.x",
	} {
		var e httpapi.Error
		h.getAPI(h.hs.URL+"/api/matches?"+q, http.StatusBadRequest, &e)
		if e.Error != "bad_query" || e.Message == "" {
			t.Errorf("?%s: %+v", q, e)
		}
	}
	var list []listEntry
	h.getAPI(h.hs.URL+"/api/matches?state=ended&limit=200&cachebust=1", http.StatusOK, &list)
	h.getAPI(h.hs.URL+"/api/matches?state=live", http.StatusOK, &list)
}

// TestArchiveUnavailable: a history that cannot be read is a 503 for the
// history alone, logged and counted; the live list goes on.
func TestArchiveUnavailable(t *testing.T) {
	h, st := archiveHarness(t, 1)
	st.Close()
	var e httpapi.Error
	h.getAPI(h.hs.URL+"/api/matches?state=ended", http.StatusServiceUnavailable, &e)
	h.getAPI(h.hs.URL+"/api/matches/e0", http.StatusServiceUnavailable, &e)
	if e.Error != "history_unavailable" {
		t.Fatalf("%+v", e)
	}
	if n := h.srv.Stats().ArchiveErrors; n != 2 {
		t.Fatalf("ArchiveErrors %d, want 2", n)
	}
	var list []listEntry
	h.getAPI(h.hs.URL+"/api/matches", http.StatusOK, &list)
}

// TestNoArchive: without a history the ended list is empty.
func TestNoArchive(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	var list []listEntry
	h.getAPI(h.hs.URL+"/api/matches?state=ended", http.StatusOK, &list)
	if list == nil || len(list) != 0 {
		t.Fatalf("%v", list)
	}
	var e httpapi.Error
	h.getAPI(h.hs.URL+"/api/matches/e0", http.StatusNotFound, &e)
	body, _ := json.Marshal(e)
	if e.Error != "match_not_found" {
		t.Fatalf("%s", body)
	}
}
