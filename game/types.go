// Package game is Skirmish's simulation: a pure, deterministic World that
// World.Step advances one fixed tick at a time, consuming one explicit
// TickInput per tick.
//
// game has no I/O, no clock and no goroutines, and imports only the standard
// library; the match runtime that drives a World in real time is package
// game/match.
package game

import (
	"errors"
	"fmt"
	"math"
)

// Phase is where a match is in its life. Phases only move forward.
type Phase uint8

// The phases of a match, in order. The numeric values are on the wire.
const (
	PhaseWaiting   Phase = 0 // fewer than two participants; nobody scores
	PhaseCountdown Phase = 1 // about to start; players can move but not shoot
	PhaseLive      Phase = 2 // the match is on: time limit and score limit apply
	PhaseEnded     Phase = 3 // result frozen; the scoreboard stays readable
)

var phaseNames = [...]string{"waiting", "countdown", "live", "ended"}

// String returns the lower-case name used in logs and the spectator feed.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// Buttons is a bit set of held buttons in an Input.
type Buttons uint8

// Known buttons. Bits not listed here are ignored (masked off) by Sanitize so
// that newer clients can send buttons older servers do not know.
const (
	ButtonFire Buttons = 1 << 0

	knownButtons = ButtonFire
)

// Input is one tick's worth of a player's intent. Clients send one per tick;
// the match applies at most one per player per tick.
type Input struct {
	Seq     uint32  // client sequence number, increasing by one per input
	MoveX   float64 // -1..1, right is positive
	MoveY   float64 // -1..1, down is positive (screen coordinates)
	Aim     float64 // radians, 0 = +X, π/2 = +Y (down)
	Buttons Buttons
	// ViewTime is the server time, in ticks (fractional), at which the
	// client was drawing the other players when it sampled this input: its
	// interpolation time. A shot the input fires is judged against the
	// players as they were then, rewound by at most WorldConfig.MaxRewind
	// (lag compensation, lagcomp.go). 0 means not given: judged against the
	// present.
	ViewTime float64
	// ShotID is the client's id for the shot this input fires, echoed in
	// the projectile's state (ProjectileState.ShotID) so that the client can
	// hand its predicted shot over to the server's. 0 means none.
	ShotID uint32
}

// ErrInvalidInput is returned by Input.Sanitize for inputs that cannot be
// repaired, such as NaN or infinite values.
var ErrInvalidInput = errors.New("game: invalid input")

// Sanitize is the one rule for what the simulation accepts from a client. It
// returns the input made safe for the World: the move vector is clamped to
// length 1, the aim is wrapped into [-π, π], unknown buttons are dropped and
// a negative view time means none (0). NaN or infinite values make the whole
// input invalid (ErrInvalidInput), because there is no honest way to guess
// what the client meant.
//
// It runs once per input, where inputs enter the match runtime
// (match.Match.Input); the World trusts what it is given.
func (in Input) Sanitize() (Input, error) {
	for _, v := range [...]float64{in.MoveX, in.MoveY, in.Aim, in.ViewTime} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Input{}, fmt.Errorf("%w: non-finite value in input %d", ErrInvalidInput, in.Seq)
		}
	}
	if l := math.Hypot(in.MoveX, in.MoveY); l > 1 {
		in.MoveX /= l
		in.MoveY /= l
	}
	if in.Aim < -math.Pi || in.Aim > math.Pi {
		in.Aim = math.Remainder(in.Aim, 2*math.Pi)
	}
	in.Buttons &= knownButtons
	in.ViewTime = max(in.ViewTime, 0)
	return in, nil
}

// PlayerID identifies a player (human or bot) inside one match. It is small
// so it packs into a byte or two on the wire; 0 means "nobody". IDs are not
// reused within a match.
type PlayerID uint16

// PlayerFlags are boolean facts about a player in a snapshot.
type PlayerFlags uint8

// Player flags. The numeric values are on the wire.
const (
	FlagAlive     PlayerFlags = 1 << 0 // in the arena; dead players wait to respawn
	FlagProtected PlayerFlags = 1 << 1 // spawn protection: takes no damage
	FlagBot       PlayerFlags = 1 << 2 // a server bot
	// FlagDisconnected: a human whose connection dropped; their seat is
	// held for them and they do not act until they are back
	// (CommandDisconnect).
	FlagDisconnected PlayerFlags = 1 << 3
)

// PlayerState is one player as seen in a snapshot.
type PlayerState struct {
	ID           PlayerID
	Name         string
	X, Y         float64 // centre, world units
	VX, VY       float64 // world units per second
	Aim          float64 // radians
	Health       int     // 0..MaxHealth
	Flags        PlayerFlags
	Kills        int
	Deaths       int
	RespawnTicks int    // ticks until respawn while dead, else 0
	AckSeq       uint32 // Seq of the newest input the player's inputs have been consumed up to (see InputTiming)

	InputTiming // humans' input clock; zero for bots. Filled in by the match runtime, not the World.
}

// InputTiming is what the match runtime's jitter buffer tells a player about
// their inputs (docs/PROTOCOL.md §1.5). The World leaves it zero; the runtime
// (game/match) fills it in on the snapshots it hands to observers.
type InputTiming struct {
	// InputSlack is how many milliseconds earlier than needed the player's
	// inputs have been arriving (the worst of the last two seconds, less a
	// small guard): positive means the client should send later, negative
	// earlier; 0 when there is nothing to say.
	InputSlack int32
	// InputsSkipped counts the player's inputs that arrived after their tick,
	// moved differently from the input that stood in for them and could not
	// be redone (game.Redo), so they were never applied (wrapping at 2^32).
	InputsSkipped uint32
	// InputsAwaited is how many of the player's newest consumed slots got a
	// stand-in whose input has not arrived yet and may still be redone:
	// while it is not 0, the player's state in this snapshot is provisional.
	InputsAwaited uint32
}

// ProjectileState is one projectile in flight as seen in a snapshot.
type ProjectileState struct {
	ID     uint32
	Owner  PlayerID
	X, Y   float64
	VX, VY float64
	ShotID uint32 // the Input.ShotID that fired it; 0 for none (bots, repeated inputs)
}

// Snapshot is the full visible state of a match after a tick. Whoever is
// handed a *Snapshot by the match runtime may read it only during the call;
// CopyFrom keeps one.
type Snapshot struct {
	Tick           uint32
	Phase          Phase
	PhaseTicksLeft uint32 // ticks until the phase ends (countdown, live time limit, ended linger); 0 when open-ended
	ScoreLimit     int
	Players        []PlayerState     // sorted by ID
	Projectiles    []ProjectileState // sorted by ID
}

// CopyFrom makes s a deep copy of src, reusing s's slices so that a caller
// that keeps one Snapshot around does not allocate every tick.
func (s *Snapshot) CopyFrom(src *Snapshot) {
	players, projectiles := s.Players[:0], s.Projectiles[:0]
	*s = *src
	s.Players = append(players, src.Players...)
	s.Projectiles = append(projectiles, src.Projectiles...)
}

// Player returns the state of player id in the snapshot.
func (s *Snapshot) Player(id PlayerID) (PlayerState, bool) {
	for i := range s.Players {
		if s.Players[i].ID == id {
			return s.Players[i], true
		}
	}
	return PlayerState{}, false
}

// EventKind says what happened in an Event. The numeric values are on the wire.
type EventKind uint8

// Event kinds and the Event fields each one uses.
const (
	EventJoin    EventKind = 1 // Player joined; Name; Value 1 if a bot
	EventLeave   EventKind = 2 // Player left
	EventKill    EventKind = 3 // Other killed Player (Other is 0 for a world kill)
	EventRespawn EventKind = 4 // Player respawned
	EventPhase   EventKind = 5 // Value is the new Phase
	EventScore   EventKind = 6 // Player's score (kills) is now Value
	EventEnd     EventKind = 7 // match over; Player is the winner (0 for none); Value is the EndReason
	// EventDisconnect: Player's connection dropped; their seat is held
	// (CommandDisconnect).
	EventDisconnect EventKind = 8
	// EventReconnect: a held Player is back (CommandReconnect).
	EventReconnect EventKind = 9
)

var eventNames = [...]string{"", "join", "leave", "kill", "respawn", "phase", "score", "end", "disconnect", "reconnect"}

// String returns the lower-case name used in the spectator feed.
func (k EventKind) String() string {
	if int(k) < len(eventNames) && k != 0 {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// EndReason says why a match ended (the Value of an EventEnd).
type EndReason int32

// End reasons. The numeric values are on the wire.
const (
	EndTimeLimit  EndReason = 1
	EndScoreLimit EndReason = 2
	EndShutdown   EndReason = 3 // the server is stopping
	EndAbandoned  EndReason = 4 // no human played for the match runtime's empty timeout
	EndAdmin      EndReason = 5 // the host ended it (the admin API's DELETE /admin/matches/{id})
)

var endReasonNames = [...]string{"", "time_limit", "score_limit", "shutdown", "abandoned", "admin"}

// String returns the snake_case name used in logs and the spectator feed.
func (r EndReason) String() string {
	if r > 0 && int(r) < len(endReasonNames) {
		return endReasonNames[r]
	}
	return fmt.Sprintf("end_reason(%d)", int32(r))
}

// Event is one discrete thing that happened during a tick. It is a flat value
// (no interfaces) so a tick's events live in one reused slice.
type Event struct {
	Tick   uint32
	Kind   EventKind
	Player PlayerID
	Other  PlayerID
	Value  int32
	Name   string
}
