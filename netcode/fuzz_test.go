package netcode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

// encodeClient encodes a client message with the real Encoder (fuzz and
// vector tests).
func encodeClient(enc *Encoder, m *ClientMessage) []byte {
	switch m.Type {
	case TypeHello:
		return enc.EncodeHello(m.Hello)
	case TypeInput:
		return enc.EncodeInput(m.Input, m.Ack)
	case TypePing:
		return enc.EncodePing(m.Ping)
	case TypeView:
		return enc.EncodeView(m.View)
	}
	panic("decoded an unknown client type " + m.Type.String())
}

// encodeServer encodes a server message with the real Encoder (fuzz and
// vector tests).
func encodeServer(enc *Encoder, m ServerMessage) []byte {
	switch m := m.(type) {
	case *Welcome:
		return enc.EncodeWelcome(m)
	case *Snapshot:
		return enc.EncodeSnapshot(&m.Snapshot)
	case *Delta:
		return enc.EncodeDelta(m)
	case *Events:
		return enc.EncodeEvents(m.Tick, m.Events)
	case *Pong:
		return enc.EncodePong(*m)
	case *ErrorMessage:
		return enc.EncodeError(*m)
	}
	panic(fmt.Sprintf("decoded an unknown server message %T", m))
}

// The client decoder never panics, fails only with a *DecodeError, and
// whatever it accepts re-encodes to a canonical form that decodes to the
// same bytes again.
func FuzzDecodeClientMessage(f *testing.F) {
	dec, enc := NewDecoder(), NewEncoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		var m ClientMessage
		if err := dec.DecodeClient(b, &m); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		canon := bytes.Clone(encodeClient(enc, &m))
		var m2 ClientMessage
		if err := dec.DecodeClient(canon, &m2); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", canon, err)
		}
		if again := encodeClient(enc, &m2); !bytes.Equal(again, canon) {
			t.Fatalf("unstable round trip:\n%x\n%x", canon, again)
		}
	})
}

// Same for the server decoder (the Go client's and the load tool's).
func FuzzDecodeServerMessage(f *testing.F) {
	dec, enc := NewDecoder(), NewEncoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dec.DecodeServer(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		canon := bytes.Clone(encodeServer(enc, m))
		m2, err := dec.DecodeServer(canon)
		if err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", canon, err)
		}
		if again := encodeServer(enc, m2); !bytes.Equal(again, canon) {
			t.Fatalf("unstable round trip:\n%x\n%x", canon, again)
		}
	})
}

// The server's frame reader never panics on a client's byte stream, never
// returns a message over its limit, every control answer it produces is a
// well-formed unmasked control frame, and reading the stream through reads
// that fail with a deadline before every byte gives exactly the same
// results: the reader never loses its place.
func FuzzFrameReader(f *testing.F) {
	const limit = 256
	read := func(t *testing.T, src io.Reader) []string {
		r := newFrameReader(src, ws.StateServerSide, limit)
		var out []string
		check := func(b []byte) {
			fr, err := ws.ReadFrame(bytes.NewReader(b))
			if err != nil || !fr.Header.OpCode.IsControl() || fr.Header.Masked || !fr.Header.Fin || fr.Header.Rsv != 0 {
				t.Fatalf("control answer % x is not an unmasked control frame: %v", b, err)
			}
			out = append(out, fmt.Sprintf("reply % x", b))
		}
		r.reply = check
		for len(out) < 64 {
			payload, err := r.next()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if len(payload) > limit {
				t.Fatalf("message of %d bytes over the %d limit", len(payload), limit)
			}
			if err == nil {
				out = append(out, fmt.Sprintf("message % x", payload))
				continue
			}
			out = append(out, err.Error())
			var pc *peerCloseError
			if errors.As(err, &pc) {
				check(pc.Reply)
				return out
			}
			var perr protocolError
			if !errors.Is(err, errTextFrame) && !errors.Is(err, errMessageTooBig) && !errors.As(err, &perr) {
				return out
			}
		}
		return out
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		straight := read(t, bytes.NewReader(stream))
		stuttered := read(t, &stutterReader{b: stream})
		if !slices.Equal(straight, stuttered) {
			t.Fatalf("interrupted reads differ:\n%q\n%q", straight, stuttered)
		}
	})
}

// checkUpgrade's verdict on any Connection and Upgrade values, as net/http
// parses them, is the one of a plain reading of RFC 9110 §5.6.1 and RFC
// 6455 §4.2.1 (some comma-separated element, stripped of SP and HTAB, is
// the token in ASCII case-insensitive comparison), and does not change when
// every element moves to a header line of its own or the ASCII letters are
// upper-cased.
func FuzzCheckUpgrade(f *testing.F) {
	parse := func(connection, upgrade []string) (*http.Request, bool) {
		var b strings.Builder
		b.WriteString("GET /ws HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n")
		for _, v := range connection {
			b.WriteString("Connection: " + v + "\r\n")
		}
		for _, v := range upgrade {
			b.WriteString("Upgrade: " + v + "\r\n")
		}
		b.WriteString("\r\n")
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
		return r, err == nil
	}
	mapASCII := func(s string, from, to byte) string { // shifts the letters from..from+25 to to..to+25
		b := []byte(s)
		for i, c := range b {
			if from <= c && c <= from+25 {
				b[i] = c - from + to
			}
		}
		return string(b)
	}
	lowerASCII := func(s string) string { return mapASCII(s, 'A', 'a') }
	has := func(values []string, token string) bool {
		for _, v := range values {
			for _, e := range strings.Split(v, ",") {
				if lowerASCII(strings.Trim(e, " \t")) == token {
					return true
				}
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, connection, upgrade string) {
		if strings.ContainsAny(connection+upgrade, "\r\n") {
			return // another header line, not another value
		}
		r, ok := parse([]string{connection}, []string{upgrade})
		if !ok {
			return
		}
		got := checkUpgrade(r) == nil
		if want := has(r.Header.Values("Connection"), "upgrade") && has(r.Header.Values("Upgrade"), "websocket"); got != want {
			t.Fatalf("Connection %q, Upgrade %q: accepted %v, want %v", connection, upgrade, got, want)
		}
		split, ok := parse(strings.Split(connection, ","), strings.Split(upgrade, ","))
		if ok && (checkUpgrade(split) == nil) != got {
			t.Fatalf("Connection %q, Upgrade %q: accepted %v, but %v with one element per line", connection, upgrade, got, !got)
		}
		upper, ok := parse([]string{mapASCII(connection, 'a', 'A')}, []string{mapASCII(upgrade, 'a', 'A')})
		if ok && (checkUpgrade(upper) == nil) != got {
			t.Fatalf("Connection %q, Upgrade %q: accepted %v, but %v in upper case", connection, upgrade, got, !got)
		}
	})
}

// A delta applied to a picture either is refused with ErrBadDelta or gives a
// picture in the wire's ranges, sorted by id, that Diff finds again: the
// delta Diff makes of the same two pictures, applied, gives the same
// picture. The inputs are the bytes of a complete snapshot (the baseline)
// and of a delta.
func FuzzApplyDelta(f *testing.F) {
	dec := NewDecoder()
	f.Fuzz(func(t *testing.T, baseMsg, deltaMsg []byte, rate uint8) {
		m, err := dec.DecodeServer(baseMsg)
		if err != nil {
			return
		}
		snap, ok := m.(*Snapshot)
		if !ok {
			return
		}
		var base WireState
		base.Quantize(&snap.Snapshot)
		if m, err = dec.DecodeServer(deltaMsg); err != nil {
			return
		}
		d, ok := m.(*Delta)
		if !ok {
			return
		}
		tickRate := int(rate%128) + 1
		var got WireState
		if err := ApplyDelta(&base, d, tickRate, &got); err != nil {
			if !errors.Is(err, ErrBadDelta) {
				t.Fatalf("error %v is not ErrBadDelta", err)
			}
			return
		}
		for i := 1; i < len(got.Players); i++ {
			if got.Players[i].ID <= got.Players[i-1].ID {
				t.Fatalf("players out of order: %+v", got.Players)
			}
		}
		for i := 1; i < len(got.Projectiles); i++ {
			if got.Projectiles[i].ID <= got.Projectiles[i-1].ID {
				t.Fatalf("projectiles out of order: %+v", got.Projectiles)
			}
		}
		if !sortedPlayers(base.Players) || !sortedProjectiles(base.Projectiles) {
			return // an unsorted complete snapshot is no baseline Diff can work from
		}
		var again Delta
		var twice WireState
		Diff(&base, &got, tickRate, &again)
		if err := ApplyDelta(&base, &again, tickRate, &twice); err != nil {
			t.Fatalf("Diff's own delta does not apply: %v", err)
		}
		if !reflect.DeepEqual(normWire(&twice), normWire(&got)) {
			t.Fatalf("Diff's delta gives\n%+v\nnot\n%+v", twice, got)
		}
	})
}

func sortedPlayers(ps []WirePlayer) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].ID <= ps[i-1].ID {
			return false
		}
	}
	return true
}

func sortedProjectiles(ps []WireProjectile) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].ID <= ps[i-1].ID {
			return false
		}
	}
	return true
}
