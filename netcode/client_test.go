package netcode

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
)

// TestDialUsesNetDial: DialOptions.NetDial opens the connection the client
// then plays on (the seam the load tool impairs with netcode/netsim).
func TestDialUsesNetDial(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	var dials atomic.Int32
	var got atomic.Value
	opts := DialOptions{Name: "custom", NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		got.Store(network + " " + addr)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	p := e.dial(t, opts)
	defer p.c.Close()
	if dials.Load() != 1 {
		t.Fatalf("NetDial called %d times, want once", dials.Load())
	}
	if want := "tcp " + e.ts.Listener.Addr().String(); got.Load() != want {
		t.Fatalf("NetDial(%q), want %q", got.Load(), want)
	}
	if err := p.c.SendPing(1); err != nil {
		t.Fatal(err)
	}
}
