package netsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultQueueLimit is Config.QueueLimit's default: about what a kernel
// socket buffer holds.
const DefaultQueueLimit = 256 << 10

// Sentinel errors.
var (
	// ErrClosed is returned by Dial, Wrap and Pipe on a closed Link.
	ErrClosed = errors.New("netsim: link closed")
	// ErrCut is what Pipe returns for a connection that was cut.
	ErrCut = errors.New("netsim: connection cut")
)

// Clock is a Link's time source, as time.Now and time.After; the
// game/clock package's System and Manual satisfy it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a Link. Every zero value takes the documented default.
type Config struct {
	Impairment

	// QueueLimit bounds the memory each direction of each connection
	// holds: bytes read from its source and not yet delivered, plus 64
	// bytes of bookkeeping per queued segment. A full direction stops
	// reading its source, so TCP flow control makes the sender's writes
	// block instead of the link growing. With a Rate, a sender that
	// fills the queue waits up to QueueLimit/Rate in it, as behind a real
	// bottleneck's buffer (bufferbloat). 0 means DefaultQueueLimit; less
	// than one full segment (1524) is refused.
	QueueLimit int
	// Seed seeds each direction's jitter; 0 picks one at random.
	Seed uint64
	// Clock is the time source; nil means the system clock.
	Clock Clock
}

// Link is a simulated network link: an Impairment applied to every
// connection that goes through it, each direction of each connection on
// its own (its own queue, token bucket and jitter), with the stall phased
// from the link's start so every connection stalls at once. A Link owns
// the goroutines of the connections it carries; Cut drops them all,
// Shutdown and Close end the link. It is safe for concurrent use.
type Link struct {
	imp   Impairment
	limit int
	clk   Clock
	epoch time.Time
	seed  uint64

	mu      sync.Mutex
	pipes   map[*pipe]struct{}
	count   uint64
	closed  bool
	drained chan struct{} // closed once the link is closed and carries nothing
	wg      sync.WaitGroup
}

// NewLink returns a link with cfg's impairment, starting now. It refuses
// an invalid impairment (see Impairment.Validate) or queue limit.
func NewLink(cfg Config) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case cfg.QueueLimit == 0:
		cfg.QueueLimit = DefaultQueueLimit
	case cfg.QueueLimit < segmentSize+segmentOverhead:
		return nil, fmt.Errorf("netsim: queue limit %d: want at least %d bytes", cfg.QueueLimit, segmentSize+segmentOverhead)
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	return &Link{imp: cfg.Impairment, limit: cfg.QueueLimit, clk: cfg.Clock, epoch: cfg.Clock.Now(), seed: cfg.Seed,
		pipes: map[*pipe]struct{}{}, drained: make(chan struct{})}, nil
}

// Impairment returns what the link does to its connections.
func (l *Link) Impairment() Impairment { return l.imp }

// Stats counts the bytes a connection delivered each way.
type Stats struct {
	Up   int64 // from a to b (Pipe's arguments); from the application on Wrap
	Down int64 // from b to a; to the application on Wrap
}

// Pipe relays between a and b through the link, impaired both ways, and
// blocks until the connection is over; then a and b are closed. Each
// side's end of stream reaches the other as a half-close (a FIN), delayed
// like the bytes before it; a reset (an error reading a side) is passed
// on the same way, as a RST where the other side is TCP. It returns nil
// when both directions ended cleanly, ErrCut when the connection was cut,
// or the error that ended it.
func (l *Link) Pipe(a, b net.Conn) (Stats, error) {
	p, err := l.open(a, b, false)
	if err != nil {
		return Stats{}, err
	}
	return l.run(p)
}

// Wrap impairs nc in-process: the returned conn's writes reach nc, and
// nc's bytes reach its reads, through the link. Its deadlines and Close
// behave as a net.Conn's; Close returns at once and the link delivers
// what is queued, then a FIN, in the background, as a kernel does after
// close(2). After a cut or a reset its reads and writes fail with
// ECONNRESET. The link owns nc from here on.
func (l *Link) Wrap(nc net.Conn) (net.Conn, error) {
	app, inner := net.Pipe()
	p, err := l.open(inner, nc, true)
	if err != nil {
		_ = app.Close()
		return nil, err
	}
	go func() {
		defer l.wg.Done()
		_, _ = l.run(p)
	}()
	return &conn{Conn: app, local: nc.LocalAddr(), remote: nc.RemoteAddr(), p: p}, nil
}

// Dial connects to addr and returns the connection wrapped by the link
// (see Wrap). It has the signature of net.Dialer.DialContext, so it drops
// into netcode.DialOptions.NetDial. The TCP handshake itself is not
// delayed; the first bytes are.
func (l *Link) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return l.Wrap(nc)
}

// Cut drops every connection the link carries now, abruptly, as a network
// drop looks: both sides are closed at once, with a RST where the side is
// TCP, and queued bytes are lost. It returns how many it cut. The link
// goes on carrying new connections.
func (l *Link) Cut() int {
	l.mu.Lock()
	pipes := make([]*pipe, 0, len(l.pipes))
	for p := range l.pipes {
		pipes = append(pipes, p)
	}
	l.mu.Unlock()
	for _, p := range pipes {
		p.end(ErrCut)
	}
	return len(pipes)
}

// Conns returns how many connections the link carries.
func (l *Link) Conns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pipes)
}

// Close refuses new connections, cuts the ones the link carries and waits
// for every goroutine Wrap and Dial started. Pipe calls return by
// themselves once cut.
func (l *Link) Close() {
	l.mu.Lock()
	l.closeLocked()
	l.mu.Unlock()
	l.Cut()
	l.wg.Wait()
}

// Shutdown refuses new connections and waits until the ones the link
// carries have ended by themselves — delivered what was queued, both
// ways, up to both FINs — or ctx is done, then closes the link (cutting
// what is left). It returns ctx's error if it had to cut.
func (l *Link) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	l.closeLocked()
	l.mu.Unlock()
	var err error
	select {
	case <-l.drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.Close()
	return err
}

// closeLocked marks the link closed; l.mu must be held.
func (l *Link) closeLocked() {
	if !l.closed {
		l.closed = true
		if len(l.pipes) == 0 {
			close(l.drained)
		}
	}
}

// open registers a connection between a and b; owned says the link's
// WaitGroup counts the goroutine that will run it. On a closed link it
// closes a and b and returns ErrClosed.
func (l *Link) open(a, b net.Conn, owned bool) (*pipe, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = a.Close()
		_ = b.Close()
		return nil, ErrClosed
	}
	l.count++
	seed := l.seed + 2*l.count
	p := &pipe{a: a, b: b, stop: make(chan struct{}),
		ab: newDirection(a, b, l.clk, l.limit, newSchedule(l.imp, l.epoch, seed)),
		ba: newDirection(b, a, l.clk, l.limit, newSchedule(l.imp, l.epoch, seed+1)),
	}
	l.pipes[p] = struct{}{}
	if owned {
		l.wg.Add(1)
	}
	return p, nil
}

// run carries p until both directions are over, then closes it.
func (l *Link) run(p *pipe) (Stats, error) {
	var wg sync.WaitGroup
	done := make(chan error, 2)
	for _, d := range []*direction{p.ab, p.ba} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			d.read(p.stop)
		}()
		go func() {
			defer wg.Done()
			err := d.write(p.stop)
			if err != nil && !errors.Is(err, ErrCut) {
				// dst is gone: stop reading it too, so the other
				// direction ends after delivering what it has.
				reset(d.dst)
			}
			done <- err
		}()
	}
	var first error
	for range 2 {
		if err := <-done; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		p.end(first)
	} else {
		_ = p.a.Close()
		_ = p.b.Close()
	}
	wg.Wait()

	l.mu.Lock()
	delete(l.pipes, p)
	if l.closed && len(l.pipes) == 0 {
		close(l.drained)
	}
	l.mu.Unlock()
	return Stats{Up: p.ab.delivered.Load(), Down: p.ba.delivered.Load()}, p.reason()
}

// pipe is one connection through the link: a and b and a direction each
// way.
type pipe struct {
	a, b   net.Conn
	ab, ba *direction
	stop   chan struct{} // closed by end: the writers stop, queued bytes are lost

	once   sync.Once
	err    atomic.Pointer[error] // why it ended abnormally
	wasCut atomic.Bool           // a was reset (a cut or a passed-on reset)
}

// end stops p abruptly for err (ErrCut, or an I/O error) and resets both
// sides; the first call wins.
func (p *pipe) end(err error) {
	p.once.Do(func() {
		p.err.Store(&err)
		p.wasCut.Store(true)
		close(p.stop)
		reset(p.a)
		reset(p.b)
	})
}

func (p *pipe) reason() error {
	if e := p.err.Load(); e != nil {
		return *e
	}
	return nil
}

// conn is the application's end of a wrapped connection.
type conn struct {
	net.Conn      // the application's end of an in-process pipe
	local, remote net.Addr
	p             *pipe
}

// Read reads from the link; after a cut it fails as a reset TCP read does.
func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	return n, c.mapErr("read", err)
}

// Write writes into the link; after a cut it fails as a reset TCP write does.
func (c *conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	return n, c.mapErr("write", err)
}

func (c *conn) mapErr(op string, err error) error {
	if err != nil && c.p.wasCut.Load() && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe)) {
		return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: syscall.ECONNRESET}
	}
	return err
}

// LocalAddr returns the wrapped connection's local address.
func (c *conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the wrapped connection's remote address.
func (c *conn) RemoteAddr() net.Addr { return c.remote }
