package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/client"
)

// chromiumPath finds the browser. The browser test never skips: a machine
// that cannot run it fails, so CI cannot go green without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SKIRMISH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install Debian's chromium (apt-get install chromium) or set SKIRMISH_CHROMIUM; the browser test does not skip")
	return ""
}

// debugView mirrors the client's window.skirmish test hook.
type debugView struct {
	Mode       string   `json:"mode"`
	MatchID    string   `json:"matchId"`
	You        int      `json:"you"`
	Tick       int      `json:"tick"`
	Snapshots  int      `json:"snapshots"`
	Events     int      `json:"events"`
	Net        *netView `json:"net"`
	NetOverlay bool     `json:"netOverlay"`
	Players    []struct {
		ID    int     `json:"id"`
		Name  string  `json:"name"`
		X     float64 `json:"x"`
		Y     float64 `json:"y"`
		Alive bool    `json:"alive"`
	} `json:"players"`
}

// netView mirrors window.skirmish.net (render/netoverlay.ts NetReadings).
type netView struct {
	RTTMs             *float64 `json:"rttMs"`
	RTTVarMs          *float64 `json:"rttVarMs"`
	JitterMs          *float64 `json:"jitterMs"`
	SnapshotsPerSec   float64  `json:"snapshotsPerSec"`
	BytesInPerSec     float64  `json:"bytesInPerSec"`
	BytesOutPerSec    float64  `json:"bytesOutPerSec"`
	DelayMs           *float64 `json:"delayMs"`
	TargetDelayMs     *float64 `json:"targetDelayMs"`
	CorrectionsPerSec float64  `json:"correctionsPerSec"`
	Reconnects        int      `json:"reconnects"`
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// drawnFrame mirrors an element of window.skirmish.framesSince(t).
type drawnFrame struct {
	T       float64 `json:"t"`
	Players []struct {
		ID int     `json:"id"`
		X  float64 `json:"x"`
		Y  float64 `json:"y"`
	} `json:"players"`
}

func (v debugView) player(id int) (x, y float64, ok bool) {
	for _, p := range v.Players {
		if p.ID == id {
			return p.X, p.Y, true
		}
	}
	return 0, 0, false
}

func readView(ctx context.Context) (debugView, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[debugView](`window.skirmish ? JSON.parse(JSON.stringify(window.skirmish)) : {}`))
}

// waitView polls the page's debug view until ok accepts it.
func waitView(t *testing.T, ctx context.Context, what string, ok func(debugView) bool) debugView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last debugView
	for time.Now().Before(deadline) {
		v, err := readView(ctx)
		if err != nil {
			t.Fatalf("%s: reading window.skirmish: %v", what, err)
		}
		if ok(v) {
			return v
		}
		last = v
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: timed out; last view: %+v", what, last)
	return last
}

// countSockets makes the tab count the WebSockets its pages open (as
// window.__sockets), so the spectator tab can prove it uses EventSource only.
func countSockets(ctx context.Context) error {
	const script = `window.__sockets = 0; (() => { const W = window.WebSocket;
	  window.WebSocket = function (...a) { window.__sockets++; return new W(...a); };
	  window.WebSocket.prototype = W.prototype; Object.assign(window.WebSocket, W); })();`
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
}

func holdKey(ctx context.Context, key, code string, vk int64, d time.Duration) error {
	k := func(typ input.DispatchKeyEventType) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent,
				input.DispatchKeyEventParams{Type: typ, Key: key, Code: code, WindowsVirtualKeyCode: vk})
			return err
		})
	}
	return chromedp.Do(ctx, k(input.DispatchKeyEventTypeKeyDown), chromedp.Sleep(d), k(input.DispatchKeyEventTypeKeyUp))
}

// TestBrowserPlayAndWatch drives the embedded client in real headless
// Chromium: quick play, move with the keyboard, and watch the same match in a
// second tab through EventSource alone.
func TestBrowserPlayAndWatch(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	exe := chromiumPath(t)
	cfg := testServeConfig(t)
	cfg.Bots = false // alone in the match, nothing else moves the player
	base := startServer(t, cfg)

	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()

	if err := countSockets(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#quickplay")),
		chromedp.SetValue(chromedp.CSS("#name"), "e2e-player"),
		chromedp.Click(chromedp.CSS("#quickplay")),
	); err != nil {
		t.Fatalf("lobby: %v", err)
	}
	v := waitView(t, ctx, "quick play", func(v debugView) bool {
		_, _, ok := v.player(v.You)
		return v.Mode == "playing" && v.You != 0 && v.Snapshots > 2 && ok
	})
	matchID, you := v.MatchID, v.You
	x0, y0, _ := v.player(you)
	t.Logf("playing match %s as player %d at (%.1f, %.1f)", matchID, you, x0, y0)

	// Hold a direction; if a wall is in the way, try the others. Any key that
	// moves the player a clear distance proves input reaches the server and
	// comes back in snapshots.
	keys := []struct {
		key, code string
		vk        int64
	}{{"d", "KeyD", 68}, {"a", "KeyA", 65}, {"s", "KeyS", 83}, {"w", "KeyW", 87}}
	moved := false
	for _, k := range keys {
		before, err := readView(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bx, by, _ := before.player(you)
		if err := holdKey(ctx, k.key, k.code, k.vk, 700*time.Millisecond); err != nil {
			t.Fatalf("key %s: %v", k.key, err)
		}
		time.Sleep(400 * time.Millisecond) // let the last snapshots arrive
		after, err := readView(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ax, ay, _ := after.player(you)
		if d := math.Hypot(ax-bx, ay-by); d > 40 {
			t.Logf("key %s moved the player %.1f units to (%.1f, %.1f)", k.key, d, ax, ay)
			moved = true
			break
		}
	}
	if !moved {
		t.Fatal("holding W/A/S/D did not move the player")
	}

	// N shows the network overlay; its figures are live.
	if err := holdKey(ctx, "n", "KeyN", 78, 50*time.Millisecond); err != nil {
		t.Fatalf("key n: %v", err)
	}
	nv := waitView(t, ctx, "network overlay", func(v debugView) bool {
		n := v.Net
		return v.NetOverlay && n != nil && n.RTTMs != nil && n.SnapshotsPerSec > 0 && n.BytesInPerSec > 0 &&
			n.BytesOutPerSec > 0 && n.DelayMs != nil && *n.DelayMs > 0
	})
	n := nv.Net
	t.Logf("network overlay: RTT %.1f ± %.1f ms, jitter %.1f ms, %.1f snapshots/s, in %.0f B/s, out %.0f B/s, delay %.0f → %.0f ms",
		*n.RTTMs, deref(n.RTTVarMs), deref(n.JitterMs), n.SnapshotsPerSec, n.BytesInPerSec, n.BytesOutPerSec, *n.DelayMs, deref(n.TargetDelayMs))
	// The frame log has where the player was drawn, frame by frame. A
	// loaded machine draws fewer frames a second: wait for 60 of them
	// rather than expect them by a time.
	var frames []drawnFrame
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var err error
		if frames, err = chromedp.Run(ctx, chromedp.Evaluate[[]drawnFrame](`window.skirmish.framesSince(0)`)); err != nil {
			t.Fatal(err)
		}
		if len(frames) >= 60 || time.Now().After(deadline) {
			break
		}
	}
	drawn := 0
	for _, f := range frames {
		for _, p := range f.Players {
			if p.ID == you {
				drawn++
			}
		}
	}
	if len(frames) < 60 || drawn < len(frames)/2 {
		t.Errorf("framesSince(0): %d frames, %d with player %d; want ≥ 60, mostly with the player", len(frames), drawn, you)
	}

	// A second tab watches the same match.
	watch, cancelWatch := chromedp.NewContext(ctx)
	defer cancelWatch()
	if err := countSockets(watch); err != nil {
		t.Fatalf("spectator tab: %v", err)
	}
	if err := chromedp.Do(watch, chromedp.Navigate(fmt.Sprintf("%s/#/watch/%s", base, matchID))); err != nil {
		t.Fatalf("open spectator tab: %v", err)
	}
	sv := waitView(t, watch, "spectate", func(v debugView) bool {
		_, _, ok := v.player(you)
		return v.Mode == "watching" && v.MatchID == matchID && v.Snapshots > 2 && ok
	})
	for _, p := range sv.Players {
		if p.ID == you && p.Name != "e2e-player" {
			t.Errorf("spectator sees player %d named %q, want e2e-player", you, p.Name)
		}
	}

	// Move again and check the spectator sees the player where the player is.
	if err := holdKey(ctx, "s", "KeyS", 83, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitView(t, watch, "spectator follows the player", func(sv debugView) bool {
		pv, err := readView(ctx)
		if err != nil {
			return false
		}
		px, py, ok1 := pv.player(you)
		sx, sy, ok2 := sv.player(you)
		return ok1 && ok2 && math.Hypot(px-sx, py-sy) < 5
	})

	sockets, err := chromedp.Run(watch, chromedp.Evaluate[int](`window.__sockets`))
	if err != nil {
		t.Fatal(err)
	}
	if sockets != 0 {
		t.Errorf("spectator page opened %d WebSockets, want 0 (EventSource only)", sockets)
	}
	if sockets, err = chromedp.Run(ctx, chromedp.Evaluate[int](`window.__sockets`)); err != nil {
		t.Fatal(err)
	}
	if sockets == 0 {
		t.Error("player page opened no WebSocket; the socket counter does not work")
	}
}
