package game

import (
	"encoding/binary"
	"math"
	"testing"
)

// decodeFuzzInputs turns fuzz bytes into inputs, 8 bytes each: moveX, moveY
// (int8, scaled so out-of-range values occur), aim (int16, scaled to ±16π),
// buttons, a byte whose low bits inject NaN/Inf into one field, and two
// more: a stale seq now and then, and how far behind the input's view is
// (ViewTime holds it, in quarter ticks, until run makes it a view time).
func decodeFuzzInputs(data []byte) []Input {
	var out []Input
	for i := 0; i+8 <= len(data) && len(out) < 2000; i += 8 {
		b := data[i : i+8]
		in := Input{
			Seq:      uint32(len(out) + 1),
			MoveX:    float64(int8(b[0])) / 64,
			MoveY:    float64(int8(b[1])) / 64,
			Aim:      float64(int16(binary.LittleEndian.Uint16(b[2:4]))) / 32768 * 16 * math.Pi,
			Buttons:  Buttons(b[4]),
			ViewTime: float64(b[7]) / 4,
			ShotID:   uint32(len(out) + 1),
		}
		switch b[5] & 7 {
		case 1:
			in.MoveX = math.NaN()
		case 2:
			in.MoveY = math.Inf(1)
		case 3:
			in.Aim = math.Inf(-1)
		}
		if b[6]&1 == 1 { // a duplicate or stale seq now and then
			in.Seq = uint32(b[7])
		}
		out = append(out, in)
	}
	return out
}

// FuzzWorldInputs: no sequence of client inputs, sanitized as the match
// runtime sanitizes them, can push a player into a wall or out of the arena,
// produce a non-finite value, or break determinism — with lag compensation
// on and every view time from the present to beyond the bound.
func FuzzWorldInputs(f *testing.F) {
	f.Add([]byte{127, 127, 0, 64, 1, 0, 0, 0, 128, 128, 255, 255, 1, 1, 0, 0})
	f.Add([]byte{64, 0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 1, 2, 1, 9, 0, 64, 0, 0, 0, 3, 0, 0})
	m := boxMap(Rect{X: 300, Y: 300, W: 40, H: 400}, Rect{X: 600, Y: 450, W: 200, H: 30})
	run := func(t *testing.T, inputs []Input) uint64 {
		w := newWorld(t, WorldConfig{Map: m, Seed: 3, BotFill: 4, MaxRewind: 6})
		a, b := addHuman(t, w, "a"), addHuman(t, w, "b")
		var tick TickInput
		for i, in := range inputs {
			// As the match runtime does: sanitize once, drop what cannot be.
			in.ViewTime = float64(w.Tick()+1) - in.ViewTime
			if clean, err := in.Sanitize(); err == nil {
				tick.Inputs = append(tick.Inputs, by([2]PlayerID{a, b}[i%2], clean))
			}
			if i%2 == 0 {
				continue
			}
			w.Step(tick)
			tick.Inputs = tick.Inputs[:0]
			for _, p := range w.players {
				vals := [...]float64{p.X, p.Y, p.VX, p.VY, p.aim}
				for _, v := range vals {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("player %d has a non-finite value: %+v", p.id, p.Body)
					}
				}
				if p.X < PlayerRadius || p.Y < PlayerRadius || p.X > m.Width-PlayerRadius || p.Y > m.Height-PlayerRadius {
					t.Fatalf("player %d left the arena: (%v,%v)", p.id, p.X, p.Y)
				}
				if _, hit := m.circleHitsWall(p.X, p.Y, PlayerRadius-1e-6); hit {
					t.Fatalf("player %d is inside a wall at (%v,%v)", p.id, p.X, p.Y)
				}
				if p.health < 0 || p.health > MaxHealth || math.Abs(p.aim) > math.Pi {
					t.Fatalf("player %d health %d aim %v", p.id, p.health, p.aim)
				}
			}
		}
		return w.Hash()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inputs := decodeFuzzInputs(data)
		if h1, h2 := run(t, inputs), run(t, inputs); h1 != h2 {
			t.Fatalf("same inputs, different hashes %x %x", h1, h2)
		}
	})
}
