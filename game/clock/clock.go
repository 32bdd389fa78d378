// Package clock provides the match.Clock implementations: System for
// production and Manual for tests that drive ticks instantly.
package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// System is the real clock: time.Now and time.After. The zero value is ready
// to use and it is safe for concurrent use.
type System struct{}

// Now returns time.Now (which carries a monotonic reading).
func (System) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (System) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Manual is a clock that only moves when told to, so tests can run a match's
// ticks instantly and deterministically. It is safe for concurrent use.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	changed chan struct{} // closed and replaced whenever waiters changes
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewManual returns a Manual clock reading start.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start, changed: make(chan struct{})}
}

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// After returns a channel that receives the clock's time once Advance has
// moved it d past now. A d ≤ 0 fires immediately. The channel is buffered,
// so an abandoned waiter never blocks Advance.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if d <= 0 {
		ch <- m.now
		return ch
	}
	m.waiters = append(m.waiters, waiter{at: m.now.Add(d), ch: ch})
	m.notify()
	return ch
}

// Advance moves the clock forward by d and fires, in deadline order, every
// waiter that is now due.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	sort.SliceStable(m.waiters, func(i, j int) bool { return m.waiters[i].at.Before(m.waiters[j].at) })
	n := 0
	for _, w := range m.waiters {
		if w.at.After(m.now) {
			m.waiters[n] = w
			n++
			continue
		}
		w.ch <- m.now
	}
	clear(m.waiters[n:])
	m.waiters = m.waiters[:n]
	m.notify()
}

// Waiters returns how many After channels have not fired yet (including
// ones whose receiver gave up waiting).
func (m *Manual) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}

// BlockUntilWaiters blocks until at least n After channels are pending. Use
// it to know that the code under test has gone back to sleep before calling
// Advance. Prefer WaitForWaiters in tests so a bug fails instead of hanging.
func (m *Manual) BlockUntilWaiters(n int) {
	_ = m.WaitForWaiters(context.Background(), n)
}

// WaitForWaiters is BlockUntilWaiters with a way out: it returns ctx's error
// if ctx is done first.
func (m *Manual) WaitForWaiters(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		have, changed := len(m.waiters), m.changed
		m.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notify wakes WaitForWaiters calls; m.mu must be held.
func (m *Manual) notify() {
	close(m.changed)
	m.changed = make(chan struct{})
}
