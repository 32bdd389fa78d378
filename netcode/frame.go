package netcode

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// errTextFrame reports the first frame of a text message. The rest of the
// message is skipped by the next reads, so the stream stays in step.
var errTextFrame = errors.New("netcode: text frame")

// errMessageTooBig reports a message over the limit. The rest of it is
// skipped by the next reads, so the stream stays in step.
var errMessageTooBig = errors.New("netcode: message too big")

// protocolError is a frame that breaks RFC 6455: the connection is closed
// with 1002 (§7.4.1). Every one of them is detected by frameReader.check or
// frameReader.peerClose; none is left to gobwas/ws, whose own checks let
// some through (close code 5000, non-minimal lengths) and refuse valid ones
// (the registered close codes 1012–1014).
type protocolError string

// Error implements error.
func (e protocolError) Error() string { return "netcode: websocket protocol error: " + string(e) }

// The framing violations, one per rule of RFC 6455 a peer's frame can break.
const (
	errReservedBits      protocolError = "RSV bit set without a negotiated extension (§5.2)"
	errReservedOpcode    protocolError = "reserved opcode (§5.2)"
	errLengthNotMinimal  protocolError = "payload length not in its shortest form (§5.2)"
	errLengthMSB         protocolError = "64-bit payload length with its most significant bit set (§5.2)"
	errNotMasked         protocolError = "unmasked frame from a client (§5.1)"
	errMasked            protocolError = "masked frame from a server (§5.1)"
	errControlFragmented protocolError = "control frame without FIN (§5.5)"
	errControlTooLong    protocolError = "control frame payload over 125 bytes (§5.5)"
	errContinuation      protocolError = "continuation frame outside a fragmented message (§5.4)"
	errNotContinuation   protocolError = "new data frame inside a fragmented message (§5.4)"
	errCloseTruncated    protocolError = "close payload of 1 byte (§5.5.1)"
	errCloseCode         protocolError = "close status code that may not be sent (§7.4)"
	errCloseReason       protocolError = "close reason is not UTF-8 (§5.5.1)"
)

// maxControlPayload is the largest control frame payload (RFC 6455 §5.5).
const maxControlPayload = ws.MaxControlFramePayloadSize

// minBuffered is the smallest read buffer a frameReader works with: a whole
// control frame (the longest header and 125 bytes) must fit, so that it is
// read in one piece or not at all.
const minBuffered = ws.MaxHeaderSize + maxControlPayload

// closeCodeValid reports whether a peer may send code in a close frame
// (RFC 6455 §7.4.1, §7.4.2 and the IANA WebSocket Close Code Number
// Registry): 1000–1003, 1007–1011, the registered 1012–1014, and
// 3000–4999. 1004–1006 and 1015 are reserved, 1016–2999 are unassigned,
// anything below 1000 or above 4999 is not a close code.
func closeCodeValid(code uint16) bool {
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
}

// peerCloseError reports a close frame from the peer. Reply is the close
// frame to answer with: the peer's status code echoed (an empty close for
// an empty one), or 1002 when the close frame was invalid (Err says why).
type peerCloseError struct {
	Code   ws.StatusCode // 1005 (ws.StatusNoStatusRcvd) when the close had no payload
	Reason string
	Reply  []byte
	Err    error
}

// Error implements error.
func (e *peerCloseError) Error() string {
	if e.Err != nil {
		return "netcode: peer sent an invalid close frame: " + e.Err.Error()
	}
	return fmt.Sprintf("netcode: peer closed: %d %s", e.Code, e.Reason)
}

func (e *peerCloseError) Unwrap() error { return e.Err }

// frameReader reads the frames of one side of a WebSocket connection
// (RFC 6455 §5): data messages into one reused buffer bounded by an
// explicit limit, control frames answered through reply instead of being
// written to the socket from the reading goroutine, because only the writer
// goroutine may write.
//
// It parses and checks every field of every frame itself (check and
// peerClose are the one place where a peer's frames are judged); gobwas/ws
// provides only constants and ws.Cipher. It never loses its place in the
// stream: a control frame is read in one piece or not at all, a data frame
// is resumed where it stopped, and a message that is refused (text, too big,
// after a violation) is skipped, so a read that fails (a deadline) can be
// retried and the peer's close frame is still recognised after an error.
// Only a frame whose length cannot be known (errLengthMSB) loses the
// frame boundaries: after it, everything is discarded.
//
// It is not safe for concurrent use.
type frameReader struct {
	src      *bufio.Reader
	client   bool             // this end is the client: frames read must not be masked, answers must be
	buf      []byte           // the message being read; len(buf) is the limit
	reply    func([]byte)     // receives each control answer except close replies
	activity func(wire int64) // called after every valid frame, data or control, with its size on the wire
	pong     func([]byte)     // receives each pong's payload, valid only during the call

	// The data frame being read, once its header has been consumed.
	inFrame bool
	fin     bool
	masked  bool
	mask    [4]byte
	left    int64 // payload bytes not read yet
	pos     int   // payload bytes read: the offset into the mask

	// The message being read.
	op   ws.OpCode // opcode of its first frame; 0 between messages
	n    int       // bytes of it in buf
	drop bool      // skip the rest of it

	broken error // set once the frame boundaries are lost

	ctl [maxControlPayload]byte
}

// newFrameReader returns a reader of messages up to limit bytes from src.
// state is ws.StateServerSide for a server (client frames must be masked)
// or ws.StateClientSide for a client. src is used directly when it is a
// *bufio.Reader of at least minBuffered bytes, else wrapped in one.
func newFrameReader(src io.Reader, state ws.State, limit int) *frameReader {
	return &frameReader{
		src:    bufio.NewReaderSize(src, minBuffered),
		client: state.ClientSide(),
		buf:    make([]byte, limit),
	}
}

// next returns the payload of the next binary message, valid until the next
// call. Control frames in between are answered through reply.
//
// Errors: errTextFrame and errMessageTooBig (the message is skipped by the
// next calls), a protocolError (the frame is skipped by the next calls,
// except errLengthMSB, after which every call discards what arrives until
// the source fails), *peerCloseError, or the source's error (io.EOF between
// messages, io.ErrUnexpectedEOF inside one). After a source error such as a
// deadline, next may be called again and carries on where it stopped.
func (r *frameReader) next() ([]byte, error) {
	for {
		if r.broken != nil {
			if _, err := io.Copy(io.Discard, r.src); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		if r.inFrame {
			if err := r.payload(); err != nil {
				return nil, err
			}
			r.inFrame = false
			if !r.fin {
				continue
			}
			drop := r.drop
			r.op, r.drop = 0, false
			if drop {
				continue
			}
			return r.buf[:r.n], nil
		}
		h, size, minimal, err := r.header()
		if err != nil {
			return nil, err
		}
		if err := r.check(h, minimal); err != nil {
			// The frame's length is known: skip it whole and stay in step.
			_, _ = r.src.Discard(size)
			r.inFrame, r.fin, r.left, r.drop = true, true, h.Length, true
			return nil, err
		}
		if h.OpCode >= ws.OpClose {
			if err := r.control(h, size); err != nil {
				return nil, err
			}
			continue
		}
		_, _ = r.src.Discard(size) // peeked: cannot fail
		if r.activity != nil {
			r.activity(int64(size) + h.Length)
		}
		if h.OpCode != ws.OpContinuation {
			r.op, r.n, r.drop = h.OpCode, 0, false
		}
		r.inFrame, r.fin, r.masked, r.mask, r.left, r.pos = true, h.Fin, h.Masked, h.Mask, h.Length, 0
		switch {
		case r.drop:
		case h.OpCode == ws.OpText:
			r.drop = true
			return nil, errTextFrame
		case h.Length > int64(len(r.buf)-r.n):
			r.drop = true
			return nil, errMessageTooBig
		}
	}
}

// header parses the next frame header (RFC 6455 §5.2) without consuming
// it, so a read that fails part-way leaves the stream where it was. It
// returns the header, its size on the wire and whether its payload length
// is in the shortest form.
func (r *frameReader) header() (h ws.Header, size int, minimal bool, err error) {
	b, err := r.src.Peek(2)
	if err != nil {
		return h, 0, false, r.unexpected(err, len(b) > 0 || r.op != 0)
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = b[0] >> 4 & 0x7
	h.OpCode = ws.OpCode(b[0] & 0x0f)
	h.Masked = b[1]&0x80 != 0
	size = 2
	form := b[1] & 0x7f
	switch form {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if h.Masked {
		size += 4
	}
	if b, err = r.src.Peek(size); err != nil {
		return h, 0, false, r.unexpected(err, true)
	}
	switch form {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		minimal = h.Length > 125
	case 127:
		n := binary.BigEndian.Uint64(b[2:])
		if n>>63 != 0 {
			r.broken = errLengthMSB
			return h, 0, false, errLengthMSB
		}
		h.Length = int64(n)
		minimal = h.Length > 0xffff
	default:
		h.Length = int64(form)
		minimal = true
	}
	if h.Masked {
		copy(h.Mask[:], b[size-4:size])
	}
	return h, size, minimal, nil
}

// check judges a frame header against RFC 6455 §5. No extension is ever
// negotiated (the handshake answers none), so every RSV bit must be zero.
func (r *frameReader) check(h ws.Header, minimal bool) error {
	control := false
	switch h.OpCode {
	case ws.OpContinuation, ws.OpText, ws.OpBinary:
	case ws.OpClose, ws.OpPing, ws.OpPong:
		control = true
	default:
		return errReservedOpcode
	}
	switch {
	case h.Rsv != 0:
		return errReservedBits
	case !minimal:
		return errLengthNotMinimal
	case r.client && h.Masked:
		return errMasked
	case !r.client && !h.Masked:
		return errNotMasked
	case control && !h.Fin:
		return errControlFragmented
	case control && h.Length > maxControlPayload:
		return errControlTooLong
	case h.OpCode == ws.OpContinuation && r.op == 0:
		return errContinuation
	case !control && h.OpCode != ws.OpContinuation && r.op != 0:
		return errNotContinuation
	}
	return nil
}

// payload reads what is left of the current data frame into buf, or skips
// it when the message is dropped.
func (r *frameReader) payload() error {
	for r.left > 0 {
		if r.drop {
			d, err := r.src.Discard(int(min(r.left, 1<<30)))
			r.left -= int64(d)
			if err != nil {
				return r.unexpected(err, true)
			}
			continue
		}
		p := r.buf[r.n : r.n+int(r.left)]
		m, err := io.ReadFull(r.src, p)
		if r.masked {
			ws.Cipher(p[:m], r.mask, r.pos)
		}
		r.pos += m
		r.n += m
		r.left -= int64(m)
		if err != nil {
			return r.unexpected(err, true)
		}
	}
	return nil
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF when the stream ended
// inside a frame or message.
func (r *frameReader) unexpected(err error, inside bool) error {
	if inside && errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// control reads a whole control frame (header size bytes, then at most 125
// bytes of payload) in one piece and acts on it: a ping is answered with a
// pong of the same payload (RFC 6455 §5.5.2), a pong's payload goes to pong
// (the server's RTT measurement), a close is judged by peerClose.
func (r *frameReader) control(h ws.Header, size int) error {
	total := size + int(h.Length)
	b, err := r.src.Peek(total)
	if err != nil {
		return r.unexpected(err, true)
	}
	p := r.ctl[:h.Length]
	copy(p, b[size:])
	_, _ = r.src.Discard(total)
	if h.Masked {
		ws.Cipher(p, h.Mask, 0)
	}
	if r.activity != nil {
		r.activity(int64(total))
	}
	switch h.OpCode {
	case ws.OpPing:
		if r.reply != nil {
			r.reply(r.controlFrame(ws.OpPong, p))
		}
	case ws.OpPong:
		if r.pong != nil {
			r.pong(p)
		}
	case ws.OpClose:
		return r.peerClose(p)
	}
	return nil
}

// peerClose judges a close frame's payload (RFC 6455 §5.5.1, §7.4): empty,
// or a status code a peer may send followed by a UTF-8 reason. A valid
// close is answered by echoing its status code (an empty close by an empty
// close), an invalid one with 1002.
func (r *frameReader) peerClose(p []byte) error {
	var err error
	switch {
	case len(p) == 0:
		return &peerCloseError{Code: ws.StatusNoStatusRcvd, Reply: r.controlFrame(ws.OpClose, nil)}
	case len(p) == 1:
		err = errCloseTruncated
	case !closeCodeValid(binary.BigEndian.Uint16(p)):
		err = errCloseCode
	case !utf8.Valid(p[2:]):
		err = errCloseReason
	}
	if err != nil {
		body := ws.NewCloseFrameBody(ws.StatusCode(CloseProtocolError), CloseProtocolError.String())
		return &peerCloseError{Code: ws.StatusCode(CloseProtocolError), Reply: r.controlFrame(ws.OpClose, body), Err: err}
	}
	return &peerCloseError{
		Code:   ws.StatusCode(binary.BigEndian.Uint16(p)),
		Reason: string(p[2:]),
		Reply:  r.controlFrame(ws.OpClose, p[:2]),
	}
}

// controlFrame returns a new control frame with payload (at most 125
// bytes), masked with a fresh key when this end is the client (RFC 6455
// §5.3).
func (r *frameReader) controlFrame(op ws.OpCode, payload []byte) []byte {
	f := make([]byte, 2, 6+len(payload))
	f[0] = 0x80 | byte(op)
	f[1] = byte(len(payload))
	if !r.client {
		return append(f, payload...)
	}
	mask := ws.NewMask()
	f[1] |= 0x80
	f = append(f, mask[:]...)
	f = append(f, payload...)
	ws.Cipher(f[6:], mask, 0)
	return f
}

// closeFrames holds the prepared close frames made so far, each with the
// protocol's reason text (CloseCode.String): every code the server sends is
// made once, on first use.
var closeFrames sync.Map // CloseCode → []byte

// closeFrame returns the prepared close frame for code, with its reason
// text. Safe for concurrent use.
func closeFrame(code CloseCode) []byte {
	if f, ok := closeFrames.Load(code); ok {
		return f.([]byte)
	}
	f := ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(code), code.String())))
	actual, _ := closeFrames.LoadOrStore(code, f)
	return actual.([]byte)
}
