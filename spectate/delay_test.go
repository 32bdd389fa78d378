package spectate

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// parkWatch records where each match's replays wait: the replay's tick
// each time it has stepped all it may.
type parkWatch struct {
	mu   sync.Mutex
	cond *sync.Cond
	at   map[string]uint32
}

func watchParks(h *harness) *parkWatch {
	w := &parkWatch{at: map[string]uint32{}}
	w.cond = sync.NewCond(&w.mu)
	h.srv.parked = func(id string, tick uint32) {
		w.mu.Lock()
		w.at[id] = tick
		w.cond.Broadcast()
		w.mu.Unlock()
	}
	return w
}

// wait waits until match id's replay has parked at tick or beyond and
// returns where.
func (w *parkWatch) wait(t *testing.T, id string, tick uint32) uint32 {
	t.Helper()
	timer := time.AfterFunc(wait, func() { w.mu.Lock(); w.cond.Broadcast(); w.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(wait)
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.at[id] < tick {
		if time.Now().After(deadline) {
			t.Fatalf("the replay of %s parked at %d, never at %d", id, w.at[id], tick)
		}
		w.cond.Wait()
	}
	return w.at[id]
}

// eventTick reads the tick every event carries.
func eventTick(t *testing.T, ev sseEvent) uint32 {
	t.Helper()
	var v struct {
		Tick *uint32 `json:"tick"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil || v.Tick == nil {
		t.Fatalf("event %s without a tick: %s (%v)", ev.Event, ev.Data, err)
	}
	return *v.Tick
}

// TestDelayHoldsEveryEventBack: with a 1 s delay (30 ticks) every event a
// spectator gets — the first snapshot, then each event and state — shows
// the match as it was 30 ticks of its own clock before, never newer: the
// replay feeding the feed waits, at each live tick k, at exactly k − 30.
// The events are the live match's own, and a resume with Last-Event-ID
// keeps the delay.
func TestDelayHoldsEveryEventBack(t *testing.T) {
	const delay = 30
	h := newHarness(t, harnessConfig{spectate: Config{Delay: time.Second, Rate: 30}})
	parks := watchParks(h)
	m := h.create()
	truth := &recorder{}
	m.Subscribe(truth)
	h.joinHuman(m, "ana")
	h.step(45)
	live := m.Info().Tick

	c := h.connect(m.ID(), nil, "")
	snap := c.next()
	if snap.Event != "snapshot" || eventTick(t, snap) != live-delay {
		t.Fatalf("first event %s of tick %d, want the snapshot of tick %d", snap.Event, eventTick(t, snap), live-delay)
	}
	got := []sseEvent{snap}
	check := func(c *sseClient, from, to uint32) {
		t.Helper()
		for k := from; k <= to; k++ {
			h.step(1)
			live := m.Info().Tick
			if at := parks.wait(t, m.ID(), live-delay); at != live-delay {
				t.Fatalf("live tick %d: the replay went to %d, past %d", live, at, live-delay)
			}
			for _, ev := range c.until(live - delay) {
				if tick := eventTick(t, ev); tick > live-delay {
					t.Fatalf("live tick %d: got %s of tick %d, newer than %d", live, ev.Event, tick, live-delay)
				}
				got = append(got, ev)
			}
		}
	}
	check(c, 1, 150) // through the countdown into the live phase
	last := got[len(got)-1].idNum(t)
	c.close()

	h.step(20) // the feed stays (IdleGrace); the replay follows the match
	parks.wait(t, m.ID(), m.Info().Tick-delay)
	c = h.connect(m.ID(), http.Header{"Last-Event-ID": {fmt.Sprint(last)}}, "")
	first := c.next()
	if first.Event == "snapshot" || first.idNum(t) != last+1 {
		t.Fatalf("resume from %d began with %s id %s", last, first.Event, first.ID)
	}
	if tick := eventTick(t, first); tick > m.Info().Tick-delay {
		t.Fatalf("resume: %s of tick %d, newer than %d", first.Event, tick, m.Info().Tick-delay)
	}
	got = append(got, first)
	check(c, 1, 30)

	// The delayed events are the match's, in order, none missing.
	var want, have []string
	for _, ev := range truth.between(eventTick(t, snap), m.Info().Tick-delay) {
		want = append(want, describeGame(ev))
	}
	for _, ev := range got[1:] {
		if ev.Event != "state" {
			have = append(have, describeWire(t, ev))
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Fatalf("delayed events\n%s\nwant\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	t.Logf("%d events compared: %s", len(want), strings.Join(want, "; "))
	if len(want) < 2 {
		t.Fatalf("only %d events in the window: the comparison proves little", len(want))
	}
}

// TestRate: ?rate=N gives one spectator N states a second of the feed's;
// anything outside 1…Rate is a 400 bad_rate.
func TestRate(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 30}})
	m := h.create()
	for _, q := range []string{"rate=0", "rate=31", "rate=x", "rate=", "rate=2.5", "rate=-1"} {
		resp := h.get(h.eventsURL(m.ID(), q), nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"error":"bad_rate"`) {
			t.Fatalf("%s: %s %s", q, resp.Status, body)
		}
	}
	slow := h.connect(m.ID(), nil, "rate=5")
	full := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 2)
	states := func(evs []sseEvent) int {
		n := 0
		for _, ev := range evs {
			if ev.Event == "state" {
				n++
			}
		}
		return n
	}
	h.step(1)
	start := eventTick(t, full.next()) // the snapshot, which reflects the tick
	n := 0
	for range 60 { // tick by tick, so that no state is coalesced
		h.step(1)
		n += states(full.until(m.Info().Tick))
	}
	if n != 60 {
		t.Fatalf("the feed's rate gave %d states in 60 ticks", n)
	}
	// The slow stream: states where ⌊tick·5/30⌋ steps up, so at every
	// sixth tick; the last of the window's is at most 5 ticks before its end.
	n = 0
	for {
		ev := slow.next()
		if ev.Event != "state" {
			continue
		}
		tick := eventTick(t, ev)
		if tick > start && tick%6 != 0 {
			t.Fatalf("rate=5: a state of tick %d", tick)
		}
		if tick > start {
			n++
		}
		if tick+6 > start+60 {
			break
		}
	}
	if n != 10 {
		t.Fatalf("rate=5 gave %d states in 2 s, want 10", n)
	}
}

// TestDelayedEnd: with a 1 s delay a match's last second still reaches its
// spectators after it stopped, on the clock, ending with its end event no
// sooner than the delay allows; a spectator who arrives then (the match is
// gone from the registry) still gets its delayed last moments, not a 404.
func TestDelayedEnd(t *testing.T) {
	const delay = 30
	hc := shortMatch()
	hc.spectate = Config{Delay: time.Second}
	h := newHarness(t, hc)
	epoch := h.clk.Now() // the match's tick n is stepped at epoch + n·dt: the harness never drops one
	m := h.create()
	c := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	truth := h.playOut(m)
	stopTick := m.Journal().Ticks()
	late := h.connect(m.ID(), nil, "")

	var end sseEvent
	var evs []sseEvent
	for end.Event == "" {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatal("the stream ended without end")
			}
			if ev.Event != "" {
				evs = append(evs, ev)
			}
			if ev.Event == "end" {
				end = ev
			}
		case <-time.After(5 * time.Millisecond):
			h.clk.Advance(h.dt)
		case <-time.After(wait):
			t.Fatal("no end")
		}
	}
	// The clock only moves on here, so it shows no earlier than when end
	// was released (a late delivery can only hide an early release).
	endTick := eventTick(t, end)
	if at := h.clk.Now().Sub(epoch); at < time.Duration(endTick+delay)*h.dt {
		for _, ev := range evs[max(0, len(evs)-8):] {
			t.Logf("%s %s %.60s", ev.ID, ev.Event, ev.Data)
		}
		t.Fatalf("end of tick %d arrived at tick %d of the match's clock (stopped at %d), want %d or later",
			endTick, int64(at/h.dt), stopTick, endTick+delay)
	}
	var want, have []string
	for _, ev := range truth.between(eventTick(t, evs[0]), endTick) {
		want = append(want, describeGame(ev))
	}
	for _, ev := range evs[1:] {
		if ev.Event != "state" {
			have = append(have, describeWire(t, ev))
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Fatalf("delayed events\n%s\nwant\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	first := late.next() // read before the clock moves again
	if at := h.clk.Now().Sub(epoch); first.Event != "snapshot" || time.Duration(eventTick(t, first)+delay)*h.dt > at {
		t.Fatalf("late spectator: %s of tick %d at tick %d of the match's clock", first.Event, eventTick(t, first), int64(at/h.dt))
	}
	if rest := h.drive(late); rest[len(rest)-1].Event != "end" {
		t.Fatalf("late spectator: ends with %s", rest[len(rest)-1].Event)
	}
}
