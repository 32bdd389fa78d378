package netcode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// Timeouts for loopback tests: generous, because the machine running them
// may be a loaded 2-core box under -race. Tests poll with these deadlines;
// none sleeps and hopes.
const (
	waitLong  = 20 * time.Second
	waitShort = 5 * time.Second
)

// testMapJSON is an open 600×300 arena with two spawns facing each other
// across a clear line, so two players aiming at each other always hit.
const testMapJSON = `{
  "id": "duel", "name": "Duel", "width": 600, "height": 300,
  "walls": [{"x": 0, "y": 0, "w": 600, "h": 8}],
  "spawns": [{"x": 150, "y": 150}, {"x": 450, "y": 150}]
}`

// quietLog keeps test output to failures; set SKIRMISH_TEST_LOG=1 to see
// the server's logs.
var quietLog = func() *slog.Logger {
	if os.Getenv("SKIRMISH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}()

// env is a real registry behind a real netcode.Server on a loopback
// httptest server. Its matches run at 30 Hz on clock.System (newEnv), or on
// a manual clock that only the test moves (newManualEnv).
type env struct {
	clk *clock.Manual // nil: the matches run on clock.System
	dt  time.Duration // a tick
	reg *match.Registry
	srv *Server
	ts  *httptest.Server
	url string

	stopRegistry context.CancelFunc // stops every match (OnStop(EndShutdown))
}

// newEnv starts an env on clock.System; world tweaks the match template, cfg
// the server. Everything is stopped at cleanup, before goleak looks.
func newEnv(t *testing.T, cfg Config, world func(*game.WorldConfig)) *env {
	t.Helper()
	return startEnv(t, cfg, world, nil)
}

// newManualEnv starts an env whose matches tick only when the test steps
// them (step, keepsUp), so a test can check what each tick delivers, in
// lockstep, instead of a rate over wall time that a loaded machine cannot
// keep. No match is reaped for being empty. The sockets and their deadlines
// (hello, idle, write) still run on real time.
func newManualEnv(t *testing.T, cfg Config, world func(*game.WorldConfig)) *env {
	t.Helper()
	return startEnv(t, cfg, world, clock.NewManual(time.Unix(1000, 0)))
}

func startEnv(t *testing.T, cfg Config, world func(*game.WorldConfig), clk *clock.Manual) *env {
	t.Helper()
	m, err := game.ParseMap([]byte(testMapJSON))
	if err != nil {
		t.Fatalf("test map: %v", err)
	}
	wc := game.WorldConfig{Seed: 1, TickRate: 30, Map: m}
	if world != nil {
		world(&wc)
	}
	rc := match.RegistryConfig{
		Match:  match.Config{World: wc, Clock: clock.System{}, EndedLinger: 300 * time.Millisecond},
		Logger: quietLog,
	}
	if clk != nil {
		rc.Match.Clock = clk
		rc.EmptyTimeout = 24 * time.Hour
	}
	var ids atomic.Int64
	rc.NewID = func() string { return fmt.Sprintf("m%d", ids.Add(1)) }
	reg, err := match.NewRegistry(rc)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	regDone := make(chan error, 1)
	go func() { regDone <- reg.Run(ctx) }()

	cfg.Registry = reg
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	srv, err := NewServer(cfg)
	if err != nil {
		cancel()
		t.Fatalf("NewServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", srv)
	ts := httptest.NewServer(mux)
	e := &env{clk: clk, dt: time.Second / time.Duration(wc.TickRate), reg: reg, srv: srv, ts: ts,
		url: "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws", stopRegistry: cancel}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), waitLong)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
		cancel()
		select {
		case err := <-regDone:
			if err != nil {
				t.Errorf("registry Run: %v", err)
			}
		case <-time.After(waitLong):
			t.Errorf("registry did not stop")
		}
	})
	return e
}

// dial connects a client owned by t (a subtest's own t, so that a failure
// ends that subtest) and starts recording what it receives. In a manual env
// it steps ticks until the client is seated.
func (e *env) dial(t *testing.T, opts DialOptions) *player {
	t.Helper()
	done := make(chan dialResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		c, w, err := Dial(ctx, e.url, opts)
		done <- dialResult{c, w, err}
	}()
	var r dialResult
	if e.clk == nil {
		r = <-done
	} else {
		r = e.stepUntil(t, done)
	}
	if r.err != nil {
		t.Fatalf("Dial %+v: %v", opts, r.err)
	}
	return newPlayer(t, r.c, r.w)
}

type dialResult struct {
	c   *Client
	w   Welcome
	err error
}

// stepUntil steps ticks, a few milliseconds apart, until done delivers: a
// join is seated by the first tick after it reaches the match, which the
// test cannot see from here. The pause only paces the clock; nothing waits
// on it.
func (e *env) stepUntil(t *testing.T, done <-chan dialResult) dialResult {
	t.Helper()
	for {
		select {
		case r := <-done:
			return r
		case <-time.After(2 * time.Millisecond):
			e.step(t)
		}
	}
}

// settle waits until the reaper and every match sleep on the manual clock:
// every tick so far has been stepped and handed to the observers.
func (e *env) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := e.clk.WaitForWaiters(ctx, 1+len(e.reg.List())); err != nil {
		t.Fatalf("a tick did not finish within %v (does the match goroutine wait on a socket?): %v", waitLong, err)
	}
}

// step runs one tick of every match of a manual env.
func (e *env) step(t *testing.T) {
	t.Helper()
	e.settle(t)
	e.clk.Advance(e.dt)
	e.settle(t)
}

// keepsUp steps ticks of a manual env until n snapshots were due for p (the
// welcome's rates, match.TickDue), and requires p to get each of them, tick
// by tick: the latest snapshot p has is the one of the tick just stepped.
// A neighbour that stalled p would make it fall behind; a loaded machine
// only makes it slower.
func (e *env) keepsUp(t *testing.T, p *player, n int) {
	t.Helper()
	for n > 0 {
		e.step(t)
		m, ok := e.reg.Find(p.w.Match)
		if !ok {
			t.Fatalf("match %s is gone", p.w.Match)
		}
		tick := m.Info().Tick
		if !match.TickDue(tick, p.w.SnapshotRate, p.w.TickRate) {
			continue
		}
		n--
		p.waitFor(t, fmt.Sprintf("the snapshot of tick %d", tick), waitLong, func() bool {
			return len(p.snaps) > 0 && p.snaps[len(p.snaps)-1] >= tick
		}, nil)
		if got := p.lastTick(); got != tick {
			t.Fatalf("the latest snapshot is of tick %d, want %d", got, tick)
		}
	}
}

// player records everything a client receives, on its own goroutine, so a
// test can wait for conditions on it.
type player struct {
	c *Client
	w Welcome

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every message
	snaps    []uint32      // the ticks of the snapshots received, in order
	bases    []uint32      // the baseline tick of each of them (0: complete)
	byTick   map[uint32]game.Snapshot
	last     game.Snapshot
	events   []game.Event
	pongs    []Pong
	errs     []ErrorMessage
	closeErr error // the error that ended the reader
	done     chan struct{}

	stopKeepalive chan struct{}
	keepaliveDone chan struct{}
	lastPing      atomic.Int64 // when the keepalive last pinged, Unix ns
	longestGap    atomic.Int64 // the longest time between two keepalive pings, ns
}

// newPlayer starts recording c; t's cleanup closes it.
func newPlayer(t *testing.T, c *Client, w Welcome) *player {
	p := &player{c: c, w: w, changed: make(chan struct{}), done: make(chan struct{}), byTick: map[uint32]game.Snapshot{}}
	go p.read()
	t.Cleanup(func() {
		p.stopPinging()
		_ = c.Close()
		select {
		case <-p.done:
		case <-time.After(waitLong):
			t.Errorf("player reader did not stop")
		}
	})
	return p
}

func (p *player) read() {
	defer close(p.done)
	for {
		m, err := p.c.Next()
		p.mu.Lock()
		if err != nil {
			p.closeErr = err
		}
		switch m := m.(type) {
		case *Snapshot:
			p.snaps = append(p.snaps, m.Tick)
			p.bases = append(p.bases, m.BaseTick)
			p.byTick[m.Tick] = m.Snapshot
			p.last = m.Snapshot
		case *Events:
			p.events = append(p.events, m.Events...)
		case *Pong:
			p.pongs = append(p.pongs, *m)
		case *ErrorMessage:
			p.errs = append(p.errs, *m)
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// keepalive pings every 500 ms, like a real client, so long tests do not
// trip the idle timeout.
func (p *player) keepalive() { p.keepaliveEvery(500 * time.Millisecond) }

// keepaliveEvery pings every d until the player's cleanup.
func (p *player) keepaliveEvery(d time.Duration) {
	p.stopKeepalive, p.keepaliveDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.keepaliveDone)
		tick := time.NewTicker(d)
		defer tick.Stop()
		p.lastPing.Store(time.Now().UnixNano())
		for {
			select {
			case <-p.stopKeepalive:
				return
			case <-tick.C:
				_ = p.c.SendPing(1)
				now := time.Now().UnixNano()
				if gap := now - p.lastPing.Swap(now); gap > p.longestGap.Load() {
					p.longestGap.Store(gap)
				}
			}
		}
	}()
}

// pingGap is the longest time the keepalive has gone without a ping so far,
// counting the one under way: longer than asked only when the process did
// not run it on time.
func (p *player) pingGap() time.Duration {
	since := time.Now().UnixNano() - p.lastPing.Load()
	return time.Duration(max(p.longestGap.Load(), since))
}

func (p *player) stopPinging() {
	if p.stopKeepalive != nil {
		close(p.stopKeepalive)
		<-p.keepaliveDone
		p.stopKeepalive = nil
	}
}

// waitFor blocks until cond (called with p.mu held) is true, failing t (the
// caller's own, which may be a subtest's) if the connection ends first or
// after timeout, a hang detector: cond is checked on every message, and once
// more after the deadline. every, if not nil, runs between checks at about
// the tick rate (to send inputs while waiting).
func (p *player) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool, every func()) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	check := func() (ok bool, changed chan struct{}, ended error) {
		p.mu.Lock()
		defer p.mu.Unlock() // cond may fail the test
		return cond(), p.changed, p.closeErr
	}
	for {
		late := time.Now().After(deadline)
		ok, changed, ended := check()
		switch {
		case ok:
			return
		case ended != nil:
			t.Fatalf("waiting for %s: connection ended: %v", what, ended)
		case late:
			t.Fatalf("waiting for %s: timed out after %v", what, timeout)
		}
		select {
		case <-changed:
		case <-tick.C:
			if every != nil {
				every()
			}
		}
	}
}

// closed waits for the server to close the connection and returns the code.
func (p *player) closed(t *testing.T, timeout time.Duration) CloseCode {
	t.Helper()
	var err error
	p.waitFor(t, "close", timeout, func() bool { err = p.closeErr; return err != nil }, nil)
	var ce *CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("connection ended with %v, not a close frame", err)
	}
	return ce.Code
}

// waitServer waits until cond holds for s, checking again whenever s's
// connections or hubs change (Server.changed), and fails t after waitLong, a
// hang detector. cond runs with s.mu held: it may read s.conns and s.hubs.
func waitServer(t *testing.T, s *Server, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(waitLong)
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("waiting for %s: timed out after %v", what, waitLong)
		}
	}
}

// lastTick is the tick of the latest snapshot received (0 before the first).
func (p *player) lastTick() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.snaps) == 0 {
		return 0
	}
	return p.snaps[len(p.snaps)-1]
}

// snapshotTicks returns the ticks of the snapshots received, in order.
func (p *player) snapshotTicks() []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.snaps)
}
