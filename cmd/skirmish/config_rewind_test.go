package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// --max-rewind (SKIRMISH_MAX_REWIND): how far back lag compensation judges
// a shot; 0 turns it off.
func TestMaxRewindFlag(t *testing.T) {
	noEnv := func(string) string { return "" }
	c, err := parseServeConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(game.DefaultMaxRewind * float64(time.Second)); c.MaxRewind != want || want != 200*time.Millisecond {
		t.Fatalf("default --max-rewind %v, want the package's %v (200ms)", c.MaxRewind, want)
	}
	for _, tt := range []struct {
		args    []string
		env     string
		want    time.Duration
		wantErr string
	}{
		{args: []string{"--max-rewind", "0"}, want: 0},
		{args: []string{"--max-rewind", "350ms"}, want: 350 * time.Millisecond},
		{args: []string{"--max-rewind", "1s"}, want: time.Second},
		{env: "0s", want: 0},
		{args: []string{"--max-rewind", "100ms"}, env: "0s", want: 100 * time.Millisecond},
		{args: []string{"--max-rewind", "-1ms"}, wantErr: "--max-rewind -1ms: want 0s to 1s"},
		{args: []string{"--max-rewind", "1001ms"}, wantErr: "--max-rewind 1.001s: want 0s to 1s"},
		{env: "soon", wantErr: "SKIRMISH_MAX_REWIND"},
	} {
		getenv := func(k string) string {
			if k == "SKIRMISH_MAX_REWIND" {
				return tt.env
			}
			return ""
		}
		c, err := parseServeConfig(tt.args, getenv, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v env %q: err %v, want %q", tt.args, tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.MaxRewind != tt.want {
			t.Errorf("%v env %q: --max-rewind %v (%v), want %v", tt.args, tt.env, c.MaxRewind, err, tt.want)
		}
	}
}

// The flag reaches the World in ticks at the tick rate, fractions kept, and
// every value the flag accepts is one the World accepts.
func TestMaxRewindTicks(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		rate int
		want float64
	}{
		{200 * time.Millisecond, 30, 6}, {200 * time.Millisecond, 64, 12.8}, {0, 30, 0}, {time.Second, 128, 128},
	} {
		if got := maxRewindTicks(tt.d, tt.rate); got != tt.want {
			t.Errorf("maxRewindTicks(%v, %d) = %v, want %v", tt.d, tt.rate, got, tt.want)
		}
	}
	m := &game.Map{ID: "m", Width: 200, Height: 200, Spawns: []game.Point{{X: 100, Y: 100}}}
	for _, rate := range []int{game.TickRates.Min, 30, game.TickRates.Max} {
		for _, d := range []time.Duration{maxRewinds.min, maxRewinds.max} {
			if _, err := game.NewWorld(game.WorldConfig{Map: m, TickRate: rate, MaxRewind: maxRewindTicks(d, rate)}); err != nil {
				t.Errorf("--max-rewind %v at %d Hz: the World refuses it: %v", d, rate, err)
			}
		}
	}
}
