package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
)

// sdkCall is one request the fake Agones SDK server received.
type sdkCall struct {
	method, path string
	body         map[string]any
	at           time.Time // on the test's manual clock
}

func (c sdkCall) String() string {
	if c.path == "/metadata/label" {
		return c.method + " " + c.path + " " + c.body["key"].(string) + "=" + c.body["value"].(string)
	}
	return c.method + " " + c.path
}

// fakeSDK is an Agones SDK server's REST gateway that records every call,
// in order. fail makes a path answer 503 that many more times; hold, if
// set for a path, runs before the answer (and may block it).
type fakeSDK struct {
	t     *testing.T
	clk   *clock.Manual
	ts    *httptest.Server
	calls chan sdkCall

	mu   sync.Mutex
	fail map[string]int
	hold map[string]func()
}

func newFakeSDK(t *testing.T, clk *clock.Manual) *fakeSDK {
	f := &fakeSDK{t: t, clk: clk, calls: make(chan sdkCall, 100), fail: map[string]int{}, hold: map[string]func(){}}
	f.ts = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.ts.Close)
	return f
}

func (f *fakeSDK) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("%s %s: body %q is not JSON (%v)", r.Method, r.URL.Path, raw, err)
	}
	call := sdkCall{method: r.Method, path: r.URL.Path, body: body, at: f.clk.Now()}
	f.mu.Lock()
	failing := f.fail[r.URL.Path] > 0
	if failing {
		f.fail[r.URL.Path]--
	}
	hold := f.hold[r.URL.Path]
	f.mu.Unlock()
	f.calls <- call
	if hold != nil {
		hold()
	}
	if failing {
		http.Error(w, "not yet", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}

// next returns the next call, failing after 20 s.
func (f *fakeSDK) next(t *testing.T) sdkCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no call to the SDK server within 20s")
		return sdkCall{}
	}
}

// expect reads the next calls and requires them to be want, in order.
func (f *fakeSDK) expect(t *testing.T, want ...string) []sdkCall {
	t.Helper()
	var got []sdkCall
	for _, w := range want {
		c := f.next(t)
		if c.String() != w {
			t.Fatalf("call %q, want %q (after %v)", c, w, got)
		}
		got = append(got, c)
	}
	return got
}

// none requires that no call is waiting.
func (f *fakeSDK) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Fatalf("unexpected call %q", c)
	default:
	}
}

// sleeping waits until the Agones loop waits on the clock again: its beat
// is over.
func sleeping(t *testing.T, clk *clock.Manual) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clk.WaitForWaiters(ctx, 1); err != nil {
		t.Fatal("the Agones loop never went back to sleep")
	}
}

// The loop: Ready retried with doubling backoff while the sidecar is not
// up, then Health and both labels at once, then every 2 s Health and only
// the labels that changed; no Health while a match has stopped ticking;
// Shutdown on its own, after the loop.
func TestAgonesLoop(t *testing.T) {
	clk := clock.NewManual(time.Unix(1000, 0))
	sdk := newFakeSDK(t, clk)
	sdk.fail["/ready"] = 2
	var mu sync.Mutex
	healthy, load := true, agonesLoad{}
	a := &agones{
		base: sdk.ts.URL, http: &http.Client{Timeout: 5 * time.Second}, clock: clk, log: slog.New(slog.DiscardHandler),
		healthy: func() bool { mu.Lock(); defer mu.Unlock(); return healthy },
		load:    func() agonesLoad { mu.Lock(); defer mu.Unlock(); return load },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.run(ctx) }()
	defer func() { cancel(); <-done }()

	start := clk.Now()
	sdk.expect(t, "POST /ready")
	sleeping(t, clk)
	clk.Advance(agonesBackoffMin - time.Millisecond)
	sdk.none(t) // not before the backoff
	clk.Advance(time.Millisecond)
	sdk.expect(t, "POST /ready")
	sleeping(t, clk)
	clk.Advance(2 * agonesBackoffMin) // the backoff doubled
	calls := sdk.expect(t, "POST /ready", "POST /health",
		"PUT /metadata/label skirmish.dev-players=0", "PUT /metadata/label skirmish.dev-matches=0")
	if got := calls[0].at.Sub(start); got != 3*agonesBackoffMin {
		t.Fatalf("third Ready at +%v, want +%v", got, 3*agonesBackoffMin)
	}
	sleeping(t, clk)

	// Nothing changed: Health only, every 2 s.
	clk.Advance(agonesHealthEvery - time.Millisecond)
	sdk.none(t)
	clk.Advance(time.Millisecond)
	sdk.expect(t, "POST /health")
	sleeping(t, clk)
	sdk.none(t)

	// Players arrive: the players label follows.
	mu.Lock()
	load = agonesLoad{players: 3, matches: 0}
	mu.Unlock()
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "POST /health", "PUT /metadata/label skirmish.dev-players=3")
	sleeping(t, clk)
	sdk.none(t)

	// A match stops ticking: no Health, labels still kept.
	mu.Lock()
	healthy, load = false, agonesLoad{players: 3, matches: 1}
	mu.Unlock()
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "PUT /metadata/label skirmish.dev-matches=1")
	sleeping(t, clk)
	clk.Advance(agonesHealthEvery)
	sleeping(t, clk)
	sdk.none(t)

	// It ticks again: Health resumes.
	mu.Lock()
	healthy = true
	mu.Unlock()
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "POST /health")
	sleeping(t, clk)

	cancel()
	<-done
	if err := a.shutdown(); err != nil {
		t.Fatal(err)
	}
	sdk.expect(t, "POST /shutdown")
	sdk.none(t)
}

// A sidecar that is not listening is an error to retry, not a crash; a
// failed label is sent again at the next beat.
func TestAgonesSidecarDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	a := &agones{base: "http://" + addr, http: &http.Client{Timeout: time.Second}}
	if err := a.call(context.Background(), http.MethodPost, "/ready", struct{}{}); err == nil {
		t.Fatal("a call to a closed port succeeded")
	}

	clk := clock.NewManual(time.Unix(1000, 0))
	sdk := newFakeSDK(t, clk)
	sdk.fail["/metadata/label"] = 1
	a = &agones{
		base: sdk.ts.URL, http: &http.Client{Timeout: 5 * time.Second}, clock: clk, log: slog.New(slog.DiscardHandler),
		healthy: func() bool { return true },
		load:    func() agonesLoad { return agonesLoad{players: 1, matches: 1} },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.run(ctx) }()
	defer func() { cancel(); <-done }()
	sdk.expect(t, "POST /ready", "POST /health",
		"PUT /metadata/label skirmish.dev-players=1", "PUT /metadata/label skirmish.dev-matches=1")
	sleeping(t, clk)
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "POST /health", "PUT /metadata/label skirmish.dev-players=1", "PUT /metadata/label skirmish.dev-matches=1")
	sleeping(t, clk)
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "POST /health")
}

func TestAgonesTicking(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct {
		name string
		ago  []time.Duration
		want bool
	}{
		{"no match", nil, true},
		{"all ticking", []time.Duration{0, 30 * time.Millisecond}, true},
		{"one just inside", []time.Duration{0, agonesStallAfter}, true},
		{"one stalled", []time.Duration{0, agonesStallAfter + time.Millisecond}, false},
	} {
		var infos []match.Info
		for _, ago := range tc.ago {
			infos = append(infos, match.Info{TickedAt: now.Add(-ago)})
		}
		if got := ticking(infos, now); got != tc.want {
			t.Errorf("%s: ticking %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAgonesSDKURL(t *testing.T) {
	for port, want := range map[string]string{"": "http://localhost:9358", "59358": "http://localhost:59358"} {
		if got, err := agonesSDKURL(port); err != nil || got != want {
			t.Errorf("agonesSDKURL(%q) = %q, %v; want %q", port, got, err, want)
		}
	}
	for _, bad := range []string{"x", "0", "70000"} {
		if _, err := agonesSDKURL(bad); err == nil {
			t.Errorf("agonesSDKURL(%q) accepted", bad)
		}
	}
	_, err := parseServeConfig([]string{"--agones"}, func(k string) string {
		if k == agonesPortEnv {
			return "nope"
		}
		return ""
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), agonesPortEnv) {
		t.Fatalf("--agones with a bad %s: %v, want an error naming it", agonesPortEnv, err)
	}
}

// A whole server with --agones against the fake SDK server: Ready comes
// once the server listens, Health and the labels follow the players, and
// on SIGTERM /readyz turns 503 first, the players get their end event and
// close, /readyz (503) and /healthz (200) still answer, and only then does
// Shutdown come — with the drain done.
func TestServeAgones(t *testing.T) {
	clk := clock.NewManual(time.Unix(1000, 0))
	sdk := newFakeSDK(t, clk)
	cfg := testServeConfig(t)
	cfg.Agones, cfg.AgonesSDK = true, sdk.ts.URL
	srv := newTestServer(t, cfg, slog.New(slog.DiscardHandler))
	srv.clock = clk
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// Ready must find the server listening: the fake asks it.
	listening := make(chan int, 1)
	sdk.hold["/ready"] = func() {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			listening <- 0
			return
		}
		resp.Body.Close()
		listening <- resp.StatusCode
	}
	ctx, stop := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- srv.serve(ctx, ln) }()
	defer func() {
		stop()
		select {
		case <-result:
		case <-time.After(30 * time.Second):
			t.Error("serve did not return")
		}
	}()

	sdk.expect(t, "POST /ready")
	if code := <-listening; code != http.StatusOK {
		t.Fatalf("at Ready, /readyz answered %d, want 200: Ready must come once the server listens and is ready", code)
	}
	sdk.expect(t, "POST /health", "PUT /metadata/label skirmish.dev-players=0", "PUT /metadata/label skirmish.dev-matches=0")
	sleeping(t, clk)

	dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := netcode.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", netcode.DialOptions{Name: "agon"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clk.Advance(agonesHealthEvery)
	sdk.expect(t, "POST /health", "PUT /metadata/label skirmish.dev-players=1", "PUT /metadata/label skirmish.dev-matches=1")
	sleeping(t, clk)

	// SIGTERM. The fake holds Shutdown until the test has looked around.
	shutdownSeen, release := make(chan struct{}), make(chan struct{})
	sdk.mu.Lock()
	var once sync.Once
	sdk.hold["/shutdown"] = func() { once.Do(func() { close(shutdownSeen) }); <-release }
	sdk.mu.Unlock()
	stop()
	closed := make(chan int, 1)
	sawEnd := false
	for {
		msg, err := c.Next()
		if err != nil {
			closed <- int(netcode.CloseCodeOf(err))
			break
		}
		if ev, ok := msg.(*netcode.Events); ok && hasEnd(ev.Events) && !sawEnd {
			sawEnd = true
			// The first thing a drain does is readiness off.
			var body map[string]string
			getJSON(t, base+"/readyz", http.StatusServiceUnavailable, &body)
			if body["error"] != "draining" {
				t.Errorf("/readyz at the end event: %v, want draining", body)
			}
		}
	}
	if !sawEnd || <-closed != int(netcode.CloseGoingAway) {
		t.Fatalf("player: end event %v, then close, want the end event and 1001", sawEnd)
	}
	sdk.expect(t, "POST /shutdown")
	<-shutdownSeen
	var ready, health map[string]string
	getJSON(t, base+"/readyz", http.StatusServiceUnavailable, &ready)
	getJSON(t, base+"/healthz", http.StatusOK, &health)
	if srv.players.Stats().Connections != 0 {
		t.Fatal("Shutdown before the players were closed")
	}
	select {
	case err := <-result:
		t.Fatalf("serve returned (%v) before Shutdown was answered", err)
	default:
	}
	close(release)
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		result <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after Shutdown")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("the listener is still open after serve returned")
	}
}

func hasEnd(evs []game.Event) bool {
	for _, e := range evs {
		if e.Kind == game.EventEnd {
			return true
		}
	}
	return false
}

// The SDK server makes every key agones.dev/sdk-<key>: that must be a valid
// Kubernetes label key (one prefix, a name of at most 63 characters of
// [A-Za-z0-9-_.] that starts and ends alphanumeric), or the label is refused.
func TestAgonesLabelKeysAreValid(t *testing.T) {
	name := regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	for _, key := range []string{agonesLabelPlayers, agonesLabelMatches} {
		full := "agones.dev/sdk-" + key
		prefix, n, ok := strings.Cut(full, "/")
		if !ok || strings.Contains(n, "/") || prefix != "agones.dev" || len(n) > 63 || !name.MatchString(n) {
			t.Errorf("label key %q is not a valid Kubernetes label key", full)
		}
	}
}
