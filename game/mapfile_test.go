package game

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMap(t *testing.T) {
	good := func(edit func(m map[string]any)) []byte {
		m := map[string]any{
			"id": "t", "name": "T", "width": 400, "height": 300,
			"walls":  []any{map[string]any{"x": 0, "y": 0, "w": 400, "h": 10}},
			"spawns": []any{map[string]any{"x": 100, "y": 100}},
		}
		if edit != nil {
			edit(m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" means valid
	}{
		{"valid", good(nil), ""},
		{"bad json", []byte(`{"id":`), "decode"},
		{"not an object", []byte(`[1,2]`), "decode"},
		{"trailing data", append(good(nil), []byte(` {}`)...), "trailing"},
		{"unknown field", good(func(m map[string]any) { m["wals"] = []any{} }), "unknown field"},
		{"zero size", good(func(m map[string]any) { m["width"] = 0 }), "size"},
		{"negative size", good(func(m map[string]any) { m["height"] = -5 }), "size"},
		{"huge size", good(func(m map[string]any) { m["width"] = 1e9 }), "size"},
		{"tiny size", good(func(m map[string]any) { m["width"], m["height"] = 40, 40 }), "too small"},
		{"missing id", good(func(m map[string]any) { delete(m, "id") }), "id"},
		{"id with a slash", good(func(m map[string]any) { m["id"] = "../etc" }), "id may only"},
		{"no spawns", good(func(m map[string]any) { m["spawns"] = []any{} }), "no spawn"},
		{"spawn inside wall", good(func(m map[string]any) {
			m["spawns"] = []any{map[string]any{"x": 100, "y": 20}}
		}), "inside wall 0"},
		{"spawn outside", good(func(m map[string]any) {
			m["spawns"] = []any{map[string]any{"x": 500, "y": 100}}
		}), "outside"},
		{"wall of zero size", good(func(m map[string]any) {
			m["walls"] = []any{map[string]any{"x": 0, "y": 0, "w": 0, "h": 10}}
		}), "positive size"},
		{"wall outside", good(func(m map[string]any) {
			m["walls"] = []any{map[string]any{"x": 390, "y": 0, "w": 20, "h": 10}}
		}), "outside the arena"},
		{"too many walls", good(func(m map[string]any) {
			var ws []any
			for range MaxMapWalls + 1 {
				ws = append(ws, map[string]any{"x": 300, "y": 200, "w": 10, "h": 10})
			}
			m["walls"] = ws
		}), "walls, at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMap(tc.data)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if m.Width != 400 || len(m.Walls) != 1 || len(m.Spawns) != 1 {
					t.Fatalf("decoded %+v", m)
				}
				return
			}
			if !errors.Is(err, ErrInvalidMap) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want ErrInvalidMap mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// The shipped arena meets the brief: about 1600×1000, a border, 8–12
// obstacles' worth of walls and at least 8 spawns. (TestShippedMaps checks
// that every spawn can reach every other.)
func TestArenaMap(t *testing.T) {
	m := arena(t)
	if m.ID != "arena" || m.Width != 1600 || m.Height != 1000 {
		t.Fatalf("arena is %q %vx%v", m.ID, m.Width, m.Height)
	}
	if len(m.Spawns) < 8 {
		t.Fatalf("%d spawns, want at least 8", len(m.Spawns))
	}
	if n := len(m.Walls) - 4; n < 8 {
		t.Fatalf("%d obstacle walls, want at least 8", n)
	}
}

// FuzzParseMap: ParseMap never panics, and whatever it accepts is a map a
// World can run on without players leaving the arena or entering walls.
func FuzzParseMap(f *testing.F) {
	files, _ := filepath.Glob("../assets/maps/*.json") // every shipped map seeds it
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMap(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidMap) {
				t.Fatalf("error %v does not wrap ErrInvalidMap", err)
			}
			return
		}
		w, err := NewWorld(WorldConfig{Map: m, BotFill: 2, Seed: 1})
		if err != nil {
			t.Fatalf("valid map rejected by NewWorld: %v", err)
		}
		for range 30 {
			step(w)
		}
		for _, p := range w.players {
			if p.X < PlayerRadius || p.Y < PlayerRadius || p.X > m.Width-PlayerRadius || p.Y > m.Height-PlayerRadius {
				t.Fatalf("player %d left the arena: (%v,%v)", p.id, p.X, p.Y)
			}
		}
	})
}
