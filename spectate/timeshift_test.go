package spectate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/journal"
	"github.com/skirmish-game/skirmish/game/match"
)

// journalStore is a hand-written Journals: journals by match id.
type journalStore struct {
	mu   sync.Mutex
	data map[string][]byte
	err  error
}

func (s *journalStore) Journal(_ context.Context, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if d, ok := s.data[id]; ok {
		return d, nil
	}
	return nil, ErrNoJournal
}

// drive reads c to its end while moving the clock on a tick at a time, for
// streams paced by the clock (timeshift).
func (h *harness) drive(c *sseClient) []sseEvent {
	h.t.Helper()
	var out []sseEvent
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return out
			}
			if ev.Comment == "" && ev.Event != "" {
				out = append(out, ev)
			}
		case <-time.After(time.Millisecond):
			h.clk.Advance(h.dt)
		case <-deadline:
			h.t.Fatalf("the stream did not end; %d events", len(out))
		}
	}
}

// playOut runs match m to its end (time limit, then the linger) with a
// human who fires at times, and returns the recorder of its events.
func (h *harness) playOut(m *match.Match) *recorder {
	h.t.Helper()
	truth := &recorder{}
	m.Subscribe(truth)
	id := h.joinHuman(m, "ana")
	for i := 0; ; i++ {
		select {
		case <-m.Done():
			return truth
		default:
		}
		_ = m.Input(id, game.Input{Seq: uint32(i + 1), MoveX: 1, Aim: float64(i%60) / 10, Buttons: game.Buttons(i / 5 % 2)})
		h.clk.Advance(h.dt)
		h.settle()
		if i > 10000 {
			h.t.Fatal("the match did not end")
		}
	}
}

func shortMatch() harnessConfig {
	return harnessConfig{world: game.WorldConfig{TimeLimit: 90}, linger: 300 * time.Millisecond}
}

// TestReplayOfAnEndedMatch: an ended match's stream (?speed=8) starts with
// the snapshot of its first tick, carries every event the match had, each
// with its tick, and ends with its end event; its journal is served as a
// file, and the replayed hashes all match (no desync).
func TestReplayOfAnEndedMatch(t *testing.T) {
	h := newHarness(t, shortMatch())
	m := h.create()
	truth := h.playOut(m)

	resp := h.get(h.hs.URL+"/api/matches/"+m.ID()+"/replay", nil)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != JournalType {
		t.Fatalf("replay: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if _, err := openJournal(data); err != nil {
		t.Fatalf("the served journal: %v", err)
	}

	c := h.connect(m.ID(), nil, "speed=8")
	evs := h.drive(c)
	if evs[0].Event != "snapshot" || eventTick(t, evs[0]) != 0 {
		t.Fatalf("first event %s %s", evs[0].Event, evs[0].Data)
	}
	var tl struct {
		Timeline struct {
			From, Last uint32
			Live       bool
			Speed      float64
		}
	}
	if err := json.Unmarshal([]byte(evs[0].Data), &tl); err != nil || tl.Timeline.Last != m.Info().Tick || tl.Timeline.Live || tl.Timeline.Speed != 8 {
		t.Fatalf("timeline %+v (%v), want last %d", tl.Timeline, err, m.Info().Tick)
	}
	last := evs[len(evs)-1]
	if last.Event != "end" {
		t.Fatalf("the replay ended with %s", last.Event)
	}
	var want, have []string
	for _, ev := range truth.between(0, m.Info().Tick) {
		want = append(want, describeGame(ev))
	}
	for _, ev := range evs[1:] {
		switch ev.Event {
		case "state", "desync":
			if ev.Event == "desync" {
				t.Fatalf("desync: %s", ev.Data)
			}
		default:
			have = append(have, describeWire(t, ev))
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Fatalf("replayed events\n%s\nwant\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	if st := h.srv.Stats(); st.Desyncs != 0 || st.Replays != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestReplayFromStore: a match no longer in memory is replayed from the
// store; a desynced journal says so in a `desync` event (and is counted); a
// damaged one gets 422 journal_damaged for that match alone; a running
// match's journal is 409; an unknown match 404; bad parameters 400.
func TestReplayFromStore(t *testing.T) {
	st := &journalStore{data: map[string][]byte{}}
	hc := shortMatch()
	hc.spectate.Journals = st
	h := newHarness(t, hc)
	m := h.create()
	h.playOut(m)
	good := m.Journal().Bytes()
	st.data["stored"] = good
	st.data["desynced"] = tamperHash(t, good)
	st.data["damaged"] = good[:len(good)/2]
	running := h.create()

	for _, tc := range []struct {
		path   string
		status int
		word   string
	}{
		{"/api/matches/damaged/events?from=0", http.StatusUnprocessableEntity, "journal_damaged"},
		{"/api/matches/damaged/replay", http.StatusUnprocessableEntity, "journal_damaged"},
		{"/api/matches/nope/replay", http.StatusNotFound, "match_not_found"},
		{"/api/matches/nope/events?from=3", http.StatusNotFound, "match_not_found"},
		{"/api/matches/" + running.ID() + "/replay", http.StatusConflict, "match_live"},
		{"/api/matches/stored/events?speed=9", http.StatusBadRequest, "bad_speed"},
		{"/api/matches/stored/events?speed=0.1", http.StatusBadRequest, "bad_speed"},
		{"/api/matches/stored/events?from=-1", http.StatusBadRequest, "bad_from"},
		{"/api/matches/stored/events?from=x", http.StatusBadRequest, "bad_from"},
		{"/api/matches/stored/replay", http.StatusOK, ""},
	} {
		resp := h.get(h.hs.URL+tc.path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || tc.word != "" && !strings.Contains(string(body), `"error":"`+tc.word+`"`) {
			t.Errorf("%s: %s %.200s, want %d %s", tc.path, resp.Status, body, tc.status, tc.word)
		}
	}

	evs := h.drive(h.connect("stored", nil, "from=100&speed=8"))
	if eventTick(t, evs[0]) != 100 || evs[len(evs)-1].Event != "end" {
		t.Fatalf("stored replay from 100: %s of tick %d … %s", evs[0].Event, eventTick(t, evs[0]), evs[len(evs)-1].Event)
	}
	for _, ev := range evs[1:] {
		if tick := eventTick(t, ev); tick < 100 {
			t.Fatalf("%s of tick %d before from", ev.Event, tick)
		}
	}

	evs = h.drive(h.connect("desynced", nil, "speed=8"))
	desyncs := 0
	for _, ev := range evs {
		if ev.Event == "desync" {
			desyncs++
		}
	}
	if desyncs == 0 || h.srv.Stats().Desyncs == 0 {
		t.Fatalf("%d desync events, %d counted, for a tampered journal", desyncs, h.srv.Stats().Desyncs)
	}
}

// tamperHash rewrites a journal with its first hash record changed.
func tamperHash(t *testing.T, data []byte) []byte {
	t.Helper()
	r, err := journal.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	w, err := journal.NewWriter(r.Header(), 0)
	if err != nil {
		t.Fatal(err)
	}
	done := false
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return w.Bytes()
		}
		if err != nil {
			t.Fatal(err)
		}
		switch rec.Kind {
		case journal.KindTick:
			w.Tick(rec.Input)
		case journal.KindHash:
			if !done {
				rec.Hash, done = rec.Hash+1, true
			}
			w.Hash(rec.Tick, rec.Hash)
		case journal.KindEnd:
			w.End(rec.Tick, rec.Reason)
		}
	}
}

// TestTimeshiftOfALiveMatch: ?from= on a running match with a delay starts
// at that tick and catches up, but never past the live tick less the delay;
// a from beyond that starts there. The spectators' clock (which paces the
// replay) is not the matches' here, so the harness still knows exactly when
// the match sleeps.
func TestTimeshiftOfALiveMatch(t *testing.T) {
	const delay = 30
	sclk := clock.NewManual(time.Unix(1_700_000_000, 0))
	h := newHarness(t, harnessConfig{spectate: Config{Delay: time.Second, Rate: 30, Clock: sclk}})
	parks := watchParks(h)
	m := h.create()
	h.step(100)

	c := h.connect(m.ID(), nil, "from=10000&speed=1")
	if first := c.next(); eventTick(t, first) != 100-delay {
		t.Fatalf("from past the horizon: snapshot of tick %d, want %d", eventTick(t, first), 100-delay)
	}
	c.close()

	c = h.connect(m.ID(), nil, "from=20&speed=8")
	if first := c.next(); first.Event != "snapshot" || eventTick(t, first) != 20 {
		t.Fatalf("first event %s of tick %d, want the snapshot of 20", first.Event, eventTick(t, first))
	}
	for range 40 { // the match at 1×, the replay at 8×
		h.step(1)
		sclk.Advance(h.dt)
		live := m.Journal().Ticks()
		if at := parks.wait(t, m.ID(), 0); at > live-delay {
			t.Fatalf("live tick %d: the timeshift went to %d", live, at)
		}
	}
	// 40 ticks at 8× from 20 are more than enough to catch up: the replay
	// stops at the horizon, and sent nothing newer.
	live := m.Journal().Ticks()
	if at := parks.wait(t, m.ID(), live-delay); at != live-delay {
		t.Fatalf("caught up at %d, want %d", at, live-delay)
	}
	for {
		ev := c.next()
		tick := eventTick(t, ev)
		if tick > live-delay {
			t.Fatalf("%s of tick %d, newer than %d", ev.Event, tick, live-delay)
		}
		if ev.Event == "state" && tick+8 > live-delay { // the newest state: within a state interval (4/s) of the horizon
			break
		}
	}
}
