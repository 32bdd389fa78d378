package spectate

import (
	"net"
	"sync"
	"syscall"
	"testing"
)

// serverConns remembers every connection the server accepts.
type serverConns struct {
	net.Listener
	mu    sync.Mutex
	conns []*net.TCPConn
}

func (l *serverConns) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		l.mu.Lock()
		l.conns = append(l.conns, tc)
		l.mu.Unlock()
	}
	return c, err
}

// TestStreamSendBuffer: a stream's socket gets the configured SO_SNDBUF
// instead of Linux's auto-tuned one (which grows to megabytes).
func TestStreamSendBuffer(t *testing.T) {
	var ln *serverConns
	h := newHarness(t, harnessConfig{
		spectate: Config{SendBuffer: 16 << 10},
		listener: func(l net.Listener) net.Listener { ln = &serverConns{Listener: l}; return ln },
	})
	m := h.create()
	h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	ln.mu.Lock()
	conns := append([]*net.TCPConn(nil), ln.conns...)
	ln.mu.Unlock()
	if len(conns) != 1 {
		t.Fatalf("%d connections accepted, want 1", len(conns))
	}
	raw, err := conns[0].SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		size, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	if size != 2*(16<<10) { // Linux doubles the value for its bookkeeping (socket(7))
		t.Fatalf("SO_SNDBUF %d, want %d", size, 2*(16<<10))
	}
}
