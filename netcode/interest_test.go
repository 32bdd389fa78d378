package netcode

import (
	"errors"
	"math"
	"testing"
)

// The interest rectangle follows the camera rule of PROTOCOL.md §4: a map
// within the view box is whole whatever the declared view; on a larger one
// the view is centred on the player and kept inside the map; the margin
// grows it on every side.
func TestViewAround(t *testing.T) {
	box := View{Width: ViewBoxWidth, Height: ViewBoxHeight}
	tests := []struct {
		name       string
		v          View
		mapW, mapH float64
		x, y       float64
		margin     float64
		want       viewRect
	}{
		{"arena: the whole map", box, 1600, 1000, 100, 100, 0, viewRect{0, 0, 1600, 1000}},
		{"arena: a declared small view changes nothing", View{Width: 400, Height: 400}, 1600, 1000, 100, 100, 10, viewRect{-10, -10, 1610, 1010}},
		{"crossroads: centred on the player", box, 3200, 2000, 1600, 1000, 0, viewRect{800, 500, 2400, 1500}},
		{"crossroads: kept inside the map", box, 3200, 2000, 10, 1990, 256, viewRect{-256, 1000 - 256, 1600 + 256, 2000 + 256}},
		{"crossroads: a declared smaller view", View{Width: 800, Height: 1000}, 3200, 2000, 1600, 1000, 0, viewRect{1200, 500, 2000, 1500}},
		{"a map shorter than the view on one axis: its middle", box, 3200, 800, 3000, 700, 0, viewRect{1600, -100, 3200, 900}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := viewAround(tc.v, tc.mapW, tc.mapH, tc.x, tc.y, tc.margin); got != tc.want {
				t.Fatalf("viewAround = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A declared view is clamped to 320 up to the view box; anything but
// positive finite sizes is refused.
func TestClampView(t *testing.T) {
	tests := []struct {
		in   View
		want View
		err  bool
	}{
		{View{Width: 1920, Height: 1080}, View{Width: ViewBoxWidth, Height: ViewBoxHeight}, false},
		{View{Width: 4096, Height: 4096}, View{Width: ViewBoxWidth, Height: ViewBoxHeight}, false},
		{View{Width: 100, Height: 900}, View{Width: MinViewSize, Height: 900}, false},
		{View{Width: 0, Height: 900}, View{}, true},
		{View{Width: -5, Height: 900}, View{}, true},
		{View{Width: math.NaN(), Height: 900}, View{}, true},
		{View{Width: 900, Height: math.Inf(1)}, View{}, true},
	}
	for _, tc := range tests {
		got, err := clampView(tc.in)
		if tc.err != (err != nil) || tc.err && !errors.Is(err, errBadView) || got != tc.want {
			t.Errorf("clampView(%+v) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
