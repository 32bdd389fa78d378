package netcode

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/skirmish-game/skirmish/game"
)

// A delta (message type 8, PROTOCOL.md §1.5) turns the picture a client
// holds of one tick, its baseline, into the picture of a later tick: the
// delta compression of Quake 3's snapshots (SV_WriteSnapshotToClient writes
// each frame against the one the client last acknowledged), in the wire's
// integers so that both sides compute the same result to the bit.
//
// An entity the baseline has and the delta does not mention moved as
// predicted: its position advanced by its baseline velocity over the ticks
// between the two (dead reckoning), everything else unchanged. A changed
// entity is sent as the residuals of the fields that differ from that
// prediction; an entity new to the picture is sent complete, in the
// snapshot's own form; one that left it is listed by id.

// Fields of a player in a delta's change entry, by bit of its mask, in the
// order their values follow the mask. The most frequent come first, so the
// mask of a moving, aiming player is one byte.
const (
	PlayerFieldX             = iota // pos residual against the prediction
	PlayerFieldY                    // pos residual against the prediction
	PlayerFieldAim                  // angle difference, wrapped into −32768..32767
	PlayerFieldAckSeq               // difference
	PlayerFieldVX                   // difference
	PlayerFieldVY                   // difference
	PlayerFieldInputSlack           // difference
	PlayerFieldHealth               // difference
	PlayerFieldFlags                // the new flags (not a difference)
	PlayerFieldKills                // difference
	PlayerFieldDeaths               // difference
	PlayerFieldRespawnTicks         // difference
	PlayerFieldInputsSkipped        // difference
	PlayerFieldInputsAwaited        // difference
	playerFields                    // how many
)

// Fields of a projectile in a delta's change entry, by bit of its mask.
const (
	ProjectileFieldX      = iota // pos residual against the prediction
	ProjectileFieldY             // pos residual against the prediction
	ProjectileFieldVX            // difference
	ProjectileFieldVY            // difference
	ProjectileFieldOwner         // the new owner (not a difference)
	ProjectileFieldShotID        // the new shot id (not a difference)
	projectileFields             // how many
)

const (
	// maxDeltaSpan is the most ticks a delta may span (tick − baseTick):
	// velocity × span then stays below 2^47, exact in a JavaScript number.
	maxDeltaSpan = math.MaxUint16
	// maxChangeValue bounds every value of a change entry (±2^50): beyond
	// what any real residual needs, within what a double holds exactly.
	maxChangeValue = 1 << 50
)

// Change is one entity's changed fields in a delta: Values[i] is the value
// of field i (PlayerField* or ProjectileField*) when bit i of Mask is set,
// and 0 otherwise.
type Change struct {
	ID     uint32 // a PlayerID for players
	Mask   uint16
	Values [playerFields]int64
}

// Delta is a decoded delta message (type 8): the picture of Tick as a
// change of the picture of BaseTick. Every list is sorted by id. Apply it
// with ApplyDelta; Diff makes one.
type Delta struct {
	Tick, BaseTick    uint32
	Phase             game.Phase
	PhaseTicksLeft    uint32
	ScoreLimit        int32
	Players           []WirePlayer // new to the picture, complete
	PlayerChanges     []Change
	PlayersGone       []uint32
	Projectiles       []WireProjectile // new to the picture, complete
	ProjectileChanges []Change
	ProjectilesGone   []uint32
}

// Type implements ServerMessage.
func (*Delta) Type() MsgType { return TypeDelta }

var _ ServerMessage = (*Delta)(nil)

// reset empties d, keeping its slices.
func (d *Delta) reset() {
	*d = Delta{
		Players: d.Players[:0], PlayerChanges: d.PlayerChanges[:0], PlayersGone: d.PlayersGone[:0],
		Projectiles: d.Projectiles[:0], ProjectileChanges: d.ProjectileChanges[:0], ProjectilesGone: d.ProjectilesGone[:0],
	}
}

// ErrBadDelta means a delta does not fit the baseline it names: it changes
// or removes an entity the baseline does not have, adds one it has, or
// takes a field out of its range. The picture stays as it was.
var ErrBadDelta = errors.New("netcode: delta does not apply to its baseline")

// divRound is a/b rounded to the nearest integer, halves away from zero
// (b > 0): the one rounding of the prediction, in integers, so that Go and
// the browser agree (PROTOCOL.md §1.5).
func divRound(a, b int64) int64 {
	if a < 0 {
		return -((2*-a + b) / (2 * b))
	}
	return (2*a + b) / (2 * b)
}

// predict advances a position by velocity v (wire units) over span ticks at
// tickRate: the dead reckoning of an entity a delta does not move.
func predict(pos, v int32, span, tickRate int64) int64 {
	return int64(pos) + divRound(int64(v)*span, tickRate)
}

// diffPlayer returns the change that turns base into cur after span ticks,
// and whether there is any.
func diffPlayer(base, cur *WirePlayer, span, tickRate int64) (Change, bool) {
	c := Change{ID: uint32(cur.ID)}
	set := func(field int, v int64) {
		if v != 0 {
			c.Mask |= 1 << field
			c.Values[field] = v
		}
	}
	set(PlayerFieldX, int64(cur.X)-predict(base.X, base.VX, span, tickRate))
	set(PlayerFieldY, int64(cur.Y)-predict(base.Y, base.VY, span, tickRate))
	set(PlayerFieldAim, int64(int16(cur.Aim-base.Aim)))
	set(PlayerFieldAckSeq, int64(cur.AckSeq)-int64(base.AckSeq))
	set(PlayerFieldVX, int64(cur.VX)-int64(base.VX))
	set(PlayerFieldVY, int64(cur.VY)-int64(base.VY))
	set(PlayerFieldInputSlack, int64(cur.InputSlack)-int64(base.InputSlack))
	set(PlayerFieldHealth, int64(cur.Health)-int64(base.Health))
	if cur.Flags != base.Flags {
		c.Mask |= 1 << PlayerFieldFlags
		c.Values[PlayerFieldFlags] = int64(cur.Flags)
	}
	set(PlayerFieldKills, int64(cur.Kills)-int64(base.Kills))
	set(PlayerFieldDeaths, int64(cur.Deaths)-int64(base.Deaths))
	set(PlayerFieldRespawnTicks, int64(cur.RespawnTicks)-int64(base.RespawnTicks))
	set(PlayerFieldInputsSkipped, int64(cur.InputsSkipped)-int64(base.InputsSkipped))
	set(PlayerFieldInputsAwaited, int64(cur.InputsAwaited)-int64(base.InputsAwaited))
	return c, c.Mask != 0
}

// diffProjectile is diffPlayer for projectiles.
func diffProjectile(base, cur *WireProjectile, span, tickRate int64) (Change, bool) {
	c := Change{ID: cur.ID}
	set := func(field int, v int64) {
		if v != 0 {
			c.Mask |= 1 << field
			c.Values[field] = v
		}
	}
	set(ProjectileFieldX, int64(cur.X)-predict(base.X, base.VX, span, tickRate))
	set(ProjectileFieldY, int64(cur.Y)-predict(base.Y, base.VY, span, tickRate))
	set(ProjectileFieldVX, int64(cur.VX)-int64(base.VX))
	set(ProjectileFieldVY, int64(cur.VY)-int64(base.VY))
	if cur.Owner != base.Owner {
		c.Mask |= 1 << ProjectileFieldOwner
		c.Values[ProjectileFieldOwner] = int64(cur.Owner)
	}
	if cur.ShotID != base.ShotID {
		c.Mask |= 1 << ProjectileFieldShotID
		c.Values[ProjectileFieldShotID] = int64(cur.ShotID)
	}
	return c, c.Mask != 0
}

// advancePlayer returns base after span ticks as a delta that does not
// mention it says it is: moved as predicted, nothing else changed.
func advancePlayer(base WirePlayer, span, tickRate int64) (WirePlayer, bool) {
	x, y := predict(base.X, base.VX, span, tickRate), predict(base.Y, base.VY, span, tickRate)
	if !fitsInt32(x) || !fitsInt32(y) {
		return base, false
	}
	base.X, base.Y = int32(x), int32(y)
	return base, true
}

// advanceProjectile is advancePlayer for projectiles.
func advanceProjectile(base WireProjectile, span, tickRate int64) (WireProjectile, bool) {
	x, y := predict(base.X, base.VX, span, tickRate), predict(base.Y, base.VY, span, tickRate)
	if !fitsInt32(x) || !fitsInt32(y) {
		return base, false
	}
	base.X, base.Y = int32(x), int32(y)
	return base, true
}

// applyPlayer applies change c to base after span ticks.
func applyPlayer(base *WirePlayer, c *Change, span, tickRate int64) (WirePlayer, error) {
	v := func(field int) int64 { return c.Values[field] } // 0 when not sent
	p := *base
	ok := true
	i32 := func(x int64) int32 {
		ok = ok && fitsInt32(x)
		return int32(x)
	}
	count := func(x int64) int32 {
		ok = ok && x >= 0 && x <= math.MaxInt32
		return int32(x)
	}
	u32 := func(x int64) uint32 {
		ok = ok && x >= 0 && x <= math.MaxUint32
		return uint32(x)
	}
	p.X = i32(predict(base.X, base.VX, span, tickRate) + v(PlayerFieldX))
	p.Y = i32(predict(base.Y, base.VY, span, tickRate) + v(PlayerFieldY))
	if a := v(PlayerFieldAim); a < math.MinInt16 || a > math.MaxInt16 {
		ok = false
	} else {
		p.Aim = base.Aim + uint16(int16(a))
	}
	p.AckSeq = u32(int64(base.AckSeq) + v(PlayerFieldAckSeq))
	p.VX = i32(int64(base.VX) + v(PlayerFieldVX))
	p.VY = i32(int64(base.VY) + v(PlayerFieldVY))
	p.InputSlack = i32(int64(base.InputSlack) + v(PlayerFieldInputSlack))
	p.Health = count(int64(base.Health) + v(PlayerFieldHealth))
	if c.Mask&(1<<PlayerFieldFlags) != 0 {
		f := v(PlayerFieldFlags)
		ok = ok && f >= 0 && f <= math.MaxUint8
		p.Flags = game.PlayerFlags(f)
	}
	p.Kills = count(int64(base.Kills) + v(PlayerFieldKills))
	p.Deaths = count(int64(base.Deaths) + v(PlayerFieldDeaths))
	p.RespawnTicks = count(int64(base.RespawnTicks) + v(PlayerFieldRespawnTicks))
	p.InputsSkipped = u32(int64(base.InputsSkipped) + v(PlayerFieldInputsSkipped))
	p.InputsAwaited = u32(int64(base.InputsAwaited) + v(PlayerFieldInputsAwaited))
	if !ok {
		return p, fmt.Errorf("%w: player %d: a field out of its range", ErrBadDelta, c.ID)
	}
	return p, nil
}

// applyProjectile applies change c to base after span ticks.
func applyProjectile(base *WireProjectile, c *Change, span, tickRate int64) (WireProjectile, error) {
	v := func(field int) int64 { return c.Values[field] }
	p := *base
	ok := true
	i32 := func(x int64) int32 {
		ok = ok && fitsInt32(x)
		return int32(x)
	}
	p.X = i32(predict(base.X, base.VX, span, tickRate) + v(ProjectileFieldX))
	p.Y = i32(predict(base.Y, base.VY, span, tickRate) + v(ProjectileFieldY))
	p.VX = i32(int64(base.VX) + v(ProjectileFieldVX))
	p.VY = i32(int64(base.VY) + v(ProjectileFieldVY))
	if c.Mask&(1<<ProjectileFieldOwner) != 0 {
		o := v(ProjectileFieldOwner)
		ok = ok && o >= 0 && o <= math.MaxUint16
		p.Owner = game.PlayerID(o)
	}
	if c.Mask&(1<<ProjectileFieldShotID) != 0 {
		s := v(ProjectileFieldShotID)
		ok = ok && s >= 0 && s <= math.MaxUint32
		p.ShotID = uint32(s)
	}
	if !ok {
		return p, fmt.Errorf("%w: projectile %d: a field out of its range", ErrBadDelta, c.ID)
	}
	return p, nil
}

func fitsInt32(x int64) bool { return x >= math.MinInt32 && x <= math.MaxInt32 }

// Diff makes d the delta that turns base into cur, for a match at tickRate
// (Hz): every entity of cur, against base. It is the delta of a player
// whose view holds everything and whose budget allows everything; the hub
// builds the others from the same per-entity rules. base.Tick must be before
// cur.Tick by 1..65535 ticks.
func Diff(base, cur *WireState, tickRate int, d *Delta) {
	d.reset()
	d.Tick, d.BaseTick = cur.Tick, base.Tick
	d.Phase, d.PhaseTicksLeft, d.ScoreLimit = cur.Phase, cur.PhaseTicksLeft, cur.ScoreLimit
	span, rate := int64(cur.Tick-base.Tick), int64(tickRate)
	d.Players, d.PlayerChanges, d.PlayersGone = diffEntities(base.Players, cur.Players,
		d.Players, d.PlayerChanges, d.PlayersGone,
		func(p *WirePlayer) uint32 { return uint32(p.ID) },
		func(b, c *WirePlayer) (Change, bool) { return diffPlayer(b, c, span, rate) })
	d.Projectiles, d.ProjectileChanges, d.ProjectilesGone = diffEntities(base.Projectiles, cur.Projectiles,
		d.Projectiles, d.ProjectileChanges, d.ProjectilesGone,
		func(p *WireProjectile) uint32 { return p.ID },
		func(b, c *WireProjectile) (Change, bool) { return diffProjectile(b, c, span, rate) })
}

// diffEntities is Diff for one kind of entity, the inverse of
// mergeEntities: base and cur (each sorted by id) walked together, each
// entity of cur appended to added (new), to changes (differs from its base
// otherwise than predicted) or to nothing, each of base's missing from cur
// to gone. It returns the three slices, grown from the ones given.
func diffEntities[E any](base, cur, added []E, changes []Change, gone []uint32,
	id func(*E) uint32, diff func(base, cur *E) (Change, bool)) ([]E, []Change, []uint32) {
	i := 0
	for k := range cur {
		e := &cur[k]
		for i < len(base) && id(&base[i]) < id(e) {
			gone = append(gone, id(&base[i]))
			i++
		}
		if i < len(base) && id(&base[i]) == id(e) {
			if c, changed := diff(&base[i], e); changed {
				changes = append(changes, c)
			}
			i++
			continue
		}
		added = append(added, *e)
	}
	for ; i < len(base); i++ {
		gone = append(gone, id(&base[i]))
	}
	return added, changes, gone
}

// ApplyDelta makes dst the picture d describes: base (the picture of
// d.BaseTick) changed by d, for a match at tickRate (Hz, from the welcome).
// dst's slices are reused and must not share memory with base's. A delta
// that does not fit base (another tick, an entity added twice, changed or
// removed without being there, a field out of range, lists out of order)
// returns an error wrapping ErrBadDelta and leaves dst undefined: the
// client keeps base and asks for a complete snapshot.
func ApplyDelta(base *WireState, d *Delta, tickRate int, dst *WireState) error {
	if base.Tick != d.BaseTick {
		return fmt.Errorf("%w: it is against tick %d, the baseline is tick %d", ErrBadDelta, d.BaseTick, base.Tick)
	}
	if tickRate <= 0 {
		return fmt.Errorf("%w: tick rate %d", ErrBadDelta, tickRate)
	}
	span, rate := int64(d.Tick)-int64(d.BaseTick), int64(tickRate)
	if span < 1 || span > maxDeltaSpan {
		return fmt.Errorf("%w: it spans %d ticks", ErrBadDelta, span)
	}
	players, projectiles := dst.Players[:0], dst.Projectiles[:0]
	*dst = WireState{Tick: d.Tick, Phase: d.Phase, PhaseTicksLeft: d.PhaseTicksLeft, ScoreLimit: d.ScoreLimit}

	// Players: the baseline's, each gone, changed or moved as predicted,
	// merged with the new ones, all in id order.
	var err error
	if players, err = mergeEntities(base.Players, d.Players, d.PlayerChanges, d.PlayersGone, players,
		func(p *WirePlayer) uint32 { return uint32(p.ID) },
		func(p *WirePlayer) (WirePlayer, bool) { return advancePlayer(*p, span, rate) },
		func(p *WirePlayer, c *Change) (WirePlayer, error) { return applyPlayer(p, c, span, rate) },
		"player"); err != nil {
		return err
	}
	if projectiles, err = mergeEntities(base.Projectiles, d.Projectiles, d.ProjectileChanges, d.ProjectilesGone, projectiles,
		func(p *WireProjectile) uint32 { return p.ID },
		func(p *WireProjectile) (WireProjectile, bool) { return advanceProjectile(*p, span, rate) },
		func(p *WireProjectile, c *Change) (WireProjectile, error) { return applyProjectile(p, c, span, rate) },
		"projectile"); err != nil {
		return err
	}
	dst.Players, dst.Projectiles = players, projectiles
	return nil
}

// mergeEntities is ApplyDelta for one kind of entity: base (sorted) with
// the delta's new entities, changes and removals (each sorted), into out.
func mergeEntities[E any](base, added []E, changes []Change, gone []uint32, out []E,
	id func(*E) uint32, advance func(*E) (E, bool), apply func(*E, *Change) (E, error), kind string) ([]E, error) {
	ai, ci, gi := 0, 0, 0
	sorted := func(ids func(int) uint32, n int) bool {
		for i := 1; i < n; i++ {
			if ids(i) <= ids(i-1) {
				return false
			}
		}
		return true
	}
	if !sorted(func(i int) uint32 { return id(&base[i]) }, len(base)) ||
		!sorted(func(i int) uint32 { return id(&added[i]) }, len(added)) ||
		!sorted(func(i int) uint32 { return changes[i].ID }, len(changes)) ||
		!sorted(func(i int) uint32 { return gone[i] }, len(gone)) {
		return out, fmt.Errorf("%w: %ss out of order (in the delta or the baseline)", ErrBadDelta, kind)
	}
	for bi := range base {
		b := &base[bi]
		bid := id(b)
		for ai < len(added) && id(&added[ai]) < bid {
			out = append(out, added[ai])
			ai++
		}
		if ai < len(added) && id(&added[ai]) == bid {
			return out, fmt.Errorf("%w: %s %d added but in the baseline", ErrBadDelta, kind, bid)
		}
		if ci < len(changes) && changes[ci].ID < bid || gi < len(gone) && gone[gi] < bid {
			return out, fmt.Errorf("%w: a %s changed or removed that the baseline does not have", ErrBadDelta, kind)
		}
		isGone := gi < len(gone) && gone[gi] == bid
		isChanged := ci < len(changes) && changes[ci].ID == bid
		switch {
		case isGone && isChanged:
			return out, fmt.Errorf("%w: %s %d both changed and removed", ErrBadDelta, kind, bid)
		case isGone:
			gi++
		case isChanged:
			e, err := apply(b, &changes[ci])
			if err != nil {
				return out, err
			}
			out = append(out, e)
			ci++
		default:
			e, ok := advance(b)
			if !ok {
				return out, fmt.Errorf("%w: %s %d predicted out of range", ErrBadDelta, kind, bid)
			}
			out = append(out, e)
		}
	}
	if ci < len(changes) || gi < len(gone) {
		return out, fmt.Errorf("%w: a %s changed or removed that the baseline does not have", ErrBadDelta, kind)
	}
	return append(out, added[ai:]...), nil
}

// maskFits reports whether mask names only fields that exist.
func maskFits(mask uint64, fields int) bool { return mask>>fields == 0 }

// popcount is how many values a change entry carries.
func popcount(mask uint16) int { return bits.OnesCount16(mask) }

// EncodeDelta encodes a delta (PROTOCOL.md §1.5). Every list must be sorted
// by id, as Diff and the hub make them.
func (e *Encoder) EncodeDelta(d *Delta) []byte {
	e.start(TypeDelta, 11)
	e.uint(uint64(d.Tick))
	e.uint(uint64(d.BaseTick))
	e.uint(uint64(d.Phase))
	e.uint(uint64(d.PhaseTicksLeft))
	e.int(int64(d.ScoreLimit))
	e.arrayLen(len(d.Players))
	for i := range d.Players {
		e.wirePlayer(&d.Players[i])
	}
	e.changes(d.PlayerChanges)
	e.gone(d.PlayersGone)
	e.arrayLen(len(d.Projectiles))
	for i := range d.Projectiles {
		e.wireProjectile(&d.Projectiles[i])
	}
	e.changes(d.ProjectileChanges)
	e.gone(d.ProjectilesGone)
	return e.payload()
}

// changes writes change entries, [idGap, mask, values…], each id as the
// gap from the entry before (the first from 0).
func (e *Encoder) changes(cs []Change) {
	e.arrayLen(len(cs))
	prev := uint32(0)
	for i := range cs {
		e.change(&cs[i], prev)
		prev = cs[i].ID
	}
}

func (e *Encoder) change(c *Change, prevID uint32) {
	e.arrayLen(2 + popcount(c.Mask))
	e.uint(uint64(c.ID - prevID))
	e.uint(uint64(c.Mask))
	for f := range playerFields {
		if c.Mask&(1<<f) != 0 {
			e.int(c.Values[f])
		}
	}
}

// gone writes removed ids as gaps, like changes.
func (e *Encoder) gone(ids []uint32) {
	e.arrayLen(len(ids))
	prev := uint32(0)
	for _, id := range ids {
		e.uint(uint64(id - prev))
		prev = id
	}
}
