package main

// A play-feel recording (feel_test.go makes one, feel_measure_test.go
// judges it) and what every measure shares: the judged window's frames,
// the display interval, when the machine held things up, when your player
// was not predicted, the network's stalls, and the arena's walls.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
)

// Frame, snapshot and reconciliation as the page records them (debug.ts).
type (
	feelXY struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	feelPos struct {
		ID int     `json:"id"`
		X  float64 `json:"x"`
		Y  float64 `json:"y"`
	}
	feelFrame struct {
		T          float64   `json:"t"`  // requestAnimationFrame timestamp: drawn for this time
		At         float64   `json:"at"` // computed at this time
		RenderTime float64   `json:"renderTime"`
		Players    []feelPos `json:"players"`
	}
	feelReconciliation struct {
		T           float64 `json:"t"`
		Tick        int     `json:"tick"`
		Error       float64 `json:"error"`
		Predicting  bool    `json:"predicting"`
		Snapped     bool    `json:"snapped"`
		Provisional bool    `json:"provisional"`
		Server      feelXY  `json:"server"`
		Before      *feelXY `json:"before"`
		After       *feelXY `json:"after"`
	}
	feelKey struct {
		T    float64 `json:"t"`
		Code string  `json:"code"`
		Down bool    `json:"down"`
	}
	// feelSnap is one snapshot as the server sent it, received straight
	// from the server (no netsim) by the scripted remote human.
	feelSnap struct {
		At      float64 // arrival, page clock
		Tick    int
		Players []feelState
	}
	feelState struct {
		ID           int
		X, Y, VX, VY float64
		Alive        bool
		Health       int
		// The server's input clock figures for the player (for diagnosis).
		Slack, Skipped, Awaited int
	}
	// feelStall is a span (page clock, ms) the test's process was held up.
	feelStall struct{ From, To float64 }
)

// feelRecording is one scripted session.
type feelRecording struct {
	You       int
	PxPerUnit float64 // CSS px per world unit in the test's window
	TickMs    float64 // one server tick
	OneWayMs  float64 // the link's one-way delay (0: direct)
	// LinkWorstMs is the longest the link holds a message (ms): its delay,
	// jitter and stall (0: direct). Longer is the machine's doing.
	LinkWorstMs float64
	NetStalls   bool    // the link stalls now and then (netsim --stall)
	From, To    float64 // the judged window
	Frames      []feelFrame
	Reconciled  []feelReconciliation
	Keys        []feelKey
	Server      []feelSnap
	Stalled     []feelStall // the watchdog's late wake-ups
}

type feelSpan struct{ from, to float64 }

type feelSpans []feelSpan

func (s feelSpans) contains(t float64) bool { return s.overlaps(t, t) }

func (s feelSpans) overlaps(from, to float64) bool {
	for _, x := range s {
		if from <= x.to && to >= x.from {
			return true
		}
	}
	return false
}

// feelMoveKeys maps a movement key to its direction (world units, y down).
var feelMoveKeys = map[string][2]float64{"KeyD": {1, 0}, "KeyA": {-1, 0}, "KeyS": {0, 1}, "KeyW": {0, -1}}

// feelTimeline is a recording with what every measure shares worked out.
type feelTimeline struct {
	rec       *feelRecording
	m         *game.Map
	frames    []feelFrame // the window's frames, and the one before
	displayMs float64     // the median frame duration
	// Machine disturbances: the spans not judged.
	calm                        feelSpans
	late                        int         // feelLate's spans in the window
	slipList                    []feelStall // the server's clock slips (feelSlips)
	longFrames, watchdog, slips int
	ownOff                      feelSpans // your player not predicted (dead, respawning, snapped), padded
	stalls                      feelSpans // from a long snapshot gap's start to feelAfterStallMs after its end
	stallCount                  int
	gaps                        feelSpans // the stalls in the window, from the last snapshot before to the first after
}

func newFeelTimeline(rec *feelRecording, m *game.Map) (*feelTimeline, error) {
	tl := &feelTimeline{rec: rec, m: m}
	for i, f := range rec.Frames {
		if f.T >= rec.From && f.T <= rec.To {
			if len(tl.frames) == 0 && i > 0 {
				tl.frames = append(tl.frames, rec.Frames[i-1])
			}
			tl.frames = append(tl.frames, f)
		}
	}
	if len(tl.frames) < 100 {
		return nil, fmt.Errorf("%d frames drawn in the window, want at least 100", len(tl.frames))
	}
	dts := make([]float64, 0, len(tl.frames))
	for i := 1; i < len(tl.frames); i++ {
		dts = append(dts, tl.frames[i].T-tl.frames[i-1].T)
	}
	tl.displayMs = feelMedian(dts)
	// Disturbances close together are one: the machine lost what they lost.
	type disturbance struct{ from, to, lost float64 }
	var ds []disturbance
	for i := 1; i < len(rec.Frames); i++ {
		a, b := rec.Frames[i-1], rec.Frames[i]
		if b.T-a.T > feelLongFrame*tl.displayMs {
			ds = append(ds, disturbance{a.T, b.T, b.T - a.T - tl.displayMs})
			if tl.inWindow(b.T) {
				tl.longFrames++
			}
		}
	}
	for _, s := range rec.Stalled {
		if s.To-s.From >= feelWatchdogLateMs {
			ds = append(ds, disturbance{s.From, s.To, s.To - s.From})
			if tl.inWindow(s.To) {
				tl.watchdog++
			}
		}
	}
	slices.SortFunc(ds, func(a, b disturbance) int { return cmp.Compare(a.from, b.from) })
	for i := 0; i < len(ds); {
		d := ds[i]
		for i++; i < len(ds) && ds[i].from-d.to < feelClusterMs; i++ {
			d.to, d.lost = math.Max(d.to, ds[i].to), d.lost+ds[i].lost
		}
		if d.lost >= feelStarvedMs {
			tl.calm = append(tl.calm, feelSpan{d.from, d.to + feelCalmMs})
		}
	}
	slips := feelSlips(rec)
	tl.slipList = slips
	tl.calm = append(tl.calm, feelClockLost(rec, slips)...)
	for _, s := range slips {
		tl.calm = append(tl.calm, feelSpan{s.From, s.From + feelCalmMs + feelSlipCalm*(s.To-s.From)})
		if tl.inWindow(s.From) {
			tl.slips++
		}
	}
	late := feelLate(rec)
	tl.calm = append(tl.calm, late...)
	for _, l := range late {
		if tl.inWindow(l.from) {
			tl.late++
		}
	}
	// Your player is not predicted from a snapshot that was not a plain
	// reconciliation until the next one that is.
	off := math.NaN()
	for _, r := range rec.Reconciled {
		plain := r.Predicting && !r.Snapped
		switch {
		case !plain && math.IsNaN(off):
			off = r.T
		case plain && !math.IsNaN(off):
			tl.ownOff = append(tl.ownOff, feelSpan{off - 200, r.T + 200})
			off = math.NaN()
		}
	}
	if !math.IsNaN(off) {
		tl.ownOff = append(tl.ownOff, feelSpan{off - 200, math.Inf(1)})
	}
	for i := 1; i < len(rec.Reconciled); i++ {
		a, b := rec.Reconciled[i-1], rec.Reconciled[i]
		if b.T-a.T >= feelStallGapMs {
			tl.stalls = append(tl.stalls, feelSpan{a.T, b.T + feelAfterStallMs})
			if tl.inWindow(b.T) {
				tl.stallCount++
				tl.gaps = append(tl.gaps, feelSpan{a.T, b.T})
			}
		}
	}
	return tl, nil
}

// feelSlips finds where the server's fixed-step clock fell behind (a match
// starved past its catch-up cap drops ticks): the least arrival − tick ×
// TickMs of the snapshots the remote human received rose by over
// feelSlipMs from the second before one snapshot to the second from it.
// Each slip is a span from where it happened, as long as the slip.
func feelSlips(rec *feelRecording) []feelStall {
	snaps := rec.Server
	base := func(i int) float64 { return snaps[i].At - float64(snaps[i].Tick)*rec.TickMs }
	var slips []feelStall
	lo := 0
	for i := range snaps {
		for snaps[lo].At < snaps[i].At-1000 {
			lo++
		}
		before, after := math.Inf(1), math.Inf(1)
		for j := lo; j < i; j++ {
			before = math.Min(before, base(j))
		}
		for j := i; j < len(snaps) && snaps[j].At <= snaps[i].At+1000; j++ {
			after = math.Min(after, base(j))
		}
		if d := after - before; d > feelSlipMs && !math.IsInf(d, 0) {
			if n := len(slips); n > 0 && slips[n-1].From >= snaps[i].At-1000 {
				continue // the same slip, seen from the next snapshot
			}
			slips = append(slips, feelStall{From: snaps[i].At, To: snaps[i].At + d})
		}
	}
	return slips
}

// feelClockLost finds where the page lost the server's clock because the
// server's own clock slipped: the page's estimate follows a later server
// clock at 2 ms a second (net/interpolation ServerClock), so slips add up;
// its jitter margin rides out up to 500 ms of them, and past a second it
// resyncs after 2 s, jumping its render clock (the render time of a frame
// moving feelResyncMs more or less than the frame lasted). A resync with
// slips in the feelClockLostMs before it is the machine's doing (it
// starved the server of seconds of ticks): nothing is judged from the
// first of those slips to feelCalmMs after the resync. A resync without
// slips before it is judged like any frame.
func feelClockLost(rec *feelRecording, slips []feelStall) feelSpans {
	var lost feelSpans
	for i := 1; i < len(rec.Frames); i++ {
		a, b := rec.Frames[i-1], rec.Frames[i]
		if math.Abs((b.RenderTime-a.RenderTime)-(b.T-a.T)) <= feelResyncMs || a.RenderTime == 0 {
			continue
		}
		for _, s := range slips {
			if s.From <= b.T && s.From >= b.T-feelClockLostMs {
				lost = append(lost, feelSpan{s.From, b.T + feelCalmMs})
				break
			}
		}
	}
	return lost
}

// feelLate finds where the server saw the machine's hand, on its own
// clock, in what the test received straight from it:
//   - a tick it produced feelStarvedMs or more late (the remote human got
//     its snapshot that much after the least arrival − tick × TickMs of the
//     2 s around it): a starved match catching up. Snapshots reach the
//     page late too, which the page cannot tell from a longer path; it is
//     given feelCalmMs + feelSlipCalm × the lateness, as a slip is.
//   - your inputs arriving feelStarvedMs or more late by the server's
//     advice (inputSlack ≤ −feelStarvedMs). The link's jitter is ±15 ms
//     and a stall's held-up inputs are left out of the advice as an outage
//     (PROTOCOL.md §1.4), so only the machine holds inputs up that long.
//     A client that follows the advice runs that much ahead until its
//     steering has taken it back (feelAdviceMs + x / feelSteerRate), and
//     one far ahead overfills the server's input buffer when a stall's
//     held-up inputs arrive at once (a skipped input, a correction).
func feelLate(rec *feelRecording) feelSpans {
	var late feelSpans
	snaps := rec.Server
	j0 := 0
	for i, s := range snaps {
		base := math.Inf(1)
		for j0 < i && snaps[j0].At < s.At-2000 {
			j0++
		}
		for j := j0; j < len(snaps) && snaps[j].At <= s.At+2000; j++ {
			base = math.Min(base, snaps[j].At-float64(snaps[j].Tick)*rec.TickMs)
		}
		if l := s.At - float64(s.Tick)*rec.TickMs - base; l >= feelStarvedMs {
			late = append(late, feelSpan{s.At - l, s.At + feelCalmMs + feelSlipCalm*l})
		}
		if me, ok := s.player(rec.You); ok && me.Slack <= -feelStarvedMs {
			late = append(late, feelSpan{s.At, s.At + feelAdviceMs + float64(-me.Slack)/feelSteerRate})
		}
	}
	return late
}

func (tl *feelTimeline) inWindow(t float64) bool { return t >= tl.rec.From && t <= tl.rec.To }

// judgedStep: the frame pair a→b lasted about a display interval and the
// machine was calm.
func (tl *feelTimeline) judgedStep(a, b feelFrame) bool {
	dt := b.T - a.T
	return math.Abs(dt-tl.displayMs) <= feelFrameTolerance*tl.displayMs && !tl.calm.overlaps(a.T, b.T)
}

// pos is where player id was drawn in f.
func (f *feelFrame) pos(id int) (feelXY, bool) {
	for _, p := range f.Players {
		if p.ID == id {
			return feelXY{p.X, p.Y}, true
		}
	}
	return feelXY{}, false
}

func feelDist(a, b feelXY) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// feelMap is the arena every match is played on.
func feelMap(t *testing.T) *game.Map {
	t.Helper()
	raw, err := assets.Map(defaultMap)
	if err != nil {
		t.Fatal(err)
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (tl *feelTimeline) wallGap(p feelXY) float64 { return feelWallGap(tl.m, p.X, p.Y) }

// feelWallGap is how far (world units) a player's circle at (x, y) is from
// the nearest wall or the arena's edge; 0 or less is touching.
func feelWallGap(m *game.Map, x, y float64) float64 {
	gap := math.Min(math.Min(x, m.Width-x), math.Min(y, m.Height-y))
	for _, w := range m.Walls {
		dx := math.Max(math.Max(w.X-x, 0), x-(w.X+w.W))
		dy := math.Max(math.Max(w.Y-y, 0), y-(w.Y+w.H))
		gap = math.Min(gap, math.Hypot(dx, dy))
	}
	return gap - game.PlayerRadius
}

// feelClearRun is how far (world units) a player at (x, y) can move along
// the unit vector (dx, dy) before its circle comes within margin of a wall
// or the arena's edge (walls grown by radius and margin into boxes: a
// little conservative at their corners).
func feelClearRun(m *game.Map, x, y, dx, dy, margin float64) float64 {
	r := game.PlayerRadius + margin
	const far = 1e4
	boxes := append([]game.Rect{
		{X: -far, Y: -far, W: far, H: m.Height + 2*far}, {X: m.Width, Y: -far, W: far, H: m.Height + 2*far},
		{X: -far, Y: -far, W: m.Width + 2*far, H: far}, {X: -far, Y: m.Height, W: m.Width + 2*far, H: far},
	}, m.Walls...)
	best := math.Inf(1)
	for _, w := range boxes {
		tmin, tmax, hit := 0.0, math.Inf(1), true
		for _, ax := range [][4]float64{{x, dx, w.X - r, w.X + w.W + r}, {y, dy, w.Y - r, w.Y + w.H + r}} {
			p, d, lo, hi := ax[0], ax[1], ax[2], ax[3]
			if d == 0 {
				hit = hit && p >= lo && p <= hi
				continue
			}
			t0, t1 := (lo-p)/d, (hi-p)/d
			tmin, tmax = math.Max(tmin, math.Min(t0, t1)), math.Min(tmax, math.Max(t0, t1))
		}
		if hit && tmin <= tmax {
			best = math.Min(best, tmin)
		}
	}
	return best
}
