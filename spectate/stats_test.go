package spectate

import (
	"fmt"
	"testing"
)

// Stats count every event written to every spectator, and its bytes: two
// spectators of one match are sent each event twice.
func TestStatsCountEventsSent(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 30}})
	m := h.create()
	a := h.connect(m.ID(), nil, "")
	b := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 2)
	h.step(1)
	received := 0
	for _, c := range []*sseClient{a, b} {
		if ev := c.next(); ev.Event != "snapshot" {
			t.Fatalf("first event %q, want snapshot", ev.Event)
		}
		received++
	}
	for range 10 { // a tick at a time, each state read, so none is coalesced
		h.step(1)
		tick := m.Info().Tick
		received += len(a.until(tick)) + len(b.until(tick))
	}
	var st Stats
	waitFor(t, fmt.Sprintf("%d events counted as sent", received), func() bool {
		st = h.srv.Stats()
		return st.Sent >= uint64(received)
	})
	if st.BytesSent < st.Sent*10 {
		t.Fatalf("%d bytes for %d events", st.BytesSent, st.Sent)
	}
	if st.Events >= st.Sent {
		t.Fatalf("published %d, sent %d: two spectators must be sent more than was published", st.Events, st.Sent)
	}
}
