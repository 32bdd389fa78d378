package netcode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// Players whose join is still waiting for the match when the server drains
// get 1001, as PROTOCOL.md §1.7 says for a draining server, not a
// server_busy error and 4009: Shutdown abandons their joins, and that must
// not read as "the server is busy, try again".
func TestShutdownDuringJoinClosesWith1001(t *testing.T) {
	m, err := game.ParseMap([]byte(testMapJSON))
	if err != nil {
		t.Fatal(err)
	}
	// A registry that is never run: its match never ticks, so every join
	// waits until Shutdown abandons it.
	reg, err := match.NewRegistry(match.RegistryConfig{
		Match:  match.Config{World: game.WorldConfig{Map: m, MaxPlayers: 64}, Clock: clock.System{}},
		NewID:  func() string { return "idle" },
		Logger: quietLog,
	})
	if err != nil {
		t.Fatal(err)
	}
	match, err := reg.Create()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Config{Registry: reg, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"

	const joiners = 64
	enc := NewEncoder()
	conns := make([]*rawConn, joiners)
	for i := range conns {
		conns[i] = rawDial(t, url)
		conns[i].send(t, enc.EncodeHello(Hello{Version: ProtocolVersion, Name: fmt.Sprint("p", i), Match: match.ID()}))
	}
	waitServer(t, srv, fmt.Sprintf("%d joins to reach the match", joiners), func() bool {
		h := srv.hubs[match]
		return h != nil && len(*h.conns.Load()) == joiners
	})

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	for i, r := range conns {
		_ = r.nc.SetReadDeadline(time.Now().Add(waitLong))
		for {
			b, err := r.fr.next()
			var pc *peerCloseError
			if errors.As(err, &pc) {
				if CloseCode(pc.Code) != CloseGoingAway {
					t.Errorf("joiner %d: close %d, want %d", i, pc.Code, CloseGoingAway)
				}
				break
			}
			if err != nil {
				t.Fatalf("joiner %d: read: %v (no close frame)", i, err)
			}
			msg, _ := r.dec.DecodeServer(b)
			t.Errorf("joiner %d: got %+v before the close, want nothing", i, msg)
		}
		_ = ws.WriteFrame(r.nc, ws.MaskFrameInPlace(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusGoingAway, ""))))
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
