package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/skirmish-game/skirmish/game"
)

// Kind says what a Record is.
type Kind uint8

// Record kinds.
const (
	KindTick Kind = Kind(tagTick) // Input is what World.Step consumed on tick Tick
	KindHash Kind = Kind(tagHash) // Hash is World.Hash after tick Tick
	KindEnd  Kind = Kind(tagEnd)  // the match stopped after tick Tick for Reason
)

// Record is one record of a journal's body. Input is owned by the Reader and
// valid until the next call to Next.
type Record struct {
	Kind   Kind
	Tick   uint32
	Input  *game.TickInput
	Hash   uint64
	Reason game.EndReason
}

// Reader reads a journal's records in order: a complete journal (Open) or
// one still being written (Writer.Follow). It is not safe for concurrent use.
type Reader struct {
	hdr   Header
	w     *Writer // the live source; nil for a complete journal
	buf   []byte  // body bytes from pos−off on
	off   int
	pos   int // body offset of buf[off]
	ticks uint32
	in    game.TickInput
	ended bool
	err   error      // sticky
	last  lastInputs // see Writer.last
}

// Open checks data's magic and version, decompresses it (at most 256 MiB of
// body) and reads its header. Errors wrap ErrCorrupt.
func Open(data []byte) (*Reader, error) {
	if len(data) < len(Magic)+1 || !bytes.Equal(data[:len(Magic)], []byte(Magic)) {
		return nil, fmt.Errorf("%w: not a journal (no %q magic)", ErrCorrupt, Magic)
	}
	if v := data[len(Magic)]; v != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorrupt, v, Version)
	}
	_, dec := coders()
	body, err := dec.DecodeAll(data[len(Magic)+1:], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: decompressing: %w", ErrCorrupt, err)
	}
	r := &Reader{buf: body, last: make(lastInputs)}
	n, k := binary.Uvarint(body)
	if k <= 0 || n > maxHeader || uint64(len(body)-k) < n {
		return nil, fmt.Errorf("%w: header cut short or too long", ErrCorrupt)
	}
	if r.hdr, err = parseHeader(body[k : k+int(n)]); err != nil {
		return nil, err
	}
	r.off = k + int(n)
	r.pos = r.off
	return r, nil
}

// Follow returns a Reader of the journal w is writing, from its start: Next
// returns ErrPending when it has read everything written so far.
func (w *Writer) Follow() *Reader {
	w.mu.Lock()
	defer w.mu.Unlock()
	return &Reader{hdr: w.hdr, w: w, pos: w.hdrLen, last: make(lastInputs)}
}

// Header returns the journal's header.
func (r *Reader) Header() Header { return r.hdr }

// Ticks returns how many tick records have been read.
func (r *Reader) Ticks() uint32 { return r.ticks }

// Next returns the next record. After the end record it returns io.EOF. A
// live journal with nothing new returns ErrPending (try again later); a
// journal that ends without its end record returns ErrTruncated; a
// malformed one ErrCorrupt (wrapped, with where). Errors other than
// ErrPending stick.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if r.ended {
		return Record{}, io.EOF
	}
	if r.off == len(r.buf) {
		if err := r.fill(); err != nil {
			return Record{}, err
		}
	}
	d := decoder{buf: r.buf, off: r.off}
	rec := Record{Kind: Kind(d.byte())}
	switch rec.Kind {
	case KindTick:
		d.tick(&r.in, r.last)
		r.ticks++
		rec.Tick, rec.Input = r.ticks, &r.in
	case KindHash:
		rec.Tick = uint32(d.uvarint(uint64(r.ticks), "hash tick"))
		rec.Hash = d.u64()
	case KindEnd:
		rec.Tick = uint32(d.uvarint(uint64(r.ticks), "end tick"))
		rec.Reason = game.EndReason(d.uvarint(math.MaxInt32, "end reason"))
		if d.err == nil && rec.Tick != r.ticks {
			d.fail(fmt.Sprintf("end after tick %d, but %d ticks were recorded", rec.Tick, r.ticks))
		}
		r.ended = true
		if d.err == nil && r.w == nil && d.off != len(d.buf) {
			d.fail("data after the end record")
		}
	default:
		d.fail(fmt.Sprintf("unknown record tag %d", rec.Kind))
	}
	if d.err != nil {
		r.err = d.err
		return Record{}, r.err
	}
	r.pos += d.off - r.off
	r.off = d.off
	return rec, nil
}

// fill fetches more body bytes from a live writer.
func (r *Reader) fill() error {
	if r.w == nil {
		r.err = fmt.Errorf("%w: after tick %d, without an end record", ErrTruncated, r.ticks)
		return r.err
	}
	seg, more, err := r.w.segment(r.pos, r.buf)
	r.buf, r.off = seg, 0
	switch {
	case err != nil:
		r.err = err
		return err
	case len(seg) > 0:
		return nil
	case more:
		return ErrPending
	}
	if werr := r.w.Err(); werr != nil {
		r.err = fmt.Errorf("%w: after tick %d (%w)", ErrTruncated, r.ticks, werr)
	} else {
		r.err = fmt.Errorf("%w: after tick %d, without an end record", ErrTruncated, r.ticks)
	}
	return r.err
}
