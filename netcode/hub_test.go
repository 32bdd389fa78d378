package netcode

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"testing"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// hubFixture is a Server and a joining connection on an in-memory pipe, for
// driving hubs by hand; nothing runs on its own.
func hubFixture(t *testing.T) (*Server, *conn) {
	t.Helper()
	srv, _ := benchServer(t)
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return srv, newConn(srv, a, bufio.NewReader(a), "joiner")
}

func idleMatch(t *testing.T, id string) *match.Match {
	t.Helper()
	m, err := game.ParseMap([]byte(testMapJSON))
	if err != nil {
		t.Fatal(err)
	}
	match, err := match.New(match.Config{ID: id, World: game.WorldConfig{Map: m}, Clock: clock.System{}, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	return match
}

// frameTick decodes a hub frame (events or snapshot) and returns its tick.
func frameTick(t *testing.T, frame []byte) uint32 {
	t.Helper()
	f, err := ws.ReadFrame(bytes.NewReader(frame))
	if err != nil {
		t.Fatalf("frame % x: %v", frame, err)
	}
	m, err := NewDecoder().DecodeServer(f.Payload)
	if err != nil {
		t.Fatalf("frame % x: %v", frame, err)
	}
	switch m := m.(type) {
	case *Events:
		return m.Tick
	case *Snapshot:
		return m.Tick
	}
	t.Fatalf("frame is a %T, not a hub frame", m)
	return 0
}

// Quick play retries elsewhere when a join fails (the match filled up or
// ended). A connection that has left match A's hub for match B's must get
// nothing more from A: not the frames of an A tick whose OnTick loaded the
// hub's connection list before the connection left, and not A's close when
// A stops. (Otherwise a player in B sees A's players for a frame, or A's end
// event, or is closed with 4005 before B has even seated them.)
func TestHubFramesDoNotReachAConnectionThatMovedOn(t *testing.T) {
	srv, c := hubFixture(t)
	matchA, matchB := idleMatch(t, "a"), idleMatch(t, "b")

	hA := srv.attach(matchA, c)
	inFlight := hA.conns.Load() // what an OnTick of A already under way holds
	c.out.release(nil, 0)       // the join to A failed
	srv.detach(hA, c)
	hB := srv.attach(matchB, c)
	defer srv.detach(hB, c)

	// A's OnTick and OnStop, still running with the list they loaded
	// (hA has no encoder goroutine any more: the test encodes).
	hA.conns.Store(inFlight)
	hA.q.closed = false
	hA.OnTick(&game.Snapshot{Tick: 50}, []game.Event{{Tick: 50, Kind: game.EventEnd}})
	hA.OnStop(game.EndTimeLimit)
	hA.drain()
	if code, mode := c.closeState(); mode != 0 {
		t.Fatalf("match A's stop closed a connection joining match B (code %d)", code)
	}

	// A joining connection gets B's events; its first snapshot comes after
	// its welcome, planned for its seat (it has none yet).
	hB.OnTick(&game.Snapshot{Tick: 11}, []game.Event{{Tick: 11, Kind: game.EventJoin, Player: 1, Name: "b"}})
	hB.drain()
	c.out.release([]byte("welcome"), 10)
	got := c.out.take(nil)
	if len(got) != 2 || string(got[0].frame) != "welcome" {
		t.Fatalf("took %d frames (%q first), want the welcome and B's events of tick 11", len(got), got[0].frame)
	}
	for _, e := range got[1:] {
		if tick := frameTick(t, e.frame); tick != 11 {
			t.Fatalf("a frame of tick %d reached the connection: match A's, not B's", tick)
		}
	}
}

// Subscribing to a match that has already stopped calls OnStop at once. The
// connection being attached is only joining: its Join fails with
// ErrMatchStopped and quick play tries another match, so the stop must not
// close it.
func TestHubStopLeavesJoiningConnectionToItsJoin(t *testing.T) {
	srv, c := hubFixture(t)
	m := idleMatch(t, "stopped")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}

	h := srv.attach(m, c) // OnStop runs here
	if code, mode := c.closeState(); mode != 0 {
		t.Fatalf("attaching to a stopped match closed the joining connection with %d", code)
	}
	if _, err := m.Join(context.Background(), "late"); !errors.Is(err, match.ErrStopped) {
		t.Fatalf("Join: %v, want ErrMatchStopped", err)
	}
	c.out.release(nil, 0)
	srv.detach(h, c)
}
