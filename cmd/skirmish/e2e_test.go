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
	"github.com/skirmish-game/skirmish/game"
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
	Mode      string `json:"mode"`
	MatchID   string `json:"matchId"`
	You       int    `json:"you"`
	Tick      int    `json:"tick"`
	Snapshots int    `json:"snapshots"`
	Kinds     struct {
		Complete int `json:"complete"`
		Deltas   int `json:"deltas"`
		Dropped  int `json:"dropped"`
	} `json:"snapshotKinds"`
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

// waitView waits in the page until the JavaScript predicate pred, called as
// pred(v, ...args) with v = window.skirmish, holds, and returns that view.
// The page checks it every 20 ms (timers, which also run in a background
// tab, unlike requestAnimationFrame); 30 s is only a hang detector.
func waitView(t *testing.T, ctx context.Context, what, pred string, args ...any) debugView {
	t.Helper()
	fn := `(...args) => { const v = window.skirmish; if (!v || !(` + pred + `)(v, ...args)) return false;
	  return JSON.parse(JSON.stringify(v)); }`
	v, err := chromedp.Run(ctx, chromedp.PollFunction[debugView](fn, chromedp.WithPollingArgs(args...),
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		last, _ := readView(ctx)
		t.Fatalf("%s: %v; last view: %+v", what, err, last)
	}
	return v
}

// hasPlayer is a predicate on a view for waitView: player id is in it.
const hasPlayer = `v.players.some((p) => p.id === id)`

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

// moveKey is a key that moves the player, and its direction in world units
// (client/src/input/intent.ts; y grows downwards).
type moveKey struct {
	key, code string
	vk        int64
	dx, dy    float64
}

var moveKeys = []moveKey{{"d", "KeyD", 68, 1, 0}, {"a", "KeyA", 65, -1, 0}, {"s", "KeyS", 83, 0, 1}, {"w", "KeyW", 87, 0, -1}}

// openKey returns the first of moveKeys whose direction the map leaves open
// for dist units from (x, y): the player's body swept that far hits no wall
// and stays inside the map.
func openKey(t *testing.T, m *game.Map, x, y, dist float64) moveKey {
	t.Helper()
	const r = game.PlayerRadius
	for _, k := range moveKeys {
		// The box the body sweeps: from its start to dist further along k.
		x0, x1 := min(x, x+k.dx*dist)-r, max(x, x+k.dx*dist)+r
		y0, y1 := min(y, y+k.dy*dist)-r, max(y, y+k.dy*dist)+r
		open := x0 >= 0 && y0 >= 0 && x1 <= m.Width && y1 <= m.Height
		for _, w := range m.Walls {
			if x0 < w.X+w.W && w.X < x1 && y0 < w.Y+w.H && w.Y < y1 {
				open = false
			}
		}
		if open {
			return k
		}
	}
	t.Fatalf("no direction is open for %.0f units from (%.1f, %.1f)", dist, x, y)
	return moveKey{}
}

// key sends a key event of type typ.
func key(ctx context.Context, typ input.DispatchKeyEventType, k, code string, vk int64) error {
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent,
			input.DispatchKeyEventParams{Type: typ, Key: k, Code: code, WindowsVirtualKeyCode: vk})
		return err
	}))
}

// move holds k until the server has moved player you more than 40 units from
// (x, y), as the page's snapshots show, then lets it go: input reaches the
// server and comes back in snapshots. It returns the view that showed it.
func move(t *testing.T, ctx context.Context, k moveKey, you int, x, y float64) debugView {
	t.Helper()
	if err := key(ctx, input.DispatchKeyEventTypeKeyDown, k.key, k.code, k.vk); err != nil {
		t.Fatalf("key %s down: %v", k.key, err)
	}
	v := waitView(t, ctx, "holding "+k.key+" to move the player", `(v, id, x, y) => {
	  const me = v.players.find((p) => p.id === id);
	  return me !== undefined && Math.hypot(me.x - x, me.y - y) > 40; }`, you, x, y)
	if err := key(ctx, input.DispatchKeyEventTypeKeyUp, k.key, k.code, k.vk); err != nil {
		t.Fatalf("key %s up: %v", k.key, err)
	}
	return v
}

// atRest waits until the page shows player you at the same position in 3
// snapshots in a row (a player nobody moves stops within a fraction of a
// second) and returns that position.
func atRest(t *testing.T, ctx context.Context, you int) (x, y float64) {
	t.Helper()
	v := waitView(t, ctx, "the player at rest", `(v, id) => {
	  const me = v.players.find((p) => p.id === id), r = window.__rest;
	  if (me === undefined) return false;
	  if (r === undefined || r.id !== id || r.x !== me.x || r.y !== me.y) {
	    window.__rest = { id, x: me.x, y: me.y, snapshots: v.snapshots };
	    return false;
	  }
	  return v.snapshots - r.snapshots >= 3; }`, you)
	x, y, _ = v.player(you)
	return x, y
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

	ctx := newBrowser(t) // headless Chromium, 1280×800, closed when the test ends

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
	v := waitView(t, ctx, "quick play", `(v) => v.mode === "playing" && v.you !== 0 && v.snapshots > 2 &&
	  v.players.some((p) => p.id === v.you)`)
	matchID, you := v.MatchID, v.You
	x0, y0, _ := v.player(you)
	t.Logf("playing match %s as player %d at (%.1f, %.1f)", matchID, you, x0, y0)

	// Hold a direction the map leaves open until the player has moved a
	// clear distance: input reaches the server and comes back in snapshots.
	// Alone in the match (waiting for players), nothing else moves it.
	arena := testArena(t)
	k := openKey(t, arena, x0, y0, 60)
	mv := move(t, ctx, k, you, x0, y0)
	x1, y1, _ := mv.player(you)
	t.Logf("key %s moved the player %.1f units to (%.1f, %.1f)", k.key, math.Hypot(x1-x0, y1-y0), x1, y1)
	x1, y1 = atRest(t, ctx, you)

	// The page acknowledges what it applies (PROTOCOL.md §1.10): after its
	// first complete snapshot it gets deltas, and applies every one.
	waitView(t, ctx, "deltas", `(v) => v.snapshotKinds.complete + v.snapshotKinds.deltas >= 40 &&
	  v.snapshotKinds.deltas >= 10 * v.snapshotKinds.complete && v.snapshotKinds.dropped === 0`)

	// N shows the network overlay; its figures are live.
	if err := key(ctx, input.DispatchKeyEventTypeKeyDown, "n", "KeyN", 78); err != nil {
		t.Fatalf("key n: %v", err)
	}
	if err := key(ctx, input.DispatchKeyEventTypeKeyUp, "n", "KeyN", 78); err != nil {
		t.Fatalf("key n: %v", err)
	}
	nv := waitView(t, ctx, "network overlay", `(v) => { const n = v.net;
	  return v.netOverlay && n !== null && n.rttMs !== null && n.snapshotsPerSec > 0 && n.bytesInPerSec > 0 &&
	    n.bytesOutPerSec > 0 && n.delayMs !== null && n.delayMs > 0; }`)
	n := nv.Net
	t.Logf("network overlay: RTT %.1f ± %.1f ms, jitter %.1f ms, %.1f snapshots/s, in %.0f B/s, out %.0f B/s, delay %.0f → %.0f ms",
		*n.RTTMs, deref(n.RTTVarMs), deref(n.JitterMs), n.SnapshotsPerSec, n.BytesInPerSec, n.BytesOutPerSec, *n.DelayMs, deref(n.TargetDelayMs))
	// The frame log has where the player was drawn, frame by frame: once 60
	// frames are drawn, most of them show the player.
	waitView(t, ctx, "60 frames drawn", `(v) => v.framesSince(0).length >= 60`)
	frames, err := chromedp.Run(ctx, chromedp.Evaluate[[]drawnFrame](`window.skirmish.framesSince(0)`))
	if err != nil {
		t.Fatal(err)
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
	sv := waitView(t, watch, "spectate", `(v, match, id) => v.mode === "watching" && v.matchId === match &&
	  v.snapshots > 2 && `+hasPlayer, matchID, you)
	for _, p := range sv.Players {
		if p.ID == you && p.Name != "e2e-player" {
			t.Errorf("spectator sees player %d named %q, want e2e-player", you, p.Name)
		}
	}

	// Move again; once the player is at rest, the spectator sees it where
	// the player does.
	move(t, ctx, openKey(t, arena, x1, y1, 60), you, x1, y1)
	px, py := atRest(t, ctx, you)
	waitView(t, watch, "spectator follows the player", `(v, id, x, y) => v.players.some((p) =>
	  p.id === id && Math.hypot(p.x - x, p.y - y) < 5)`, you, px, py)

	// The timeline: seeking back reopens the feed as a timeshift from that
	// tick (the server re-simulates it), and Live goes back to the match.
	liveTick := waitView(t, watch, "a tick past 60", `(v) => v.tick > 60`).Tick
	if _, err := chromedp.Run(watch, chromedp.Evaluate[bool](`(() => {
	  const s = document.querySelector(".timeline input[type=range]");
	  s.value = "20"; s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
		t.Fatalf("seek: %v", err)
	}
	waitView(t, watch, "seeked to tick 20", `(v, live) => v.mode === "watching" && v.tick >= 20 && v.tick < live`, liveTick)
	if err := chromedp.Do(watch, chromedp.Click(chromedp.CSS(".timeline button:last-child"))); err != nil {
		t.Fatalf("Live: %v", err)
	}
	waitView(t, watch, "back to live", `(v, live) => v.tick >= live`, liveTick)

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
