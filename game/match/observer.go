package match

import (
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// Observer receives every tick's output from a Match: netcode's hub per
// match (players) and spectate's feed per match (spectators) are observers.
//
// OnTick and OnStop are called on the match goroutine: they must not block,
// must not call back into the Match, and must not keep s or events after they
// return (copy what you need). OnStop is called once, after the last OnTick,
// when the match stops for any reason.
type Observer interface {
	OnTick(s *game.Snapshot, events []game.Event)
	OnStop(reason game.EndReason)
}

// Clock is the only way time reaches a Match or a Registry. Production code
// passes a system clock (package game/clock); tests pass a manual one and
// advance it instantly.
type Clock interface {
	// Now returns the current time on a monotonic timeline.
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// TickDue is the one rule for what a rate of something per second means in a
// match stepping tickRate times a second, shared by everything a match sends
// at a configured rate (players' snapshots, spectators' states): it is due on
// the ticks where ⌊tick·rate/tickRate⌋ steps up. That is exactly rate per
// second of ticks, evenly spaced when rate divides tickRate, and otherwise in
// gaps of ⌊tickRate/rate⌋ and ⌈tickRate/rate⌉ ticks (20/s at 30 Hz: gaps of
// 1 and 2 ticks, 20 a second). A rate at or above the tick rate means every
// tick; tick 0 is always due. Every observer of a match picks the same ticks,
// so a client can interpolate by tick numbers.
func TickDue(tick uint32, rate, tickRate int) bool {
	if tick == 0 || rate >= tickRate {
		return true
	}
	if rate <= 0 {
		return false
	}
	t, r, n := uint64(tick), uint64(rate), uint64(tickRate)
	return t*r/n != (t-1)*r/n
}

// TickObserver is told what a match's ticks cost, for metrics: cmd/skirmish
// feeds a Prometheus histogram and counter with it, so this package needs
// no metrics library. Its methods are called on the match goroutine, from
// every match of a Registry at once: they must be safe for concurrent use,
// must not block, and must not call into the Match.
type TickObserver interface {
	// ObserveTick is told how long one tick took on the match clock, from
	// draining the inbox to the last observer's OnTick.
	ObserveTick(d time.Duration)
	// TicksDropped is told that n ticks were dropped because the match fell
	// more than MaxCatchUp ticks behind (Info.Overruns counts them too).
	TicksDropped(n uint64)
}
