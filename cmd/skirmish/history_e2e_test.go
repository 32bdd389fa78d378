package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/client"
)

// TestBrowserLobbyResults: after a restart, the lobby in a real Chromium
// lists the match that the previous server's drain ended, with its result,
// and its Replay button opens the spectator view on that match.
func TestBrowserLobbyResults(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	cfg := testServeConfig(t)
	id := joinAndStop(t, startServerFull(t, cfg), "e2e-ann")
	base := startServer(t, cfg) // restarted on the same data dir

	ctx := newBrowser(t) // headless Chromium, 1280×800, closed when the test ends

	row := `#results .match[data-match-id="` + id + `"]`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatalf("lobby results: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" button.replay"))); err != nil {
		t.Fatal(err)
	}
	hash, err := chromedp.Run(ctx, chromedp.Poll[string](`location.hash.startsWith("#/replay/") && location.hash`,
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if !strings.Contains(text, "No winner (server restart)") || !strings.Contains(text, id[:8]) {
		t.Errorf("result row %q, want the match %s ended by the restart with no winner", text, id[:8])
	}
	if hash != "#/replay/"+id {
		t.Errorf("Replay went to %q, want #/replay/%s", hash, id)
	}
	// The spectator view plays the stored journal back: a snapshot, then
	// the match to its end. This match lasted a few ticks, so the replay
	// may be over (the stream closed after its end) before the first look.
	waitView(t, ctx, "the replay plays", `(v, id) => (v.mode === "watching" || v.mode === "disconnected") && v.matchId === id && v.snapshots > 0`, id)
}
