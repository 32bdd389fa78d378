package spectate

import (
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game/match"
)

// Overload is shed from spectators, never from the tick or the players
// (PROTOCOL.md §2): a cap, paced resumes, and less spectator work while the
// matches run late. Everything here is counted or driven by the manual
// clock; nothing depends on how fast the machine is.

// checkFull expects 503 server_full with a Retry-After.
func checkFull(t *testing.T, resp *http.Response) {
	t.Helper()
	defer resp.Body.Close()
	checkErrorResponse(t, resp, http.StatusServiceUnavailable, "server_full")
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 {
		t.Fatalf("Retry-After %q, want seconds", resp.Header.Get("Retry-After"))
	}
}

func TestStreamSpectatorCap(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{MaxSpectators: 2}})
	m := h.create()
	a := h.connect(m.ID(), nil, "")
	h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 2)

	checkFull(t, h.get(h.eventsURL(m.ID(), ""), nil))
	req, _ := http.NewRequest(http.MethodHead, h.eventsURL(m.ID(), ""), nil)
	resp, err := h.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HEAD when full: %s, want 503", resp.Status)
	}
	// An unknown match is still a 404, full or not.
	nf := h.get(h.eventsURL("nope", ""), nil)
	defer nf.Body.Close()
	checkErrorResponse(t, nf, http.StatusNotFound, "match_not_found")

	// A spectator leaving frees its place.
	a.close()
	waitFor(t, "a free place", func() bool {
		resp := h.get(h.eventsURL(m.ID(), ""), nil)
		if resp.StatusCode == http.StatusOK {
			t.Cleanup(func() { resp.Body.Close() })
			return true
		}
		resp.Body.Close()
		return false
	})
	h.waitFeed(m.ID(), 2)
}

// TestStreamResumesPaced: resumes share a server-wide budget of backlog
// bytes; a resume that does not fit gets a fresh snapshot instead of its
// backlog.
func TestStreamResumesPaced(t *testing.T) {
	const backlogEvents = 10
	for _, tt := range []struct {
		name        string
		rate        float64 // in backlogs per second
		withBacklog int     // of 5 resumes at one instant
	}{
		{"room for two", 2.5, 2},
		{"room for none", 0.5, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The backlog size is only known once the events are out, so
			// the first harness measures it and the second uses it.
			size := func(h *harness) (lastID string, bytes int) {
				m := h.create()
				ref := h.connect(m.ID(), nil, "")
				h.waitFeed(m.ID(), 1)
				h.step(1)
				tick := decodeEvent(t, ref.next()).(*wireSnapshot).Tick
				h.step(1)
				tick++
				evs := ref.until(tick)
				lastID = evs[len(evs)-1].ID
				var n int
				for n < backlogEvents {
					h.step(1)
					tick++
					for _, ev := range ref.until(tick) {
						bytes += wireSize(ev)
						n++
					}
				}
				if n != backlogEvents {
					t.Fatalf("%d events in the backlog, want %d", n, backlogEvents)
				}
				return lastID, bytes
			}
			_, bytes := size(newHarness(t, harnessConfig{spectate: Config{Rate: 30}}))
			rate := int(tt.rate * float64(bytes))
			if rate == 0 {
				rate = 1
			}
			h := newHarness(t, harnessConfig{spectate: Config{Rate: 30, ResumeRate: rate}})
			lastID, again := size(h)
			if again != bytes {
				t.Fatalf("the backlog is %d bytes, then %d: the match is not deterministic", bytes, again)
			}
			// The manual clock stands still: all five resume at one instant.
			got := 0
			for range 5 {
				c := h.connect("m1", http.Header{"Last-Event-Id": {lastID}}, "")
				if ev := c.next(); ev.Event != "snapshot" {
					if ev.idNum(t) != mustUint(t, lastID)+1 {
						t.Fatalf("resume from %s starts at %s", lastID, ev.ID)
					}
					got++
				}
				c.close()
			}
			if got != tt.withBacklog {
				t.Fatalf("%d of 5 resumes replayed their backlog, want %d", got, tt.withBacklog)
			}
		})
	}
}

// TestStreamShedsWhenMatchesAreLate: a match that falls behind (it drops
// ticks) makes the server refuse new spectators and thin the states of those
// watching, so spectators yield their work to the tick.
func TestStreamShedsWhenMatchesAreLate(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 10, LoadInterval: 5 * time.Millisecond}})
	m := h.create()
	c := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	tick := decodeEvent(t, c.next()).(*wireSnapshot).Tick
	// everyN steps the match and reads the state every n ticks, k times.
	everyN := func(n, k int) (ticks []uint32) {
		for range k {
			for range n {
				h.step(1)
				tick++
			}
			for _, ev := range c.until(tick) {
				if ev.Event == "state" {
					ticks = append(ticks, decodeEvent(t, ev).(*wireState).Tick)
				}
			}
		}
		return ticks
	}
	// resync finds the state rhythm again after the interval changed to n
	// while the match was asleep at some tick x: the states before x are
	// read and dropped, and exactly one state follows in (x, x+n]. It
	// leaves the match at that state's tick + n, that state read.
	resync := func(n uint32) {
		x := h.reg.List()[0].Tick
		for range n {
			h.step(1)
		}
		tick = x + n
		first := uint32(0)
		for first <= x {
			if ev := c.next(); ev.Event == "state" {
				first = decodeEvent(t, ev).(*wireState).Tick
			}
		}
		for range first + n - tick {
			h.step(1)
			tick++
		}
		c.until(tick)
	}
	checkEvery := func(got []uint32, n uint32) {
		t.Helper()
		if len(got) < 3 {
			t.Fatalf("states at ticks %v: too few", got)
		}
		for i := 1; i < len(got); i++ {
			if got[i]-got[i-1] != n {
				t.Fatalf("states at ticks %v, want one every %d", got, n)
			}
		}
	}
	resync(3) // the states fall on match.TickDue's ticks, not the snapshot's
	checkEvery(everyN(3, 4), 3)

	// A second passes at once: the match steps its catch-up maximum and
	// drops the rest of the ticks it owes (once the server has seen it on
	// time, so that it knows the drop is new).
	checks := func() uint64 { return h.srv.loadChecks.Load() }
	seen := checks()
	waitFor(t, "a load check", func() bool { return checks() > seen })
	h.clk.Advance(time.Second)
	h.settle()
	waitFor(t, "new spectators refused", func() bool {
		resp := h.get(h.eventsURL(m.ID(), ""), nil)
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	checkFull(t, h.get(h.eventsURL(m.ID(), ""), nil))
	if st := h.srv.Stats(); st.Level != 1 || st.Refused < 2 || st.Spectators != 1 {
		t.Fatalf("stats %+v, want level 1, refusals, and the spectator still there", st)
	}
	// The server checks the matches on a timer of its own, one check at a
	// time: let it see them on time again before the match's clock moves,
	// so that its 2 s of calm start now. Of three more checks, one may have
	// begun during the catch-up and the next may see the drop as new; the
	// third sees the match on time.
	seen = checks()
	waitFor(t, "a calm load check", func() bool { return checks() > seen+2 })

	// The spectator watching stays, with half the states (the level rose
	// during the catch-up or after it). 36 ticks of match time: less than
	// the 2 s on time that lifts a level.
	resync(6)
	checkEvery(everyN(6, 4), 6)

	// After 2 s on time the level is lifted, at whatever tick the server
	// checks: full rate again, and new spectators are welcome.
	for range 40 { // over 2 s since the lag in all
		h.step(1)
	}
	seen = checks()
	waitFor(t, "the level lifted", func() bool { return checks() > seen && h.srv.Stats().Level == 0 })
	h.connect(m.ID(), nil, "")
	resync(3)
	checkEvery(everyN(3, 4), 3)
}

func info(id string, tick uint32, overruns uint64) match.Info {
	return match.Info{ID: id, TickRate: 30, Tick: tick, Overruns: overruns}
}

func TestGovernorObserve(t *testing.T) {
	at := func(ms int) time.Time { return testEpoch.Add(time.Duration(ms) * time.Millisecond) }
	g := newGovernor()
	type obs struct {
		before, after int // ms
		infos         []match.Info
		worst         float64
		dropped       bool
	}
	for i, o := range []obs{
		{0, 0, []match.Info{info("a", 0, 0)}, 0, false},                            // anchored
		{1000, 1000, []match.Info{info("a", 30, 0)}, 0, false},                     // on time
		{2000, 2000, []match.Info{info("a", 50, 0)}, 10, false},                    // 10 ticks late
		{3000, 3000, []match.Info{info("a", 65, 25)}, 0, true},                     // caught up by dropping ticks
		{3000, 3000, []match.Info{info("a", 65, 25)}, 0, false},                    // the drop is not news twice
		{3100, 4000, []match.Info{info("a", 93, 25)}, 0, false},                    // read slowly: on time at 3.1s
		{5000, 5000, []match.Info{info("a", 126, 25), info("b", 7, 0)}, 0, false},  // early: re-anchored; b anchored
		{6000, 6000, []match.Info{info("a", 154, 25), info("b", 30, 0)}, 7, false}, // b is fine, a 2 late… b 7 late
	} {
		worst, dropped := g.observe(at(o.before), at(o.after), o.infos)
		if math.Abs(worst-o.worst) > 1e-6 || dropped != o.dropped {
			t.Fatalf("observation %d: worst %.2f dropped %v, want %.2f %v", i, worst, dropped, o.worst, o.dropped)
		}
	}
	g.observe(at(7000), at(7000), []match.Info{info("b", 60, 0)})
	if _, ok := g.anchors["a"]; ok {
		t.Fatal("a stopped; its anchor should be forgotten")
	}
}

func TestGovernorDecide(t *testing.T) {
	at := func(ms int) time.Time { return testEpoch.Add(time.Duration(ms) * time.Millisecond) }
	g := newGovernor()
	type step struct {
		ms    int
		late  bool
		level int
		shed  bool
	}
	for i, s := range []step{
		{0, false, 0, false},
		{250, true, 1, false}, // late: one step down the ladder
		{500, true, 1, false}, // held for 500ms
		{750, true, 2, false},
		{1250, true, 3, false}, // the top: states at 1 in 8
		{1500, true, 3, false}, // held
		{1750, true, 3, true},  // still late at the top: shed
		{2000, true, 3, false},
		{2250, true, 3, true},
		{2500, false, 3, false}, // calm from 2.5s
		{4250, false, 3, false},
		{4500, false, 2, false}, // 2s calm: one step up
		{6000, false, 2, false},
		{6500, false, 1, false},
		{7000, true, 2, false}, // a relapse 0.5s after a lift: recovery now takes 4s
		{7500, false, 2, false},
		{9500, false, 2, false},
		{11500, false, 1, false}, // 4s after the calm began
		{15500, false, 0, false},
		{200000, false, 0, false}, // a long calm forgives: back to 2s
		{200250, true, 1, false},
		{200500, false, 1, false},
		{202500, false, 0, false},
	} {
		level, shed := g.decide(at(s.ms), s.late)
		if level != s.level || shed != s.shed {
			t.Fatalf("step %d (%dms, late %v): level %d shed %v, want %d %v", i, s.ms, s.late, level, shed, s.level, s.shed)
		}
	}
}

func TestBucket(t *testing.T) {
	at := func(ms int) time.Time { return testEpoch.Add(time.Duration(ms) * time.Millisecond) }
	b := newBucket(1000, at(0))
	for _, c := range []struct {
		ms, n int
		ok    bool
	}{
		{0, 600, true},
		{0, 600, false}, // 400 left: no debt, no partial grant
		{0, 400, true},
		{100, 200, false}, // 100 back after 0.1s
		{500, 500, true},
		{10000, 1001, false}, // never more than one second's worth
		{10000, 1000, true},
	} {
		if ok := b.take(at(c.ms), c.n); ok != c.ok {
			t.Fatalf("take %d at %dms: %v, want %v", c.n, c.ms, ok, c.ok)
		}
	}
	if newBucket(-1, at(0)) != nil || !(*bucket)(nil).take(at(0), 1<<30) {
		t.Fatal("a negative rate means unpaced")
	}
}

// TestServerShedsNewestFirst: at the top of the ladder the newest streams go
// first; the others keep streaming.
func TestServerShedsNewestFirst(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 30, LoadInterval: -1}})
	m := h.create()
	var cs []*sseClient
	for i := range 8 {
		cs = append(cs, h.connect(m.ID(), nil, ""))
		h.waitFeed(m.ID(), i+1) // in this order
	}
	h.step(1)
	for _, c := range cs {
		if ev := c.next(); ev.Event != "snapshot" {
			t.Fatalf("first event %s", ev.Event)
		}
	}
	if n := h.srv.shedNewest(3); n != 3 {
		t.Fatalf("shed %d, want 3", n)
	}
	for _, c := range cs[5:] {
		// No more events; the last word is when to come back, 5–15 s
		// from now, so that the shed do not return as one herd.
		var last sseEvent
		timeout := time.After(wait)
		for open := true; open; {
			select {
			case ev, ok := <-c.events:
				if ev.Event != "" {
					t.Fatalf("a shed stream got %+v", ev)
				}
				if open = ok; ok {
					last = ev
				}
			case <-timeout:
				t.Fatal("a shed stream stayed open")
			}
		}
		if ms, err := strconv.Atoi(last.Retry); err != nil || ms < 5000 || ms > 15000 {
			t.Fatalf("a shed stream ended with %+v, want retry: 5000 to 15000", last)
		}
	}
	h.step(1)
	for _, c := range cs[:5] {
		if ev := c.next(); ev.Event != "state" {
			t.Fatalf("an older stream got %s", ev.Event)
		}
	}
	if st := h.srv.Stats(); st.Shed != 3 || st.Spectators != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWriteMeter(t *testing.T) {
	var total atomic.Int64
	m := writeMeter{total: &total, last: testEpoch}
	total.Add(int64(50 * time.Millisecond))
	if got := m.share(testEpoch.Add(time.Second)); math.Abs(got-0.05) > 1e-9 {
		t.Fatalf("50ms of writes in 1s: share %v, want 0.05", got)
	}
	total.Add(int64(time.Second)) // two streams writing all the time
	if got := m.share(testEpoch.Add(1500 * time.Millisecond)); math.Abs(got-2) > 1e-9 {
		t.Fatalf("1s of writes in 0.5s: share %v, want 2", got)
	}
}
