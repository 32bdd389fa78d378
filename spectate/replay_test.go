package spectate

import (
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/journal"
)

// TestHorizonAfterStop: once the live match has stopped, its last ticks
// come out on the clock from when the replay saw it stop — even when the
// replay's idea of now was read before the stop (a goroutine descheduled
// between reading the clock and looking at the journal), which must not
// start them early.
func TestHorizonAfterStop(t *testing.T) {
	const delay, tickRate = 30, 30
	dt := time.Second / tickRate
	clk := clock.NewManual(time.Unix(1000, 0))
	w, err := journal.NewWriter(journal.Header{Match: "m", World: game.WorldConfig{Map: testMap()}.WithDefaults()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 190 {
		w.Tick(&game.TickInput{})
	}
	r := newReplaySource(replayOptions{live: w, delay: delay, tickRate: tickRate, clock: clk})
	stale := clk.Now() // read while the match ran
	if h := r.horizon(stale); h != 190-delay {
		t.Fatalf("running: horizon %d, want %d", h, 190-delay)
	}
	clk.Advance(20 * dt)
	w.End(190, game.EndTimeLimit) // the match stops 20 ticks of clock after stale
	if h := r.horizon(stale); h != 190-delay {
		t.Fatalf("stopped, stale now: horizon %d, want %d", h, 190-delay)
	}
	if h := r.horizon(clk.Now()); h != 190-delay {
		t.Fatalf("stopped, now: horizon %d, want %d (the last ticks start from the stop)", h, 190-delay)
	}
	clk.Advance(10 * dt)
	if h := r.horizon(clk.Now()); h != 190-delay+10 {
		t.Fatalf("10 ticks after the stop: horizon %d, want %d", h, 190-delay+10)
	}
}
