package spectate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// The end-to-end tests run a real match.Registry on a manual clock behind a
// real HTTP server, and read the feed with a real SSE client over loopback.
// Ticks advance only when a test says so, which makes rates exact.

// wait is the generous bound for anything a test waits for; nothing normally
// takes more than milliseconds, but the machine may be loaded.
const wait = 15 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testMap() *game.Map {
	return &game.Map{
		ID: "box", Name: "Box", Width: 1000, Height: 1000,
		Walls: []game.Rect{
			{X: 0, Y: 0, W: 1000, H: 20}, {X: 0, Y: 980, W: 1000, H: 20},
			{X: 0, Y: 20, W: 20, H: 960}, {X: 980, Y: 20, W: 20, H: 960},
		},
		Spawns: []game.Point{{X: 100, Y: 100}, {X: 900, Y: 900}, {X: 900, Y: 100}, {X: 100, Y: 900},
			{X: 500, Y: 100}, {X: 500, Y: 900}, {X: 100, Y: 500}, {X: 900, Y: 500}},
	}
}

type harnessConfig struct {
	spectate Config
	world    game.WorldConfig // Map, TickRate (30) and BotFill (4) are filled in
	linger   time.Duration    // MatchConfig.EndedLinger
	listener func(net.Listener) net.Listener
}

type harness struct {
	t       *testing.T
	clk     *clock.Manual
	dt      time.Duration
	reg     *match.Registry
	srv     *Server
	hs      *httptest.Server
	stopReg context.CancelFunc
	regDone chan error

	mu      sync.Mutex
	matches []*match.Match
}

func newHarness(t *testing.T, hc harnessConfig) *harness {
	t.Helper()
	clk := clock.NewManual(time.Unix(1_700_000_000, 0))
	wc := hc.world
	wc.Map = testMap()
	if wc.TickRate == 0 {
		wc.TickRate = 30
	}
	if wc.BotFill == 0 {
		wc.BotFill = 4
	}
	n := 0
	reg, err := match.NewRegistry(match.RegistryConfig{
		Match:        match.Config{World: wc, Clock: clk, EndedLinger: hc.linger, Logger: quiet},
		NewID:        func() string { n++; return fmt.Sprintf("m%d", n) },
		EmptyTimeout: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	regDone := make(chan error, 1)
	go func() { regDone <- reg.Run(ctx) }()

	cfg := hc.spectate
	cfg.Registry, cfg.Logger = reg, quiet
	if cfg.Clock == nil {
		cfg.Clock = clk // lag, grace and pacing in match time: exact
	}
	srv, err := NewServer(cfg)
	if err != nil {
		cancel()
		<-regDone
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/matches", srv.ServeList)
	mux.HandleFunc("GET /api/matches/{id}", srv.ServeMatch)
	mux.HandleFunc("GET /api/matches/{id}/events", srv.ServeEvents)
	mux.HandleFunc("GET /api/matches/{id}/replay", srv.ServeReplay)
	hs := httptest.NewUnstartedServer(mux)
	hs.Config.ConnContext = ConnContext
	if hc.listener != nil {
		hs.Listener = hc.listener(hs.Listener)
	}
	hs.Start()

	h := &harness{t: t, clk: clk, dt: time.Second / time.Duration(wc.TickRate), reg: reg, srv: srv, hs: hs,
		stopReg: cancel, regDone: regDone}
	t.Cleanup(h.close)
	return h
}

// close stops everything in dependency order: spectators, HTTP, matches.
func (h *harness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		h.t.Errorf("Shutdown: %v", err)
	}
	h.hs.Close()
	h.stopReg()
	select {
	case <-h.regDone:
	case <-ctx.Done():
		h.t.Error("the registry did not stop")
	}
}

// create starts a match and waits until it sleeps on the clock.
func (h *harness) create() *match.Match {
	h.t.Helper()
	m, err := h.reg.Create()
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.matches = append(h.matches, m)
	h.mu.Unlock()
	h.settle()
	return m
}

// running is how many matches are still running (and so wait on the clock).
func (h *harness) running() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.matches {
		select {
		case <-m.Done():
		default:
			n++
		}
	}
	return n
}

// settle waits until the registry's reaper and every running match are
// asleep on the clock: every tick owed so far has been stepped and observed.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := h.clk.WaitForWaiters(ctx, 1+h.running())
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("matches did not go back to sleep: %d waiters, %d running", h.clk.Waiters(), h.running())
		}
	}
}

// step runs n ticks of every running match, one at a time.
func (h *harness) step(n int) {
	h.t.Helper()
	for range n {
		h.clk.Advance(h.dt)
		h.settle()
	}
}

// waitFor polls cond until it holds, failing after the deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitFeed waits until match id's feed observes the match and has n spectators.
func (h *harness) waitFeed(id string, n int) {
	h.t.Helper()
	waitFor(h.t, fmt.Sprintf("%d spectators of %s", n, id), func() bool {
		h.srv.mu.Lock()
		f := h.srv.feeds[id]
		h.srv.mu.Unlock()
		if f == nil {
			return false
		}
		select {
		case <-f.ready:
		default:
			return false
		}
		return h.srv.Spectators(id) == n
	})
}

func (h *harness) eventsURL(id, query string) string {
	u := h.hs.URL + "/api/matches/" + id + "/events"
	if query != "" {
		u += "?" + query
	}
	return u
}

// get issues a GET with optional headers; the caller closes the body.
func (h *harness) get(url string, hdr http.Header) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := h.hs.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// recorder is an independent observer of a match: the ground truth the
// feed is compared with.
type recorder struct {
	mu     sync.Mutex
	events []game.Event
}

func (r *recorder) OnTick(_ *game.Snapshot, events []game.Event) {
	r.mu.Lock()
	r.events = append(r.events, events...)
	r.mu.Unlock()
}

func (r *recorder) OnStop(game.EndReason) {}

// between returns the recorded events with from < tick <= to.
func (r *recorder) between(from, to uint32) []game.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []game.Event
	for _, ev := range r.events {
		if ev.Tick > from && ev.Tick <= to {
			out = append(out, ev)
		}
	}
	return out
}

// sseClient reads one SSE stream on its own goroutine.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent // closed when the stream ends
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// connect opens a stream and expects 200.
func (h *harness) connect(id string, hdr http.Header, query string) *sseClient {
	h.t.Helper()
	resp := h.get(h.eventsURL(id, query), hdr)
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h.t.Fatalf("GET events: %s %s", resp.Status, body)
	}
	c := &sseClient{t: h.t, resp: resp, events: make(chan sseEvent, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	h.t.Cleanup(c.close)
	return c
}

func (c *sseClient) read() {
	defer close(c.done)
	defer close(c.events)
	br := bufio.NewReader(c.resp.Body)
	var p sseParser
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if ev, ok := p.line(strings.TrimSuffix(line, "\n")); ok {
			select {
			case c.events <- ev:
			case <-c.stop:
				return
			}
		}
	}
}

func (c *sseClient) close() {
	c.once.Do(func() {
		close(c.stop)
		c.resp.Body.Close()
		<-c.done
	})
}

// nextAny returns the next event or comment.
func (c *sseClient) nextAny() sseEvent {
	c.t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			c.t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(wait):
		c.t.Fatal("timed out waiting for an event")
		return sseEvent{}
	}
}

// next returns the next event, skipping comments and the retry field.
func (c *sseClient) next() sseEvent {
	c.t.Helper()
	for {
		ev := c.nextAny()
		if ev.Comment == "" && ev.Event != "" {
			return ev
		}
	}
}

// until reads events up to and including the state of tick.
func (c *sseClient) until(tick uint32) []sseEvent {
	c.t.Helper()
	var out []sseEvent
	for {
		ev := c.next()
		out = append(out, ev)
		if ev.Event == "state" {
			st := decodeEvent(c.t, ev).(*wireState)
			if st.Tick == tick {
				return out
			}
			if st.Tick > tick {
				c.t.Fatalf("state of tick %d skipped (got %d)", tick, st.Tick)
			}
		}
	}
}

// rest reads until the stream ends.
func (c *sseClient) rest() []sseEvent {
	c.t.Helper()
	var out []sseEvent
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return out
			}
			if ev.Comment == "" && ev.Event != "" {
				out = append(out, ev)
			}
		case <-timeout:
			c.t.Fatalf("the stream did not end; got %d events", len(out))
		}
	}
}

// describe renders a game event and a wire event the same way so that the
// feed can be compared with the recorder.
func describeGame(ev game.Event) string {
	switch ev.Kind {
	case game.EventJoin:
		return fmt.Sprintf("join@%d id=%d name=%s bot=%v", ev.Tick, ev.Player, ev.Name, ev.Value == 1)
	case game.EventLeave, game.EventRespawn:
		return fmt.Sprintf("%s@%d id=%d", ev.Kind, ev.Tick, ev.Player)
	case game.EventKill:
		return fmt.Sprintf("kill@%d killer=%d victim=%d", ev.Tick, ev.Other, ev.Player)
	case game.EventPhase:
		return fmt.Sprintf("phase@%d %s", ev.Tick, game.Phase(ev.Value))
	case game.EventScore:
		return fmt.Sprintf("score@%d id=%d kills=%d", ev.Tick, ev.Player, ev.Value)
	case game.EventEnd:
		return fmt.Sprintf("end@%d %s winner=%d", ev.Tick, game.EndReason(ev.Value), ev.Player)
	}
	return fmt.Sprintf("unknown %+v", ev)
}

func describeWire(t *testing.T, ev sseEvent) string {
	t.Helper()
	switch v := decodeEvent(t, ev).(type) {
	case *wireJoin:
		return fmt.Sprintf("join@%d id=%d name=%s bot=%v", v.Tick, v.ID, v.Name, v.Bot)
	case *wireID:
		return fmt.Sprintf("%s@%d id=%d", ev.Event, v.Tick, v.ID)
	case *wireKill:
		return fmt.Sprintf("kill@%d killer=%d victim=%d", v.Tick, v.Killer, v.Victim)
	case *wirePhase:
		return fmt.Sprintf("phase@%d %s", v.Tick, v.Phase)
	case *wireScore:
		return fmt.Sprintf("score@%d id=%d kills=%d", v.Tick, v.ID, v.Kills)
	case *wireEnd:
		return fmt.Sprintf("end@%d %s winner=%d", v.Tick, v.Reason, v.Winner)
	}
	return ev.Event
}

// checkContiguous fails unless the events' ids increase by exactly one.
func checkContiguous(t *testing.T, evs []sseEvent, first uint64) {
	t.Helper()
	for i, ev := range evs {
		if id := ev.idNum(t); id != first+uint64(i) {
			t.Fatalf("event %d (%s) has id %d, want %d", i, ev.Event, id, first+uint64(i))
		}
	}
}
