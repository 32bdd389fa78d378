package netcode

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// Config configures a Server. Every zero value takes the documented default.
type Config struct {
	// Registry is where players' matches are found and created. Required.
	Registry *match.Registry
	// SnapshotRate is how many snapshots per second each player gets; 0
	// means DefaultSnapshotRate. It is clamped to each match's tick rate, and
	// a rate that does not divide the tick rate means what match.TickDue says.
	SnapshotRate int
	// AllowedOrigins lists the browser origins allowed to connect besides
	// the server's own (an Origin whose host equals the request's Host).
	// An entry is a full origin ("https://example.com:8443") or a bare host
	// ("example.com:8443"); "*" allows every origin. Requests without an
	// Origin header (non-browser clients) are always allowed. nil means
	// same-origin only.
	AllowedOrigins []string
	// Logger receives connection-level logs; nil means slog.Default().
	Logger *slog.Logger
	// HelloTimeout is how long a client has after the upgrade to send its
	// hello (else close 4003); 0 means 5s.
	HelloTimeout time.Duration
	// IdleTimeout is how long a joined client may send nothing (else close
	// 4004); 0 means 15s.
	IdleTimeout time.Duration
	// WriteTimeout bounds each write to a client; a write stalled that long
	// closes it with 4008. 0 means 5s.
	WriteTimeout time.Duration
	// MaxMessageSize is the largest frame or message a client may send
	// (else close 1009); 0 means 4096 (MaxClientMessage).
	MaxMessageSize int
	// OutboxSize is how many frames (events, pongs, errors) may wait for a
	// client besides the latest snapshot before it is closed with 4008; 0
	// means 256.
	OutboxSize int
	// SendBuffer is the kernel send buffer (SO_SNDBUF) of each player's
	// socket in bytes; 0 means 64 KiB, negative leaves the OS default. A
	// modest buffer makes a slow client's backlog show up in its outbox,
	// where a newer snapshot replaces an older one, instead of piling up
	// stale snapshots in the kernel.
	SendBuffer int
	// CloseGrace bounds how long a connection the server closes waits for
	// the client's close frame after sending its own (PROTOCOL.md §1.7);
	// 0 means 2s.
	CloseGrace time.Duration
	// MaxConnections caps the player connections open at once (joined or
	// still saying hello); an upgrade beyond it is refused before the
	// upgrade with 503 server_full, so a flood of idle sockets cannot exhaust
	// the host's file descriptors. 0 means DefaultMaxConnections.
	MaxConnections int
	// ReconnectWindow is how long a player's seat is held after their
	// connection drops without a leave (a reset, EOF, ping timeout, too
	// slow), for a hello with the seat's resume token to take it back
	// (PROTOCOL.md §1.9). 0 means DefaultReconnectWindow; negative turns
	// holding off (a drop leaves at once, as a leave does).
	ReconnectWindow time.Duration
	// MaxSendRate is each player's budget of snapshot and event bytes per
	// second (PROTOCOL.md §1.10): when a snapshot would exceed it, the
	// least important entities wait, their priority growing while they do.
	// 0 means DefaultMaxSendRate; negative means no budget.
	MaxSendRate int
	// PingInterval is how often, in match time, the server sends every
	// playing client a WebSocket ping (RFC 6455 §5.5.2) whose pong measures
	// the round trip (PROTOCOL.md §1.7). 0 means DefaultPingInterval;
	// negative sends none.
	PingInterval time.Duration
	// RTT is told every round trip the pings measure; nil means nobody is.
	RTT RTTObserver
}

// RTTObserver is told the round trips the server measures, for metrics
// (cmd/skirmish feeds a histogram with them). ObserveRTT is called on
// connections' reader goroutines, many at once: it must be safe for
// concurrent use and must not block.
type RTTObserver interface {
	ObserveRTT(d time.Duration)
}

// Defaults for Config's zero values.
const (
	DefaultSnapshotRate   = 20
	DefaultMaxConnections = 10000
	// DefaultReconnectWindow is Config.ReconnectWindow's default: a Wi-Fi
	// roam or a mobile handover is over well within it.
	DefaultReconnectWindow = 10 * time.Second
	// DefaultPingInterval is Config.PingInterval's default: a sample of
	// every player's round trip every 2 s is plenty for a histogram, and
	// 8 bytes each way cost nothing.
	DefaultPingInterval = 2 * time.Second
	// DefaultMaxSendRate is Config.MaxSendRate's default, 16 KB/s: six
	// times what a player of a full arena gets with deltas (about 2.5 KB/s,
	// docs/PERFORMANCE.md), so that only a burst ever meets it.
	DefaultMaxSendRate = 16000
	defaultSendBuffer  = 64 << 10
)

func (c *Config) setDefaults() error {
	if c.Registry == nil {
		return errors.New("netcode: Config.Registry is required")
	}
	for _, v := range []struct {
		name string
		neg  bool
	}{
		{"SnapshotRate", c.SnapshotRate < 0},
		{"HelloTimeout", c.HelloTimeout < 0},
		{"IdleTimeout", c.IdleTimeout < 0},
		{"WriteTimeout", c.WriteTimeout < 0},
		{"MaxMessageSize", c.MaxMessageSize < 0},
		{"OutboxSize", c.OutboxSize < 0},
		{"CloseGrace", c.CloseGrace < 0},
		{"MaxConnections", c.MaxConnections < 0},
	} {
		if v.neg {
			return fmt.Errorf("netcode: Config.%s must not be negative", v.name)
		}
	}
	if c.SnapshotRate == 0 {
		c.SnapshotRate = DefaultSnapshotRate
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.HelloTimeout == 0 {
		c.HelloTimeout = 5 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 15 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = MaxClientMessage
	}
	if c.OutboxSize == 0 {
		c.OutboxSize = 256
	}
	if c.SendBuffer == 0 {
		c.SendBuffer = defaultSendBuffer
	}
	if c.CloseGrace == 0 {
		c.CloseGrace = defaultCloseGrace
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.ReconnectWindow == 0 {
		c.ReconnectWindow = DefaultReconnectWindow
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	switch {
	case c.MaxSendRate == 0:
		c.MaxSendRate = DefaultMaxSendRate
	case c.MaxSendRate < 0:
		c.MaxSendRate = 0 // no budget
	}
	return nil
}

// Server accepts players' WebSocket connections (mount ServeHTTP at
// GET /ws) and connects them to matches. It is safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	allowAll bool
	origins  []string // lower-case full origins and hosts

	ctx    context.Context // cancelled by Shutdown: abandons joins in progress
	cancel context.CancelFunc

	mu       sync.Mutex
	draining bool
	conns    map[*conn]struct{}
	hubs     map[*match.Match]*hub
	// changed is closed and replaced (under mu) whenever conns, a hub's
	// connections or the connection count change, so that tests can wait
	// for a state of the server instead of polling it. Nothing else
	// reads it.
	changed chan struct{}
	wg      sync.WaitGroup // every connection goroutine (reader and writer)

	seats *seatTable // every player's seat, live or held, and the recently released (seat.go)
	start time.Time  // the zero of the pings' timestamps (rtt.go)
	// pingRate is how many pings per second (and in a burst) a connection
	// gets answered: pingRate, or more in tests that sync on pongs.
	pingRate float64

	stats struct {
		accepted, rejected            atomic.Uint64
		framesSent, bytesSent         atomic.Uint64
		snapshotsReplaced, slowClosed atomic.Uint64
		inputsDropped                 atomic.Uint64
		held, resumed                 atomic.Uint64
		connections                   atomic.Int64
		framesReceived, bytesReceived atomic.Uint64
		pings, pongs                  atomic.Uint64

		closesMu sync.Mutex
		closes   map[CloseCode]uint64

		completeSnapshots, deltaSnapshots atomic.Uint64
		snapshotFrames                    atomic.Uint64
		acksRefused, baselinesLost        atomic.Uint64
		budgetHeld, entitiesDeferred      atomic.Uint64
	}
}

// NewServer validates cfg and returns a Server.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		conns:    make(map[*conn]struct{}),
		hubs:     make(map[*match.Match]*hub),
		changed:  make(chan struct{}),
		seats:    newSeatTable(),
		pingRate: pingRate,
		start:    time.Now(),
	}
	s.stats.closes = make(map[CloseCode]uint64)
	for _, o := range cfg.AllowedOrigins {
		o = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
		switch o {
		case "":
		case "*":
			s.allowAll = true
		default:
			s.origins = append(s.origins, o)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Stats is a snapshot of a Server's counters.
type Stats struct {
	Connections       int64  // player connections open now
	Accepted          uint64 // upgrades completed since start
	Rejected          uint64 // upgrade requests refused (400, 403, 500, 503)
	FramesSent        uint64 // WebSocket frames written
	BytesSent         uint64 // bytes written to player sockets
	SnapshotsReplaced uint64 // snapshots superseded in an outbox before being written
	SlowClosed        uint64 // connections closed with 4008 (too slow)
	InputsDropped     uint64 // inputs over the rate limit or refused by a full match inbox
	Held              uint64 // seats held after their connection dropped without a leave
	Resumed           uint64 // seats taken back by a hello's resume token
	FramesReceived    uint64 // valid WebSocket frames read, control frames included
	BytesReceived     uint64 // bytes of those frames, headers included
	Pings             uint64 // RTT pings offered to playing clients
	Pongs             uint64 // pongs that measured a round trip (rtt.go)
	// Closes counts the connections that have ended, by the close code
	// they ended with: the server's, or the peer's when the peer closed
	// first. Code 0 is a connection that ended without a closing handshake
	// (the peer vanished), 1005 a peer's close without a code. Only codes a
	// close frame may carry appear (1000–1014, 3000–4999), so there are at
	// most a few thousand keys. The map is the caller's.
	Closes map[CloseCode]uint64

	CompleteSnapshots uint64 // complete snapshots offered to players (one per player per snapshot tick)
	DeltaSnapshots    uint64 // delta snapshots offered to players
	SnapshotFrames    uint64 // snapshot frames encoded: one per group of players with the same plan per tick
	AcksRefused       uint64 // inputs whose ackTick named no frame sent on their connection that is still remembered
	BaselinesLost     uint64 // acknowledged baselines that left the ring before a newer ack came (the client stopped acking)
	BudgetHeld        uint64 // complete snapshots held back by a player's send budget
	EntitiesDeferred  uint64 // entities held back from a delta by a player's send budget
}

// Stats returns the server's counters. It is safe for concurrent use.
func (s *Server) Stats() Stats {
	st := &s.stats
	return Stats{
		Connections:       st.connections.Load(),
		Accepted:          st.accepted.Load(),
		Rejected:          st.rejected.Load(),
		FramesSent:        st.framesSent.Load(),
		BytesSent:         st.bytesSent.Load(),
		SnapshotsReplaced: st.snapshotsReplaced.Load(),
		SlowClosed:        st.slowClosed.Load(),
		InputsDropped:     st.inputsDropped.Load(),
		Held:              st.held.Load(),
		Resumed:           st.resumed.Load(),
		FramesReceived:    st.framesReceived.Load(),
		BytesReceived:     st.bytesReceived.Load(),
		Pings:             st.pings.Load(),
		Pongs:             st.pongs.Load(),
		Closes:            s.closeCounts(),
		CompleteSnapshots: st.completeSnapshots.Load(),
		DeltaSnapshots:    st.deltaSnapshots.Load(),
		SnapshotFrames:    st.snapshotFrames.Load(),
		AcksRefused:       st.acksRefused.Load(),
		BaselinesLost:     st.baselinesLost.Load(),
		BudgetHeld:        st.budgetHeld.Load(),
		EntitiesDeferred:  st.entitiesDeferred.Load(),
	}
}

// closed counts a connection that ended with code (0: no closing handshake).
func (s *Server) closed(code CloseCode) {
	s.stats.closesMu.Lock()
	s.stats.closes[code]++
	s.stats.closesMu.Unlock()
}

// closeCounts copies the closes by code.
func (s *Server) closeCounts() map[CloseCode]uint64 {
	s.stats.closesMu.Lock()
	defer s.stats.closesMu.Unlock()
	out := make(map[CloseCode]uint64, len(s.stats.closes))
	for code, n := range s.stats.closes {
		out[code] = n
	}
	return out
}

// ServeHTTP upgrades a player's request to a WebSocket and runs the
// connection until it closes (PROTOCOL.md §1.1). Refusals happen before the
// upgrade, as JSON errors: 503 while draining, 400 for a request that is not
// a WebSocket upgrade (checkUpgrade), 403 for a disallowed Origin, 503 when
// the server holds MaxConnections already, 500 if the connection cannot be
// hijacked.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draining := s.draining
	full := len(s.conns) >= s.cfg.MaxConnections
	s.mu.Unlock()
	if draining {
		s.refuseHTTP(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	if full {
		// Checked again under the lock in register; this early answer is a
		// JSON error instead of a close frame after the upgrade.
		w.Header().Set("Retry-After", "5")
		s.refuseHTTP(w, http.StatusServiceUnavailable, "server_full",
			fmt.Sprintf("the server holds its maximum of %d player connections", s.cfg.MaxConnections))
		return
	}
	if err := checkUpgrade(r); err != nil {
		w.Header().Set("Sec-WebSocket-Version", "13")
		s.refuseHTTP(w, http.StatusBadRequest, "bad_upgrade", err.Error())
		return
	}
	if !s.originAllowed(r) {
		s.refuseHTTP(w, http.StatusForbidden, "origin_not_allowed",
			fmt.Sprintf("origin %q may not connect to this server", r.Header.Get("Origin")))
		return
	}
	nc, br, err := s.upgrade(w, r)
	if err != nil {
		s.log.Debug("upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	// The hijacked reader may already hold bytes the client sent right
	// after its request, so the connection reads through it.
	c := newConn(s, nc, br, uuid.NewString())
	if refused := s.register(c); refused != 0 {
		c.closeRefused(refused)
		return
	}
	s.stats.accepted.Add(1)
	go c.writeLoop()
	c.readLoop()
}

// upgrade completes the server's opening handshake (RFC 6455 §4.2.2) for a
// request checkUpgrade accepted: it takes the connection over and writes
// the 101 response itself, so that no other check can refuse what ours
// accepted (gobwas's HTTPUpgrader read only the first Connection and
// Upgrade header line, and answered in plain text). No extension and no
// subprotocol is agreed. It returns the connection and the reader that may
// already hold bytes the client sent after its request. A connection that
// cannot be taken over gets a JSON 500.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, *bufio.Reader, error) {
	nc, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.refuseHTTP(w, http.StatusInternalServerError, "internal", "the server cannot take over this connection")
		return nil, nil, fmt.Errorf("hijack: %w", err)
	}
	// The HTTP server's deadlines are replaced: the 101 is bounded by
	// WriteTimeout, then the connection sets its own for every read and
	// write.
	_ = nc.SetDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if s.cfg.SendBuffer > 0 {
		if tc, ok := nc.(interface{ SetWriteBuffer(int) error }); ok {
			_ = tc.SetWriteBuffer(s.cfg.SendBuffer)
		}
	}
	_, _ = rw.Writer.WriteString("HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
	if err := rw.Writer.Flush(); err != nil {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("write the 101 response: %w", err)
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, rw.Reader, nil
}

// websocketGUID is the GUID of RFC 6455 §1.3 that the accept key is
// derived with.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey returns the Sec-WebSocket-Accept value for a request's
// Sec-WebSocket-Key (RFC 6455 §4.2.2): base64(SHA-1(key + GUID)). gobwas/ws
// computes it internally but does not export it.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (s *Server) refuseHTTP(w http.ResponseWriter, status int, code, message string) {
	s.stats.rejected.Add(1)
	httpapi.WriteError(w, status, code, message)
}

// checkUpgrade is the one check of a WebSocket upgrade request (RFC 6455
// §4.2.1); every request it accepts gets 101 (upgrade), every other one its
// JSON 400. HTTP's rules for header fields apply (RFC 9110 §5): names and
// tokens are case-insensitive, Connection and Upgrade are lists that may
// hold other tokens, white space and empty elements and may be split over
// several header lines, while Sec-WebSocket-Key and Sec-WebSocket-Version
// must appear exactly once (RFC 6455 §11.3.1, §11.3.5).
func checkUpgrade(r *http.Request) error {
	switch {
	case r.Method != http.MethodGet:
		return fmt.Errorf("method %s: a WebSocket upgrade is a GET", r.Method)
	case r.ProtoMajor != 1 || r.ProtoMinor < 1:
		return fmt.Errorf("%s: a WebSocket upgrade needs HTTP/1.1", r.Proto)
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return errors.New(`missing "Connection: Upgrade"`)
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		return errors.New(`missing "Upgrade: websocket"`)
	case r.ContentLength != 0 || len(r.TransferEncoding) > 0:
		// Its bytes would be read as WebSocket frames.
		return errors.New("a WebSocket upgrade has no body")
	}
	if v := r.Header.Values("Sec-WebSocket-Version"); len(v) != 1 || v[0] != "13" {
		return errors.New("Sec-WebSocket-Version must be 13, given once")
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return errors.New("Sec-WebSocket-Key must be given once")
	}
	if key, err := base64.StdEncoding.DecodeString(keys[0]); err != nil || len(key) != 16 {
		return errors.New("Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}

// headerHasToken reports whether the comma-separated lists in all of h's
// name lines hold token, a lower-case ASCII word, with optional white space
// (SP, HTAB) around elements and empty elements ignored (RFC 9110 §5.6.1).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if equalFoldASCII(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// equalFoldASCII reports whether s equals the lower-case ASCII word lower,
// ignoring the case of ASCII letters only (RFC 6455 §4.2.1: "ASCII
// case-insensitive"). strings.EqualFold would also match Unicode letters
// that fold to ASCII ones, such as the Kelvin sign (U+212A) to k.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// originAllowed applies the origin policy described on Config.AllowedOrigins.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || s.allowAll {
		return true
	}
	o := strings.ToLower(origin)
	u, err := url.Parse(o)
	if err == nil && u.Host != "" && u.Host == strings.ToLower(r.Host) {
		return true
	}
	for _, a := range s.origins {
		if a == o || (err == nil && u.Host != "" && a == u.Host) {
			return true
		}
	}
	return false
}

// register adds c to the server's connections, or returns the close code
// that refuses it: 1001 while draining, 4009 at MaxConnections (a race the
// check before the upgrade lost).
func (s *Server) register(c *conn) CloseCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.draining:
		return CloseGoingAway
	case len(s.conns) >= s.cfg.MaxConnections:
		return CloseServerBusy
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.stats.connections.Add(1)
	s.notifyLocked()
	return 0
}

// forget removes c once its goroutines are done with it.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.stats.connections.Add(-1)
	s.notifyLocked()
	s.mu.Unlock()
}

// notifyLocked wakes whoever waits on s.changed; s.mu held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// attach puts c on m's hub, subscribing a new hub to m for the match's
// first connection. c's outbox holds hub frames until its welcome.
func (s *Server) attach(m *match.Match, c *conn) *hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	h := s.hubs[m]
	if h != nil {
		c.out.hold(h)
		h.add(c)
		return h
	}
	rate := m.Info().TickRate
	h = newHub(s, m, rate, max(1, min(s.cfg.SnapshotRate, rate)))
	s.wg.Add(1)
	go h.run()
	c.out.hold(h)
	h.add(c)
	s.hubs[m] = h
	// Subscribe calls OnStop at once for a match that has already stopped;
	// OnStop takes no lock of the server's, so holding s.mu is safe.
	h.unsubscribe = m.Subscribe(h)
	return h
}

// detach takes c off h, unsubscribing h when it was the last connection.
func (s *Server) detach(h *hub, c *conn) {
	var unsubscribe func()
	s.mu.Lock()
	if h.remove(c) == 0 && s.hubs[h.match] == h {
		delete(s.hubs, h.match)
		unsubscribe = h.unsubscribe
	}
	s.notifyLocked()
	s.mu.Unlock()
	if unsubscribe != nil {
		unsubscribe()
		h.shut()
	}
}

// Drain stops taking connections: new upgrades get 503 shutting_down, as
// during Shutdown, while the connections open go on until their matches
// end or Shutdown closes them. It is safe to call more than once, and
// from any goroutine.
func (s *Server) Drain() {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
}

// Shutdown stops taking connections (new upgrades get 503), closes every
// connection with 1001 after flushing what is queued for it, and waits for
// all connection goroutines to return. If ctx ends first, the remaining
// sockets are closed abruptly and ctx's error is returned once the
// goroutines are gone. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Every connection is marked closing (1001) before joins in progress
	// are abandoned, so an abandoned join finds its close under way instead
	// of answering server_busy and 4009.
	for _, c := range conns {
		c.closeWith(CloseGoingAway, closeFlush, nil)
	}
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range conns {
		_ = c.nc.Close()
	}
	<-done
	return fmt.Errorf("netcode: shutdown: %w", ctx.Err())
}

var _ http.Handler = (*Server)(nil)

// Ensure the hijacked connection type offers what ServeHTTP tunes.
var _ interface{ SetWriteBuffer(int) error } = (*net.TCPConn)(nil)
