package admin

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// Sample is the server at one moment, as the dashboard draws it. Counts are
// as of the moment; the tick durations and the bandwidth cover the interval
// since the sample before.
type Sample struct {
	T          int64   `json:"t"`          // Unix time, milliseconds
	Matches    int     `json:"matches"`    // running matches
	Humans     int     `json:"humans"`     // human players seated, held seats included
	Bots       int     `json:"bots"`       // bots seated
	Held       int     `json:"held"`       // seats held after a dropped connection
	Spectators int     `json:"spectators"` // spectator streams
	Ticks      uint64  `json:"ticks"`      // ticks stepped by all matches in the interval
	TickP50    float64 `json:"tickP50"`    // median tick duration in the interval, ms (0: no tick)
	TickP99    float64 `json:"tickP99"`    // 99th percentile tick duration, ms
	BytesOut   float64 `json:"bytesOut"`   // bytes per second written to players' sockets
}

// SamplerConfig configures a Sampler. Zero values take the documented
// defaults.
type SamplerConfig struct {
	Registry   *match.Registry // required
	Ticks      *TickTimes      // the matches' tick durations (match.Config.TickTimer); nil means none measured
	Spectators func() int      // spectator streams now; nil means 0
	BytesOut   func() uint64   // bytes written to players since start; nil means 0
	Interval   time.Duration   // between samples; 0 means 1s
	Keep       int             // samples kept for a new dashboard; 0 means 300 (5 minutes at 1 s)
}

// subscriberQueue is how many samples may wait for one stream; a stream
// that falls that far behind is closed (its EventSource reconnects and gets
// the history afresh).
const subscriberQueue = 16

// Sampler takes a Sample of the server every interval, keeps the last few
// minutes and hands each new one to the dashboard's streams. It is safe
// for concurrent use.
//
// It is the dashboard's own small measure while the server has no metrics
// registry; its numbers are the same as the Prometheus metrics' would be
// (and can be fed from them) but are kept apart from them.
type Sampler struct {
	cfg SamplerConfig

	mu      sync.Mutex
	ring    []Sample // the last cfg.Keep samples, oldest first
	subs    map[chan Sample]struct{}
	stopped bool
	last    struct { // the previous sample's counters
		at    time.Time
		bytes uint64
		ticks [tickBuckets + 1]uint64
	}
}

// NewSampler returns a Sampler that is not yet sampling (Run).
func NewSampler(cfg SamplerConfig) *Sampler {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 300
	}
	if cfg.Spectators == nil {
		cfg.Spectators = func() int { return 0 }
	}
	if cfg.Ticks == nil {
		cfg.Ticks = new(TickTimes)
	}
	if cfg.BytesOut == nil {
		cfg.BytesOut = func() uint64 { return 0 }
	}
	return &Sampler{cfg: cfg, subs: make(map[chan Sample]struct{})}
}

// Run samples every interval until ctx is done, then closes every stream's
// queue. It returns when it has stopped.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	s.take(time.Now()) // the baseline for the first interval's rates
	for {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.stopped = true
			for ch := range s.subs {
				close(ch)
				delete(s.subs, ch)
			}
			s.mu.Unlock()
			return
		case now := <-t.C:
			s.take(now)
		}
	}
}

// take makes a sample at now, keeps it and offers it to every stream.
func (s *Sampler) take(now time.Time) Sample {
	smp := Sample{T: now.UnixMilli(), Spectators: s.cfg.Spectators()}
	for _, info := range s.cfg.Registry.List() {
		smp.Matches++
		smp.Humans += info.Humans
		smp.Bots += info.Bots
		if m, ok := s.cfg.Registry.Find(info.ID); ok {
			for _, p := range m.Players() {
				if p.Flags&game.FlagDisconnected != 0 {
					smp.Held++
				}
			}
		}
	}
	bytes := s.cfg.BytesOut()
	var counts [tickBuckets + 1]uint64
	s.cfg.Ticks.load(&counts)

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.last.at.IsZero() {
		if secs := now.Sub(s.last.at).Seconds(); secs > 0 {
			smp.BytesOut = math.Round(float64(bytes-s.last.bytes) / secs)
		}
		var diff [tickBuckets + 1]uint64
		for i := range counts {
			diff[i] = counts[i] - s.last.ticks[i]
			smp.Ticks += diff[i]
		}
		smp.TickP50 = quantileMs(&diff, smp.Ticks, 0.50)
		smp.TickP99 = quantileMs(&diff, smp.Ticks, 0.99)
	}
	s.last.at, s.last.bytes, s.last.ticks = now, bytes, counts
	if len(s.ring) == s.cfg.Keep {
		copy(s.ring, s.ring[1:])
		s.ring = s.ring[:len(s.ring)-1]
	}
	s.ring = append(s.ring, smp)
	for ch := range s.subs {
		select {
		case ch <- smp:
		default: // too far behind: closed, it comes back with the history
			close(ch)
			delete(s.subs, ch)
		}
	}
	return smp
}

// subscribe returns the samples kept so far and a queue of the ones to
// come, closed when the sampler stops or the subscriber falls behind;
// cancel ends the subscription. ok is false once the sampler has stopped.
func (s *Sampler) subscribe() (history []Sample, next <-chan Sample, cancel func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, nil, func() {}, false
	}
	ch := make(chan Sample, subscriberQueue)
	s.subs[ch] = struct{}{}
	return append([]Sample{}, s.ring...), ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[ch]; ok {
			delete(s.subs, ch)
			close(ch)
		}
	}, true
}

// tickBuckets is the number of finite buckets of tick durations: bucket k
// holds durations up to 1 µs × 2^(k/4), so k = 95 is about 14.1 s and a
// quantile is known within 19% (one bucket); the last bucket holds the rest.
const tickBuckets = 96

// TickTimes counts tick durations in log-spaced buckets, lock-free, so
// that every match goroutine can add to it after every tick (its Observe is
// match.Config.TickTimer). The zero value is ready; it is safe for
// concurrent use.
type TickTimes struct {
	counts [tickBuckets + 1]atomic.Uint64
}

// Observe counts one tick that took d.
func (h *TickTimes) Observe(d time.Duration) {
	k := 0
	if d > time.Microsecond {
		k = min(int(math.Ceil(4*math.Log2(float64(d)/float64(time.Microsecond)))), tickBuckets)
	}
	h.counts[k].Add(1)
}

func (h *TickTimes) load(dst *[tickBuckets + 1]uint64) {
	for i := range h.counts {
		dst[i] = h.counts[i].Load()
	}
}

// quantileMs returns the upper bound, in ms, of the bucket that holds the q
// quantile of n counted durations (0 when n is 0).
func quantileMs(counts *[tickBuckets + 1]uint64, n uint64, q float64) float64 {
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for k, c := range counts {
		seen += c
		if seen >= rank {
			if k == tickBuckets {
				k-- // beyond the last bound: report the bound
			}
			ms := math.Pow(2, float64(k)/4) / 1000
			return math.Round(ms*1000) / 1000
		}
	}
	return 0
}
