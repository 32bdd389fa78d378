package netcode

import (
	"fmt"
	"testing"
)

// BenchmarkHubTick measures one snapshot tick through a hub, per op:
// OnTick quantizes and queues the snapshot, the encoder plans every
// recipient's frame (a delta against the tick it acknowledged last, the
// entities of its view), encodes one frame per group of equal plans and
// offers it; then every recipient's outbox is taken and its client
// acknowledges the frame. The snapshots are those of a simulated match of
// load-tool bots (playWorld). On the arena every player sees the whole map:
// one group, one frame. On crossroads each player sees its part of the
// town: a group each, mostly. frames/op counts the frames encoded,
// bytes/frame their average size.
func BenchmarkHubTick(b *testing.B) {
	for _, bc := range []struct {
		mapID   string
		players int
	}{{"arena", 8}, {"crossroads", 16}} {
		b.Run(fmt.Sprintf("%s/%d", bc.mapID, bc.players), func(b *testing.B) {
			r := newRig(b, bc.mapID, bc.players, bc.players, 1, Config{})
			for range len(r.snaps) { // warm every buffer up on the whole recording
				r.stepAcked(b)
			}
			before := r.h.srv.Stats().SnapshotFrames
			var bytes int
			b.ReportAllocs()
			for b.Loop() {
				bytes += r.stepAcked(b)
			}
			frames := r.h.srv.Stats().SnapshotFrames - before
			b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
			b.ReportMetric(float64(bytes)/float64(b.N)/float64(bc.players), "bytes/recipient")
		})
	}
}

// stepAcked is one rig step whose every client acknowledges what it got;
// it returns the bytes of the frames the recipients got.
func (r *rig) stepAcked(tb testing.TB) int {
	tick := r.step()
	n := 0
	for i := range r.conns {
		f := r.frame(i)
		if f == nil {
			tb.Fatalf("tick %d: connection %d got nothing", tick, i)
		}
		n += len(f)
		r.ack(i, tick)
	}
	return n
}

// Nothing is allocated per recipient: a snapshot tick to 8 players who
// share a baseline and a view allocates what one to a single player does
// (the one shared frame).
func TestHubTickAllocsPerGroupNotPerRecipient(t *testing.T) {
	allocs := func(recipients int) float64 {
		r := newRig(t, "arena", 8, recipients, 1, Config{})
		for range len(r.snaps) { // the whole recording: every buffer has seen its largest tick
			r.stepAcked(t)
		}
		return testing.AllocsPerRun(100, func() { r.stepAcked(t) })
	}
	one, eight := allocs(1), allocs(8)
	if eight != one || one > 1 {
		t.Fatalf("a tick allocates %.1f times for 1 recipient, %.1f for 8: want at most 1 (the frame), the same for both", one, eight)
	}
}
