package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode"
)

// TestServeHeadThenGet: every route answers HEAD with headers only and
// finishes the request at once, so a second request on the same keep-alive
// connection is answered; a HEAD on a stream counts no spectator
// (PROTOCOL.md §2–3).
func TestServeHeadThenGet(t *testing.T) {
	rs := startServerFull(t, testServeConfig(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, welcome, err := netcode.Dial(ctx, "ws"+strings.TrimPrefix(rs.base, "http")+"/ws", netcode.DialOptions{Name: "head"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	events := "/api/matches/" + welcome.Match + "/events"

	tests := []struct {
		path        string
		status      int
		contentType string
	}{
		{"/healthz", http.StatusOK, "application/json"},
		{"/readyz", http.StatusOK, "application/json"},
		{"/api/matches", http.StatusOK, "application/json"},
		{events, http.StatusOK, "text/event-stream"},
		{"/api/matches/no-such-match/events", http.StatusNotFound, "application/json"},
		{"/api/nope", http.StatusNotFound, "application/json"},
		{"/assets/maps/arena.json", http.StatusOK, "application/json"},
		{"/", http.StatusOK, "text/html; charset=utf-8"},
		{"/ws", http.StatusBadRequest, "application/json"}, // not an upgrade
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(rs.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// A stuck request fails the test instead of hanging it.
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)

			head := roundTrip(t, conn, br, http.MethodHead, tt.path)
			if head.StatusCode != tt.status || head.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("HEAD: %d %q, want %d %q", head.StatusCode, head.Header.Get("Content-Type"), tt.status, tt.contentType)
			}
			if n, _ := io.Copy(io.Discard, head.Body); n != 0 {
				t.Fatalf("HEAD answered with %d body bytes", n)
			}
			if tt.path == events {
				var list []map[string]any
				getJSON(t, rs.base+"/api/matches", http.StatusOK, &list)
				for _, m := range list {
					if m["id"] == welcome.Match && m["spectators"] != float64(0) {
						t.Fatalf("after HEAD the match has %v spectators, want 0", m["spectators"])
					}
				}
			}

			get := roundTrip(t, conn, br, http.MethodGet, tt.path)
			if get.StatusCode != tt.status || get.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("GET after HEAD: %d %q, want %d %q", get.StatusCode, get.Header.Get("Content-Type"), tt.status, tt.contentType)
			}
			if tt.path == events {
				// The same headers as the GET, which really streams.
				for _, k := range []string{"Cache-Control", "X-Accel-Buffering", "Connection"} {
					if head.Header.Get(k) != get.Header.Get(k) {
						t.Errorf("%s: HEAD %q, GET %q", k, head.Header.Get(k), get.Header.Get(k))
					}
				}
				line, err := bufio.NewReader(get.Body).ReadString('\n')
				if err != nil || !strings.HasPrefix(line, "retry: ") {
					t.Fatalf("GET stream starts with %q (%v)", line, err)
				}
			}
		})
	}
}

// roundTrip writes one request on conn and reads its response.
func roundTrip(t *testing.T, conn net.Conn, br *bufio.Reader, method, path string) *http.Response {
	t.Helper()
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: test\r\n\r\n", method, path); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: no response: %v", method, path, err)
	}
	return resp
}
