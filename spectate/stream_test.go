package spectate

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// joinHuman seats a human, stepping ticks until the match has processed it.
func (h *harness) joinHuman(m *match.Match, name string) game.PlayerID {
	h.t.Helper()
	type result struct {
		res match.JoinResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := m.Join(context.Background(), name)
		done <- result{res, err}
	}()
	// The join is taken at the first tick after the goroutine queued it. On a
	// loaded machine that goroutine may not have run yet, so each tick waits
	// (in real time) for the result before the next: a starved goroutine gets
	// up to `wait` in all, yet the match moves on by few ticks.
	for range 100 {
		h.step(1)
		select {
		case r := <-done:
			if r.err != nil {
				h.t.Fatalf("join: %v", r.err)
			}
			return r.res.Player
		case <-time.After(wait / 100):
		}
	}
	h.t.Fatal("join not processed in 100 ticks")
	return 0
}

func TestStreamRateAndEvents(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 10}}) // 30 Hz ticks: a state every 3 ticks
	m := h.create()
	rec := &recorder{}
	defer m.Subscribe(rec)()
	human := h.joinHuman(m, "ann") // a bot leaves for her

	c := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	first := c.next()
	if first.Event != "snapshot" {
		t.Fatalf("first event is %q, want snapshot", first.Event)
	}
	snap := decodeEvent(t, first).(*wireSnapshot)
	if snap.Match != m.ID() || snap.Map != "box" || snap.TickRate != 30 || snap.ScoreLimit != 20 || len(snap.Players) != 4 {
		t.Fatalf("snapshot %+v", snap)
	}
	if p, ok := findPlayer(snap.Players, int(human)); !ok || p.Name != "ann" || p.Bot {
		t.Fatalf("snapshot has no human ann: %+v", snap.Players)
	}
	start := snap.Tick

	// 120 ticks take the match from countdown to live; ann leaves half-way
	// and a bot takes her seat.
	const span = 120
	var got []sseEvent
	for k := uint32(1); k <= span; k++ {
		if k == 40 {
			m.Leave(human)
		}
		h.step(1)
		if match.TickDue(start+k, 10, 30) {
			got = append(got, c.until(start+k)...)
		}
	}
	checkContiguous(t, got, first.idNum(t)+1)

	var states []uint32
	var discrete []string
	for _, ev := range got {
		if ev.Event == "state" {
			states = append(states, decodeEvent(t, ev).(*wireState).Tick)
			continue
		}
		discrete = append(discrete, describeWire(t, ev))
	}
	if len(states) != span/3 {
		t.Fatalf("%d states over %d ticks at 10 Hz of 30, want %d: %v", len(states), span, span/3, states)
	}
	for i, tick := range states { // match.TickDue's ticks: every third
		if want := (start/3+1)*3 + 3*uint32(i); tick != want {
			t.Fatalf("state %d is tick %d, want %d", i, tick, want)
		}
	}
	var want []string
	for _, ev := range rec.between(start, start+span) {
		want = append(want, describeGame(ev))
	}
	if len(want) < 3 {
		t.Fatalf("the test should see several events (phase, leave, join); recorder has %v", want)
	}
	if !reflect.DeepEqual(discrete, want) {
		t.Fatalf("discrete events differ from the match's:\n got %q\nwant %q", discrete, want)
	}
}

func findPlayer(ps []wireP, id int) (wireP, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return wireP{}, false
}

func TestStreamResume(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Rate: 30, History: 32}})
	m := h.create()
	ref := h.connect(m.ID(), nil, "") // stays connected throughout: the reference
	h.waitFeed(m.ID(), 1)
	h.step(1)
	start := decodeEvent(t, ref.next()).(*wireSnapshot).Tick

	// advance steps n ticks one at a time, reading each tick's state from
	// every client, so the feed never has to coalesce states.
	tick := start
	advance := func(n int, cs ...*sseClient) [][]sseEvent {
		out := make([][]sseEvent, len(cs))
		for range n {
			h.step(1)
			tick++
			for i, c := range cs {
				out[i] = append(out[i], c.until(tick)...)
			}
		}
		return out
	}

	a := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 2)
	if ev := a.next(); ev.Event != "snapshot" {
		t.Fatalf("first event %q", ev.Event)
	}
	seen := advance(5, a, ref)[0]
	lastA := seen[len(seen)-1].ID
	a.close()
	h.waitFeed(m.ID(), 1)

	missed := advance(10, ref)[0] // a misses these
	checkContiguous(t, missed, mustUint(t, lastA)+1)

	for _, tt := range []struct {
		name  string
		hdr   http.Header
		query string
	}{
		{"header", http.Header{"Last-Event-Id": {lastA}}, ""},
		{"query", nil, "lastEventId=" + lastA},
		{"header wins over query", http.Header{"Last-Event-Id": {lastA}}, "lastEventId=1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := h.connect(m.ID(), tt.hdr, tt.query)
			var resumed []sseEvent
			for range missed {
				resumed = append(resumed, b.next())
			}
			if !reflect.DeepEqual(resumed, missed) {
				t.Fatalf("resume after %s:\n got %v\nwant %v", lastA, resumed, missed)
			}
			b.close()
		})
	}

	// With the history overrun, or an id this feed never gave out, the client
	// starts again from a fresh snapshot whose id continues the reference stream.
	refEvents := advance(40, ref)[0]
	newest := refEvents[len(refEvents)-1]
	for _, tt := range []struct{ name, id string }{
		{"evicted", lastA}, {"future", "999999"}, {"garbage", "abc"}, {"negative", "-1"}, {"empty", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := h.connect(m.ID(), http.Header{"Last-Event-Id": {tt.id}}, "")
			ev := b.next()
			if ev.Event != "snapshot" || ev.ID != newest.ID {
				t.Fatalf("got %s#%s, want snapshot#%s", ev.Event, ev.ID, newest.ID)
			}
			if tick := decodeEvent(t, ev).(*wireSnapshot).Tick; tick != start+55 {
				t.Fatalf("snapshot of tick %d, want %d", tick, start+55)
			}
			b.close()
		})
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStreamHeadersRetryAndHeartbeat(t *testing.T) {
	h := newHarness(t, harnessConfig{spectate: Config{Heartbeat: 20 * time.Millisecond, Retry: 1500 * time.Millisecond}})
	m := h.create()
	c := h.connect(m.ID(), nil, "")
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
		"Connection":        "keep-alive",
	} {
		if got := c.resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if ev := c.nextAny(); ev.Retry != "1500" {
		t.Fatalf("the stream must start with retry: 1500, got %+v", ev)
	}
	h.waitFeed(m.ID(), 1)
	h.step(1)
	if ev := c.next(); ev.Event != "snapshot" { // heartbeats may come first while waiting
		t.Fatalf("got %+v", ev)
	}
	// No ticks now: the stream is idle, so heartbeats come.
	for range 2 {
		if ev := c.nextAny(); ev.Comment != "hb" {
			t.Fatalf("want a heartbeat comment, got %+v", ev)
		}
	}
}

func TestStreamErrors(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	resp := h.get(h.eventsURL("nope", ""), nil)
	defer resp.Body.Close()
	checkErrorResponse(t, resp, http.StatusNotFound, "match_not_found")
}

func checkErrorResponse(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d", resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e httpapi.Error
	if err := decodeStrict(string(body), &e); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if e.Error != code || e.Message == "" {
		t.Fatalf("body %+v, want error %q with a message", e, code)
	}
}

func TestStreamMatchEnd(t *testing.T) {
	h := newHarness(t, harnessConfig{
		world:  game.WorldConfig{TimeLimit: 30}, // one second of live play
		linger: time.Second,
	})
	m := h.create()
	rec := &recorder{}
	defer m.Subscribe(rec)()
	c := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	if ev := c.next(); ev.Event != "snapshot" {
		t.Fatalf("first %q", ev.Event)
	}
	// Countdown (90 ticks) and the time limit (30): the match ends, then lingers.
	for range 200 {
		if h.reg.List()[0].Phase == game.PhaseEnded {
			break
		}
		h.step(1)
	}
	evs := c.rest() // the stream closes after end
	t.Logf("%d events until end; end tick %d", len(evs), h.reg.List()[0].Tick)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	last := evs[len(evs)-1]
	if last.Event != "end" {
		t.Fatalf("last event %q, want end", last.Event)
	}
	end := decodeEvent(t, last).(*wireEnd)
	var gameEnd game.Event
	for _, ev := range rec.between(0, ^uint32(0)) {
		if ev.Kind == game.EventEnd {
			gameEnd = ev
		}
	}
	if end.Reason != "time_limit" || end.Winner != int(gameEnd.Player) || end.Tick != gameEnd.Tick || len(end.Scoreboard) != 4 {
		t.Fatalf("end %+v, game's %+v", end, gameEnd)
	}
	for _, line := range end.Scoreboard {
		if line.Name == "" {
			t.Fatalf("scoreboard without names: %+v", end.Scoreboard)
		}
	}

	// While the match lingers, a new spectator gets the picture and the end.
	late := h.connect(m.ID(), nil, "")
	lateEvs := late.rest()
	if len(lateEvs) != 2 || lateEvs[0].Event != "snapshot" || lateEvs[1].Event != "end" || lateEvs[1].Data != last.Data {
		t.Fatalf("late spectator: %v", lateEvs)
	}
	if decodeEvent(t, lateEvs[0]).(*wireSnapshot).Phase != "ended" {
		t.Fatal("late snapshot is not of the ended match")
	}
	// A client that saw end is told to stop reconnecting.
	resp := h.get(h.eventsURL(m.ID(), ""), http.Header{"Last-Event-Id": {last.ID}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("resume after end: %s, want 204", resp.Status)
	}

	// Once the match stops it is gone.
	for range 100 {
		select {
		case <-m.Done():
		default:
			h.step(1)
			continue
		}
		break
	}
	waitFor(t, "the ended match to 404", func() bool {
		resp := h.get(h.eventsURL(m.ID(), ""), nil)
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound
	})
	waitFor(t, "the feed to go", func() bool { return h.srv.Stats().Feeds == 0 })
}

func TestStreamShutdown(t *testing.T) {
	for _, tt := range []struct {
		name string
		stop func(h *harness)
	}{
		{"server", func(h *harness) {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := h.srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		}},
		{"registry", func(h *harness) { h.stopReg() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessConfig{})
			m := h.create()
			c := h.connect(m.ID(), nil, "")
			h.waitFeed(m.ID(), 1)
			h.step(1)
			if ev := c.next(); ev.Event != "snapshot" {
				t.Fatalf("first %q", ev.Event)
			}
			h.step(10)
			tt.stop(h)
			evs := c.rest()
			last := evs[len(evs)-1]
			if last.Event != "end" || decodeEvent(t, last).(*wireEnd).Reason != "shutdown" {
				t.Fatalf("last event %s %s, want end with reason shutdown", last.Event, last.Data)
			}
			if tt.name == "server" {
				resp := h.get(h.eventsURL(m.ID(), ""), nil)
				defer resp.Body.Close()
				checkErrorResponse(t, resp, http.StatusServiceUnavailable, "shutting_down")
			}
		})
	}
}

// smallBuffers shrinks the kernel send buffer of every accepted connection so
// that a client that does not read blocks the server's writes quickly.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096) // best effort: the test still works, slower, without it
	}
	return c, err
}

func TestStreamSlowSpectatorIsDropped(t *testing.T) {
	h := newHarness(t, harnessConfig{
		spectate: Config{Rate: 30, QueueSize: 8, WriteTimeout: 2 * time.Second},
		world:    game.WorldConfig{BotFill: 8}, // big states fill buffers fast
		listener: func(l net.Listener) net.Listener { return smallBuffers{l} },
	})
	m := h.create()
	fast := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	start := decodeEvent(t, fast.next()).(*wireSnapshot).Tick

	raw, err := net.Dial("tcp", h.hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := io.WriteString(raw, "GET /api/matches/"+m.ID()+"/events HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	h.waitFeed(m.ID(), 2)

	// Tick in lockstep with the fast spectator, which must get every state,
	// until the one that never reads is dropped.
	tick := start
	for h.srv.Spectators(m.ID()) > 1 {
		if tick-start > 5000 {
			t.Fatal("the slow spectator was never dropped")
		}
		h.step(1)
		tick++
		fast.until(tick)
	}
	t.Logf("slow spectator dropped after %d ticks", tick-start)
	for range 30 { // the match and the fast spectator carry on
		h.step(1)
		tick++
		fast.until(tick)
	}
	if st := h.srv.Stats(); st.Dropped < 1 || st.Spectators != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestList(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	list := func() (raw string, entries []listEntry) {
		resp := h.get(h.hs.URL+"/api/matches", nil)
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s %s", resp.Status, resp.Header.Get("Content-Type"))
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(body, &entries); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		for _, e := range entries { // every entry has exactly the documented keys
			one, _ := json.Marshal(e)
			if err := decodeStrict(string(one), new(listEntry)); err != nil {
				t.Fatal(err)
			}
		}
		var objs []map[string]any
		if err := json.Unmarshal(body, &objs); err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if len(o) != 11 {
				t.Fatalf("entry has %d keys, want 11: %v", len(o), o)
			}
		}
		return string(body), entries
	}
	if raw, _ := list(); raw != "[]\n" {
		t.Fatalf("no matches: %q, want []", raw)
	}

	m1, m2 := h.create(), h.create()
	h.joinHuman(m2, "bo")
	c := h.connect(m1.ID(), nil, "")
	h.waitFeed(m1.ID(), 1)
	_ = c
	_, got := list()
	want := []listEntry{
		{ID: m1.ID(), Map: "box", Phase: "countdown", Players: 0, Bots: 4, MaxPlayers: 8, Spectators: 1, TimeLeft: got[0].TimeLeft,
			Tick: m1.Info().Tick, TickRate: 30},
		{ID: m2.ID(), Map: "box", Phase: "countdown", Players: 1, Bots: 3, MaxPlayers: 8, Spectators: 0, TimeLeft: got[1].TimeLeft,
			Tick: m2.Info().Tick, TickRate: 30},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got[0].TimeLeft <= 0 || got[0].TimeLeft > 3 {
		t.Fatalf("countdown time left %v", got[0].TimeLeft)
	}
	if st := h.srv.Stats(); st.Feeds != 1 || st.Spectators != 1 {
		t.Fatalf("stats %+v", st)
	}
	// A private match is not listed (its feed is still served by its id).
	if _, err := h.reg.CreatePrivate(); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if _, again := list(); len(again) != 2 {
		t.Fatalf("list with a private match: %+v, want the two public ones", again)
	}
}

// TestStreamMatchEndedBeforeFirstSpectator: the lobby offers Watch on a match
// that shows its scoreboard; if nobody watched it when it ended, its feed
// starts after the end event. The spectator still gets the snapshot and the
// match's own end at once, and the stream closes.
func TestStreamMatchEndedBeforeFirstSpectator(t *testing.T) {
	h := newHarness(t, harnessConfig{
		world:  game.WorldConfig{TimeLimit: 30}, // one second of live play
		linger: time.Hour,                       // the scoreboard stays up for the whole test
	})
	m := h.create()
	rec := &recorder{}
	defer m.Subscribe(rec)()
	for range 300 {
		if h.reg.List()[0].Phase == game.PhaseEnded {
			break
		}
		h.step(1)
	}
	var gameEnd game.Event
	for _, ev := range rec.between(0, ^uint32(0)) {
		if ev.Kind == game.EventEnd {
			gameEnd = ev
		}
	}
	if gameEnd.Kind != game.EventEnd {
		t.Fatal("the match did not end")
	}
	h.step(5) // the scoreboard is up; nobody has watched yet

	c := h.connect(m.ID(), nil, "")
	h.waitFeed(m.ID(), 1)
	h.step(1)
	evs := c.rest() // the stream must close without the match stopping
	if got := names(t, evs); len(got) != 2 || evs[0].Event != "snapshot" || evs[1].Event != "end" {
		t.Fatalf("got %v, want a snapshot and the end", got)
	}
	if snap := decodeEvent(t, evs[0]).(*wireSnapshot); snap.Phase != "ended" {
		t.Fatalf("snapshot phase %q", snap.Phase)
	}
	end := decodeEvent(t, evs[1]).(*wireEnd)
	if end.Reason != game.EndReason(gameEnd.Value).String() || end.Winner != int(gameEnd.Player) || len(end.Scoreboard) != 4 {
		t.Fatalf("end %+v, the match's %s", end, describeGame(gameEnd))
	}
	if evs[1].idNum(t) != evs[0].idNum(t)+1 {
		t.Fatalf("ids %s, %s: not contiguous", evs[0].ID, evs[1].ID)
	}
}

// TestStreamHead: HEAD gets a GET's status and headers and finishes at once,
// without starting a feed or counting a spectator.
func TestStreamHead(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	m := h.create()
	// One keep-alive connection: a HEAD that never finished would leave
	// the second request unanswered, so bound each one.
	client := &http.Client{Transport: h.hs.Client().Transport, Timeout: wait}
	for _, tt := range []struct {
		id     string
		status int
		ctype  string
	}{
		{m.ID(), http.StatusOK, "text/event-stream"},
		{"nope", http.StatusNotFound, "application/json"},
	} {
		req, err := http.NewRequest(http.MethodHead, h.eventsURL(tt.id, ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("HEAD %s: %d %q, want %d %q", tt.id, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.ctype)
		}
	}
	if st := h.srv.Stats(); st.Feeds != 0 || st.Spectators != 0 {
		t.Fatalf("after HEAD: %+v, want no feed and no spectator", st)
	}
}
