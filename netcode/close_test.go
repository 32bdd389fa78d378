package netcode

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
)

// closer is a client that keeps sending while the server closes it, then
// answers the close frame (or does not) and watches how the server ends
// the TCP connection.
type closer struct {
	*wireConn
	t   *testing.T
	enc *Encoder
	wmu sync.Mutex
	seq uint32
}

func dialCloser(t *testing.T, url string) *closer {
	c := &closer{wireConn: wireDial(t, url), t: t, enc: NewEncoder()}
	_ = c.nc.SetDeadline(time.Now().Add(waitLong))
	return c
}

// send writes b; writes from the sender goroutine and the test interleave
// whole frames.
func (c *closer) send(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

func (c *closer) input() []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.seq++
	return rawFrame{op: ws.OpBinary, payload: c.enc.EncodeInput(game.Input{Seq: c.seq, MoveX: 1}, 0)}.bytes()
}

// binary is a binary frame of what encode writes with the closer's encoder,
// which the sender goroutine shares: encoders are not safe for concurrent use.
func (c *closer) binary(encode func(*Encoder) []byte) []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return rawFrame{op: ws.OpBinary, payload: encode(c.enc)}.bytes()
}

func (c *closer) ping() []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return rawFrame{op: ws.OpBinary, payload: c.enc.EncodePing(Ping{T: 1})}.bytes()
}

// hello joins a match and reads up to the welcome.
func (c *closer) hello() {
	c.t.Helper()
	if err := c.send(rawFrame{op: ws.OpBinary, payload: c.enc.EncodeHello(Hello{Version: ProtocolVersion, Name: "closer"})}.bytes()); err != nil {
		c.t.Fatalf("hello: %v", err)
	}
	for {
		h, p, err := c.frame()
		if err != nil {
			c.t.Fatalf("waiting for the welcome: %v", err)
		}
		if h.OpCode != ws.OpBinary {
			continue
		}
		if m, err := NewDecoder().DecodeServer(p); err == nil {
			if _, ok := m.(*Welcome); ok {
				return
			}
		}
	}
}

// keepSending sends a frame made by next every 2 ms on its own goroutine
// until the returned stop is called; stop returns the first write error.
func (c *closer) keepSending(next func() []byte) (stop func() error) {
	done, quit := make(chan error, 1), make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				done <- nil
				return
			case <-tick.C:
				if err := c.send(next()); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	return func() error {
		close(quit)
		return <-done
	}
}

// TestServerClosesWaitForTheClientsClose closes a client for every reason
// the server closes on its own while the client keeps sending, and checks
// the closing handshake of RFC 6455 §7.1.1 and PROTOCOL.md §1.7: the client
// always gets the close frame, everything it sends until its close reply is
// read (so the server never resets the connection), and the server closes
// TCP right after the reply, or after the close grace without one.
func TestServerClosesWaitForTheClientsClose(t *testing.T) {
	const noReplyGrace = 600 * time.Millisecond
	type env2 struct {
		cfg   Config
		world func(*game.WorldConfig)
	}
	tests := []struct {
		name    string
		env     env2
		joined  bool                                  // say hello first
		sender  func(*closer) []byte                  // what the client keeps sending (nil: nothing)
		trigger func(t *testing.T, e *env, c *closer) // makes the server close
		want    CloseCode
	}{
		{"hello timeout", env2{cfg: Config{HelloTimeout: 300 * time.Millisecond}}, false,
			(*closer).ping, func(*testing.T, *env, *closer) {}, CloseHelloTimeout},
		{"ping timeout", env2{cfg: Config{IdleTimeout: 500 * time.Millisecond}}, true,
			nil, func(*testing.T, *env, *closer) {}, ClosePingTimeout},
		{"bad hello", env2{}, false, (*closer).ping, func(t *testing.T, _ *env, c *closer) {
			_ = c.send(c.binary(func(e *Encoder) []byte { return e.EncodeHello(Hello{Version: 2}) }))
		}, CloseBadHello},
		{"too many errors", env2{}, false, func(*closer) []byte {
			return rawFrame{op: ws.OpBinary, payload: []byte{0x91, 0x63}}.bytes() // unknown type 99
		}, func(*testing.T, *env, *closer) {}, CloseTooManyErrors},
		{"text frame", env2{}, true, (*closer).input, func(t *testing.T, _ *env, c *closer) {
			_ = c.send(rawFrame{op: ws.OpText, payload: []byte("{}")}.bytes())
		}, CloseUnsupportedData},
		{"message too big", env2{}, true, (*closer).input, func(t *testing.T, _ *env, c *closer) {
			_ = c.send(rawFrame{op: ws.OpBinary, payload: make([]byte, MaxClientMessage+1)}.bytes())
		}, CloseTooBig},
		{"protocol error", env2{}, true, (*closer).input, func(t *testing.T, _ *env, c *closer) {
			_ = c.send(rawFrame{op: ws.OpBinary, rsv: 4, payload: []byte{0x91, 0x05}}.bytes())
		}, CloseProtocolError},
		{"not msgpack", env2{}, true, (*closer).input, func(t *testing.T, _ *env, c *closer) {
			_ = c.send(rawFrame{op: ws.OpBinary, payload: []byte{0xc1}}.bytes())
		}, CloseNotMsgpack},
		{"match over", env2{world: func(w *game.WorldConfig) { w.BotFill, w.TimeLimit = 2, 1 }}, true,
			(*closer).input, func(*testing.T, *env, *closer) {}, CloseMatchOver},
		{"matches stopped", env2{}, true, (*closer).input, func(t *testing.T, e *env, _ *closer) {
			e.stopRegistry()
		}, CloseGoingAway},
		{"server shutdown", env2{}, true, (*closer).input, func(t *testing.T, e *env, _ *closer) {
			go func() { _ = e.srv.Shutdown(context.Background()) }() // returns once the connection is gone
		}, CloseGoingAway},
	}
	for _, tc := range tests {
		for _, reply := range []bool{true, false} {
			name := tc.name
			if !reply {
				name += " without a reply"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				cfg := tc.env.cfg
				cfg.CloseGrace = waitLong // a reply must end the wait, not the grace
				if !reply {
					cfg.CloseGrace = noReplyGrace
				}
				e := newEnv(t, cfg, tc.env.world)
				c := dialCloser(t, e.url)
				if tc.joined {
					c.hello()
				}
				stop := func() error { return nil }
				if tc.sender != nil {
					stop = c.keepSending(func() []byte { return tc.sender(c) })
				}
				tc.trigger(t, e, c)

				var payload []byte
				for {
					h, p, err := c.frame()
					if err != nil {
						stop()
						t.Fatalf("no close frame: %v", err)
					}
					if h.OpCode == ws.OpClose {
						payload = p
						break
					}
				}
				received := time.Now()
				if err := stop(); err != nil {
					t.Fatalf("sending while the server closed: %v", err)
				}
				if len(payload) < 2 || CloseCode(payload[0])<<8|CloseCode(payload[1]) != tc.want {
					t.Fatalf("close payload %q, want code %d", payload, tc.want)
				}
				// A client may still be sending when the close arrives: the
				// server must read and discard it.
				for range 20 {
					if err := c.send(c.input()); err != nil {
						t.Fatalf("sending after the close frame: %v", err)
					}
				}
				var replied time.Time
				if reply {
					if err := c.send(rawFrame{op: ws.OpClose, payload: payload[:2]}.bytes()); err != nil {
						t.Fatalf("close reply: %v", err)
					}
					replied = time.Now()
				}
				h, p, err := c.frame()
				if !errors.Is(err, io.EOF) {
					t.Fatalf("after the close: frame %v %q, err %v; want the server to close TCP (EOF)", h.OpCode, p, err)
				}
				switch {
				case reply && time.Since(replied) > time.Second:
					t.Fatalf("TCP closed %v after the close reply, want at once (the grace is %v)", time.Since(replied), cfg.CloseGrace)
				case !reply && time.Since(received) < noReplyGrace/2:
					t.Fatalf("TCP closed %v after the close frame, before the %v grace", time.Since(received), noReplyGrace)
				}
			})
		}
	}
}
