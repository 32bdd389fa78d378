package clock

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-ch:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestManual(t *testing.T) {
	start := time.Unix(100, 0)
	c := NewManual(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	a := c.After(2 * time.Second)
	b := c.After(1 * time.Second)
	now := c.After(0)
	if _, ok := fired(now); !ok {
		t.Fatalf("After(0) did not fire at once")
	}
	if c.Waiters() != 2 {
		t.Fatalf("Waiters = %d, want 2", c.Waiters())
	}
	c.Advance(999 * time.Millisecond)
	if _, ok := fired(a); ok {
		t.Fatalf("fired early")
	}
	if _, ok := fired(b); ok {
		t.Fatalf("fired early")
	}
	c.Advance(time.Millisecond)
	if got, ok := fired(b); !ok || !got.Equal(start.Add(time.Second)) {
		t.Fatalf("1s waiter: fired %v at %v", ok, got)
	}
	if c.Waiters() != 1 {
		t.Fatalf("Waiters = %d, want 1", c.Waiters())
	}
	c.Advance(time.Hour)
	if _, ok := fired(a); !ok {
		t.Fatalf("2s waiter did not fire")
	}
	if c.Waiters() != 0 || !c.Now().Equal(start.Add(time.Hour+time.Second)) {
		t.Fatalf("after advancing: %d waiters, now %v", c.Waiters(), c.Now())
	}
}

func TestManualWaitForWaiters(t *testing.T) {
	c := NewManual(time.Unix(0, 0))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-c.After(time.Second)
	}()
	c.BlockUntilWaiters(1)
	c.Advance(time.Second)
	wg.Wait()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.WaitForWaiters(ctx, 1); err == nil {
		t.Fatalf("WaitForWaiters returned nil with no waiters and a done ctx")
	}
}

func TestSystem(t *testing.T) {
	var c System
	before := time.Now()
	if c.Now().Before(before) {
		t.Fatalf("System.Now went backwards")
	}
	select {
	case <-c.After(time.Millisecond):
	case <-time.After(20 * time.Second):
		t.Fatalf("System.After never fired")
	}
}
