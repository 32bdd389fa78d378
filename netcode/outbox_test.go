package netcode

import (
	"fmt"
	"slices"
	"testing"
)

// frames names what take returned, for readable expectations.
func frames(es []entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.frame)
	}
	return out
}

// testHub and otherHub stand for the hubs an outbox gets frames from; only
// their identity matters.
var testHub, otherHub = &hub{}, &hub{}

func TestOutbox(t *testing.T) {
	type step func(o *outbox)
	ev := func(name string, tick uint32) step {
		return func(o *outbox) {
			if !o.offerEvents(testHub, []byte(name), tick) {
				panic("offerEvents refused " + name)
			}
		}
	}
	snap := func(name string, tick uint32) step {
		return func(o *outbox) { o.offerSnapshot(testHub, []byte(name), tick) }
	}
	push := func(name string) step {
		return func(o *outbox) {
			if !o.push([]byte(name)) {
				panic("push refused " + name)
			}
		}
	}
	on := func(o *outbox) { o.hold(testHub); o.release([]byte("welcome"), 0) }
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"detached outbox ignores hub frames", []step{ev("e1", 1), snap("s1", 1), push("pong")}, []string{"pong"}},
		{"newer snapshot replaces an unsent one", []step{on, snap("s1", 1), snap("s2", 2), snap("s3", 3)}, []string{"welcome", "s3"}},
		{"events of a tick precede its snapshot", []step{on, ev("e5", 5), snap("s5", 5)}, []string{"welcome", "e5", "s5"}},
		{"later events follow the snapshot", []step{on, snap("s4", 4), ev("e5", 5), ev("e6", 6)}, []string{"welcome", "s4", "e5", "e6"}},
		{"replaced snapshot does not overtake events", []step{on, ev("e1", 1), snap("s1", 1), ev("e2", 2), snap("s2", 2), ev("e3", 3)},
			[]string{"welcome", "e1", "e2", "s2", "e3"}},
		{"session frames are out of band", []step{on, ev("e7", 7), push("pong"), snap("s6", 6)}, []string{"welcome", "pong", "s6", "e7"}},
		{"held: only leading session frames go", []step{push("err"), func(o *outbox) { o.hold(testHub) }, ev("e1", 1), snap("s1", 1)}, []string{"err"}},
		{"release puts the welcome before hub frames and drops what it covers", []step{
			push("err"), func(o *outbox) { o.hold(testHub) }, ev("e9", 9), ev("e10", 10), snap("s9", 9), ev("e11", 11),
			func(o *outbox) { o.release([]byte("welcome"), 10) },
		}, []string{"err", "welcome", "e11"}},
		{"release keeps a snapshot of the join tick", []step{
			func(o *outbox) { o.hold(testHub) }, snap("s10", 10), func(o *outbox) { o.release([]byte("welcome"), 10) },
		}, []string{"welcome", "s10"}},
		{"failed join drops hub frames and takes no more", []step{
			func(o *outbox) { o.hold(testHub) }, ev("e1", 1), snap("s1", 1), func(o *outbox) { o.release(nil, 0) }, push("err"), ev("e2", 2), snap("s2", 2),
		}, []string{"err"}},
		{"frames of a hub it is not attached to are ignored", []step{
			func(o *outbox) { o.hold(testHub) },
			func(o *outbox) { o.offerEvents(otherHub, []byte("x5"), 5); o.offerSnapshot(otherHub, []byte("xs5"), 5) },
			ev("e5", 5), func(o *outbox) { o.release([]byte("welcome"), 4) },
			func(o *outbox) { o.offerEvents(otherHub, []byte("x6"), 6); o.offerSnapshot(otherHub, []byte("xs6"), 6) },
		}, []string{"welcome", "e5"}},
		{"closed outbox keeps its queue but takes nothing new", []step{on, ev("e1", 1), func(o *outbox) { o.close() }, ev("e2", 2), snap("s2", 2), push("pong")},
			[]string{"welcome", "e1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newOutbox(8)
			for _, s := range tc.steps {
				s(o)
			}
			got := frames(o.take(nil))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("take = %q, want %q", got, tc.want)
			}
			if again := o.take(nil); len(again) != 0 {
				t.Fatalf("second take = %q, want nothing", frames(again))
			}
		})
	}
}

func TestOutboxBounds(t *testing.T) {
	o := newOutbox(3)
	o.hold(testHub)
	o.release([]byte("welcome"), 0) // one of three slots
	for i := range 2 {
		if !o.offerEvents(testHub, fmt.Appendf(nil, "e%d", i), uint32(i+1)) {
			t.Fatalf("offer %d refused below the limit", i)
		}
	}
	if o.offerEvents(testHub, []byte("over"), 9) {
		t.Fatal("events beyond the limit were accepted")
	}
	if o.push([]byte("pong")) {
		t.Fatal("a session frame beyond the limit was accepted")
	}
	// The snapshot slot is not part of the bound: it never overflows.
	for i := range 100 {
		o.offerSnapshot(testHub, []byte("s"), uint32(i))
	}
	if got := o.pending(); got != 3 {
		t.Fatalf("pending = %d, want 3", got)
	}
	if got := frames(o.take(nil)); !slices.Equal(got, []string{"welcome", "e0", "e1", "s"}) {
		t.Fatalf("take = %q", got)
	}
	if !o.offerEvents(testHub, []byte("e"), 200) {
		t.Fatal("offer refused after the writer emptied the queue")
	}
}

func TestOutboxSignalsOnce(t *testing.T) {
	o := newOutbox(8)
	o.push([]byte("a"))
	o.push([]byte("b")) // must not block although nobody reads ready
	select {
	case <-o.ready:
	default:
		t.Fatal("no signal after push")
	}
	select {
	case <-o.ready:
		t.Fatal("a second signal was queued; the channel must hold one")
	default:
	}
}

func TestOutboxReplacedReport(t *testing.T) {
	o := newOutbox(8)
	o.hold(testHub)
	o.release([]byte("w"), 0)
	if o.offerSnapshot(testHub, []byte("s1"), 1) {
		t.Fatal("first snapshot reported as replacing one")
	}
	if !o.offerSnapshot(testHub, []byte("s2"), 2) {
		t.Fatal("second unsent snapshot not reported as replacing the first")
	}
	o.take(nil)
	if o.offerSnapshot(testHub, []byte("s3"), 3) {
		t.Fatal("snapshot after a take reported as replacing one")
	}
}
