package netcode

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
)

// DialOptions configures Dial. Every zero value takes the documented
// default.
type DialOptions struct {
	Name  string // the hello's name; "" lets the server pick "player"
	Match string // a match id to join; "" means quick play
	// Resume is a resume token from an earlier Welcome: the hello asks
	// for that seat back (PROTOCOL.md §1.9) instead of a new one; Match
	// should then be the token's match (or ""). "" joins afresh.
	Resume string
	Origin string // sent as the Origin header; "" sends none (a non-browser client)
	// MaxMessageSize is the largest server message accepted; 0 means
	// MaxServerMessage.
	MaxMessageSize int
	// WriteTimeout bounds each write; 0 means 5s.
	WriteTimeout time.Duration
	// NetDial opens the TCP connection, as net.Dialer.DialContext does;
	// nil means a plain net.Dialer. The load tool passes a netsim.Link's
	// Dial here to play its bots over a simulated bad network.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// NoAcks makes the client acknowledge no snapshot (ackTick 0 in every
	// input), as a version-1 client: the server then sends only complete
	// snapshots (PROTOCOL.md §1.10).
	NoAcks bool
}

// HandshakeError is a refused upgrade: the HTTP status and the JSON error
// body (PROTOCOL.md §1.1).
type HandshakeError struct {
	StatusCode int
	Code       string // the body's "error" word
	Message    string
}

// Error implements error.
func (e *HandshakeError) Error() string {
	return fmt.Sprintf("netcode: upgrade refused: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// JoinError is a refused hello: the server's error message and the close
// code that followed it.
type JoinError struct {
	Msg   ErrorMessage
	Close CloseCode
}

// Error implements error.
func (e *JoinError) Error() string {
	return fmt.Sprintf("netcode: join refused: %d %s: %s (close %d)", e.Msg.Code, e.Msg.Reason, e.Msg.Message, e.Close)
}

// CloseError is the server closing the connection.
type CloseError struct {
	Code   CloseCode
	Reason string
}

// Error implements error.
func (e *CloseError) Error() string {
	return fmt.Sprintf("netcode: closed by server: %d %s", e.Code, e.Reason)
}

// Client is a Go client of the players' protocol, used by tests and the
// load tool. One goroutine may read (Next) while others send;
// Close may be called from any goroutine and unblocks a pending read.
type Client struct {
	nc           net.Conn
	fr           *frameReader
	dec          *Decoder
	writeTimeout time.Duration
	bytesRead    atomic.Uint64

	// The pictures deltas apply to (PROTOCOL.md §1.10); reader only but for
	// acked, which every input sends.
	noAcks   bool
	tickRate int
	pictures [ringSize]WireState // by slot; Tick 0: empty
	nextPic  int
	acked    atomic.Uint32
	dropped  atomic.Uint64

	wmu    sync.Mutex // serializes writes (sends, control replies, close)
	enc    *Encoder
	closed bool  // guarded by wmu
	err    error // sticky read error; reader only
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Uint64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(uint64(n))
	return n, err
}

// Dial connects to a Skirmish server's WebSocket URL (ws://host/ws), sends
// the hello and waits for the welcome. A refused upgrade is a
// *HandshakeError, a refused hello a *JoinError. ctx bounds the whole
// exchange.
func Dial(ctx context.Context, url string, opts DialOptions) (*Client, Welcome, error) {
	if opts.MaxMessageSize == 0 {
		opts.MaxMessageSize = MaxServerMessage
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	var refused *HandshakeError
	d := ws.Dialer{
		NetDial: opts.NetDial,
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			refused = readRefusal(status, resp)
		},
	}
	if opts.Origin != "" {
		d.Header = ws.HandshakeHeaderHTTP(http.Header{"Origin": {opts.Origin}})
	}
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		if refused != nil {
			return nil, Welcome{}, refused
		}
		return nil, Welcome{}, fmt.Errorf("netcode: dial %s: %w", url, err)
	}
	c := &Client{nc: nc, dec: NewDecoder(), enc: NewEncoder(), writeTimeout: opts.WriteTimeout, noAcks: opts.NoAcks}
	var src io.Reader = nc
	if br != nil {
		src = br // it holds bytes the server sent right after the handshake
	}
	c.fr = newFrameReader(bufio.NewReaderSize(countingReader{src, &c.bytesRead}, 4096),
		ws.StateClientSide, opts.MaxMessageSize)
	c.fr.reply = func(frame []byte) { _ = c.writeFrame(frame) }

	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	w, err := c.hello(opts)
	if !stop() || err != nil {
		_ = nc.Close()
		if err == nil || ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return nil, Welcome{}, fmt.Errorf("netcode: dial %s: %w", url, err)
	}
	return c, w, nil
}

// readRefusal parses a refused upgrade's response.
func readRefusal(status int, resp io.Reader) *HandshakeError {
	e := &HandshakeError{StatusCode: status}
	r, err := http.ReadResponse(bufio.NewReader(resp), nil)
	if err != nil {
		return e
	}
	defer r.Body.Close()
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body) == nil {
		e.Code, e.Message = body.Error, body.Message
	}
	return e
}

// hello sends the hello and reads up to the welcome.
func (c *Client) hello(opts DialOptions) (Welcome, error) {
	c.wmu.Lock()
	c.enc.EncodeHello(Hello{Version: ProtocolVersion, Name: opts.Name, Match: opts.Match, Resume: opts.Resume})
	frame := c.enc.clientFrame(ws.NewMask())
	err := c.writeLocked(frame)
	c.wmu.Unlock()
	if err != nil {
		return Welcome{}, err
	}
	for {
		m, err := c.Next()
		if err != nil {
			return Welcome{}, err
		}
		switch m := m.(type) {
		case *Welcome:
			c.tickRate = m.TickRate
			return *m, nil
		case *ErrorMessage:
			_, err := c.Next() // the close that follows a refused hello
			return Welcome{}, &JoinError{Msg: *m, Close: CloseCodeOf(err)}
		}
	}
}

// SendInput sends one input, acknowledging the newest snapshot the client
// applied (unless DialOptions.NoAcks).
func (c *Client) SendInput(in game.Input) error {
	var ack uint32
	if !c.noAcks {
		ack = c.acked.Load()
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.enc.EncodeInput(in, ack)
	return c.writeLocked(c.enc.clientFrame(ws.NewMask()))
}

// SendView tells the server how much of the world this client shows
// (PROTOCOL.md §1.4).
func (c *Client) SendView(v View) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.enc.EncodeView(v)
	return c.writeLocked(c.enc.clientFrame(ws.NewMask()))
}

// DeltasDropped returns how many deltas were dropped because their baseline
// was gone or they did not fit it (the client then acknowledged nothing
// until the next picture). It is safe to call from any goroutine.
func (c *Client) DeltasDropped() uint64 { return c.dropped.Load() }

// SendPing sends a ping carrying tMillis, which the pong echoes.
func (c *Client) SendPing(tMillis float64) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.enc.EncodePing(Ping{T: tMillis})
	return c.writeLocked(c.enc.clientFrame(ws.NewMask()))
}

// SendRaw sends payload as one binary message, exactly as given; tests use
// it to send what the encoder never would.
func (c *Client) SendRaw(payload []byte) error {
	return c.SendFrame(ws.OpBinary, payload)
}

// SendFrame sends payload in one frame of the given opcode.
func (c *Client) SendFrame(op ws.OpCode, payload []byte) error {
	f := ws.NewFrame(op, true, slices.Clone(payload))
	f = ws.MaskFrameInPlace(f)
	b, err := ws.CompileFrame(f)
	if err != nil {
		return fmt.Errorf("netcode: compile frame: %w", err)
	}
	return c.writeFrame(b)
}

func (c *Client) writeFrame(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(b)
}

func (c *Client) writeLocked(b []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("netcode: write: %w", err)
	}
	return nil
}

// Next blocks until the next server message and returns it: a *Welcome,
// *Snapshot, *Events, *Pong or *ErrorMessage that owns its memory. Messages
// of types this client does not know are skipped, as version-1 clients
// must. When the server closes the connection, Next answers the close and
// returns a *CloseError (and the same error ever after). Only one goroutine
// may call Next at a time.
func (c *Client) Next() (ServerMessage, error) {
	if c.err != nil {
		return nil, c.err
	}
	for {
		payload, err := c.fr.next()
		if err != nil {
			c.err = c.readError(err)
			return nil, c.err
		}
		m, err := c.dec.DecodeServer(payload)
		if errors.Is(err, ErrUnknownType) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("netcode: bad server message: %w", err)
		}
		switch msg := m.(type) {
		case *Snapshot:
			c.keep().Quantize(&msg.Snapshot)
			c.acked.Store(msg.Tick)
		case *Delta:
			s, ok := c.apply(msg)
			if !ok {
				continue // dropped: nothing to show, a complete snapshot follows
			}
			return s, nil
		}
		return m, nil
	}
}

// keep returns the picture slot written next.
func (c *Client) keep() *WireState {
	w := &c.pictures[c.nextPic]
	c.nextPic = (c.nextPic + 1) % ringSize
	return w
}

// apply turns a delta into the snapshot it gives, keeping its picture, or
// drops it (acknowledging nothing until the next picture).
func (c *Client) apply(d *Delta) (*Snapshot, bool) {
	var base *WireState
	for i := range c.pictures {
		if c.pictures[i].Tick == d.BaseTick && d.BaseTick != 0 {
			base = &c.pictures[i]
		}
	}
	dst := &c.pictures[c.nextPic]
	if base == nil || base == dst || ApplyDelta(base, d, c.tickRate, dst) != nil {
		dst.Tick = 0
		c.dropped.Add(1)
		c.acked.Store(0)
		return nil, false
	}
	c.nextPic = (c.nextPic + 1) % ringSize
	c.acked.Store(d.Tick)
	s := &Snapshot{BaseTick: d.BaseTick}
	dst.Dequantize(&s.Snapshot)
	return s, true
}

// CloseCodeOf returns the close code carried by err (a *CloseError or a
// *JoinError, possibly wrapped), or 0 if there is none.
func CloseCodeOf(err error) CloseCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	var je *JoinError
	if errors.As(err, &je) {
		return je.Close
	}
	return 0
}

func (c *Client) readError(err error) error {
	var pc *peerCloseError
	if errors.As(err, &pc) {
		c.wmu.Lock()
		if !c.closed {
			_ = c.writeLocked(pc.Reply)
			c.closed = true
			_ = c.nc.Close()
		}
		c.wmu.Unlock()
		return &CloseError{Code: CloseCode(pc.Code), Reason: pc.Reason}
	}
	return fmt.Errorf("netcode: read: %w", err)
}

// SetReadDeadline bounds the current and future reads (Next).
func (c *Client) SetReadDeadline(t time.Time) error {
	return c.nc.SetReadDeadline(t)
}

// BytesRead returns how many bytes have been read from the socket. It is
// safe to call from any goroutine.
func (c *Client) BytesRead() uint64 { return c.bytesRead.Load() }

// Close sends a close frame (1000 "bye") on a best-effort basis and closes
// the socket. It does not wait for the server's reply, so it can unblock a
// goroutine reading in Next.
func (c *Client) Close() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return nil
	}
	f := ws.MaskFrameInPlace(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, CloseNormal.String())))
	if b, err := ws.CompileFrame(f); err == nil {
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.nc.Write(b)
	}
	c.closed = true
	return c.nc.Close()
}
