package netcode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/gobwas/ws"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/skirmish-game/skirmish/game"
)

// frameReserve is room kept in front of every encoded message for a
// WebSocket frame header, so a client frame is built in place: header and
// masked payload end up contiguous and go out in one write without a copy.
const frameReserve = ws.MaxHeaderSize

// errTooLarge is returned when a message would exceed MaxServerMessage.
var errTooLarge = errors.New("netcode: message exceeds MaxServerMessage")

// appendWriter is the msgpack encoder's sink: an append-only byte slice that
// never fails, so encoding cannot return an I/O error.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *appendWriter) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}

// Encoder encodes protocol messages into a reused buffer using msgpack's
// primitives: integers in their smallest form, floats as float64, strings as
// str. It allocates only when the buffer has to grow.
//
// Each Encode method returns the msgpack payload, which stays valid until
// the next call on the Encoder; copy it (or use the frame helpers) to keep
// it. An Encoder is not safe for concurrent use.
type Encoder struct {
	w    appendWriter
	enc  *msgpack.Encoder
	wire WireState // EncodeSnapshot's quantized copy, reused
}

// NewEncoder returns an Encoder with a buffer sized for a typical snapshot.
func NewEncoder() *Encoder {
	e := &Encoder{w: appendWriter{b: make([]byte, 0, 1024)}}
	e.enc = msgpack.NewEncoder(&e.w)
	return e
}

// start resets the buffer and writes the array header and type.
func (e *Encoder) start(t MsgType, elems int) {
	e.w.b = append(e.w.b[:0], make([]byte, frameReserve)...)
	// Errors are impossible: appendWriter never fails.
	_ = e.enc.EncodeArrayLen(elems + 1)
	_ = e.enc.EncodeUint(uint64(t))
}

func (e *Encoder) payload() []byte { return e.w.b[frameReserve:] }

func (e *Encoder) uint(v uint64)           { _ = e.enc.EncodeUint(v) }
func (e *Encoder) int(v int64)             { _ = e.enc.EncodeInt(v) }
func (e *Encoder) float(v float64)         { _ = e.enc.EncodeFloat64(v) }
func (e *Encoder) str(v string)            { _ = e.enc.EncodeString(v) }
func (e *Encoder) arrayLen(n int)          { _ = e.enc.EncodeArrayLen(n) }
func (e *Encoder) nonNeg(v int)            { e.uint(uint64(max(v, 0))) }
func (e *Encoder) pos(v float64)           { e.int(int64(QuantizePos(v))) }
func (e *Encoder) vel(v float64)           { e.int(int64(QuantizeVel(v))) }
func (e *Encoder) angle(v float64)         { e.uint(uint64(QuantizeAngle(v))) }
func (e *Encoder) player(id game.PlayerID) { e.uint(uint64(id)) }

// EncodeHello encodes a hello.
func (e *Encoder) EncodeHello(h Hello) []byte {
	n := 3
	if h.Resume != "" {
		n++ // a hello without a token stays the original three elements
	}
	e.start(TypeHello, n)
	e.uint(h.Version)
	e.str(h.Name)
	e.str(h.Match)
	if h.Resume != "" {
		e.str(h.Resume)
	}
	return e.payload()
}

// EncodeInput encodes an input, with its view time and shot id (0 when it
// has none) and ackTick, the newest snapshot tick the client has applied (0:
// none, PROTOCOL.md §1.4). Floats are sent as float64 so that the server
// sees exactly what the client simulated with.
func (e *Encoder) EncodeInput(in game.Input, ackTick uint32) []byte {
	e.start(TypeInput, 8)
	e.uint(uint64(in.Seq))
	e.float(in.MoveX)
	e.float(in.MoveY)
	e.float(in.Aim)
	e.uint(uint64(in.Buttons))
	e.float(in.ViewTime)
	e.uint(uint64(in.ShotID))
	e.uint(uint64(ackTick))
	return e.payload()
}

// EncodeView encodes a view message.
func (e *Encoder) EncodeView(v View) []byte {
	e.start(TypeView, 2)
	e.float(v.Width)
	e.float(v.Height)
	return e.payload()
}

// EncodePing encodes a ping.
func (e *Encoder) EncodePing(p Ping) []byte {
	e.start(TypePing, 1)
	e.float(p.T)
	return e.payload()
}

// EncodeWelcome encodes a welcome.
func (e *Encoder) EncodeWelcome(w *Welcome) []byte {
	n := 8
	if w.Resume != "" {
		n += 2 // resume and reconnectWindow; without a token, the original eight
	}
	e.start(TypeWelcome, n)
	e.uint(w.Version)
	e.str(w.Player)
	e.str(w.Match)
	e.player(w.You)
	e.nonNeg(w.TickRate)
	e.nonNeg(w.SnapshotRate)
	e.str(w.Map)
	e.arrayLen(len(w.Roster))
	for i := range w.Roster {
		r := &w.Roster[i]
		e.arrayLen(5)
		e.player(r.ID)
		e.str(r.Name)
		e.uint(uint64(r.Flags))
		e.nonNeg(r.Kills)
		e.nonNeg(r.Deaths)
	}
	if w.Resume != "" {
		e.str(w.Resume)
		e.uint(uint64(max(w.ReconnectWindow, 0) / time.Millisecond))
	}
	return e.payload()
}

// EncodeSnapshot encodes a full snapshot, quantizing positions, velocities
// and angles (PROTOCOL.md §1.3). Player names are not part of a snapshot.
func (e *Encoder) EncodeSnapshot(s *game.Snapshot) []byte {
	e.wire.Quantize(s)
	return e.encodeWire(&e.wire)
}

// encodeWire encodes w as a complete snapshot (type 4): the one writer of
// the message, for the whole match and for one player's view of it.
func (e *Encoder) encodeWire(w *WireState) []byte {
	e.start(TypeSnapshot, 6)
	e.uint(uint64(w.Tick))
	e.uint(uint64(w.Phase))
	e.uint(uint64(w.PhaseTicksLeft))
	e.int(int64(w.ScoreLimit))
	e.arrayLen(len(w.Players))
	for i := range w.Players {
		e.wirePlayer(&w.Players[i])
	}
	e.arrayLen(len(w.Projectiles))
	for i := range w.Projectiles {
		e.wireProjectile(&w.Projectiles[i])
	}
	return e.payload()
}

// wirePlayer writes a player array: the snapshot's, and a delta's entering
// player.
func (e *Encoder) wirePlayer(p *WirePlayer) {
	e.arrayLen(15)
	e.player(p.ID)
	e.int(int64(p.X))
	e.int(int64(p.Y))
	e.int(int64(p.VX))
	e.int(int64(p.VY))
	e.uint(uint64(p.Aim))
	e.int(int64(p.Health))
	e.uint(uint64(p.Flags))
	e.int(int64(p.Kills))
	e.int(int64(p.Deaths))
	e.int(int64(p.RespawnTicks))
	e.uint(uint64(p.AckSeq))
	e.int(int64(p.InputSlack))
	e.uint(uint64(p.InputsSkipped))
	e.uint(uint64(p.InputsAwaited))
}

// wireProjectile writes a projectile array.
func (e *Encoder) wireProjectile(p *WireProjectile) {
	e.arrayLen(7)
	e.uint(uint64(p.ID))
	e.player(p.Owner)
	e.int(int64(p.X))
	e.int(int64(p.Y))
	e.int(int64(p.VX))
	e.int(int64(p.VY))
	e.uint(uint64(p.ShotID))
}

// EncodeEvents encodes one tick's events. The events' own Tick fields are
// not sent: the message's tick stands for all of them.
func (e *Encoder) EncodeEvents(tick uint32, events []game.Event) []byte {
	e.start(TypeEvents, 2)
	e.uint(uint64(tick))
	e.arrayLen(len(events))
	for i := range events {
		ev := &events[i]
		e.arrayLen(5)
		e.uint(uint64(ev.Kind))
		e.player(ev.Player)
		e.player(ev.Other)
		e.int(int64(ev.Value))
		e.str(ev.Name)
	}
	return e.payload()
}

// EncodePong encodes a pong.
func (e *Encoder) EncodePong(p Pong) []byte {
	e.start(TypePong, 2)
	e.float(p.T)
	e.uint(uint64(p.Tick))
	return e.payload()
}

// EncodeError encodes an error message. An empty Reason is filled in from
// the code.
func (e *Encoder) EncodeError(m ErrorMessage) []byte {
	reason := m.Reason
	if reason == "" {
		reason = m.Code.Reason()
	}
	e.start(TypeError, 3)
	e.uint(uint64(m.Code))
	e.str(reason)
	e.str(m.Message)
	return e.payload()
}

// newServerFrame returns payload as a new complete, unmasked binary frame
// (header and payload contiguous, ready for one write). It is the one
// allocation per prepared frame: a frame is immutable once made, so it can
// be handed to any number of writers without reference counting, and the GC
// reclaims it when the last outbox lets go.
func newServerFrame(payload []byte) ([]byte, error) {
	if len(payload) > MaxServerMessage {
		return nil, fmt.Errorf("%w: %d bytes", errTooLarge, len(payload))
	}
	var h [ws.MaxHeaderSize]byte
	n := putHeader(h[:], len(payload), false)
	f := make([]byte, 0, n+len(payload))
	f = append(f, h[len(h)-n:]...)
	return append(f, payload...), nil
}

// clientFrame turns the message just encoded into a complete masked binary
// frame, as clients must send (RFC 6455 §5.3), in place in e's buffer.
func (e *Encoder) clientFrame(mask [4]byte) []byte {
	payload := e.w.b[frameReserve:]
	ws.Cipher(payload, mask, 0)
	hdr := e.w.b[:frameReserve]
	n := putHeader(hdr, len(payload), true)
	start := frameReserve - n
	copy(e.w.b[start+n-4:start+n], mask[:])
	return e.w.b[start:]
}

// putHeader writes a FIN binary frame header for an n-byte payload at the
// end of dst (at least ws.MaxHeaderSize long) and returns its length. With
// masked, the last four header bytes are left for the mask key.
func putHeader(dst []byte, n int, masked bool) int {
	var h [ws.MaxHeaderSize]byte
	h[0] = 0x80 | byte(ws.OpBinary)
	size := 2
	switch {
	case n <= 125:
		h[1] = byte(n)
	case n <= 0xffff:
		h[1] = 126
		binary.BigEndian.PutUint16(h[2:4], uint16(n))
		size = 4
	default:
		h[1] = 127
		binary.BigEndian.PutUint64(h[2:10], uint64(n))
		size = 10
	}
	if masked {
		h[1] |= 0x80
		size += 4
	}
	copy(dst[len(dst)-size:], h[:size])
	return size
}
