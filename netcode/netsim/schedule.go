package netsim

import (
	"math"
	"math/rand/v2"
	"time"
)

// segmentSize is the most bytes one segment carries: an Ethernet MSS (a
// 1500-byte MTU less 40 bytes of IPv4 and TCP headers). Each segment gets
// its own jitter and its own tokens, as each packet does on a real link.
const segmentSize = 1460

// burstTime sizes the token bucket: it holds 10 ms of the rate, and at
// least one segment (tbf's rule that burst ≥ MTU). Small, so a measured
// rate is the rate and not the burst.
const burstTime = 10 * time.Millisecond

// schedule decides when each segment of one direction is delivered. It is
// pure — arrival times in, delivery times out, no clock — so its rules are
// tested exactly. It is not safe for concurrent use: its direction's lock
// guards it.
//
// The stages follow a packet through a bottleneck link: the token bucket
// (tbf) says when it departs, the delay and jitter (netem) when it is due,
// TCP reassembly keeps it behind the segment before it, and a stall holds
// it until the stall ends.
type schedule struct {
	imp   Impairment
	epoch time.Time // stall windows are phased from here
	rng   *rand.Rand

	burst  float64   // bucket size in bytes
	tokens float64   // bytes the bucket holds at filled
	filled time.Time // when tokens was last brought up to date

	lastDepart time.Time // departures are FIFO
	lastDue    time.Time // deliveries never overtake
}

func newSchedule(imp Impairment, epoch time.Time, seed uint64) *schedule {
	s := &schedule{imp: imp, epoch: epoch, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if imp.Rate > 0 {
		s.burst = max(segmentSize, float64(imp.Rate)*burstTime.Seconds())
		s.tokens, s.filled = s.burst, epoch
	}
	return s
}

// next returns when a segment of n bytes (at most segmentSize; 0 for the
// end of the stream, which takes no tokens) that reached the link at
// arrived is delivered. Calls come in stream order with non-decreasing
// arrival times; the results never decrease.
func (s *schedule) next(arrived time.Time, n int) time.Time {
	depart := latest(arrived, s.lastDepart)
	if rate := float64(s.imp.Rate); rate > 0 && n > 0 {
		s.tokens = min(s.burst, s.tokens+depart.Sub(s.filled).Seconds()*rate)
		if short := float64(n) - s.tokens; short > 0 {
			depart = depart.Add(time.Duration(math.Ceil(short / rate * float64(time.Second))))
			s.tokens = float64(n)
		}
		s.tokens -= float64(n)
		s.filled = depart
	}
	s.lastDepart = depart

	delay := s.imp.Delay
	if j := s.imp.Jitter; j > 0 {
		delay = max(0, delay+time.Duration(s.rng.Int64N(2*int64(j)+1))-j)
	}
	due := latest(depart.Add(delay), s.lastDue)
	s.lastDue = due
	return s.imp.Stall.release(s.epoch, due)
}

// release returns t, or when the stall window t falls in ends. Each
// period's window is its last Duration, so a link starts with Period −
// Duration of good network. It is monotonic, so it keeps order.
func (s Stall) release(epoch, t time.Time) time.Time {
	if s.Period <= 0 || t.Before(epoch) {
		return t
	}
	in := t.Sub(epoch) % s.Period
	if in < s.Period-s.Duration {
		return t
	}
	return t.Add(s.Period - in)
}

func latest(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}
