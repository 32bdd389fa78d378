package netcode

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
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
			want:   []result{{err: errNotMasked}},
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
	n, wire := 0, int64(0)
	r.activity = func(w int64) { n, wire = n+1, wire+w }
	var pongs []string
	r.pong = func(p []byte) { pongs = append(pongs, string(p)) }
	if _, err := r.next(); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("activity called %d times for 3 frames", n)
	}
	if wire != int64(len(stream)) {
		t.Fatalf("activity reported %d bytes on the wire, the stream is %d", wire, len(stream))
	}
	if len(pongs) != 1 || pongs[0] != "" {
		t.Fatalf("pongs = %q, want one empty pong", pongs)
	}
}

// A pong's payload reaches pong intact (unmasked); pings still get their
// reply and no pong call.
func TestFrameReaderPongPayload(t *testing.T) {
	stream := clientBytes(t, ws.NewPongFrame([]byte("12345678")), ws.NewPingFrame([]byte("p")), ws.NewBinaryFrame([]byte("m")))
	r := newFrameReader(bytes.NewReader(stream), ws.StateServerSide, 16)
	var pongs []string
	r.pong = func(p []byte) { pongs = append(pongs, string(p)) }
	replies := 0
	r.reply = func([]byte) { replies++ }
	if _, err := r.next(); err != nil {
		t.Fatal(err)
	}
	if len(pongs) != 1 || pongs[0] != "12345678" || replies != 1 {
		t.Fatalf("pongs %q, replies %d: want [12345678] and 1", pongs, replies)
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
	if !errors.Is(err, errLengthMSB) {
		t.Fatalf("err = %v (%T), want errLengthMSB", err, err)
	}
}

// Every header rule is checked by the reader itself, and a frame that breaks
// one is skipped whole: the stream stays in step, so the peer's close frame
// is still recognised while the connection closes.
func TestFrameReaderChecksEveryHeaderField(t *testing.T) {
	ok := rawFrame{op: ws.OpBinary, payload: []byte("ok")}.bytes()
	tests := []struct {
		name   string
		client bool // read as the client (the peer is a server)
		frame  rawFrame
		want   error
	}{
		{"RSV1", false, rawFrame{op: ws.OpBinary, rsv: 4, payload: []byte("x")}, errReservedBits},
		{"RSV2 on a ping", false, rawFrame{op: ws.OpPing, rsv: 2}, errReservedBits},
		{"RSV3 on a close", false, rawFrame{op: ws.OpClose, rsv: 1}, errReservedBits},
		{"opcode 3", false, rawFrame{op: 3, payload: []byte("x")}, errReservedOpcode},
		{"opcode 0xF", false, rawFrame{op: 0xf}, errReservedOpcode},
		{"16-bit length under 126", false, rawFrame{op: ws.OpBinary, lenForm: 126, payload: make([]byte, 125)}, errLengthNotMinimal},
		{"64-bit length under 65536", false, rawFrame{op: ws.OpBinary, lenForm: 127, payload: make([]byte, 3)}, errLengthNotMinimal},
		{"unmasked client frame", false, rawFrame{op: ws.OpBinary, unmasked: true, payload: []byte("x")}, errNotMasked},
		{"masked server frame", true, rawFrame{op: ws.OpBinary, payload: []byte("x")}, errMasked},
		{"fragmented ping", false, rawFrame{op: ws.OpPing, notFin: true}, errControlFragmented},
		{"126-byte pong", false, rawFrame{op: ws.OpPong, payload: make([]byte, 126)}, errControlTooLong},
		{"lone continuation", false, rawFrame{op: ws.OpContinuation, payload: []byte("x")}, errContinuation},
		{"close of 1 byte", false, rawFrame{op: ws.OpClose, payload: []byte{3}}, errCloseTruncated},
		{"close 5000", false, rawFrame{op: ws.OpClose, payload: closePayload(5000, "")}, errCloseCode},
		{"close 1005", false, rawFrame{op: ws.OpClose, payload: closePayload(1005, "")}, errCloseCode},
		{"close 1015 from a server", true, rawFrame{op: ws.OpClose, unmasked: true, payload: closePayload(1015, "")}, errCloseCode},
		{"close reason not UTF-8", false, rawFrame{op: ws.OpClose, payload: closePayload(1000, "\xed\xa0\x80")}, errCloseReason},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			state, next := ws.StateServerSide, ok
			if tc.client {
				state, next = ws.StateClientSide, rawFrame{op: ws.OpBinary, unmasked: true, payload: []byte("ok")}.bytes()
			}
			r := newFrameReader(bytes.NewReader(append(tc.frame.bytes(), next...)), state, 256)
			_, err := r.next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pc *peerCloseError
			if errors.As(err, &pc) {
				if pc.Code != ws.StatusCode(CloseProtocolError) {
					t.Fatalf("invalid close recorded as %d, want 1002", pc.Code)
				}
				checkCloseReply(t, pc.Reply, tc.client, closePayload(1002, "protocol error"))
				return // nothing is read after a close
			}
			if p, err := r.next(); err != nil || string(p) != "ok" {
				t.Fatalf("after the bad frame: %q, %v; want the next message", p, err)
			}
		})
	}
}

// checkCloseReply checks that reply is one close frame with the given
// payload, masked exactly when it is the client's.
func checkCloseReply(t *testing.T, reply []byte, client bool, payload []byte) {
	t.Helper()
	h, err := ws.ReadHeader(bytes.NewReader(reply))
	if err != nil || h.OpCode != ws.OpClose || !h.Fin || h.Rsv != 0 || h.Masked != client {
		t.Fatalf("reply % x: header %+v, %v", reply, h, err)
	}
	p := bytes.Clone(reply[len(reply)-int(h.Length):])
	if h.Masked {
		ws.Cipher(p, h.Mask, 0)
	}
	if !bytes.Equal(p, payload) {
		t.Fatalf("reply payload % x, want % x", p, payload)
	}
}

// A valid close is echoed (its code only), on both sides; an empty close is
// answered with an empty close.
func TestFrameReaderEchoesValidCloses(t *testing.T) {
	for _, client := range []bool{false, true} {
		for _, tc := range []struct {
			payload, echo []byte
			code          ws.StatusCode
		}{
			{nil, []byte{}, ws.StatusNoStatusRcvd},
			{closePayload(1000, "bye"), closePayload(1000, ""), 1000},
			{closePayload(1014, ""), closePayload(1014, ""), 1014},
			{closePayload(3000, "é"), closePayload(3000, ""), 3000},
			{closePayload(4999, ""), closePayload(4999, ""), 4999},
		} {
			state := ws.StateServerSide
			if client {
				state = ws.StateClientSide
			}
			stream := rawFrame{op: ws.OpClose, unmasked: client, payload: tc.payload}.bytes()
			_, err := newFrameReader(bytes.NewReader(stream), state, 16).next()
			var pc *peerCloseError
			if !errors.As(err, &pc) || pc.Err != nil || pc.Code != tc.code {
				t.Fatalf("client %v, close % x: err %v, want a valid close %d", client, tc.payload, err, tc.code)
			}
			checkCloseReply(t, pc.Reply, client, tc.echo)
		}
	}
}

// stutterReader hands out its stream one byte at a time, failing with a
// deadline error before every byte, as a socket read under a short deadline
// may.
type stutterReader struct {
	b    []byte
	fail bool
}

func (s *stutterReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	if s.fail = !s.fail; s.fail {
		return 0, os.ErrDeadlineExceeded
	}
	p[0], s.b = s.b[0], s.b[1:]
	return 1, nil
}

// A read that fails part-way (a deadline) loses nothing: the next call
// carries on where it stopped, so a connection can go on reading for the
// peer's close after a timeout.
func TestFrameReaderResumesAfterADeadline(t *testing.T) {
	stream := bytes.Join([][]byte{
		rawFrame{op: ws.OpBinary, notFin: true, payload: []byte("frag")}.bytes(),
		rawFrame{op: ws.OpPing, payload: []byte("p")}.bytes(),
		rawFrame{op: ws.OpContinuation, payload: bytes.Repeat([]byte("ment"), 40)}.bytes(),
		rawFrame{op: ws.OpText, payload: []byte("skipped")}.bytes(),
		rawFrame{op: ws.OpBinary, payload: make([]byte, 300)}.bytes(),
		rawFrame{op: ws.OpBinary, payload: []byte("last")}.bytes(),
		rawFrame{op: ws.OpClose, payload: closePayload(1000, "")}.bytes(),
	}, nil)
	r := newFrameReader(&stutterReader{b: stream}, ws.StateServerSide, 256)
	var got []string
	pongs := 0
	r.reply = func([]byte) { pongs++ }
	for {
		p, err := r.next()
		switch {
		case err == nil:
			got = append(got, string(p))
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			continue
		case errors.Is(err, errTextFrame), errors.Is(err, errMessageTooBig):
			got = append(got, err.Error())
			continue
		}
		var pc *peerCloseError
		if !errors.As(err, &pc) || pc.Code != 1000 {
			t.Fatalf("ended with %v, want the close", err)
		}
		break
	}
	want := []string{"frag" + strings.Repeat("ment", 40), errTextFrame.Error(), errMessageTooBig.Error(), "last"}
	if !slices.Equal(got, want) || pongs != 1 {
		t.Fatalf("read %q and %d pongs, want %q and 1", got, pongs, want)
	}
}

// loopReader serves the same bytes forever.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.b[l.off:])
	l.off = (l.off + n) % len(l.b)
	return n, nil
}

// BenchmarkFrameReaderInput reads one masked input frame (the per-message
// framing work of a connection's reader), with a ping every 30 frames as a
// client sends them.
func BenchmarkFrameReaderInput(b *testing.B) {
	enc := NewEncoder()
	input := rawFrame{op: ws.OpBinary, payload: bytes.Clone(enc.EncodeInput(game.Input{Seq: 1234, MoveX: 0.7071, Aim: 2.5}, 0))}.bytes()
	var stream []byte
	for range 30 {
		stream = append(stream, input...)
	}
	stream = append(stream, rawFrame{op: ws.OpPing, payload: []byte("1234")}.bytes()...)
	r := newFrameReader(&loopReader{b: stream}, ws.StateServerSide, MaxClientMessage)
	r.reply = func([]byte) {}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.next(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCloseFramesCarryTheirReason: every close frame the server sends holds
// its code and the protocol's reason text (PROTOCOL.md §1.7); a list of
// "prepared" codes once left 4006, 4007 and 4010 without one.
func TestCloseFramesCarryTheirReason(t *testing.T) {
	codes := 0
	for c := CloseCode(1000); c <= 4999; c++ {
		reason := c.String()
		if strings.HasPrefix(reason, "close(") {
			continue // not a code of the protocol's
		}
		codes++
		f := closeFrame(c)
		if len(f) < 4 || f[0] != 0x88 || int(f[1]) != len(f)-2 {
			t.Fatalf("close %d: not one unmasked close frame: % x", c, f)
		}
		p := f[2:]
		if got := CloseCode(p[0])<<8 | CloseCode(p[1]); got != c || string(p[2:]) != reason {
			t.Errorf("close frame for %d carries %d %q, want %q", c, got, p[2:], reason)
		}
	}
	if codes < 19 { // PROTOCOL.md §1.7 lists 19
		t.Fatalf("only %d close codes have a reason: CloseCode.String changed?", codes)
	}
}
