package match

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
)

// tickMeter records what a TickObserver is told.
type tickMeter struct {
	mu        sync.Mutex
	durations []time.Duration
	dropped   uint64
}

func (t *tickMeter) ObserveTick(d time.Duration) {
	t.mu.Lock()
	t.durations = append(t.durations, d)
	t.mu.Unlock()
}

func (t *tickMeter) TicksDropped(n uint64) {
	t.mu.Lock()
	t.dropped += n
	t.mu.Unlock()
}

func (t *tickMeter) read() ([]time.Duration, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Duration(nil), t.durations...), t.dropped
}

// slowObserver takes cost of the match clock in every OnTick, as an
// observer encoding a big snapshot would.
type slowObserver struct {
	clk  *clock.Manual
	cost time.Duration
}

func (s slowObserver) OnTick(*game.Snapshot, []game.Event) { s.clk.Advance(s.cost) }
func (slowObserver) OnStop(game.EndReason)                 {}

// The tick observer is told every tick's cost, observers' time included,
// and every dropped tick.
func TestMatchTickObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meter := &tickMeter{}
		h := startMatch(t, Config{MaxCatchUp: 3, Ticks: meter})
		h.m.Subscribe(slowObserver{clk: h.clk, cost: 5 * time.Millisecond})
		h.step(2)
		h.sleeping()
		durations, dropped := meter.read()
		if len(durations) != 2 || durations[0] != 5*time.Millisecond || durations[1] != 5*time.Millisecond {
			t.Fatalf("observed %v, want two ticks of 5ms", durations)
		}
		if dropped != 0 {
			t.Fatalf("dropped %d ticks on schedule", dropped)
		}
		h.clk.Advance(10 * h.dt) // a stall: 3 ticks caught up, the rest dropped
		h.rec.waitTicks(t, 3)
		h.sleeping()
		durations, dropped = meter.read()
		if len(durations) != 5 {
			t.Fatalf("%d ticks observed, want 5", len(durations))
		}
		if info := h.m.Info(); dropped == 0 || dropped != info.Overruns {
			t.Fatalf("dropped %d, want Info.Overruns (%d) and not 0", dropped, info.Overruns)
		}
	})
}

// Info says when the match last ticked, and how many seats are held.
func TestMatchInfoTickedAtAndHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{})
		start := h.clk.Now()
		if got := h.m.Info().TickedAt; !got.Equal(start) {
			t.Fatalf("TickedAt before the first tick = %v, want the creation %v", got, start)
		}
		id := h.joinNow("ann")
		if got := h.m.Info().TickedAt; !got.Equal(start.Add(h.dt)) {
			t.Fatalf("TickedAt = %v, want %v", got, start.Add(h.dt))
		}
		if !h.m.Hold(id, time.Second, nil) {
			t.Fatal("Hold refused")
		}
		h.step(1)
		if info := h.m.Info(); info.Held != 1 || info.Humans != 1 {
			t.Fatalf("Held %d Humans %d, want 1 held seat counted in Humans", info.Held, info.Humans)
		}
	})
}
