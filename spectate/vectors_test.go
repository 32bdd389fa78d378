package spectate

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// Golden feed vectors pin the spectator feed's encoder and the browser's
// parser (client/src/spectate/feed.ts parseFeedEvent) to the same text. This
// test encodes one example of every SSE event kind with the real encoder
// (appendSnapshot, appendState, appendEvent, appendEnd), compares the result
// with testdata/feed_vectors.json byte for byte and checks each event's data
// against the value written out here from PROTOCOL.md §2; the client's
// vectors.test.ts parses the same events. After a deliberate change to the
// feed, regenerate with
//
//	go test ./spectate -run FeedVectors -update
//
// and commit the file with the change: the client test then fails until
// feed.ts follows.
//
// "expected" is the event's data object exactly as PROTOCOL.md §2 defines it
// (the feed is JSON already, so there is no other neutral form): positions
// rounded to 1 decimal, angles to 2, times in seconds to 1, non-finite numbers
// as 0. The client test maps it to its FeedMessage itself.

var updateFeedVectors = flag.Bool("update", false, "rewrite testdata/feed_vectors.json from the encoder")

const feedVectorFile = "testdata/feed_vectors.json"

var feedVectorComment = []string{
	"Golden vectors for the spectator feed (docs/PROTOCOL.md §2), shared by spectate/vectors_test.go and client/src/spectate/vectors.test.ts.",
	"Generated: go test ./spectate -run FeedVectors -update. Do not edit by hand.",
	"sse: the complete event as the server writes it (id, event and data lines, blank line).",
	"expected: the event's data as PROTOCOL.md §2 defines it, written out by hand in the Go test.",
}

type feedVectorDoc struct {
	Comment []string     `json:"comment"`
	Vectors []feedVector `json:"vectors"`
}

type feedVector struct {
	Name     string          `json:"name"`
	Event    string          `json:"event"`
	ID       string          `json:"id"`
	SSE      string          `json:"sse"`
	Expected json.RawMessage `json:"expected"`
}

// feedCase is one event: how the real encoder writes it, and its data as
// PROTOCOL.md §2 says a spectator must read it.
type feedCase struct {
	name  string
	event string
	id    uint64
	enc   func(b []byte, id uint64) []byte
	want  any // a pointer to one of wire_test.go's wire shapes
}

func feedCases() []feedCase {
	const (
		alive = game.FlagAlive
		prot  = game.FlagProtected
		bot   = game.FlagBot
	)
	live := &game.Snapshot{
		Tick: 1234, Phase: game.PhaseLive, PhaseTicksLeft: 5145, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 1, Name: "ada", X: 100.46, Y: 20.04, VX: 250, Aim: 1.5708, Health: 80, Flags: alive, Kills: 2, Deaths: 1},
			{ID: 2, Name: "bot-7", X: 1599.96, Y: 0.04, Aim: -3.14159, Health: 100, Flags: alive | prot | bot, Deaths: 3},
			{ID: 300, Name: `Zoë "<☃>"`, X: math.NaN(), Y: math.Inf(1), Aim: 6.2831, Health: 0, Flags: 0, Kills: 12, Deaths: 9, RespawnTicks: 30},
			{ID: 65535, Name: "", X: 55.55, Y: 44.44, Aim: math.Inf(-1), Health: 1, Flags: alive | prot, Kills: 0, Deaths: 0},
		},
		Projectiles: []game.ProjectileState{
			{ID: 7, Owner: 1, X: 110.14, Y: 20.06, VX: 800},
			{ID: math.MaxUint32, Owner: 300, X: -5.56, Y: 1000.09, VX: -566, VY: 566},
		},
	}
	liveWant := &wireSnapshot{
		Match: "m-1a2b", Map: "arena", Tick: 1234, TickRate: 30, Phase: "live", TimeLeft: 171.5, ScoreLimit: 20,
		Players: []wireP{
			{ID: 1, Name: "ada", X: 100.5, Y: 20, Aim: 1.57, HP: 80, Alive: true, Kills: 2, Deaths: 1},
			{ID: 2, Name: "bot-7", Bot: true, X: 1600, Y: 0, Aim: -3.14, HP: 100, Alive: true, Protected: true, Deaths: 3},
			{ID: 300, Name: `Zoë "<☃>"`, X: 0, Y: 0, Aim: 6.28, HP: 0, Kills: 12, Deaths: 9},
			{ID: 65535, Name: "", X: 55.5, Y: 44.4, Aim: 0, HP: 1, Alive: true, Protected: true},
		},
		Projectiles: []wireQ{{ID: 7, Owner: 1, X: 110.1, Y: 20.1}, {ID: math.MaxUint32, Owner: 300, X: -5.6, Y: 1000.1}},
	}
	countdown := &game.Snapshot{
		Tick: 95, Phase: game.PhaseCountdown, PhaseTicksLeft: 95, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 4, Name: "ana", X: -12.34, Y: 987.66, Aim: 0.004, Health: 100, Flags: alive | prot},
			{ID: 5, Name: "bot-2\u2028<&>", X: 1e6 + 0.25001, Y: 32.75001, Aim: 3.14159, Health: 100, Flags: alive | prot | bot},
		},
	}
	ended := &game.Snapshot{
		Tick: 5495, Phase: game.PhaseEnded, PhaseTicksLeft: 300, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 4, Name: "ana", Kills: 7, Deaths: 2, Flags: alive},
			{ID: 5, Name: "bot-2", Kills: 7, Deaths: 1, Flags: alive | bot},
			{ID: 6, Name: "Zoë", Kills: 0, Deaths: 3},
			{ID: 8, Name: "eve", Kills: 7, Deaths: 1, Flags: alive},
		},
	}
	// Held seats (after a dropped connection): alive, and dead waiting.
	held := &game.Snapshot{
		Tick: 182, Phase: game.PhaseLive, PhaseTicksLeft: 5100, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 4, Name: "ana", X: 300, Y: 200, Aim: 1, Health: 75, Flags: alive | game.FlagDisconnected, Kills: 7, Deaths: 2},
			{ID: 65535, Name: "gone", Flags: game.FlagDisconnected, Deaths: 3, RespawnTicks: 40},
		},
	}
	// The scoreboard order: kills (most first), deaths (fewest), id.
	board := []wireScoreLine{{5, "bot-2", 7, 1}, {8, "eve", 7, 1}, {4, "ana", 7, 2}, {6, "Zoë", 0, 3}}

	snapshot := func(meta matchMeta, s *game.Snapshot) func([]byte, uint64) []byte {
		return func(b []byte, id uint64) []byte {
			names := make(roster)
			names.learn(s)
			return appendSnapshot(b, id, &meta, s, names)
		}
	}
	state := func(s *game.Snapshot, tickRate int) func([]byte, uint64) []byte {
		return func(b []byte, id uint64) []byte {
			names := make(roster)
			names.learn(s)
			return appendState(b, id, s, tickRate, names)
		}
	}
	event := func(ev game.Event, ticksLeft uint32, tickRate int) func([]byte, uint64) []byte {
		return func(b []byte, id uint64) []byte {
			b, ok := appendEvent(b, id, &ev, ticksLeft, tickRate)
			if !ok {
				panic(fmt.Sprintf("appendEvent does not publish %v", ev.Kind))
			}
			return b
		}
	}
	end := func(tick uint32, r game.EndReason, winner game.PlayerID, s *game.Snapshot) func([]byte, uint64) []byte {
		return func(b []byte, id uint64) []byte {
			names := make(roster)
			names.learn(s)
			return appendEnd(b, id, tick, r, winner, s, names)
		}
	}
	meta := func(match, mapID string, tickRate int) matchMeta {
		return matchMeta{matchJSON: quoteJSON(match), mapJSON: quoteJSON(mapID), tickRate: tickRate}
	}

	return []feedCase{
		{"snapshot/live", "snapshot", 41, snapshot(meta("m-1a2b", "arena", 30), live), liveWant},
		{"snapshot/waiting-empty", "snapshot", 0, snapshot(meta("m-9", "arena", 60), &game.Snapshot{Phase: game.PhaseWaiting}),
			&wireSnapshot{Match: "m-9", Map: "arena", TickRate: 60, Phase: "waiting", Players: []wireP{}, Projectiles: []wireQ{}}},
		{"state/countdown", "state", 57, state(countdown, 30), &wireState{
			Tick: 95, Phase: "countdown", TimeLeft: 3.2,
			Players: []wireP{
				{ID: 4, Name: "ana", X: -12.3, Y: 987.7, Aim: 0, HP: 100, Alive: true, Protected: true},
				{ID: 5, Name: "bot-2\u2028<&>", Bot: true, X: 1000000.3, Y: 32.8, Aim: 3.14, HP: 100, Alive: true, Protected: true},
			},
			Projectiles: []wireQ{},
		}},
		{"state/ended", "state", 99, state(ended, 30), &wireState{
			Tick: 5495, Phase: "ended", TimeLeft: 10,
			Players: []wireP{
				{ID: 4, Name: "ana", Alive: true, Kills: 7, Deaths: 2},
				{ID: 5, Name: "bot-2", Bot: true, Alive: true, Kills: 7, Deaths: 1},
				{ID: 6, Name: "Zoë", Deaths: 3},
				{ID: 8, Name: "eve", Alive: true, Kills: 7, Deaths: 1},
			},
			Projectiles: []wireQ{},
		}},
		{"join/human", "join", 58, event(game.Event{Tick: 96, Kind: game.EventJoin, Player: 6, Name: "Zoë ☃"}, 0, 30),
			&wireJoin{Tick: 96, ID: 6, Name: "Zoë ☃", Bot: false}},
		{"join/bot-escaped-name", "join", 59, event(game.Event{Tick: 96, Kind: game.EventJoin, Player: 7, Name: "<bot>&\"q\"\\\u2028\u2029\t", Value: 1}, 0, 30),
			&wireJoin{Tick: 96, ID: 7, Name: "<bot>&\"q\"\\\u2028\u2029\t", Bot: true}},
		{"leave", "leave", 60, event(game.Event{Tick: 97, Kind: game.EventLeave, Player: 6}, 0, 30),
			&wireID{Tick: 97, ID: 6}},
		{"kill/by-player", "kill", 61, event(game.Event{Tick: 120, Kind: game.EventKill, Player: 6, Other: 4}, 0, 30),
			&wireKill{Tick: 120, Killer: 4, Victim: 6}},
		{"kill/by-world", "kill", 62, event(game.Event{Tick: 121, Kind: game.EventKill, Player: 65535, Other: 0}, 0, 30),
			&wireKill{Tick: 121, Killer: 0, Victim: 65535}},
		{"respawn", "respawn", 63, event(game.Event{Tick: 180, Kind: game.EventRespawn, Player: 6}, 0, 30),
			&wireID{Tick: 180, ID: 6}},
		{"desync", "desync", 68, event(game.Event{Tick: 210, Kind: eventDesync, Value: 2}, 0, 30),
			&wireDesync{Tick: 210, Desyncs: 2}},
		{"disconnect", "disconnect", 69, event(game.Event{Tick: 181, Kind: game.EventDisconnect, Player: 4}, 0, 30),
			&wireID{Tick: 181, ID: 4}},
		{"state/held", "state", 70, state(held, 30), &wireState{
			Tick: 182, Phase: "live", TimeLeft: 170,
			Players: []wireP{
				{ID: 4, Name: "ana", X: 300, Y: 200, Aim: 1, HP: 75, Alive: true, Kills: 7, Deaths: 2, Disconnected: true},
				{ID: 65535, Name: "gone", Deaths: 3, Disconnected: true},
			},
			Projectiles: []wireQ{},
		}},
		{"reconnect", "reconnect", 71, event(game.Event{Tick: 240, Kind: game.EventReconnect, Player: 65535}, 0, 30),
			&wireID{Tick: 240, ID: 65535}},
		{"phase/countdown", "phase", 64, event(game.Event{Tick: 5, Kind: game.EventPhase, Value: int32(game.PhaseCountdown)}, 90, 30),
			&wirePhase{Tick: 5, Phase: "countdown", TimeLeft: 3}},
		{"phase/live", "phase", 65, event(game.Event{Tick: 95, Kind: game.EventPhase, Value: int32(game.PhaseLive)}, 5400, 30),
			&wirePhase{Tick: 95, Phase: "live", TimeLeft: 180}},
		{"phase/live-open-ended", "phase", 66, event(game.Event{Tick: 95, Kind: game.EventPhase, Value: int32(game.PhaseLive)}, 0, 60),
			&wirePhase{Tick: 95, Phase: "live", TimeLeft: 0}},
		{"phase/ended", "phase", 67, event(game.Event{Tick: 5495, Kind: game.EventPhase, Value: int32(game.PhaseEnded)}, 599, 60),
			&wirePhase{Tick: 5495, Phase: "ended", TimeLeft: 10}},
		{"score", "score", 68, event(game.Event{Tick: 120, Kind: game.EventScore, Player: 4, Value: 7}, 0, 30),
			&wireScore{Tick: 120, ID: 4, Kills: 7}},
		{"end/time_limit", "end", 100, end(5495, game.EndTimeLimit, 5, ended),
			&wireEnd{Tick: 5495, Reason: "time_limit", Winner: 5, Scoreboard: board}},
		{"end/score_limit", "end", 101, end(5495, game.EndScoreLimit, 5, ended),
			&wireEnd{Tick: 5495, Reason: "score_limit", Winner: 5, Scoreboard: board}},
		{"end/shutdown", "end", 102, end(300, game.EndShutdown, 0, &game.Snapshot{Tick: 300, Players: []game.PlayerState{{ID: 1, Name: "ada"}}}),
			&wireEnd{Tick: 300, Reason: "shutdown", Winner: 0, Scoreboard: []wireScoreLine{{1, "ada", 0, 0}}}},
		{"end/abandoned", "end", 103, end(1800, game.EndAbandoned, 0, &game.Snapshot{Tick: 1800}),
			&wireEnd{Tick: 1800, Reason: "abandoned", Winner: 0, Scoreboard: []wireScoreLine{}}},
		{"end/admin", "end", 104, end(900, game.EndAdmin, 0, &game.Snapshot{Tick: 900, Players: []game.PlayerState{{ID: 2, Name: "bo", Kills: 1}}}),
			&wireEnd{Tick: 900, Reason: "admin", Winner: 0, Scoreboard: []wireScoreLine{{2, "bo", 1, 0}}}},
	}
}

func generateFeedVectors(t *testing.T) []feedVector {
	t.Helper()
	var out []feedVector
	for _, c := range feedCases() {
		exp, err := feedMarshal(c.want)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, feedVector{
			Name: c.name, Event: c.event, ID: fmt.Sprint(c.id), SSE: string(c.enc(nil, c.id)), Expected: exp,
		})
	}
	return out
}

// feedMarshal is json.Marshal without HTML escaping, so names stay readable.
func feedMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// formatFeedVectors writes the file: one vector per line, so a diff names
// the events that changed.
func formatFeedVectors(vs []feedVector) ([]byte, error) {
	var b bytes.Buffer
	comment, err := feedMarshal(feedVectorComment)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "{\n  \"comment\": %s,\n  \"vectors\": [\n", comment)
	for i, v := range vs {
		line, err := feedMarshal(v)
		if err != nil {
			return nil, err
		}
		b.WriteString("    ")
		b.Write(line)
		if i < len(vs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes(), nil
}

func TestFeedVectors(t *testing.T) {
	vs := generateFeedVectors(t)
	data, err := formatFeedVectors(vs)
	if err != nil {
		t.Fatal(err)
	}
	if *updateFeedVectors {
		if err := os.WriteFile(feedVectorFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d vectors, %d bytes", feedVectorFile, len(vs), len(data))
	} else {
		committed, err := os.ReadFile(feedVectorFile)
		if err != nil {
			t.Fatalf("%v (generate it with: go test ./spectate -run FeedVectors -update)", err)
		}
		if !bytes.Equal(committed, data) {
			t.Fatalf("%s is stale: %s\n(regenerate with -update if the feed changed on purpose, then make client/src/spectate/feed.ts follow)",
				feedVectorFile, feedFirstDifference(committed, vs))
		}
	}

	seen := map[string]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			evs := parseSSE(t, []byte(v.SSE))
			if len(evs) != 1 {
				t.Fatalf("want one event, got %d: %q", len(evs), v.SSE)
			}
			ev := evs[0]
			if ev.ID != v.ID || ev.Event != v.Event {
				t.Fatalf("head: id %q event %q, want id %q event %q", ev.ID, ev.Event, v.ID, v.Event)
			}
			got := decodeEvent(t, ev) // strict: no unknown, no missing keys
			want := wireTypes[v.Event]()
			if err := json.Unmarshal(v.Expected, want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("data decodes to\n%+v\nwant\n%+v\ndata: %s", got, want, ev.Data)
			}
			seen[v.Event] = true
			if w, ok := got.(*wireEnd); ok {
				seen["end "+w.Reason] = true
			}
		})
	}
	for _, k := range []string{"snapshot", "state", "join", "leave", "kill", "respawn", "phase", "score", "end",
		"disconnect", "reconnect", "end time_limit", "end score_limit", "end shutdown", "end abandoned"} {
		if !seen[k] {
			t.Errorf("no vector covers %s", k)
		}
	}
}

// feedFirstDifference names the first vector where the committed file and
// the generator disagree.
func feedFirstDifference(committed []byte, vs []feedVector) string {
	var doc feedVectorDoc
	if err := json.Unmarshal(committed, &doc); err != nil {
		return fmt.Sprintf("the committed file does not parse: %v", err)
	}
	for i := range max(len(doc.Vectors), len(vs)) {
		switch {
		case i >= len(doc.Vectors):
			return fmt.Sprintf("the generator has a new vector %q", vs[i].Name)
		case i >= len(vs):
			return fmt.Sprintf("the file has an extra vector %q", doc.Vectors[i].Name)
		}
		got, _ := feedMarshal(vs[i])
		had, _ := feedMarshal(doc.Vectors[i])
		if !bytes.Equal(got, had) {
			return fmt.Sprintf("vector %d differs\nfile:      %s\ngenerated: %s", i, had, got)
		}
	}
	return "the vectors match but the file's layout or comment differs"
}
