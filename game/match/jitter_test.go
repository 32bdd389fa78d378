package match

import (
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

var jp30 = newJitterParams(30)

// queueRun drives one jitter buffer tick by tick: arrivals[k] arrive during
// tick k (just before its drain), then the tick takes its input.
type queueRun struct {
	q      inputQueue
	tick   int
	got    []game.Input // what each tick handed the World (Seq 0: nothing)
	redos  []game.Redo  // redos asked for (Moves copied)
	refuse bool         // the World refuses every redo
}

func newQueueRun(size int) *queueRun { return &queueRun{q: newInputQueue(1, size)} }

// due is the tick's due time: tick k at k·dt.
func (r *queueRun) due() time.Duration { return time.Duration(r.tick) * jp30.dt }

// step delivers ins early (margin before the drain) and runs the tick.
func (r *queueRun) step(early time.Duration, ins ...game.Input) game.Input {
	for _, in := range ins {
		r.q.arrive(in, r.due()-early, r.due(), &jp30)
	}
	// World tick k+1 steps tick k's slot (tick 0 of the run is World tick 1).
	if redo, ok := r.q.redo(uint32(r.tick)); ok {
		redo.Moves = append([]game.Move(nil), redo.Moves...)
		r.redos = append(r.redos, redo)
		r.q.redone(!r.refuse)
	}
	in, ok := r.q.next(&jp30, uint32(r.tick+1))
	if !ok {
		in = game.Input{}
	}
	r.got = append(r.got, in)
	r.tick++
	return in
}

func mv(seq uint32, x float64) game.Input { return game.Input{Seq: seq, MoveX: x} }

func TestInputQueueSlots(t *testing.T) {
	t.Run("a tick of cushion, then one per tick in seq order, duplicates dropped", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(time.Millisecond, mv(3, 1), mv(1, 1), mv(2, 1), mv(2, 1))
		for want := uint32(1); want <= 3; want++ {
			if in := r.step(time.Millisecond); in.Seq != want {
				t.Fatalf("tick %d applied %d, want %d", r.tick-1, in.Seq, want)
			}
		}
		if r.got[0].Seq != 0 {
			t.Fatalf("the first tick applied %d, want the cushion", r.got[0].Seq)
		}
	})

	t.Run("a missing input's tick gets a stand-in and is acked", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(0, mv(1, 1))
		r.step(0, mv(2, 0.5))
		in := r.step(0) // slot 2 applied
		if in.Seq != 2 {
			t.Fatalf("slot %d", in.Seq)
		}
		in = r.step(0) // slot 3: nothing arrived
		if in.Seq != 3 || in.MoveX != 0.5 {
			t.Fatalf("stand-in %+v, want slot 3 moving like input 2", in)
		}
	})

	t.Run("a late input that moved like its stand-in counts", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(0, mv(1, 1))
		r.step(0, mv(2, 1))
		r.step(0) // slot 2
		r.step(0) // slot 3: stand-in
		r.step(0, mv(3, 1), mv(4, 1))
		if r.q.skipped != 0 || r.got[4].Seq != 4 {
			t.Fatalf("skipped %d, tick 4 applied %d; want 0 and 4", r.q.skipped, r.got[4].Seq)
		}
	})

	t.Run("a late input that moved otherwise asks for a redo", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(0, mv(1, 1))
		r.step(0, mv(2, 1))
		r.step(0) // World tick 3: slot 2
		r.step(0) // World tick 4: slot 3, a stand-in
		r.step(0) // World tick 5: slot 4, a stand-in
		r.step(0, mv(3, -1), mv(4, -1), mv(5, -1))
		want := []game.Redo{{Player: 1, From: 4, Moves: []game.Move{{X: -1}, {X: -1}}}}
		if len(r.redos) != 1 || r.redos[0].From != want[0].From || len(r.redos[0].Moves) != 2 ||
			r.redos[0].Moves[0] != want[0].Moves[0] || r.redos[0].Moves[1] != want[0].Moves[1] {
			t.Fatalf("redos %+v, want %+v", r.redos, want)
		}
		if r.q.skipped != 0 {
			t.Fatalf("skipped %d: the redo was done", r.q.skipped)
		}
		// Judged against what the World now has: a repeat of the late input changes nothing.
		r.step(0, mv(4, -1))
		if len(r.redos) != 1 || r.q.skipped != 0 {
			t.Fatalf("a duplicate asked again")
		}
	})

	t.Run("a late input that moved otherwise and cannot be redone is skipped, its shot kept", func(t *testing.T) {
		r := newQueueRun(8)
		r.refuse = true
		r.step(0, mv(1, 1))
		r.step(0, mv(2, 1))
		r.step(0) // slot 2
		r.step(0) // slot 3: stand-in
		late := game.Input{Seq: 3, MoveX: -1, Buttons: game.ButtonFire}
		in := r.step(0, late, mv(4, -1))
		if r.q.skipped != 1 || len(r.redos) != 1 {
			t.Fatalf("skipped %d after %d redos asked, want 1 and 1", r.q.skipped, len(r.redos))
		}
		if in.Seq != 4 || in.Buttons&game.ButtonFire == 0 {
			t.Fatalf("slot 4 %+v, want the late shot folded in", in)
		}
		if in = r.step(0); in.MoveX != -1 {
			t.Fatalf("stand-in after a late input moves %v, want the newest known -1", in.MoveX)
		}
		r.step(0, late) // again: judged once
		if r.q.skipped != 1 {
			t.Fatalf("a duplicate late input counted twice")
		}
	})

	t.Run("awaited counts the newest stand-ins whose inputs may still come", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(0, mv(1, 1))
		r.step(0) // slot 1
		if got := r.q.awaited(); got != 0 {
			t.Fatalf("awaited %d with every input in", got)
		}
		r.step(0) // slot 2: stand-in
		r.step(0) // slot 3: stand-in
		if got := r.q.awaited(); got != 2 {
			t.Fatalf("awaited %d, want 2", got)
		}
		r.step(0, mv(2, 1)) // late: slot 2 judged; slot 4 a stand-in too
		if got := r.q.awaited(); got != 2 {
			t.Fatalf("awaited %d, want 2 (slots 3 and 4)", got)
		}
		r.step(0, mv(6, 1)) // a newer input: 3–5 are not coming (inputs arrive in order)
		if got := r.q.awaited(); got != 0 {
			t.Fatalf("awaited %d after a newer input arrived, want 0", got)
		}
	})

	t.Run("a silent player stands still after the stale time", func(t *testing.T) {
		r := newQueueRun(8)
		r.step(0, game.Input{Seq: 1, MoveX: 1, Aim: 2, Buttons: game.ButtonFire})
		for range jp30.stale + 3 {
			r.step(0)
		}
		for k, in := range r.got[1:] {
			moving := in.MoveX == 1 && in.Buttons != 0
			if want := k <= jp30.stale; moving != want || in.Aim != 2 || in.Seq != uint32(k+1) {
				t.Fatalf("tick %d: %+v (want moving %v, aim kept, slot %d)", k+1, in, want, k+1)
			}
		}
	})

	t.Run("a full buffer skips its oldest", func(t *testing.T) {
		r := newQueueRun(4)
		r.step(0, mv(1, 1))
		var ins []game.Input
		for s := uint32(2); s <= 7; s++ {
			ins = append(ins, mv(s, 1))
		}
		r.step(0, ins...) // all arrive before the tick that would apply input 1
		if r.q.skipped != 3 || len(r.q.buf) != 3 {
			t.Fatalf("skipped %d, %d still buffered; want 3 and 3", r.q.skipped, len(r.q.buf))
		}
		if r.got[1].Seq != 4 {
			t.Fatalf("applied %d, want 4 (1–3 made room)", r.got[1].Seq)
		}
	})
}

func TestInputQueueSlack(t *testing.T) {
	steady := func(r *queueRun, from uint32, n int, early time.Duration) uint32 {
		for i := range n {
			// Each input arrives early before its own slot's tick: the
			// client is ahead by one tick plus early.
			r.step(early, mv(from+uint32(i), 1))
		}
		return from + uint32(n)
	}
	t.Run("measures how early inputs arrive", func(t *testing.T) {
		r := newQueueRun(8)
		steady(r, 1, 60, 20*time.Millisecond)
		// Input s arrives 20 ms before tick s−1's drain; its slot is that
		// tick's successor (one tick of cushion): 20 ms + one tick early.
		want := int32((20*time.Millisecond + jp30.dt - marginGuard).Round(time.Millisecond) / time.Millisecond)
		if got := r.q.slack(); got != want {
			t.Fatalf("slack %d ms, want %d", got, want)
		}
	})
	t.Run("the worst margin of the window wins, and leaves it after two seconds", func(t *testing.T) {
		r := newQueueRun(8)
		next := steady(r, 1, 30, 20*time.Millisecond)
		next = steady(r, next, 1, -10*time.Millisecond) // 10 ms late for its drain, still a tick early
		next = steady(r, next, 30, 20*time.Millisecond)
		if got, want := r.q.slack(), int32(21); got != want {
			t.Fatalf("slack %d ms after one input 30 ms later than the rest, want %d", got, want)
		}
		steady(r, next, 60, 20*time.Millisecond)
		if got, want := r.q.slack(), int32(51); got != want {
			t.Fatalf("slack %d ms two seconds later, want %d", got, want)
		}
	})
	t.Run("the clump after an outage does not count", func(t *testing.T) {
		r := newQueueRun(8)
		next := steady(r, 1, 30, 20*time.Millisecond)
		for range 6 { // an outage: nothing arrives, the slots get stand-ins
			r.step(0)
		}
		clump := []game.Input{}
		for range 7 {
			clump = append(clump, mv(next, 1))
			next++
		}
		r.step(0, clump...)
		steady(r, next, 20, 20*time.Millisecond)
		if got, want := r.q.slack(), int32(51); got != want {
			t.Fatalf("slack %d ms after an outage, want %d (the outage is not jitter)", got, want)
		}
		if r.q.skipped != 0 {
			t.Fatalf("%d skipped: the late inputs moved as their stand-ins did", r.q.skipped)
		}
	})
	t.Run("nothing to say before the first input", func(t *testing.T) {
		if got := newQueueRun(8).q.slack(); got != 0 {
			t.Fatalf("slack %d", got)
		}
	})
}

// A client that does not steer and falls behind (its clock is slow, or it
// cannot keep up) would otherwise miss every tick forever: the slots move.
func TestInputQueueRealign(t *testing.T) {
	r := newQueueRun(8)
	r.step(0, mv(1, 1))
	seq := uint32(2)
	// Every input now arrives two ticks after its slot.
	for r.tick < 3 {
		r.step(0)
	}
	for range 2 * 30 {
		r.step(0, mv(seq, 1))
		seq++
	}
	// After a second of late inputs the slots moved; the last 20 inputs
	// were applied in their own slots.
	real := 0
	for _, in := range r.got[len(r.got)-20:] {
		if in.Seq != 0 && r.q.used[in.Seq%usedSlots].real {
			real++
		}
	}
	if real != 20 {
		t.Fatalf("%d of the last 20 ticks applied their own input, want all", real)
	}
}

func TestInputQueueAllocs(t *testing.T) {
	q := newInputQueue(1, 8)
	seq := uint32(1)
	at := time.Duration(0)
	allocs := testing.AllocsPerRun(1000, func() {
		q.arrive(mv(seq, 1), at, at+jp30.dt, &jp30)
		if _, ok := q.redo(seq); ok {
			q.redone(true)
		}
		q.next(&jp30, seq+1)
		_ = q.slack()
		seq++
		at += jp30.dt
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per tick, want 0", allocs)
	}
}
