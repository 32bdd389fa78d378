package netcode

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// TestMaxConnections: past the cap an upgrade is refused with 503
// server_full before the upgrade, while the players already connected play
// on; when one leaves, a new player gets in.
func TestMaxConnections(t *testing.T) {
	e := newEnv(t, Config{MaxConnections: 2}, nil)
	a := e.dial(t, DialOptions{Name: "a"})
	b := e.dial(t, DialOptions{Name: "b"})

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	_, _, err := Dial(ctx, e.url, DialOptions{Name: "c"})
	var he *HandshakeError
	if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable || he.Code != "server_full" || he.Message == "" {
		t.Fatalf("third dial: %v, want 503 server_full", err)
	}
	pongs(t, a)

	b.c.Close()
	waitServer(t, e.srv, "b's connection to be forgotten", func() bool { return e.srv.Stats().Connections == 1 })
	c := e.dial(t, DialOptions{Name: "c"})
	pongs(t, c)
}

// pongs proves a connection is open and served: a ping gets its pong.
func pongs(t *testing.T, p *player) {
	t.Helper()
	if err := p.c.SendPing(77); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "pong", waitLong, func() bool { return len(p.pongs) > 0 && p.pongs[len(p.pongs)-1].T == 77 }, nil)
}
