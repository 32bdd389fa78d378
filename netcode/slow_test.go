//go:build unix

package netcode

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
)

// A client that upgrades, says hello and then never reads is closed as too
// slow (4008) within a bounded time, while a normal client in the same
// match keeps its snapshot rate.
func TestSlowClientIsClosedAndOthersKeepTheirRate(t *testing.T) {
	// A small kernel send buffer and 8 players (bots) in 30 Hz snapshots
	// fill the pipe to the silent client within a few seconds.
	e := newEnv(t, Config{WriteTimeout: time.Second, SendBuffer: 4096, SnapshotRate: 30},
		func(w *game.WorldConfig) { w.BotFill = 8 })
	watcher := e.dial(t, DialOptions{Name: "watcher"})
	watcher.keepalive()
	watcher.waitFor(t, "snapshots", waitLong, func() bool { return len(watcher.snaps) > 0 }, nil)
	m := watcher.meter()

	// The silent client's socket has a tiny receive buffer, set before
	// connecting so the window it advertises is tiny too.
	d := ws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
			})
			return errors.Join(err, serr)
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	nc, br, _, err := d.Dial(ctx, e.url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer nc.Close()
	enc := NewEncoder()
	enc.EncodeHello(Hello{Version: ProtocolVersion, Name: "sloth", Match: watcher.w.Match})
	if _, err := nc.Write(enc.clientFrame(ws.NewMask())); err != nil {
		t.Fatalf("hello: %v", err)
	}

	start := time.Now()
	watcher.waitFor(t, "the server to give up on the silent client", waitLong,
		func() bool { return e.srv.Stats().SlowClosed > 0 }, func() {})
	t.Logf("silent client closed as too slow after %v", time.Since(start).Round(time.Millisecond))
	m.check(t, 30, "while a client stalled")

	// The server has closed the socket: reading now drains what the kernel
	// held and ends (EOF or reset), instead of waiting forever. If the close
	// frame made it out whole, it carries 4008.
	_ = nc.SetReadDeadline(time.Now().Add(waitLong))
	var src io.Reader = nc
	if br != nil {
		src = br
	}
	fr := newFrameReader(bufio.NewReader(src), ws.StateClientSide, MaxServerMessage)
	for {
		_, err := fr.next()
		if err == nil {
			continue
		}
		var pc *peerCloseError
		switch {
		case errors.As(err, &pc):
			if CloseCode(pc.Code) != CloseTooSlow {
				t.Fatalf("close frame %d, want %d", pc.Code, CloseTooSlow)
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
			t.Fatalf("the slow client's socket was not closed: %v", err)
		}
		t.Logf("the silent client's stream ended with: %v", err)
		return
	}
}
