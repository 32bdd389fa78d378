package game

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// STUB: signatures are the contract; the game helper replaces the bodies.

// Errors returned by Match and Registry.
var (
	ErrMatchFull    = errors.New("game: match full")
	ErrMatchBusy    = errors.New("game: match inbox full")
	ErrMatchStopped = errors.New("game: match stopped")
	ErrNotFound     = errors.New("game: match not found")
)

// MatchConfig configures a Match. Zero values take the documented defaults.
type MatchConfig struct {
	ID          string        // required, unique in the registry
	World       WorldConfig   // the simulation
	Clock       Clock         // required
	MaxCatchUp  int           // most ticks stepped at once after a stall; 0 means 5
	InboxSize   int           // most pending inputs; 0 means 1024
	InputBuffer int           // most queued inputs per player; 0 means 8
	EndedLinger time.Duration // how long an ended match keeps running (scoreboard); 0 means 10s
	Logger      *slog.Logger  // nil means slog.Default()
}

// JoinResult is what a successful Join returns.
type JoinResult struct {
	Player   PlayerID
	Snapshot Snapshot // the match as it was when the player joined (a copy)
}

// MatchInfo is a summary of a match, safe to read from any goroutine.
type MatchInfo struct {
	ID         string
	Map        string
	Phase      Phase
	Humans     int
	Bots       int
	MaxPlayers int
	TickRate   int
	TimeLeft   time.Duration // until the current phase ends; 0 when open-ended
	Overruns   uint64        // ticks dropped because the match fell too far behind
}

// Match runs one World on its own goroutine. All methods are safe for
// concurrent use.
type Match struct{}

// NewMatch validates cfg and returns a Match that is not yet running.
func NewMatch(cfg MatchConfig) (*Match, error) { panic("unimplemented") }

// ID returns the match id.
func (m *Match) ID() string { panic("unimplemented") }

// Run steps the match until ctx is cancelled or the match ends and lingers
// out. It returns nil on a normal end. Observers get OnStop before it returns.
func (m *Match) Run(ctx context.Context) error { panic("unimplemented") }

// Join seats a human named name and waits until the match goroutine has
// processed it (or ctx is done).
func (m *Match) Join(ctx context.Context, name string) (JoinResult, error) { panic("unimplemented") }

// Leave removes player id. It never blocks and is never dropped.
func (m *Match) Leave(id PlayerID) { panic("unimplemented") }

// Input queues a sanitized input for player id. It never blocks; it returns
// false when the inbox is full and the input was dropped.
func (m *Match) Input(id PlayerID, in Input) bool { panic("unimplemented") }

// Subscribe adds an observer; the returned func removes it.
func (m *Match) Subscribe(o Observer) (unsubscribe func()) { panic("unimplemented") }

// Info returns a summary as of the last tick.
func (m *Match) Info() MatchInfo { panic("unimplemented") }

// Done is closed when Run has returned.
func (m *Match) Done() <-chan struct{} { panic("unimplemented") }
