package spectate

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// Overload is shed from spectators, never from the tick or the players. On a
// small host, thousands of spectator streams cost more CPU than every match
// together (each is a goroutine woken and a write per publish), and the Go
// scheduler does not know the match goroutines matter more: with 10,000
// streams the ticks were delayed and dropped. So the server watches the
// matches themselves, and when they run late it takes work away from the
// spectators, in steps (a load-shedding ladder in the manner of Google's SRE
// book, "Handling Overload", with additive recovery after a multiplicative
// cut as in TCP's AIMD):
//
//	level 0  normal
//	level 1+ new streams are refused (503 server_full, Retry-After), and every
//	         feed sends states at half the rate per level (at most 1 in 8)
//	top      still late: the newest eighth of the streams is dropped, once
//	         per levelHold, until the matches are on time again, as long
//	         as writing to spectators takes a measurable share of a core
//
// The server cannot tell why its matches run late: refusing newcomers and
// thinning states cost nothing, so they happen whatever the cause, but
// dropping streams only helps if the streams are the load, so it waits for
// the write meter (the time handlers spend in writes, a proxy for the CPU the
// streams cost) to show that they are. Otherwise a box busy with something
// else would be emptied of spectators for nothing.
//
// A level is lifted after recoverAfter without lateness; a relapse soon after
// a lift doubles recoverAfter (up to recoverMax), so a load that only fits at
// a lower rate settles there instead of oscillating.

const (
	// lateTicks is how far behind its schedule a match must be to count as
	// late: more than the jitter of a timer wake-up, well before the match
	// drops ticks (it catches up at most 5 at once, match.Config).
	lateTicks = 3
	// maxShedLevel is the most times shedding halves the state rate (rounding
	// down, never below one a second).
	maxShedLevel = 3
	// levelHold is the least time between two steps of the ladder: a step
	// takes effect at the next state interval and the scheduler's backlog
	// takes a moment to drain.
	levelHold    = 500 * time.Millisecond
	recoverAfter = 2 * time.Second
	recoverMax   = time.Minute
	// shedFraction of the streams is dropped per step at the top level.
	shedFraction = 8
	// shedWriteShare is the least share of one core that writes to
	// spectators must take for dropping streams to be worth it.
	shedWriteShare = 0.05
)

// anchor is where a match was on its schedule when first seen (or when it
// last looked early): its lateness is measured from there.
type anchor struct {
	at       time.Time
	tick     uint32
	overruns uint64
	seen     uint64 // overruns at the previous observation
}

// governor decides the shedding level from samples of the matches. It is
// pure (time comes in as an argument) and not safe for concurrent use: the
// server's load goroutine owns it.
type governor struct {
	anchors map[string]anchor

	level        int
	changed      time.Time // when level last changed (or the top level last shed)
	calmSince    time.Time // first calm observation since the last late one; zero while late
	lifted       time.Time // when a level was last lifted
	recoverAfter time.Duration
}

func newGovernor() *governor {
	return &governor{anchors: make(map[string]anchor), recoverAfter: recoverAfter}
}

// observe measures the matches, whose infos were read between the times
// before and after: the worst lateness in ticks (how many ticks a match
// should have stepped and has not, not counting the ticks it dropped) and
// whether any match dropped ticks since the last observation. A match's
// schedule is anchored where it was first seen, and re-anchored whenever it
// looks early, so the anchor converges on a moment the match was on time.
//
// The reading took time, so each match's lateness is only known to lie
// between its value at before and at after: a match counts as late only if
// it is late at before, and is re-anchored only if it is early at after.
// Neither a clock that moves during the reading nor a reader descheduled
// during it can then make a match look late, or move its anchor off its
// schedule.
func (g *governor) observe(before, after time.Time, infos []match.Info) (worst float64, dropped bool) {
	live := make(map[string]bool, len(infos))
	for i := range infos {
		m := &infos[i]
		live[m.ID] = true
		rate := m.TickRate
		if rate <= 0 {
			rate = game.DefaultTickRate
		}
		a, ok := g.anchors[m.ID]
		if !ok || m.Tick < a.tick || m.Overruns < a.overruns {
			g.anchors[m.ID] = anchor{at: after, tick: m.Tick, overruns: m.Overruns, seen: m.Overruns}
			continue
		}
		if m.Overruns > a.seen {
			dropped = true
		}
		a.seen = m.Overruns
		done := float64(m.Tick-a.tick) + float64(m.Overruns-a.overruns)
		if early := after.Sub(a.at).Seconds()*float64(rate) - done; early < 0 {
			a = anchor{at: after, tick: m.Tick, overruns: m.Overruns, seen: m.Overruns}
		} else {
			worst = math.Max(worst, before.Sub(a.at).Seconds()*float64(rate)-done)
		}
		g.anchors[m.ID] = a
	}
	for id := range g.anchors {
		if !live[id] {
			delete(g.anchors, id)
		}
	}
	return worst, dropped
}

// decide moves along the ladder after an observation at now and returns the
// level, and whether to shed streams now.
func (g *governor) decide(now time.Time, late bool) (level int, shed bool) {
	held := now.Sub(g.changed) >= levelHold
	if late {
		if !g.lifted.IsZero() && now.Sub(g.lifted) < g.recoverAfter {
			// Late again soon after a lift: that level did not hold.
			g.recoverAfter = min(2*g.recoverAfter, recoverMax)
			g.lifted = time.Time{}
		}
		g.calmSince = time.Time{}
		if held {
			if g.level < maxShedLevel {
				g.level++
			} else {
				shed = true
			}
			g.changed = now
		}
		return g.level, shed
	}
	if g.calmSince.IsZero() {
		g.calmSince = now
	}
	if g.level > 0 && held && now.Sub(g.calmSince) >= g.recoverAfter {
		g.level--
		g.changed, g.lifted, g.calmSince = now, now, now
	}
	if g.level == 0 && !g.lifted.IsZero() && now.Sub(g.lifted) >= recoverMax {
		g.recoverAfter, g.lifted = recoverAfter, time.Time{} // a long calm forgives
	}
	return g.level, false
}

// bucket is a token bucket of bytes (the classic traffic-shaping meter,
// RFC 2697's single-rate form): it fills at rate per second up to one
// second's worth. It paces resume backlogs: a burst of reconnects replays at
// most that many bytes a second, and the rest start from a snapshot. It is
// safe for concurrent use; a nil bucket grants everything.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // bytes per second, also the capacity
	tokens float64
	last   time.Time
}

func newBucket(rate int, now time.Time) *bucket {
	if rate < 0 {
		return nil
	}
	return &bucket{rate: float64(rate), tokens: float64(rate), last: now}
}

// take removes n tokens if there are that many at now, and reports whether it
// did. It never waits and never goes into debt.
func (b *bucket) take(now time.Time, n int) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(b.rate, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	if float64(n) > b.tokens {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// watchLoad is the load goroutine: every LoadInterval it measures the
// matches and moves along the shedding ladder. It is started with the first
// feed and returns when the server shuts down.
func (s *Server) watchLoad() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.LoadInterval)
	defer t.Stop()
	g := newGovernor()
	m := writeMeter{total: &s.writing, last: time.Now(), lastTotal: s.writing.Load()}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.checkLoad(g, m.share(time.Now()))
	}
}

// writeMeter turns the server's running total of write time into the share
// of one core spent writing since the last reading. The time is wall time,
// at most meterCap per write (handler.go): on a busy box a write takes longer
// than the CPU it uses, which errs on the side of shedding, but a write
// blocked on a stuck client's full socket does not count as work.
type writeMeter struct {
	total     *atomic.Int64
	last      time.Time
	lastTotal int64
}

func (m *writeMeter) share(now time.Time) float64 {
	total := m.total.Load()
	d := now.Sub(m.last)
	share := 0.0
	if d > 0 {
		share = float64(total-m.lastTotal) / float64(d)
	}
	m.last, m.lastTotal = now, total
	return share
}

// checkLoad is one step of watchLoad; writeShare is the share of a core
// spent writing to spectators since the last step.
func (s *Server) checkLoad(g *governor, writeShare float64) {
	defer s.loadChecks.Add(1)
	before := s.cfg.Clock.Now()
	infos := s.cfg.Registry.List()
	now := s.cfg.Clock.Now()
	worst, dropped := g.observe(before, now, infos)
	prev := int(s.level.Load())
	level, shed := g.decide(now, worst >= lateTicks || dropped)
	s.level.Store(int32(level))
	switch {
	case level > prev:
		s.log.Warn("spectate: matches run late; shedding spectator work", "level", level,
			"late_ticks", math.Round(worst*10)/10, "ticks_dropped", dropped)
	case level < prev:
		s.log.Info("spectate: matches on time; easing spectator shedding", "level", level)
	}
	if shed && writeShare < shedWriteShare {
		s.log.Debug("spectate: matches still run late, but not for the spectators' writes; keeping them",
			"write_share", writeShare)
		shed = false
	}
	if shed {
		s.mu.Lock()
		n := (s.streams + shedFraction - 1) / shedFraction
		s.mu.Unlock()
		if n = s.shedNewest(n); n > 0 {
			s.log.Warn("spectate: matches still run late; dropped the newest spectators", "dropped", n,
				"late_ticks", math.Round(worst*10)/10, "write_share", math.Round(writeShare*100)/100)
		}
	}
}

// shedNewest drops the n spectators that subscribed last (they have the
// least to lose) and returns how many it dropped.
func (s *Server) shedNewest(n int) int {
	if n <= 0 {
		return 0
	}
	s.mu.Lock()
	feeds := make([]*feed, 0, len(s.feeds))
	for _, f := range s.feeds {
		feeds = append(feeds, f)
	}
	s.mu.Unlock()
	var seqs []uint64
	for _, f := range feeds {
		seqs = f.appendSeqs(seqs)
	}
	if len(seqs) == 0 {
		return 0
	}
	slices.Sort(seqs)
	cutoff := seqs[len(seqs)-min(n, len(seqs))]
	dropped := 0
	for _, f := range feeds {
		dropped += f.shedFrom(cutoff)
	}
	return dropped
}
