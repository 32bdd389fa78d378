package netcode

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gobwas/ws"
)

// clientBytes compiles frames as a client sends them (masked).
func clientBytes(t testing.TB, frames ...ws.Frame) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, f := range frames {
		f.Payload = bytes.Clone(f.Payload)
		if err := ws.WriteFrame(&b, ws.MaskFrameInPlace(f)); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestFrameReader(t *testing.T) {
	const limit = 64
	big := bytes.Repeat([]byte{'x'}, limit)
	type result struct {
		payload string
		err     error
	}
	tests := []struct {
		name    string
		stream  []byte
		want    []result // in order, ending with the error that stops reading
		replies []string // payloads of the control answers, in order
	}{
		{
			name:   "binary messages",
			stream: clientBytes(t, ws.NewBinaryFrame([]byte("one")), ws.NewBinaryFrame(nil), ws.NewBinaryFrame(big)),
			want:   []result{{payload: "one"}, {payload: ""}, {payload: string(big)}, {err: io.EOF}},
		},
		{
			name:    "ping is answered through reply",
			stream:  clientBytes(t, ws.NewPingFrame([]byte("hi")), ws.NewBinaryFrame([]byte("after"))),
			want:    []result{{payload: "after"}, {err: io.EOF}},
			replies: []string{"\x8a\x02hi"},
		},
		{
			name: "fragmented message with a ping in the middle",
			stream: clientBytes(t,
				ws.NewFrame(ws.OpBinary, false, []byte("ab")),
				ws.NewPingFrame(nil),
				ws.NewFrame(ws.OpContinuation, false, []byte("cd")),
				ws.NewFrame(ws.OpContinuation, true, []byte("ef"))),
			want:    []result{{payload: "abcdef"}, {err: io.EOF}},
			replies: []string{"\x8a\x00"},
		},
		{
			name:   "text frame is reported and skipped",
			stream: clientBytes(t, ws.NewTextFrame([]byte("hello")), ws.NewBinaryFrame([]byte("b"))),
			want:   []result{{err: errTextFrame}, {payload: "b"}, {err: io.EOF}},
		},
		{
			name:   "frame over the limit",
			stream: clientBytes(t, ws.NewBinaryFrame(append(big, 'y'))),
			want:   []result{{err: errMessageTooBig}},
		},
		{
			name: "fragments over the limit together",
			stream: clientBytes(t,
				ws.NewFrame(ws.OpBinary, false, big[:40]),
				ws.NewFrame(ws.OpContinuation, true, big[:40])),
			want: []result{{err: errMessageTooBig}},
		},
		{
			name:   "close is reported with the reply to send",
			stream: clientBytes(t, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))),
			want:   []result{{err: &peerCloseError{Code: ws.StatusNormalClosure, Reason: "bye"}}},
		},
		{
			name:   "unmasked frame is a protocol error",
			stream: ws.MustCompileFrame(ws.NewBinaryFrame([]byte("x"))),
			want:   []result{{err: ws.ErrProtocolMaskRequired}},
		},
		{
			name:   "truncated frame",
			stream: clientBytes(t, ws.NewBinaryFrame([]byte("abcdef")))[:8],
			want:   []result{{err: io.ErrUnexpectedEOF}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newFrameReader(bytes.NewReader(tc.stream), ws.StateServerSide, limit)
			var replies []string
			r.reply = func(b []byte) { replies = append(replies, string(b)) }
			for i, w := range tc.want {
				payload, err := r.next()
				var pc *peerCloseError
				switch {
				case w.err == nil && err != nil:
					t.Fatalf("read %d: unexpected error %v", i, err)
				case w.err == nil && string(payload) != w.payload:
					t.Fatalf("read %d: payload %q, want %q", i, payload, w.payload)
				case errors.As(w.err, &pc):
					var got *peerCloseError
					if !errors.As(err, &got) || got.Code != pc.Code || got.Reason != pc.Reason {
						t.Fatalf("read %d: err %v, want peer close %d %q", i, err, pc.Code, pc.Reason)
					}
					f, ferr := ws.ReadFrame(bytes.NewReader(got.Reply))
					if ferr != nil || f.Header.OpCode != ws.OpClose {
						t.Fatalf("reply %q is not a close frame: %v", got.Reply, ferr)
					}
					if code, _ := ws.ParseCloseFrameData(f.Payload); code != pc.Code {
						t.Fatalf("reply echoes %d, want %d", code, pc.Code)
					}
				case w.err != nil && !errors.Is(err, w.err):
					t.Fatalf("read %d: err %v, want %v", i, err, w.err)
				}
			}
			if len(replies) != len(tc.replies) {
				t.Fatalf("replies %q, want %q", replies, tc.replies)
			}
			for i := range replies {
				if replies[i] != tc.replies[i] {
					t.Fatalf("reply %d = %q, want %q", i, replies[i], tc.replies[i])
				}
			}
		})
	}
}

func TestFrameReaderReportsActivity(t *testing.T) {
	stream := clientBytes(t, ws.NewPingFrame(nil), ws.NewPongFrame(nil), ws.NewBinaryFrame([]byte("m")))
	r := newFrameReader(bytes.NewReader(stream), ws.StateServerSide, 16)
	n := 0
	r.activity = func() { n++ }
	if _, err := r.next(); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("activity called %d times for 3 frames", n)
	}
}

func TestPutHeader(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 1 << 20} {
		var h [ws.MaxHeaderSize]byte
		size := putHeader(h[:], n, false)
		want, err := ws.CompileFrame(ws.NewBinaryFrame(make([]byte, n)))
		if err != nil {
			t.Fatal(err)
		}
		if got := h[len(h)-size:]; !bytes.Equal(got, want[:len(want)-n]) {
			t.Errorf("header for %d bytes = % x, want % x", n, got, want[:len(want)-n])
		}
	}
}

// A 64-bit frame length with its most significant bit set breaks RFC 6455
// §5.2. It is a framing violation like any other (close 1002, PROTOCOL.md
// §1.7), not a vanished peer (a close without a close frame).
func TestFrameReaderLengthMSBIsAProtocolError(t *testing.T) {
	stream := []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}
	_, err := newFrameReader(bytes.NewReader(stream), ws.StateServerSide, 64).next()
	var perr ws.ProtocolError
	if !errors.As(err, &perr) {
		t.Fatalf("err = %v (%T), want a ws.ProtocolError", err, err)
	}
}
