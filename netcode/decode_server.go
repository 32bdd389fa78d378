package netcode

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// The server→client half of the Decoder, used by the Go client and the
// load tool (and the fuzz tests) rather than by the server itself.

// DecodeServer decodes a server→client message into a new ServerMessage
// that owns its slices. The error, if any, is a *DecodeError.
func (d *Decoder) DecodeServer(b []byte) (ServerMessage, error) {
	n, err := d.header(b)
	if err != nil {
		return nil, err
	}
	var m ServerMessage
	switch MsgType(d.typ) {
	case TypeWelcome:
		w := new(Welcome)
		m, err = w, d.welcome(n, w)
	case TypeSnapshot:
		s := new(Snapshot)
		m, err = s, d.snapshot(n, &s.Snapshot)
	case TypeDelta:
		dl := new(Delta)
		m, err = dl, d.delta(n, dl)
	case TypeEvents:
		e := new(Events)
		m, err = e, d.events(n, e)
	case TypePong:
		p := new(Pong)
		m, err = p, d.pong(n, p)
	case TypeError:
		e := new(ErrorMessage)
		m, err = e, d.errorMessage(n, e)
	default:
		return nil, &DecodeError{Kind: ErrUnknownType, Type: d.typ}
	}
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return m, nil
}
func (d *Decoder) pong(n int, p *Pong) error {
	if err := d.need("pong", n, 2); err != nil {
		return err
	}
	var err error
	if p.T, err = d.float("t"); err != nil {
		return err
	}
	tick, err := d.uint("tick", math.MaxUint32)
	if err != nil {
		return err
	}
	p.Tick = uint32(tick)
	return d.skip("pong", n-2)
}

func (d *Decoder) errorMessage(n int, m *ErrorMessage) error {
	if err := d.need("error", n, 3); err != nil {
		return err
	}
	code, err := d.uint("code", math.MaxUint16)
	if err != nil {
		return err
	}
	m.Code = ErrorCode(code)
	if m.Reason, err = d.str("reason"); err != nil {
		return err
	}
	if m.Message, err = d.str("message"); err != nil {
		return err
	}
	return d.skip("error", n-3)
}

func (d *Decoder) welcome(n int, w *Welcome) error {
	if err := d.need("welcome", n, 8); err != nil {
		return err
	}
	var err error
	var v uint64
	if w.Version, err = d.uint("version", math.MaxUint64); err != nil {
		return err
	}
	if w.Player, err = d.str("player"); err != nil {
		return err
	}
	if w.Match, err = d.str("match"); err != nil {
		return err
	}
	if v, err = d.uint("you", math.MaxUint16); err != nil {
		return err
	}
	w.You = game.PlayerID(v)
	if v, err = d.uint("tickRate", math.MaxInt32); err != nil {
		return err
	}
	w.TickRate = int(v)
	if v, err = d.uint("snapshotRate", math.MaxInt32); err != nil {
		return err
	}
	w.SnapshotRate = int(v)
	if w.Map, err = d.str("map"); err != nil {
		return err
	}
	count, err := d.array("roster")
	if err != nil {
		return err
	}
	w.Roster = slices.Grow(w.Roster[:0], count)
	for range count {
		var r RosterEntry
		if err := d.rosterEntry(&r); err != nil {
			return err
		}
		w.Roster = append(w.Roster, r)
	}
	// resume and reconnectWindow came later in version 1: a server that
	// does not send them issued no token.
	w.Resume, w.ReconnectWindow = "", 0
	if n < 9 {
		return nil
	}
	if w.Resume, err = d.str("resume"); err != nil {
		return err
	}
	if n < 10 {
		return nil
	}
	if v, err = d.uint("reconnectWindow", math.MaxUint32); err != nil {
		return err
	}
	w.ReconnectWindow = time.Duration(v) * time.Millisecond
	return d.skip("welcome", n-10)
}

func (d *Decoder) rosterEntry(r *RosterEntry) error {
	n, err := d.array("roster entry")
	if err != nil {
		return err
	}
	if err := d.need("roster entry", n, 5); err != nil {
		return err
	}
	v, err := d.uint("roster id", math.MaxUint16)
	if err != nil {
		return err
	}
	r.ID = game.PlayerID(v)
	if r.Name, err = d.str("roster name"); err != nil {
		return err
	}
	if v, err = d.uint("roster flags", math.MaxUint8); err != nil {
		return err
	}
	r.Flags = game.PlayerFlags(v)
	if v, err = d.uint("roster kills", math.MaxInt32); err != nil {
		return err
	}
	r.Kills = int(v)
	if v, err = d.uint("roster deaths", math.MaxInt32); err != nil {
		return err
	}
	r.Deaths = int(v)
	return d.skip("roster entry", n-5)
}

func (d *Decoder) snapshot(n int, s *game.Snapshot) error {
	if err := d.need("snapshot", n, 6); err != nil {
		return err
	}
	var v uint64
	var err error
	if v, err = d.uint("tick", math.MaxUint32); err != nil {
		return err
	}
	s.Tick = uint32(v)
	if v, err = d.uint("phase", math.MaxUint8); err != nil {
		return err
	}
	s.Phase = game.Phase(v)
	if v, err = d.uint("phaseTicksLeft", math.MaxUint32); err != nil {
		return err
	}
	s.PhaseTicksLeft = uint32(v)
	if v, err = d.uint("scoreLimit", math.MaxInt32); err != nil {
		return err
	}
	s.ScoreLimit = int(v)

	count, err := d.array("players")
	if err != nil {
		return err
	}
	s.Players = slices.Grow(s.Players[:0], count)
	for range count {
		var p game.PlayerState
		if err := d.playerState(&p); err != nil {
			return err
		}
		s.Players = append(s.Players, p)
	}
	if count, err = d.array("projectiles"); err != nil {
		return err
	}
	s.Projectiles = slices.Grow(s.Projectiles[:0], count)
	for range count {
		var p game.ProjectileState
		if err := d.projectileState(&p); err != nil {
			return err
		}
		s.Projectiles = append(s.Projectiles, p)
	}
	return d.skip("snapshot", n-6)
}

// quantized reads a pos or vel element.
func (d *Decoder) quantized(field string) (int32, error) {
	v, err := d.int(field, math.MinInt32, math.MaxInt32)
	return int32(v), err
}

// count reads a count (health, kills, …): 0..MaxInt32.
func (d *Decoder) count(field string) (int32, error) {
	v, err := d.uint(field, math.MaxInt32)
	return int32(v), err
}

func (d *Decoder) playerState(p *game.PlayerState) error {
	var w WirePlayer
	if err := d.wirePlayer(&w); err != nil {
		return err
	}
	*p = w.State()
	return nil
}

// wirePlayer reads a player array (a snapshot's, a delta's new player).
func (d *Decoder) wirePlayer(p *WirePlayer) error {
	n, err := d.array("player")
	if err != nil {
		return err
	}
	if err := d.need("player", n, 12); err != nil {
		return err
	}
	var v uint64
	if v, err = d.uint("player id", math.MaxUint16); err != nil {
		return err
	}
	p.ID = game.PlayerID(v)
	if p.X, err = d.quantized("player x"); err != nil {
		return err
	}
	if p.Y, err = d.quantized("player y"); err != nil {
		return err
	}
	if p.VX, err = d.quantized("player vx"); err != nil {
		return err
	}
	if p.VY, err = d.quantized("player vy"); err != nil {
		return err
	}
	if v, err = d.uint("player aim", math.MaxUint16); err != nil {
		return err
	}
	p.Aim = uint16(v)
	if p.Health, err = d.count("player health"); err != nil {
		return err
	}
	if v, err = d.uint("player flags", math.MaxUint8); err != nil {
		return err
	}
	p.Flags = game.PlayerFlags(v)
	if p.Kills, err = d.count("player kills"); err != nil {
		return err
	}
	if p.Deaths, err = d.count("player deaths"); err != nil {
		return err
	}
	if p.RespawnTicks, err = d.count("player respawnTicks"); err != nil {
		return err
	}
	if v, err = d.uint("player ackSeq", math.MaxUint32); err != nil {
		return err
	}
	p.AckSeq = uint32(v)
	// inputSlack, inputsSkipped and inputsAwaited came later in version 1: a
	// server that does not send them has nothing to say (0).
	p.InputSlack, p.InputsSkipped, p.InputsAwaited = 0, 0, 0
	if n < 13 {
		return nil
	}
	if p.InputSlack, err = d.quantized("player inputSlack"); err != nil {
		return err
	}
	if n < 14 {
		return nil
	}
	if v, err = d.uint("player inputsSkipped", math.MaxUint32); err != nil {
		return err
	}
	p.InputsSkipped = uint32(v)
	if n < 15 {
		return nil
	}
	if v, err = d.uint("player inputsAwaited", math.MaxUint32); err != nil {
		return err
	}
	p.InputsAwaited = uint32(v)
	return d.skip("player", n-15)
}

func (d *Decoder) projectileState(p *game.ProjectileState) error {
	var w WireProjectile
	if err := d.wireProjectile(&w); err != nil {
		return err
	}
	*p = w.State()
	return nil
}

// wireProjectile reads a projectile array.
func (d *Decoder) wireProjectile(p *WireProjectile) error {
	n, err := d.array("projectile")
	if err != nil {
		return err
	}
	if err := d.need("projectile", n, 6); err != nil {
		return err
	}
	var v uint64
	if v, err = d.uint("projectile id", math.MaxUint32); err != nil {
		return err
	}
	p.ID = uint32(v)
	if v, err = d.uint("projectile owner", math.MaxUint16); err != nil {
		return err
	}
	p.Owner = game.PlayerID(v)
	if p.X, err = d.quantized("projectile x"); err != nil {
		return err
	}
	if p.Y, err = d.quantized("projectile y"); err != nil {
		return err
	}
	if p.VX, err = d.quantized("projectile vx"); err != nil {
		return err
	}
	if p.VY, err = d.quantized("projectile vy"); err != nil {
		return err
	}
	// shotId came later in version 1: a server that does not send it names
	// no shot.
	p.ShotID = 0
	if n < 7 {
		return nil
	}
	if v, err = d.uint("projectile shotId", math.MaxUint32); err != nil {
		return err
	}
	p.ShotID = uint32(v)
	return d.skip("projectile", n-7)
}

func (d *Decoder) events(n int, e *Events) error {
	if err := d.need("events", n, 2); err != nil {
		return err
	}
	v, err := d.uint("tick", math.MaxUint32)
	if err != nil {
		return err
	}
	e.Tick = uint32(v)
	count, err := d.array("events")
	if err != nil {
		return err
	}
	e.Events = slices.Grow(e.Events[:0], count)
	for range count {
		ev := game.Event{Tick: e.Tick}
		if err := d.event(&ev); err != nil {
			return err
		}
		e.Events = append(e.Events, ev)
	}
	return d.skip("events", n-2)
}

func (d *Decoder) event(ev *game.Event) error {
	n, err := d.array("event")
	if err != nil {
		return err
	}
	if err := d.need("event", n, 5); err != nil {
		return err
	}
	var v uint64
	if v, err = d.uint("event kind", math.MaxUint8); err != nil {
		return err
	}
	ev.Kind = game.EventKind(v)
	if v, err = d.uint("event player", math.MaxUint16); err != nil {
		return err
	}
	ev.Player = game.PlayerID(v)
	if v, err = d.uint("event other", math.MaxUint16); err != nil {
		return err
	}
	ev.Other = game.PlayerID(v)
	value, err := d.int("event value", math.MinInt32, math.MaxInt32)
	if err != nil {
		return err
	}
	ev.Value = int32(value)
	if ev.Name, err = d.str("event name"); err != nil {
		return err
	}
	return d.skip("event", n-5)
}

// delta reads a delta message (PROTOCOL.md §1.5). It checks the syntax:
// ticks, ranges, ids in increasing order, masks naming known fields;
// whether the delta fits a baseline is ApplyDelta's to say.
func (d *Decoder) delta(n int, dl *Delta) error {
	if err := d.need("delta", n, 11); err != nil {
		return err
	}
	var v uint64
	var err error
	if v, err = d.uint("tick", math.MaxUint32); err != nil {
		return err
	}
	dl.Tick = uint32(v)
	if v, err = d.uint("baseTick", math.MaxUint32); err != nil {
		return err
	}
	dl.BaseTick = uint32(v)
	if dl.BaseTick >= dl.Tick || dl.Tick-dl.BaseTick > maxDeltaSpan {
		return d.malformed("baseTick", fmt.Errorf("%w: %d is not 1 to %d ticks before %d", errRange, dl.BaseTick, maxDeltaSpan, dl.Tick))
	}
	if v, err = d.uint("phase", math.MaxUint8); err != nil {
		return err
	}
	dl.Phase = game.Phase(v)
	if v, err = d.uint("phaseTicksLeft", math.MaxUint32); err != nil {
		return err
	}
	dl.PhaseTicksLeft = uint32(v)
	if dl.ScoreLimit, err = d.count("scoreLimit"); err != nil {
		return err
	}
	count, err := d.array("players")
	if err != nil {
		return err
	}
	dl.Players = slices.Grow(dl.Players[:0], count)
	for range count {
		var p WirePlayer
		if err := d.wirePlayer(&p); err != nil {
			return err
		}
		dl.Players = append(dl.Players, p)
	}
	if dl.PlayerChanges, err = d.changeList("playerChanges", dl.PlayerChanges[:0], math.MaxUint16, playerFields); err != nil {
		return err
	}
	if dl.PlayersGone, err = d.idList("playersGone", dl.PlayersGone[:0], math.MaxUint16); err != nil {
		return err
	}
	if count, err = d.array("projectiles"); err != nil {
		return err
	}
	dl.Projectiles = slices.Grow(dl.Projectiles[:0], count)
	for range count {
		var p WireProjectile
		if err := d.wireProjectile(&p); err != nil {
			return err
		}
		dl.Projectiles = append(dl.Projectiles, p)
	}
	if dl.ProjectileChanges, err = d.changeList("projectileChanges", dl.ProjectileChanges[:0], math.MaxUint32, projectileFields); err != nil {
		return err
	}
	if dl.ProjectilesGone, err = d.idList("projectilesGone", dl.ProjectilesGone[:0], math.MaxUint32); err != nil {
		return err
	}
	return d.skip("delta", n-11)
}

// nextID reads an id gap and returns the id it leads to from prev (the
// first entry's gap is its id; later gaps are at least 1), at most limit.
func (d *Decoder) nextID(field string, prev uint64, first bool, limit uint64) (uint64, error) {
	gap, err := d.uint(field, limit)
	if err != nil {
		return 0, err
	}
	if !first && gap == 0 {
		return 0, d.malformed(field, fmt.Errorf("%w: ids must increase", errRange))
	}
	if gap > limit-prev {
		return 0, d.malformed(field, fmt.Errorf("%w: id beyond %d", errRange, limit))
	}
	return prev + gap, nil
}

// idList reads a list of id gaps.
func (d *Decoder) idList(field string, dst []uint32, limit uint64) ([]uint32, error) {
	count, err := d.array(field)
	if err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, count)
	id := uint64(0)
	for i := range count {
		if id, err = d.nextID(field, id, i == 0, limit); err != nil {
			return dst, err
		}
		dst = append(dst, uint32(id))
	}
	return dst, nil
}

// changeList reads a list of change entries [idGap, mask, values…] whose
// masks name at most fields fields.
func (d *Decoder) changeList(field string, dst []Change, limit uint64, fields int) ([]Change, error) {
	count, err := d.array(field)
	if err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, count)
	id := uint64(0)
	for i := range count {
		n, err := d.array(field)
		if err != nil {
			return dst, err
		}
		if err := d.need(field, n, 2); err != nil {
			return dst, err
		}
		if id, err = d.nextID(field+" id", id, i == 0, limit); err != nil {
			return dst, err
		}
		mask, err := d.uint(field+" mask", math.MaxUint16)
		if err != nil {
			return dst, err
		}
		if !maskFits(mask, fields) {
			return dst, d.malformed(field+" mask", fmt.Errorf("%w: %#x names unknown fields", errRange, mask))
		}
		c := Change{ID: uint32(id), Mask: uint16(mask)}
		if err := d.need(field, n, 2+popcount(c.Mask)); err != nil {
			return dst, err
		}
		for f := range fields {
			if c.Mask&(1<<f) == 0 {
				continue
			}
			if c.Values[f], err = d.int(field+" value", -maxChangeValue, maxChangeValue); err != nil {
				return dst, err
			}
		}
		if err := d.skip(field, n-2-popcount(c.Mask)); err != nil {
			return dst, err
		}
		dst = append(dst, c)
	}
	return dst, nil
}
