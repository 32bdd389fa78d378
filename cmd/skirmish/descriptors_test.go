package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode"
)

func TestDescriptorBudget(t *testing.T) {
	for _, tt := range []struct {
		name                string
		limit               uint64
		known               bool
		maxConns, maxSpecs  int
		players, spectators int
		wantErr             bool
	}{
		{"plenty", 1 << 20, true, 10000, 10000, 10000, 10000, false},
		{"unknown limit: the flags", 0, false, 10000, 5000, 10000, 5000, false},
		{"spectators get what players leave", 20000, true, 10000, 10000, 10000, 20000 - fdReserve - 10000, false},
		{"the issue's box: 2048", 2048, true, 200, 10000, 200, 2048 - fdReserve - 200, false},
		{"players first", 2048, true, 10000, 10000, 2048 - fdReserve, 0, false},
		{"nothing beyond the reserve", fdReserve, true, 10, 10, 0, 0, true},
		{"unlimited", ^uint64(0), true, 10, 20, 10, 20, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := descriptorBudget(tt.limit, tt.known, tt.maxConns, tt.maxSpecs)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("budget %+v, want an error", b)
				}
				return
			}
			if err != nil || b.Players != tt.players || b.Spectators != tt.spectators {
				t.Fatalf("budget %+v (%v), want %d players, %d spectators", b, err, tt.players, tt.spectators)
			}
			if tt.known && b.Players+b.Spectators+fdReserve > int(min(tt.limit, 1<<40)) {
				t.Fatalf("budget %+v overdraws the limit %d", b, tt.limit)
			}
		})
	}
}

// TestServeDescriptorReserve: with few descriptors, spectators get only what
// the players' cap and the reserve leave, so streams cannot take the
// descriptors players and /healthz need: the stream past that is refused
// with 503 server_full while /healthz and a new player still get in.
func TestServeDescriptorReserve(t *testing.T) {
	const players, spectators = 4, 3
	old := openFileLimit
	openFileLimit = func() (uint64, bool) { return fdReserve + players + spectators, true }
	t.Cleanup(func() { openFileLimit = old })
	cfg := testServeConfig(t)
	cfg.MaxConnections = players
	cfg.MaxSpectators = 1000 // the descriptors allow 3
	rs := startServerFull(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(rs.base, "http") + "/ws"
	c, welcome, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	events := rs.base + "/api/matches/" + welcome.Match + "/events"

	for i := range spectators + 1 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, events, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if i < spectators {
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("stream %d: %s, want 200", i+1, resp.Status)
			}
			if !bufio.NewScanner(resp.Body).Scan() { // the stream is being written
				t.Fatalf("stream %d: nothing written", i+1)
			}
			continue
		}
		var e map[string]string
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("stream %d: %s (Retry-After %q), want 503 with Retry-After", i+1, resp.Status, resp.Header.Get("Retry-After"))
		}
		if err := jsonBody(resp, &e); err != nil || e["error"] != "server_full" {
			t.Fatalf("stream %d: body %v (%v), want server_full", i+1, e, err)
		}
	}
	var health map[string]string
	getJSON(t, rs.base+"/healthz", http.StatusOK, &health)
	c2, _, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: "p2"})
	if err != nil {
		t.Fatalf("a player after the spectators: %v", err)
	}
	c2.Close()
}

func jsonBody(resp *http.Response, into any) error {
	return json.NewDecoder(resp.Body).Decode(into)
}
