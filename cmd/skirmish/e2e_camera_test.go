package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/client"
	"github.com/skirmish-game/skirmish/game"
)

// The camera rule the page follows (client/src/render/camera.ts; ARCHITECTURE.md).
const (
	viewW, viewH = 1600.0, 1000.0 // the view box, world units
	// nearCentre is how far (a share of the view's width) your drawn player
	// may be from the view's centre where no edge stops the camera. The
	// camera trails it by about game.MaxSpeed × FOLLOW_LAG_MS (21 units, 1.3%
	// of 1600) running, a little more while prediction catches up (the drawn
	// player then outruns MaxSpeed); the unit tests pin the lag exactly.
	nearCentre = 0.05
)

// worldRect mirrors the client's WorldRect (render/camera.ts).
type worldRect struct{ X, Y, W, H float64 }

func (r worldRect) contains(x, y float64) bool {
	return x >= r.X && y >= r.Y && x <= r.X+r.W && y <= r.Y+r.H
}

// cameraView is the part of window.skirmish the camera test reads.
type cameraView struct {
	Mode    string `json:"mode"`
	MatchID string `json:"matchId"`
	You     int    `json:"you"`
	Camera  *struct {
		Following bool      `json:"following"`
		Scale     float64   `json:"scale"`
		View      worldRect `json:"view"`
	} `json:"camera"`
	Predicted *struct{ X, Y float64 } `json:"predicted"`
	Players   []struct {
		ID  int     `json:"id"`
		X   float64 `json:"x"`
		Y   float64 `json:"y"`
		Aim float64 `json:"aim"`
	} `json:"players"`
}

// cameraFrame is one drawn frame: your player as drawn, and the view.
type cameraFrame struct {
	T    float64    `json:"t"`
	X, Y float64    // your player as drawn
	View *worldRect `json:"view"`
}

// pollPage waits in the page until the JavaScript function fn, called as
// fn(...args), returns something other than false, and decodes that. The page
// checks every 20 ms; 30 s is only a hang detector.
func pollPage[T any](t *testing.T, ctx context.Context, what, fn string, args ...any) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.PollFunction[T](fn, chromedp.WithPollingArgs(args...),
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		last, _ := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`JSON.stringify(window.skirmish)`))
		t.Fatalf("%s: %v; window.skirmish: %s", what, err, last)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// newBrowser starts headless Chromium with a 1280×800 window for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
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
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// screenshot saves the page as name.png in $SKIRMISH_E2E_SCREENSHOTS, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SKIRMISH_E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserLargeMapCamera plays the large map in real Chromium: the camera
// follows the player (the view is the view box, or less, and moves with the
// player, who stays at the centre of the screen wherever the map's edge does
// not stop the camera), the mouse aims through the camera, and a spectator
// sees the whole map and follows the player it clicks.
func TestBrowserLargeMapCamera(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	cfg := testServeConfig(t)
	cfg.Map, cfg.Bots = "crossroads", false // alone: nothing else moves the player
	base := startServer(t, cfg)
	raw, err := assets.Map(cfg.Map)
	if err != nil {
		t.Fatal(err)
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#quickplay")),
		chromedp.SetValue(chromedp.CSS("#name"), "e2e-camera"),
		chromedp.Click(chromedp.CSS("#quickplay")),
	); err != nil {
		t.Fatalf("lobby: %v", err)
	}
	v := pollPage[cameraView](t, ctx, "quick play on the large map", `() => { const v = window.skirmish;
	  return v.mode === "playing" && v.predicted !== null && v.camera !== null && v.camera.following &&
	    v.players.some((p) => p.id === v.you) && JSON.parse(JSON.stringify(v)); }`)
	you, view := v.You, v.Camera.View
	t.Logf("player %d at (%.0f, %.0f) sees %+v at %.2f px/unit", you, v.Predicted.X, v.Predicted.Y, view, v.Camera.Scale)
	if view.W > viewW+0.5 || view.H > viewH+0.5 || (math.Abs(view.W-viewW) > 0.5 && math.Abs(view.H-viewH) > 0.5) {
		t.Errorf("the view is %.1f×%.1f, want the %v×%v view box cut to the window's shape", view.W, view.H, viewW, viewH)
	}
	if !view.contains(v.Predicted.X, v.Predicted.Y) {
		t.Errorf("the view %+v does not hold the player at (%.0f, %.0f)", view, v.Predicted.X, v.Predicted.Y)
	}

	// Walk to the middle of the map, where the camera does not meet the
	// map's edge, and watch every frame on the way.
	middle := worldRect{X: m.Width/2 - 300, Y: m.Height/2 - 250, W: 600, H: 500}
	route := routeInto(t, m, v.Predicted.X, v.Predicted.Y, middle)
	frames := drive(t, ctx, route)
	checked, moved, worst := 0, 0.0, 0.0
	first := frames[0].View
	for _, f := range frames {
		if f.View == nil {
			continue
		}
		if !f.View.contains(f.X, f.Y) {
			t.Errorf("frame at %.0f ms: the view %+v does not hold the player drawn at (%.1f, %.1f)", f.T, *f.View, f.X, f.Y)
		}
		cx, cy := f.View.X+f.View.W/2, f.View.Y+f.View.H/2
		if first != nil {
			moved = math.Max(moved, math.Hypot(cx-(first.X+first.W/2), cy-(first.Y+first.H/2)))
		}
		// Away from the edges the camera keeps the player near the centre.
		near := nearCentre * f.View.W
		if f.X > f.View.W/2+near && f.X < m.Width-f.View.W/2-near && f.Y > f.View.H/2+near && f.Y < m.Height-f.View.H/2-near {
			checked++
			d := math.Hypot(f.X-cx, f.Y-cy)
			worst = math.Max(worst, d)
			if d > near {
				t.Errorf("frame at %.0f ms: the player drawn at (%.1f, %.1f) is %.1f units from the view's centre (%.1f, %.1f), want at most %.1f",
					f.T, f.X, f.Y, d, cx, cy, near)
			}
		}
	}
	t.Logf("%d frames on the walk, %d away from the edges, the player at most %.1f units from the centre; the camera moved %.0f units",
		len(frames), checked, worst, moved)
	if checked < 30 || moved < 300 {
		t.Errorf("%d frames away from the edges and a camera that moved %.0f units: want a walk that shows the camera following", checked, moved)
	}

	// At rest, the player is at the centre of the screen, and screen and
	// world map onto each other through the camera.
	atRest(t, ctx, you)
	centre := pollPage[[4]float64](t, ctx, "the camera settles on the player", `(id) => {
	  const v = window.skirmish, fs = v.framesSince(performance.now() - 200), f = fs[fs.length - 1];
	  const me = f && f.players.find((p) => p.id === id);
	  if (!me) return false;
	  const r = document.getElementById("game").getBoundingClientRect(), c = [r.left + r.width / 2, r.top + r.height / 2];
	  const [sx, sy] = v.clientXY(me.x, me.y);
	  return Math.hypot(sx - c[0], sy - c[1]) < 1 && [me.x, me.y, c[0], c[1]]; }`, you)
	px, py := centre[0], centre[1]
	w := eval[[2]float64](t, ctx, `window.skirmish.worldXY(`+jsNum(centre[2])+`, `+jsNum(centre[3])+`)`)
	if math.Hypot(w[0]-px, w[1]-py) > 1.5 {
		t.Errorf("the screen's centre is world (%.1f, %.1f), want the player at (%.1f, %.1f)", w[0], w[1], px, py)
	}
	screenshot(t, ctx, "crossroads-play")

	// The mouse aims through the camera: point it at a world point and the
	// server gets the aim from the player to there.
	tx, ty := px+300, py-200
	at := eval[[2]float64](t, ctx, `window.skirmish.clientXY(`+jsNum(tx)+`, `+jsNum(ty)+`)`)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at[0], at[1])); err != nil {
		t.Fatal(err)
	}
	want := math.Atan2(ty-py, tx-px)
	pollPage[bool](t, ctx, "the server has the aim at the pointed world point", `(id, want) => {
	  const me = window.skirmish.players.find((p) => p.id === id);
	  return me !== undefined && Math.abs(Math.atan2(Math.sin(me.aim - want), Math.cos(me.aim - want))) < 0.02; }`, you, want)

	// A spectator sees the whole map; a click follows the player, Escape
	// goes back to the whole map.
	watch, cancelWatch := chromedp.NewContext(ctx)
	defer cancelWatch()
	if err := chromedp.Do(watch, chromedp.Navigate(base+"/#/watch/"+v.MatchID)); err != nil {
		t.Fatalf("open spectator tab: %v", err)
	}
	sv := pollPage[cameraView](t, watch, "spectator overview of the map", `(id, w) => { const v = window.skirmish;
	  return v.mode === "watching" && v.camera !== null && v.camera.view.w === w && v.players.some((p) => p.id === id) &&
	    JSON.parse(JSON.stringify(v)); }`, you, m.Width)
	if sv.Camera.Following || sv.Camera.View != (worldRect{0, 0, m.Width, m.Height}) {
		t.Errorf("spectator camera %+v, want the whole map", *sv.Camera)
	}
	screenshot(t, watch, "crossroads-watch")
	on := eval[[2]float64](t, watch, `window.skirmish.clientXY(`+jsNum(px)+`, `+jsNum(py)+`)`)
	if err := chromedp.Do(watch, chromedp.MouseClickXY(on[0], on[1])); err != nil {
		t.Fatal(err)
	}
	pollPage[bool](t, watch, "the spectator follows the clicked player", `(x, y) => { const c = window.skirmish.camera;
	  return c !== null && c.following && Math.hypot(c.view.x + c.view.w / 2 - x, c.view.y + c.view.h / 2 - y) < 1; }`, px, py)
	if err := key(watch, input.DispatchKeyEventTypeKeyDown, "Escape", "Escape", 27); err != nil {
		t.Fatal(err)
	}
	pollPage[bool](t, watch, "Escape: the whole map again", `() => { const c = window.skirmish.camera;
	  return c !== null && !c.following; }`)
}

// jsNum writes a float as a JavaScript number literal.
func jsNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// routeInto plans a walk on m for a player at (x, y) to a point inside
// goal: a breadth-first search over 16-unit cells whose centres keep
// routeClearance more than a player's radius from every wall, thinned to
// waypoints each in plain sight of the one before, at most routeStep apart.
func routeInto(t *testing.T, m *game.Map, x, y float64, goal worldRect) [][2]float64 {
	t.Helper()
	const cell = 16.0
	cols, rows := int(m.Width/cell), int(m.Height/cell)
	centre := func(i int) (float64, float64) { return (float64(i%cols) + 0.5) * cell, (float64(i/cols) + 0.5) * cell }
	free := make([]bool, cols*rows)
	for i := range free {
		cx, cy := centre(i)
		free[i] = clearAt(m, cx, cy)
	}
	start := int(y/cell)*cols + int(x/cell)
	from := make([]int, cols*rows)
	for i := range from {
		from[i] = -2
	}
	from[start] = -1
	end := -1
	for q := []int{start}; len(q) > 0 && end < 0; q = q[1:] {
		i := q[0]
		if cx, cy := centre(i); goal.contains(cx, cy) {
			end = i
			break
		}
		c, r := i%cols, i/cols
		for _, d := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			nc, nr := c+d[0], r+d[1]
			if nc < 0 || nr < 0 || nc >= cols || nr >= rows {
				continue
			}
			if j := nr*cols + nc; free[j] && from[j] == -2 {
				from[j] = i
				q = append(q, j)
			}
		}
	}
	if end < 0 {
		t.Fatalf("no walk from (%.0f, %.0f) into %+v", x, y, goal)
	}
	var path [][2]float64
	for i := end; i >= 0; i = from[i] {
		cx, cy := centre(i)
		path = append([][2]float64{{cx, cy}}, path...)
	}
	route := [][2]float64{}
	for at := 0; at < len(path)-1; {
		next := at + 1
		for j := len(path) - 1; j > next; j-- {
			if sightClear(m, path[at], path[j]) {
				next = j
				break
			}
		}
		// Waypoints at most routeStep apart: the keys steer in eight
		// directions, so between two waypoints the walk strays from the
		// straight line by up to routeStep × sin 22.5°.
		a, b := path[at], path[next]
		n := math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1]) / routeStep)
		for k := 1.0; k <= n; k++ {
			route = append(route, [2]float64{a[0] + (b[0]-a[0])*k/n, a[1] + (b[1]-a[1])*k/n})
		}
		at = next
	}
	return route
}

// routeStep is the longest leg (world units) of a planned walk.
const routeStep = 64.0

// routeClearance is the room (world units) a route keeps from walls beyond a
// player's radius, so turning late does not catch a corner.
const routeClearance = 24.0

// clearAt reports whether a player with routeClearance to spare fits at (x, y).
func clearAt(m *game.Map, x, y float64) bool {
	r := game.PlayerRadius + routeClearance
	if x < r || y < r || x > m.Width-r || y > m.Height-r {
		return false
	}
	for _, w := range m.Walls {
		cx, cy := math.Max(w.X, math.Min(x, w.X+w.W)), math.Max(w.Y, math.Min(y, w.Y+w.H))
		if math.Hypot(x-cx, y-cy) < r {
			return false
		}
	}
	return true
}

// sightClear reports whether every point every 4 units from a to b is clear.
func sightClear(m *game.Map, a, b [2]float64) bool {
	n := int(math.Hypot(b[0]-a[0], b[1]-a[1])/4) + 1
	for k := 0; k <= n; k++ {
		s := float64(k) / float64(n)
		if !clearAt(m, a[0]+(b[0]-a[0])*s, a[1]+(b[1]-a[1])*s) {
			return false
		}
	}
	return true
}

// drive walks the page's player along route with the movement keys, steering
// from its predicted position (the keys toward the next waypoint, diagonals
// included, until within 20 units of it), and returns every frame drawn on
// the way.
func drive(t *testing.T, ctx context.Context, route [][2]float64) []cameraFrame {
	t.Helper()
	byCode := map[string]moveKey{}
	for _, k := range moveKeys {
		byCode[k.code] = k
	}
	held := map[string]bool{}
	set := func(code string, down bool) {
		if held[code] == down {
			return
		}
		k, typ := byCode[code], input.DispatchKeyEventTypeKeyUp
		if down {
			typ = input.DispatchKeyEventTypeKeyDown
		}
		if err := key(ctx, typ, k.key, k.code, k.vk); err != nil {
			t.Fatalf("key %s: %v", k.key, err)
		}
		held[code] = down
	}
	type step struct {
		Me     [2]float64    `json:"me"`
		Frames []cameraFrame `json:"frames"`
	}
	var frames []cameraFrame
	since := eval[float64](t, ctx, `performance.now()`)
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for wp := 0; wp < len(route); {
		if time.Now().After(deadline) {
			t.Fatalf("the walk did not reach waypoint %d of %v within 60 s; drawn frames end at %+v", wp, route, frames[len(frames)-1])
		}
		<-tick.C
		s := eval[step](t, ctx, `(() => { const v = window.skirmish, p = v.predicted;
		  const fs = v.framesSince(`+jsNum(since)+`).map((f) => { const me = f.players.find((q) => q.id === v.you);
		    return me ? { t: f.t, X: me.x, Y: me.y, view: f.view } : null; }).filter((f) => f !== null);
		  return { me: [p.x, p.y], frames: fs }; })()`)
		if n := len(s.Frames); n > 0 {
			frames = append(frames, s.Frames...)
			since = s.Frames[n-1].T
		}
		dx, dy := route[wp][0]-s.Me[0], route[wp][1]-s.Me[1]
		d := math.Hypot(dx, dy)
		if d < 20 {
			wp++
			continue
		}
		set("KeyD", dx > 0.4*d)
		set("KeyA", dx < -0.4*d)
		set("KeyS", dy > 0.4*d)
		set("KeyW", dy < -0.4*d)
	}
	for code := range held {
		set(code, false)
	}
	if len(frames) == 0 {
		t.Fatal("no frames drawn on the walk")
	}
	return frames
}
