package journal

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

func boxMap() *game.Map {
	return &game.Map{
		ID: "box", Name: "Box", Width: 1000, Height: 1000,
		Walls: []game.Rect{
			{X: 0, Y: 0, W: 1000, H: 20}, {X: 0, Y: 980, W: 1000, H: 20},
			{X: 0, Y: 20, W: 20, H: 960}, {X: 980, Y: 20, W: 20, H: 960},
			{X: 400, Y: 400, W: 200, H: 40},
		},
		Spawns: []game.Point{{X: 100, Y: 100}, {X: 900, Y: 900}, {X: 900, Y: 100}, {X: 100, Y: 900}},
	}
}

func testHeader() Header {
	wc := game.WorldConfig{Seed: 7, Map: boxMap(), BotFill: 6, MaxRewind: 6, TimeLimit: 1 << 20, ScoreLimit: 1 << 10}.WithDefaults()
	return Header{Match: "m1", Start: "2026-11-30T09:00:00Z", World: wc}
}

// recorded is a match played by a script into a World and a Writer at once:
// humans joining, moving, firing with view times and shot ids, a late
// input redone, one leaving, one held and back, then an end command.
type recorded struct {
	w      *Writer
	world  *game.World
	inputs []game.TickInput // deep copies, in order
	hashes map[uint32]uint64
}

func record(tb testing.TB, ticks int, maxBytes int) *recorded {
	tb.Helper()
	h := testHeader()
	w, err := NewWriter(h, maxBytes)
	if err != nil {
		tb.Fatal(err)
	}
	world, err := game.NewWorld(h.World)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &recorded{w: w, world: world, hashes: map[uint32]uint64{}}
	var ids []game.PlayerID
	for i := range ticks {
		var in game.TickInput
		switch {
		case i < 3:
			in.Commands = []game.Command{{Kind: game.CommandJoin, Name: fmt.Sprintf("human %d ✓", i)}}
		case i == ticks/2:
			in.Commands = []game.Command{{Kind: game.CommandLeave, Player: ids[0]}, {Kind: game.CommandDisconnect, Player: ids[1]}}
		case i == ticks/2+40:
			in.Commands = []game.Command{{Kind: game.CommandReconnect, Player: ids[1]}}
		case i == ticks-1:
			in.Commands = []game.Command{{Kind: game.CommandEnd, Reason: game.EndShutdown}}
		}
		for k, id := range ids {
			a := float64(i)*0.03 + float64(k)
			x, _ := game.Input{
				Seq: uint32(i + 1), MoveX: math.Cos(a * 0.7), MoveY: math.Sin(a * 1.3), Aim: a,
				Buttons: game.Buttons(i / 7 % 2), ViewTime: math.Max(0, float64(i)-4.25), ShotID: uint32(i),
			}.Sanitize()
			in.Inputs = append(in.Inputs, game.PlayerInput{Player: id, Input: x})
		}
		if i%53 == 20 && len(ids) > 2 {
			in.Redos = []game.Redo{{Player: ids[2], From: world.Tick() - 2, Moves: []game.Move{{X: 1}, {X: -0.5, Y: 0.5}, {Y: 1}}}}
		}
		world.Step(in)
		for _, o := range world.JoinOutcomes() {
			if o.Err == nil {
				ids = append(ids, o.Player)
			}
		}
		w.Tick(&in)
		rec.inputs = append(rec.inputs, deepCopy(in))
		if t := world.Tick(); t%HashEvery == 0 {
			rec.hashes[t] = world.Hash()
			w.Hash(t, rec.hashes[t])
		}
	}
	w.End(world.Tick(), game.EndShutdown)
	return rec
}

func deepCopy(in game.TickInput) game.TickInput {
	out := game.TickInput{
		Commands: append([]game.Command(nil), in.Commands...),
		Inputs:   append([]game.PlayerInput(nil), in.Inputs...),
	}
	for _, r := range in.Redos {
		r.Moves = append([]game.Move(nil), r.Moves...)
		out.Redos = append(out.Redos, r)
	}
	return out
}

// norm makes empty and nil slices compare equal.
func norm(in game.TickInput) game.TickInput {
	in = deepCopy(in)
	if len(in.Commands) == 0 {
		in.Commands = nil
	}
	if len(in.Inputs) == 0 {
		in.Inputs = nil
	}
	if len(in.Redos) == 0 {
		in.Redos = nil
	}
	return in
}

// readAll reads every record of r, checking them against rec.
func readAll(t *testing.T, r *Reader, rec *recorded) {
	t.Helper()
	ticks, hashes := 0, 0
	for {
		x, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d ticks: %v", ticks, err)
		}
		switch x.Kind {
		case KindTick:
			if got, want := norm(*x.Input), norm(rec.inputs[ticks]); !reflect.DeepEqual(got, want) {
				t.Fatalf("tick %d: got %+v, want %+v", x.Tick, got, want)
			}
			ticks++
		case KindHash:
			if x.Hash != rec.hashes[x.Tick] {
				t.Fatalf("hash of tick %d: %x, want %x", x.Tick, x.Hash, rec.hashes[x.Tick])
			}
			hashes++
		case KindEnd:
			if x.Tick != rec.world.Tick() || x.Reason != game.EndShutdown {
				t.Fatalf("end: %+v", x)
			}
		}
	}
	if ticks != len(rec.inputs) || hashes != len(rec.hashes) {
		t.Fatalf("read %d ticks and %d hashes, want %d and %d", ticks, hashes, len(rec.inputs), len(rec.hashes))
	}
}

// TestRoundTrip: what the Writer recorded is what Open and Follow read,
// record by record, across many sealed chunks.
func TestRoundTrip(t *testing.T) {
	rec := record(t, 6000, 0)
	if packed, _ := rec.w.Size(); packed < 2*ChunkSize/8 {
		t.Logf("compressed %d bytes", packed)
	}
	if len(rec.w.sealed) < 3 {
		t.Fatalf("only %d chunks sealed: the test does not cross chunk boundaries", len(rec.w.sealed))
	}
	t.Run("open", func(t *testing.T) {
		r, err := Open(rec.w.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Header(), testHeader(); !reflect.DeepEqual(got.World, want.World) || got.Match != want.Match || got.Start != want.Start || got.HashEvery != HashEvery {
			t.Fatalf("header %+v, want %+v", got, want)
		}
		readAll(t, r, rec)
	})
	t.Run("follow", func(t *testing.T) {
		readAll(t, rec.w.Follow(), rec)
	})
}

// TestFollowLive reads a journal while it is written, a few records at a
// time: ErrPending when caught up, every record exactly once, across the
// moments chunks are sealed.
func TestFollowLive(t *testing.T) {
	full := record(t, 3000, 0)
	w, err := NewWriter(testHeader(), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := w.Follow()
	got := 0
	for i, in := range full.inputs {
		w.Tick(&in)
		if i%7 != 0 {
			continue
		}
		for {
			x, err := r.Next()
			if errors.Is(err, ErrPending) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(norm(*x.Input), norm(full.inputs[got])) {
				t.Fatalf("tick %d differs", x.Tick)
			}
			got++
		}
		if got != i+1 {
			t.Fatalf("caught up at %d ticks, %d written", got, i+1)
		}
	}
	for got < len(full.inputs) {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		got++
	}
	if _, err := r.Next(); !errors.Is(err, ErrPending) {
		t.Fatalf("caught up: %v, want ErrPending", err)
	}
	w.End(uint32(len(full.inputs)), game.EndShutdown)
	if x, err := r.Next(); err != nil || x.Kind != KindEnd {
		t.Fatalf("after the end: %+v %v", x, err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end record: %v, want io.EOF", err)
	}
}

// TestReplayMatches: a replay of the journal reaches the recorded hashes
// at every hash record and the same final state.
func TestReplayMatches(t *testing.T) {
	rec := record(t, 3000, 0)
	r, err := Open(rec.w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewReplay(r)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for {
		st, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.Kind == KindHash {
			checked++
			if st.Mismatch {
				t.Fatalf("tick %d: hash %x, recorded %x", st.Tick, st.Got, st.Hash)
			}
		}
	}
	if checked != len(rec.hashes) || p.Desyncs() != 0 {
		t.Fatalf("checked %d hashes (want %d), %d desyncs", checked, len(rec.hashes), p.Desyncs())
	}
	if p.World().Hash() != rec.world.Hash() {
		t.Fatal("the replayed World ends elsewhere than the recorded one")
	}
}

// TestReplayDetectsDesync: a journal whose inputs were altered replays into
// another state, and the next hash record says so.
func TestReplayDetectsDesync(t *testing.T) {
	rec := record(t, 400, 0)
	w, err := NewWriter(testHeader(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range rec.inputs {
		if i == 100 && len(in.Inputs) > 0 {
			in = deepCopy(in)
			in.Inputs[0].Input.MoveX = -in.Inputs[0].Input.MoveX
			in.Inputs[0].Input.MoveY = -in.Inputs[0].Input.MoveY
		}
		w.Tick(&in)
		if h, ok := rec.hashes[uint32(i+1)]; ok {
			w.Hash(uint32(i+1), h)
		}
	}
	w.End(uint32(len(rec.inputs)), game.EndShutdown)
	r, err := Open(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewReplay(r)
	if err != nil {
		t.Fatal(err)
	}
	first := uint32(0)
	for {
		st, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.Mismatch && first == 0 {
			first = st.Tick
		}
	}
	if first == 0 || first > 101+HashEvery || first < 101 {
		t.Fatalf("first mismatch at tick %d, want within %d ticks after 101", first, HashEvery)
	}
}

// TestBrokenJournals: each way a journal can be damaged gets its own clear
// error, never a panic and never a silent short replay.
func TestBrokenJournals(t *testing.T) {
	good := record(t, 600, 0).w.Bytes()
	unended, err := NewWriter(testHeader(), 0)
	if err != nil {
		t.Fatal(err)
	}
	unended.Tick(&game.TickInput{})
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"not a journal", []byte("PK\x03\x04 hello"), ErrCorrupt},
		{"other version", append([]byte(Magic+"\x02"), good[5:]...), ErrCorrupt},
		{"cut in the middle", good[:len(good)/2], ErrCorrupt},
		{"cut after a frame", good[:5], ErrCorrupt},
		{"a bit flipped", flipped, ErrCorrupt},
		{"no end record", unended.Bytes(), ErrTruncated},
		{"trailing garbage", append(append([]byte(nil), good...), 1, 2, 3), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := drain(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// drain opens data and reads every record; nil if it is a whole journal.
func drain(data []byte) error {
	r, err := Open(data)
	if err != nil {
		return err
	}
	for {
		if _, err := r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// TestTooLong: at its bound the recording stops; what it kept reads back
// and then says truncated.
func TestTooLong(t *testing.T) {
	rec := record(t, 6000, 8<<10)
	if !errors.Is(rec.w.Err(), ErrTooLong) {
		t.Fatalf("Err = %v, want ErrTooLong", rec.w.Err())
	}
	if packed, tail := rec.w.Size(); packed > 8<<10 || tail != 0 {
		t.Fatalf("holds %d compressed + %d raw bytes, bound 8 KiB", packed, tail)
	}
	if err := drain(rec.w.Bytes()); !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
}

// FuzzOpen: no input makes the decoder panic, loop or accept a journal it
// cannot replay; seeds in testdata/fuzz/FuzzOpen are a real journal and
// damaged copies.
func FuzzOpen(f *testing.F) {
	f.Add(record(f, 200, 0).w.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(data)
		if err != nil {
			return
		}
		p, err := NewReplay(r)
		if err != nil {
			return
		}
		for range 1 << 16 {
			if _, err := p.Next(); err != nil {
				return
			}
		}
		t.Fatal("more than 65536 records")
	})
}

// TestWriteFuzzSeeds (re)writes the committed seed corpus when
// SKIRMISH_WRITE_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SKIRMISH_WRITE_SEEDS") == "" {
		t.Skip("set SKIRMISH_WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzOpen")
	}
	good := record(t, 200, 0).w.Bytes()
	cut := good[:len(good)*2/3]
	flip := append([]byte(nil), good...)
	flip[len(flip)/3] ^= 1
	unended, _ := NewWriter(testHeader(), 0)
	unended.Tick(&game.TickInput{Inputs: []game.PlayerInput{{Player: 1, Input: game.Input{Seq: 1, MoveX: 1}}}})
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"good": good, "cut": cut, "flipped": flip, "unended": unended.Bytes(), "magic-only": []byte(Magic + "\x01")} {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkWriterTick is the recording's cost on the match goroutine: one
// tick of 8 humans' inputs, sealing included (amortized).
func BenchmarkWriterTick(b *testing.B) {
	w, err := NewWriter(testHeader(), 1<<40)
	if err != nil {
		b.Fatal(err)
	}
	var in game.TickInput
	for k := range 8 {
		in.Inputs = append(in.Inputs, game.PlayerInput{Player: game.PlayerID(k + 1)})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for k := range in.Inputs {
			a := float64(i)*0.05 + float64(k)
			in.Inputs[k].Input = game.Input{Seq: uint32(i), MoveX: math.Round(math.Cos(a)*127) / 127, MoveY: math.Round(math.Sin(a)*127) / 127,
				Aim: math.Round(math.Remainder(a, 2*math.Pi)*1000) / 1000, ViewTime: float64(i) - 3.5, ShotID: uint32(i)}
		}
		w.Tick(&in)
	}
	packed, tail := w.Size()
	b.ReportMetric(float64(packed+tail/4)/float64(b.N), "bytes/tick")
}

// TestInputsRoundTripExactly: inputs are written against the same player's
// previous one (sequence differences, XOR-ed floats); whatever the jumps —
// a sequence restarting after a reconnect, a sign flip, -0, a subnormal,
// the extremes Sanitize allows — they read back bit for bit.
func TestInputsRoundTripExactly(t *testing.T) {
	ins := []game.Input{
		{Seq: 5, MoveX: 1, Aim: math.Pi, ViewTime: 1e9, ShotID: 7},
		{Seq: 1, MoveX: -1, MoveY: math.Copysign(0, -1), Aim: -math.Pi, Buttons: game.ButtonFire},
		{Seq: math.MaxUint32, MoveX: math.SmallestNonzeroFloat64, MoveY: -math.Sqrt2 / 2, Aim: 1e-300, ViewTime: 0, ShotID: math.MaxUint32},
		{Seq: 0, MoveX: 0.6, MoveY: 0.8, Aim: 0.1, ViewTime: 123.456},
	}
	w, err := NewWriter(testHeader(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ins {
		w.Tick(&game.TickInput{Inputs: []game.PlayerInput{{Player: 3, Input: x}, {Player: 9, Input: ins[0]}}})
	}
	w.End(uint32(len(ins)), game.EndShutdown)
	r, err := Open(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range ins {
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		got := rec.Input.Inputs[0].Input
		if got.Seq != want.Seq || math.Float64bits(got.MoveX) != math.Float64bits(want.MoveX) ||
			math.Float64bits(got.MoveY) != math.Float64bits(want.MoveY) || math.Float64bits(got.Aim) != math.Float64bits(want.Aim) ||
			math.Float64bits(got.ViewTime) != math.Float64bits(want.ViewTime) || got.Buttons != want.Buttons || got.ShotID != want.ShotID {
			t.Fatalf("input %d: got %+v, want %+v", i, got, want)
		}
		if other := rec.Input.Inputs[1].Input; other != ins[0] {
			t.Fatalf("input %d of the other player: got %+v", i, other)
		}
	}
}
