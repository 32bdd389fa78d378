package netcode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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
		return enc.EncodeInput(m.Input)
	case TypePing:
		return enc.EncodePing(m.Ping)
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
