package netcode

import (
	"math"

	"github.com/skirmish-game/skirmish/game"
)

// WirePlayer is one player as snapshot messages carry it: the quantized
// integers of PROTOCOL.md §1.3 and §1.5, exactly what a decoder reads back.
// Deltas are computed and applied in these integers, so applying one is
// exact: no float ever rounds differently on the two sides.
type WirePlayer struct {
	ID            game.PlayerID
	X, Y          int32  // pos: world units × 8
	VX, VY        int32  // vel: world units per second × 8
	Aim           uint16 // angle: 65536 per turn
	Health        int32  // 0..MaxInt32, as are Kills, Deaths and RespawnTicks
	Flags         game.PlayerFlags
	Kills         int32
	Deaths        int32
	RespawnTicks  int32
	AckSeq        uint32
	InputSlack    int32
	InputsSkipped uint32
	InputsAwaited uint32
}

// WireProjectile is one projectile as snapshot messages carry it.
type WireProjectile struct {
	ID     uint32
	Owner  game.PlayerID
	X, Y   int32
	VX, VY int32
	ShotID uint32
}

// WireState is a whole snapshot in wire integers: what a client holds of
// the match after applying a complete snapshot or a delta (its picture of
// that tick). Players and Projectiles are sorted by ID.
//
// A WireState is a plain value; it is not safe for concurrent use.
type WireState struct {
	Tick           uint32
	Phase          game.Phase
	PhaseTicksLeft uint32
	ScoreLimit     int32 // 0..MaxInt32
	Players        []WirePlayer
	Projectiles    []WireProjectile
}

// Quantize makes w the wire form of s, reusing w's slices (no allocation
// once they are large enough). Counts beyond what a decoder accepts are
// clamped to 0..MaxInt32, so the wire never carries a value the other side
// would refuse.
func (w *WireState) Quantize(s *game.Snapshot) {
	w.Tick, w.Phase, w.PhaseTicksLeft, w.ScoreLimit = s.Tick, s.Phase, s.PhaseTicksLeft, count32(s.ScoreLimit)
	w.Players = w.Players[:0]
	for i := range s.Players {
		w.Players = append(w.Players, wirePlayerOf(&s.Players[i]))
	}
	w.Projectiles = w.Projectiles[:0]
	for i := range s.Projectiles {
		p := &s.Projectiles[i]
		w.Projectiles = append(w.Projectiles, WireProjectile{
			ID: p.ID, Owner: p.Owner,
			X: QuantizePos(p.X), Y: QuantizePos(p.Y),
			VX: QuantizeVel(p.VX), VY: QuantizeVel(p.VY),
			ShotID: p.ShotID,
		})
	}
}

func wirePlayerOf(p *game.PlayerState) WirePlayer {
	return WirePlayer{
		ID: p.ID,
		X:  QuantizePos(p.X), Y: QuantizePos(p.Y),
		VX: QuantizeVel(p.VX), VY: QuantizeVel(p.VY),
		Aim:    QuantizeAngle(p.Aim),
		Health: count32(p.Health), Flags: p.Flags,
		Kills: count32(p.Kills), Deaths: count32(p.Deaths), RespawnTicks: count32(p.RespawnTicks),
		AckSeq: p.AckSeq, InputSlack: p.InputSlack, InputsSkipped: p.InputsSkipped, InputsAwaited: p.InputsAwaited,
	}
}

// State returns p in world units and radians, as a decoder returns it
// (names are not part of a snapshot).
func (p *WirePlayer) State() game.PlayerState {
	return game.PlayerState{
		ID: p.ID,
		X:  DequantizePos(p.X), Y: DequantizePos(p.Y),
		VX: DequantizeVel(p.VX), VY: DequantizeVel(p.VY),
		Aim:    DequantizeAngle(p.Aim),
		Health: int(p.Health), Flags: p.Flags,
		Kills: int(p.Kills), Deaths: int(p.Deaths), RespawnTicks: int(p.RespawnTicks),
		AckSeq: p.AckSeq,
		InputTiming: game.InputTiming{
			InputSlack: p.InputSlack, InputsSkipped: p.InputsSkipped, InputsAwaited: p.InputsAwaited,
		},
	}
}

// State returns p in world units.
func (p *WireProjectile) State() game.ProjectileState {
	return game.ProjectileState{
		ID: p.ID, Owner: p.Owner,
		X: DequantizePos(p.X), Y: DequantizePos(p.Y),
		VX: DequantizeVel(p.VX), VY: DequantizeVel(p.VY),
		ShotID: p.ShotID,
	}
}

// Dequantize writes w into dst in world units and radians, reusing dst's
// slices: what a decoder of the same message returns.
func (w *WireState) Dequantize(dst *game.Snapshot) {
	players, projectiles := dst.Players[:0], dst.Projectiles[:0]
	*dst = game.Snapshot{Tick: w.Tick, Phase: w.Phase, PhaseTicksLeft: w.PhaseTicksLeft, ScoreLimit: int(w.ScoreLimit)}
	for i := range w.Players {
		players = append(players, w.Players[i].State())
	}
	for i := range w.Projectiles {
		projectiles = append(projectiles, w.Projectiles[i].State())
	}
	dst.Players, dst.Projectiles = players, projectiles
}

// CopyFrom makes w a deep copy of src, reusing w's slices.
func (w *WireState) CopyFrom(src *WireState) {
	players, projectiles := w.Players[:0], w.Projectiles[:0]
	*w = *src
	w.Players = append(players, src.Players...)
	w.Projectiles = append(projectiles, src.Projectiles...)
}

// player returns the index of player id in w, or -1.
func (w *WireState) player(id game.PlayerID) int {
	lo, hi := 0, len(w.Players)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w.Players[m].ID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(w.Players) && w.Players[lo].ID == id {
		return lo
	}
	return -1
}

// count32 clamps a count to 0..MaxInt32, the range decoders accept.
func count32(v int) int32 {
	return int32(min(max(v, 0), math.MaxInt32))
}
