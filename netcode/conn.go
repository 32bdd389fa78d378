package netcode

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// closeMode says how a connection is closed.
//
// Every close the server starts (closeFlush, closeNow) takes the same path,
// the closing handshake of RFC 6455 §7.1.1: the writer sends the close
// frame (finish), the reader goes on reading and discarding until the
// peer's close frame arrives or Config.CloseGrace has passed since the
// close frame went out (serve), and only then is the socket closed
// (teardown). Closing TCP while the peer is still sending would reset the
// connection and could destroy the close frame before the peer reads it.
type closeMode uint8

const (
	// closeFlush sends what is queued, then the close frame, then waits for
	// the peer's close. For everything the server decides on its own:
	// errors, timeouts, match over, shutdown.
	closeFlush closeMode = iota + 1
	// closeNow drops the queue, interrupts a write in progress and sends the
	// close frame on a best-effort basis, then waits like closeFlush. For a
	// client that is too slow.
	closeNow
	// closeReply answers the peer's close frame and drops the queue; the
	// handshake is then complete.
	closeReply
	// closeSilent stops writing and reading: the peer is gone.
	closeSilent
)

const (
	// defaultCloseGrace is Config.CloseGrace's default: it bounds the wait
	// for the peer's close frame, so a closing handshake never holds a
	// connection (or a shutdown) for long.
	defaultCloseGrace = 2 * time.Second
	// closeWriteTimeout bounds writing the close frame of a connection that
	// is already failing.
	closeWriteTimeout = time.Second
)

// errAborted means a write was not attempted because the connection is
// being torn down.
var errAborted = errors.New("netcode: connection closing")

// conn is one player's WebSocket connection: its reader (the session, run
// on the HTTP handler's goroutine) and its writer goroutine, both counted in
// the server's WaitGroup. The tear-down is owned by the reader: it waits for
// the writer, closes the socket and ends its part in its seat (held or left,
// seat.go).
type conn struct {
	srv *Server
	nc  net.Conn
	log *slog.Logger
	out *outbox
	// stream is the seat's stream once the welcome is out (nil while
	// joining): what the hub's encoder plans this connection's frames with.
	stream atomic.Pointer[stream]

	closing    chan struct{} // closed by the first closeWith
	writerDone chan struct{}

	mu           sync.Mutex // guards the close request and the read deadline
	closeCode    CloseCode
	mode         closeMode
	reply        []byte    // the close frame for closeReply
	readDeadline time.Time // the read deadline in force

	// Writer goroutine only.
	batch   []entry
	bufs    net.Buffers // backing array, reused
	wv      net.Buffers // the write in progress; a field so WriteTo does not move it to the heap
	pending []byte      // the unsent tail of a frame whose write failed

	// Reader goroutine only.
	session
}

func newConn(s *Server, nc net.Conn, br *bufio.Reader, id string) *conn {
	c := &conn{
		srv:        s,
		nc:         nc,
		out:        newOutbox(s.cfg.OutboxSize),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	c.log = s.log.With("player", id, "remote", nc.RemoteAddr().String())
	c.initSession(id, br)
	return c
}

// closeWith asks for the connection to be closed with code. The first
// request wins; later ones are ignored. It never blocks, so the match
// goroutine may call it.
func (c *conn) closeWith(code CloseCode, mode closeMode, reply []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mode != 0 {
		return
	}
	c.closeCode, c.mode, c.reply = code, mode, reply
	c.out.close()
	switch mode {
	case closeFlush, closeNow:
		// The reader reads on for the peer's close. The writer arms the
		// grace once its close frame is out; until then this bound (the
		// longest a flush and the close frame may take, plus the grace)
		// replaces the hello or idle deadline, which may have passed.
		cfg := &c.srv.cfg
		c.setReadDeadlineLocked(time.Now().Add(cfg.WriteTimeout + closeWriteTimeout + cfg.CloseGrace))
	case closeSilent:
		c.setReadDeadlineLocked(time.Now())
	}
	if mode == closeNow || mode == closeSilent {
		// Interrupt a write in progress; the writer sets its own deadline
		// again for the close frame.
		_ = c.nc.SetWriteDeadline(time.Now())
	}
	close(c.closing)
}

// closeState returns the close request, if any (mode 0 means none).
func (c *conn) closeState() (CloseCode, closeMode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode, c.mode
}

func (c *conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// setReadDeadline moves the read deadline (the hello or idle timeout)
// unless a close is under way: the close path then owns the read deadline.
func (c *conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	if c.mode == 0 {
		c.setReadDeadlineLocked(t)
	}
	c.mu.Unlock()
}

func (c *conn) setReadDeadlineLocked(t time.Time) {
	c.readDeadline = t
	_ = c.nc.SetReadDeadline(t)
}

// writeLoop is the writer goroutine: it sends whatever the outbox holds,
// one write (a writev of whole frames) per wake-up, each under the write
// deadline, until the connection closes.
func (c *conn) writeLoop() {
	defer c.srv.wg.Done()
	defer close(c.writerDone)
	for {
		select {
		case <-c.out.ready:
		case <-c.closing:
		}
		if c.isClosing() {
			c.finish()
			return
		}
		c.batch = c.out.take(c.batch[:0])
		err := c.write(c.batch, c.srv.cfg.WriteTimeout)
		clear(c.batch)
		if err != nil {
			c.writeFailed(err)
		}
	}
}

// write sends batch in one writev with the given deadline.
func (c *conn) write(batch []entry, timeout time.Duration) error {
	if len(batch) == 0 {
		return nil
	}
	bufs := c.bufs[:0]
	for _, e := range batch {
		bufs = append(bufs, e.frame)
	}
	c.bufs = bufs
	c.mu.Lock()
	if c.mode == closeNow || c.mode == closeSilent {
		c.mu.Unlock()
		return errAborted
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	c.mu.Unlock()
	c.wv = bufs
	n, err := c.wv.WriteTo(c.nc)
	c.srv.stats.bytesSent.Add(uint64(n))
	if err != nil {
		if len(c.wv) > 0 {
			// WriteTo consumed what went out: wv[0] is the rest of the frame
			// in progress (maybe all of it). finish completes it before the
			// close frame.
			c.pending = c.wv[0]
		}
		return err
	}
	c.srv.stats.framesSent.Add(uint64(len(batch)))
	return nil
}

// writeFailed turns a failed write into a close: a write that hit its
// deadline means the client is too slow; anything else means it is gone.
func (c *conn) writeFailed(err error) {
	switch {
	case errors.Is(err, errAborted):
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.closeWith(CloseTooSlow, closeNow, nil)
	default:
		c.log.Debug("write failed", "err", err)
		c.closeWith(0, closeSilent, nil)
	}
}

// finish runs the writer's part of a close: flush (closeFlush only), the
// close frame, and, for a close the server started, the read deadline that
// bounds the wait for the peer's close frame: CloseGrace from now if the
// close frame went out, now if it did not (nobody would answer it).
func (c *conn) finish() {
	c.mu.Lock()
	code, mode, reply := c.closeCode, c.mode, c.reply
	c.mu.Unlock()
	if code == CloseTooSlow {
		c.srv.stats.slowClosed.Add(1)
	}
	var frame []byte
	switch mode {
	case closeFlush:
		frame = closeFrame(code)
		if c.pending == nil {
			c.batch = c.out.take(c.batch[:0])
			err := c.write(c.batch, c.srv.cfg.WriteTimeout)
			clear(c.batch)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				frame = nil // the peer is gone
			}
		}
	case closeNow:
		frame = closeFrame(code)
	case closeReply:
		frame = reply
	}
	sent := false
	if frame != nil {
		// A frame cut short by a failed write is completed first, so the
		// close frame still parses on the other side.
		bufs := append(c.bufs[:0], c.pending, frame)
		if c.pending == nil {
			bufs = bufs[1:]
		}
		_ = c.nc.SetWriteDeadline(time.Now().Add(min(c.srv.cfg.WriteTimeout, closeWriteTimeout)))
		c.wv = bufs
		_, err := c.wv.WriteTo(c.nc)
		if err != nil {
			c.log.Debug("close frame not sent", "code", code, "err", err)
		}
		sent = err == nil
		c.pending = nil
	}
	if mode == closeFlush || mode == closeNow {
		grace := time.Duration(0)
		if sent {
			grace = c.srv.cfg.CloseGrace
		}
		c.mu.Lock()
		c.setReadDeadlineLocked(time.Now().Add(grace))
		c.mu.Unlock()
	}
}

// readLoop is the reader: it runs the session until the connection's close
// is complete, then tears the connection down.
func (c *conn) readLoop() {
	defer c.srv.wg.Done()
	defer c.teardown()
	// Through setReadDeadline: a close that got here first (Shutdown right
	// after the upgrade) owns the read deadline.
	c.setReadDeadline(time.Now().Add(c.srv.cfg.HelloTimeout))
	if !c.serve() {
		// A bug in the session must not take the server down with it: the
		// connection closes with 1011 like any other.
		c.closeWith(CloseInternal, closeFlush, nil)
		c.serve()
	}
}

// serve reads frames until the close is complete: the peer's close frame
// (answered, or the answer to the server's), the end of the grace after the
// server's close frame, or the peer gone. While a close is under way, what
// the peer sends is read and discarded. It reports false if the session
// panicked.
func (c *conn) serve() (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("session panic", "panic", v, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	for {
		payload, err := c.fr.next()
		if err == nil {
			if !c.isClosing() {
				c.handle(payload)
			}
			continue
		}
		if !c.readFailed(err) {
			return true
		}
	}
}

// readFailed decides what a read error means for the connection and
// reports whether to read on. The frame reader stays in step after every
// error it reports but the source's, so a close the server starts here
// still recognises the peer's close frame.
func (c *conn) readFailed(err error) bool {
	var pc *peerCloseError
	var perr protocolError
	switch {
	case errors.As(err, &pc):
		// Either the reply to our close, or the peer closing first.
		c.closeWith(CloseCode(pc.Code), closeReply, pc.Reply)
		return false
	case errors.Is(err, errTextFrame):
		c.closeWith(CloseUnsupportedData, closeFlush, nil)
	case errors.Is(err, errMessageTooBig):
		c.closeWith(CloseTooBig, closeFlush, nil)
	case errors.As(err, &perr):
		c.closeWith(CloseProtocolError, closeFlush, nil)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return c.timedOut()
	default:
		c.closeWith(0, closeSilent, nil) // the peer is gone
		return false
	}
	return true
}

// timedOut handles a read that hit its deadline: before a close, the hello
// or idle timeout closes the connection; during one, the wait for the
// peer's close is over. A deadline moved after the read failed (the close
// path extends it) is no timeout at all.
func (c *conn) timedOut() bool {
	c.mu.Lock()
	mode, deadline := c.mode, c.readDeadline
	c.mu.Unlock()
	switch {
	case time.Now().Before(deadline):
		return true
	case mode != 0:
		return false
	case c.joined():
		c.closeWith(ClosePingTimeout, closeFlush, nil)
	default:
		c.closeWith(CloseHelloTimeout, closeFlush, nil)
	}
	return true
}

// closeRefused closes a connection that register turned away (1001 while
// draining, 4009 at MaxConnections) through the same closing handshake as
// every other connection, on the calling (HTTP handler) goroutine: it was
// never registered, so it has no writer goroutine and nothing queued. It
// returns within closeWriteTimeout plus CloseGrace.
func (c *conn) closeRefused(code CloseCode) {
	c.closeWith(code, closeFlush, nil)
	c.finish()
	c.serve()
	_ = c.nc.Close()
}

// teardown ends the connection: stop the writer, close the socket, hold or
// leave the seat (endSession), and forget the connection.
func (c *conn) teardown() {
	c.closeWith(0, closeSilent, nil) // no-op if a close is already under way
	<-c.writerDone
	_ = c.nc.Close()
	c.endSession()
	code, _ := c.closeState()
	c.srv.closed(code)
	c.srv.forget(c)
	c.log.Debug("connection closed", "code", int(code), "reason", code.String())
}
