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
// slow (4008), while a watcher in the same match gets the snapshot of every
// tick, tick by tick, and every tick finishes: the match goroutine never
// waits on the silent socket. The match runs on a manual clock in lockstep
// with the watcher, so the test asserts no rate: a stalled machine slows it
// down but cannot fail it.
func TestSlowClientIsClosedAndOthersKeepUp(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		// No write deadline to save the day: if the match goroutine ever
		// waited on the silent client's socket, a step would never finish.
		// The silent client's outbox overflows and closes it (closeNow).
		{"outbox overflow", Config{WriteTimeout: time.Hour, OutboxSize: 8}},
		// An outbox that cannot overflow here: the write deadline closes it.
		{"write deadline", Config{WriteTimeout: time.Second, OutboxSize: 1 << 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A small kernel send buffer and 9 players (8 bots) in 30 Hz
			// snapshots fill the pipe to the silent client within some
			// tens of ticks. The match must not end while the test runs.
			// The silent client never pings: only its slowness may close it.
			cfg := tc.cfg
			cfg.SendBuffer, cfg.SnapshotRate, cfg.IdleTimeout = 4096, 30, time.Hour
			e := newManualEnv(t, cfg, func(w *game.WorldConfig) {
				w.BotFill, w.ScoreLimit, w.TimeLimit = 8, 1<<20, 1<<30
			})
			watcher := e.dial(t, DialOptions{Name: "watcher"})
			watcher.keepalive()
			nc, br := dialSilent(t, e.url, watcher.w.Match)

			from := watcher.lastTick()
			deadline := time.Now().Add(waitLong) // a hang detector
			ticks := 0
			for e.srv.Stats().SlowClosed == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("the silent client was not closed within %v (%d ticks)", waitLong, ticks)
				}
				e.keepsUp(t, watcher, 1)
				ticks++
			}
			t.Logf("silent client closed as too slow after %d ticks", ticks)
			var prev uint32
			for _, tick := range watcher.snapshotTicks() {
				if tick > from && prev > from && tick != prev+1 {
					t.Fatalf("the watcher's snapshots skipped from tick %d to %d", prev, tick)
				}
				prev = tick
			}

			// The server has closed the socket: reading now drains what the
			// kernel held and ends (EOF or reset), instead of waiting
			// forever. If the close frame made it out whole, it carries 4008.
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
		})
	}
}

// dialSilent upgrades, joins matchID and then reads nothing. Its socket has
// a tiny receive buffer, set before connecting so that the window it
// advertises is tiny too.
func dialSilent(t *testing.T, url, matchID string) (net.Conn, *bufio.Reader) {
	t.Helper()
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
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	enc := NewEncoder()
	enc.EncodeHello(Hello{Version: ProtocolVersion, Name: "sloth", Match: matchID})
	if _, err := nc.Write(enc.clientFrame(ws.NewMask())); err != nil {
		t.Fatalf("hello: %v", err)
	}
	return nc, br
}
