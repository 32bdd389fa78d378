package match

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/skirmish-game/skirmish/game"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// boxMap is a plain 1000×1000 room with a 20-unit border, four spawns and
// optional extra walls.
func boxMap(walls ...game.Rect) *game.Map {
	m := &game.Map{
		ID: "box", Name: "Box", Width: 1000, Height: 1000,
		Walls: []game.Rect{
			{X: 0, Y: 0, W: 1000, H: 20}, {X: 0, Y: 980, W: 1000, H: 20},
			{X: 0, Y: 20, W: 20, H: 960}, {X: 980, Y: 20, W: 20, H: 960},
		},
		Spawns: []game.Point{{X: 100, Y: 100}, {X: 900, Y: 900}, {X: 900, Y: 100}, {X: 100, Y: 900}},
	}
	m.Walls = append(m.Walls, walls...)
	return m
}

func countKind(evs []game.Event, k game.EventKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func findEvent(evs []game.Event, k game.EventKind) (game.Event, bool) {
	for _, e := range evs {
		if e.Kind == k {
			return e, true
		}
	}
	return game.Event{}, false
}
