//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/client"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
)

// resumeView mirrors the parts of window.skirmish this test reads.
type resumeView struct {
	Mode       string   `json:"mode"`
	MatchID    string   `json:"matchId"`
	You        int      `json:"you"`
	Snapshots  int      `json:"snapshots"`
	Reconnects int      `json:"reconnects"`
	ResumeMs   *float64 `json:"resumeMs"`
	Players    []struct {
		ID    int     `json:"id"`
		Name  string  `json:"name"`
		X     float64 `json:"x"`
		Y     float64 `json:"y"`
		Alive bool    `json:"alive"`
		Kills int     `json:"kills"`
	} `json:"players"`
}

func (v resumeView) rows(id int) (n, kills int, x, y float64, alive bool) {
	for _, p := range v.Players {
		if p.ID == id {
			n++
			kills, x, y, alive = p.Kills, p.X, p.Y, p.Alive
		}
	}
	return
}

func readResumeView(ctx context.Context) (resumeView, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[resumeView](`window.skirmish ? JSON.parse(JSON.stringify(window.skirmish)) : {}`))
}

// waitResumeView polls the page (every 20 ms) until ok accepts its view.
func waitResumeView(t *testing.T, ctx context.Context, what string, ok func(resumeView) bool) resumeView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last resumeView
	for time.Now().Before(deadline) {
		v, err := readResumeView(ctx)
		if err == nil && ok(v) {
			return v
		}
		last = v
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: timed out; last view: %+v", what, last)
	return last
}

// feedWatcher reads a match's spectator feed and keeps its events.
type feedWatcher struct {
	mu     sync.Mutex
	events []feedEvent
}

type feedEvent struct {
	name string
	id   int // the player id of join, leave, disconnect, reconnect
}

func watchFeed(t *testing.T, base, matchID string) *feedWatcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/matches/"+matchID+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("spectator feed: %v %v", resp, err)
	}
	w := &feedWatcher{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				var d struct {
					ID int `json:"id"`
				}
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d)
				w.mu.Lock()
				w.events = append(w.events, feedEvent{name, d.ID})
				w.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return w
}

func (w *feedWatcher) count(name string, id int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if e.name == name && e.id == id {
			n++
		}
	}
	return n
}

func (w *feedWatcher) waitFor(t *testing.T, name string, id int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for w.count(name, id) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the spectator feed never sent %s for player %d", name, id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// target is a Go player that walks (a breadth-first path on the arena's
// grid) to where the browser player stands until it has a clear line of
// fire, then stands still to be shot; it pings so it is not timed out.
type target struct {
	c    *netcode.Client
	w    netcode.Welcome
	live atomic.Bool
	near atomic.Bool // in the open, within range of the browser player
}

func joinTarget(t *testing.T, wsURL, matchID string, m *game.Map, shooter game.PlayerID) *target {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, w, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: "target", Match: matchID})
	if err != nil {
		t.Fatalf("target: %v", err)
	}
	tg := &target{c: c, w: w}
	g := newWalkGrid(m)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var path []game.Point
		seq := uint32(0)
		for {
			msg, err := c.Next()
			if err != nil {
				return
			}
			s, ok := msg.(*netcode.Snapshot)
			if !ok {
				continue
			}
			tg.live.Store(s.Phase == game.PhaseLive)
			me, ok1 := s.Player(w.You)
			them, ok2 := s.Player(shooter)
			if !ok1 || !ok2 || s.Phase != game.PhaseLive || me.Flags&game.FlagAlive == 0 {
				continue
			}
			from, to := game.Point{X: me.X, Y: me.Y}, game.Point{X: them.X, Y: them.Y}
			in := game.Input{Seq: seq + 1}
			if math.Hypot(to.X-from.X, to.Y-from.Y) < 320 && clearLine(m, from, to) {
				tg.near.Store(true)
				path = nil
			} else {
				tg.near.Store(false)
				if len(path) == 0 {
					path = g.path(from, to)
				}
				for len(path) > 0 && math.Hypot(path[0].X-from.X, path[0].Y-from.Y) < 12 {
					path = path[1:]
				}
				if len(path) > 0 {
					dx, dy := path[0].X-from.X, path[0].Y-from.Y
					d := math.Hypot(dx, dy)
					in.MoveX, in.MoveY = dx/d, dy/d
				}
			}
			seq++
			if c.SendInput(in) != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = c.SendPing(1)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		_ = c.Close()
		wg.Wait()
	})
	return tg
}

// walkGrid is the arena in 20-unit cells, a cell free when a player centred
// in it keeps clear of every wall.
type walkGrid struct {
	w, h int
	free []bool
}

const walkCell = 20.0

func newWalkGrid(m *game.Map) *walkGrid {
	g := &walkGrid{w: int(m.Width / walkCell), h: int(m.Height / walkCell)}
	g.free = make([]bool, g.w*g.h)
	const clearance = game.PlayerRadius + 6
	for y := range g.h {
		for x := range g.w {
			cx, cy := (float64(x)+0.5)*walkCell, (float64(y)+0.5)*walkCell
			ok := true
			for _, r := range m.Walls {
				if cx > r.X-clearance && cx < r.X+r.W+clearance && cy > r.Y-clearance && cy < r.Y+r.H+clearance {
					ok = false
					break
				}
			}
			g.free[y*g.w+x] = ok
		}
	}
	return g
}

// path returns cell centres from near from to near to, by breadth-first
// search over free cells (4-neighbours), or nil.
func (g *walkGrid) path(from, to game.Point) []game.Point {
	cell := func(p game.Point) int {
		x := min(max(int(p.X/walkCell), 0), g.w-1)
		y := min(max(int(p.Y/walkCell), 0), g.h-1)
		return y*g.w + x
	}
	start, goal := cell(from), cell(to)
	prev := make([]int, len(g.free))
	for i := range prev {
		prev[i] = -1
	}
	prev[start] = start
	queue := []int{start}
	for len(queue) > 0 && prev[goal] < 0 {
		c := queue[0]
		queue = queue[1:]
		x, y := c%g.w, c/g.w
		for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			nx, ny := x+d[0], y+d[1]
			if nx < 0 || ny < 0 || nx >= g.w || ny >= g.h {
				continue
			}
			n := ny*g.w + nx
			if prev[n] < 0 && (g.free[n] || n == goal) {
				prev[n] = c
				queue = append(queue, n)
			}
		}
	}
	if prev[goal] < 0 {
		return nil
	}
	var out []game.Point
	for c := goal; c != start; c = prev[c] {
		out = append(out, game.Point{X: (float64(c%g.w) + 0.5) * walkCell, Y: (float64(c/g.w) + 0.5) * walkCell})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// clearLine reports whether a shot from a to b meets no wall (with room for
// the shot's own radius).
func clearLine(m *game.Map, a, b game.Point) bool {
	const margin = game.ProjectileRadius + 2
	steps := int(math.Hypot(b.X-a.X, b.Y-a.Y)/4) + 1
	for i := 0; i <= steps; i++ {
		x, y := a.X+(b.X-a.X)*float64(i)/float64(steps), a.Y+(b.Y-a.Y)*float64(i)/float64(steps)
		for _, r := range m.Walls {
			if x > r.X-margin && x < r.X+r.W+margin && y > r.Y-margin && y < r.Y+r.H+margin {
				return false
			}
		}
	}
	return true
}

func mouse(typ input.DispatchMouseEventType, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			p.Button, p.ClickCount = input.MouseButtonLeft, 1
		}
		_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, p)
		return err
	})
}

// TestBrowserResumesBehindNetsim: real headless Chromium plays through a
// real `skirmish netsim`, kills a player, and has its connection cut
// (SIGUSR1) mid-match: the page shows "Reconnecting…", resumes the same seat
// by itself within a second — same player id, kills kept, one scoreboard
// row — and the spectator feed says `disconnect` and `reconnect`, never
// `leave`. A reload of the page resumes the seat too (the token is in
// sessionStorage); the Lobby button leaves (close 1000) and the feed says
// `leave` at once.
func TestBrowserResumesBehindNetsim(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	exe := chromiumPath(t)
	cfg := testServeConfig(t)
	cfg.Bots = false // the player and its target alone
	base := startServer(t, cfg)
	addr, logs := startNetsim(t, "--upstream", strings.TrimPrefix(base, "http://"))

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-timer-throttling", true), chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true), chromedp.WindowSize(1280, 800),
	)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 3*time.Minute)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+addr+"/"),
		chromedp.WaitVisible(chromedp.CSS("#quickplay")),
		chromedp.SetValue(chromedp.CSS("#name"), "e2e-resume"),
		chromedp.Click(chromedp.CSS("#quickplay")),
	); err != nil {
		t.Fatalf("lobby through netsim (Chromium %s): %v", exe, err)
	}
	v := waitResumeView(t, ctx, "quick play", func(v resumeView) bool { return v.Mode == "playing" && v.You != 0 })
	matchID, you := v.MatchID, v.You
	feed := watchFeed(t, base, matchID)
	tg := joinTarget(t, "ws"+strings.TrimPrefix(base, "http")+"/ws", matchID, testArena(t), game.PlayerID(you))
	them := int(tg.w.You)

	// Kill the target: once it stands in the open near the player, aim the
	// mouse at it and hold the button.
	deadline := time.Now().Add(60 * time.Second)
	for !tg.live.Load() || !tg.near.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("the target never came into the line of fire (live %v)", tg.live.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	kills := 0
	for kills == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the browser player did not kill the target")
		}
		v, err := readResumeView(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, kills, _, _, _ = v.rows(you)
		_, _, tx, ty, alive := v.rows(them)
		if kills > 0 || !alive || !tg.near.Load() {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		at, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`window.skirmish.clientXY(%f, %f)`, tx, ty)))
		if err != nil || len(at) != 2 {
			t.Fatalf("clientXY: %v %v", at, err)
		}
		if err := chromedp.Do(ctx, mouse(input.DispatchMouseEventTypeMouseMoved, at[0], at[1]), mouse(input.DispatchMouseEventTypeMousePressed, at[0], at[1]),
			chromedp.Sleep(400*time.Millisecond), mouse(input.DispatchMouseEventTypeMouseReleased, at[0], at[1])); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("player %d killed the target (%d kills) in match %s", you, kills, matchID)

	// Cut every connection through netsim: the page's WebSocket is reset.
	cutAt := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	for line := range logs {
		if strings.Contains(line, `msg="netsim: cut"`) {
			break
		}
	}
	v = waitResumeView(t, ctx, "the resume", func(v resumeView) bool {
		return v.Mode == "playing" && v.Reconnects >= 1 && v.ResumeMs != nil
	})
	seen := time.Since(cutAt)
	resumeMs := *v.ResumeMs
	t.Logf("resumed behind netsim: %.0f ms from the page seeing the drop to the resumed welcome; seen by the test %v after the cut",
		resumeMs, seen.Round(time.Millisecond))
	if resumeMs > 1000 || math.IsNaN(resumeMs) {
		t.Errorf("the seat came back after %.0f ms, want within 1 s", resumeMs)
	}
	v = waitResumeView(t, ctx, "a snapshot after the resume", func(v resumeView) bool { n, _, _, _, _ := v.rows(you); return n == 1 })
	if v.You != you || v.MatchID != matchID {
		t.Fatalf("resumed as player %d in %s, want %d in %s", v.You, v.MatchID, you, matchID)
	}
	if n, k, _, _, _ := v.rows(you); n != 1 || k != kills {
		t.Fatalf("after the resume: %d rows for player %d with %d kills, want 1 row with %d", n, you, k, kills)
	}
	if len(v.Players) != 2 {
		t.Fatalf("after the resume: %d players, want 2 (no second seat)", len(v.Players))
	}
	feed.waitFor(t, "disconnect", you)
	feed.waitFor(t, "reconnect", you)
	if n := feed.count("leave", you); n != 0 {
		t.Fatalf("the spectator feed sent %d leave events for a resumed seat", n)
	}

	// A reload resumes from sessionStorage: same player, same kills.
	reloadAt := time.Now()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	v = waitResumeView(t, ctx, "the reload's resume", func(v resumeView) bool {
		n, k, _, _, _ := v.rows(you)
		return v.Mode == "playing" && v.You == you && n == 1 && k == kills
	})
	t.Logf("a reload resumed player %d after %v (page load included)", you, time.Since(reloadAt).Round(time.Millisecond))
	if n := feed.count("leave", you); n != 0 {
		t.Fatalf("a reload released the seat: %d leave events", n)
	}

	// The Lobby button leaves at once.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#back"))); err != nil {
		t.Fatal(err)
	}
	feed.waitFor(t, "leave", you)
	if n := feed.count("leave", you); n != 1 {
		t.Fatalf("%d leave events after the Lobby button, want 1", n)
	}
}
