package match

import (
	"math"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// The jitter buffer: each human's inputs wait here until their tick. Input
// seq s is due on one fixed tick (the player's "slot" s, one per tick, in
// order), set when the first input arrives and never moved while the client
// keeps its input clock where the server advises (PROTOCOL.md §1.4). A slot
// whose input has not arrived by its tick is filled with the player's newest
// known input (their last intent is the best guess of their present one),
// and the slot is consumed anyway: the World's ackSeq then covers it, so a
// client's prediction never keeps an input the server did not apply. When
// the late input arrives it counts after all: as it is, if it moved the
// player exactly as the stand-in did (the usual case: a key held through a
// network hiccup), else by asking the World to redo the player's movement
// since that slot with the moves they really made (game.Redo), which it does
// where nothing else depended on the stand-ins. Only a late input the World
// cannot redo is reported as skipped; its fire button is never lost.
//
// Because slots never move, a burst of late inputs after a stall cannot turn
// into a standing delay, and nothing has to be trimmed later (which cost
// inputs). What keeps the buffer small is the client: the server measures,
// per player, how early inputs arrive before their slot's tick (the margin)
// and advises the client to run its input clock slower or faster until the
// worst margin of the last two seconds is a small guard — Overwatch's input
// clock steering (Tim Ford, "Overwatch Gameplay Architecture and Netcode",
// GDC 2017). The buffer then holds what the network's jitter needs and no
// more, and almost no input misses its tick.

const (
	// syncHold is how many ticks the first input of a player waits: one tick
	// of cushion before the client's input clock has been steered at all.
	syncHold = 1
	// stallGap: an arrival this long after the previous one ends an outage,
	// not jitter. The inputs that arrive with it in one clump were held up
	// by the outage; they do not count towards the margin estimate, so the
	// advice covers the network's jitter, not its stalls (covering a 200 ms
	// stall would add 200 ms to every input).
	stallGap = 150 * time.Millisecond
	// marginGuard is what the advice keeps on top of the worst margin seen:
	// the server's own wake-up jitter and a little luck.
	marginGuard = 2 * time.Millisecond
	// marginBuckets buckets of marginBucket each (in whole ticks, rounded
	// down) make the margin window: the worst margin of roughly the last two
	// seconds (7/8 to all of the window, as the oldest bucket is dropped
	// when a new one starts).
	marginBuckets = 8
	marginBucket  = 250 * time.Millisecond
	// usedSlots is how many recent slots remember what the World got, to
	// judge late inputs: as far back as a game.Redo reaches. An input later
	// than that is skipped.
	usedSlots = game.RedoTicks
	// noMargin marks a bucket without samples.
	noMargin = math.MaxInt32
	// maxSlackMs bounds the advice on the wire.
	maxSlackMs = 10_000
)

// jitterParams are a match's fixed parameters for every jitter buffer.
type jitterParams struct {
	dt          time.Duration // one tick
	stale       int           // ticks a silent player's last input stands in before they stand still
	bucketTicks int           // ticks per margin bucket
	realign     int           // consecutive late inputs (outside a stall) that make the slots move
}

func newJitterParams(tickRate int) jitterParams {
	return jitterParams{
		dt:          time.Second / time.Duration(tickRate),
		stale:       game.InputStaleTicks(tickRate),
		bucketTicks: max(1, int(marginBucket*time.Duration(tickRate)/time.Second)),
		realign:     tickRate,
	}
}

// usedInput is what the World got for one slot.
type usedInput struct {
	seq          uint32
	tick         uint32 // the World tick that consumed the slot
	real         bool   // the slot's own input, not a stand-in
	late         bool   // its input arrived late and moved otherwise: lateX, lateY wait for a redo
	moveX, moveY float64
	lateX, lateY float64
	buttons      game.Buttons
}

// inputQueue is one human's jitter buffer and input clock measurement. It
// belongs to the match goroutine.
type inputQueue struct {
	id  game.PlayerID
	buf []game.Input // waiting inputs, ascending Seq, every Seq > applied; capacity Config.InputBuffer

	synced   bool
	hold     int          // ticks left before the first slot (syncHold)
	pause    int          // ticks left without a slot (realigning a client that is always late)
	applied  uint32       // the newest slot consumed: the ackSeq the World reports
	guess    game.Input   // the newest input known (applied or arrived late): a missing slot's stand-in
	standIns int          // stand-ins in a row since the newest known input
	judged   uint32       // the newest late input already judged
	newest   uint32       // the newest seq that has arrived
	held     game.Buttons // buttons of late inputs the stand-ins lacked, for the next applied input
	heldShot uint32       // the shot id of the newest late input whose fire is held
	used     [usedSlots]usedInput
	skipped  uint32 // late inputs that moved otherwise than their stand-in and could not be redone
	lateRun  int    // late inputs in a row, outside a stall

	redoFrom  uint32      // the first slot of a redo to ask for (0: none)
	redoLate  int         // late inputs waiting for it
	redoMoves []game.Move // the redo's moves (capacity game.RedoTicks, reused)

	arrivedAt time.Duration        // the previous arrival
	inClump   bool                 // the previous arrival ended an outage (or was in its clump)
	lows      [marginBuckets]int32 // the worst margin (µs) of each bucket of the window; noMargin when empty
	bucket    int                  // index into lows being filled
	ticks     int                  // ticks into the current bucket
}

func newInputQueue(id game.PlayerID, size int) inputQueue {
	q := inputQueue{id: id, buf: make([]game.Input, 0, size), redoMoves: make([]game.Move, 0, game.RedoTicks)}
	for i := range q.lows {
		q.lows[i] = noMargin
	}
	return q
}

// arrive takes one input that arrived at at (the match clock, since its
// epoch) and was drained at the start of the tick due at due. Inputs of one
// player must be given in arrival order.
func (q *inputQueue) arrive(in game.Input, at, due time.Duration, p *jitterParams) {
	if in.Seq == 0 {
		return // 0 means "no input" in ackSeq; clients start at 1
	}
	gap := at - q.arrivedAt
	clump := !q.synced || gap > stallGap || (q.inClump && gap < p.dt/4)
	q.arrivedAt, q.inClump, q.newest = at, clump, max(q.newest, in.Seq)
	if !q.synced {
		q.insert(in) // the slots start with the oldest of the first tick's inputs (next)
		return
	}
	if in.Seq <= q.applied {
		q.late(in, at, due, clump, p)
		return
	}
	if !clump {
		q.lateRun = 0
	}
	ahead := time.Duration(in.Seq-q.applied-1+uint32(q.hold+q.pause)) * p.dt
	if !clump {
		q.measure(due + ahead - at)
	}
	q.insert(in)
}

// late judges an input whose slot has passed: it counts if its stand-in
// moved the player the same way, and its fire is kept for the next input.
func (q *inputQueue) late(in game.Input, at, due time.Duration, clump bool, p *jitterParams) {
	u := q.used[in.Seq%usedSlots]
	if in.Seq <= q.judged || (u.seq == in.Seq && u.real) {
		return // judged already, or a duplicate of an input applied in its slot
	}
	q.judged = in.Seq
	if !clump {
		q.measure(due - time.Duration(q.applied-in.Seq+1)*p.dt - at)
		if q.lateRun++; q.lateRun >= p.realign {
			// Every input for a while has come after its tick: the client
			// does not steer (or cannot keep up). Move the slots so this one
			// would have been a tick early; the ticks of the pause repeat the
			// stand-in without an ack, which the client sees as a correction.
			q.pause, q.lateRun = int(q.applied-in.Seq)+2, 0
		}
	}
	if in.Seq > q.guess.Seq {
		q.guess = in
	}
	q.standIns = 0 // the player is there, just late
	if u.seq != in.Seq {
		q.skipped++ // its slot is too long ago (or was skipped to make room)
		q.keepFire(in, in.Buttons)
		return
	}
	q.keepFire(in, in.Buttons&^u.buttons)
	if u.moveX == in.MoveX && u.moveY == in.MoveY {
		return // the stand-in did what the input would have
	}
	slot := &q.used[in.Seq%usedSlots]
	slot.late, slot.lateX, slot.lateY = true, in.MoveX, in.MoveY
	if q.redoFrom == 0 || in.Seq < q.redoFrom {
		q.redoFrom = in.Seq
	}
	q.redoLate++
}

// redo returns the game.Redo the late inputs judged since the last tick ask
// for, or false if there is none: the player's movement from the first of
// their slots up to the last tick stepped (lastTick), with every late move
// known in place of its stand-in. The Redo's Moves are the queue's own
// buffer, valid until the next call. redone must follow with the World's
// outcome.
func (q *inputQueue) redo(lastTick uint32) (game.Redo, bool) {
	if q.redoFrom == 0 {
		return game.Redo{}, false
	}
	first := q.used[q.redoFrom%usedSlots]
	q.redoMoves = q.redoMoves[:0]
	ok := first.seq == q.redoFrom && lastTick >= first.tick && lastTick-first.tick < game.RedoTicks
	for s := q.redoFrom; ok && s <= q.applied; s++ {
		u := &q.used[s%usedSlots]
		if u.seq != s || u.tick != first.tick+(s-q.redoFrom) {
			ok = false // a slot forgotten, or a tick without a slot (held, paused) in between
			break
		}
		if u.late {
			q.redoMoves = append(q.redoMoves, game.Move{X: u.lateX, Y: u.lateY})
		} else {
			q.redoMoves = append(q.redoMoves, game.Move{X: u.moveX, Y: u.moveY})
		}
	}
	if !ok || first.tick+uint32(len(q.redoMoves))-1 != lastTick {
		q.redone(false)
		return game.Redo{}, false
	}
	return game.Redo{Player: q.id, From: first.tick, Moves: q.redoMoves}, true
}

// redone takes the outcome of the redo asked for: done, the late moves are
// now what the World used; refused, the late inputs are skipped.
func (q *inputQueue) redone(done bool) {
	for s := q.redoFrom; q.redoFrom != 0 && s <= q.applied; s++ {
		u := &q.used[s%usedSlots]
		if u.seq != s || !u.late {
			continue
		}
		if done {
			u.moveX, u.moveY = u.lateX, u.lateY
		}
		u.late = false
	}
	if !done {
		q.skipped += uint32(q.redoLate)
	}
	q.redoFrom, q.redoLate = 0, 0
}

// keepFire keeps the buttons of in that the World did not get (lacked) for the
// next input applied, with in's shot id if it fired: the shot the client
// predicted for it is then the one the server fires.
func (q *inputQueue) keepFire(in game.Input, lacked game.Buttons) {
	q.held |= lacked
	if lacked&game.ButtonFire != 0 {
		q.heldShot = in.ShotID
	}
}

// insert puts in into the buffer in Seq order, unless it is a duplicate.
// When the buffer is full the oldest input is skipped: its slot and any
// empty ones before it are consumed now, so the client that sent too far
// ahead loses one input rather than the buffer growing.
func (q *inputQueue) insert(in game.Input) {
	i := len(q.buf)
	for i > 0 && q.buf[i-1].Seq > in.Seq {
		i--
	}
	if i > 0 && q.buf[i-1].Seq == in.Seq {
		return
	}
	if len(q.buf) == cap(q.buf) {
		old := q.buf[0]
		if i == 0 {
			old = in // older than everything buffered: it is the oldest
		}
		q.applied, q.judged = old.Seq, old.Seq
		q.keepFire(old, old.Buttons)
		q.skipped++
		if i == 0 {
			return
		}
		copy(q.buf, q.buf[1:])
		q.buf = q.buf[:len(q.buf)-1]
		i--
	}
	q.buf = append(q.buf, game.Input{})
	copy(q.buf[i+1:], q.buf[i:])
	q.buf[i] = in
}

// next returns the input for this tick's slot, called once per tick: the
// buffered input for the slot, or its stand-in (the newest known input, or
// standing still once the player has been silent for p.stale ticks). It
// returns false while there is no slot to fill (before the first input,
// and while holding or pausing): the World then repeats its last input
// without moving the ack.
//
// tick is the World tick about to be stepped.
func (q *inputQueue) next(p *jitterParams, tick uint32) (game.Input, bool) {
	q.rotate(p)
	if !q.synced {
		if len(q.buf) == 0 {
			return game.Input{}, false
		}
		// The first inputs are here: slot s is the tick syncHold+s−first
		// ticks from now, so the first waits syncHold ticks.
		q.synced, q.hold = true, syncHold
		q.applied, q.judged = q.buf[0].Seq-1, q.buf[0].Seq-1
	}
	switch {
	case q.hold > 0:
		q.hold--
		return game.Input{}, false
	case q.pause > 0:
		q.pause--
		return game.Input{}, false
	}
	slot := q.applied + 1
	var in game.Input
	real := len(q.buf) > 0 && q.buf[0].Seq == slot
	if real {
		in = q.buf[0]
		copy(q.buf, q.buf[1:])
		q.buf = q.buf[:len(q.buf)-1]
		if in.Buttons&game.ButtonFire == 0 && q.held&game.ButtonFire != 0 {
			in.ShotID = q.heldShot
		}
		in.Buttons |= q.held
		q.held, q.heldShot = 0, 0
		q.guess, q.standIns = in, 0
	} else {
		// The newest known input stands in: its movement, aim and trigger,
		// but it is no shot the client chose (no shot id), and the client's
		// view has moved on a tick per slot since.
		in = q.guess
		in.ShotID = 0
		if in.ViewTime > 0 {
			in.ViewTime += float64(slot - q.guess.Seq)
		}
		if q.standIns++; q.standIns > p.stale {
			in = game.Input{Aim: q.guess.Aim}
		}
		in.Seq = slot
	}
	q.applied = slot
	q.used[slot%usedSlots] = usedInput{seq: slot, tick: tick, real: real, moveX: in.MoveX, moveY: in.MoveY, buttons: in.Buttons}
	return in, true
}

// awaited is the InputsAwaited of the player's snapshot: how many of the
// newest slots got a stand-in for an input that has not arrived yet and that
// could still be redone. Inputs arrive in order, so every slot up to the
// newest seq that arrived has its verdict.
func (q *inputQueue) awaited() uint32 {
	if !q.synced || q.newest >= q.applied {
		return 0
	}
	return min(q.applied-q.newest, game.RedoTicks-1)
}

// measure records one input's margin: how long before its slot's tick it
// arrived (negative: after).
func (q *inputQueue) measure(margin time.Duration) {
	us := int32(max(-math.MaxInt32+1, min(math.MaxInt32-1, margin.Microseconds())))
	q.lows[q.bucket] = min(q.lows[q.bucket], us)
}

// rotate moves the margin window on by a tick.
func (q *inputQueue) rotate(p *jitterParams) {
	if q.ticks++; q.ticks < p.bucketTicks {
		return
	}
	q.ticks = 0
	q.bucket = (q.bucket + 1) % marginBuckets
	q.lows[q.bucket] = noMargin
}

// slack is the input clock advice (PROTOCOL.md §1.5 inputSlack): how many
// milliseconds earlier than needed this player's inputs have been arriving —
// the worst margin of the window less the guard. Positive: the client should
// send later (run its input clock slower); negative: earlier. 0 without
// measurements.
func (q *inputQueue) slack() int32 {
	worst := int32(noMargin)
	for _, l := range q.lows {
		worst = min(worst, l)
	}
	if worst == noMargin {
		return 0
	}
	ms := math.Round(float64(time.Duration(worst)*time.Microsecond-marginGuard) / float64(time.Millisecond))
	return int32(max(-maxSlackMs, min(maxSlackMs, ms)))
}
