package netcode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

const (
	// maxErrors is how many error messages one connection gets before it is
	// closed with 1008.
	maxErrors = 20
	// maxNameLen is the longest player name, in characters.
	maxNameLen = 16
	// defaultName replaces an empty name.
	defaultName = "player"
	// quickPlayAttempts is how often quick play looks for a match when the
	// one it picked filled up or ended before the join reached it.
	quickPlayAttempts = 3
	// joinTimeout bounds the wait for the match goroutine to seat a player.
	joinTimeout = 5 * time.Second
	// pingRate bounds how many pings per second are answered, and in a
	// burst.
	pingRate = 10
	// touchEvery is how stale the idle deadline may get before a frame from
	// the client pushes it forward again (at most an eighth of the idle
	// timeout); moving it on every frame would cost a timer update per
	// input for no gain.
	touchEvery = time.Second
)

// session is the reader goroutine's state: the connect/join sequence, then
// inputs and pings. Its methods run on the reader goroutine only.
type session struct {
	id  string // this session's UUID, sent as the welcome's player
	fr  *frameReader
	dec *Decoder
	enc *Encoder
	msg ClientMessage

	match   *match.Match
	hub     *hub
	player  game.PlayerID
	seat    *seat // the seat this connection plays (seat.go); set with playing
	playing bool
	heard   bool // a message came after the welcome: the client has it (seat.confirm)
	errors  int
	inputs  bucket
	pings   bucket
	touched time.Time
	// lastPong is when the last RTT sample was taken, since the server
	// started; 0: none yet (rtt.go).
	lastPong time.Duration
}

func (c *conn) initSession(id string, br *bufio.Reader) {
	c.id = id
	c.fr = newFrameReader(br, ws.StateServerSide, c.srv.cfg.MaxMessageSize)
	c.fr.reply = func(frame []byte) {
		if !c.out.push(frame) {
			c.closeWith(CloseTooSlow, closeNow, nil)
		}
	}
	c.fr.activity = c.frameRead
	c.fr.pong = c.pongRead
	c.dec = NewDecoder()
	c.enc = NewEncoder()
	c.pings = bucket{rate: c.srv.pingRate, burst: c.srv.pingRate}
}

func (c *conn) joined() bool { return c.playing }

// frameRead counts a valid frame of wire bytes from the client and pushes
// the idle deadline forward.
func (c *conn) frameRead(wire int64) {
	c.srv.stats.framesReceived.Add(1)
	c.srv.stats.bytesReceived.Add(uint64(wire))
	c.touch()
}

// touch pushes the idle deadline forward after a frame from a joined client.
func (c *conn) touch() {
	if !c.playing {
		return // the hello deadline is fixed at the upgrade
	}
	now := time.Now()
	if now.Sub(c.touched) < min(touchEvery, c.srv.cfg.IdleTimeout/8) {
		return
	}
	c.touched = now
	c.setReadDeadline(now.Add(c.srv.cfg.IdleTimeout))
}

// handle acts on one binary message from the client.
func (c *conn) handle(payload []byte) {
	err := c.dec.DecodeClient(payload, &c.msg)
	switch {
	case err == nil:
	case errors.Is(err, ErrNotMsgpack):
		c.closeWith(CloseNotMsgpack, closeFlush, nil)
		return
	case errors.Is(err, ErrUnknownType):
		c.sendError(CodeUnknownType, err.Error())
		return
	case c.msg.Type == TypeHello && !c.playing:
		c.refuse(CodeMalformed, CloseBadHello, err.Error())
		return
	default:
		c.sendError(CodeMalformed, err.Error())
		return
	}
	if c.playing && !c.heard {
		c.heard = true
		c.seat.confirm(c)
	}
	switch c.msg.Type {
	case TypeHello:
		if c.playing {
			c.sendError(CodeUnexpected, "hello: already joined")
			return
		}
		c.join(&c.msg.Hello)
	case TypeInput:
		if !c.playing {
			c.sendError(CodeUnexpected, "input before hello")
			return
		}
		if !c.seat.stream.acknowledge(c, c.msg.Ack) {
			c.srv.stats.acksRefused.Add(1)
		}
		c.input(c.msg.Input)
	case TypePing:
		c.pong(c.msg.Ping)
	case TypeView:
		if !c.playing {
			c.sendError(CodeUnexpected, "view before hello")
			return
		}
		v, err := clampView(c.msg.View)
		if err != nil {
			c.sendError(CodeMalformed, err.Error())
			return
		}
		c.seat.stream.setView(c, v)
	}
}

// sendError queues an error message; the maxErrors-th closes the connection.
func (c *conn) sendError(code ErrorCode, message string) {
	frame, err := newServerFrame(c.enc.EncodeError(ErrorMessage{Code: code, Message: message}))
	if err != nil {
		c.log.Error("encode error message", "err", err)
		return
	}
	if !c.out.push(frame) {
		c.closeWith(CloseTooSlow, closeNow, nil)
		return
	}
	c.errors++
	if c.errors >= maxErrors {
		c.closeWith(CloseTooManyErrors, closeFlush, nil)
	}
}

// refuse answers a failed hello: an error message, then a close.
func (c *conn) refuse(code ErrorCode, close CloseCode, message string) {
	c.sendError(code, message)
	c.closeWith(close, closeFlush, nil)
}

// join runs the connect sequence for a valid hello: find or quick-play a
// match, take a seat, send the welcome.
func (c *conn) join(h *Hello) {
	if h.Version != ProtocolVersion {
		c.refuse(CodeBadVersion, CloseBadHello,
			fmt.Sprintf("protocol version %d is not supported (this server speaks %d)", h.Version, ProtocolVersion))
		return
	}
	name, err := cleanName(h.Name)
	if err != nil {
		c.refuse(CodeBadName, CloseBadHello, err.Error())
		return
	}
	if h.Resume != "" {
		c.resume(h)
		return
	}
	ctx, cancel := context.WithTimeout(c.srv.ctx, joinTimeout)
	defer cancel()
	m, hb, res, err := c.takeSeat(ctx, h.Match, name)
	if err != nil {
		c.refuseJoin(h.Match, err)
		return
	}
	st, token := c.srv.seats.open(m, res.Player, c)
	c.welcome(m, hb, st, token, &res)
	c.log.Debug("joined", "match", m.ID(), "id", res.Player, "name", name)
}

// welcome starts playing seat st of m (whose hub c is attached to): it
// sends the welcome, with the seat's next token and the join or resume
// tick's roster, ahead of every hub frame after that tick.
func (c *conn) welcome(m *match.Match, hb *hub, st *seat, token string, res *match.JoinResult) {
	c.match, c.hub, c.player, c.seat, c.playing = m, hb, res.Player, st, true
	rate := float64(hb.tickRate)
	c.inputs = bucket{rate: 2 * rate, burst: max(rate/2, 4)}

	w := Welcome{
		Version:         ProtocolVersion,
		Player:          c.id,
		Match:           m.ID(),
		You:             res.Player,
		TickRate:        hb.tickRate,
		SnapshotRate:    hb.snapRate,
		Map:             m.Info().Map,
		Roster:          make([]RosterEntry, 0, len(res.Snapshot.Players)),
		Resume:          token,
		ReconnectWindow: max(c.srv.cfg.ReconnectWindow, 0),
	}
	for _, p := range res.Snapshot.Players {
		w.Roster = append(w.Roster, RosterEntry{ID: p.ID, Name: p.Name, Flags: p.Flags, Kills: p.Kills, Deaths: p.Deaths})
	}
	frame, err := newServerFrame(c.enc.EncodeWelcome(&w))
	if err != nil {
		c.log.Error("encode welcome", "err", err)
		c.closeWith(CloseInternal, closeFlush, nil)
		return
	}
	st.stream.start(c)
	c.stream.Store(&st.stream)
	c.out.release(frame, res.Snapshot.Tick)
	c.setReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
	c.touched = time.Now()
	if hb.stopped.Load() {
		// The match stopped between the seat and now. OnStop skips a
		// connection whose welcome is not out yet; it sets stopped before
		// looking, so whichever of the two runs second closes it.
		c.closeWith(hb.closeCode(), closeFlush, nil)
	}
}

// takeSeat finds the match and joins it, attached to the match's hub from
// before the join so that no event after the join snapshot is missed.
func (c *conn) takeSeat(ctx context.Context, matchID, name string) (*match.Match, *hub, match.JoinResult, error) {
	reg := c.srv.cfg.Registry
	for attempt := 1; ; attempt++ {
		var m *match.Match
		if matchID != "" {
			var ok bool
			if m, ok = reg.Find(matchID); !ok {
				return nil, nil, match.JoinResult{}, match.ErrNotFound
			}
		} else {
			var err error
			if m, err = reg.QuickPlay(); err != nil {
				return nil, nil, match.JoinResult{}, fmt.Errorf("quick play: %w", err)
			}
		}
		hb := c.srv.attach(m, c)
		res, err := m.Join(ctx, name)
		if err == nil {
			return m, hb, res, nil
		}
		c.out.release(nil, 0)
		c.srv.detach(hb, c)
		retry := errors.Is(err, game.ErrMatchFull) || errors.Is(err, game.ErrMatchEnded) ||
			errors.Is(err, match.ErrStopped)
		if matchID != "" || !retry || attempt == quickPlayAttempts {
			return nil, nil, match.JoinResult{}, fmt.Errorf("join match %s: %w", m.ID(), err)
		}
	}
}

// refuseJoin maps a failed join to its error message and close code
// (PROTOCOL.md §1.6).
func (c *conn) refuseJoin(matchID string, err error) {
	switch {
	case c.isClosing():
		// Shutdown (or the client) got there first; the close is under way.
	case matchID != "" && (errors.Is(err, match.ErrNotFound) || errors.Is(err, game.ErrMatchEnded) ||
		errors.Is(err, match.ErrStopped)):
		c.refuse(CodeMatchNotFound, CloseMatchNotFound, fmt.Sprintf("match %q does not exist or has ended", matchID))
	case matchID != "" && errors.Is(err, game.ErrMatchFull):
		c.refuse(CodeMatchFull, CloseMatchFull, fmt.Sprintf("match %q is full", matchID))
	default:
		// Busy inbox, too many matches, quick play losing every race, a
		// join that timed out: all mean "not now" to the client.
		c.log.Info("join refused", "match", matchID, "err", err)
		c.refuse(CodeServerBusy, CloseServerBusy, "the server cannot seat you right now; try again")
	}
}

// input hands an input to the match, which sanitizes it (the one place an
// input is): one it cannot repair is answered with invalid_input.
func (c *conn) input(in game.Input) {
	if !c.inputs.take(time.Now()) {
		c.srv.stats.inputsDropped.Add(1)
		return
	}
	switch err := c.seat.input(c, in); {
	case err == nil:
	case errors.Is(err, game.ErrInvalidInput):
		c.sendError(CodeInvalidInput, fmt.Sprintf("input %d has a NaN or infinite value", in.Seq))
	default:
		c.srv.stats.inputsDropped.Add(1)
	}
}

// pong answers a ping through the outbox, ahead of any queued snapshot.
func (c *conn) pong(p Ping) {
	if !c.pings.take(time.Now()) {
		return
	}
	var tick uint32
	if c.hub != nil {
		tick = c.hub.tick.Load()
	}
	frame, err := newServerFrame(c.enc.EncodePong(Pong{T: p.T, Tick: tick}))
	if err != nil {
		c.log.Error("encode pong", "err", err)
		return
	}
	if !c.out.push(frame) {
		c.closeWith(CloseTooSlow, closeNow, nil)
	}
}

// endSession ends the connection's part in its seat and leaves the hub:
// the seat is held or left by how the connection ended (heldFor).
func (c *conn) endSession() {
	if c.playing {
		if c.srv.seats.drop(c.seat, c, c.heldFor()) {
			c.srv.stats.held.Add(1)
		}
		c.playing = false
	}
	if c.hub != nil {
		c.srv.detach(c.hub, c)
		c.hub = nil
	}
}

// cleanName validates a hello's name (PROTOCOL.md §1.4): surrounding white
// space is trimmed, an empty name becomes "player", and the result must be
// valid UTF-8 of 1–16 characters without control or format characters
// (which would let a name break lines or reorder text in other players'
// views).
func cleanName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if name == "" {
		return defaultName, nil
	}
	if !utf8.ValidString(name) {
		return "", errors.New("name: not valid UTF-8")
	}
	n := 0
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", fmt.Errorf("name: control or format character %U", r)
		}
		n++
	}
	if n > maxNameLen {
		return "", fmt.Errorf("name: %d characters, at most %d allowed", n, maxNameLen)
	}
	return name, nil
}

// bucket is a token bucket: rate tokens per second, at most burst saved up.
// The zero value refuses everything. It is not safe for concurrent use.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// take spends one token if there is one.
func (b *bucket) take(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
