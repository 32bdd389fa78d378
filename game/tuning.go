package game

import "strconv"

// Tuning: every gameplay constant lives here so balancing is one file and the
// client's prediction code (which must match the server bit for bit in
// spirit, if not in floating point) has a single place to copy from.
// Distances are world units (1 unit ≈ 1 CSS pixel at zoom 1), times seconds.
const (
	// PlayerRadius is the radius of a player's collision circle.
	PlayerRadius = 16.0
	// MaxSpeed is the top running speed, reached with the stick fully over.
	MaxSpeed = 260.0
	// Accel is how fast velocity turns toward the wished velocity while a
	// move key is held (units/s²): 0→MaxSpeed in 0.13 s, so controls feel
	// tight but not instant.
	Accel = 2000.0
	// Friction is the deceleration when no move key is held (units/s²):
	// MaxSpeed→0 in about 0.19 s.
	Friction = 1400.0

	// ProjectileSpeed is how fast a shot flies (units/s).
	ProjectileSpeed = 800.0
	// ProjectileRadius is a shot's collision radius.
	ProjectileRadius = 4.0
	// ProjectileLifetime is how long a shot flies before it fizzles (s):
	// 960 units, most of the arena's width.
	ProjectileLifetime = 1.2
	// FireCooldown is the least time between two shots of one player (s).
	FireCooldown = 0.2
	// Damage is the health a hit takes: four hits kill.
	Damage = 25
	// MaxHealth is a player's health after (re)spawning.
	MaxHealth = 100

	// RespawnDelay is how long a dead player waits (s).
	RespawnDelay = 2.0
	// SpawnProtection is how long a fresh spawn takes no damage (s); it
	// ends early when the protected player fires.
	SpawnProtection = 1.5
	// CountdownDuration is the length of PhaseCountdown (s).
	CountdownDuration = 3.0

	// InputStaleTime is how long a player's last input keeps being repeated
	// when no new one arrives (s). A late packet should not make a runner
	// stop or a held trigger stutter, but a client that vanished without a
	// goodbye should not keep running and shooting until it times out.
	InputStaleTime = 0.5

	// DefaultMaxRewind is how far back (s) the server's lag compensation
	// judges a shot by default (cmd/skirmish --max-rewind): Overwatch's
	// favour-the-shooter with a cap. WorldConfig.MaxRewind 0 turns it off.
	DefaultMaxRewind = 0.2
	// MaxRewindLimit is the most (s) WorldConfig.MaxRewind may be: history
	// is kept for it, and a victim is never judged older than this.
	MaxRewindLimit = 1.0

	// Defaults for WorldConfig zero values.
	DefaultTickRate   = 30
	DefaultMaxPlayers = 8
	DefaultTimeLimit  = 5 * 60 // seconds
	DefaultScoreLimit = 20
)

// Range is an inclusive range of allowed values for a setting. It is the one
// place a range is written: the World validates its config with it and the
// server's flags validate (and describe) themselves with the same value.
type Range struct{ Min, Max int }

// Contains reports whether v is within the range.
func (r Range) Contains(v int) bool { return v >= r.Min && v <= r.Max }

// String returns the range as "Min to Max", for messages and help texts.
func (r Range) String() string { return strconv.Itoa(r.Min) + " to " + strconv.Itoa(r.Max) }

// Limits on WorldConfig values, to keep a World's memory and per-tick work
// bounded whatever the config says.
var (
	// TickRates are the allowed WorldConfig.TickRate values (Hz).
	TickRates = Range{Min: 10, Max: 128}
	// PlayerCounts are the allowed WorldConfig.MaxPlayers values: a match
	// needs two participants to start, and 64 bounds the per-tick work.
	PlayerCounts = Range{Min: 2, Max: 64}
)

// ticksFor converts a duration in seconds to a whole number of ticks (at
// least 1), so that every timer in the simulation is an integer countdown and
// replays exactly.
func ticksFor(seconds float64, tickRate int) int {
	n := int(seconds*float64(tickRate) + 0.5)
	if n < 1 {
		n = 1
	}
	return n
}

// InputStaleTicks is InputStaleTime in whole ticks at tickRate: how many
// ticks in a row a missing input is stood in for by the player's last one
// before the player stands still. The World and the match runtime's jitter
// buffer both use it, so they agree.
func InputStaleTicks(tickRate int) int { return ticksFor(InputStaleTime, tickRate) }

// timers are the tuning durations converted to ticks for one tick rate.
type timers struct {
	fireCooldown int
	projLife     int
	respawn      int
	protection   int
	countdown    int
	inputStale   int
}

func newTimers(tickRate int) timers {
	return timers{
		fireCooldown: ticksFor(FireCooldown, tickRate),
		projLife:     ticksFor(ProjectileLifetime, tickRate),
		respawn:      ticksFor(RespawnDelay, tickRate),
		protection:   ticksFor(SpawnProtection, tickRate),
		countdown:    ticksFor(CountdownDuration, tickRate),
		inputStale:   InputStaleTicks(tickRate),
	}
}
