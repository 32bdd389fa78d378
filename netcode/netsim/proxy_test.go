package netsim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game/clock"
)

// echoServer echoes every connection and reports how each one ended.
type echoServer struct {
	ln    net.Listener
	ended chan error // one per connection: io.Copy's error
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	e := &echoServer{ln: listen(t), ended: make(chan error, 16)}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := e.ln.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.conns = append(e.conns, c)
			e.mu.Unlock()
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				_, err := io.Copy(c, c)
				c.Close()
				e.ended <- err
			}()
		}
	}()
	t.Cleanup(func() {
		e.ln.Close()
		e.mu.Lock()
		for _, c := range e.conns {
			c.Close()
		}
		e.mu.Unlock()
		e.wg.Wait()
	})
	return e
}

// syncBuffer is a log sink for tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProxy serves a proxy for cfg until the test ends, and checks that
// Serve then returns nil.
func startProxy(t *testing.T, cfg ProxyConfig) (*Proxy, string) {
	t.Helper()
	p, err := NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve = %v, want nil", err)
			}
		case <-time.After(waitLong):
			t.Error("Serve did not return")
		}
	})
	return p, ln.Addr().String()
}

// echo checks one round trip of msg through c.
func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	_ = c.SetReadDeadline(time.Now().Add(waitLong))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo %q: got %q, %v", msg, got, err)
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantReset checks that reading c fails as a reset.
func wantReset(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLong))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read %v, want a reset", err)
	}
}

// TestProxyCut: a cut fails the client and the upstream connection, both
// as a reset, is logged, and the proxy goes on relaying new connections.
func TestProxyCut(t *testing.T) {
	up := startEcho(t)
	var logs syncBuffer
	p, addr := startProxy(t, ProxyConfig{Upstream: up.ln.Addr().String(),
		Link: Config{Impairment: Impairment{Delay: ms(5)}}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	c := dial(t, addr)
	echo(t, c, "hello")
	if n := p.Cut("test"); n != 1 {
		t.Fatalf("Cut = %d, want 1", n)
	}
	wantReset(t, c)
	select {
	case err := <-up.ended:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("the upstream's connection ended with %v, want a reset", err)
		}
	case <-time.After(waitLong):
		t.Fatal("the upstream's connection outlived the cut")
	}

	echo(t, dial(t, addr), "again")
	for _, want := range []string{"connection opened", `msg="netsim: cut" connections=1 trigger=test`, "connection cut"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// TestProxyCutEvery steps a manual clock past CutEvery, twice.
func TestProxyCutEvery(t *testing.T) {
	up := startEcho(t)
	clk := clock.NewManual(t0)
	_, addr := startProxy(t, ProxyConfig{Upstream: up.ln.Addr().String(), CutEvery: 20 * time.Second,
		Link: Config{Clock: clk}}) // no delay: nothing but the cut waits on the clock
	for range 2 {
		c := dial(t, addr)
		echo(t, c, "hello")
		armed(t, clk)
		clk.Advance(20 * time.Second)
		wantReset(t, c)
	}
}

// TestProxyClosesGracefully: a client's close reaches the upstream as a
// FIN after the delay, and the upstream's as one back: no reset.
func TestProxyClosesGracefully(t *testing.T) {
	up := startEcho(t)
	_, addr := startProxy(t, ProxyConfig{Upstream: up.ln.Addr().String(), Link: Config{Impairment: Impairment{Delay: ms(20)}}})
	c := dial(t, addr)
	echo(t, c, "hello")
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(waitLong))
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		t.Fatalf("after the half-close read %q, %v; want EOF", rest, err)
	}
	if err := <-up.ended; err != nil {
		t.Fatalf("the upstream's connection ended with %v, want EOF", err)
	}
}

// TestProxyShutdown: cancelling Serve's context resets open connections
// and stops every goroutine (goleak checks at the end).
func TestProxyShutdown(t *testing.T) {
	up := startEcho(t)
	p, err := NewProxy(ProxyConfig{Upstream: up.ln.Addr().String(), Link: Config{Impairment: Impairment{Delay: ms(5)}}})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx, ln) }()
	c := dial(t, ln.Addr().String())
	echo(t, c, "hello")
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v, want nil", err)
		}
	case <-time.After(waitLong):
		t.Fatal("Serve did not return")
	}
	wantReset(t, c)
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("the proxy still accepts after Serve returned")
	}
}

// TestProxyUpstreamDown: with nothing upstream, a client is reset and the
// proxy carries on.
func TestProxyUpstreamDown(t *testing.T) {
	dead := listen(t)
	addr := dead.Addr().String()
	dead.Close()
	_, paddr := startProxy(t, ProxyConfig{Upstream: addr})
	for range 2 {
		c, err := net.Dial("tcp", paddr)
		if errors.Is(err, syscall.ECONNRESET) {
			continue // the reset beat connect(2)'s own check
		}
		if err != nil {
			t.Fatal(err)
		}
		wantReset(t, c)
		c.Close()
	}
}
