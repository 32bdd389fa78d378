package game

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// arena loads the shipped arena map.
func arena(tb testing.TB) *Map {
	tb.Helper()
	data, err := os.ReadFile("../assets/maps/arena.json")
	if err != nil {
		tb.Fatal(err)
	}
	m, err := ParseMap(data)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// boxMap is a plain 1000×1000 room with a 20-unit border and optional
// extra walls, for tests that need exact geometry.
func boxMap(walls ...Rect) *Map {
	m := &Map{
		ID: "box", Name: "Box", Width: 1000, Height: 1000,
		Walls: []Rect{
			{X: 0, Y: 0, W: 1000, H: 20}, {X: 0, Y: 980, W: 1000, H: 20},
			{X: 0, Y: 20, W: 20, H: 960}, {X: 980, Y: 20, W: 20, H: 960},
		},
		Spawns: []Point{{X: 100, Y: 100}, {X: 900, Y: 900}, {X: 900, Y: 100}, {X: 100, Y: 900}},
	}
	m.Walls = append(m.Walls, walls...)
	return m
}
