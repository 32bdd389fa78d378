package netcode

import (
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// hexb parses hex with spaces, for byte-exact expectations.
func hexb(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// testSnapshot is a snapshot with every field set, 8 players and 10
// projectiles, whose values are exact multiples of the wire's resolution
// so that it survives a round trip unchanged.
func testSnapshot() *game.Snapshot {
	s := &game.Snapshot{Tick: 123456, Phase: game.PhaseLive, PhaseTicksLeft: 5400, ScoreLimit: 20}
	for i := range 8 {
		s.Players = append(s.Players, game.PlayerState{
			ID:           game.PlayerID(i + 1),
			X:            100.125 + float64(i)*150,
			Y:            900.5 - float64(i)*100,
			VX:           -260 + float64(i)*20.25,
			VY:           130.875,
			Aim:          DequantizeAngle(uint16(i * 9000)),
			Health:       100 - i*10,
			Flags:        game.FlagAlive | game.PlayerFlags(i%2)<<1,
			Kills:        i,
			Deaths:       7 - i,
			RespawnTicks: i * 3,
			AckSeq:       uint32(1000000 + i),
		})
	}
	for i := range 10 {
		s.Projectiles = append(s.Projectiles, game.ProjectileState{
			ID: uint32(70000 + i), Owner: game.PlayerID(i%8 + 1),
			X: 10 + float64(i)*33.5, Y: 999.875, VX: 800, VY: -565.625,
		})
	}
	return s
}

func TestServerMessageRoundTrip(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	snap := testSnapshot()
	events := []game.Event{
		{Kind: game.EventJoin, Player: 3, Value: 1, Name: "Botty"},
		{Kind: game.EventKill, Player: 3, Other: 65535},
		{Kind: game.EventScore, Player: 65535, Value: math.MaxInt32},
		{Kind: game.EventEnd, Value: int32(game.EndShutdown)},
		{Kind: game.EventPhase, Value: -1}, // negative values are legal ints
	}
	welcome := &Welcome{
		Version: 1, Player: "2f7b8c1e-0000-4000-8000-000000000001", Match: "m-1", You: 2,
		TickRate: 30, SnapshotRate: 20, Map: "arena",
		Roster: []RosterEntry{{ID: 1, Name: "ünïcødé", Flags: game.FlagAlive | game.FlagBot, Kills: 3, Deaths: 1}, {ID: 2, Name: "me"}},
	}
	tests := []struct {
		name   string
		encode func() []byte
		want   ServerMessage
	}{
		{"welcome", func() []byte { return enc.EncodeWelcome(welcome) }, welcome},
		{"welcome without roster", func() []byte { return enc.EncodeWelcome(&Welcome{Version: 1}) }, &Welcome{Version: 1}},
		{"snapshot", func() []byte { return enc.EncodeSnapshot(snap) }, &Snapshot{Snapshot: *snap}},
		{"events", func() []byte { return enc.EncodeEvents(42, events) }, &Events{Tick: 42, Events: withTick(events, 42)}},
		{"pong", func() []byte { return enc.EncodePong(Pong{T: 1234.5678, Tick: math.MaxUint32}) }, &Pong{T: 1234.5678, Tick: math.MaxUint32}},
		{"error", func() []byte { return enc.EncodeError(ErrorMessage{Code: CodeInvalidInput, Message: "nope"}) },
			&ErrorMessage{Code: CodeInvalidInput, Reason: "invalid_input", Message: "nope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dec.DecodeServer(tc.encode())
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got.Type() != tc.want.Type() {
				t.Fatalf("type %v, want %v", got.Type(), tc.want.Type())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func withTick(events []game.Event, tick uint32) []game.Event {
	out := make([]game.Event, len(events))
	for i, e := range events {
		e.Tick = tick
		out[i] = e
	}
	return out
}

func TestClientMessageRoundTrip(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	tests := []struct {
		name   string
		encode func() []byte
		want   ClientMessage
	}{
		{"hello", func() []byte { return enc.EncodeHello(Hello{Version: 1, Name: "Zoë", Match: "abc"}) },
			ClientMessage{Type: TypeHello, Hello: Hello{Version: 1, Name: "Zoë", Match: "abc"}}},
		{"input", func() []byte {
			return enc.EncodeInput(game.Input{Seq: math.MaxUint32, MoveX: -0.7071, MoveY: 1e-9, Aim: -math.Pi, Buttons: game.ButtonFire}, 77)
		}, ClientMessage{Type: TypeInput, Input: game.Input{Seq: math.MaxUint32, MoveX: -0.7071, MoveY: 1e-9, Aim: -math.Pi, Buttons: game.ButtonFire}, Ack: 77}},
		{"view", func() []byte { return enc.EncodeView(View{Width: 1600.5, Height: 900}) },
			ClientMessage{Type: TypeView, View: View{Width: 1600.5, Height: 900}}},
		{"ping", func() []byte { return enc.EncodePing(Ping{T: 1.7e12}) }, ClientMessage{Type: TypePing, Ping: Ping{T: 1.7e12}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got ClientMessage
			if err := dec.DecodeClient(tc.encode(), &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// The wire examples in docs/PROTOCOL.md, byte for byte.
func TestEncodingIsByteExact(t *testing.T) {
	enc := NewEncoder()
	// Each Encode call reuses enc's buffer, so the table keeps copies.
	cp := func(b []byte) []byte { return append([]byte(nil), b...) }
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"PROTOCOL.md input example", cp(enc.EncodeInput(game.Input{Seq: 7, MoveX: 1, MoveY: 0, Aim: 0.5, Buttons: game.ButtonFire,
			ViewTime: 3.5, ShotID: 7}, 300)),
			"99 03 07 cb 3ff0000000000000 cb 0000000000000000 cb 3fe0000000000000 01 cb 400c000000000000 07 cd 012c"},
		{"hello", cp(enc.EncodeHello(Hello{Version: 1, Name: "bob"})), "94 01 01 a3 626f62 a0"},
		{"pong", cp(enc.EncodePong(Pong{T: 0.5, Tick: 300})), "93 07 cb 3fe0000000000000 cd 012c"},
		{"error", cp(enc.EncodeError(ErrorMessage{Code: CodeUnexpected, Message: "x"})), "94 09 04 aa 756e6578706563746564 a1 78"},
		{"events", cp(enc.EncodeEvents(9, []game.Event{{Kind: game.EventKill, Player: 2, Other: 1, Name: ""}})), "93 06 09 91 95 03 02 01 00 a0"},
		{"smallest integer forms", cp(enc.EncodeSnapshot(&game.Snapshot{
			Tick: 1, Phase: game.PhaseCountdown, PhaseTicksLeft: 90, ScoreLimit: 20,
			Players: []game.PlayerState{{ID: 1, X: -1, Y: 1000, VX: 0, VY: 0, Aim: math.Pi / 2, Health: 100, Flags: 3, AckSeq: 70000,
				InputTiming: game.InputTiming{InputSlack: -33, InputsSkipped: 128, InputsAwaited: 2}}},
		})), "97 04 01 01 5a 14 91 9f 01 f8 cd 1f40 00 00 cd 4000 64 03 00 00 00 ce 00011170 d0 df cc 80 02 90"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if want := hexb(t, tc.want); string(tc.got) != string(want) {
				t.Fatalf("encoding:\n got % x\nwant % x", tc.got, want)
			}
		})
	}
}

func TestDecodeAcceptsEveryNumberForm(t *testing.T) {
	dec := NewDecoder()
	tests := []struct {
		name string
		in   string
		want game.Input
	}{
		{"float32 values", "96 03 07 ca 3f800000 ca bf800000 ca 3f000000 01", game.Input{Seq: 7, MoveX: 1, MoveY: -1, Aim: 0.5, Buttons: 1}},
		{"integer floats", "96 03 cd 0100 01 ff d0 80 00", game.Input{Seq: 256, MoveX: 1, MoveY: -1, Aim: -128}},
		{"wide integer forms", "96 cf 0000000000000003 ce 00000007 cf 0000000000000001 d3 ffffffffffffffff d2 00000000 cd 0101",
			game.Input{Seq: 7, MoveX: 1, MoveY: -1, Buttons: 1}},
		{"unknown button bits are kept for Sanitize to drop", "96 03 01 00 00 00 cf ffffffffffffffff", game.Input{Seq: 1, Buttons: 0xff}},
		{"trailing elements ignored", "9c 03 07 00 00 00 01 cb 3ff8000000000000 2a 05 a3 6e6577 92 c0 81 a1 6b c3 c7 02 05 ffff",
			game.Input{Seq: 7, Buttons: 1, ViewTime: 1.5, ShotID: 42}},
		{"a version-1 input without view time and shot id", "96 03 07 00 00 00 01", game.Input{Seq: 7, Buttons: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m ClientMessage
			if err := dec.DecodeClient(hexb(t, tc.in), &m); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if m.Type != TypeInput || m.Input != tc.want {
				t.Fatalf("got %v %+v, want input %+v", m.Type, m.Input, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrNotMsgpack},
		{"not an array", "a3 616263", ErrNotMsgpack},
		{"nil", "c0", ErrNotMsgpack},
		{"invalid code", "c1", ErrNotMsgpack},
		{"empty array", "90", ErrNotMsgpack},
		{"type is a string", "91 a1 31", ErrNotMsgpack},
		{"type is a float", "91 cb 3ff0000000000000", ErrNotMsgpack},
		{"type is nil", "91 c0", ErrNotMsgpack},
		{"array longer than the frame", "dd ffffffff 03", ErrNotMsgpack},
		{"unknown type", "91 2a", ErrUnknownType},
		{"type zero", "91 00", ErrUnknownType},
		{"negative type", "91 ff", ErrUnknownType},
		{"huge type", "91 cf ffffffffffffffff", ErrUnknownType},
		{"server type sent by a client", "93 07 00 00", ErrUnknownType},
		{"missing elements", "92 03 07", ErrMalformed},
		{"negative seq", "96 03 ff 00 00 00 00", ErrMalformed},
		{"seq beyond u32", "96 03 cf 0000000100000000 00 00 00 00", ErrMalformed},
		{"string where a float goes", "96 03 07 a1 78 00 00 00", ErrMalformed},
		{"nil where a float goes", "96 03 07 c0 00 00 00", ErrMalformed},
		{"negative buttons", "96 03 07 00 00 00 ff", ErrMalformed},
		{"truncated float", "96 03 07 00 00 cb 3ff0 00", ErrMalformed},
		{"array longer than what follows", "96 03 07 cb 3ff0", ErrNotMsgpack},
		{"bytes after the message", "92 05 00 00", ErrMalformed},
		{"hello name is an int", "94 01 01 05 a0", ErrMalformed},
		{"hello name claims 4 GiB", "94 01 01 db ffffffff 41", ErrMalformed},
		{"trailing element claims 4 GiB", "96 05 00 c6 ffffffff 00 00 00", ErrMalformed},
		{"trailing element nested too deep", "93 05 00 " + strings.Repeat("91 ", 40) + "00", ErrMalformed},
		{"trailing element invalid", "93 05 00 c1", ErrMalformed},
	}
	dec := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m ClientMessage
			err := dec.DecodeClient(hexb(t, tc.in), &m)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %T is not a *DecodeError", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
		})
	}
}

// A 16-byte message claiming a 4 GiB string must not make the decoder
// allocate anywhere near that: the length is checked against the frame.
func TestDecodeDoesNotTrustDeclaredLengths(t *testing.T) {
	dec := NewDecoder()
	msgs := [][]byte{
		hexb(t, "94 01 01 db ffffffff 41 a0"),
		hexb(t, "96 05 00 c6 7fffffff 00 00 00"),
		hexb(t, "92 05 dd 7fffffff 00"),
		hexb(t, "93 06 00 dd 7fffffff 95"),
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 100 {
		for _, b := range msgs {
			var c ClientMessage
			_ = dec.DecodeClient(b, &c)
			_, _ = dec.DecodeServer(b)
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("decoding 800 tiny hostile messages allocated %d bytes", grew)
	}
}

func TestQuantization(t *testing.T) {
	posTests := []struct {
		in   float64
		want int32
	}{
		{0, 0}, {1, 8}, {-1, -8}, {0.0624, 0}, {0.0626, 1}, {-0.0626, -1}, {1599.99, 12800},
		{1e12, math.MaxInt32}, {-1e12, math.MinInt32}, {math.Inf(1), math.MaxInt32}, {math.NaN(), 0},
	}
	for _, tc := range posTests {
		if got := QuantizePos(tc.in); got != tc.want {
			t.Errorf("QuantizePos(%v) = %d, want %d", tc.in, got, tc.want)
		}
		if got := QuantizeVel(tc.in); got != tc.want {
			t.Errorf("QuantizeVel(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	angleTests := []struct {
		in   float64
		want uint16
	}{
		{0, 0}, {math.Pi / 2, 16384}, {math.Pi, 32768}, {-math.Pi, 32768}, {-math.Pi / 2, 49152},
		{2 * math.Pi, 0}, {-1e-9, 0}, {2*math.Pi - 1e-9, 0}, {101 * math.Pi, 32768}, {math.NaN(), 0}, {math.Inf(-1), 0},
	}
	for _, tc := range angleTests {
		if got := QuantizeAngle(tc.in); got != tc.want {
			t.Errorf("QuantizeAngle(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	// Every wire angle survives a round trip, and dequantized angles are
	// in [-π, π) like the game's.
	for q := range 65536 {
		a := DequantizeAngle(uint16(q))
		if a < -math.Pi || a >= math.Pi {
			t.Fatalf("DequantizeAngle(%d) = %v, outside [-π, π)", q, a)
		}
		if back := QuantizeAngle(a); back != uint16(q) {
			t.Fatalf("angle %d → %v → %d", q, a, back)
		}
	}
	// The error of a position or velocity round trip is at most half the
	// resolution (1/16 unit).
	for _, v := range []float64{0.03, 17.77, -823.4321, 19999.9} {
		if d := math.Abs(DequantizePos(QuantizePos(v)) - v); d > 1.0/16 {
			t.Errorf("pos %v round trip error %v", v, d)
		}
	}
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	snap := testSnapshot()
	input := append([]byte(nil), enc.EncodeInput(game.Input{Seq: 9, MoveX: 0.5, Aim: 1, Buttons: 1}, 0)...)
	var m ClientMessage
	tests := []struct {
		name string
		f    func()
	}{
		{"EncodeSnapshot", func() { enc.EncodeSnapshot(snap) }},
		{"EncodeEvents", func() { enc.EncodeEvents(1, []game.Event{{Kind: game.EventKill, Player: 1, Other: 2}}) }},
		{"DecodeClient input", func() {
			if err := dec.DecodeClient(input, &m); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f() // grow buffers
			if n := testing.AllocsPerRun(100, tc.f); n != 0 {
				t.Fatalf("%v allocations per call, want 0", n)
			}
		})
	}
}

func TestCloseCodeAndErrorCodeNames(t *testing.T) {
	for _, c := range []CloseCode{CloseNormal, CloseGoingAway, CloseUnsupportedData, CloseNotMsgpack, CloseTooManyErrors,
		CloseTooBig, CloseInternal, CloseBadHello, CloseMatchNotFound, CloseMatchFull, CloseHelloTimeout,
		ClosePingTimeout, CloseMatchOver, CloseTooSlow, CloseServerBusy, CloseProtocolError} {
		if s := c.String(); strings.HasPrefix(s, "close(") {
			t.Errorf("close code %d has no reason text", c)
		}
	}
	for _, c := range []ErrorCode{CodeUnknownType, CodeMalformed, CodeInvalidInput, CodeUnexpected, CodeBadVersion,
		CodeBadName, CodeMatchNotFound, CodeMatchFull, CodeServerBusy} {
		if c.Reason() == "" {
			t.Errorf("error code %d has no reason", c)
		}
	}
	if ErrorCode(99).Reason() != "" || CloseCode(4999).String() != "close(4999)" {
		t.Error("unknown codes must not get names")
	}
}
