package netcode

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// A connection closed before its reader starts (Shutdown right after the
// upgrade) still waits only CloseGrace for the peer's close reply: the
// reader's hello deadline must not replace the close handshake's.
func TestCloseBeforeReaderStartsKeepsTheCloseGrace(t *testing.T) {
	srv, _ := benchServer(t)
	srv.cfg.HelloTimeout = time.Hour
	sc, _ := tcpPair(t) // the client end stays open and silent
	c := newConn(srv, sc, bufio.NewReader(sc), "early")
	if srv.register(c) != 0 {
		t.Fatal("register refused")
	}
	c.closeWith(CloseGoingAway, closeFlush, nil)
	go c.writeLoop()
	<-c.writerDone // the close frame is out and the grace deadline set

	done := make(chan struct{})
	go func() {
		defer close(done)
		c.readLoop()
	}()
	select {
	case <-done:
	case <-time.After(waitLong):
		sc.Close() // unblock the reader before failing
		<-done
		t.Fatalf("the reader waited past %v for a close reply (grace %v)", waitLong, srv.cfg.CloseGrace)
	}
}

// A connection that register turns away after the upgrade (4009 at
// MaxConnections, 1001 while draining: races the checks before the upgrade
// lose) closes through the same handshake as every other: the client gets
// the close frame, what it still sends is read, and TCP is closed right
// after its close reply.
func TestRefusedConnectionWaitsForTheClientsClose(t *testing.T) {
	srv, _ := benchServer(t)
	srv.cfg.CloseGrace = waitLong
	sc, cc := tcpPair(t)
	c := newConn(srv, sc, bufio.NewReader(sc), "refused")
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.closeRefused(CloseServerBusy)
	}()
	_ = cc.SetDeadline(time.Now().Add(waitShort))
	w := &wireConn{nc: cc, br: bufio.NewReader(cc)}
	h, p, err := w.frame()
	if err != nil || h.OpCode != ws.OpClose || !bytes.Equal(p, closePayload(uint16(CloseServerBusy), CloseServerBusy.String())) {
		t.Fatalf("got %v % x, %v; want the 4009 close frame", h.OpCode, p, err)
	}
	for range 20 {
		w.write(t, rawFrame{op: ws.OpBinary, payload: []byte{0x92, 0x05, 0x00}}.bytes())
	}
	w.write(t, rawFrame{op: ws.OpClose, payload: p[:2]}.bytes())
	if _, _, err := w.frame(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the close reply: %v, want EOF", err)
	}
	select {
	case <-done:
	case <-time.After(waitShort):
		t.Fatal("closeRefused did not return after the close reply")
	}
}
