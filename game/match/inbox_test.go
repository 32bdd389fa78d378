package match

import (
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

func TestInputQueue(t *testing.T) {
	tests := []struct {
		name    string
		applied uint32
		push    []uint32
		want    []uint32 // popped in order
	}{
		{"in order", 0, []uint32{1, 2, 3}, []uint32{1, 2, 3}},
		{"reordered", 0, []uint32{3, 1, 2}, []uint32{1, 2, 3}},
		{"duplicates dropped", 0, []uint32{1, 1, 2, 1}, []uint32{1, 2}},
		{"stale dropped", 5, []uint32{4, 5, 6}, []uint32{6}},
		{"overflow drops oldest", 0, []uint32{1, 2, 3, 4, 5, 6}, []uint32{3, 4, 5, 6}},
		{"overflow drops an older newcomer", 0, []uint32{5, 6, 7, 8, 2}, []uint32{5, 6, 7, 8}},
		{"overflow with a late middle one", 0, []uint32{1, 2, 4, 5, 3}, []uint32{2, 3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := inputQueue{applied: tc.applied, buf: make([]game.Input, 0, 4)}
			for _, s := range tc.push {
				q.push(game.Input{Seq: s})
			}
			var got []uint32
			for {
				in, ok := q.pop()
				if !ok {
					break
				}
				got = append(got, in.Seq)
			}
			if !equal(got, tc.want) {
				t.Fatalf("popped %v, want %v", got, tc.want)
			}
			if cap(q.buf) != 4 {
				t.Fatalf("buffer grew to %d", cap(q.buf))
			}
			if len(tc.want) > 0 && q.applied != tc.want[len(tc.want)-1] {
				t.Fatalf("applied = %d", q.applied)
			}
		})
	}
}

// TestInputQueueBacklog: a burst after a stall must not become a permanent
// delay. The client keeps sending one input per tick; the queue that was
// left holding a burst shrinks back to one input of cushion after a window,
// without losing a shot; a queue that empties now and then (jitter, not a
// backlog) is left alone.
func TestInputQueueBacklog(t *testing.T) {
	const window = 10
	tests := []struct {
		name      string
		burst     int // inputs queued at once before steady play
		every     int // then one input pushed on every tick divisible by this (1 = every tick)
		wantAfter int // queue length after two windows
	}{
		{"standing backlog is trimmed to the cushion", 6, 1, 1},
		{"a backlog of two is trimmed to the cushion", 2, 1, 1},
		{"the cushion alone is kept", 1, 1, 1},
		{"no burst, nothing trimmed", 0, 1, 0},
		{"an input every other tick never builds a backlog", 0, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := inputQueue{buf: make([]game.Input, 0, 8)}
			seq := uint32(0)
			for range tc.burst {
				seq++
				fire := game.Buttons(0)
				if seq == 2 {
					fire = game.ButtonFire // a shot inside the burst
				}
				q.push(game.Input{Seq: seq, Buttons: fire})
			}
			fired := false
			for tick := 1; tick <= 2*window; tick++ {
				if tick%tc.every == 0 {
					seq++
					q.push(game.Input{Seq: seq})
				}
				if in, ok := q.next(window); ok && in.Buttons&game.ButtonFire != 0 {
					fired = true
				}
			}
			// A steady one-in-one-out stream ends with what the trim left
			// (pushed before popped, so the queue is empty or holds the cushion).
			if got := len(q.buf); got != tc.wantAfter {
				t.Fatalf("queue holds %d inputs after two windows, want %d", got, tc.wantAfter)
			}
			if tc.burst >= 2 && !fired {
				t.Fatalf("the shot in the burst was lost")
			}
		})
	}
}
