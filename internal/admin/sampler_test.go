package admin

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

func TestTickTimesQuantiles(t *testing.T) {
	tests := []struct {
		name     string
		obs      map[time.Duration]int
		p50, p99 float64 // ms, within one bucket (19%) above
	}{
		{"none", nil, 0, 0},
		{"all alike", map[time.Duration]int{time.Millisecond: 100}, 1, 1},
		{"a slow 1%", map[time.Duration]int{time.Millisecond: 99, 100 * time.Millisecond: 1}, 1, 1},
		{"a slow 2%", map[time.Duration]int{time.Millisecond: 98, 100 * time.Millisecond: 2}, 1, 100},
		{"sub-microsecond", map[time.Duration]int{100 * time.Nanosecond: 10}, 0.001, 0.001},
		{"beyond the buckets: the last bound", map[time.Duration]int{time.Minute: 1}, 14107.901, 14107.901},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h TickTimes
			n := uint64(0)
			for d, k := range tc.obs {
				for range k {
					h.Observe(d)
				}
				n += uint64(k)
			}
			var counts [tickBuckets + 1]uint64
			h.load(&counts)
			for _, q := range []struct {
				q, want float64
			}{{0.5, tc.p50}, {0.99, tc.p99}} {
				got := quantileMs(&counts, n, q.q)
				if got < q.want || got > math.Max(q.want*1.19, q.want+0.001) {
					t.Errorf("q%.2f = %v ms, want %v ms to one bucket above", q.q, got, q.want)
				}
			}
		})
	}
}

// testRegistry is a running registry on a manual clock with no match.
func testRegistry(t *testing.T) *match.Registry {
	t.Helper()
	m := &game.Map{ID: "box", Name: "Box", Width: 400, Height: 400,
		Spawns: []game.Point{{X: 100, Y: 100}, {X: 300, Y: 300}}}
	n := 0
	reg, err := match.NewRegistry(match.RegistryConfig{
		Match:  match.Config{World: game.WorldConfig{BotFill: 2, Map: m}, Clock: clock.NewManual(time.Unix(0, 0))},
		NewID:  func() string { n++; return string(rune('a' + n)) },
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = reg.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return reg
}

// The sampler turns counters into rates between samples, keeps the newest
// Keep, hands every sample to its subscribers, closes one that falls
// behind, and closes them all when it stops.
func TestSampler(t *testing.T) {
	reg := testRegistry(t)
	if _, err := reg.Create(); err != nil {
		t.Fatal(err)
	}
	var bytes uint64
	ticks := new(TickTimes)
	s := NewSampler(SamplerConfig{Registry: reg, Ticks: ticks, Keep: 3,
		Spectators: func() int { return 7 }, BytesOut: func() uint64 { return bytes }})
	t0 := time.Unix(100, 0)
	s.take(t0)
	hist, next, cancel, ok := s.subscribe()
	defer cancel()
	if !ok || len(hist) != 1 || hist[0].Matches != 1 || hist[0].Spectators != 7 || hist[0].Ticks != 0 {
		t.Fatalf("history %+v (ok %v), want the first sample: one match, 7 spectators, no interval", hist, ok)
	}
	bytes = 5000
	for range 30 {
		ticks.Observe(2 * time.Millisecond)
	}
	got := s.take(t0.Add(2 * time.Second))
	if got.BytesOut != 2500 || got.Ticks != 30 || got.TickP50 < 2 || got.TickP50 > 2.4 || got.T != t0.Add(2*time.Second).UnixMilli() {
		t.Fatalf("sample %+v, want 2500 B/s over 2 s and 30 ticks of 2 ms", got)
	}
	if smp := <-next; smp != got {
		t.Fatalf("the subscriber got %+v, want %+v", smp, got)
	}
	s.take(t0.Add(3 * time.Second))
	s.take(t0.Add(4 * time.Second))
	if h, _, c, _ := s.subscribe(); len(h) != 3 || h[0].T != got.T {
		t.Fatalf("history of %d from %d, want the newest 3 from %d", len(h), h[0].T, got.T)
	} else {
		c()
	}
	// next holds 2 unread; 15 more fill it past its 16, and the next closes it.
	for i := range subscriberQueue {
		s.take(t0.Add(time.Duration(5+i) * time.Second))
	}
	n := 0
	for range next {
		n++
	}
	if n != subscriberQueue {
		t.Fatalf("a subscriber that fell behind got %d samples and then its close, want %d", n, subscriberQueue)
	}

	// Run stops on cancel and closes its subscribers.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	_, last, cancelLast, _ := s.subscribe()
	defer cancelLast()
	stop()
	<-done
	for range last {
	}
	if _, _, _, ok := s.subscribe(); ok {
		t.Fatal("subscribed to a stopped sampler")
	}
}
