package game

// STUB: signatures are the contract; the game helper replaces the bodies.

// WorldConfig configures a World. Zero values take the documented defaults.
type WorldConfig struct {
	Seed       int64 // seeds bots and spawn choice; same seed + inputs ⇒ same state
	TickRate   int   // ticks per second; 0 means 30
	MaxPlayers int   // humans + bots; 0 means 8
	BotFill    int   // bots keep humans+bots at least this many (capped at MaxPlayers); 0 means no bots
	Map        *Map  // required
	TimeLimit  int   // live phase length in ticks; 0 means 5 minutes
	ScoreLimit int   // kills that end the match; 0 means 20
}

// World is one match's simulation. It is not safe for concurrent use: exactly
// one goroutine (the Match's) owns it.
type World struct{}

// NewWorld returns a World in PhaseWaiting with bots seated per cfg.BotFill.
func NewWorld(cfg WorldConfig) (*World, error) { panic("unimplemented") }

// AddPlayer seats a human, replacing a bot if the match is full of bots.
// It returns ErrMatchFull when every seat holds a human.
func (w *World) AddPlayer(name string) (PlayerID, error) { panic("unimplemented") }

// RemovePlayer removes a player; bots refill the seat per BotFill.
func (w *World) RemovePlayer(id PlayerID) { panic("unimplemented") }

// SetInput sets the input applied to player id on the next Step (the last
// one set before a Step wins). in must already be sanitized.
func (w *World) SetInput(id PlayerID, in Input) { panic("unimplemented") }

// Step advances the world exactly one tick of 1/TickRate seconds.
func (w *World) Step() { panic("unimplemented") }

// Events returns the events of the last Step (and of AddPlayer/RemovePlayer
// calls since). The slice is reused by the next Step.
func (w *World) Events() []Event { panic("unimplemented") }

// Snapshot fills dst with the current visible state, reusing its slices.
func (w *World) Snapshot(dst *Snapshot) { panic("unimplemented") }

// Hash returns a hash of the full simulation state, for determinism tests.
func (w *World) Hash() uint64 { panic("unimplemented") }

// Phase returns the current phase.
func (w *World) Phase() Phase { panic("unimplemented") }

// Humans returns how many seated players are humans.
func (w *World) Humans() int { panic("unimplemented") }

// Tick returns the number of Steps taken.
func (w *World) Tick() uint32 { panic("unimplemented") }

// End ends the match now with reason (used on shutdown).
func (w *World) End(reason EndReason) { panic("unimplemented") }
