// Package journal encodes and decodes match journals: a match's map, seed and
// configuration and every tick's game.TickInput, with periodic state hashes,
// compressed with Zstandard (RFC 8878). A journal replayed into a fresh World
// reproduces the match exactly (game.World is deterministic), which is how
// Skirmish stores replays and serves timeshift and delayed spectators.
//
// The byte format is docs/PROTOCOL.md §5. The package is pure: no I/O, no
// clock, no goroutines.
package journal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/skirmish-game/skirmish/game"
)

// Magic and Version open every journal (PROTOCOL.md §5).
const (
	Magic   = "SKRJ"
	Version = 1
)

// Record tags in the body.
const (
	tagTick byte = 1
	tagHash byte = 2
	tagEnd  byte = 3
)

// Decoder limits: a record beyond them is corrupt. They are far above what
// the runtime produces (a match seats at most game.PlayerCounts.Max players).
const (
	maxHeader   = 1 << 20 // bytes of header JSON
	maxItems    = 1024    // redos, commands or inputs in one tick
	maxName     = 256     // bytes of a joining player's name
	maxMoves    = game.RedoTicks
	maxBodySize = 256 << 20 // decompressed bytes of one journal
)

// HashEvery is how often, in ticks, a journal records the World's state hash
// (game.World.Hash) after the tick: a replay compares its own hash there and
// so detects a desync within this many ticks (3 s at 30 Hz). Hashing a full
// match takes tens of microseconds on the match goroutine: every 90 ticks
// it adds under a microsecond a tick (BenchmarkTickRecord).
const HashEvery = 90

// Errors the decoder returns, wrapped with where and what.
var (
	// ErrCorrupt: the bytes are not a journal, or a record is malformed.
	ErrCorrupt = errors.New("journal: corrupt")
	// ErrTruncated: the journal ends before its end record (a copy cut
	// short, or the recording stopped at its size bound).
	ErrTruncated = errors.New("journal: truncated")
	// ErrPending: a live journal has no further record yet; try again later.
	ErrPending = errors.New("journal: no further record yet")
	// ErrTooLong: the recording reached Writer's size bound and stopped.
	ErrTooLong = errors.New("journal: too long")
)

// Header is the first record: everything a World needs besides the ticks'
// inputs. World.Map is the full map, so a replay does not depend on the map
// files a server happens to have.
type Header struct {
	Match     string           // the match id
	Start     string           // when the match started, RFC 3339 (UTC), on the match's clock
	World     game.WorldConfig // with defaults applied (game.WorldConfig.WithDefaults); Map included
	HashEvery int              // ticks between hash records
}

// headerJSON is the header's wire form.
type headerJSON struct {
	Version    int             `json:"version"`
	Match      string          `json:"match"`
	Start      string          `json:"start"`
	Map        json.RawMessage `json:"map"`
	Seed       int64           `json:"seed"`
	TickRate   int             `json:"tickRate"`
	MaxPlayers int             `json:"maxPlayers"`
	BotFill    int             `json:"botFill"`
	TimeLimit  int             `json:"timeLimit"`
	ScoreLimit int             `json:"scoreLimit"`
	EndedTicks int             `json:"endedTicks"`
	MaxRewind  float64         `json:"maxRewind"`
	HashEvery  int             `json:"hashEvery"`
}

func appendHeader(b []byte, h *Header) ([]byte, error) {
	if h.World.Map == nil {
		return b, errors.New("journal: Header.World.Map is required")
	}
	m, err := json.Marshal(h.World.Map)
	if err != nil {
		return b, fmt.Errorf("journal: encoding the map: %w", err)
	}
	w := h.World
	js, err := json.Marshal(headerJSON{
		Version: Version, Match: h.Match, Start: h.Start, Map: m,
		Seed: w.Seed, TickRate: w.TickRate, MaxPlayers: w.MaxPlayers, BotFill: w.BotFill,
		TimeLimit: w.TimeLimit, ScoreLimit: w.ScoreLimit, EndedTicks: w.EndedTicks, MaxRewind: w.MaxRewind,
		HashEvery: h.HashEvery,
	})
	if err != nil {
		return b, fmt.Errorf("journal: encoding the header: %w", err)
	}
	b = binary.AppendUvarint(b, uint64(len(js)))
	return append(b, js...), nil
}

func parseHeader(js []byte) (Header, error) {
	var hj headerJSON
	if err := json.Unmarshal(js, &hj); err != nil {
		return Header{}, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	if hj.Version != Version {
		return Header{}, fmt.Errorf("%w: header: version %d, want %d", ErrCorrupt, hj.Version, Version)
	}
	m, err := game.ParseMap(hj.Map)
	if err != nil {
		return Header{}, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	if hj.HashEvery < 0 {
		return Header{}, fmt.Errorf("%w: header: hashEvery %d", ErrCorrupt, hj.HashEvery)
	}
	return Header{
		Match: hj.Match, Start: hj.Start, HashEvery: hj.HashEvery,
		World: game.WorldConfig{
			Seed: hj.Seed, TickRate: hj.TickRate, MaxPlayers: hj.MaxPlayers, BotFill: hj.BotFill, Map: m,
			TimeLimit: hj.TimeLimit, ScoreLimit: hj.ScoreLimit, EndedTicks: hj.EndedTicks, MaxRewind: hj.MaxRewind,
		},
	}, nil
}

// appendTick appends one tick record (PROTOCOL.md §5).
func appendTick(b []byte, in *game.TickInput, last lastInputs) []byte {
	b = append(b, tagTick)
	b = binary.AppendUvarint(b, uint64(len(in.Redos)))
	for i := range in.Redos {
		r := &in.Redos[i]
		b = binary.AppendUvarint(b, uint64(r.Player))
		b = binary.AppendUvarint(b, uint64(r.From))
		b = binary.AppendUvarint(b, uint64(len(r.Moves)))
		for _, mv := range r.Moves {
			b = appendF64(b, mv.X)
			b = appendF64(b, mv.Y)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(in.Commands)))
	for i := range in.Commands {
		c := &in.Commands[i]
		b = append(b, byte(c.Kind))
		switch c.Kind {
		case game.CommandJoin:
			b = binary.AppendUvarint(b, uint64(len(c.Name)))
			b = append(b, c.Name...)
		case game.CommandEnd:
			b = binary.AppendUvarint(b, uint64(c.Reason))
		default:
			b = binary.AppendUvarint(b, uint64(c.Player))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(in.Inputs)))
	for i := range in.Inputs {
		p := &in.Inputs[i]
		prev := last.of(p.Player)
		x := &p.Input
		b = binary.AppendUvarint(b, uint64(p.Player))
		b = binary.AppendVarint(b, int64(x.Seq)-int64(prev.Seq))
		b = appendXOR(b, x.MoveX, prev.MoveX)
		b = appendXOR(b, x.MoveY, prev.MoveY)
		b = appendXOR(b, x.Aim, prev.Aim)
		b = append(b, byte(x.Buttons))
		b = appendXOR(b, x.ViewTime, prev.ViewTime)
		b = binary.AppendUvarint(b, uint64(x.ShotID))
		*prev = *x
	}
	return b
}

// lastInputs is each player's previous input in a journal, which the next
// one is written against (the encoder's and the decoder's copies evolve
// alike): a sequence number as its difference, floats XOR-ed with the
// previous value, big-endian, so the bits that did not change are leading
// zero bytes Zstandard compresses (Pelkonen et al., "Gorilla: A Fast,
// Scalable, In-Memory Time Series Database", VLDB 2015, §4.1.2). Not safe
// for concurrent use.
type lastInputs map[game.PlayerID]*game.Input

// of returns player id's previous input (zero before the first).
func (l lastInputs) of(id game.PlayerID) *game.Input {
	p := l[id]
	if p == nil {
		p = new(game.Input)
		l[id] = p
	}
	return p
}

func appendXOR(b []byte, v, prev float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v)^math.Float64bits(prev))
}

func appendHash(b []byte, tick uint32, h uint64) []byte {
	b = append(b, tagHash)
	b = binary.AppendUvarint(b, uint64(tick))
	return binary.LittleEndian.AppendUint64(b, h)
}

func appendEnd(b []byte, tick uint32, reason game.EndReason) []byte {
	b = append(b, tagEnd)
	b = binary.AppendUvarint(b, uint64(tick))
	return binary.AppendUvarint(b, uint64(reason))
}

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// decoder reads the fields of one record from buf; the first error sticks.
type decoder struct {
	buf []byte
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at body byte %d", ErrCorrupt, what, d.off)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.buf) {
		d.fail("record cut short")
		return 0
	}
	c := d.buf[d.off]
	d.off++
	return c
}

func (d *decoder) uvarint(max uint64, what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	switch {
	case n == 0:
		d.fail("record cut short")
		return 0
	case n < 0:
		d.fail(what + ": varint overflow")
		return 0
	case v > max:
		d.off += n
		d.fail(fmt.Sprintf("%s %d out of range (at most %d)", what, v, max))
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf)-d.off < 8 {
		d.fail("record cut short")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.buf[d.off:])
	d.off += 8
	return v
}

func (d *decoder) f64(what string) float64 {
	v := math.Float64frombits(d.u64())
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail(what + ": not a finite number")
		return 0
	}
	return v
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.buf)-d.off < n {
		d.fail("record cut short")
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// tick decodes a tick record's fields (after its tag) into in, reusing its
// slices. Inputs are checked as the runtime would have sanitized them
// (game.Input.Sanitize leaves them unchanged); names are copied.
func (d *decoder) tick(in *game.TickInput, last lastInputs) {
	n := int(d.uvarint(maxItems, "redo count"))
	in.Redos = in.Redos[:0]
	for range n {
		r := game.Redo{
			Player: game.PlayerID(d.uvarint(math.MaxUint16, "redo player")),
			From:   uint32(d.uvarint(math.MaxUint32, "redo tick")),
		}
		moves := int(d.uvarint(maxMoves, "redo moves"))
		if d.err != nil {
			return
		}
		// Reuse the Moves slice of an earlier Redo in this position.
		if k := len(in.Redos); k < cap(in.Redos) {
			r.Moves = in.Redos[:k+1][k].Moves[:0]
		}
		for range moves {
			r.Moves = append(r.Moves, game.Move{X: d.f64("redo move"), Y: d.f64("redo move")})
		}
		in.Redos = append(in.Redos, r)
	}
	n = int(d.uvarint(maxItems, "command count"))
	clear(in.Commands)
	in.Commands = in.Commands[:0]
	for range n {
		c := game.Command{Kind: game.CommandKind(d.byte())}
		switch c.Kind {
		case game.CommandJoin:
			c.Name = string(d.bytes(int(d.uvarint(maxName, "name length"))))
		case game.CommandEnd:
			c.Reason = game.EndReason(d.uvarint(math.MaxInt32, "end reason"))
		case game.CommandLeave, game.CommandDisconnect, game.CommandReconnect:
			c.Player = game.PlayerID(d.uvarint(math.MaxUint16, "command player"))
		default:
			d.fail(fmt.Sprintf("unknown command kind %d", c.Kind))
		}
		in.Commands = append(in.Commands, c)
	}
	n = int(d.uvarint(maxItems, "input count"))
	in.Inputs = in.Inputs[:0]
	for range n {
		var p game.PlayerInput
		p.Player = game.PlayerID(d.uvarint(math.MaxUint16, "input player"))
		if d.err != nil {
			return
		}
		prev := last.of(p.Player)
		x := &p.Input
		x.Seq = uint32(int64(prev.Seq) + d.varint(math.MaxUint32, "input seq"))
		x.MoveX = d.xor(prev.MoveX, "move x")
		x.MoveY = d.xor(prev.MoveY, "move y")
		x.Aim = d.xor(prev.Aim, "aim")
		x.Buttons = game.Buttons(d.byte())
		x.ViewTime = d.xor(prev.ViewTime, "view time")
		x.ShotID = uint32(d.uvarint(math.MaxUint32, "shot id"))
		if d.err == nil && !sanitized(x) {
			d.fail("input outside what game.Input.Sanitize lets through")
		}
		if d.err != nil {
			return
		}
		*prev = *x
		in.Inputs = append(in.Inputs, p)
	}
}

// varint reads a signed varint of at most ±max.
func (d *decoder) varint(max int64, what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	switch {
	case n == 0:
		d.fail("record cut short")
		return 0
	case n < 0:
		d.fail(what + ": varint overflow")
		return 0
	case v > max || v < -max:
		d.off += n
		d.fail(fmt.Sprintf("%s %d out of range (at most ±%d)", what, v, max))
		return 0
	}
	d.off += n
	return v
}

// xor reads a float written XOR-ed with prev (see lastInputs).
func (d *decoder) xor(prev float64, what string) float64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf)-d.off < 8 {
		d.fail("record cut short")
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.buf[d.off:]) ^ math.Float64bits(prev))
	d.off += 8
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail(what + ": not a finite number")
		return 0
	}
	return v
}

// sanitized reports whether in is within what game.Input.Sanitize returns
// (the World trusts its inputs, so a journal may not smuggle in others). The
// move's length gets a rounding margin: Sanitize divides by it.
func sanitized(in *game.Input) bool {
	return math.Hypot(in.MoveX, in.MoveY) <= 1+1e-9 && in.Aim >= -math.Pi && in.Aim <= math.Pi &&
		in.Buttons&^game.ButtonFire == 0 && in.ViewTime >= 0
}
