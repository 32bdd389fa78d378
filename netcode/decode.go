package netcode

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/skirmish-game/skirmish/game"
)

// ClientMessage is a decoded client→server message: Type says which one of
// the other fields is set.
type ClientMessage struct {
	Type  MsgType
	Hello Hello
	Input game.Input // as sent: not yet sanitized
	// Ack is an input's ackTick: the newest snapshot tick the client has
	// applied, complete or delta (0: none).
	Ack  uint32
	Ping Ping
	View View
}

// maxSkipDepth bounds the nesting of ignored trailing elements. Real
// messages nest two levels; anything deeper is malformed, not a reason to
// recurse thousands of frames deep.
const maxSkipDepth = 16

// Decoder decodes protocol messages with msgpack's primitives. Before each
// string, array or skipped value it checks the declared length against the
// bytes actually left, so a tiny message that claims a 4 GiB string is
// malformed instead of a large allocation. Decoding an input or a ping does
// not allocate.
//
// Integers are accepted in any msgpack form and range-checked; floats are
// accepted as float32, float64 or any integer; nil is never accepted in
// place of a value. Trailing elements of any array are skipped (later
// protocol versions may append fields); bytes after the message are an
// error.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	data []byte
	br   bytes.Reader
	dec  *msgpack.Decoder
	typ  int64
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	return &Decoder{dec: msgpack.NewDecoder(nil)}
}

// DecodeClient decodes a client→server message (hello, input or ping) into
// m. The error, if any, is a *DecodeError.
func (d *Decoder) DecodeClient(b []byte, m *ClientMessage) error {
	n, err := d.header(b)
	if err != nil {
		return err
	}
	m.Type = MsgType(d.typ)
	switch m.Type {
	case TypeHello:
		err = d.hello(n, &m.Hello)
	case TypeInput:
		err = d.input(n, &m.Input, &m.Ack)
	case TypePing:
		err = d.ping(n, &m.Ping)
	case TypeView:
		err = d.view(n, &m.View)
	default:
		return &DecodeError{Kind: ErrUnknownType, Type: d.typ}
	}
	if err != nil {
		return err
	}
	return d.end()
}

// header starts decoding b: it reads the array header and the type and
// returns the number of elements after the type.
func (d *Decoder) header(b []byte) (int, error) {
	d.data, d.typ = b, 0
	d.br.Reset(b)
	d.dec.ResetReader(&d.br)
	c, ok := d.peek()
	if !ok || !isArrayCode(c) {
		return 0, &DecodeError{Kind: ErrNotMsgpack}
	}
	n, err := d.dec.DecodeArrayLen()
	if err != nil || n < 1 || n > d.br.Len() {
		return 0, &DecodeError{Kind: ErrNotMsgpack, Err: err}
	}
	c, ok = d.peek()
	if !ok || !isIntCode(c) {
		return 0, &DecodeError{Kind: ErrNotMsgpack}
	}
	if c == msgpcode.Uint64 {
		u, err := d.dec.DecodeUint64()
		if err != nil {
			return 0, &DecodeError{Kind: ErrNotMsgpack, Err: err}
		}
		d.typ = int64(min(u, math.MaxInt64))
	} else if d.typ, err = d.dec.DecodeInt64(); err != nil {
		return 0, &DecodeError{Kind: ErrNotMsgpack, Err: err}
	}
	if d.typ < 1 || d.typ > math.MaxUint8 {
		return 0, &DecodeError{Kind: ErrUnknownType, Type: d.typ}
	}
	return n - 1, nil
}

// end checks that the whole buffer was one message.
func (d *Decoder) end() error {
	if d.br.Len() != 0 {
		return d.malformed("message", fmt.Errorf("%d bytes after the message", d.br.Len()))
	}
	return nil
}

func (d *Decoder) malformed(field string, err error) error {
	return &DecodeError{Kind: ErrMalformed, Type: d.typ, Field: field, Err: err}
}

var (
	errMissing   = errors.New("missing elements")
	errWrongType = errors.New("wrong type")
	errRange     = errors.New("out of range")
	errLength    = errors.New("declared length exceeds the message")
)

// need checks that an array of n elements has at least want of them.
func (d *Decoder) need(field string, n, want int) error {
	if n < want {
		return d.malformed(field, fmt.Errorf("%w: %d of %d", errMissing, n, want))
	}
	return nil
}

func (d *Decoder) peek() (byte, bool) {
	if d.br.Len() == 0 {
		return 0, false
	}
	return d.data[len(d.data)-d.br.Len()], true
}

// uint reads a non-negative integer no greater than limit.
func (d *Decoder) uint(field string, limit uint64) (uint64, error) {
	c, ok := d.peek()
	if !ok || !isIntCode(c) {
		return 0, d.malformed(field, errWrongType)
	}
	var v uint64
	if isSignedCode(c) {
		s, err := d.dec.DecodeInt64()
		if err != nil {
			return 0, d.malformed(field, err)
		}
		if s < 0 {
			return 0, d.malformed(field, errRange)
		}
		v = uint64(s)
	} else {
		var err error
		if v, err = d.dec.DecodeUint64(); err != nil {
			return 0, d.malformed(field, err)
		}
	}
	if v > limit {
		return 0, d.malformed(field, errRange)
	}
	return v, nil
}

// int reads an integer in [lo, hi].
func (d *Decoder) int(field string, lo, hi int64) (int64, error) {
	c, ok := d.peek()
	if !ok || !isIntCode(c) {
		return 0, d.malformed(field, errWrongType)
	}
	if c == msgpcode.Uint64 {
		// Read as unsigned: DecodeInt64 would wrap values above MaxInt64.
		u, err := d.dec.DecodeUint64()
		if err != nil {
			return 0, d.malformed(field, err)
		}
		if u > uint64(hi) {
			return 0, d.malformed(field, errRange)
		}
		return int64(u), nil
	}
	v, err := d.dec.DecodeInt64()
	if err != nil {
		return 0, d.malformed(field, err)
	}
	if v < lo || v > hi {
		return 0, d.malformed(field, errRange)
	}
	return v, nil
}

// float reads a float32, float64 or integer.
func (d *Decoder) float(field string) (float64, error) {
	c, ok := d.peek()
	if !ok || !(c == msgpcode.Float || c == msgpcode.Double || isIntCode(c)) {
		return 0, d.malformed(field, errWrongType)
	}
	if c == msgpcode.Uint64 {
		u, err := d.dec.DecodeUint64()
		if err != nil {
			return 0, d.malformed(field, err)
		}
		return float64(u), nil
	}
	v, err := d.dec.DecodeFloat64()
	if err != nil {
		return 0, d.malformed(field, err)
	}
	return v, nil
}

// str reads a string, checking its declared length first.
func (d *Decoder) str(field string) (string, error) {
	start := len(d.data) - d.br.Len()
	c, ok := d.peek()
	if !ok || !isStrCode(c) {
		return "", d.malformed(field, errWrongType)
	}
	if _, err := valueEnd(d.data, start, 0); err != nil {
		return "", d.malformed(field, err)
	}
	s, err := d.dec.DecodeString()
	if err != nil {
		return "", d.malformed(field, err)
	}
	return s, nil
}

// array reads an array header whose elements are each at least one byte, so
// a length beyond the bytes left is refused before anything is allocated.
func (d *Decoder) array(field string) (int, error) {
	c, ok := d.peek()
	if !ok || !isArrayCode(c) {
		return 0, d.malformed(field, errWrongType)
	}
	n, err := d.dec.DecodeArrayLen()
	if err != nil {
		return 0, d.malformed(field, err)
	}
	if n > d.br.Len() {
		return 0, d.malformed(field, errLength)
	}
	return n, nil
}

// skip skips n trailing elements after validating each one.
func (d *Decoder) skip(field string, n int) error {
	for range n {
		start := len(d.data) - d.br.Len()
		if _, err := valueEnd(d.data, start, 0); err != nil {
			return d.malformed(field, err)
		}
		if err := d.dec.Skip(); err != nil {
			return d.malformed(field, err)
		}
	}
	return nil
}

func (d *Decoder) hello(n int, h *Hello) (err error) {
	if err = d.need("hello", n, 3); err != nil {
		return err
	}
	if h.Version, err = d.uint("version", math.MaxUint64); err != nil {
		return err
	}
	if h.Name, err = d.str("name"); err != nil {
		return err
	}
	if h.Match, err = d.str("match"); err != nil {
		return err
	}
	// resume came later in version 1: a hello without it joins afresh.
	h.Resume = ""
	if n < 4 {
		return nil
	}
	if h.Resume, err = d.str("resume"); err != nil {
		return err
	}
	return d.skip("hello", n-4)
}

func (d *Decoder) input(n int, in *game.Input, ack *uint32) error {
	*ack = 0
	if err := d.need("input", n, 5); err != nil {
		return err
	}
	seq, err := d.uint("seq", math.MaxUint32)
	if err != nil {
		return err
	}
	if in.MoveX, err = d.float("moveX"); err != nil {
		return err
	}
	if in.MoveY, err = d.float("moveY"); err != nil {
		return err
	}
	if in.Aim, err = d.float("aim"); err != nil {
		return err
	}
	buttons, err := d.uint("buttons", math.MaxUint64)
	if err != nil {
		return err
	}
	in.Seq = uint32(seq)
	// Bits beyond the eight game.Buttons holds are unknown by definition and
	// ignored, like unknown bits within it (Input.Sanitize masks those).
	in.Buttons = game.Buttons(buttons)
	// viewTime and shotId came later in version 1: a client that does not
	// send them has no view (its shots are judged against the present) and
	// predicts no shot.
	in.ViewTime, in.ShotID = 0, 0
	if n < 6 {
		return nil
	}
	if in.ViewTime, err = d.float("viewTime"); err != nil {
		return err
	}
	if n < 7 {
		return nil
	}
	shot, err := d.uint("shotId", math.MaxUint32)
	if err != nil {
		return err
	}
	in.ShotID = uint32(shot)
	// ackTick came later in version 1: a client that does not send it has
	// acknowledged nothing and gets complete snapshots.
	if n < 8 {
		return nil
	}
	tick, err := d.uint("ackTick", math.MaxUint32)
	if err != nil {
		return err
	}
	*ack = uint32(tick)
	return d.skip("input", n-8)
}

func (d *Decoder) view(n int, v *View) (err error) {
	if err = d.need("view", n, 2); err != nil {
		return err
	}
	if v.Width, err = d.float("width"); err != nil {
		return err
	}
	if v.Height, err = d.float("height"); err != nil {
		return err
	}
	return d.skip("view", n-2)
}

func (d *Decoder) ping(n int, p *Ping) (err error) {
	if err = d.need("ping", n, 1); err != nil {
		return err
	}
	if p.T, err = d.float("t"); err != nil {
		return err
	}
	return d.skip("ping", n-1)
}

func isIntCode(c byte) bool {
	return msgpcode.IsFixedNum(c) || (c >= msgpcode.Uint8 && c <= msgpcode.Int64)
}

func isSignedCode(c byte) bool {
	return c >= msgpcode.NegFixedNumLow || (c >= msgpcode.Int8 && c <= msgpcode.Int64)
}

func isStrCode(c byte) bool {
	return msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32
}

func isArrayCode(c byte) bool {
	return msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32
}

// valueEnd returns the offset just past the msgpack value that starts at
// b[i], checking every declared length against the bytes in b and the
// nesting against maxSkipDepth. It reads nothing into memory, so it is the
// guard in front of msgpack calls that would otherwise allocate by a
// declared length.
func valueEnd(b []byte, i, depth int) (int, error) {
	if depth > maxSkipDepth {
		return 0, errors.New("nested too deeply")
	}
	if i >= len(b) {
		return 0, errMissing
	}
	c := b[i]
	i++
	// lenAt reads a big-endian length of size bytes at b[i].
	lenAt := func(size int) (int, int, error) {
		if len(b)-i < size {
			return 0, 0, errLength
		}
		var n uint64
		for _, x := range b[i : i+size] {
			n = n<<8 | uint64(x)
		}
		if n > uint64(len(b)) {
			return 0, 0, errLength
		}
		return int(n), i + size, nil
	}
	fixed := func(size int) (int, error) {
		if len(b)-i < size {
			return 0, errLength
		}
		return i + size, nil
	}
	elems := func(n, at int) (int, error) {
		if n > len(b)-at {
			return 0, errLength
		}
		var err error
		for range n {
			if at, err = valueEnd(b, at, depth+1); err != nil {
				return 0, err
			}
		}
		return at, nil
	}
	switch {
	case msgpcode.IsFixedNum(c), c == msgpcode.Nil, c == msgpcode.False, c == msgpcode.True:
		return i, nil
	case msgpcode.IsFixedString(c):
		return fixed(int(c & msgpcode.FixedStrMask))
	case msgpcode.IsFixedArray(c):
		return elems(int(c&msgpcode.FixedArrayMask), i)
	case msgpcode.IsFixedMap(c):
		return elems(2*int(c&msgpcode.FixedMapMask), i)
	}
	switch c {
	case msgpcode.Uint8, msgpcode.Int8:
		return fixed(1)
	case msgpcode.Uint16, msgpcode.Int16:
		return fixed(2)
	case msgpcode.Uint32, msgpcode.Int32, msgpcode.Float:
		return fixed(4)
	case msgpcode.Uint64, msgpcode.Int64, msgpcode.Double:
		return fixed(8)
	case msgpcode.FixExt1:
		return fixed(2)
	case msgpcode.FixExt2:
		return fixed(3)
	case msgpcode.FixExt4:
		return fixed(5)
	case msgpcode.FixExt8:
		return fixed(9)
	case msgpcode.FixExt16:
		return fixed(17)
	case msgpcode.Str8, msgpcode.Bin8, msgpcode.Str16, msgpcode.Bin16, msgpcode.Str32, msgpcode.Bin32,
		msgpcode.Ext8, msgpcode.Ext16, msgpcode.Ext32:
		n, at, err := lenAt(lengthSize(c))
		if err != nil {
			return 0, err
		}
		if c == msgpcode.Ext8 || c == msgpcode.Ext16 || c == msgpcode.Ext32 {
			n++ // the ext type byte
		}
		if n > len(b)-at {
			return 0, errLength
		}
		return at + n, nil
	case msgpcode.Array16, msgpcode.Array32:
		n, at, err := lenAt(lengthSize(c))
		if err != nil {
			return 0, err
		}
		return elems(n, at)
	case msgpcode.Map16, msgpcode.Map32:
		n, at, err := lenAt(lengthSize(c))
		if err != nil {
			return 0, err
		}
		return elems(2*n, at)
	}
	return 0, fmt.Errorf("invalid msgpack code %#x", c)
}

// lengthSize is the size of the length field that follows code c.
func lengthSize(c byte) int {
	switch c {
	case msgpcode.Str8, msgpcode.Bin8, msgpcode.Ext8:
		return 1
	case msgpcode.Str16, msgpcode.Bin16, msgpcode.Ext16, msgpcode.Array16, msgpcode.Map16:
		return 2
	}
	return 4
}
