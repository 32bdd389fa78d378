package game

// CommandKind says what a Command asks of the World.
type CommandKind uint8

// Command kinds. The numeric values are stable: match journals (replays)
// record them.
const (
	// CommandJoin seats a human named Name (replacing a bot if the match is
	// full of bots). Its outcome, the new PlayerID or why there is none, is
	// in World.JoinOutcomes after the Step.
	CommandJoin CommandKind = 1
	// CommandLeave unseats Player; bots refill the seat per BotFill. A
	// player who is not seated is ignored.
	CommandLeave CommandKind = 2
	// CommandEnd ends the match now with Reason (a server shutdown, an
	// abandoned match). Ending an ended match does nothing.
	CommandEnd CommandKind = 3
	// CommandDisconnect holds Player's seat: their connection dropped
	// without a leave. See World.disconnect (hold.go).
	CommandDisconnect CommandKind = 4
	// CommandReconnect gives a held Player back their seat; for a player
	// who is not held it only restarts their input, as a new connection
	// does. See World.reconnect (hold.go).
	CommandReconnect CommandKind = 5
)

// Command is one change to the match from outside the simulation: who plays,
// or that it stops. It is a flat value so a tick's commands live in one
// reused slice.
type Command struct {
	Kind   CommandKind
	Player PlayerID  // CommandLeave, CommandDisconnect, CommandReconnect
	Name   string    // CommandJoin: already validated by the caller (see netcode's hello rules)
	Reason EndReason // CommandEnd
}

// PlayerInput is one human's input for one tick.
type PlayerInput struct {
	Player PlayerID
	Input  Input
}

// TickInput is everything from outside the World that one Step consumes: the
// only way anything but the World's own seeded generator influences the
// simulation. Replaying the same TickInput values, in order, into a World
// built from the same WorldConfig reproduces the match exactly (same Hash),
// which is what replays and lag compensation stand on: each Input carries
// its client's view time (Input.ViewTime), so the same values give the same
// lag-compensated hits.
//
// Redos are done first (over the ticks already stepped), then Commands, in
// order. Inputs follow: at most one per
// player is meant (the match runtime's jitter buffer picks it); when a player
// appears twice, the later input wins. Inputs for bots and for players who
// are not seated are ignored. Every Input must already have passed
// Input.Sanitize (the match runtime does this once, when an input arrives);
// Step does not check them again.
//
// Step only reads a TickInput; the caller may reuse its slices afterwards.
type TickInput struct {
	Redos    []Redo
	Commands []Command
	Inputs   []PlayerInput
}

// RedoTicks is how many ticks back a Redo may reach: about a second at the
// default tick rate, well beyond a network stall the runtime stands in for.
const RedoTicks = 32

// Move is a move vector as an Input carries it (MoveX, MoveY), sanitized.
type Move struct{ X, Y float64 }

// Redo re-runs one human's movement over ticks already stepped, with the
// moves they really made. The match runtime stands in for an input that has
// not arrived by its tick (game/match/jitter.go); when it arrives late and
// moved otherwise, a Redo lets it count after all instead of being skipped:
// the player ends up where their own client predicted, so a network stall
// during which they turned or stopped costs them no correction.
//
// The World does it only where nothing else depended on the stand-ins: the
// player is a human whose movement was stepped on every tick From..Tick()
// (alive, match not ended), no projectile touched them in those ticks and
// nothing moved them otherwise (a spawn, the countdown). Players do not
// collide with each other, so moving one changes no one else; shots the
// player fired meanwhile keep their origin. Otherwise the World refuses and
// the stand-ins stand (RedoOutcomes says which).
type Redo struct {
	Player PlayerID
	From   uint32 // the first tick to re-run: Tick()−RedoTicks < From ≤ Tick()
	Moves  []Move // the move for each tick From..Tick(), in order
}

// JoinOutcome is the result of one CommandJoin: the seated player's id, or
// why nobody was seated (ErrMatchFull, ErrMatchEnded).
type JoinOutcome struct {
	Player PlayerID
	Err    error
}
