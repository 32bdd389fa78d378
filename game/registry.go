package game

import "context"

// STUB: signatures are the contract; the game helper replaces the bodies.

// RegistryConfig configures a Registry.
type RegistryConfig struct {
	Match      MatchConfig   // template for new matches; ID is set per match
	NewID      func() string // required: unique match ids (cmd passes uuid.NewString)
	MaxMatches int           // 0 means 256
}

// Registry creates, finds and reaps matches. Safe for concurrent use.
type Registry struct{}

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) (*Registry, error) { panic("unimplemented") }

// Run starts matches' goroutines as they are created and stops them all when
// ctx is cancelled (each observer gets OnStop(EndShutdown)); it returns when
// every match goroutine has returned.
func (r *Registry) Run(ctx context.Context) error { panic("unimplemented") }

// Create starts a new match.
func (r *Registry) Create() (*Match, error) { panic("unimplemented") }

// Find returns the running match with id.
func (r *Registry) Find(id string) (*Match, bool) { panic("unimplemented") }

// QuickPlay returns the fullest match that still has a seat for a human and
// has not ended, creating one if there is none.
func (r *Registry) QuickPlay() (*Match, error) { panic("unimplemented") }

// List returns a summary of every running match, ordered by id.
func (r *Registry) List() []MatchInfo { panic("unimplemented") }
