package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/journal"
	"github.com/skirmish-game/skirmish/spectate"
)

// TestServeReplayOfAnEndedMatch, through the real server: a match a real
// player played and the host ended is, right after, a journal at
// /api/matches/{id}/replay and a stream at /events?speed=8 that replays it
// to its end (reason admin); while it ran, its replay was 409 match_live.
func TestServeReplayOfAnEndedMatch(t *testing.T) {
	a := startAdminServer(t, nil)
	var created adminMatch
	a.must(t, "POST", "/admin/matches", "", http.StatusCreated, &created)
	p := dialPlayer(t, a.ws, created.ID, "ada")
	// Move right, an input per state the live feed shows, until the feed
	// shows the player 20 units on: its inputs are in the match.
	live, err := http.Get(a.base + "/api/matches/" + created.ID + "/events?rate=10")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Body.Close()
	states := bufio.NewScanner(live.Body)
	states.Buffer(make([]byte, 1<<20), 1<<20)
	startX := -1.0
	for seq, moved := uint32(1), false; !moved; seq++ {
		if err := p.c.SendInput(game.Input{Seq: seq, MoveX: 1}); err != nil {
			t.Fatal(err)
		}
		if !scanUntil(states, "data: ") {
			t.Fatal("the live feed ended")
		}
		var st struct {
			Players []struct {
				ID game.PlayerID `json:"id"`
				X  float64       `json:"x"`
			} `json:"players"`
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(states.Text(), "data: ")), &st); err != nil {
			continue // an event without players
		}
		for _, pl := range st.Players {
			if pl.ID != p.w.You {
				continue
			}
			if startX < 0 {
				startX = pl.X
			}
			moved = pl.X > startX+20
		}
		if seq > 3000 {
			t.Fatal("the player never moved")
		}
	}
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(a.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	if resp, body := get("/api/matches/" + created.ID + "/replay"); resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "match_live") {
		t.Fatalf("replay of a running match: %s %s", resp.Status, body)
	}
	a.must(t, "DELETE", "/admin/matches/"+created.ID, "", http.StatusOK, nil)
	p.closed(t)

	var data []byte
	eventually(t, "the ended match's journal", func() bool {
		resp, body := get("/api/matches/" + created.ID + "/replay")
		data = body
		return resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == spectate.JournalType
	})
	r, err := journal.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	inputs := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind == journal.KindTick {
			inputs += len(rec.Input.Inputs)
		}
		if rec.Kind == journal.KindEnd && rec.Reason != game.EndAdmin {
			t.Fatalf("end record %+v, want reason admin", rec)
		}
	}
	if inputs == 0 {
		t.Fatal("the journal has none of the player's inputs")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/matches/"+created.ID+"/events?speed=8", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sse := bufio.NewScanner(resp.Body)
	sse.Buffer(make([]byte, 1<<20), 1<<20)
	if !scanUntil(sse, "event: snapshot") || !sse.Scan() || !strings.Contains(sse.Text(), `"timeline":{"from":0,`) {
		t.Fatalf("the replay's snapshot: %q", sse.Text())
	}
	if !scanUntil(sse, "event: end") || !sse.Scan() || !strings.Contains(sse.Text(), `"reason":"admin"`) {
		t.Fatalf("the replay's end: %q, want reason admin", sse.Text())
	}
}
