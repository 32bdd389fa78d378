package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
)

// testServeConfig is the default config on a free loopback port, quiet logs.
func testServeConfig(t *testing.T) serveConfig {
	t.Helper()
	cfg, err := parseServeConfig([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.spectatorLoadInterval = -1 // the machine's load is not the test's
	cfg.DataDir = t.TempDir()      // each test its own history
	return cfg
}

type runningServer struct {
	srv    *server
	base   string
	stop   context.CancelFunc
	result chan error
}

// checkTestDataDir fails a test whose server would keep its match history
// in the source tree (the default ./data): testServeConfig gives each test
// a temporary one.
func checkTestDataDir(t *testing.T, cfg serveConfig) {
	t.Helper()
	if cfg.DatabaseURL == "" && !filepath.IsAbs(cfg.DataDir) {
		t.Fatalf("the test server would write its history to %q in the source tree: set cfg.DataDir = t.TempDir() (testServeConfig does)", cfg.DataDir)
	}
}

// newTestServer is newServer for a test: the server's match history is
// closed when the test ends, whether or not it served.
func newTestServer(t *testing.T, cfg serveConfig, log *slog.Logger) *server {
	t.Helper()
	checkTestDataDir(t, cfg)
	srv, err := newServer(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.closeHistory(context.Background()) })
	return srv
}

// startServerFull runs a whole server on loopback until the test ends.
func startServerFull(t *testing.T, cfg serveConfig) *runningServer {
	t.Helper()
	checkTestDataDir(t, cfg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	srv, err := newServer(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	rs := &runningServer{srv: srv, base: "http://" + ln.Addr().String(), stop: stop, result: make(chan error, 1)}
	go func() { rs.result <- srv.serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-rs.result:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return rs
}

func startServer(t *testing.T, cfg serveConfig) string { return startServerFull(t, cfg).base }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func getJSON(t *testing.T, url string, wantStatus int, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want JSON", url, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestServeRoutes(t *testing.T) {
	base := startServer(t, testServeConfig(t))

	var health map[string]string
	getJSON(t, base+"/healthz", http.StatusOK, &health)
	if health["status"] != "ok" {
		t.Errorf("healthz = %v", health)
	}
	var apiErr map[string]string
	getJSON(t, base+"/api/nope", http.StatusNotFound, &apiErr)
	if apiErr["error"] != "not_found" || apiErr["message"] == "" {
		t.Errorf("unknown API route error = %v", apiErr)
	}
	getJSON(t, base+"/api/matches/no-such-match/events", http.StatusNotFound, &apiErr)
	if apiErr["error"] != "match_not_found" {
		t.Errorf("unknown match error = %v", apiErr)
	}
	var list []map[string]any
	getJSON(t, base+"/api/matches", http.StatusOK, &list)

	var m map[string]any
	getJSON(t, base+"/assets/maps/arena.json", http.StatusOK, &m)
	if m["id"] != "arena" {
		t.Errorf("map id = %v", m["id"])
	}

	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<canvas") && !strings.Contains(string(body), "app.js") {
		t.Errorf("GET / = %d: %.200s", resp.StatusCode, body)
	}
}

// TestServeShutdown is the SIGTERM path: players are closed with 1001, SSE
// streams get a final end event, and serve returns nil.
func TestServeShutdown(t *testing.T) {
	cfg := testServeConfig(t)
	rs := startServerFull(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	wsURL := "ws" + strings.TrimPrefix(rs.base, "http") + "/ws"
	c, welcome, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: "drain"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rs.base+"/api/matches/"+welcome.Match+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events status %d", resp.StatusCode)
	}
	sse := bufio.NewScanner(resp.Body)
	sse.Buffer(make([]byte, 1<<20), 1<<20)
	if !scanUntil(sse, "event: snapshot") {
		t.Fatal("no snapshot event before shutdown")
	}

	rs.stop() // what SIGTERM does through signal.NotifyContext

	type closed struct {
		code      int
		endReason game.EndReason // of the end event seen before the close; 0 if none
	}
	closeCode := make(chan closed, 1)
	go func() {
		var end game.EndReason
		for {
			msg, err := c.Next()
			if err != nil {
				closeCode <- closed{int(netcode.CloseCodeOf(err)), end}
				return
			}
			if ev, ok := msg.(*netcode.Events); ok {
				for _, e := range ev.Events {
					if e.Kind == game.EventEnd {
						end = game.EndReason(e.Value)
					}
				}
			}
		}
	}()
	if !scanUntil(sse, "event: end") {
		t.Fatal("SSE stream ended without an end event")
	}
	if !sse.Scan() || !strings.Contains(sse.Text(), `"reason":"shutdown"`) {
		t.Errorf("end event data = %q, want reason shutdown", sse.Text())
	}
	select {
	case got := <-closeCode:
		if got.code != 1001 {
			t.Errorf("player closed with %d, want 1001", got.code)
		}
		if got.endReason != game.EndShutdown {
			t.Errorf("player's end event before the close: reason %v, want shutdown", got.endReason)
		}
	case <-ctx.Done():
		t.Fatal("player not closed")
	}
	select {
	case err := <-rs.result:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
		rs.result <- nil // for the cleanup
	case <-ctx.Done():
		t.Fatal("serve did not return")
	}
}

// scanUntil reads lines until one starts with prefix.
func scanUntil(s *bufio.Scanner, prefix string) bool {
	for s.Scan() {
		if strings.HasPrefix(s.Text(), prefix) {
			return true
		}
	}
	return false
}

// TestServeWrongMethod: a request with the wrong method still gets the
// documented answers: /ws refuses anything but a GET upgrade with 400
// bad_upgrade (PROTOCOL.md §1.1), and the HTTP API's errors are JSON (§3).
func TestServeWrongMethod(t *testing.T) {
	base := startServer(t, testServeConfig(t))
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{http.MethodPost, "/ws", http.StatusBadRequest, "bad_upgrade"},
		{http.MethodPost, "/api/matches", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodDelete, "/api/matches/some-id/events", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodPut, "/api/nope", http.StatusMethodNotAllowed, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d %q, want %d JSON: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, body)
			}
			var e map[string]string
			if err := json.Unmarshal(body, &e); err != nil || e["error"] != tt.code || e["message"] == "" {
				t.Fatalf("body %s (%v), want error %q with a message", body, err, tt.code)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
				t.Fatal("405 without an Allow header")
			}
		})
	}
}

// TestMissingFilesAreJSON404: a path that names no file of the client or
// the assets — or a directory without an index — gets the documented JSON
// 404, never net/http's plain text or a directory listing.
func TestMissingFilesAreJSON404(t *testing.T) {
	base := startServer(t, testServeConfig(t))
	for _, p := range []string{"/nope", "/assets/", "/assets/maps/", "/assets/maps/nope.json", "/x/../nope.js"} {
		t.Run(p, func(t *testing.T) {
			var e map[string]string
			getJSON(t, base+p, http.StatusNotFound, &e)
			if e["error"] != "not_found" || e["message"] == "" {
				t.Fatalf("GET %s: %v, want the JSON not_found error", p, e)
			}
		})
	}
	var m map[string]any
	getJSON(t, base+"/assets/maps/arena.json", http.StatusOK, &m) // files still served
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable { // 503: built without the client
		t.Fatalf("GET /: %d, want the client's page", resp.StatusCode)
	}
}
