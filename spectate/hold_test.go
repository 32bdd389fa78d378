package spectate

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// TestFeedHeldSeat: a held seat reaches spectators from the match's own
// events and flags (the feed never hears of connections): `disconnect` and
// `reconnect` with the player's id, in order, and the player marked
// "disconnected" in every state while held — with their name, which a hold
// does not forget as a leave does.
func TestFeedHeldSeat(t *testing.T) {
	f := newTestFeed(t, feedSpec{rate: 30})
	tickOne(f, 1)
	f.flush(flushWake)
	sn := f.subscribe(0, false)

	held := func(tick uint32, on bool, events ...game.Event) {
		s := testSnapshot(tick, 2)
		if on {
			s.Players[0].Flags |= game.FlagDisconnected
		}
		for i := range events {
			events[i].Tick = tick
		}
		f.OnTick(s, events)
		f.flush(flushWake)
	}
	id := testSnapshot(1, 2).Players[0].ID
	held(2, true, game.Event{Kind: game.EventDisconnect, Player: id})
	held(3, true)
	held(4, false, game.Event{Kind: game.EventReconnect, Player: id})

	evs, _ := queued(t, sn.sub)
	if got, want := names(t, evs), []string{"disconnect#2", "state#3", "state#4", "reconnect#5", "state#6"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for _, i := range []int{0, 3} {
		var e wireID
		if err := json.Unmarshal([]byte(evs[i].Data), &e); err != nil || e.ID != int(id) || e.Tick != uint32(2+2*(i/3)) {
			t.Fatalf("%s data %s: %+v %v", evs[i].Event, evs[i].Data, e, err)
		}
	}
	for i, want := range map[int]bool{1: true, 2: true, 4: false} {
		var s wireState
		if err := json.Unmarshal([]byte(evs[i].Data), &s); err != nil {
			t.Fatal(err)
		}
		p := s.Players[0]
		if p.Disconnected != want || p.Name == "" || s.Players[1].Disconnected {
			t.Errorf("state %d: player %+v, want disconnected %v and a name", i, p, want)
		}
	}
}
