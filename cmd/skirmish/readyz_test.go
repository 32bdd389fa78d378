package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode"
)

// readyzOf asks h for /readyz and returns the status and the JSON body.
func readyzOf(t *testing.T, h http.Handler) (int, map[string]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("/readyz body %q: %v", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("/readyz Content-Type %q", ct)
	}
	return rec.Code, body
}

// /readyz is 503 with its reason while starting and draining, 200 between;
// /healthz is 200 throughout.
func TestReadyzStartingAndDraining(t *testing.T) {
	srv := newTestServer(t, testServeConfig(t), slog.New(slog.DiscardHandler))
	h := srv.routes()
	for _, tc := range []struct {
		name     string
		started  bool
		draining bool
		status   int
		word     string
	}{
		{"starting", false, false, http.StatusServiceUnavailable, "starting"},
		{"ready", true, false, http.StatusOK, ""},
		{"draining", true, true, http.StatusServiceUnavailable, "draining"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.started.Store(tc.started)
			srv.draining.Store(tc.draining)
			status, body := readyzOf(t, h)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			if tc.word != "" && (body["error"] != tc.word || body["message"] == "") {
				t.Fatalf("body %v, want error %q with a message", body, tc.word)
			}
			if tc.word == "" && body["status"] != "ready" {
				t.Fatalf("body %v, want status ready", body)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("/healthz %d while %s, want 200: liveness is not readiness", rec.Code, tc.name)
			}
		})
	}
}

// At --max-connections or --max-matches, /readyz is 503 with that reason.
func TestReadyzAtTheCaps(t *testing.T) {
	for _, tc := range []struct {
		flag, word string
	}{
		{"--max-connections", "max_connections"},
		{"--max-matches", "max_matches"},
	} {
		t.Run(tc.word, func(t *testing.T) {
			cfg, err := parseServeConfig([]string{"--addr", "127.0.0.1:0", "--log-level", "warn", tc.flag, "1"},
				func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DataDir = t.TempDir()
			base := startServer(t, cfg)
			var ready map[string]string
			getJSON(t, base+"/readyz", http.StatusOK, &ready)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, _, err := netcode.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", netcode.DialOptions{Name: "capper"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var full map[string]string
			getJSON(t, base+"/readyz", http.StatusServiceUnavailable, &full)
			if full["error"] != tc.word || full["message"] == "" {
				t.Fatalf("body %v, want error %q", full, tc.word)
			}
		})
	}
}
