package netcode

import (
	"bufio"
	"net"
	"testing"
	"time"
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
// upgrade) still waits only closeGrace for the peer's close reply: the
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
		t.Fatalf("the reader waited past %v for a close reply (grace %v)", waitLong, closeGrace)
	}
}
