package journal

import (
	"fmt"
	"sort"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/skirmish-game/skirmish/game"
)

// ChunkSize is how many body bytes a Writer collects before it compresses
// them into one Zstandard frame: big enough to compress well (the records of
// a tick repeat), small enough that sealing one costs the tick tens of
// microseconds (BenchmarkWriterTick) and that the raw tail a match holds is
// small.
const ChunkSize = 32 << 10

// DefaultMaxBytes is the most compressed bytes a Writer keeps: about 70
// minutes of a match of 8 humans, whose inputs (full-precision aim and view
// times) cost ~230 KB a minute; bots cost ~1 KB a minute (docs/PERFORMANCE.md).
// Past it the recording stops and the journal is truncated (ErrTooLong).
const DefaultMaxBytes = 16 << 20

// The coders are shared: EncodeAll and DecodeAll are safe for concurrent use
// and keep their state in internal pools. They are made and used once at
// package init, outside any goroutine bubble (testing/synctest), because
// the pools are channels created on first use and a channel made inside a
// bubble may not be used outside it.
var zenc, zdec = newCoders()

func newCoders() (*zstd.Encoder, *zstd.Decoder) {
	// EncodeAll and DecodeAll run on the caller's goroutine; the pools let
	// as many run at once as there are CPUs. The fastest level with small
	// tables: a seal runs on the match goroutine, and a larger level spent
	// most of its time clearing its 1 MiB tables for each 32 KiB chunk, for
	// 10% smaller journals.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(fmt.Sprintf("journal: zstd encoder: %v", err)) // only bad options fail
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxBodySize), zstd.WithDecoderConcurrency(0))
	if err != nil {
		panic(fmt.Sprintf("journal: zstd decoder: %v", err))
	}
	if _, err := dec.DecodeAll(enc.EncodeAll([]byte(Magic), nil), nil); err != nil {
		panic(fmt.Sprintf("journal: zstd round trip: %v", err))
	}
	return enc, dec
}

func coders() (*zstd.Encoder, *zstd.Decoder) { return zenc, zdec }

// chunk is one sealed frame and where its bytes start in the body.
type chunk struct {
	start int
	frame []byte
}

// Writer records a journal as its match plays: Tick after every World.Step,
// Hash every HashEvery ticks, End once. The body is compressed in chunks of
// ChunkSize as it grows, so memory is the compressed journal plus one raw
// chunk. All methods are safe for concurrent use: the match goroutine writes
// while spectators read (Bytes, Follow).
type Writer struct {
	mu       sync.Mutex
	sealed   []chunk
	packed   int    // compressed bytes in sealed
	tail     []byte // body bytes not yet sealed
	raw      int    // body bytes written (sealed and tail)
	ticks    uint32 // tick records written
	ended    bool
	err      error // ErrTooLong once the bound is reached
	maxBytes int
	hdr      Header
	hdrLen   int        // body bytes of the header
	last     lastInputs // each player's input in the last tick record that had one
}

// NewWriter starts a journal with h (h.HashEvery 0 means HashEvery).
// maxBytes bounds the compressed size (0 means DefaultMaxBytes).
func NewWriter(h Header, maxBytes int) (*Writer, error) {
	if h.HashEvery == 0 {
		h.HashEvery = HashEvery
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	coders()
	w := &Writer{hdr: h, maxBytes: maxBytes, tail: make([]byte, 0, ChunkSize+4<<10), last: make(lastInputs)}
	var err error
	if w.tail, err = appendHeader(w.tail, &h); err != nil {
		return nil, err
	}
	w.raw, w.hdrLen = len(w.tail), len(w.tail)
	// The header is a frame of its own, so a recording stopped at its
	// bound still opens (and says it is truncated).
	w.sealLocked()
	if w.err != nil {
		return nil, w.err
	}
	return w, nil
}

// Header returns the journal's header.
func (w *Writer) Header() Header { return w.hdr }

// Tick records the input of the next tick (ticks are numbered from 1: the
// World's tick after the Step). It does not keep in.
func (w *Writer) Tick(in *game.TickInput) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.err != nil {
		return
	}
	w.ticks++
	w.appendLocked(appendTick(w.tail, in, w.last))
}

// Hash records the World's state hash after tick.
func (w *Writer) Hash(tick uint32, h uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.err != nil {
		return
	}
	w.appendLocked(appendHash(w.tail, tick, h))
}

// End closes the journal: the match stopped after tick for reason. Later
// calls do nothing.
func (w *Writer) End(tick uint32, reason game.EndReason) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.err != nil {
		return
	}
	w.ended = true
	w.appendLocked(appendEnd(w.tail, tick, reason))
	w.sealLocked()
}

func (w *Writer) appendLocked(b []byte) {
	w.raw += len(b) - len(w.tail)
	w.tail = b
	if len(w.tail) >= ChunkSize {
		w.sealLocked()
	}
}

// sealLocked compresses the tail into a frame of its own.
func (w *Writer) sealLocked() {
	if len(w.tail) == 0 {
		return
	}
	enc, _ := coders()
	frame := enc.EncodeAll(w.tail, make([]byte, 0, len(w.tail)/4))
	if w.packed+len(frame) > w.maxBytes {
		// The bound: stop recording here. What is sealed stays readable;
		// the journal has no end record, so a replay says it is truncated.
		w.err = fmt.Errorf("%w: over %d compressed bytes", ErrTooLong, w.maxBytes)
		w.raw -= len(w.tail)
		w.tail = w.tail[:0]
		return
	}
	w.sealed = append(w.sealed, chunk{start: w.raw - len(w.tail), frame: frame})
	w.packed += len(frame)
	w.tail = w.tail[:0]
}

// Err returns ErrTooLong (wrapped) once the recording stopped at its bound.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Ticks returns how many tick records have been written: the match's tick.
func (w *Writer) Ticks() uint32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ticks
}

// Ended reports whether End was called.
func (w *Writer) Ended() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ended
}

// Bytes returns the journal as written so far, as a complete file (magic,
// version, the sealed frames and the tail compressed): a journal without an
// end record while the match runs. It is a new slice.
func (w *Writer) Bytes() []byte {
	// Copy under the lock, compress outside it: the match goroutine's
	// next Tick must not wait for a reader.
	w.mu.Lock()
	out := make([]byte, 0, len(Magic)+1+w.packed+len(w.tail)/3+64)
	out = append(out, Magic...)
	out = append(out, Version)
	for _, c := range w.sealed {
		out = append(out, c.frame...)
	}
	tail := append([]byte(nil), w.tail...)
	w.mu.Unlock()
	if len(tail) > 0 {
		enc, _ := coders()
		out = enc.EncodeAll(tail, out)
	}
	return out
}

// Size returns the compressed bytes sealed so far and the raw bytes waiting
// in the tail: together a bound on what the journal holds in memory.
func (w *Writer) Size() (packed, tail int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packed, len(w.tail)
}

// segment returns body bytes from body offset pos on, ending at a record
// boundary, reusing dst: a whole sealed chunk's rest, or the tail's. more is
// false once pos is at the end of an ended journal (or of one stopped at its
// bound). An empty result with more true means nothing new yet.
func (w *Writer) segment(pos int, dst []byte) (_ []byte, more bool, err error) {
	w.mu.Lock()
	tailStart := w.raw - len(w.tail)
	if pos >= tailStart {
		dst = append(dst[:0], w.tail[min(pos-tailStart, len(w.tail)):]...)
		more = !(w.ended || w.err != nil) || len(dst) > 0
		w.mu.Unlock()
		return dst, more, nil
	}
	i := sort.Search(len(w.sealed), func(i int) bool { return w.sealed[i].start > pos }) - 1
	var c chunk
	if i >= 0 {
		c = w.sealed[i] // sealed chunks never change: decode outside the lock
	}
	w.mu.Unlock()
	if i < 0 {
		return dst[:0], false, fmt.Errorf("%w: body offset %d before the first chunk", ErrCorrupt, pos)
	}
	_, dec := coders()
	dst, err = dec.DecodeAll(c.frame, dst[:0])
	if err != nil {
		return dst[:0], false, fmt.Errorf("%w: chunk %d: %w", ErrCorrupt, i, err)
	}
	if off := pos - c.start; off < len(dst) {
		dst = dst[:copy(dst, dst[off:])]
	} else {
		dst = dst[:0]
	}
	return dst, true, nil
}
