package netcode

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// randomWorld steps a world of n humans who wander, aim and fire at random
// (and some bots) on a map, and returns its snapshot after each tick. Players
// leave and join along the way, so entities come and go.
func randomWorld(t testing.TB, seed uint64, m *game.Map, n, ticks int) []game.Snapshot {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	w, err := game.NewWorld(game.WorldConfig{Seed: int64(seed), TickRate: 30, MaxPlayers: n + 2, BotFill: n + 2, Map: m})
	if err != nil {
		t.Fatal(err)
	}
	var in game.TickInput
	join := func() {
		in.Commands = append(in.Commands, game.Command{Kind: game.CommandJoin, Name: "p"})
	}
	for range n {
		join()
	}
	var humans []game.PlayerID
	seq := uint32(0)
	out := make([]game.Snapshot, 0, ticks)
	for range ticks {
		seq++
		in.Inputs = in.Inputs[:0]
		for _, id := range humans {
			in.Inputs = append(in.Inputs, game.PlayerInput{Player: id, Input: game.Input{
				Seq: seq, MoveX: rng.Float64()*2 - 1, MoveY: rng.Float64()*2 - 1,
				Aim: rng.Float64()*2*math.Pi - math.Pi, Buttons: game.Buttons(rng.IntN(2)), ShotID: rng.Uint32(),
			}})
		}
		if len(humans) > 1 && rng.IntN(90) == 0 {
			k := rng.IntN(len(humans))
			in.Commands = append(in.Commands, game.Command{Kind: game.CommandLeave, Player: humans[k]})
			humans = append(humans[:k], humans[k+1:]...)
		}
		if rng.IntN(120) == 0 {
			join()
		}
		w.Step(in)
		for _, o := range w.JoinOutcomes() {
			if o.Err == nil {
				humans = append(humans, o.Player)
			}
		}
		in.Commands = in.Commands[:0]
		var s game.Snapshot
		w.Snapshot(&s)
		// The runtime's input clock fields, made up: they are on the wire.
		for i := range s.Players {
			if s.Players[i].Flags&game.FlagBot == 0 {
				s.Players[i].InputTiming = game.InputTiming{
					InputSlack: int32(rng.IntN(200) - 100), InputsSkipped: uint32(rng.IntN(3)), InputsAwaited: uint32(rng.IntN(2)),
				}
			}
		}
		out = append(out, s)
	}
	return out
}

func testMap(t testing.TB) *game.Map {
	t.Helper()
	m, err := game.ParseMap([]byte(testMapJSON))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// roundTripDelta encodes d, decodes it and returns the decoded delta.
func roundTripDelta(t testing.TB, d *Delta) *Delta {
	t.Helper()
	b := bytes.Clone(NewEncoder().EncodeDelta(d))
	m, err := NewDecoder().DecodeServer(b)
	if err != nil {
		t.Fatalf("decode % x: %v", b, err)
	}
	got, ok := m.(*Delta)
	if !ok {
		t.Fatalf("decoded a %T", m)
	}
	return got
}

// The property deltas stand on: over random worlds, a delta of any tick
// against any earlier one within the ring (encoded, decoded, applied to
// that baseline) reproduces the complete snapshot of the tick exactly, in
// the wire's integers; and the complete snapshot decodes to the same
// picture as the one the delta gives.
func TestDeltaReproducesTheCompleteSnapshot(t *testing.T) {
	m := testMap(t)
	dec := NewDecoder()
	for seed := uint64(1); seed <= 6; seed++ {
		snaps := randomWorld(t, seed, m, 1+int(seed)%5, 600)
		rng := rand.New(rand.NewPCG(seed, 99))
		var base, cur, got WireState
		var d Delta
		var full game.Snapshot
		for k := 0; k < 400; k++ {
			i := 1 + rng.IntN(len(snaps)-1)
			j := max(0, i-1-rng.IntN(48)) // up to 48 ticks: the ring's span at 20 Hz of 30
			base.Quantize(&snaps[j])
			cur.Quantize(&snaps[i])
			Diff(&base, &cur, 30, &d)
			dd := roundTripDelta(t, &d)
			if !reflect.DeepEqual(normDelta(dd), normDelta(&d)) {
				t.Fatalf("seed %d: delta %d→%d does not survive its encoding:\n got %+v\nwant %+v", seed, j, i, dd, &d)
			}
			if err := ApplyDelta(&base, dd, 30, &got); err != nil {
				t.Fatalf("seed %d: apply %d→%d: %v", seed, j, i, err)
			}
			if !reflect.DeepEqual(normWire(&got), normWire(&cur)) {
				t.Fatalf("seed %d: delta %d→%d gives\n%+v\nwant\n%+v", seed, j, i, got, cur)
			}
			// The picture, as the application sees it, is what the
			// complete snapshot decodes to.
			msg, err := dec.DecodeServer(bytes.Clone(NewEncoder().EncodeSnapshot(&snaps[i])))
			if err != nil {
				t.Fatal(err)
			}
			got.Dequantize(&full)
			if want := msg.(*Snapshot).Snapshot; !reflect.DeepEqual(normSnap(&full), normSnap(&want)) {
				t.Fatalf("seed %d: tick %d dequantized\n%+v\nwant\n%+v", seed, i, full, want)
			}
		}
	}
}

// Random pictures, not worlds: every field anywhere in its range, entities
// added, changed and removed at random. The same property must hold, and
// the encoding must be the smallest one (an unchanged picture is an empty
// delta).
func TestDeltaOfRandomPictures(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	var d Delta
	var got WireState
	for k := range 3000 {
		base := randomPicture(rng, nil)
		cur := randomPicture(rng, &base)
		cur.Tick = base.Tick + 1 + uint32(rng.IntN(maxDeltaSpan))
		rate := 1 + rng.IntN(128)
		Diff(&base, &cur, rate, &d)
		dd := roundTripDelta(t, &d)
		if err := ApplyDelta(&base, dd, rate, &got); err != nil {
			t.Fatalf("%d: apply: %v\nbase %+v\ncur %+v", k, err, base, cur)
		}
		if !reflect.DeepEqual(normWire(&got), normWire(&cur)) {
			t.Fatalf("%d: got\n%+v\nwant\n%+v", k, got, cur)
		}
	}
	base := randomPicture(rng, nil)
	base.Projectiles = nil
	var same WireState
	same.CopyFrom(&base)
	same.Tick++
	for i := range same.Players { // what a delta that mentions nothing means
		var ok bool
		if same.Players[i], ok = advancePlayer(same.Players[i], 1, 30); !ok { // would leave int32: stand still
			base.Players[i].VX, base.Players[i].VY = 0, 0
			same.Players[i] = base.Players[i]
		}
	}
	Diff(&base, &same, 30, &d)
	if len(d.PlayerChanges)+len(d.Players)+len(d.PlayersGone) != 0 {
		t.Fatalf("a picture that moved as predicted gave %+v", d)
	}
}

// randomPicture returns a picture with random entities; with from, it keeps
// some of from's entities (changed or not) and adds new ones.
func randomPicture(rng *rand.Rand, from *WireState) WireState {
	i32 := func() int32 {
		switch rng.IntN(4) {
		case 0:
			return int32(rng.IntN(20000)) - 10000
		case 1:
			return []int32{math.MinInt32, math.MaxInt32, 0, -1}[rng.IntN(4)]
		}
		return int32(rng.Uint32())
	}
	cnt := func() int32 { return []int32{0, 1, 100, math.MaxInt32, int32(rng.IntN(1000))}[rng.IntN(5)] }
	u32 := func() uint32 { return []uint32{0, 1, math.MaxUint32, rng.Uint32()}[rng.IntN(4)] }
	player := func(id game.PlayerID) WirePlayer {
		return WirePlayer{ID: id, X: i32(), Y: i32(), VX: i32(), VY: i32(), Aim: uint16(rng.Uint32()),
			Health: cnt(), Flags: game.PlayerFlags(rng.Uint32()), Kills: cnt(), Deaths: cnt(), RespawnTicks: cnt(),
			AckSeq: u32(), InputSlack: i32(), InputsSkipped: u32(), InputsAwaited: u32()}
	}
	proj := func(id uint32) WireProjectile {
		return WireProjectile{ID: id, Owner: game.PlayerID(rng.Uint32()), X: i32(), Y: i32(), VX: i32(), VY: i32(), ShotID: u32()}
	}
	w := WireState{Tick: uint32(rng.IntN(1 << 20)), Phase: game.Phase(rng.IntN(4)), PhaseTicksLeft: u32(), ScoreLimit: cnt()}
	for id := game.PlayerID(1); id < 40; id++ {
		var old *WirePlayer
		if from != nil {
			if k := from.player(id); k >= 0 {
				old = &from.Players[k]
			}
		}
		switch {
		case old != nil && rng.IntN(3) == 0:
			p := *old // unchanged but for a field or two
			if rng.IntN(2) == 0 {
				p.Health = cnt()
			}
			w.Players = append(w.Players, p)
		case old != nil && rng.IntN(4) == 0: // gone
		case rng.IntN(3) == 0 || old != nil:
			w.Players = append(w.Players, player(id))
		}
	}
	id := uint32(0)
	for range rng.IntN(30) {
		id += 1 + uint32(rng.IntN(1000))
		w.Projectiles = append(w.Projectiles, proj(id))
	}
	if from != nil && len(from.Projectiles) > 0 && rng.IntN(2) == 0 {
		w.Projectiles = append(w.Projectiles[:0], from.Projectiles[rng.IntN(len(from.Projectiles)):]...)
		for i := range w.Projectiles {
			if rng.IntN(2) == 0 {
				w.Projectiles[i].X = i32()
			}
		}
	}
	return w
}

// normWire, normDelta and normSnap make empty and nil slices compare equal.
func normWire(w *WireState) WireState {
	c := *w
	if len(c.Players) == 0 {
		c.Players = nil
	}
	if len(c.Projectiles) == 0 {
		c.Projectiles = nil
	}
	return c
}

func normDelta(d *Delta) Delta {
	c := *d
	c.Players, c.PlayerChanges, c.PlayersGone = nilIfEmpty(c.Players), nilIfEmpty(c.PlayerChanges), nilIfEmpty(c.PlayersGone)
	c.Projectiles, c.ProjectileChanges, c.ProjectilesGone = nilIfEmpty(c.Projectiles), nilIfEmpty(c.ProjectileChanges), nilIfEmpty(c.ProjectilesGone)
	return c
}

func normSnap(s *game.Snapshot) game.Snapshot {
	c := *s
	c.Players, c.Projectiles = nilIfEmpty(c.Players), nilIfEmpty(c.Projectiles)
	return c
}

func nilIfEmpty[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

// The PROTOCOL.md §1.5 example, byte for byte, and what it applies to.
func TestDeltaEncodingIsByteExact(t *testing.T) {
	base := WireState{Tick: 100, Phase: game.PhaseLive, PhaseTicksLeft: 900, ScoreLimit: 20,
		Players: []WirePlayer{
			{ID: 1, X: 800, Y: 800, VX: 1600, Aim: 0, Health: 100, Flags: game.FlagAlive, AckSeq: 50},
			{ID: 2, X: 4000, Y: 4000, Health: 100, Flags: game.FlagAlive | game.FlagBot},
			{ID: 3, X: 100, Y: 100, Flags: game.FlagBot},
		},
		Projectiles: []WireProjectile{{ID: 300, Owner: 2, X: 4000, Y: 4000, VX: -6400}},
	}
	cur := WireState{Tick: 102, Phase: game.PhaseLive, PhaseTicksLeft: 898, ScoreLimit: 20,
		Players: []WirePlayer{
			{ID: 1, X: 914, Y: 800, VX: 1600, Aim: 16384, Health: 75, Flags: game.FlagAlive, AckSeq: 52},
			{ID: 2, X: 4000, Y: 4000, Health: 100, Flags: game.FlagAlive | game.FlagBot},
			{ID: 4, X: -8, Y: 8000, Health: 100, Flags: game.FlagAlive | game.FlagProtected},
		},
		Projectiles: []WireProjectile{{ID: 300, Owner: 2, X: 3574, Y: 4000, VX: -6400}},
	}
	var d Delta
	Diff(&base, &cur, 30, &d)
	got := NewEncoder().EncodeDelta(&d)
	want := hexb(t, "9c 08 66 64 02 cd 0382 14"+
		" 91 9f 04 f8 cd 1f40 00 00 00 64 03 00 00 00 00 00 00 00"+ // player 4 is new
		" 91 96 01 cc 8d 07 cd 4000 02 e7"+ // player 1: x +7 past the prediction, aim, ackSeq +2, health −25 (mask 0x8d)
		" 91 03"+ // player 3 is gone
		" 90"+ // no new projectile
		" 91 93 cd 012c 01 01"+ // projectile 300: x one unit of 1/8 past the prediction
		" 90")
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, want)
	}
	var after WireState
	if err := ApplyDelta(&base, roundTripDelta(t, &d), 30, &after); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, cur) {
		t.Fatalf("applied:\n%+v\nwant\n%+v", after, cur)
	}
}

// A delta that does not fit its baseline is refused, and says why.
func TestApplyDeltaRefusesWhatDoesNotFit(t *testing.T) {
	base := WireState{Tick: 10, Players: []WirePlayer{{ID: 1}, {ID: 3}}, Projectiles: []WireProjectile{{ID: 7}}}
	ok := Delta{Tick: 12, BaseTick: 10}
	tests := []struct {
		name string
		edit func(d *Delta)
	}{
		{"another baseline", func(d *Delta) { d.BaseTick = 9 }},
		{"a tick before its baseline", func(d *Delta) { d.Tick = 10 }},
		{"a span beyond 65535 ticks", func(d *Delta) { d.Tick = 10 + maxDeltaSpan + 1 }},
		{"an entity added that the baseline has", func(d *Delta) { d.Players = []WirePlayer{{ID: 3}} }},
		{"a change of an entity it does not have", func(d *Delta) { d.PlayerChanges = []Change{{ID: 2, Mask: 1, Values: [14]int64{5}}} }},
		{"a change after the last entity", func(d *Delta) { d.ProjectileChanges = []Change{{ID: 8, Mask: 1, Values: [14]int64{5}}} }},
		{"a removal of an entity it does not have", func(d *Delta) { d.PlayersGone = []uint32{2} }},
		{"changed and removed", func(d *Delta) {
			d.PlayersGone = []uint32{1}
			d.PlayerChanges = []Change{{ID: 1, Mask: 1, Values: [14]int64{5}}}
		}},
		{"new entities out of order", func(d *Delta) { d.Players = []WirePlayer{{ID: 5}, {ID: 4}} }},
		{"a health below 0", func(d *Delta) {
			d.PlayerChanges = []Change{{ID: 1, Mask: 1 << PlayerFieldHealth, Values: [14]int64{PlayerFieldHealth: -1}}}
		}},
		{"an x beyond int32", func(d *Delta) {
			d.PlayerChanges = []Change{{ID: 1, Mask: 1 << PlayerFieldX, Values: [14]int64{PlayerFieldX: math.MaxInt32 + 1}}}
		}},
		{"an aim step beyond half a turn", func(d *Delta) {
			d.PlayerChanges = []Change{{ID: 1, Mask: 1 << PlayerFieldAim, Values: [14]int64{PlayerFieldAim: 32768}}}
		}},
		{"flags beyond a byte", func(d *Delta) {
			d.PlayerChanges = []Change{{ID: 1, Mask: 1 << PlayerFieldFlags, Values: [14]int64{PlayerFieldFlags: 256}}}
		}},
		{"an owner beyond a player id", func(d *Delta) {
			d.ProjectileChanges = []Change{{ID: 7, Mask: 1 << ProjectileFieldOwner, Values: [14]int64{ProjectileFieldOwner: 65536}}}
		}},
	}
	var dst WireState
	if err := ApplyDelta(&base, &ok, 30, &dst); err != nil {
		t.Fatalf("the unedited delta: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			if err := ApplyDelta(&base, &d, 30, &dst); !errors.Is(err, ErrBadDelta) {
				t.Fatalf("got %v, want ErrBadDelta", err)
			}
		})
	}
}

// The decoder refuses what no delta can be: ticks out of order, ids that
// do not increase, masks naming unknown fields, values beyond ±2^50.
func TestDecodeDeltaErrors(t *testing.T) {
	const head = "9c 08 0a 09 02 00 14 90"
	tests := []struct{ name, hex string }{
		{"baseTick not before tick", "9c 08 0a 0a 02 00 14 90 90 90 90 90 90"},
		{"baseTick more than 65535 ticks before", "9c 08 ce 00010000 00 02 00 14 90 90 90 90 90 90"},
		{"missing elements", "9b 08 0a 09 02 00 14 90 90 90 90 90"},
		{"a change without a mask", head + " 91 91 01 90 90 90 90"},
		{"a change whose ids do not increase", head + " 92 93 01 01 05 93 00 01 05 90 90 90 90"},
		{"a change naming an unknown player field", head + " 91 93 01 cd 4000 05 90 90 90 90"},
		{"a change naming an unknown projectile field", head + " 90 90 90 91 93 01 40 05 90"},
		{"a change missing a value", head + " 91 93 01 03 05 90 90 90 90"},
		{"a value beyond 2^50", head + " 91 93 01 01 cf 0004000000000001 90 90 90 90"},
		{"a value a float", head + " 91 93 01 01 cb 3ff8000000000000 90 90 90 90"},
		{"gone ids that do not increase", head + " 90 92 02 00 90 90 90"},
		{"a player id beyond 65535", head + " 90 92 cd ffff 01 90 90 90"},
		{"a projectile id beyond 2^32-1", head + " 90 90 90 90 92 ce ffffffff 01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewDecoder().DecodeServer(hexb(t, tc.hex)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	// Trailing elements, in the message and in an entry, are ignored.
	m, err := NewDecoder().DecodeServer(hexb(t, "9d 08 0a 09 02 00 14 90 91 94 01 01 05 c0 90 90 90 90 a1 78"))
	if err != nil {
		t.Fatal(err)
	}
	if d := m.(*Delta); len(d.PlayerChanges) != 1 || d.PlayerChanges[0].Values[0] != 5 {
		t.Fatalf("decoded %+v", d)
	}
}
