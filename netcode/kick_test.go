package netcode

import (
	"errors"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// TestKick: a kicked player's connection gets close 4010, everyone else
// sees them leave, their token is expired (not resumable), and a second
// kick finds no seat. A held seat is kicked too: released at once, not at
// the end of the window.
func TestKick(t *testing.T) {
	e := newSeatEnv(t, Config{ReconnectWindow: time.Hour}, game.WorldConfig{MaxPlayers: 4})
	link, err := netsim.NewLink(netsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	a := e.dial(DialOptions{Name: "ada"}, nil)
	b := e.dial(DialOptions{Name: "bob"}, nil)
	c := e.dial(DialOptions{Name: "cy"}, link)
	if a.w.Match != b.w.Match || b.w.Match != c.w.Match {
		t.Fatalf("not one match: %s %s %s", a.w.Match, b.w.Match, c.w.Match)
	}

	if err := e.srv.Kick(a.w.Match, a.w.You); err != nil {
		t.Fatal(err)
	}
	if code := a.closed(); code != CloseKicked {
		t.Fatalf("the kicked player's connection closed with %d, want %d", code, CloseKicked)
	}
	b.waitFor("ada's leave", b.hasEvent(game.EventLeave, a.w.You))
	if n := b.count(game.EventDisconnect, a.w.You); n != 0 {
		t.Fatalf("%d disconnect events for a kicked player: the seat was held, not released", n)
	}
	_, err = e.tryDial(DialOptions{Match: a.w.Match, Resume: a.w.Resume}, nil)
	var je *JoinError
	if !errors.As(err, &je) || je.Msg.Code != CodeTokenExpired {
		t.Fatalf("resume after a kick: %v, want token_expired", err)
	}
	if err := e.srv.Kick(a.w.Match, a.w.You); !errors.Is(err, ErrNoSeat) {
		t.Fatalf("second kick: %v, want ErrNoSeat", err)
	}
	if err := e.srv.Kick("no-such-match", b.w.You); !errors.Is(err, ErrNoSeat) {
		t.Fatalf("kick in another match: %v, want ErrNoSeat", err)
	}

	// A held seat (its connection cut) is released by the kick, long before
	// its hour-long window ends.
	link.Cut()
	b.waitFor("cy's disconnect", b.hasEvent(game.EventDisconnect, c.w.You))
	if err := e.srv.Kick(c.w.Match, c.w.You); err != nil {
		t.Fatal(err)
	}
	b.waitFor("cy's leave", b.hasEvent(game.EventLeave, c.w.You))
	_, err = e.tryDial(DialOptions{Match: c.w.Match, Resume: c.w.Resume}, nil)
	if !errors.As(err, &je) || je.Msg.Code != CodeTokenExpired {
		t.Fatalf("resume of a kicked held seat: %v, want token_expired", err)
	}
	// bob plays on.
	n := b.count(game.EventLeave, b.w.You)
	if n != 0 {
		t.Fatalf("bob left")
	}
}
