package netcode

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// rawFrame builds one frame bit by bit, so a test can break any rule of
// RFC 6455 §5.2 on purpose.
type rawFrame struct {
	op       ws.OpCode
	notFin   bool
	rsv      byte // RSV1, RSV2, RSV3 as 4, 2, 1
	unmasked bool
	lenForm  int // 0: the shortest length form; 126 or 127: force that form
	payload  []byte
}

// testMask is the mask key of every rawFrame: not zero, so a reader that
// forgets to unmask sees garbage.
var testMask = [4]byte{0x5a, 0xa5, 0x3c, 0xc3}

func (f rawFrame) bytes() []byte {
	b0 := byte(f.op) | f.rsv<<4
	if !f.notFin {
		b0 |= 0x80
	}
	var mask byte = 0x80
	if f.unmasked {
		mask = 0
	}
	n := len(f.payload)
	form := f.lenForm
	if form == 0 {
		switch {
		case n < 126:
			form = n
		case n <= 0xffff:
			form = 126
		default:
			form = 127
		}
	}
	out := []byte{b0, mask | byte(form)}
	switch form {
	case 126:
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	case 127:
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	p := bytes.Clone(f.payload)
	if !f.unmasked {
		out = append(out, testMask[:]...)
		for i := range p { // by hand, not with the ws.Cipher the reader uses
			p[i] ^= testMask[i%4]
		}
	}
	return append(out, p...)
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// wireConn is a client that writes raw bytes and reads the server's frames
// one by one, control frames included.
type wireConn struct {
	nc net.Conn
	br *bufio.Reader
}

func wireDial(t *testing.T, url string) *wireConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitShort)
	defer cancel()
	nc, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	if br == nil {
		br = bufio.NewReader(nc)
	}
	_ = nc.SetDeadline(time.Now().Add(waitShort))
	return &wireConn{nc: nc, br: br}
}

func (w *wireConn) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := w.nc.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// frame reads one whole frame as the server sent it.
func (w *wireConn) frame() (ws.Header, []byte, error) {
	h, err := ws.ReadHeader(w.br)
	if err != nil {
		return h, nil, err
	}
	if h.Length > MaxServerMessage {
		return h, nil, errors.New("server frame over MaxServerMessage")
	}
	p := make([]byte, h.Length)
	_, err = io.ReadFull(w.br, p)
	return h, p, err
}

// closeFrame reads up to the server's close frame and returns its payload.
func (w *wireConn) closeFrame(t *testing.T) []byte {
	t.Helper()
	for {
		h, p, err := w.frame()
		if err != nil {
			t.Fatalf("read: %v (no close frame)", err)
		}
		if h.OpCode == ws.OpClose {
			return p
		}
	}
}

// TestServerChecksControlFrames sends every kind of control frame, good and
// bad, to a real server and checks the answer RFC 6455 asks for: a close is
// echoed when its code may be sent (§7.4.1, §7.4.2 and the IANA registry:
// 1000–1003, 1007–1014, 3000–4999) and answered with 1002 otherwise, as is
// every other broken frame (§5.2, §5.5); a valid ping gets its pong.
func TestServerChecksControlFrames(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	closing := func(code uint16, reason string) []byte {
		return rawFrame{op: ws.OpClose, payload: closePayload(code, reason)}.bytes()
	}
	echo := func(code uint16) []byte { return binary.BigEndian.AppendUint16(nil, code) }
	protocolError := closePayload(uint16(CloseProtocolError), CloseProtocolError.String())
	tests := []struct {
		name string
		send []byte
		want []byte // the payload of the server's close frame
	}{
		{"close without payload is answered without payload", rawFrame{op: ws.OpClose}.bytes(), []byte{}},
		{"close 1000", closing(1000, "bye"), echo(1000)},
		{"close 1001", closing(1001, ""), echo(1001)},
		{"close 1002", closing(1002, ""), echo(1002)},
		{"close 1003", closing(1003, ""), echo(1003)},
		{"close 1007", closing(1007, ""), echo(1007)},
		{"close 1011", closing(1011, ""), echo(1011)},
		{"close 1012 (registered)", closing(1012, ""), echo(1012)},
		{"close 1013 (registered)", closing(1013, ""), echo(1013)},
		{"close 1014 (registered)", closing(1014, ""), echo(1014)},
		{"close 3000", closing(3000, ""), echo(3000)},
		{"close 3999", closing(3999, ""), echo(3999)},
		{"close 4000", closing(4000, ""), echo(4000)},
		{"close 4999", closing(4999, ""), echo(4999)},
		{"close with the longest reason", closing(1000, strings.Repeat("é", 61)+"x"), echo(1000)},
		{"close 0", closing(0, ""), protocolError},
		{"close 999", closing(999, ""), protocolError},
		{"close 1004", closing(1004, ""), protocolError},
		{"close 1005", closing(1005, ""), protocolError},
		{"close 1006", closing(1006, ""), protocolError},
		{"close 1015", closing(1015, ""), protocolError},
		{"close 1016", closing(1016, ""), protocolError},
		{"close 2999", closing(2999, ""), protocolError},
		{"close 5000", closing(5000, ""), protocolError},
		{"close 65535", closing(65535, ""), protocolError},
		{"close with a 1-byte payload", rawFrame{op: ws.OpClose, payload: []byte{0x03}}.bytes(), protocolError},
		{"close reason not UTF-8", closing(1000, "\xff\xfe"), protocolError},
		{"close reason cut inside a character", closing(1000, "\xc3"), protocolError},
		{"close over 125 bytes", closing(1000, strings.Repeat("x", 124)), protocolError},
		{"close not final", rawFrame{op: ws.OpClose, notFin: true, payload: echo(1000)}.bytes(), protocolError},
		{"close unmasked", rawFrame{op: ws.OpClose, unmasked: true, payload: echo(1000)}.bytes(), protocolError},
		{"close with RSV1", rawFrame{op: ws.OpClose, rsv: 4, payload: echo(1000)}.bytes(), protocolError},
		{"ping with RSV2", rawFrame{op: ws.OpPing, rsv: 2}.bytes(), protocolError},
		{"pong with RSV3", rawFrame{op: ws.OpPong, rsv: 1}.bytes(), protocolError},
		{"binary with RSV1", rawFrame{op: ws.OpBinary, rsv: 4, payload: []byte{0x91, 0x05}}.bytes(), protocolError},
		{"ping not final", rawFrame{op: ws.OpPing, notFin: true}.bytes(), protocolError},
		{"ping over 125 bytes", rawFrame{op: ws.OpPing, payload: make([]byte, 126)}.bytes(), protocolError},
		{"ping length in the 16-bit form", rawFrame{op: ws.OpPing, lenForm: 126, payload: []byte("hi")}.bytes(), protocolError},
		{"ping length in the 64-bit form", rawFrame{op: ws.OpPing, lenForm: 127, payload: []byte("hi")}.bytes(), protocolError},
		{"binary length 125 in the 16-bit form", rawFrame{op: ws.OpBinary, lenForm: 126, payload: make([]byte, 125)}.bytes(), protocolError},
		{"binary length 200 in the 64-bit form", rawFrame{op: ws.OpBinary, lenForm: 127, payload: make([]byte, 200)}.bytes()[:14], protocolError},
		{"ping unmasked", rawFrame{op: ws.OpPing, unmasked: true}.bytes(), protocolError},
		{"binary unmasked", rawFrame{op: ws.OpBinary, unmasked: true, payload: []byte{0x91, 0x05}}.bytes(), protocolError},
		{"reserved data opcode 3", rawFrame{op: 3}.bytes(), protocolError},
		{"reserved data opcode 7", rawFrame{op: 7}.bytes(), protocolError},
		{"reserved control opcode 0xB", rawFrame{op: 0xb}.bytes(), protocolError},
		{"reserved control opcode 0xF", rawFrame{op: 0xf}.bytes(), protocolError},
		{"continuation with no message", rawFrame{op: ws.OpContinuation, payload: []byte{1}}.bytes(), protocolError},
		{"new message inside a fragmented one", append(
			rawFrame{op: ws.OpBinary, notFin: true, payload: []byte{0x92}}.bytes(),
			rawFrame{op: ws.OpBinary, payload: []byte{0x05, 0x00}}.bytes()...), protocolError},
		{"64-bit length with its top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, protocolError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := wireDial(t, e.url)
			w.write(t, tc.send)
			if got := w.closeFrame(t); !bytes.Equal(got, tc.want) {
				t.Fatalf("close payload % x (%q), want % x (%q)", got, got, tc.want, tc.want)
			}
		})
	}
}

// A valid ping is answered with a pong carrying the same payload, whatever
// its size up to 125 bytes, also inside a fragmented message; a pong is
// ignored; a data frame whose length uses the 16-bit form at its lower
// bound (126) is read.
func TestServerAnswersValidControlFrames(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	ping := []byte{0x92, 0x05, 0x00} // a ping message, t=0
	padded := append(hexb(t, "93 05 00 c4 79"), make([]byte, 0x79)...)
	if len(padded) != 126 {
		t.Fatalf("padded ping is %d bytes", len(padded))
	}
	tests := []struct {
		name  string
		send  []byte
		pongs [][]byte // the payloads of the pong frames expected, in order
		msgs  int      // pong messages (type 7) expected after them
	}{
		{"empty ping", rawFrame{op: ws.OpPing}.bytes(), [][]byte{{}}, 0},
		{"125-byte ping", rawFrame{op: ws.OpPing, payload: bytes.Repeat([]byte{7}, 125)}.bytes(), [][]byte{bytes.Repeat([]byte{7}, 125)}, 0},
		{"pong then ping", append(rawFrame{op: ws.OpPong, payload: []byte("x")}.bytes(), rawFrame{op: ws.OpPing, payload: []byte("y")}.bytes()...), [][]byte{[]byte("y")}, 0},
		{"ping inside a fragmented message", bytes.Join([][]byte{
			rawFrame{op: ws.OpBinary, notFin: true, payload: ping[:1]}.bytes(),
			rawFrame{op: ws.OpPing, payload: []byte("mid")}.bytes(),
			rawFrame{op: ws.OpContinuation, notFin: true, payload: ping[1:2]}.bytes(),
			rawFrame{op: ws.OpContinuation, payload: ping[2:]}.bytes(),
		}, nil), [][]byte{[]byte("mid")}, 1},
		{"126-byte message in the 16-bit form", rawFrame{op: ws.OpBinary, payload: padded}.bytes(), nil, 1},
		{"empty continuation frames", bytes.Join([][]byte{
			rawFrame{op: ws.OpBinary, notFin: true, payload: ping}.bytes(),
			rawFrame{op: ws.OpContinuation, notFin: true}.bytes(),
			rawFrame{op: ws.OpContinuation}.bytes(),
		}, nil), nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := wireDial(t, e.url)
			w.write(t, tc.send)
			pongs, msgs := 0, 0
			for pongs < len(tc.pongs) || msgs < tc.msgs {
				h, p, err := w.frame()
				if err != nil {
					t.Fatalf("after %d pongs and %d messages: %v", pongs, msgs, err)
				}
				switch h.OpCode {
				case ws.OpPong:
					if pongs == len(tc.pongs) || !bytes.Equal(p, tc.pongs[pongs]) {
						t.Fatalf("pong %d payload %q, want %q", pongs, p, tc.pongs)
					}
					pongs++
				case ws.OpBinary:
					m, err := NewDecoder().DecodeServer(p)
					if _, ok := m.(*Pong); err != nil || !ok {
						t.Fatalf("message %x: %v", p, err)
					}
					msgs++
				default:
					t.Fatalf("unexpected frame %v % x", h.OpCode, p)
				}
				if h.Masked || h.Rsv != 0 || !h.Fin {
					t.Fatalf("server frame header %+v breaks RFC 6455 §5.1", h)
				}
			}
		})
	}
}
