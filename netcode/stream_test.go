package netcode

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// newLockstepEnv is a manual env whose connections answer every ping (a
// lockstep syncs on a pong per tick).
func newLockstepEnv(t *testing.T, cfg Config, world func(*game.WorldConfig)) *env {
	t.Helper()
	e := newManualEnv(t, cfg, world)
	e.srv.pingRate = 1e6
	return e
}

// lockstep drives a manual env one tick at a time: each player that is due
// a snapshot must get it, then sends an input (acknowledging it, unless its
// client never acks) and a ping whose pong proves the server has read the
// input — so the next tick is planned against exactly that ack.
type lockstep struct {
	e     *env
	ps    []*player
	seq   uint32
	pings float64
	skip  map[*player]bool // players that send nothing (stopped acking)
}

func (l *lockstep) step(t *testing.T) uint32 {
	t.Helper()
	l.e.step(t)
	m, ok := l.e.reg.Find(l.ps[0].w.Match)
	if !ok {
		t.Fatal("the match is gone")
	}
	tick := m.Info().Tick
	l.seq++
	for _, p := range l.ps {
		if match.TickDue(tick, p.w.SnapshotRate, p.w.TickRate) {
			p.waitFor(t, fmt.Sprintf("the snapshot of tick %d", tick), waitLong, func() bool { return p.lastTickLocked() >= tick }, nil)
		}
		if l.skip[p] {
			continue
		}
		if err := p.c.SendInput(game.Input{Seq: l.seq}); err != nil {
			t.Fatal(err)
		}
		l.sync(t, p)
	}
	return tick
}

// sync waits until the server has read everything p sent so far.
func (l *lockstep) sync(t *testing.T, p *player) {
	t.Helper()
	l.pings++
	want := l.pings
	if err := p.c.SendPing(want); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "the pong", waitLong, func() bool { return len(p.pongs) > 0 && p.pongs[len(p.pongs)-1].T == want }, nil)
}

// run steps until n more snapshot ticks have passed.
func (l *lockstep) run(t *testing.T, n int) {
	t.Helper()
	for n > 0 {
		tick := l.step(t)
		if match.TickDue(tick, l.ps[0].w.SnapshotRate, l.ps[0].w.TickRate) {
			n--
		}
	}
}

func (p *player) lastTickLocked() uint32 {
	if len(p.snaps) == 0 {
		return 0
	}
	return p.snaps[len(p.snaps)-1]
}

// frames returns the player's snapshots' ticks and baselines.
func (p *player) frames() (ticks, bases []uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]uint32(nil), p.snaps...), append([]uint32(nil), p.bases...)
}

// A client that acknowledges gets deltas against its newest ack, each
// giving exactly the snapshot a client that never acknowledges (a
// version-1 client) gets complete for the same tick.
func TestDeltasAgainstTheAcknowledgedSnapshot(t *testing.T) {
	e := newLockstepEnv(t, Config{}, func(w *game.WorldConfig) { w.BotFill = 4; w.MaxPlayers = 6 })
	acker := e.dial(t, DialOptions{Name: "acker"})
	old := e.dial(t, DialOptions{Name: "v1", Match: acker.w.Match, NoAcks: true})
	l := &lockstep{e: e, ps: []*player{acker, old}}
	l.run(t, 40)

	ticks, bases := acker.frames()
	if bases[0] != 0 {
		t.Fatalf("the first snapshot is a delta against %d: nothing was acknowledged yet", bases[0])
	}
	// Complete snapshots until the first input carries an ack (the second
	// player's join takes a varying number of ticks, without inputs), then
	// only deltas: the first against a tick received before (the reader may
	// not have taken the newest one when the first input left), the others
	// against the one just before, which the lockstep had it acknowledge.
	first := slices.IndexFunc(bases, func(b uint32) bool { return b != 0 })
	if first < 0 || len(ticks)-first < 39 {
		t.Fatalf("deltas from snapshot %d of %d: want every one after the first of the 40 lockstep ticks", first, len(ticks))
	}
	if !slices.Contains(ticks[:first], bases[first]) {
		t.Fatalf("the first delta is against tick %d, which the client never had (%v)", bases[first], ticks[:first])
	}
	for i := first + 1; i < len(ticks); i++ {
		if bases[i] != ticks[i-1] {
			t.Fatalf("snapshot %d (tick %d) is against tick %d, but the client had acknowledged tick %d", i, ticks[i], bases[i], ticks[i-1])
		}
	}
	oldTicks, oldBases := old.frames()
	for _, b := range oldBases {
		if b != 0 {
			t.Fatalf("a client that never acknowledges got a delta against %d", b)
		}
	}
	acker.mu.Lock()
	old.mu.Lock()
	defer acker.mu.Unlock()
	defer old.mu.Unlock()
	for _, tick := range oldTicks {
		a, ok := acker.byTick[tick]
		if !ok {
			continue
		}
		if want := old.byTick[tick]; !reflect.DeepEqual(normSnap(&a), normSnap(&want)) {
			t.Fatalf("tick %d: the delta gives\n%+v\nthe complete snapshot is\n%+v", tick, a, want)
		}
	}
	if st := e.srv.Stats(); st.DeltaSnapshots == 0 || st.AcksRefused != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Players with the same baseline and the same view share one frame per
// tick: encoded once, not once per player.
func TestOneFramePerGroup(t *testing.T) {
	e := newLockstepEnv(t, Config{}, func(w *game.WorldConfig) { w.MaxPlayers = 4 })
	var ps []*player
	for i := range 4 {
		opts := DialOptions{Name: fmt.Sprint("p", i)}
		if i > 0 {
			opts.Match = ps[0].w.Match
		}
		ps = append(ps, e.dial(t, opts))
	}
	l := &lockstep{e: e, ps: ps}
	l.run(t, 3) // everyone has acknowledged something
	before := e.srv.Stats()
	l.run(t, 20)
	after := e.srv.Stats()
	frames, sent := after.SnapshotFrames-before.SnapshotFrames, after.DeltaSnapshots-before.DeltaSnapshots
	if sent != 4*20 || frames != 20 {
		t.Fatalf("%d frames encoded for %d deltas sent over 20 ticks, want 20 for 80", frames, sent)
	}
}

// A client that acknowledges garbage — a tick in the future, one never sent
// on its connection, one far in the past — has its ack refused and counted, and gets a complete
// snapshot, never a delta against something it does not have. One that
// stops acknowledging gets deltas against its last ack until that leaves
// the ring of 32, then complete snapshots, and the lost baseline is counted.
func TestBadAndStaleAcksGetCompleteSnapshots(t *testing.T) {
	e := newLockstepEnv(t, Config{}, func(w *game.WorldConfig) { w.BotFill = 2; w.MaxPlayers = 3 })
	p := e.dial(t, DialOptions{Name: "p"})
	l := &lockstep{e: e, ps: []*player{p}}
	l.run(t, 3)
	enc := NewEncoder()
	notSent := p.lastTick() - 1
	for match.TickDue(notSent, p.w.SnapshotRate, p.w.TickRate) {
		notSent--
	}
	for _, ack := range []uint32{p.lastTick() + 1000, notSent} { // the future; a tick that was no snapshot
		refused := e.srv.Stats().AcksRefused
		l.seq++
		if err := p.c.SendRaw(bytes.Clone(enc.EncodeInput(game.Input{Seq: l.seq}, ack))); err != nil {
			t.Fatal(err)
		}
		l.sync(t, p)
		if got := e.srv.Stats().AcksRefused; got != refused+1 {
			t.Fatalf("ack %d: %d acks refused, want %d", ack, got, refused+1)
		}
		l.skip = map[*player]bool{p: true}
		l.run(t, 1)
		l.skip = nil
		if _, bases := p.frames(); bases[len(bases)-1] != 0 {
			t.Fatalf("after ack %d: a delta against %d", ack, bases[len(bases)-1])
		}
		l.run(t, 2)
	}

	// Stop acknowledging.
	lost := e.srv.Stats().BaselinesLost
	l.skip = map[*player]bool{p: true}
	acked := p.lastTick()
	l.run(t, ringSize+2)
	ticks, bases := p.frames()
	n := len(ticks)
	for i := n - ringSize - 2; i < n; i++ {
		switch {
		case bases[i] != 0 && bases[i] != acked:
			t.Fatalf("tick %d against %d: the last ack was %d", ticks[i], bases[i], acked)
		case bases[i] == 0 && i < n-3:
			t.Fatalf("tick %d complete while its baseline %d was still in the ring", ticks[i], acked)
		}
	}
	if bases[n-1] != 0 {
		t.Fatalf("still a delta against %d after %d snapshots without an ack", bases[n-1], ringSize+2)
	}
	if got := e.srv.Stats().BaselinesLost; got != lost+1 {
		t.Fatalf("%d baselines lost, want %d", got, lost+1)
	}

	// Acknowledging that long-gone tick now (far in the past) is refused
	// like any garbage, and the next snapshot is complete.
	refused := e.srv.Stats().AcksRefused
	l.seq++
	if err := p.c.SendRaw(bytes.Clone(enc.EncodeInput(game.Input{Seq: l.seq}, acked))); err != nil {
		t.Fatal(err)
	}
	l.sync(t, p)
	if got := e.srv.Stats().AcksRefused; got != refused+1 {
		t.Fatalf("the ack of tick %d, out of the ring: %d acks refused, want %d", acked, got, refused+1)
	}
	l.run(t, 1)
	if _, bases := p.frames(); bases[len(bases)-1] != 0 {
		t.Fatalf("after the ack of a tick out of the ring: a delta against %d", bases[len(bases)-1])
	}
}

// After a resume the first snapshot is complete: the new connection's
// client may have lost its pictures with the old one.
func TestResumeStartsComplete(t *testing.T) {
	e := newLockstepEnv(t, Config{ReconnectWindow: waitLong}, func(w *game.WorldConfig) { w.BotFill = 2; w.MaxPlayers = 3 })
	p := e.dial(t, DialOptions{Name: "p"})
	l := &lockstep{e: e, ps: []*player{p}}
	l.run(t, 4)
	if _, bases := p.frames(); bases[len(bases)-1] == 0 {
		t.Fatal("no delta before the drop")
	}
	_ = p.c.nc.Close() // a drop: the seat is held
	p.waitFor(t, "the drop", waitLong, func() bool { return p.closeErr != nil }, nil)
	q := e.dial(t, DialOptions{Name: "p", Match: p.w.Match, Resume: p.w.Resume})
	l.ps = []*player{q}
	l.run(t, 3)
	_, bases := q.frames()
	if bases[0] != 0 {
		t.Fatalf("the first snapshot after the resume is a delta against %d", bases[0])
	}
	if bases[len(bases)-1] == 0 {
		t.Fatal("no delta after the resume's first acks")
	}
}
