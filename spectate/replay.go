package spectate

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/journal"
	"github.com/skirmish-game/skirmish/game/match"
)

// This file re-simulates a match from its journal for a feed: the delayed
// live feed (--spectator-delay: SourceTV's tv_delay) and timeshift streams
// (a past tick of a live match, or an ended match, at a chosen speed). A
// replaySource stands where the match stands for an ordinary feed: it calls
// the feed's OnTick with each replayed tick's snapshot and events, on its
// own goroutine, never ahead of the horizon — the live match's tick less the
// delay — so nothing newer than now − delay can reach a spectator, whatever
// the request says.
//
// Memory: a replaySource holds one World (the size of the match's) and reads
// the match's journal, which the match keeps anyway; the delay costs no
// buffer of events. CPU: one World.Step per replayed tick, plus, when it
// starts, the ticks from 0 to its first (a World cannot be rewound).

// desyncer is what a replaySource tells its feed besides ticks.
type desyncer interface {
	// onDesync says the replay's state hash differs from the one the match
	// recorded after tick; n is how many times that happened so far.
	onDesync(tick uint32, n int)
}

// replayOptions configure a replaySource.
type replayOptions struct {
	journal  *journal.Reader // from the journal's start
	live     *journal.Writer // the journal still being written; nil: complete
	match    source          // the live match, whose ticks wake the replay; nil: none
	stopped  time.Time       // when the live match stopped, if before the replay started; zero: see live.Ended
	from     uint32          // the first tick shown (the first snapshot's)
	delay    uint32          // ticks the replay stays behind the live match
	speed    float64         // ticks per second = speed × tickRate; 0: follow the horizon
	tickRate int
	clock    Clock
	log      *slog.Logger
	desyncs  func()            // counts a desync server-wide
	parked   func(tick uint32) // tests: told the replay's tick each time it waits; nil: nobody
}

// replaySource is a source that re-simulates a journal. Its methods are safe
// for concurrent use; Subscribe may be called once.
type replaySource struct {
	opt  replayOptions
	done chan struct{}
	wake chan struct{}
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup

	// The run goroutine's.
	stoppedAt   time.Time // when it saw the live journal end; zero before
	stoppedTick uint32
}

var _ source = (*replaySource)(nil)

func newReplaySource(opt replayOptions) *replaySource {
	if opt.clock == nil {
		opt.clock = systemClock{}
	}
	if opt.log == nil {
		opt.log = slog.Default()
	}
	r := &replaySource{opt: opt, done: make(chan struct{}), wake: make(chan struct{}, 1), stop: make(chan struct{})}
	if !opt.stopped.IsZero() && opt.live != nil {
		r.stoppedAt, r.stoppedTick = opt.stopped, opt.live.Ticks()
	}
	return r
}

// Done is closed when the replay has delivered OnStop (or was stopped).
func (r *replaySource) Done() <-chan struct{} { return r.done }

// Subscribe starts the replay for o; the returned func stops it and waits
// for its goroutine.
func (r *replaySource) Subscribe(o match.Observer) (unsubscribe func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.done)
		r.run(o)
	}()
	return func() {
		r.once.Do(func() { close(r.stop) })
		r.wg.Wait()
	}
}

// OnTick and OnStop make the replaySource an observer of the live match:
// a tick recorded there may move the horizon.
func (r *replaySource) OnTick(*game.Snapshot, []game.Event) { r.signal() }

// OnStop implements match.Observer.
func (r *replaySource) OnStop(game.EndReason) { r.signal() }

func (r *replaySource) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// stepsBetweenChecks bounds the ticks stepped between two looks at stop
// while the replay fast-forwards to its first tick.
const stepsBetweenChecks = 512

func (r *replaySource) run(o match.Observer) {
	if r.opt.match != nil {
		defer r.opt.match.Subscribe(r)()
	}
	p, err := journal.NewReplay(r.opt.journal)
	if err != nil {
		r.opt.log.Warn("spectate: replay: bad journal", "err", err)
		o.OnStop(game.EndShutdown)
		return
	}
	dt := time.Second / time.Duration(max(r.opt.tickRate, 1))
	var (
		snap    game.Snapshot
		started bool      // the first tick has been shown
		t0      time.Time // when it was
	)
	d, _ := o.(desyncer)
	for {
		now := r.opt.clock.Now()
		target := r.horizon(now)
		switch {
		case !started:
			target = min(target, r.opt.from)
		case r.opt.speed > 0:
			ahead := now.Sub(t0).Seconds() * float64(r.opt.tickRate) * r.opt.speed
			target = min(target, r.opt.from+uint32(min(ahead, math.MaxUint32/2)))
		}
	steps:
		for n := 0; p.World().Tick() < target || (!started && p.World().Tick() == target); n++ {
			if !started && p.World().Tick() == target {
				if target < r.opt.from {
					break steps // the horizon has not reached from yet
				}
				started, t0 = true, now
				p.World().Snapshot(&snap)
				o.OnTick(&snap, nil)
				if n := p.Desyncs(); n > 0 && d != nil { // on the way to from: what is shown is off already
					d.onDesync(p.World().Tick(), n)
				}
				break steps
			}
			if n%stepsBetweenChecks == stepsBetweenChecks-1 && r.stopped() {
				return
			}
			st, err := p.Next()
			switch {
			case errors.Is(err, journal.ErrPending):
				break steps // nothing more recorded yet: wait
			case errors.Is(err, io.EOF):
				return // after the end record; not reached
			case err != nil:
				r.opt.log.Warn("spectate: replay stopped", "err", err)
				o.OnStop(game.EndShutdown)
				return
			}
			switch st.Kind {
			case journal.KindTick:
				if started {
					p.World().Snapshot(&snap)
					o.OnTick(&snap, p.World().Events())
				}
			case journal.KindHash:
				if st.Mismatch {
					r.opt.log.Warn("spectate: replay desynced", "match", p.Header().Match, "tick", st.Tick,
						"recorded", st.Hash, "replayed", st.Got)
					if r.opt.desyncs != nil {
						r.opt.desyncs()
					}
					if started && d != nil {
						d.onDesync(st.Tick, p.Desyncs())
					}
				}
			case journal.KindEnd:
				if !started { // from is past the end: show the last tick
					p.World().Snapshot(&snap)
					o.OnTick(&snap, nil)
				}
				o.OnStop(st.Reason)
				return
			}
		}
		if r.opt.parked != nil {
			r.opt.parked(p.World().Tick())
		}
		// Wait for the live match's next tick, or for time to pass when
		// the pace is the clock's (a speed, or a stopped match's delay).
		var tick <-chan time.Time
		if r.opt.speed > 0 || r.opt.live == nil || !r.stoppedAt.IsZero() || r.opt.match == nil {
			tick = after(r.opt.clock, dt)
		}
		select {
		case <-r.stop:
			return
		case <-r.wake:
		case <-tick:
		}
	}
}

func (r *replaySource) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// horizon is the newest tick the replay may show at now: the live match's
// tick less the delay — after the match stopped, its last tick plus the
// ticks since, on the clock — or, for a complete journal, any.
func (r *replaySource) horizon(now time.Time) uint32 {
	w := r.opt.live
	if w == nil {
		return math.MaxUint32
	}
	ticks := w.Ticks()
	if w.Ended() || w.Err() != nil {
		if r.stoppedAt.IsZero() {
			// The clock read now, not the caller's now: that may be from
			// before the stop, and would start the match's last ticks early.
			r.stoppedAt, r.stoppedTick = r.opt.clock.Now(), ticks
		}
		since := max(now.Sub(r.stoppedAt), 0) // a now read before the stop counts nothing
		ticks = r.stoppedTick + ticksIn(since, r.opt.tickRate)
	}
	if ticks < r.opt.delay {
		return 0
	}
	return ticks - r.opt.delay
}

// ticksIn is how many ticks a match at tickRate steps in d: whole ticks of
// the match's own dt (a second divided by the rate, as match.Match's).
func ticksIn(d time.Duration, tickRate int) uint32 {
	dt := time.Second / time.Duration(max(tickRate, 1))
	return uint32(min(d/dt, math.MaxUint32/2))
}

// timerClock is a Clock that can also wake a goroutine (clock.Manual and
// clock.System are).
type timerClock interface {
	After(d time.Duration) <-chan time.Time
}

// after is clock's timer, or the system's for a clock without one.
func after(c Clock, d time.Duration) <-chan time.Time {
	if tc, ok := c.(timerClock); ok {
		return tc.After(d)
	}
	return time.After(d)
}
