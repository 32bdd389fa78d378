package netcode

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// An input carries the newest snapshot tick its client has applied
// (ackTick, PROTOCOL.md §1.4): the encoder sends it as the eighth element
// after the type, and a decoder reads what a client without it sends as 0.
func TestInputCarriesAckTick(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	in := game.Input{Seq: 9, MoveX: 1, Aim: 0.5, Buttons: game.ButtonFire, ViewTime: 3.5, ShotID: 9}
	tests := []struct {
		name string
		msg  []byte
		ack  uint32
	}{
		{"encoded with an ack", bytes.Clone(enc.EncodeInput(in, 70000)), 70000},
		{"encoded with the largest ack", bytes.Clone(enc.EncodeInput(in, math.MaxUint32)), math.MaxUint32},
		{"an input without one (7 elements)", hexb(t, "98 03 09 01 00 cb 3fe0000000000000 01 cb 400c000000000000 09"), 0},
		{"an input without one (5 elements)", hexb(t, "96 03 09 01 00 cb 3fe0000000000000 01"), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ClientMessage{Ack: 12345} // a stale value must not survive
			if err := dec.DecodeClient(tc.msg, &m); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if m.Type != TypeInput || m.Ack != tc.ack {
				t.Fatalf("got %v ack %d, want input ack %d", m.Type, m.Ack, tc.ack)
			}
		})
	}
	want := "99 03 07 cb 3ff0000000000000 cb 0000000000000000 cb 3fe0000000000000 01 cb 400c000000000000 07 cd 012c"
	got := enc.EncodeInput(game.Input{Seq: 7, MoveX: 1, Aim: 0.5, Buttons: 1, ViewTime: 3.5, ShotID: 7}, 300)
	if string(got) != string(hexb(t, want)) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, hexb(t, want))
	}
	for _, bad := range []string{
		"99 03 07 01 00 00 01 00 00 ff",                  // negative
		"99 03 07 01 00 00 01 00 00 cf 0000000100000000", // beyond u32
		"99 03 07 01 00 00 01 00 00 c0",                  // nil
		"99 03 07 01 00 00 01 00 00 cb 3ff8000000000000", // a float
	} {
		var m ClientMessage
		if err := dec.DecodeClient(hexb(t, bad), &m); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: %v, want ErrMalformed", bad, err)
		}
	}
}

// The view message (type 11) says how much of the world the client shows,
// in world units (PROTOCOL.md §1.4).
func TestViewMessage(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	got := enc.EncodeView(View{Width: 1920, Height: 1080.5})
	want := hexb(t, "93 0b cb 409e000000000000 cb 4090e20000000000")
	if string(got) != string(want) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, want)
	}
	var m ClientMessage
	if err := dec.DecodeClient(got, &m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if m.Type != TypeView || m.View != (View{Width: 1920, Height: 1080.5}) {
		t.Fatalf("got %v %+v", m.Type, m.View)
	}
	for _, ok := range []string{"93 0b cd 0780 cd 0438", "94 0b 01 02 a1 78"} {
		if err := dec.DecodeClient(hexb(t, ok), &m); err != nil || m.Type != TypeView {
			t.Fatalf("%s: %v %v", ok, m.Type, err)
		}
	}
	for _, bad := range []string{"92 0b 01", "93 0b c0 01", "93 0b a1 78 01"} {
		if err := dec.DecodeClient(hexb(t, bad), &m); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: %v, want ErrMalformed", bad, err)
		}
	}
	if TypeView.String() != "view" || TypeDelta.String() != "delta" {
		t.Fatalf("names %q %q", TypeView, TypeDelta)
	}
}
