// Package clock provides the game.Clock implementations: System for
// production and Manual for tests that drive ticks instantly.
package clock

// STUB: the game helper writes System and Manual here.
