package main

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// feelSynth describes a synthetic recording: your player shuttles along
// the open lane y = 600 (D or A held 2 s of every 4, at top speed from the
// press-th frame computed after the key), a remote player runs at top
// speed, frames come every display interval, snapshots at 20 Hz. Each
// field puts in a fault.
type feelSynth struct {
	pressFrames int                 // the frame after the key your player moves in (default 1)
	leadMs      float64             // how far ahead of the server your player is drawn
	slack       int                 // the server's input clock advice for your player (ms, inputSlack)
	oneWayMs    float64             // the link's delay, for the lead budget
	wobble      func(i int) float64 // your player drawn this far (units) ahead of its path at frame i, when moving
	frameMs     func(i int) float64 // the duration of frame i (default synthFrameMs)
	remoteStep  func(i int) float64 // the remote's step at frame i is ×(1 + this)
	corrections map[int]float64     // snapshot n's correction (units)
	stallAt     []int               // snapshot n and those of the next 250 ms arrive together, late
	atWall      bool                // your player runs along the top wall, half a unit from it
	stalled     []feelStall         // the watchdog's late wake-ups
	netStalls   bool                // the link is said to stall
	computedMs  float64             // how long after its time each frame is computed (default 1)
}

const (
	synthFrameMs  = 1000.0 / 60
	synthSeconds  = 40.0
	synthTickMs   = 1000.0 / 30
	synthRemoteID = 2
)

func (s feelSynth) record() *feelRecording {
	const you = 1
	y := 600.0
	if s.atWall {
		y = 32 + game.PlayerRadius + 0.5
	}
	rec := &feelRecording{You: you, PxPerUnit: 0.5, TickMs: synthTickMs, OneWayMs: s.oneWayMs, From: 2000, To: synthSeconds * 1000}
	const cycle, down, up = 4000.0, 500.0, 2500.0
	for c := 0.0; c < synthSeconds*1000; c += cycle {
		code := map[bool]string{true: "KeyD", false: "KeyA"}[int(c/cycle)%2 == 0]
		rec.Keys = append(rec.Keys, feelKey{T: c + down, Code: code, Down: true}, feelKey{T: c + up, Code: code, Down: false})
	}
	var ts []float64
	for i, t := 0, 0.0; t < synthSeconds*1000; i++ {
		ts = append(ts, t)
		if s.frameMs != nil {
			t += s.frameMs(i)
		} else {
			t += synthFrameMs
		}
	}
	// Your player starts moving 5 ms before the press-th frame computed
	// (at t + 1) after each key.
	press := max(s.pressFrames, 1)
	var starts []float64
	for c := 0.0; c < synthSeconds*1000; c += cycle {
		i, _ := slices.BinarySearch(ts, c+down-1+1e-9)
		starts = append(starts, ts[min(i+press-1, len(ts)-1)]-5)
	}
	// path is where your player is at time t: from x = 400, right then left.
	path := func(t float64) float64 {
		x := 400.0
		for k, from := range starts {
			dir := map[bool]float64{true: 1, false: -1}[k%2 == 0]
			if t > from {
				x += dir * game.MaxSpeed * (math.Min(t, float64(k)*cycle+up) - from) / 1000
			}
		}
		return x
	}
	r := 0.0
	for i, t := range ts {
		x := path(t)
		if s.wobble != nil && path(t-1) != x {
			x += s.wobble(i)
		}
		if i > 0 {
			step := game.MaxSpeed * (t - ts[i-1]) / 1000
			if s.remoteStep != nil {
				step *= 1 + s.remoteStep(i)
			}
			r += step
		}
		rec.Frames = append(rec.Frames, feelFrame{T: t, At: t + max(s.computedMs, 1), RenderTime: t - 100,
			Players: []feelPos{{ID: you, X: x, Y: y}, {ID: synthRemoteID, X: r, Y: 400}}})
	}
	// The server's snapshots (your player where it was drawn lead ms
	// before) arrive at the page one way later, or together at the end
	// of a stall.
	release := 0.0
	for n, tick := 0, 3; float64(tick)*synthTickMs < synthSeconds*1000; n, tick = n+1, tick+1+n%2 {
		st := float64(tick) * synthTickMs
		if slices.Contains(s.stallAt, n) {
			release = st + 250
		}
		arrive := math.Max(st, release)
		x := path(st - s.leadMs)
		vx := (path(st-s.leadMs+1) - x) * 1000
		// The server's own snapshots reach the test at once (straight from
		// the server, as the remote human's do); the page's, after the stall.
		rec.Server = append(rec.Server, feelSnap{At: st, Tick: tick, Players: []feelState{
			{ID: you, X: x, Y: y, VX: vx, Alive: true, Slack: s.slack},
			{ID: synthRemoteID, X: game.MaxSpeed * st / 1000, Y: 400, VX: game.MaxSpeed, Alive: true},
		}})
		rec.Reconciled = append(rec.Reconciled, feelReconciliation{T: arrive + s.oneWayMs, Tick: tick,
			Error: s.corrections[n] + 0.05, Predicting: true, Server: feelXY{x, y}})
	}
	rec.Stalled, rec.NetStalls = s.stalled, s.netStalls
	return rec
}

// TestFeelMeasures: every measure passes a good synthetic recording and
// fails the fault it exists to find; the machine's disturbances are left
// out, and too many of them leave too little to judge.
func TestFeelMeasures(t *testing.T) {
	m := feelMap(t)
	// every(n, f) is f at every n-th frame, else 0.
	every := func(n int, f float64) func(int) float64 {
		return func(i int) float64 {
			if i%n == n-1 {
				return f
			}
			return 0
		}
	}
	tests := []struct {
		name  string
		synth feelSynth
		want  []string // substrings of the shortfalls, then the violations; none for a pass
	}{
		{name: "good", synth: feelSynth{}},
		{name: "a key shows in the second frame", synth: feelSynth{pressFrames: 2}},
		{name: "a key shows in the third frame", synth: feelSynth{pressFrames: 3}, want: []string{"key press: moved 0.5 units only after 3 frames"}},
		{name: "frames computed 10 ms late are not judged for a key", synth: feelSynth{pressFrames: 3, computedMs: 10},
			want: []string{"key press: 0 presses judged (9 left out)"}},
		{name: "a correction of 1.2 units", synth: feelSynth{corrections: map[int]float64{300: 1.15}}, want: []string{"corrections: 1.20 units"}},
		{name: "a correction of 1.2 units after a stall", synth: feelSynth{corrections: map[int]float64{305: 1.15}, stallAt: []int{300}}},
		{name: "a correction of 2.2 units after a stall", synth: feelSynth{corrections: map[int]float64{305: 2.15}, stallAt: []int{300}},
			want: []string{"corrections: 2.20 units"}},
		// Snapshot n is sent at 100 + 50n ms; keys change at 500 and 2500 ms of every 4 s.
		{name: "stalls while the keys change", synth: feelSynth{netStalls: true, stallAt: []int{45, 85, 125, 165, 205}}},
		{name: "stalls while the keys do not change", synth: feelSynth{netStalls: true, stallAt: []int{60, 100, 140, 180}},
			want: []string{"corrections: 0 key changes while a stall held inputs up (4 stalls), want at least 3"}},
		{name: "running along a wall", synth: feelSynth{atWall: true, corrections: map[int]float64{300: 5}},
			want: []string{"corrections: 0 snapshots judged", "even motion: 0 top-speed frames", "ahead of the server: 0 top-speed frames"}},
		{name: "judder: steps alternately 1 unit longer and shorter", synth: feelSynth{wobble: every(2, 0.5)}, want: []string{"even motion: 0.0%"}},
		{name: "one frame in 120 drawn 1 unit off", synth: feelSynth{wobble: every(120, 1)}},
		{name: "one frame in 60 drawn 1 unit off", synth: feelSynth{wobble: every(60, 1)}, want: []string{"even motion: 96."}},
		{name: "a step backwards", synth: feelSynth{wobble: every(1000, -5)}, want: []string{"1 backwards"}},
		{name: "60 ms frames: steps scaled to their duration", synth: feelSynth{frameMs: func(i int) float64 {
			return synthFrameMs + every(30, 60-synthFrameMs)(i)
		}}},
		{name: "a remote frozen one frame in 40", synth: feelSynth{remoteStep: every(40, -1)}, want: []string{"frames at speed frozen (2.5"}},
		{name: "a remote frozen one frame in 60", synth: feelSynth{remoteStep: every(60, -1)}},
		{name: "a remote jumps 3.5 steps", synth: feelSynth{remoteStep: every(900, 2.5)}, want: []string{"remote players: a jump of 3.5×"}},
		{name: "drawn 105 ms ahead at 75 ms", synth: feelSynth{leadMs: 105, oneWayMs: 75}},
		{name: "drawn 115 ms ahead at 75 ms", synth: feelSynth{leadMs: 115, oneWayMs: 75}, want: []string{"ahead of the server: drawn 115.0 ms ahead"}},
		{name: "the machine busy all along", synth: feelSynth{stalled: []feelStall{{From: 0, To: synthSeconds * 1000}}},
			want: []string{"corrections: 0 snapshots judged", "even motion: 0 top-speed", "remote players: 0 frames"}},
		{name: "drawn 115 ms ahead at 75 ms, the server reporting inputs 10 ms late", synth: feelSynth{leadMs: 115, oneWayMs: 75, slack: -10}},
		{name: "drawn 125 ms ahead at 75 ms, the server reporting inputs 10 ms late", synth: feelSynth{leadMs: 125, oneWayMs: 75, slack: -10},
			want: []string{"ahead of the server: drawn 115.0 ms ahead net of the server's advice"}},
		{name: "drawn 125 ms ahead at 75 ms, the server reporting inputs 10 ms early", synth: feelSynth{leadMs: 125, oneWayMs: 75, slack: 10},
			want: []string{"ahead of the server: drawn 125.0 ms ahead net of the server's advice"}},
		{name: "drawn 115 ms ahead at 75 ms while the machine is busy", synth: feelSynth{leadMs: 115, oneWayMs: 75, frameMs: func(i int) float64 {
			return synthFrameMs + every(30, 60-synthFrameMs)(i)
		}}, want: []string{"ahead of the server: drawn 115.0 ms ahead"}},
		{name: "the machine busy now and then", synth: feelSynth{leadMs: 100, oneWayMs: 75,
			stalled: []feelStall{{From: 5000, To: 5030}, {From: 15000, To: 15300}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := measureFeel(tt.synth.record(), m)
			if err != nil {
				t.Fatal(err)
			}
			got := append(rep.shortfalls(), rep.violations()...)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d complaints, want %d:\n%s\nreport:\n%s", len(got), len(tt.want), strings.Join(got, "\n"), rep)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("complaint %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

// TestFeelClearRun: how far a player can go before its circle nears a wall.
func TestFeelClearRun(t *testing.T) {
	m := feelMap(t)
	tests := []struct {
		name         string
		x, y, dx, dy float64
		want         float64
	}{
		{"the open lane to the right edge", 100, 600, 1, 0, 1600 - 32 - 16 - 4 - 100},
		{"up to the top wall", 100, 600, 0, -1, 600 - 32 - 16 - 4},
		{"left into a block", 1300, 500, -1, 0, 1300 - 1120 - 20},
		{"already touching", 48, 600, -1, 0, 0},
	}
	for _, tt := range tests {
		if got := feelClearRun(m, tt.x, tt.y, tt.dx, tt.dy, 4); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %.2f, want %.2f", tt.name, got, tt.want)
		}
	}
	if g := feelWallGap(m, 100, 600); math.Abs(g-(100-32-16)) > 1e-9 {
		t.Errorf("wall gap at (100, 600) = %.2f, want %.2f", g, 100.0-32-16)
	}
}
