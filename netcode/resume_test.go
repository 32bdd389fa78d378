package netcode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// Seats that outlive their connection, end to end on loopback: a real
// registry whose matches run on a manual clock (so a reconnect window is
// counted in match ticks, not in wall time), behind a real Server.

// seatWait bounds every wait here: generous, for a loaded 2-core machine
// under -race. Nothing sleeps and hopes; waits end on what was received.
const seatWait = 20 * time.Second

// seatMapJSON is an open 600×300 arena with two spawns on one line, so two
// players aiming at each other always hit.
const seatMapJSON = `{
  "id": "duel", "name": "Duel", "width": 600, "height": 300,
  "walls": [{"x": 0, "y": 0, "w": 600, "h": 8}],
  "spawns": [{"x": 150, "y": 150}, {"x": 450, "y": 150}]
}`

// seatEnv is the registry and server, with a pump that moves the matches'
// clock forward at speed × wall time (0 stops it).
type seatEnv struct {
	t     *testing.T
	clk   *clock.Manual
	reg   *match.Registry
	srv   *Server
	url   string
	speed atomic.Int64
}

func newSeatEnv(t *testing.T, cfg Config, wc game.WorldConfig) *seatEnv {
	t.Helper()
	m, err := game.ParseMap([]byte(seatMapJSON))
	if err != nil {
		t.Fatal(err)
	}
	wc.Map, wc.TickRate = m, 30
	e := &seatEnv{t: t, clk: clock.NewManual(time.Unix(1000, 0))}
	e.speed.Store(1)
	var ids atomic.Int64
	quiet := slog.New(slog.DiscardHandler)
	e.reg, err = match.NewRegistry(match.RegistryConfig{
		Match:  match.Config{World: wc, Clock: e.clk, EndedLinger: time.Second},
		NewID:  func() string { return fmt.Sprintf("s%d", ids.Add(1)) },
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = e.reg.Run(ctx) }()
	go func() { defer wg.Done(); e.pump(ctx) }()
	cfg.Registry, cfg.Logger = e.reg, quiet
	if e.srv, err = NewServer(cfg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", e.srv)
	ts := httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), seatWait)
		defer scancel()
		if err := e.srv.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
		cancel()
		wg.Wait()
	})
	return e
}

// pump advances the manual clock by speed × the wall time passed, every
// millisecond, until ctx is done.
func (e *seatEnv) pump(ctx context.Context) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			// At most a tick at a time, so a stalled pump catches up
			// tick by tick instead of dropping ticks as overruns.
			d := min(now.Sub(last)*time.Duration(e.speed.Load()), time.Second/30)
			last = now
			if d > 0 {
				e.clk.Advance(d)
			}
		}
	}
}

// dial connects a recorded client; link, if not nil, carries it.
func (e *seatEnv) dial(opts DialOptions, link *netsim.Link) *seatPlayer {
	e.t.Helper()
	p, err := e.tryDial(opts, link)
	if err != nil {
		e.t.Fatalf("Dial %+v: %v", opts, err)
	}
	return p
}

func (e *seatEnv) tryDial(opts DialOptions, link *netsim.Link) (*seatPlayer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), seatWait)
	defer cancel()
	if link != nil {
		opts.NetDial = link.Dial
	}
	c, w, err := Dial(ctx, e.url, opts)
	if err != nil {
		return nil, err
	}
	return newSeatPlayer(e.t, c, w), nil
}

// seatPlayer records what one client receives, on its own goroutine.
type seatPlayer struct {
	t *testing.T
	c *Client
	w Welcome

	mu      sync.Mutex
	changed chan struct{}
	snaps   []game.Snapshot
	events  []game.Event
	pongs   int
	end     error
	done    chan struct{}
}

func newSeatPlayer(t *testing.T, c *Client, w Welcome) *seatPlayer {
	p := &seatPlayer{t: t, c: c, w: w, changed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			m, err := c.Next()
			p.mu.Lock()
			switch m := m.(type) {
			case *Snapshot:
				p.snaps = append(p.snaps, m.Snapshot)
			case *Events:
				p.events = append(p.events, m.Events...)
			case *Pong:
				p.pongs++
			}
			if err != nil {
				p.end = err
			}
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.Close()
		<-p.done
	})
	return p
}

// waitFor waits until cond (p.mu held) holds, failing on timeout or when
// the connection ended first.
func (p *seatPlayer) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.After(seatWait)
	for {
		p.mu.Lock()
		ok, changed, end := cond(), p.changed, p.end
		p.mu.Unlock()
		if ok {
			return
		}
		if end != nil {
			p.t.Fatalf("waiting for %s: connection ended: %v", what, end)
		}
		select {
		case <-changed:
		case <-deadline:
			p.t.Fatalf("waiting for %s: timed out", what)
		}
	}
}

// confirm sends a ping and waits for its pong: the server has heard from
// the client after its welcome.
func (p *seatPlayer) confirm() {
	p.t.Helper()
	if err := p.c.SendPing(42); err != nil {
		p.t.Fatal(err)
	}
	p.waitFor("the pong", func() bool { return p.pongs > 0 })
}

// closed waits until the server closed the connection and returns the code.
func (p *seatPlayer) closed() CloseCode {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(seatWait):
		p.t.Fatal("the connection was not closed")
	}
	return CloseCodeOf(p.end)
}

// count returns how many events of kind about id were received.
func (p *seatPlayer) count(kind game.EventKind, id game.PlayerID) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ev := range p.events {
		if ev.Kind == kind && ev.Player == id {
			n++
		}
	}
	return n
}

// hasEvent is a waitFor condition.
func (p *seatPlayer) hasEvent(kind game.EventKind, id game.PlayerID) func() bool {
	return func() bool {
		for _, ev := range p.events {
			if ev.Kind == kind && ev.Player == id {
				return true
			}
		}
		return false
	}
}

// last returns the newest snapshot's state of id; p.mu held.
func (p *seatPlayer) last(id game.PlayerID) (game.PlayerState, bool) {
	if len(p.snaps) == 0 {
		return game.PlayerState{}, false
	}
	return p.snaps[len(p.snaps)-1].Player(id)
}

// killOnce makes shooter kill victim (who stands still) in a live match.
func killOnce(t *testing.T, shooter, victim *seatPlayer) {
	t.Helper()
	me, them := shooter.w.You, victim.w.You
	shooter.waitFor("the live phase", func() bool {
		return len(shooter.snaps) > 0 && shooter.snaps[len(shooter.snaps)-1].Phase == game.PhaseLive
	})
	done := make(chan struct{})
	go func() { // aim at the victim and hold fire, a tick's worth at a time
		defer close(done)
		for seq := uint32(1); ; seq++ {
			shooter.mu.Lock()
			a, okA := shooter.last(me)
			b, okB := shooter.last(them)
			killed := shooter.count0(game.EventKill, them) > 0
			shooter.mu.Unlock()
			if killed {
				return
			}
			in := game.Input{Seq: seq, Buttons: game.ButtonFire}
			if okA && okB {
				in.Aim = math.Atan2(b.Y-a.Y, b.X-a.X)
			}
			if shooter.c.SendInput(in) != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	shooter.waitFor("the kill", shooter.hasEvent(game.EventKill, them))
	<-done
}

// count0 is count with p.mu held.
func (p *seatPlayer) count0(kind game.EventKind, id game.PlayerID) int {
	n := 0
	for _, ev := range p.events {
		if ev.Kind == kind && ev.Player == id {
			n++
		}
	}
	return n
}

// TestResumeAfterADrop: a connection cut mid-match (a reset, no close
// frame) holds the seat: the other player sees `disconnect` and the flag,
// never a `leave`; a hello with the token gets the same player id, kills
// and name back with a new token, the first snapshot after the welcome has
// the player back, and the resumed client's inputs count from seq 1.
func TestResumeAfterADrop(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: time.Hour}, game.WorldConfig{MaxPlayers: 2})
	link, err := netsim.NewLink(netsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	a := e.dial(DialOptions{Name: "ada"}, link)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	if a.w.Resume == "" || a.w.ReconnectWindow != time.Hour {
		t.Fatalf("welcome: token %q, window %v", a.w.Resume, a.w.ReconnectWindow)
	}
	e.speed.Store(4)
	killOnce(t, a, b)
	me := a.w.You

	if n := link.Cut(); n != 1 {
		t.Fatalf("cut %d connections", n)
	}
	b.waitFor("the disconnect", b.hasEvent(game.EventDisconnect, me))
	b.waitFor("the flag", func() bool {
		p, ok := b.last(me)
		return ok && p.Flags&game.FlagDisconnected != 0
	})
	if st := e.srv.Stats(); st.Held != 1 {
		t.Fatalf("stats: %+v, want one seat held", st)
	}

	a2 := e.dial(DialOptions{Name: "ignored", Match: a.w.Match, Resume: a.w.Resume}, nil)
	w := a2.w
	if w.You != me || w.Match != a.w.Match || w.Resume == "" || w.Resume == a.w.Resume {
		t.Fatalf("resumed welcome: you %d match %s token %q (was %d %s %q)", w.You, w.Match, w.Resume, me, a.w.Match, a.w.Resume)
	}
	var mine *RosterEntry
	for i := range w.Roster {
		if w.Roster[i].ID == me {
			mine = &w.Roster[i]
		}
	}
	if mine == nil || mine.Name != "ada" || mine.Kills != 1 || mine.Flags&game.FlagDisconnected != 0 {
		t.Fatalf("roster entry %+v, want ada with 1 kill, connected", mine)
	}
	a2.waitFor("a snapshot", func() bool { return len(a2.snaps) > 0 })
	a2.mu.Lock()
	first := a2.snaps[0]
	a2.mu.Unlock()
	p, ok := first.Player(me)
	if !ok || p.Flags&game.FlagDisconnected != 0 || p.Kills != 1 || len(first.Players) != 2 {
		t.Fatalf("first snapshot after the resume: %+v", first)
	}
	b.waitFor("the reconnect", b.hasEvent(game.EventReconnect, me))
	for seq := uint32(1); seq <= 3; seq++ {
		if err := a2.c.SendInput(game.Input{Seq: seq, MoveY: 1}); err != nil {
			t.Fatal(err)
		}
	}
	a2.waitFor("the new inputs acknowledged", func() bool {
		p, ok := a2.last(me)
		return ok && p.AckSeq >= 1 && p.AckSeq <= 3
	})
	if n := b.count(game.EventLeave, me); n != 0 {
		t.Fatalf("%d leave events for a resumed seat", n)
	}
	if st := e.srv.Stats(); st.Resumed != 1 {
		t.Fatalf("stats: %+v, want one resume", st)
	}
}

// TestResumeReplacesTheOpenConnection: a resume while the old connection
// is still open (a half-open socket the server has not noticed) closes the
// old one with 4007: the player is never seated twice, and nobody sees a
// disconnect, reconnect or leave.
func TestResumeReplacesTheOpenConnection(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: time.Hour}, game.WorldConfig{MaxPlayers: 4})
	a := e.dial(DialOptions{Name: "ada"}, nil)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	a2 := e.dial(DialOptions{Match: a.w.Match, Resume: a.w.Resume}, nil)
	if a2.w.You != a.w.You {
		t.Fatalf("resumed as %d, want %d", a2.w.You, a.w.You)
	}
	if code := a.closed(); code != CloseReplaced {
		t.Fatalf("the old connection closed with %d, want %d", code, CloseReplaced)
	}
	a2.waitFor("snapshots", func() bool { return len(a2.snaps) > 3 })
	b.waitFor("a snapshot with both players", func() bool {
		n := len(b.snaps)
		return n > 0 && len(b.snaps[n-1].Players) == 2
	})
	for _, k := range []game.EventKind{game.EventDisconnect, game.EventReconnect, game.EventLeave} {
		if n := b.count(k, a.w.You); n != 0 {
			t.Errorf("%d %v events", n, k)
		}
	}
}

// TestResumeRefusals: every bad token gets its code and close 4006, and
// touches nobody's seat: the player whose token was misused plays on, and
// their live token still resumes.
func TestResumeRefusals(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: time.Hour}, game.WorldConfig{MaxPlayers: 2})
	a := e.dial(DialOptions{Name: "ada"}, nil)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	c := e.dial(DialOptions{Name: "cy"}, nil) // a second match: the first is full
	if c.w.Match == a.w.Match {
		t.Fatal("cy joined the full match")
	}
	spent := a.w.Resume
	a2 := e.dial(DialOptions{Match: a.w.Match, Resume: spent}, nil)
	if code := a.closed(); code != CloseReplaced {
		t.Fatalf("old connection: %d", code)
	}
	a2.confirm() // the client has the welcome: the token it showed is spent
	cToken := c.w.Resume
	_ = c.c.Close() // a leave: close 1000
	<-c.done
	waitConnections(t, e.srv, 2) // a2 and b: c's seat is released, a's old pipe gone

	// a2's seat key with another secret: zero, or one bit off.
	withSecret := func(tok string, change func(*secret)) string {
		key, sec, ok := parseToken(tok)
		if !ok {
			t.Fatalf("token %q does not parse", tok)
		}
		change(&sec)
		return tokenEncoding.EncodeToString(append(key[:], sec[:]...))
	}
	zeroSecret := withSecret(a2.w.Resume, func(s *secret) { *s = secret{} })
	oneBitOff := withSecret(a2.w.Resume, func(s *secret) { s[0] ^= 1 })
	var random [seatKeyLen + secretLen]byte
	copy(random[:], "a well-formed token nobody has")
	for _, tc := range []struct {
		name, token, match string
		want               ErrorCode
	}{
		{"malformed", "not-a-token", "", CodeTokenMalformed},
		{"malformed base64", strings.Repeat("!", tokenLen), "", CodeTokenMalformed},
		{"unknown", tokenEncoding.EncodeToString(random[:]), "", CodeTokenUnknown},
		{"a live seat's key, zero secret", zeroSecret, "", CodeTokenUnknown},
		{"a live seat's key, another secret", oneBitOff, a.w.Match, CodeTokenUnknown},
		{"already used", spent, a.w.Match, CodeTokenUsed},
		{"expired", cToken, c.w.Match, CodeTokenExpired},
		{"another match's", a2.w.Resume, c.w.Match, CodeTokenWrongMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.tryDial(DialOptions{Match: tc.match, Resume: tc.token}, nil)
			var je *JoinError
			if !errors.As(err, &je) || je.Msg.Code != tc.want || je.Close != CloseResumeRefused {
				t.Fatalf("err %v, want code %d (%s) and close %d", err, tc.want, tc.want.Reason(), CloseResumeRefused)
			}
			if je.Msg.Reason != tc.want.Reason() {
				t.Fatalf("reason %q, want %q", je.Msg.Reason, tc.want.Reason())
			}
		})
	}
	// Nobody's seat moved: a2 plays on, b saw nothing happen to it, and its
	// live token still resumes.
	a2.waitFor("snapshots", func() bool { return len(a2.snaps) > 3 })
	for _, k := range []game.EventKind{game.EventDisconnect, game.EventLeave} {
		if n := b.count(k, a.w.You); n != 0 {
			t.Errorf("%d %v events for ada", n, k)
		}
	}
	a3 := e.dial(DialOptions{Match: a.w.Match, Resume: a2.w.Resume}, nil)
	if a3.w.You != a.w.You {
		t.Fatalf("live token resumed %d, want %d", a3.w.You, a.w.You)
	}
}

// waitConnections waits until srv has n player connections: the others
// have been torn down, and their seats held or released.
func waitConnections(t *testing.T, srv *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(seatWait)
	for srv.Stats().Connections != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections, want %d", srv.Stats().Connections, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHeldSeatExpires: when the window passes (counted on the match clock)
// the seat is released as a leave is: one `leave`, a bot takes the seat,
// a human can join, and the token is expired.
func TestHeldSeatExpires(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: 3 * time.Second}, game.WorldConfig{MaxPlayers: 2, BotFill: 2})
	link, err := netsim.NewLink(netsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	a := e.dial(DialOptions{Name: "ada"}, link)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	me := a.w.You
	link.Cut()
	b.waitFor("the disconnect", b.hasEvent(game.EventDisconnect, me))
	e.speed.Store(20) // 3 s of match time in a fraction of a second
	b.waitFor("the leave", b.hasEvent(game.EventLeave, me))
	b.waitFor("a bot in the seat", func() bool {
		n := len(b.snaps)
		if n == 0 {
			return false
		}
		s := b.snaps[n-1]
		_, still := s.Player(me)
		bots := 0
		for _, p := range s.Players {
			if p.Flags&game.FlagBot != 0 {
				bots++
			}
		}
		return !still && bots == 1
	})
	if n := b.count(game.EventLeave, me); n != 1 {
		t.Fatalf("%d leave events, want 1", n)
	}
	_, err = e.tryDial(DialOptions{Match: a.w.Match, Resume: a.w.Resume}, nil)
	var je *JoinError
	if !errors.As(err, &je) || je.Msg.Code != CodeTokenExpired {
		t.Fatalf("resume after the window: %v, want token_expired", err)
	}
	c := e.dial(DialOptions{Name: "cy", Match: a.w.Match}, nil) // the seat is free again
	if c.w.You == me {
		t.Fatal("ids are never reused")
	}
}

// TestHowAConnectionEndsDecidesTheSeat: a close 1000 from the client is a
// leave (released at once, no disconnect); a close 1001 (a page going away)
// holds the seat like a drop.
func TestHowAConnectionEndsDecidesTheSeat(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: time.Hour}, game.WorldConfig{MaxPlayers: 4})
	b := e.dial(DialOptions{Name: "bob"}, nil)

	a := e.dial(DialOptions{Name: "ada", Match: b.w.Match}, nil)
	_ = a.c.Close() // 1000 "bye"
	b.waitFor("ada's leave", b.hasEvent(game.EventLeave, a.w.You))
	if n := b.count(game.EventDisconnect, a.w.You); n != 0 {
		t.Fatalf("a leave was held: %d disconnect events", n)
	}

	u := e.dial(DialOptions{Name: "ursula", Match: b.w.Match}, nil)
	body := ws.NewCloseFrameBody(ws.StatusGoingAway, "")
	if err := u.c.SendFrame(ws.OpClose, body); err != nil {
		t.Fatal(err)
	}
	b.waitFor("ursula's disconnect", b.hasEvent(game.EventDisconnect, u.w.You))
	u2 := e.dial(DialOptions{Match: u.w.Match, Resume: u.w.Resume}, nil)
	if u2.w.You != u.w.You {
		t.Fatalf("resumed %d, want %d", u2.w.You, u.w.You)
	}
	b.waitFor("ursula's reconnect", b.hasEvent(game.EventReconnect, u.w.You))
	if n := b.count(game.EventLeave, u.w.You); n != 0 {
		t.Fatal("a page unload released the seat")
	}
}

// TestHoldingOff: with the window negative, a drop leaves at once, as
// before seats were held.
func TestHoldingOff(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: -1}, game.WorldConfig{MaxPlayers: 4})
	link, err := netsim.NewLink(netsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	a := e.dial(DialOptions{Name: "ada"}, link)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	if a.w.ReconnectWindow != 0 {
		t.Fatalf("welcome window %v, want 0", a.w.ReconnectWindow)
	}
	link.Cut()
	b.waitFor("ada's leave", b.hasEvent(game.EventLeave, a.w.You))
	if n := b.count(game.EventDisconnect, a.w.You); n != 0 {
		t.Fatal("held with holding off")
	}
}
