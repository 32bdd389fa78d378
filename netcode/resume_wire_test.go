package netcode

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// The resume fields are trailing elements of hello and welcome (PROTOCOL.md
// §1.4, §1.5): sent only when there is a token, so a hello or welcome
// without one is byte for byte what version 1 always sent.
func TestResumeFieldsOnTheWire(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	const token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

	t.Run("hello without a token is the old hello", func(t *testing.T) {
		got := enc.EncodeHello(Hello{Version: 1, Name: "ada", Match: ""})
		if want := hexb(t, "94 01 01 a3 616461 a0"); string(got) != string(want) {
			t.Fatalf("hello % x, want % x", got, want)
		}
	})
	t.Run("hello with a token", func(t *testing.T) {
		h := Hello{Version: 1, Name: "ada", Match: "m-1", Resume: token}
		b := enc.EncodeHello(h)
		if b[0] != 0x95 {
			t.Fatalf("hello with a token has header %#x, want a 5-element array", b[0])
		}
		var m ClientMessage
		if err := dec.DecodeClient(b, &m); err != nil || m.Hello != h {
			t.Fatalf("decoded %+v, %v; want %+v", m.Hello, err, h)
		}
	})
	t.Run("hello with a token that is not a string", func(t *testing.T) {
		var m ClientMessage
		err := dec.DecodeClient(hexb(t, "95 01 01 a3 616461 a0 07"), &m)
		if err == nil || !strings.Contains(err.Error(), "resume") {
			t.Fatalf("err %v, want a malformed resume", err)
		}
	})

	base := Welcome{Version: 1, Player: "p", Match: "m", You: 3, TickRate: 30, SnapshotRate: 20, Map: "arena",
		Roster: []RosterEntry{{ID: 3, Name: "me", Flags: game.FlagAlive | game.FlagDisconnected}}}
	t.Run("welcome without a token is the old welcome", func(t *testing.T) {
		b := enc.EncodeWelcome(&base)
		if b[0] != 0x99 {
			t.Fatalf("welcome header %#x, want the 9-element array of version 1", b[0])
		}
	})
	t.Run("welcome with a token and a window", func(t *testing.T) {
		w := base
		w.Resume, w.ReconnectWindow = token, 10*time.Second
		b := enc.EncodeWelcome(&w)
		if b[0] != 0x9b {
			t.Fatalf("welcome header %#x, want 11 elements", b[0])
		}
		got, err := dec.DecodeServer(b)
		if err != nil || !reflect.DeepEqual(got, &w) {
			t.Fatalf("decoded %+v, %v; want %+v", got, err, &w)
		}
	})
	t.Run("welcome with a token and no window", func(t *testing.T) {
		w := base
		w.Resume = token
		b := append([]byte{0x9a}, enc.EncodeWelcome(&base)[1:]...)
		b = append(b, 0xd9, byte(len(token)))
		b = append(b, token...)
		got, err := dec.DecodeServer(b)
		if err != nil || !reflect.DeepEqual(got, &w) {
			t.Fatalf("decoded %+v, %v; want %+v", got, err, &w)
		}
	})
}

func TestResumeCodeNames(t *testing.T) {
	for c, want := range map[ErrorCode]string{
		CodeTokenMalformed: "token_malformed", CodeTokenUnknown: "token_unknown", CodeTokenExpired: "token_expired",
		CodeTokenUsed: "token_used", CodeTokenWrongMatch: "token_wrong_match",
	} {
		if c.Reason() != want {
			t.Errorf("code %d: reason %q, want %q", c, c.Reason(), want)
		}
	}
	for c, want := range map[CloseCode]string{CloseResumeRefused: "resume refused", CloseReplaced: "replaced"} {
		if c.String() != want {
			t.Errorf("close %d: %q, want %q", c, c.String(), want)
		}
	}
}
