package netcode

import (
	"bytes"
	"errors"
	"io"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// errTextFrame reports a text message; its payload has been discarded, so
// the stream is still in step and can be read on.
var errTextFrame = errors.New("netcode: text frame")

// errMessageTooBig reports a message over the limit. The rest of it has not
// been read, so the stream is no longer in step.
var errMessageTooBig = errors.New("netcode: message too big")

// errLengthMSB is gobwas's ws.ErrHeaderLengthMSB (a plain error) as the
// framing violation it is (RFC 6455 §5.2), so it closes with 1002 like the
// others instead of reading as a vanished peer.
var errLengthMSB = ws.ProtocolError("frame length has its most significant bit set")

// peerCloseError reports a close frame from the peer. Reply is the close
// frame to answer with (the peer's code echoed, or 1002 when the peer's
// close payload was invalid).
type peerCloseError struct {
	Code   ws.StatusCode
	Reason string
	Reply  []byte
	Err    error // a protocol error in the close payload, if any
}

// Error implements error.
func (e *peerCloseError) Error() string {
	if e.Err != nil {
		return "netcode: peer sent an invalid close frame: " + e.Err.Error()
	}
	return "netcode: peer closed: " + wsutil.ClosedError{Code: e.Code, Reason: e.Reason}.Error()
}

func (e *peerCloseError) Unwrap() error { return e.Err }

// frameReader reads the frames of one side of a WebSocket connection with
// gobwas/ws's wsutil.Reader: data messages into one reused buffer bounded by
// an explicit limit (wsutil's default is unlimited), control frames through
// wsutil.ControlFrameHandler, whose answers (pong, close reply) are handed to
// reply instead of being written to the socket from the reading goroutine,
// because only the writer goroutine may write.
//
// It is not safe for concurrent use.
type frameReader struct {
	rd       wsutil.Reader
	ctrl     bytes.Buffer // control answers written by the handler
	handle   wsutil.FrameHandlerFunc
	buf      []byte       // limit+1: room to notice a message that is too big
	reply    func([]byte) // receives a copy of each control answer except close replies
	activity func()       // called after every frame header, data or control
}

// newFrameReader returns a reader of messages up to limit bytes from src.
// state is ws.StateServerSide for a server (client frames must be masked)
// or ws.StateClientSide for a client.
func newFrameReader(src io.Reader, state ws.State, limit int) *frameReader {
	r := &frameReader{buf: make([]byte, limit+1)}
	r.rd = wsutil.Reader{
		Source:         src,
		State:          state,
		MaxFrameSize:   int64(limit),
		MaxMessageSize: int64(limit),
		OnIntermediate: r.control,
	}
	r.handle = wsutil.ControlFrameHandler(&r.ctrl, state)
	return r
}

// next returns the payload of the next binary message, valid until the next
// call. Control frames in between are answered through reply.
//
// Errors: errTextFrame (in step), errMessageTooBig, *peerCloseError,
// ws.ProtocolError (not in step), or the source's error.
func (r *frameReader) next() ([]byte, error) {
	for {
		hdr, err := r.rd.NextFrame()
		if err != nil {
			return nil, r.mapErr(err)
		}
		if r.activity != nil {
			r.activity()
		}
		if hdr.OpCode.IsControl() {
			if err := r.control(hdr, &r.rd); err != nil {
				return nil, err
			}
			continue
		}
		if hdr.OpCode == ws.OpText {
			if err := r.rd.Discard(); err != nil {
				return nil, r.mapErr(err)
			}
			return nil, errTextFrame
		}
		n := 0
		for {
			if n == len(r.buf) {
				return nil, errMessageTooBig // unreachable with the reader's limits; kept as a guard
			}
			m, err := r.rd.Read(r.buf[n:])
			n += m
			if err == io.EOF {
				return r.buf[:n], nil
			}
			if err != nil {
				return nil, r.mapErr(err)
			}
		}
	}
}

func (r *frameReader) mapErr(err error) error {
	switch {
	case errors.Is(err, wsutil.ErrFrameTooLarge) || errors.Is(err, wsutil.ErrMessageTooLarge):
		return errMessageTooBig
	case errors.Is(err, ws.ErrHeaderLengthMSB):
		return errLengthMSB
	}
	return err
}

// control answers one control frame (also called by wsutil.Reader for a
// control frame in the middle of a fragmented message).
func (r *frameReader) control(hdr ws.Header, body io.Reader) error {
	r.ctrl.Reset()
	err := r.handle(hdr, body)
	var closed wsutil.ClosedError
	switch {
	case err == nil:
		if r.ctrl.Len() > 0 && r.reply != nil {
			r.reply(bytes.Clone(r.ctrl.Bytes()))
		}
		return nil
	case errors.As(err, &closed):
		return &peerCloseError{Code: closed.Code, Reason: closed.Reason, Reply: bytes.Clone(r.ctrl.Bytes())}
	case hdr.OpCode == ws.OpClose && r.ctrl.Len() > 0:
		// The handler refused the close payload and wrote a 1002 close.
		return &peerCloseError{Code: ws.StatusProtocolError, Reply: bytes.Clone(r.ctrl.Bytes()), Err: err}
	}
	return err
}

// closeFrames holds a prepared close frame for every code the server sends,
// with the protocol's reason text.
var closeFrames = func() map[CloseCode][]byte {
	m := make(map[CloseCode][]byte)
	for _, c := range []CloseCode{
		CloseNormal, CloseGoingAway, CloseProtocolError, CloseUnsupportedData, CloseNotMsgpack,
		CloseTooManyErrors, CloseTooBig, CloseInternal, CloseBadHello, CloseMatchNotFound,
		CloseMatchFull, CloseHelloTimeout, ClosePingTimeout, CloseMatchOver, CloseTooSlow,
		CloseServerBusy,
	} {
		m[c] = ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(c), c.String())))
	}
	return m
}()

// closeFrame returns the prepared close frame for code.
func closeFrame(code CloseCode) []byte {
	if f, ok := closeFrames[code]; ok {
		return f
	}
	return ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(code), "")))
}
