package spectate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// This file holds test helpers shared by the package's tests: an SSE parser
// written from the HTML spec's rules (not from our encoder) and the wire
// shapes of PROTOCOL.md §2, decoded strictly so that a missing or extra field
// fails a test.

// sseEvent is one dispatched SSE event, or a comment.
type sseEvent struct {
	ID      string
	Event   string
	Data    string
	Retry   string
	Comment string // set for a ":" line; then the other fields are empty
}

// idNum returns the event's id as a number, failing the test if it is not one.
func (e sseEvent) idNum(t testing.TB) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(e.ID, 10, 64)
	if err != nil {
		t.Fatalf("event %q has id %q: %v", e.Event, e.ID, err)
	}
	return n
}

// sseParser turns a byte stream into events, line by line.
type sseParser struct {
	cur sseEvent
	has bool
}

// line feeds one line (without its newline); it returns a finished event.
func (p *sseParser) line(l string) (sseEvent, bool) {
	switch {
	case l == "":
		if !p.has {
			return sseEvent{}, false
		}
		ev := p.cur
		p.cur, p.has = sseEvent{}, false
		return ev, true
	case strings.HasPrefix(l, ":"):
		return sseEvent{Comment: strings.TrimPrefix(strings.TrimPrefix(l, ":"), " ")}, true
	}
	field, value, _ := strings.Cut(l, ":")
	value = strings.TrimPrefix(value, " ")
	p.has = true
	switch field {
	case "id":
		p.cur.ID = value
	case "event":
		p.cur.Event = value
	case "data":
		if p.cur.Data != "" {
			p.cur.Data += "\n"
		}
		p.cur.Data += value
	case "retry":
		p.cur.Retry = value
	}
	return sseEvent{}, false
}

// parseSSE parses a complete byte stream, failing on a trailing partial event.
func parseSSE(t testing.TB, b []byte) []sseEvent {
	t.Helper()
	var p sseParser
	var out []sseEvent
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n")) {
		t.Fatalf("stream does not end with a newline: %q", b)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if ev, ok := p.line(l); ok {
			out = append(out, ev)
		}
	}
	if p.has {
		t.Fatalf("stream ends inside an event: %+v", p.cur)
	}
	return out
}

// Wire shapes (PROTOCOL.md §2).
type (
	wireP struct {
		ID        int     `json:"id"`
		Name      string  `json:"name"`
		Bot       bool    `json:"bot"`
		X         float64 `json:"x"`
		Y         float64 `json:"y"`
		Aim       float64 `json:"aim"`
		HP        int     `json:"hp"`
		Alive     bool    `json:"alive"`
		Protected bool    `json:"protected"`
		Kills     int     `json:"kills"`
		Deaths    int     `json:"deaths"`
		// Disconnected: the player's seat is held after a dropped connection.
		Disconnected bool `json:"disconnected"`
	}
	wireQ struct {
		ID    int     `json:"id"`
		Owner int     `json:"owner"`
		X     float64 `json:"x"`
		Y     float64 `json:"y"`
	}
	wireSnapshot struct {
		Match       string  `json:"match"`
		Map         string  `json:"map"`
		Tick        uint32  `json:"tick"`
		TickRate    int     `json:"tickRate"`
		Phase       string  `json:"phase"`
		TimeLeft    float64 `json:"timeLeft"`
		ScoreLimit  int     `json:"scoreLimit"`
		Players     []wireP `json:"players"`
		Projectiles []wireQ `json:"projectiles"`
	}
	wireState struct {
		Tick        uint32  `json:"tick"`
		Phase       string  `json:"phase"`
		TimeLeft    float64 `json:"timeLeft"`
		Players     []wireP `json:"players"`
		Projectiles []wireQ `json:"projectiles"`
	}
	wireJoin struct {
		Tick uint32 `json:"tick"`
		ID   int    `json:"id"`
		Name string `json:"name"`
		Bot  bool   `json:"bot"`
	}
	wireID struct { // leave, respawn, disconnect, reconnect
		Tick uint32 `json:"tick"`
		ID   int    `json:"id"`
	}
	wireKill struct {
		Tick   uint32 `json:"tick"`
		Killer int    `json:"killer"`
		Victim int    `json:"victim"`
	}
	wirePhase struct {
		Tick     uint32  `json:"tick"`
		Phase    string  `json:"phase"`
		TimeLeft float64 `json:"timeLeft"`
	}
	wireScore struct {
		Tick  uint32 `json:"tick"`
		ID    int    `json:"id"`
		Kills int    `json:"kills"`
	}
	wireScoreLine struct {
		ID     int    `json:"id"`
		Name   string `json:"name"`
		Kills  int    `json:"kills"`
		Deaths int    `json:"deaths"`
	}
	wireDesync struct {
		Tick    uint32 `json:"tick"`
		Desyncs int    `json:"desyncs"`
	}
	wireEnd struct {
		Tick       uint32          `json:"tick"`
		Reason     string          `json:"reason"`
		Winner     int             `json:"winner"`
		Scoreboard []wireScoreLine `json:"scoreboard"`
	}
)

// wireTypes maps each event name to a constructor of its data shape.
var wireTypes = map[string]func() any{
	"snapshot":   func() any { return new(wireSnapshot) },
	"state":      func() any { return new(wireState) },
	"join":       func() any { return new(wireJoin) },
	"leave":      func() any { return new(wireID) },
	"respawn":    func() any { return new(wireID) },
	"disconnect": func() any { return new(wireID) },
	"reconnect":  func() any { return new(wireID) },
	"kill":       func() any { return new(wireKill) },
	"phase":      func() any { return new(wirePhase) },
	"score":      func() any { return new(wireScore) },
	"end":        func() any { return new(wireEnd) },
	"desync":     func() any { return new(wireDesync) },
}

// decodeStrict decodes data into v, rejecting unknown fields, trailing data
// and (by checking the raw keys) missing fields.
func decodeStrict(data string, v any) error {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return checkKeys(data, v)
}

// checkKeys fails if the JSON object lacks a key that v's type declares, at
// any depth of objects and arrays of objects.
func checkKeys(data string, v any) error {
	var raw any
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		return err
	}
	want, err := json.Marshal(v) // the full key set of v's type
	if err != nil {
		return err
	}
	var full any
	if err := json.Unmarshal(want, &full); err != nil {
		return err
	}
	return sameKeys("$", full, raw)
}

func sameKeys(path string, want, got any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing key %q", path, k)
			}
			if err := sameKeys(path+"."+k, wv, gv); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", path, got)
		}
		for i := range min(len(w), len(g)) {
			if err := sameKeys(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeEvent decodes ev's data into the shape its name calls for.
func decodeEvent(t testing.TB, ev sseEvent) any {
	t.Helper()
	mk, ok := wireTypes[ev.Event]
	if !ok {
		t.Fatalf("unknown event name %q (id %s)", ev.Event, ev.ID)
	}
	v := mk()
	if err := decodeStrict(ev.Data, v); err != nil {
		t.Fatalf("event %s (id %s): %v\ndata: %s", ev.Event, ev.ID, err, ev.Data)
	}
	return v
}
