package netcode

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// closeMode says how a connection is closed.
type closeMode uint8

const (
	// closeFlush sends what is queued, then the close frame, then waits
	// (closeGrace at most) for the peer's close reply. For everything the
	// server decides on its own: errors, timeouts, match over, shutdown.
	closeFlush closeMode = iota + 1
	// closeNow drops the queue, interrupts a write in progress and sends the
	// close frame on a best-effort basis. For a client that is too slow.
	closeNow
	// closeReply answers the peer's close frame and drops the queue.
	closeReply
	// closeSilent stops writing: the peer is gone.
	closeSilent
)

const (
	// closeGrace bounds the wait for the peer's close reply, so a closing
	// handshake never holds a connection (or a shutdown) for long.
	closeGrace = 2 * time.Second
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
// the writer, closes the socket and leaves the match.
type conn struct {
	srv *Server
	nc  net.Conn
	log *slog.Logger
	out *outbox

	closing    chan struct{} // closed by the first closeWith
	writerDone chan struct{}

	mu        sync.Mutex // guards the close request and deadline changes that race with it
	closeCode CloseCode
	mode      closeMode
	reply     []byte // the close frame for closeReply

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

// setReadDeadline moves the read deadline unless a close is under way (the
// writer then owns the read deadline, to bound the close handshake).
func (c *conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	if c.mode == 0 {
		_ = c.nc.SetReadDeadline(t)
	}
	c.mu.Unlock()
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
// close frame, and a read deadline that bounds the wait for the peer's
// reply.
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
		if c.pending == nil {
			c.batch = c.out.take(c.batch[:0])
			err := c.write(c.batch, c.srv.cfg.WriteTimeout)
			clear(c.batch)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				break // the peer is gone; no close frame
			}
		}
		frame = closeFrame(code)
	case closeNow:
		frame = closeFrame(code)
	case closeReply:
		frame = reply
	}
	if frame != nil {
		// A frame cut short by a failed write is completed first, so the
		// close frame still parses on the other side.
		bufs := append(c.bufs[:0], c.pending, frame)
		if c.pending == nil {
			bufs = bufs[1:]
		}
		_ = c.nc.SetWriteDeadline(time.Now().Add(min(c.srv.cfg.WriteTimeout, closeWriteTimeout)))
		c.wv = bufs
		if _, err := c.wv.WriteTo(c.nc); err != nil {
			c.log.Debug("close frame not sent", "code", code, "err", err)
		}
		c.pending = nil
	}
	if mode == closeFlush || mode == closeNow {
		c.mu.Lock()
		_ = c.nc.SetReadDeadline(time.Now().Add(closeGrace))
		c.mu.Unlock()
	}
}

// readLoop is the reader: it runs the session until the connection ends,
// then tears the connection down.
func (c *conn) readLoop() {
	defer c.srv.wg.Done()
	defer c.teardown()
	defer func() {
		// A bug in one session must not take the server down with it.
		if v := recover(); v != nil {
			c.log.Error("session panic", "panic", v, "stack", string(debug.Stack()))
			c.closeWith(CloseInternal, closeFlush, nil)
		}
	}()
	// Through setReadDeadline: a close that got here first (Shutdown right
	// after the upgrade) owns the read deadline.
	c.setReadDeadline(time.Now().Add(c.srv.cfg.HelloTimeout))
	for {
		payload, err := c.fr.next()
		switch {
		case err == nil:
			if !c.isClosing() { // after a close, only the peer's close reply matters
				c.handle(payload)
			}
			continue
		case errors.Is(err, errTextFrame):
			c.closeWith(CloseUnsupportedData, closeFlush, nil)
			continue
		}
		c.readFailed(err)
		return
	}
}

// readFailed decides what a read error means for the connection.
func (c *conn) readFailed(err error) {
	var pc *peerCloseError
	var perr protocolError
	switch {
	case errors.As(err, &pc):
		// Either the reply to our close, or the peer closing first.
		c.closeWith(CloseCode(pc.Code), closeReply, pc.Reply)
	case errors.Is(err, errMessageTooBig):
		c.closeWith(CloseTooBig, closeFlush, nil)
		c.drain()
	case errors.As(err, &perr):
		c.closeWith(CloseProtocolError, closeFlush, nil)
		c.drain()
	case errors.Is(err, os.ErrDeadlineExceeded):
		if c.joined() {
			c.closeWith(ClosePingTimeout, closeFlush, nil)
		} else {
			c.closeWith(CloseHelloTimeout, closeFlush, nil)
		}
	default:
		c.closeWith(0, closeSilent, nil)
	}
}

// drain discards what the peer still sends once the stream is out of step,
// until it closes or the writer's close deadline passes, so closing the
// socket does not reset it while the close frame is still on its way.
func (c *conn) drain() {
	var buf [512]byte
	for {
		if _, err := c.br.Read(buf[:]); err != nil {
			return
		}
	}
}

// teardown ends the connection: stop the writer, close the socket, leave
// the match, and forget the connection.
func (c *conn) teardown() {
	c.closeWith(0, closeSilent, nil) // no-op if a close is already under way
	<-c.writerDone
	_ = c.nc.Close()
	c.endSession()
	c.srv.forget(c)
	code, _ := c.closeState()
	c.log.Debug("connection closed", "code", int(code), "reason", code.String())
}
