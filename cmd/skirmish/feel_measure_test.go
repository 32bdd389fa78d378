package main

// The play-feel budget's measures (issue 6), computed from a recording of
// one scripted session (feel_test.go, feel_recording_test.go): what the
// page drew and reconciled, frame by frame, the keys it handled, the
// server's own snapshots, and when the machine held things up. Times are
// the page's clock (ms, performance.now()). The measures are pure
// functions of a recording, so feel_synth_test.go runs them on synthetic
// recordings: each passes a good one and fails the fault it exists to find.
//
// Distances are world units: a pixel at zoom 1 (game/tuning.go), the
// budget's "px". The page draws the arena smaller in a small window, so
// the budget in units holds at any zoom up to 1; the report also gives CSS
// pixels in the test's window.
//
// A starved machine is not a bad network. The page's frames and a watchdog
// in the test's process (server, netsim, the remote human) tell when the
// machine held things up: a frame longer than feelLongFrame display
// intervals (the median frame duration), or the watchdog waking
// feelWatchdogLateMs late. A step is judged only when its own frame lasted
// about a display interval. After a disturbance that starved the page or
// the server of input steps, nothing is judged for a while; nor after the
// server's own clock shows the machine's hand (feelSlips, feelLate,
// feelClockLost), nor a remote frame drawn past a snapshot the machine
// held up (feelTimeline.dry). The lead is judged net of what the server's
// input clock advice asked for, which covers what the machine cost the
// inputs (feelLeadResult). Every measure
// counts what it left out and reports a shortfall when too little is left;
// the test then plays on, and fails if it still has too little, so it
// never passes on nothing.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/skirmish-game/skirmish/game"
)

// Budgets (issue 6, "Play-feel budget") and the definitions that make them
// measurable.
const (
	// A key press must move your player on screen within this many frames.
	feelPressFrames = 2
	// "Moved on screen": half a world unit from where the player rested.
	// The frames until any movement at all are reported beside it.
	feelMoveUnits = 0.5
	// Still: within this of where it rests (world units; the wire's
	// resolution is 1/8 unit, and what rounding leaves is eased out).
	feelStillUnits = 0.15
	// Corrections: at most 1 unit (a pixel at zoom 1), 2 in the second
	// after a stall.
	feelCorrectionUnits      = 1.0
	feelStallCorrectionUnits = 2.0
	// A gap between two snapshots' arrivals this long (ms) is a stall (the
	// normal gap is 50 ms, ± the jitter); corrections get the stall budget
	// until feelAfterStallMs after it ends.
	feelStallGapMs   = 150
	feelAfterStallMs = 1000
	// Touching a wall: the player's circle within this many world units of
	// a wall, at the server's position or the predicted one before or after.
	feelWallUnits = 1.0
	// Even motion: at least this share of top-speed frames step within
	// ±feelEvenTolerance of the mean step, and none backwards.
	feelEvenShare     = 0.98
	feelEvenTolerance = 0.10
	// Top speed: from this long (ms) after a movement key became the only
	// one held (0 → 260 u/s takes 130 ms, a turn 184 ms, and the view blends
	// a quarter step behind) until it is released; clear of walls by 2 units.
	feelTopSpeedAfterMs = 350
	// Remote players: fewer than this share of their frames at speed
	// frozen, and no step over feelJumpFactor × their median step.
	feelFrozenShare = 0.02
	feelJumpFactor  = 3.0
	// A render clock resync: the render time of a frame moved this much
	// (ms) more or less than the frame lasted.
	feelResyncMs = 500
	// A snapshot later than the link's worst by this much (ms) was held up
	// by the machine (feelTimeline.dry).
	feelLinkSlackMs = 50
	// At speed: the server's speed of the player at least this share of
	// game.MaxSpeed in every snapshot around the drawn time.
	feelAtSpeed = 0.9
	// Your player is drawn ahead of the server by at most the one-way delay
	// plus this (ms).
	feelLeadMarginMs = 35
	// Machine disturbances: a frame this many display intervals long, the
	// watchdog this late (ms); those less than feelClusterMs apart are one.
	// One that lost feelStarvedMs or more (a frame's time beyond the
	// display interval, the watchdog's whole wait) starved the page or the
	// server of a few steps: nothing that follows is judged for feelCalmMs
	// (a correction and its easing, snapshots late past the interpolation
	// delay). Shorter ones look like network jitter, which the game must
	// ride out anyway. A server whose clock slipped (feelSlips) moved the
	// page's idea of the server's time: the page's render clock takes it
	// back at most 10 % of real time, so nothing is judged for feelCalmMs
	// + feelSlipCalm × the slip (feelLate treats a late tick or late
	// inputs alike). The lead is judged net of the input clock's answer to
	// any of them (feelLeadResult).
	feelLongFrame      = 2.5
	feelWatchdogLateMs = 25
	feelStarvedMs      = 100
	feelClusterMs      = 250
	feelCalmMs         = 1000
	feelSlipMs         = 30
	// A render clock resync with a slip this long (ms) before it: the page
	// lost the server's clock since that slip (feelClockLost).
	feelClockLostMs = 30000
	feelSlipCalm    = 10
	// Frames judged by their step last within this share of the display
	// interval; the step is scaled to the display interval.
	feelFrameTolerance = 0.25
)

// Least samples each measure needs to be judged at all.
const (
	feelMinPresses    = 6
	feelMinSnapshots  = 250
	feelMinEvenFrames = 240
	feelMinRemote     = 240
	feelMinLeadFrames = 90
	feelMinStallKeys  = 3
)

// ---- a key press --------------------------------------------------------------

// feelPressResult: for every press of a movement key from rest in the
// window, how many frames computed after the page handled the key were
// drawn until your player had moved feelMoveUnits from where it rested
// (anyFrames: until it moved more than feelStillUnits). From rest: no
// movement key held in the 400 ms before, and your player drawn within
// feelStillUnits of its last position before the key for the 150 ms
// before. Presses while your player was not predicted, or while the
// machine held the page up (regularAround), are left out.
type feelPressResult struct {
	frames, anyFrames []int
	excluded          int
}

func (tl *feelTimeline) presses() feelPressResult {
	var res feelPressResult
	you := tl.rec.You
	keys := tl.rec.Keys
	for i, k := range keys {
		if _, move := feelMoveKeys[k.Code]; !k.Down || !move || !tl.inWindow(k.T) {
			continue
		}
		held := map[string]bool{}
		lastUp := math.Inf(-1)
		for _, p := range keys[:i] {
			if _, move := feelMoveKeys[p.Code]; move {
				held[p.Code] = p.Down
				if !p.Down {
					lastUp = p.T
				}
			}
		}
		if slices.Contains(sortedValues(held), true) || k.T-lastUp < 400 {
			continue // not from rest
		}
		if tl.ownOff.overlaps(k.T-200, k.T+200) {
			res.excluded++
			continue
		}
		var before []feelXY
		for _, f := range tl.frames {
			if f.At > k.T {
				break
			}
			if p, ok := f.pos(you); ok && f.T >= k.T-150 {
				before = append(before, p)
			}
		}
		if len(before) == 0 {
			res.excluded++
			continue
		}
		rest := before[len(before)-1]
		if slices.ContainsFunc(before, func(p feelXY) bool { return feelDist(p, rest) > feelStillUnits }) {
			res.excluded++ // still moving: not from rest
			continue
		}
		if !tl.regularAround(k.T) {
			res.excluded++ // the machine held the page up: frames drawn for a time before they were computed
			continue
		}
		n, nAny := 0, 0
		for _, f := range tl.frames {
			if f.At <= k.T {
				continue
			}
			p, ok := f.pos(you)
			if !ok {
				break
			}
			n++
			d := feelDist(p, rest)
			if nAny == 0 && d > feelStillUnits {
				nAny = n
			}
			if d >= feelMoveUnits || n > 10 {
				break
			}
		}
		if nAny == 0 {
			nAny = n
		}
		res.frames = append(res.frames, n)
		res.anyFrames = append(res.anyFrames, nAny)
	}
	return res
}

// regularAround: the last frame computed before local time t and the
// next feelPressFrames+1 after it each lasted about a display interval and
// were computed within half an interval of the time they were drawn for.
// A page the machine held up computes frames late, for a time before the
// key it has just handled: counting them would blame the client.
func (tl *feelTimeline) regularAround(t float64) bool {
	i, _ := slices.BinarySearchFunc(tl.frames, t, func(f feelFrame, t float64) int { return cmp.Compare(f.At, t) })
	if i < 2 || i+feelPressFrames+1 > len(tl.frames) {
		return false
	}
	for j := i - 1; j <= i+feelPressFrames; j++ {
		a, b := tl.frames[j-1], tl.frames[j]
		if math.Abs(b.T-a.T-tl.displayMs) > feelFrameTolerance*tl.displayMs || b.At-b.T > tl.displayMs/2 {
			return false
		}
	}
	return true
}

func sortedValues(m map[string]bool) []bool {
	var v []bool
	for _, x := range m {
		v = append(v, x)
	}
	return v
}

// ---- corrections --------------------------------------------------------------

// feelCorrectionResult: a correction is how far a snapshot moved your
// newest predicted position when it re-based the prediction on the server's
// state (the Predictor's Reconciliation.error: what the prediction got
// wrong), for every snapshot in the window reconciled while your player was
// predicted before and after (not a death, a respawn, the first state; not
// a provisional one, which keeps the prediction). Left out: snapshots while
// your player touched a wall, while the machine was not calm. "After a
// stall": within feelAfterStallMs of a feelStallGapMs gap in snapshot
// arrivals, where the budget is feelStallCorrectionUnits. On a link that
// stalls, a stall only tests anything when the keys change while it holds
// the inputs up (the server stands in for them with the last one it has):
// a shortfall until feelMinStallKeys did.
type feelCorrectionResult struct {
	judged, atWall, machine int
	shot                    int     // left out: you were hit within game.RedoTicks before
	max, maxStall           float64 // the largest, elsewhere and after a stall (units)
	over1                   int     // over 1 unit (after a stall too)
	stalls                  int     // stalls seen in the window
	keysInStalls            int     // movement keys pressed or released while inputs were held up by a stall
	worst                   string  // the correction furthest over its budget
}

func (tl *feelTimeline) corrections() feelCorrectionResult {
	res := feelCorrectionResult{stalls: tl.stallCount}
	// Inputs sent from a one-way delay before the downlink's gap to its
	// end were held up by the same stall (netsim stalls both ways at once).
	for _, k := range tl.rec.Keys {
		if _, move := feelMoveKeys[k.Code]; move && slices.ContainsFunc(tl.gaps, func(g feelSpan) bool {
			return k.T >= g.from-tl.rec.OneWayMs && k.T <= g.to
		}) {
			res.keysInStalls++
		}
	}
	worstOver := 0.0
	for _, r := range tl.rec.Reconciled {
		if !tl.inWindow(r.T) || !r.Predicting || r.Snapped || r.Provisional {
			continue
		}
		gap := tl.wallGap(r.Server)
		for _, p := range []*feelXY{r.Before, r.After} {
			if p != nil {
				gap = math.Min(gap, tl.wallGap(*p))
			}
		}
		if gap <= feelWallUnits {
			res.atWall++
			continue
		}
		if tl.calm.contains(r.T) {
			res.machine++
			continue
		}
		if tl.shotBefore(r.Tick) {
			res.shot++
			continue
		}
		res.judged++
		if r.Error > feelCorrectionUnits {
			res.over1++
		}
		budget := feelCorrectionUnits
		if tl.stalls.contains(r.T) {
			res.maxStall = math.Max(res.maxStall, r.Error)
			budget = feelStallCorrectionUnits
		} else {
			res.max = math.Max(res.max, r.Error)
		}
		if over := r.Error - budget; over > 0 && over > worstOver {
			worstOver = over
			res.worst = fmt.Sprintf("%.2f units at %.0f ms (tick %d), budget %.0f", r.Error, r.T, r.Tick, budget)
		}
	}
	return res
}

// shotBefore: your health dropped in the server's snapshots of the
// game.RedoTicks ticks up to tick. A hit is a verdict that depended on
// where you were, so the server no longer redoes your movement before it
// with late inputs (PROTOCOL.md §1.4): a stall's stand-ins stand, and the
// correction is the game's rule, not the network's.
func (tl *feelTimeline) shotBefore(tick int) bool {
	prev := -1
	for _, s := range tl.rec.Server {
		if s.Tick > tick {
			break
		}
		me, ok := s.player(tl.rec.You)
		if !ok {
			continue
		}
		if prev >= 0 && me.Health < prev && s.Tick > tick-game.RedoTicks {
			return true
		}
		prev = me.Health
	}
	return false
}

// ---- even motion at top speed -----------------------------------------------------

// feelRun is a span in which exactly one movement key was held, from
// feelTopSpeedAfterMs after it became the only one until its release.
type feelRun struct {
	feelSpan
	dir [2]float64
}

func (tl *feelTimeline) runs() []feelRun {
	var runs []feelRun
	held := map[string]bool{}
	only, since := "", 0.0
	for _, k := range tl.rec.Keys {
		if _, move := feelMoveKeys[k.Code]; !move {
			continue
		}
		if only != "" && since+feelTopSpeedAfterMs < k.T {
			runs = append(runs, feelRun{feelSpan{since + feelTopSpeedAfterMs, k.T}, feelMoveKeys[only]})
		}
		if k.Down {
			held[k.Code] = true
		} else {
			delete(held, k.Code)
		}
		only = ""
		if len(held) == 1 {
			for c := range held {
				only, since = c, k.T
			}
		}
	}
	return runs
}

// topSpeed calls f for every frame pair a→b at top speed: in a run, b
// computed before the key's release, your player drawn clear of walls by 2
// units and predicted; judged says whether the step is judged (about a
// display interval long, the machine calm).
func (tl *feelTimeline) topSpeed(f func(run feelRun, a, b feelFrame, pa, pb feelXY, judged bool)) {
	you := tl.rec.You
	for _, run := range tl.runs() {
		for i := 1; i < len(tl.frames); i++ {
			a, b := tl.frames[i-1], tl.frames[i]
			if a.T < run.from || b.At >= run.to || !tl.inWindow(a.T) || tl.ownOff.overlaps(a.T, b.T) {
				continue
			}
			pa, ok1 := a.pos(you)
			pb, ok2 := b.pos(you)
			if !ok1 || !ok2 || tl.wallGap(pa) < 2 || tl.wallGap(pb) < 2 {
				continue
			}
			f(run, a, b, pa, pb, tl.judgedStep(a, b))
		}
	}
}

// feelEvenResult: for every judged top-speed frame, the step your player
// was drawn to move, scaled to the display interval (step × interval /
// the frame's duration). Even: the share within feelEvenTolerance of their
// mean; backwards: steps against the run's direction.
type feelEvenResult struct {
	frames, excluded int
	share            float64
	mean             float64 // units per display interval
	backwards        int
	worst            []string
}

func (tl *feelTimeline) even() feelEvenResult {
	var res feelEvenResult
	var steps, at []float64
	tl.topSpeed(func(run feelRun, a, b feelFrame, pa, pb feelXY, judged bool) {
		if !judged {
			res.excluded++
			return
		}
		if (pb.X-pa.X)*run.dir[0]+(pb.Y-pa.Y)*run.dir[1] < 0 {
			res.backwards++
		}
		steps = append(steps, feelDist(pa, pb)*tl.displayMs/(b.T-a.T))
		at = append(at, b.T)
	})
	res.frames = len(steps)
	if res.frames == 0 {
		return res
	}
	res.mean = feelMean(steps)
	n := 0
	for i, s := range steps {
		if math.Abs(s-res.mean) <= feelEvenTolerance*res.mean {
			n++
		} else if len(res.worst) < 6 {
			res.worst = append(res.worst, fmt.Sprintf("%.2f at %.0f ms", s, at[i]))
		}
	}
	res.share = float64(n) / float64(res.frames)
	return res
}

// ---- remote players ---------------------------------------------------------------

// feelRemoteResult: for every remote player and every judged frame pair
// a→b in the window where, by the server's own snapshots around both
// frames' drawn (render) times, the player was alive and running at least
// feelAtSpeed × top speed: frozen when it was drawn not to move (under
// 0.001 units); a jump when its step, scaled to the display interval, is
// over feelJumpFactor × the player's median.
// A frame drawn past the newest snapshot the page had (its render time
// later than that snapshot's tick: the buffer ran dry, extrapolated or
// frozen) is judged when the link can have held the next snapshot up that
// long: a stall the adaptive delay must ride out. When that snapshot
// reached the page more than the link's worst (LinkWorstMs) +
// feelLinkSlackMs after the server sent it (the remote human's copy,
// straight from the server), the machine held it up, and the frame is
// left out (counted in dryMachine); so is one drawn within
// feelClockLostMs after the server's clock slipped: the page's estimate of
// the server's clock follows a later one at 2 ms a second
// (net/interpolation ServerClock), and until its jitter margin has grown
// to cover the slip it draws past what the server has sent.
//
// The report counts the render clock's resyncs (feelTimeline.resync); one
// the machine did not cause (feelClockLost) is judged like any frame.
type feelRemoteResult struct {
	frames, frozen, excluded int
	resyncs                  int
	dry, dryMachine          int     // frames drawn past the page's newest snapshot; of them, the machine's
	players                  int     // remote players seen at speed
	maxRatio                 float64 // the largest step over its player's median
	worst                    string
}

func (tl *feelTimeline) remote() feelRemoteResult {
	var res feelRemoteResult
	type step struct {
		id     int
		s, at  float64
		frozen bool
	}
	var steps []step
	for i := 1; i < len(tl.frames); i++ {
		a, b := tl.frames[i-1], tl.frames[i]
		if !tl.inWindow(a.T) || a.RenderTime == 0 {
			continue
		}
		judged := tl.judgedStep(a, b)
		if tl.resync(a, b) {
			res.resyncs++
		}
		if dry, machine := tl.dry(b); dry {
			res.dry++
			if machine {
				res.dryMachine++
				continue
			}
		}
		for _, p := range b.Players {
			if p.ID == tl.rec.You || !tl.atSpeed(p.ID, a.RenderTime, b.RenderTime) {
				continue
			}
			pa, ok := a.pos(p.ID)
			if !ok {
				continue
			}
			if !judged {
				res.excluded++
				continue
			}
			d := feelDist(pa, feelXY{p.X, p.Y})
			steps = append(steps, step{p.ID, d * tl.displayMs / (b.T - a.T), b.T, d < 1e-3})
		}
	}
	byID := map[int][]float64{}
	for _, s := range steps {
		byID[s.id] = append(byID[s.id], s.s)
	}
	res.players = len(byID)
	medians := map[int]float64{}
	for id, ss := range byID {
		medians[id] = feelMedian(ss)
	}
	for _, s := range steps {
		res.frames++
		if s.frozen {
			res.frozen++
		}
		if m := medians[s.id]; m > 0 && s.s/m > res.maxRatio {
			res.maxRatio = s.s / m
			res.worst = fmt.Sprintf("player %d stepped %.2f units (%.1f× its median %.2f) at %.0f ms", s.id, s.s, s.s/m, m, s.at)
		}
	}
	return res
}

// dry: frame f was drawn past the newest snapshot the page had when it
// computed it; machine: the snapshot after that one reached the page more
// than the link's worst + feelLinkSlackMs after the server sent it.
func (tl *feelTimeline) dry(f feelFrame) (dry, machine bool) {
	rs := tl.rec.Reconciled
	i, _ := slices.BinarySearchFunc(rs, f.At, func(r feelReconciliation, t float64) int { return cmp.Compare(r.T, t) })
	if i == 0 || i >= len(rs) {
		return false, false
	}
	// Snapshots are taken in order, each newer than the last (debug.ts).
	if f.RenderTime <= float64(rs[i-1].Tick)*tl.rec.TickMs {
		return false, false
	}
	next := rs[i] // the first snapshot to arrive after f was computed
	snaps := tl.rec.Server
	k, found := slices.BinarySearchFunc(snaps, next.Tick, func(s feelSnap, tick int) int { return cmp.Compare(s.Tick, tick) })
	if !found {
		k = len(snaps) // not seen straight from the server: judged unless a slip explains it
	}
	if k < len(snaps) && next.T-snaps[k].At > tl.rec.LinkWorstMs+feelLinkSlackMs {
		return true, true
	}
	for _, sl := range tl.slipList {
		if sl.From <= f.T && sl.From >= f.T-feelClockLostMs {
			return true, true
		}
	}
	return true, false
}

// resync: the render time moved feelResyncMs more or less than the frame
// pair a→b lasted, a jump of the render clock (net/interpolation RESYNC_MS).
func (tl *feelTimeline) resync(a, b feelFrame) bool {
	return math.Abs((b.RenderTime-a.RenderTime)-(b.T-a.T)) > feelResyncMs
}

// atSpeed: in every snapshot of the server from the one at or before
// server time from (ms) to the one at or after to, player id is alive and
// at speed, and moved no further than twice top speed allows (no respawn).
func (tl *feelTimeline) atSpeed(id int, from, to float64) bool {
	snaps := tl.rec.Server
	lo, _ := slices.BinarySearchFunc(snaps, from, func(s feelSnap, t float64) int {
		if float64(s.Tick)*tl.rec.TickMs > t {
			return 1
		}
		return -1
	})
	if lo < 1 {
		return false
	}
	var prev *feelState
	for i := lo - 1; i < len(snaps); i++ {
		st, ok := snaps[i].player(id)
		if !ok || !st.Alive || math.Hypot(st.VX, st.VY) < feelAtSpeed*game.MaxSpeed {
			return false
		}
		if prev != nil && math.Hypot(st.X-prev.X, st.Y-prev.Y) > 2*game.MaxSpeed*tl.rec.TickMs*float64(snaps[i].Tick-snaps[i-1].Tick)/1000 {
			return false
		}
		prev = &st
		if float64(snaps[i].Tick)*tl.rec.TickMs >= to {
			return true
		}
	}
	return false
}

func (s *feelSnap) player(id int) (feelState, bool) {
	for _, p := range s.Players {
		if p.ID == id {
			return p, true
		}
	}
	return feelState{}, false
}

// ---- drawn ahead of the server ------------------------------------------------------

// feelLeadResult: how far ahead of the server your player is drawn, in
// time. The server's own track of your player is its snapshots, each at
// the time the server produced it: tick × TickMs on the server's
// fixed-step clock, placed on the page's clock by the least (arrival −
// tick × TickMs) of the snapshots the remote human received straight from
// the server within 2 s. For every top-speed frame (the even measure's,
// any duration) the drawn position is found on that track along the run's
// direction, between two snapshots where the server moved forward at
// speed: the lead is when the server got there less the frame's time.
//
// The lead is judged net of what the server asked for. Its input clock
// advice (PROTOCOL.md §1.4, inputSlack) is the worst margin of your inputs
// over about 2 s: after it said they arrived x ms late, a client that
// follows it runs up to x ms further ahead, and takes it back at most
// feelSteerRate of real time once the advice turns. On a quiet machine and
// a jittery link x is a few ms; when the machine holds up the page, netsim
// or the server, x is what that cost, measured by the server on your
// inputs, so a busy machine needs no guessing of its own. A server that
// dropped x ms of ticks (feelSlips) left the client's input clock x ms
// ahead of its own in the same way, and it is allowed for in the same way
// (the advice says so with a positive inputSlack). The allowance at
// a frame is the largest x the server reported from a snapshot that
// arrived (at the remote human) within feelAdviceMs + x / feelSteerRate
// before it. A client that keeps a bigger buffer than the advice asks
// for shows a positive inputSlack and gets no allowance.
//
// The budget holds the low end of the net lead, its 10th percentile: what
// the machine adds beyond the advice (inputs held up less than the worst
// of a window, the steering's swings around it) only ever adds, and on a
// busy machine it moves the median by tens of ms (93-120 ms net at 75 ms
// one-way, load average 14-17 on the 2 cores) but the low end much less
// (at most 85 ms). On a quiet machine the low end is within a few ms of
// the median, so a client that keeps any more buffer than the advice asks
// moves it just as much.
type feelLeadResult struct {
	n                   int     // frames found on the server's track
	p10, p50, p90, mean float64 // net of the allowance (ms)
	raw                 float64 // the median without it
	allowed             int     // frames with an allowance
	maxAllowance        float64
}

const (
	// The server's advice looks back about this long (ms, PROTOCOL.md §1.4).
	feelAdviceMs = 2000
	// The most the client's input clock runs slower or faster than the
	// server's (input/pacer.ts MAX_STEER).
	feelSteerRate = 0.05
)

func (tl *feelTimeline) lead() feelLeadResult {
	var res feelLeadResult
	type point struct{ t, x, y float64 }
	type late struct{ at, x float64 }
	var track []point
	var lates []late
	snaps := tl.rec.Server
	j0 := 0
	for i, s := range snaps {
		st, ok := s.player(tl.rec.You)
		if !ok || !st.Alive {
			continue
		}
		if st.Slack < 0 {
			lates = append(lates, late{s.At, float64(-st.Slack)})
		}
		base := math.Inf(1)
		for j0 < i && snaps[j0].At < s.At-2000 {
			j0++
		}
		for j := j0; j < len(snaps) && snaps[j].At <= s.At+2000; j++ {
			base = math.Min(base, snaps[j].At-float64(snaps[j].Tick)*tl.rec.TickMs)
		}
		track = append(track, point{base + float64(s.Tick)*tl.rec.TickMs, st.X, st.Y})
	}
	for _, sl := range feelSlips(tl.rec) {
		lates = append(lates, late{sl.From, sl.To - sl.From})
	}
	allowance := func(t float64) float64 {
		a := 0.0
		for _, l := range lates {
			if l.at <= t && t <= l.at+feelAdviceMs+l.x/feelSteerRate {
				a = math.Max(a, l.x)
			}
		}
		return a
	}
	var raw, net []float64
	tl.topSpeed(func(run feelRun, _, f feelFrame, _, p feelXY, _ bool) {
		along := func(x, y float64) float64 { return x*run.dir[0] + y*run.dir[1] }
		s := along(p.X, p.Y)
		for j := 1; j < len(track); j++ {
			u, v := track[j-1], track[j]
			if u.t < f.T-1000 || v.t > f.T+1500 {
				continue
			}
			su, sv := along(u.x, u.y), along(v.x, v.y)
			if sv-su >= feelAtSpeed*game.MaxSpeed*(v.t-u.t)/1000 && s >= su && s < sv {
				lead := u.t + (s-su)/(sv-su)*(v.t-u.t) - f.T
				a := allowance(f.T)
				if a > 0 {
					res.allowed++
					res.maxAllowance = math.Max(res.maxAllowance, a)
				}
				raw = append(raw, lead)
				net = append(net, lead-a)
				return
			}
		}
	})
	res.n = len(net)
	if res.n > 0 {
		res.mean = feelMean(net)
		res.raw = feelMedian(raw)
		slices.Sort(net)
		res.p10, res.p50, res.p90 = net[res.n/10], net[res.n/2], net[res.n*9/10]
	}
	return res
}

// ---- the whole budget -------------------------------------------------------------

// feelReport is every measure of one recording.
type feelReport struct {
	displayMs                         float64
	frames                            int
	longFrames, watchdog, slips, late int
	pxPerUnit, oneWayMs               float64
	netStalls                         bool
	presses                           feelPressResult
	corr                              feelCorrectionResult
	even                              feelEvenResult
	remote                            feelRemoteResult
	lead                              feelLeadResult
}

func measureFeel(rec *feelRecording, m *game.Map) (feelReport, error) {
	tl, err := newFeelTimeline(rec, m)
	if err != nil {
		return feelReport{}, err
	}
	return feelReport{
		displayMs: tl.displayMs, frames: len(tl.frames) - 1, longFrames: tl.longFrames, watchdog: tl.watchdog, slips: tl.slips, late: tl.late,
		pxPerUnit: rec.PxPerUnit, oneWayMs: rec.OneWayMs, netStalls: rec.NetStalls,
		presses: tl.presses(), corr: tl.corrections(), even: tl.even(), remote: tl.remote(), lead: tl.lead(),
	}, nil
}

// shortfalls lists the measures with too little left to judge.
func (r feelReport) shortfalls() []string {
	var v []string
	if p := r.presses; len(p.frames) < feelMinPresses {
		v = append(v, fmt.Sprintf("key press: %d presses judged (%d left out), want at least %d", len(p.frames), p.excluded, feelMinPresses))
	}
	if c := r.corr; c.judged < feelMinSnapshots {
		v = append(v, fmt.Sprintf("corrections: %d snapshots judged (%d at a wall, %d while the machine was not calm), want at least %d", c.judged, c.atWall, c.machine, feelMinSnapshots))
	}
	if c := r.corr; r.netStalls && c.keysInStalls < feelMinStallKeys {
		v = append(v, fmt.Sprintf("corrections: %d key changes while a stall held inputs up (%d stalls), want at least %d", c.keysInStalls, c.stalls, feelMinStallKeys))
	}
	if e := r.even; e.frames < feelMinEvenFrames {
		v = append(v, fmt.Sprintf("even motion: %d top-speed frames judged (%d left out), want at least %d", e.frames, e.excluded, feelMinEvenFrames))
	}
	if o := r.remote; o.frames < feelMinRemote {
		v = append(v, fmt.Sprintf("remote players: %d frames at speed judged (%d left out), want at least %d", o.frames, o.excluded, feelMinRemote))
	}
	if l := r.lead; l.n < feelMinLeadFrames {
		v = append(v, fmt.Sprintf("ahead of the server: %d top-speed frames found on the server's track, want at least %d", l.n, feelMinLeadFrames))
	}
	return v
}

// violations lists every budget the report breaks, of the measures with
// enough to judge.
func (r feelReport) violations() []string {
	var v []string
	if p := r.presses; len(p.frames) >= feelMinPresses {
		if worst := slices.Max(p.frames); worst > feelPressFrames {
			v = append(v, fmt.Sprintf("key press: moved %.1f units only after %d frames (per press: %v), budget %d", feelMoveUnits, worst, p.frames, feelPressFrames))
		}
	}
	if c := r.corr; c.judged >= feelMinSnapshots && c.worst != "" {
		v = append(v, "corrections: "+c.worst)
	}
	if e := r.even; e.frames >= feelMinEvenFrames && (e.share < feelEvenShare || e.backwards > 0) {
		v = append(v, fmt.Sprintf("even motion: %.1f%% of %d top-speed frames within %.0f%% of the mean step %.2f units, want %.0f%%; %d backwards; e.g. %s",
			100*e.share, e.frames, 100*feelEvenTolerance, e.mean, 100*feelEvenShare, e.backwards, strings.Join(e.worst, ", ")))
	}
	if o := r.remote; o.frames >= feelMinRemote {
		if share := float64(o.frozen) / float64(o.frames); share >= feelFrozenShare {
			v = append(v, fmt.Sprintf("remote players: %d of %d frames at speed frozen (%.2f%%), budget under %.0f%%", o.frozen, o.frames, 100*share, 100*feelFrozenShare))
		}
		if o.maxRatio > feelJumpFactor {
			v = append(v, fmt.Sprintf("remote players: a jump of %.1f× the median step, budget %.0f×: %s", o.maxRatio, feelJumpFactor, o.worst))
		}
	}
	if l := r.lead; l.n >= feelMinLeadFrames && l.p10 > r.oneWayMs+feelLeadMarginMs {
		v = append(v, fmt.Sprintf("ahead of the server: drawn %.1f ms ahead net of the server's advice (the 10th percentile of %d frames; median %.0f, p90 %.0f; %.1f ms median without the allowance), budget %.0f ms (one-way %.0f + %d)",
			l.p10, l.n, l.p50, l.p90, l.raw, r.oneWayMs+feelLeadMarginMs, r.oneWayMs, feelLeadMarginMs))
	}
	return v
}

// String is the report's figures, one measure a line.
func (r feelReport) String() string {
	p, c, e, o, l := r.presses, r.corr, r.even, r.remote, r.lead
	hist := func(xs []int) string {
		var b strings.Builder
		for n := 1; n <= 3; n++ {
			k := 0
			for _, x := range xs {
				if x == n || (n == 3 && x > 3) {
					k++
				}
			}
			fmt.Fprintf(&b, " %d%s:%d", n, map[bool]string{true: "+", false: ""}[n == 3], k)
		}
		return b.String()
	}
	frozen := 0.0
	if o.frames > 0 {
		frozen = 100 * float64(o.frozen) / float64(o.frames)
	}
	return fmt.Sprintf("frames: %d, display interval %.2f ms; machine disturbances: %d long frames, %d of the watchdog, %d server clock slips, %d late ticks or inputs\n",
		r.frames, r.displayMs, r.longFrames, r.watchdog, r.slips, r.late) +
		fmt.Sprintf("key press: %d presses (%d left out); frames to %.1f units:%s; to any movement:%s\n", len(p.frames), p.excluded, feelMoveUnits, hist(p.frames), hist(p.anyFrames)) +
		fmt.Sprintf("corrections: %d snapshots judged (%d at a wall, %d not calm, %d just after you were shot), largest %.2f units, %.2f after a stall (%d stalls, %d key changes in them), %d over 1 unit\n",
			c.judged, c.atWall, c.machine, c.shot, c.max, c.maxStall, c.stalls, c.keysInStalls, c.over1) +
		fmt.Sprintf("even motion: %.2f%% of %d top-speed frames within %.0f%% of the mean step %.2f units = %.2f CSS px (%d left out), %d backwards\n",
			100*e.share, e.frames, 100*feelEvenTolerance, e.mean, e.mean*r.pxPerUnit, e.excluded, e.backwards) +
		fmt.Sprintf("remote players: %d frames at speed (%d players, %d left out), %d frozen (%.2f%%), largest step %.2f× the median; %d render clock resyncs; %d frames drawn past the newest snapshot, %d of them left out (the machine held it up)\n",
			o.frames, o.players, o.excluded, o.frozen, frozen, o.maxRatio, o.resyncs, o.dry, o.dryMachine) +
		fmt.Sprintf("ahead of the server: %d top-speed frames, net of the server's advice p10 %.1f ms (median %.1f, p90 %.1f, mean %.1f), median %.1f ms without it; %d frames allowed up to %.0f ms by it; one-way delay %.0f ms",
			l.n, l.p10, l.p50, l.p90, l.mean, l.raw, l.allowed, l.maxAllowance, r.oneWayMs)
}

func feelMean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func feelMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
