package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/client"
)

// TestBrowserBandwidth: a real browser in a full 8-player arena (itself and
// seven server bots fighting) receives deltas and stays well under the
// old 6.6 KB/s of complete snapshots (PROTOCOL.md §1.10). It logs the
// figure for docs/PERFORMANCE.md: run with -v. The bound is loose (the
// load tool's 8 bots measure about 2.5 KB/s); a slow machine only sends
// fewer snapshots, so it cannot push the figure up.
func TestBrowserBandwidth(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	cfg := testServeConfig(t)
	cfg.BotFill = cfg.MaxPlayers // seven bots with the player: a full match
	base := startServer(t, cfg)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#quickplay")),
		chromedp.SetValue(chromedp.CSS("#name"), "e2e-bytes"),
		chromedp.Click(chromedp.CSS("#quickplay")),
	); err != nil {
		t.Fatalf("lobby: %v", err)
	}
	waitView(t, ctx, "a full match", `(v, n) => v.mode === "playing" && v.players.length === n && v.net !== null`, cfg.MaxPlayers)
	time.Sleep(4 * time.Second) // the countdown: shots start flying once the match is live

	// bytesInPerSec is the page's meter over the last second (message
	// payloads, without WebSocket headers): ten samples a second apart.
	var sum float64
	const samples = 10
	for range samples {
		time.Sleep(time.Second)
		sum += eval[float64](t, ctx, `window.skirmish.net.bytesInPerSec`)
	}
	v, _ := readView(ctx)
	avg := sum / samples
	t.Logf("the browser received %.0f bytes/s over %d s (%d complete snapshots, %d deltas, %d dropped)",
		avg, samples, v.Kinds.Complete, v.Kinds.Deltas, v.Kinds.Dropped)
	if avg <= 0 || avg > 4000 {
		t.Errorf("%.0f bytes/s: want some, and under 4000 (complete snapshots took 6600)", avg)
	}
	if v.Kinds.Dropped != 0 || v.Kinds.Deltas < 10*v.Kinds.Complete {
		t.Errorf("%d complete snapshots, %d deltas, %d dropped: want deltas, none dropped", v.Kinds.Complete, v.Kinds.Deltas, v.Kinds.Dropped)
	}
}
