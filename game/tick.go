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
)

// Command is one change to the match from outside the simulation: who plays,
// or that it stops. It is a flat value so a tick's commands live in one
// reused slice.
type Command struct {
	Kind   CommandKind
	Player PlayerID  // CommandLeave
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
// which is what replays and lag compensation stand on.
//
// Commands are applied first, in order. Inputs follow: at most one per
// player is meant (the match runtime's jitter buffer picks it); when a player
// appears twice, the later input wins. Inputs for bots and for players who
// are not seated are ignored. Every Input must already have passed
// Input.Sanitize (the match runtime does this once, when an input arrives);
// Step does not check them again.
//
// Step only reads a TickInput; the caller may reuse its slices afterwards.
type TickInput struct {
	Commands []Command
	Inputs   []PlayerInput
}

// JoinOutcome is the result of one CommandJoin: the seated player's id, or
// why nobody was seated (ErrMatchFull, ErrMatchEnded).
type JoinOutcome struct {
	Player PlayerID
	Err    error
}
