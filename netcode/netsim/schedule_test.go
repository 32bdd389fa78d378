package netsim

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The schedule is pure, so these tests give it exact times and check
// exact answers: no clock, no sockets, nothing to flake.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestScheduleDelay(t *testing.T) {
	s := newSchedule(Impairment{Delay: ms(75)}, t0, 1)
	for _, arrived := range []time.Duration{0, ms(1), ms(1), ms(40), ms(1000)} {
		if got, want := s.next(t0.Add(arrived), 100), t0.Add(arrived+ms(75)); !got.Equal(want) {
			t.Fatalf("arrived at +%s: delivered at +%s, want +%s", arrived, got.Sub(t0), want.Sub(t0))
		}
	}
	// The end of the stream is delayed like a byte.
	if got := s.next(t0.Add(ms(2000)), 0); !got.Equal(t0.Add(ms(2075))) {
		t.Fatalf("end delivered at +%s, want +2.075s", got.Sub(t0))
	}
}

// TestScheduleJitterNeverOvertakes is a property test over random links
// and random traffic: delivery times never decrease (no byte overtakes
// another), and each segment's delay stays within delay ± jitter except
// where it waits behind the segment before it.
func TestScheduleJitterNeverOvertakes(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		imp := Impairment{Delay: ms(float64(rng.IntN(150))), Jitter: ms(float64(rng.IntN(100)))}
		s := newSchedule(imp, t0, seed)
		lo, hi := max(0, imp.Delay-imp.Jitter), imp.Delay+imp.Jitter
		var prev time.Time
		arrived := t0
		varied := map[time.Duration]bool{}
		for i := range 500 {
			arrived = arrived.Add(ms(float64(rng.IntN(3)) * rng.Float64() * 20)) // bursts and gaps
			at := s.next(arrived, rng.IntN(segmentSize+1))
			if at.Before(prev) {
				t.Fatalf("seed %d %+v: segment %d delivered at +%s, before the one before it (+%s)", seed, imp, i, at.Sub(t0), prev.Sub(t0))
			}
			if d := at.Sub(arrived); d < lo || d > hi && !at.Equal(prev) {
				t.Fatalf("seed %d %+v: segment %d delayed %s, want %s..%s or held behind its predecessor", seed, imp, i, d, lo, hi)
			}
			if !at.Equal(prev) {
				varied[at.Sub(arrived)] = true
			}
			prev = at
		}
		if imp.Jitter > ms(1) && len(varied) < 10 {
			t.Fatalf("seed %d %+v: only %d distinct delays: jitter is not applied", seed, imp, len(varied))
		}
	}
}

// TestScheduleStall: nothing is delivered inside a stall window, and
// whatever fell due in one is released exactly when it ends, in order.
func TestScheduleStall(t *testing.T) {
	stall := Stall{Duration: ms(200), Period: ms(1000)} // windows [0.8s, 1s), [1.8s, 2s), …
	s := newSchedule(Impairment{Delay: ms(50), Stall: stall}, t0, 1)
	tests := []struct {
		arrived, want time.Duration
	}{
		{ms(0), ms(50)},
		{ms(700), ms(750)},
		{ms(749), ms(799)},     // due just before the window
		{ms(750), ms(1000)},    // due at its start: released at its end
		{ms(900), ms(1000)},    // arrived inside it
		{ms(949), ms(1000)},    // due just before its end
		{ms(950), ms(1000)},    // due at its end: not held
		{ms(1500), ms(1550)},   // the link is good again
		{ms(2790), ms(3000)},   // and the third window holds too
		{ms(10000), ms(10050)}, //
	}
	for _, tt := range tests {
		if got := s.next(t0.Add(tt.arrived), 10); got.Sub(t0) != tt.want {
			t.Errorf("arrived at +%s: delivered at +%s, want +%s", tt.arrived, got.Sub(t0), tt.want)
		}
	}

	// Over random traffic no delivery falls inside a window.
	rng := rand.New(rand.NewPCG(7, 7))
	s = newSchedule(Impairment{Delay: ms(75), Jitter: ms(15), Stall: stall}, t0, 7)
	arrived := t0
	for range 20000 {
		arrived = arrived.Add(ms(rng.Float64() * 5))
		at := s.next(arrived, 100)
		if in := at.Sub(t0) % stall.Period; in >= stall.Period-stall.Duration {
			t.Fatalf("delivered at +%s, inside a stall window", at.Sub(t0))
		}
	}
}

// TestScheduleRate: a backlog drains at the rate, plus at most the
// bucket's burst; an idle link refills its bucket.
func TestScheduleRate(t *testing.T) {
	const rate = 64000
	s := newSchedule(Impairment{Rate: rate}, t0, 1)
	var bytesBy2s int
	var last time.Time
	for range 200 { // 292 KB arrive at once: 4.5 s of traffic
		last = s.next(t0, segmentSize)
		if !last.After(t0.Add(2 * time.Second)) {
			bytesBy2s += segmentSize
		}
	}
	burst := max(segmentSize, rate*burstTime.Seconds())
	if lo, hi := 2*rate-segmentSize, 2*rate+int(burst); bytesBy2s < lo || bytesBy2s > hi {
		t.Fatalf("%d bytes delivered in the first 2s at %d B/s, want %d..%d", bytesBy2s, rate, lo, hi)
	}
	want := t0.Add(time.Duration((200*segmentSize - burst) / rate * float64(time.Second)))
	if d := last.Sub(want); d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("the backlog's last byte left at +%s, want +%s", last.Sub(t0), want.Sub(t0))
	}
	// After a long idle the bucket is full: a segment leaves at once.
	idle := last.Add(time.Second)
	if got := s.next(idle, segmentSize); !got.Equal(idle) {
		t.Fatalf("after idling, a segment left %s late", got.Sub(idle))
	}
}
